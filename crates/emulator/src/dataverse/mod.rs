//! The Dataverse Web API of one environment, under `/api/data/v9.x/`.

pub mod entities;
pub mod handlers;
pub mod odata;

pub use handlers::handle;
