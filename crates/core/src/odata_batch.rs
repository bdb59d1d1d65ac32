//! Dataverse's `$batch`: N Web API requests to one environment as one `POST …/$batch`
//! (`multipart/mixed`), and its answer back as N responses, in order.
//!
//! The format is OData 4.0's (§11.7) as Dataverse documents it
//! (`pa: developer/data-platform/webapi/execute-batch-operations-using-web-api.md`): each part
//! is `Content-Type: application/http` + `Content-Transfer-Encoding: binary` around one HTTP
//! request written out as text (request line, headers, blank line, body); the answer is
//! `multipart/mixed` with one `application/http` part per request, in the requests' order.
//! No change sets are sent: they make their parts atomic, which the procedure does not want
//! (each write is checked and re-read on its own). `Prefer: odata.continue-on-error` is always
//! sent, so one refused part does not stop the rest: without it Dataverse stops at the first
//! error and answers that error alone.
//!
//! Pure text work, no IO: what to do with a batch the service refuses as a whole is the
//! caller's (it sends the requests one by one). Both line endings are read (the standard's
//! CRLF, and the bare LF of Microsoft's printed examples); CRLF is written. A change set in an
//! answer (`multipart/mixed` inside a part) is read as its parts, in order, so an answer is
//! read the same whoever sent the change set.

use crate::http::{origin_of, HttpRequest, HttpResponse, Method};

/// Most requests one `$batch` may carry (the page above: "up to 1000 individual requests").
pub const MAX_PARTS: usize = 1000;

/// The Web API's path on an environment, before its version (`/api/data/v9.2/…`).
const WEB_API_PATH: &str = "/api/data/v";

/// Why requests could not be put in one `$batch`, or its answer could not be read. Never
/// carries a body or a token: at most a part's position and a short reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// Nothing to send.
    #[error("a $batch needs at least one request")]
    Empty,
    /// More requests than Dataverse takes in one `$batch`.
    #[error("{count} requests are more than the {MAX_PARTS} one $batch may carry")]
    TooManyParts {
        /// How many were given.
        count: usize,
    },
    /// A request is not to a Dataverse Web API (`…/api/data/v9.x/…`).
    #[error("request {index} is not a Dataverse Web API request")]
    NotWebApi {
        /// Its position (0-based).
        index: usize,
    },
    /// The requests are not all to the same Web API (origin and version) with the same token.
    #[error("request {index} is for another environment, Web API version or token than the first")]
    MixedTargets {
        /// Its position (0-based).
        index: usize,
    },
    /// A request's URL, header or body would break the multipart text (a line break in the
    /// request line or a header, or the boundary inside a body).
    #[error("request {index} cannot be written into a $batch ({reason})")]
    Unwritable {
        /// Its position (0-based).
        index: usize,
        /// What in it.
        reason: &'static str,
    },
    /// The answer is not `multipart/mixed` with a boundary.
    #[error("the $batch answer is not multipart/mixed ({content_type:?})")]
    NotMultipart {
        /// Its `Content-Type`, if it had one.
        content_type: Option<String>,
    },
    /// The answer's text does not follow the format.
    #[error("the $batch answer cannot be read: {reason}")]
    Malformed {
        /// What was wrong, without quoting the answer.
        reason: &'static str,
    },
    /// The answer holds another number of responses than requests were sent.
    #[error("the $batch answer holds {got} responses for {expected} requests")]
    PartCount {
        /// Requests sent.
        expected: usize,
        /// Responses found.
        got: usize,
    },
}

/// `requests` (all to one environment's Web API, for one token) as one `POST {service
/// root}/$batch` whose parts are separated by `boundary` (`batch_` + something unique to this
/// batch; the caller makes it unique, the core has no randomness).
pub fn encode(requests: &[HttpRequest], boundary: &str) -> Result<HttpRequest, BatchError> {
    let first = requests.first().ok_or(BatchError::Empty)?;
    if requests.len() > MAX_PARTS {
        return Err(BatchError::TooManyParts {
            count: requests.len(),
        });
    }
    let root = service_root(&first.url).ok_or(BatchError::NotWebApi { index: 0 })?;
    let delimiter = format!("--{boundary}");
    let mut body = Vec::with_capacity(256 * requests.len());
    for (index, request) in requests.iter().enumerate() {
        let this_root = service_root(&request.url).ok_or(BatchError::NotWebApi { index })?;
        if this_root != root || request.audience != first.audience {
            return Err(BatchError::MixedTargets { index });
        }
        let unwritable = |reason| BatchError::Unwritable { index, reason };
        // The target as an absolute path on the environment, as in the page's first example.
        let target = &request.url[root.origin_len..];
        if has_line_break(target) {
            return Err(unwritable("a line break in its URL"));
        }
        let part_body = request.body.as_deref().unwrap_or_default();
        if contains(part_body, delimiter.as_bytes()) {
            return Err(unwritable("the boundary inside its body"));
        }
        body.extend_from_slice(delimiter.as_bytes());
        body.extend_from_slice(
            b"\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n",
        );
        push_line(&mut body, &format!("{} {target} HTTP/1.1", request.method));
        for (name, value) in &request.headers {
            if has_line_break(name) || has_line_break(value) || name.contains(':') {
                return Err(unwritable("a line break or colon in a header"));
            }
            push_line(&mut body, &format!("{name}: {value}"));
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(part_body);
        // The line break before a delimiter belongs to the delimiter (RFC 2046 §5.1.1).
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(delimiter.as_bytes());
    body.extend_from_slice(b"--\r\n");
    Ok(HttpRequest {
        method: Method::Post,
        url: format!("{}/$batch", &first.url[..root.len]),
        headers: vec![
            ("Accept".into(), "application/json".into()),
            ("OData-MaxVersion".into(), "4.0".into()),
            ("OData-Version".into(), "4.0".into()),
            // Every part is answered, whatever an earlier one got.
            ("Prefer".into(), "odata.continue-on-error".into()),
            (
                "Content-Type".into(),
                format!("multipart/mixed; boundary=\"{boundary}\""),
            ),
        ],
        body: Some(body),
        audience: first.audience.clone(),
    })
}

/// The responses in a `$batch` answer, in order (a change set's in its place), exactly
/// `expected` of them. The answer's own status is not looked at: whether a batch refused as a
/// whole is worth reading is the caller's decision.
pub fn decode(answer: &HttpResponse, expected: usize) -> Result<Vec<HttpResponse>, BatchError> {
    let responses = decode_parts(answer)?;
    if responses.len() != expected {
        return Err(BatchError::PartCount {
            expected,
            got: responses.len(),
        });
    }
    Ok(responses)
}

/// The responses a `$batch` answer holds, however many: an answer that stopped at its first
/// error (sent without `odata.continue-on-error`, or a service that ignored it) holds the
/// responses up to that error, and the requests after it were not carried out.
pub fn decode_parts(answer: &HttpResponse) -> Result<Vec<HttpResponse>, BatchError> {
    let content_type = answer.header("Content-Type");
    let boundary =
        content_type
            .and_then(multipart_boundary)
            .ok_or_else(|| BatchError::NotMultipart {
                content_type: content_type.map(str::to_owned),
            })?;
    let mut responses = Vec::new();
    read_multipart(&answer.body, &boundary, &mut responses, 0)?;
    Ok(responses)
}

/// The Web API service root a request is for (`https://host/api/data/v9.2`), when it is a
/// Dataverse Web API request: requests that share it and their token may share a `$batch`.
pub fn service_root_of(url: &str) -> Option<&str> {
    service_root(url).map(|r| r.root)
}

/// Where a Web API URL's service root ends: `https://host/api/data/v9.2` (the origin's length
/// kept too, so the part's target is the rest of the URL after it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ServiceRoot<'a> {
    root: &'a str,
    len: usize,
    origin_len: usize,
}

fn service_root(url: &str) -> Option<ServiceRoot<'_>> {
    // Only URLs this tool would send to (https, a plain host); the path is found by position.
    origin_of(url)?;
    let after_scheme = url.find("://")? + 3;
    let origin_len = after_scheme + url[after_scheme..].find(['/', '?', '#'])?;
    if !url[origin_len..].starts_with('/') {
        return None;
    }
    let path = &url[origin_len..];
    let version = path.strip_prefix(WEB_API_PATH)?;
    let version_len = version
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(version.len());
    if version_len == 0 || !version[version_len..].starts_with('/') {
        return None;
    }
    let len = origin_len + WEB_API_PATH.len() + version_len;
    Some(ServiceRoot {
        root: &url[..len],
        len,
        origin_len,
    })
}

fn has_line_break(text: &str) -> bool {
    text.contains(['\r', '\n'])
}

fn push_line(body: &mut Vec<u8>, line: &str) {
    body.extend_from_slice(line.as_bytes());
    body.extend_from_slice(b"\r\n");
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// `boundary` of a `multipart/mixed` content type, unquoted.
fn multipart_boundary(content_type: &str) -> Option<String> {
    let mut params = content_type.split(';');
    let media = params.next()?.trim();
    if !media.eq_ignore_ascii_case("multipart/mixed") {
        return None;
    }
    params.find_map(|p| {
        let (name, value) = p.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("boundary") {
            return None;
        }
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        (!value.is_empty() && value.len() <= 70).then(|| value.to_owned())
    })
}

/// How deep change sets may nest: Dataverse answers one level (a change set in a batch).
const MAX_NESTING: usize = 1;

/// Appends the responses of one multipart body (`boundary` already known) to `out`.
fn read_multipart(
    body: &[u8],
    boundary: &str,
    out: &mut Vec<HttpResponse>,
    depth: usize,
) -> Result<(), BatchError> {
    let malformed = |reason| BatchError::Malformed { reason };
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    // Every line that starts with the delimiter, with where its line starts.
    let mut part_start = None;
    let mut pos = 0;
    loop {
        let Some(line_start) = next_delimiter(body, delimiter, pos) else {
            return Err(malformed("its closing delimiter is missing"));
        };
        let after = line_start + delimiter.len();
        if let Some(start) = part_start {
            // The line break before the delimiter belongs to the delimiter.
            let end = strip_trailing_line_break(body, start, line_start);
            read_part(&body[start..end], out, depth)?;
        }
        if body[after..].starts_with(b"--") {
            return Ok(()); // the closing delimiter; what follows is the epilogue
        }
        let line_end = line_end(body, after).ok_or(malformed("a delimiter ends the answer"))?;
        if body[after..line_end.content_end]
            .iter()
            .any(|b| !matches!(b, b' ' | b'\t'))
        {
            return Err(malformed("text follows a delimiter on its line"));
        }
        part_start = Some(line_end.next);
        pos = line_end.next;
    }
}

/// The start of the next line at or after `from` that begins with `delimiter`.
fn next_delimiter(body: &[u8], delimiter: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while at + delimiter.len() <= body.len() {
        let line_start = at == 0 || body[at - 1] == b'\n';
        if line_start && body[at..].starts_with(delimiter) {
            return Some(at);
        }
        at += body[at..].iter().position(|&b| b == b'\n')? + 1;
    }
    None
}

/// `end` moved back over one CRLF or LF, not before `start`.
fn strip_trailing_line_break(body: &[u8], start: usize, end: usize) -> usize {
    let mut end = end;
    if end > start && body[end - 1] == b'\n' {
        end -= 1;
        if end > start && body[end - 1] == b'\r' {
            end -= 1;
        }
    }
    end
}

struct LineEnd {
    /// Where the line's text ends (before CR LF or LF).
    content_end: usize,
    /// Where the next line starts.
    next: usize,
}

fn line_end(body: &[u8], from: usize) -> Option<LineEnd> {
    let lf = from + body[from..].iter().position(|&b| b == b'\n')?;
    let content_end = if lf > from && body[lf - 1] == b'\r' {
        lf - 1
    } else {
        lf
    };
    Some(LineEnd {
        content_end,
        next: lf + 1,
    })
}

/// Header lines up to the blank line, and where what follows begins.
fn read_headers(text: &[u8]) -> Result<(Vec<(String, String)>, usize), BatchError> {
    let mut headers = Vec::new();
    let mut pos = 0;
    loop {
        let end = line_end(text, pos).ok_or(BatchError::Malformed {
            reason: "headers do not end with a blank line",
        })?;
        let line = &text[pos..end.content_end];
        if line.is_empty() {
            return Ok((headers, end.next));
        }
        let line = std::str::from_utf8(line).map_err(|_| BatchError::Malformed {
            reason: "a header is not text",
        })?;
        // Microsoft's examples also write `Name:value`, without the space.
        let (name, value) = line.split_once(':').ok_or(BatchError::Malformed {
            reason: "a header line has no colon",
        })?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
        pos = end.next;
    }
}

/// One part: an `application/http` response, or a change set's `multipart/mixed`.
fn read_part(part: &[u8], out: &mut Vec<HttpResponse>, depth: usize) -> Result<(), BatchError> {
    let (mime, start) = read_headers(part)?;
    let content_type = mime
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("Content-Type"))
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    if let Some(inner) = multipart_boundary(content_type) {
        if depth >= MAX_NESTING {
            return Err(BatchError::Malformed {
                reason: "change sets nest deeper than Dataverse answers",
            });
        }
        return read_multipart(&part[start..], &inner, out, depth + 1);
    }
    let media = content_type.split(';').next().unwrap_or_default().trim();
    if !media.eq_ignore_ascii_case("application/http") {
        return Err(BatchError::Malformed {
            reason: "a part is neither application/http nor a change set",
        });
    }
    let message = &part[start..];
    let status_end = line_end(message, 0).ok_or(BatchError::Malformed {
        reason: "a part has no status line",
    })?;
    let status = parse_status_line(&message[..status_end.content_end])?;
    let (headers, body_start) = read_headers(&message[status_end.next..])?;
    out.push(HttpResponse {
        status,
        headers,
        body: message[status_end.next + body_start..].to_vec(),
    });
    Ok(())
}

/// `HTTP/1.1 204 No Content` → 204.
fn parse_status_line(line: &[u8]) -> Result<u16, BatchError> {
    let malformed = BatchError::Malformed {
        reason: "a part's status line is not `HTTP/1.1 <code> <reason>`",
    };
    let line = std::str::from_utf8(line).map_err(|_| malformed.clone())?;
    let mut words = line.split_ascii_whitespace();
    let version = words.next().ok_or(malformed.clone())?;
    if !version.starts_with("HTTP/") {
        return Err(malformed);
    }
    words
        .next()
        .filter(|code| code.len() == 3)
        .and_then(|code| code.parse::<u16>().ok())
        .filter(|code| (100..600).contains(code))
        .ok_or(malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_root_is_origin_and_web_api_version() {
        let root = service_root("https://org.crm.dynamics.com/api/data/v9.2/systemusers?$top=1");
        assert_eq!(
            root.map(|r| r.root),
            Some("https://org.crm.dynamics.com/api/data/v9.2")
        );
        assert_eq!(
            service_root("https://org.crm.dynamics.com:8443/api/data/v9.0/WhoAmI").map(|r| r.root),
            Some("https://org.crm.dynamics.com:8443/api/data/v9.0")
        );
        assert_eq!(
            service_root("https://org.crm.dynamics.com/api/data/v9.2"),
            None
        );
        assert_eq!(service_root("https://graph.microsoft.com/v1.0/me"), None);
        assert_eq!(
            service_root("https://org.crm.dynamics.com/api/data/vX/a"),
            None
        );
        assert_eq!(service_root("not a url"), None);
    }

    #[test]
    fn boundary_is_read_quoted_or_bare() {
        assert_eq!(
            multipart_boundary("multipart/mixed; boundary=batchresponse_1").as_deref(),
            Some("batchresponse_1")
        );
        assert_eq!(
            multipart_boundary("Multipart/Mixed;Boundary=\"batch_2\"").as_deref(),
            Some("batch_2")
        );
        assert_eq!(multipart_boundary("application/json"), None);
        assert_eq!(multipart_boundary("multipart/mixed"), None);
    }
}
