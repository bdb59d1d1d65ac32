//! Injected faults: the next N requests matching a method and path glob.

use serde::{Deserialize, Serialize};

use crate::http::Resp;

/// What a fault does to the request it catches.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Action {
    /// Answer with this status instead; the request is not processed, unless `processed`
    /// (then it takes effect first, e.g. a `500` after the write was done).
    Status {
        status: u16,
        #[serde(default)]
        headers: std::collections::BTreeMap<String, String>,
        #[serde(default)]
        body: String,
        #[serde(default)]
        content_type: Option<String>,
        #[serde(default)]
        processed: bool,
    },
    /// Drop the connection `before` processing, or `after` processing without answering.
    Drop { drop: DropWhen },
    /// Delay, then process normally.
    Latency { latency_ms: u64 },
}

impl Action {
    /// The answer a status fault gives instead of the service's (`None` for other faults).
    pub fn answer(&self) -> Option<Resp> {
        let Action::Status {
            status,
            headers,
            body,
            content_type,
            ..
        } = self
        else {
            return None;
        };
        let mut resp = Resp::text(
            *status,
            content_type.as_deref().unwrap_or("application/json"),
            body.clone().into_bytes(),
        );
        for (k, v) in headers {
            resp = resp.header(k, v.clone());
        }
        Some(resp)
    }

    /// Whether the request is carried out before the fault's answer replaces the service's.
    pub fn processed(&self) -> bool {
        matches!(
            self,
            Action::Status {
                processed: true,
                ..
            }
        )
    }

    /// How the request log names it.
    pub fn describe(&self) -> String {
        match self {
            Action::Status {
                status,
                processed: true,
                ..
            } => format!("status {status} after processing"),
            Action::Status { status, .. } => format!("status {status}"),
            Action::Drop {
                drop: DropWhen::Before,
            } => "drop before".into(),
            Action::Drop {
                drop: DropWhen::After,
            } => "drop after".into(),
            Action::Latency { latency_ms } => format!("latency {latency_ms} ms"),
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DropWhen {
    Before,
    After,
}

/// One pending fault.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    #[serde(default)]
    pub method: Option<String>,
    pub path: String,
    #[serde(default)]
    pub host: Option<String>,
    /// A glob over the query string as sent (percent-encoded, without the `?`).
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default = "one")]
    pub count: u32,
    pub action: Action,
}

fn one() -> u32 {
    1
}

impl Fault {
    pub fn matches(&self, method: &str, host: &str, path: &str, query: &str) -> bool {
        self.query.as_deref().is_none_or(|q| glob(q, query))
            && self
                .method
                .as_deref()
                .is_none_or(|m| m == "*" || m.eq_ignore_ascii_case(method))
            && self
                .host
                .as_deref()
                .is_none_or(|h| glob(&h.to_ascii_lowercase(), host))
            && glob(&self.path, path)
    }
}

/// The pending faults, in the order they were added.
#[derive(Debug, Default, Serialize)]
#[serde(transparent)]
pub struct Faults(Vec<Fault>);

impl Faults {
    /// Adds faults after those pending.
    pub fn extend(&mut self, faults: impl IntoIterator<Item = Fault>) {
        self.0.extend(faults);
    }

    /// Forgets every pending fault.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// Takes the first pending fault matching the request, consuming one of its count.
    pub fn take(&mut self, method: &str, host: &str, path: &str, query: &str) -> Option<Action> {
        let faults = &mut self.0;
        let i = faults
            .iter()
            .position(|f| f.count > 0 && f.matches(method, host, path, query))?;
        let action = faults[i].action.clone();
        faults[i].count -= 1;
        if faults[i].count == 0 {
            faults.remove(i);
        }
        Some(action)
    }
}

/// `*` matches any run of characters (including `/`); everything else literally.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}
