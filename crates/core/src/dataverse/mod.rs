//! Dataverse Web API: typed request builders and parsers per area, plus thin async helpers.
//!
//! Builders return [`HttpRequest`] values; parsers take [`HttpResponse`] values. The procedure
//! uses them sans-IO; the async helpers are for callers with an [`HttpClient`] at hand.

pub mod app_modules;
pub mod business_units;
pub mod roles;
pub mod solutions;
pub mod users;
pub mod whoami;

use crate::error::ApiError;
use crate::http::{HttpClient, HttpRequest};
use crate::odata;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// One Dataverse environment's Web API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dataverse {
    /// The environment origin, e.g. `https://contoso.crm.dynamics.com`; also the token audience.
    pub origin: String,
}

impl Dataverse {
    /// For an environment origin (a trailing slash is dropped).
    pub fn new(origin: &str) -> Dataverse {
        Dataverse {
            origin: origin.trim_end_matches('/').to_owned(),
        }
    }

    /// `{origin}/api/data/v9.2`.
    pub fn base(&self) -> String {
        format!("{}/api/data/v9.2", self.origin)
    }

    /// The resource whose token the transport attaches.
    pub fn audience(&self) -> &str {
        &self.origin
    }

    fn get(&self, path_and_query: &str) -> HttpRequest {
        odata::get(format!("{}/{}", self.base(), path_and_query), &self.origin)
    }

    fn get_paged(&self, path_and_query: &str) -> HttpRequest {
        odata::get_paged(format!("{}/{}", self.base(), path_and_query), &self.origin)
    }
}

/// Sends a paged GET and collects every row (see [`odata::collect_pages`]: same origin only, at
/// most [`odata::MAX_PAGES`] pages, else an error rather than part of the rows).
pub async fn fetch_all<T: DeserializeOwned>(
    client: &impl HttpClient,
    first: HttpRequest,
) -> Result<Vec<T>, ApiError> {
    odata::collect_pages(client, first).await
}
