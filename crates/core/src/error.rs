//! Errors of the API layer, kept apart the way a person needs them: "could not ask",
//! "asked and was refused", "could not read the answer". Each maps to a [`Remedy`].

use crate::http::{HttpResponse, TransportError};
use serde::{Deserialize, Serialize};

/// Longest body excerpt kept in an error, so an HTML error page stays readable in a report.
const EXCERPT_CHARS: usize = 300;

/// One failed API call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ApiError {
    /// Could not ask: the transport failed before an answer arrived.
    #[error("could not reach the service: {0}")]
    Transport(#[from] TransportError),
    /// Asked and was refused: a non-2xx answer, with Dataverse's own code and message when given.
    #[error("{}", refused_text(*status, code.as_deref(), message.as_deref()))]
    Refused {
        /// HTTP status.
        status: u16,
        /// Dataverse/Graph error code, e.g. `0x80040220` or `Request_ResourceNotFound`.
        code: Option<String>,
        /// The service's message, verbatim.
        message: Option<String>,
        /// `Retry-After` in seconds, when the service said how long to wait.
        retry_after_s: Option<u64>,
    },
    /// Could not read the answer: a 2xx whose body is not what was expected (e.g. an HTML page).
    #[error("could not read the answer (status {status}): {reason}; body starts {excerpt:?}")]
    Unreadable {
        /// HTTP status.
        status: u16,
        /// What did not parse.
        reason: String,
        /// The first characters of the body.
        excerpt: String,
    },
    /// A page's `@odata.nextLink` leaves the origin that was asked: not followed, nothing sent.
    #[error("the service's next page is on {host}, not on {expected} that was asked; it was not followed and nothing was sent there")]
    ForeignNextLink {
        /// Where the link points (its origin, or the start of the link when it has none).
        host: String,
        /// The origin of the request the page answered.
        expected: String,
    },
    /// A listing went on past [`crate::odata::MAX_PAGES`] pages: refused rather than truncated.
    #[error("the list went on past {pages} pages; it was not read to the end, so nothing was concluded from it")]
    TooManyPages {
        /// The cap.
        pages: u32,
    },
}

fn refused_text(status: u16, code: Option<&str>, message: Option<&str>) -> String {
    match (code, message) {
        (Some(c), Some(m)) => format!("the service refused (HTTP {status}, {c}): {m}"),
        (None, Some(m)) => format!("the service refused (HTTP {status}): {m}"),
        (Some(c), None) => format!("the service refused (HTTP {status}, {c})"),
        (None, None) => format!("the service refused (HTTP {status})"),
    }
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: ErrorBody,
}

#[derive(Deserialize)]
struct ErrorBody {
    code: Option<String>,
    message: Option<String>,
}

/// Keeps the start of a body, valid UTF-8, for messages.
pub fn excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(body)
        .chars()
        .take(EXCERPT_CHARS)
        .collect()
}

/// Dataverse's error code for a duplicate record.
pub const CODE_DUPLICATE: &str = "0x80040237";
/// Dataverse's error code for a missing privilege.
pub const CODE_MISSING_PRIVILEGE: &str = "0x80040220";
/// Dataverse's `OrganizationDisabled`: "The Dynamics 365 organization you are attempting to
/// access is currently disabled" (Dataverse's web service error codes).
pub const CODE_ORGANIZATION_DISABLED: &str = "0x8004A104";

impl ApiError {
    /// Builds the "refused" error from a non-2xx answer; the body may be anything, even HTML.
    pub fn refused(resp: &HttpResponse) -> ApiError {
        let (code, message) = match serde_json::from_slice::<ErrorEnvelope>(&resp.body) {
            Ok(e) => (e.error.code, e.error.message),
            Err(_) if resp.body.is_empty() => (None, None),
            Err(_) => (None, Some(excerpt(&resp.body))),
        };
        ApiError::Refused {
            status: resp.status,
            code,
            message,
            retry_after_s: resp
                .header("Retry-After")
                .and_then(|v| v.trim().parse().ok()),
        }
    }

    /// Builds the "unreadable" error for a 2xx answer that did not parse.
    pub fn unreadable(resp: &HttpResponse, reason: impl std::fmt::Display) -> ApiError {
        ApiError::Unreadable {
            status: resp.status,
            reason: reason.to_string(),
            excerpt: excerpt(&resp.body),
        }
    }

    /// The HTTP status, when the service answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Refused { status, .. } | ApiError::Unreadable { status, .. } => Some(*status),
            ApiError::Transport(_)
            | ApiError::ForeignNextLink { .. }
            | ApiError::TooManyPages { .. } => None,
        }
    }

    /// The service's error code, when given.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Refused { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// Whether the answer leaves open if a write took effect (so state must be re-read).
    pub fn is_doubtful(&self) -> bool {
        match self {
            ApiError::Transport(_) => true,
            ApiError::Refused { status, .. } => *status >= 500 || *status == 429 || *status == 401,
            ApiError::Unreadable { .. } => true,
            ApiError::ForeignNextLink { .. } | ApiError::TooManyPages { .. } => false,
        }
    }

    /// A remedy for an error with no more specific context.
    pub fn remedy(&self) -> Remedy {
        match self {
            ApiError::Transport(TransportError::SignInNeeded { audience, .. }) => {
                Remedy::SignInAgain {
                    audience: audience.clone(),
                }
            }
            ApiError::Transport(TransportError::Timeout { after_ms }) => {
                Remedy::ServiceNotAnswering {
                    host: String::new(),
                    after_s: after_ms.div_ceil(1000),
                }
            }
            ApiError::Transport(TransportError::TooLarge { limit_bytes, .. }) => {
                Remedy::AnswerTooLarge {
                    limit_mb: limit_bytes.div_ceil(1024 * 1024),
                }
            }
            ApiError::Transport(TransportError::WrongOrigin { host, .. }) => {
                Remedy::AnswerLeftTheService { host: host.clone() }
            }
            ApiError::Transport(_) => Remedy::CheckNetwork,
            ApiError::Refused { status: 401, .. } => Remedy::SignInAgain {
                audience: String::new(),
            },
            ApiError::Refused {
                status: 429,
                retry_after_s,
                ..
            } => Remedy::WaitThrottled {
                wait_s: retry_after_s.unwrap_or(60),
            },
            ApiError::Refused {
                code: Some(code), ..
            } if code.eq_ignore_ascii_case(CODE_ORGANIZATION_DISABLED) => Remedy::EnableEnvironment,
            ApiError::Refused { status: 403, .. } => Remedy::NotSystemAdministrator,
            ApiError::Refused { status, .. } if *status >= 500 => Remedy::TryLater,
            ApiError::Refused { code, message, .. } => Remedy::ReadServiceMessage {
                code: code.clone(),
                message: message.clone().unwrap_or_default(),
            },
            ApiError::Unreadable { .. } => Remedy::TryLater,
            ApiError::ForeignNextLink { host, .. } => {
                Remedy::AnswerLeftTheService { host: host.clone() }
            }
            ApiError::TooManyPages { pages } => Remedy::ListTooLong { pages: *pages },
        }
    }
}

/// Something a person can do about a problem. Rendered by [`Remedy::text`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(tag = "remedy", rename_all = "kebab-case")]
pub enum Remedy {
    /// The admin is not System Administrator in this environment.
    NotSystemAdministrator,
    /// The vendor app is not consented in the tenant.
    ConsentVendorApp {
        /// The admin-consent link.
        consent_url: String,
    },
    /// The product is missing or too old.
    InstallOrUpgradeProduct {
        /// Product name.
        product: String,
        /// The version found, if any.
        found: Option<String>,
        /// The minimum version.
        required: String,
    },
    /// A role is missing in the root business unit.
    RoleMissing {
        /// Role name.
        role: String,
    },
    /// A role name matches several roles in the root business unit.
    RoleAmbiguous {
        /// Role name.
        role: String,
        /// How many matched.
        count: usize,
    },
    /// Throttled: wait this long.
    WaitThrottled {
        /// Seconds to wait.
        wait_s: u64,
    },
    /// The sign-in expired or lacks this resource.
    SignInAgain {
        /// The resource that needs a fresh token (empty when unknown).
        audience: String,
    },
    /// A deleted application user for this app lingers in the environment.
    PurgeDeletedAppUser,
    /// The application user exists outside the root business unit.
    MoveAppUserToRoot {
        /// Where it is now.
        business_unit: String,
    },
    /// The root business unit could not be determined.
    CheckBusinessUnits,
    /// The environment is disabled: its Dataverse serves no requests until it is enabled.
    EnableEnvironment,
    /// A network problem; check the connection and retry.
    CheckNetwork,
    /// The service had trouble; retry later.
    TryLater,
    /// A service did not answer in time, after the retries the policy allows.
    ServiceNotAnswering {
        /// Which service (its origin; empty when unknown).
        host: String,
        /// How long each attempt waited, in seconds.
        after_s: u64,
    },
    /// The run stopped while writes were on their way: whether they took effect is unknown.
    InspectAgain {
        /// The writes in doubt, as the run record labels them.
        writes: Vec<String>,
    },
    /// An answer pointed the tool at another server (e.g. a next page on another host).
    AnswerLeftTheService {
        /// Where it pointed.
        host: String,
    },
    /// An answer was larger than the tool reads.
    AnswerTooLarge {
        /// The cap, in MiB.
        limit_mb: u64,
    },
    /// A list was longer than the tool reads.
    ListTooLong {
        /// The cap, in pages.
        pages: u32,
    },
    /// Read the service's own message (shown verbatim).
    ReadServiceMessage {
        /// The service's error code.
        code: Option<String>,
        /// The service's message.
        message: String,
    },
}

impl Remedy {
    /// What to tell the admin.
    pub fn text(&self) -> String {
        match self {
            Remedy::NotSystemAdministrator => "You are not System Administrator in this environment (tenant admins are not automatically). Ask a System Administrator of this environment to run this, or to assign you the role directly (roles held through a team are not detected).".into(),
            Remedy::ConsentVendorApp { consent_url } => format!("The vendor's app is not yet allowed into your tenant. A Global Administrator must grant consent: {consent_url}"),
            Remedy::InstallOrUpgradeProduct { product, found: None, required } => format!("{product} is not installed in this environment. Install {product} {required} or later, then run this again."),
            Remedy::InstallOrUpgradeProduct { product, found: Some(f), required } => format!("{product} {f} is installed; {required} or later is required. Upgrade it, then run this again."),
            Remedy::RoleMissing { role } => format!("The security role \"{role}\" does not exist in the root business unit. Install or repair the product's solution, then run this again."),
            Remedy::RoleAmbiguous { role, count } => format!("{count} security roles named \"{role}\" exist in the root business unit; rename or remove the extra ones so exactly one remains."),
            Remedy::WaitThrottled { wait_s } => format!("Dataverse asked to slow down; wait {wait_s} seconds, then retry."),
            Remedy::SignInAgain { audience } if audience.is_empty() => "Your sign-in expired. Sign in again, then retry.".into(),
            Remedy::SignInAgain { audience } => format!("Your sign-in for {audience} expired or was not granted. Sign in again, then retry."),
            Remedy::PurgeDeletedAppUser => "A deleted application user for this app still lingers in this environment. Remove it for good in the Power Platform admin center (Settings → Users + permissions → Application users), then run this again.".into(),
            Remedy::MoveAppUserToRoot { business_unit } => format!("The application user sits in business unit \"{business_unit}\", not the root business unit. Change its business unit to the root in the Power Platform admin center, then run this again."),
            Remedy::CheckBusinessUnits => "The root business unit of this environment could not be found. Check the environment's business units.".into(),
            Remedy::EnableEnvironment => "This environment is disabled, so nothing in it can be read or changed. Enable it in the Power Platform admin center: Environments → select this environment → Re-enable environment (an environment disabled because the subscription expired comes back within 24 hours of renewing the licenses). Then run this again.".into(),
            Remedy::CheckNetwork => "The service could not be reached. Check the network connection, then retry.".into(),
            Remedy::TryLater => "The service had a temporary problem. Retry in a few minutes.".into(),
            Remedy::ServiceNotAnswering { host, after_s } => {
                let who = if host.is_empty() { "The service".to_owned() } else { host.clone() };
                format!("{who} did not answer within {after_s} seconds, also when asked again. The environment may be busy, in maintenance or unreachable from this network: check its state in the Power Platform admin center and your connection, then try again. The tool reads the environment's state again before it writes anything.")
            }
            Remedy::InspectAgain { writes } => format!("The run was stopped while {} on its way to the service ({}), so whether it took effect is unknown. Nothing was sent after the stop. Open the environment again (\"Inspect and plan again\"): the tool reads its state first and writes only what is still missing.", if writes.len() == 1 { "a write was".to_owned() } else { format!("{} writes were", writes.len()) }, writes.join("; ")),
            Remedy::AnswerLeftTheService { host } => format!("An answer pointed the tool at {host}, which is not the service it asked. The tool did not follow it and sent nothing there (your sign-in is only ever sent to the service it is for). Microsoft's services do not answer this way: if it happens again, ask your network team whether a proxy rewrites answers."),
            Remedy::AnswerTooLarge { limit_mb } => format!("An answer was larger than {limit_mb} MB, far more than the service sends for what was asked, so the tool stopped reading it. Retry later; if it happens again, ask your network team whether a proxy answers instead of Microsoft."),
            Remedy::ListTooLong { pages } => format!("A list from the service went on for more than {pages} pages, so the tool stopped instead of working from part of it. If the environment really holds that many rows, remove what is no longer used; if not, retry later."),
            Remedy::ReadServiceMessage { code: Some(c), message } => format!("The service said ({c}): {message}"),
            Remedy::ReadServiceMessage { code: None, message } => format!("The service said: {message}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_error_page_becomes_refused_with_excerpt() {
        let resp = HttpResponse {
            status: 502,
            headers: vec![],
            body: b"<html><body>Bad gateway</body></html>".to_vec(),
        };
        let e = ApiError::refused(&resp);
        assert_eq!(e.status(), Some(502));
        assert!(e.to_string().contains("<html>"), "{e}");
        assert_eq!(e.remedy(), Remedy::TryLater);
    }

    #[test]
    fn dataverse_error_body_keeps_code_message_and_retry_after() {
        let resp = HttpResponse::json(429, &serde_json::json!({"error":{"code":"0x80072322","message":"Number of requests exceeded"}}))
            .with_header("retry-after", "17");
        let e = ApiError::refused(&resp);
        assert_eq!(e.code(), Some("0x80072322"));
        assert_eq!(e.remedy(), Remedy::WaitThrottled { wait_s: 17 });
        assert!(e.to_string().contains("Number of requests exceeded"));
    }

    #[test]
    fn a_disabled_organization_is_told_as_such_whatever_the_status() {
        for status in [403, 503] {
            let resp = HttpResponse::json(
                status,
                &serde_json::json!({"error":{"code":"0x8004A104","message":"The Dynamics 365 organization you are attempting to access is currently disabled."}}),
            );
            assert_eq!(ApiError::refused(&resp).remedy(), Remedy::EnableEnvironment);
        }
        assert!(Remedy::EnableEnvironment
            .text()
            .contains("Re-enable environment"));
    }

    #[test]
    fn every_remedy_has_text() {
        let r = Remedy::ConsentVendorApp {
            consent_url: "https://x/adminconsent?client_id=1".into(),
        };
        assert!(r.text().contains("adminconsent"));
    }
}
