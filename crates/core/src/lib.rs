//! The Work 365 application-user procedure and its Microsoft API clients.
//!
//! Sans-IO in the manner of str0m: [`procedure::Procedure`] takes inputs (answers, the admin's
//! choices, the time) and yields [`procedure::Command`]s (send these requests, show this prompt,
//! wait until then). It owns no tasks and no clock, so tests drive it faster than real time and
//! replay any interleaving of answers and faults. [`driver::drive`] runs it over an
//! [`http::HttpClient`] for callers that do have IO (the browser app, native tests).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod batch;
pub mod batched_round;
pub mod clock;
pub mod cloud;
pub mod dataverse;
pub mod discovery;
pub mod driver;
pub mod error;
pub mod graph;
pub mod http;
pub mod ids;
pub mod markdown;
pub mod odata;
pub mod odata_batch;
pub mod preset;
pub mod procedure;
pub mod record;
pub mod resume;
pub mod row;
pub mod session_store;
pub mod slots;
pub mod tenant_reads;
