//! Widgets more than one screen shows. A widget imports no screen; screens import widgets.
mod consent_unknown;
mod datacenter_choice;
mod error_panel;
mod report_bar;
mod sign_in_again;

pub use consent_unknown::ConsentUnknownNote;
pub use datacenter_choice::DataCenterChoice;
pub use error_panel::ErrorPanel;
pub use report_bar::ReportBar;
pub use sign_in_again::SignInAgain;
