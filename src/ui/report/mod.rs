//! The session's run record as downloads and on the clipboard.
mod report_bar;

pub use report_bar::ReportBar;
