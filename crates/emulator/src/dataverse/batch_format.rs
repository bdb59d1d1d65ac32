//! The text of a Dataverse `$batch` (OData 4.0 §11.7, as Microsoft Learn documents it for
//! Dataverse: `pa: developer/data-platform/webapi/execute-batch-operations-using-web-api.md`):
//! a `multipart/mixed` body whose parts are `application/http` +
//! `Content-Transfer-Encoding: binary`, each one HTTP request written out as text; the answer
//! is `multipart/mixed; boundary=batchresponse_…` with one `application/http` part per
//! request, in order. Pure text work; `routing::batch` carries the parts out.

use crate::http::Resp;

/// Most requests one `$batch` may carry (documented: "up to 1,000 individual requests").
pub const MAX_PARTS: usize = 1000;

/// One request inside a `$batch`, as written.
#[derive(Debug, Clone, PartialEq)]
pub struct PartRequest {
    pub method: String,
    /// As written on the request line: an absolute URL, an absolute path, or a path relative
    /// to the service root (all three are OData's).
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// The requests of a `$batch` body, in order, or why the whole `$batch` is refused (a
/// message for a `400`).
pub fn parse(content_type: Option<&str>, body: &[u8]) -> Result<Vec<PartRequest>, String> {
    let boundary = content_type.and_then(boundary_of).ok_or_else(|| {
        "The Content-Type of a $batch request must be multipart/mixed with a boundary.".to_owned()
    })?;
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut start: Option<usize> = None;
    let mut pos = 0;
    loop {
        let Some(at) = next_delimiter(body, delimiter.as_bytes(), pos) else {
            return Err("The $batch body has no closing delimiter.".to_owned());
        };
        if let Some(s) = start {
            parts.push(parse_part(&body[s..trim_line_break(body, s, at)])?);
            if parts.len() > MAX_PARTS {
                return Err(format!(
                    "The $batch holds more than {MAX_PARTS} requests, the most one may carry."
                ));
            }
        }
        let after = at + delimiter.len();
        if body[after..].starts_with(b"--") {
            break;
        }
        let Some(lf) = body[after..].iter().position(|&b| b == b'\n') else {
            return Err("The $batch body ends after a delimiter.".to_owned());
        };
        start = Some(after + lf + 1);
        pos = after + lf + 1;
    }
    if parts.is_empty() {
        return Err("The $batch holds no request.".to_owned());
    }
    Ok(parts)
}

/// Writes the answer's body: one `application/http` part per response, in order.
pub fn answer(boundary: &str, responses: &[Resp]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in responses {
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        out.extend_from_slice(
            b"Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n",
        );
        let reason = hyper::StatusCode::from_u16(r.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Unknown");
        out.extend_from_slice(format!("HTTP/1.1 {} {reason}\r\n", r.status).as_bytes());
        for (k, v) in &r.headers {
            out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&r.body);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    out
}

/// `boundary` of a `multipart/mixed` content type, unquoted.
fn boundary_of(content_type: &str) -> Option<String> {
    let mut params = content_type.split(';');
    if !params
        .next()?
        .trim()
        .eq_ignore_ascii_case("multipart/mixed")
    {
        return None;
    }
    params.find_map(|p| {
        let (name, value) = p.split_once('=')?;
        let value = value.trim().trim_matches('"');
        (name.trim().eq_ignore_ascii_case("boundary") && !value.is_empty())
            .then(|| value.to_owned())
    })
}

/// The next line at or after `from` that starts with `delimiter`.
fn next_delimiter(body: &[u8], delimiter: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while at + delimiter.len() <= body.len() {
        if (at == 0 || body[at - 1] == b'\n') && body[at..].starts_with(delimiter) {
            return Some(at);
        }
        at += body[at..].iter().position(|&b| b == b'\n')? + 1;
    }
    None
}

/// `end` moved back over the line break that belongs to the next delimiter.
fn trim_line_break(body: &[u8], start: usize, mut end: usize) -> usize {
    if end > start && body[end - 1] == b'\n' {
        end -= 1;
        if end > start && body[end - 1] == b'\r' {
            end -= 1;
        }
    }
    end
}

/// Header lines up to a blank line; returns them and where what follows starts.
fn headers(text: &[u8]) -> Result<(Vec<(String, String)>, usize), String> {
    let mut out = Vec::new();
    let mut pos = 0;
    loop {
        let Some(lf) = text[pos..].iter().position(|&b| b == b'\n') else {
            return Err("A part of the $batch has headers without a blank line after them.".into());
        };
        let line = &text[pos..pos + lf];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        pos += lf + 1;
        if line.is_empty() {
            return Ok((out, pos));
        }
        let line = String::from_utf8_lossy(line);
        let (name, value) = line
            .split_once(':')
            .ok_or("A header line of a $batch part has no colon.")?;
        out.push((name.trim().to_owned(), value.trim().to_owned()));
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// One part: its MIME headers, then the HTTP request.
fn parse_part(part: &[u8]) -> Result<PartRequest, String> {
    let (mime, start) = headers(part)?;
    let content_type = header(&mime, "Content-Type").unwrap_or_default();
    if boundary_of(content_type).is_some() {
        // Change sets (atomic groups) are documented; the emulator does not model their
        // rollback, so it refuses them instead of pretending (SCENARIOS.md).
        return Err("Change sets are not emulated: send each request as its own part.".into());
    }
    let media = content_type.split(';').next().unwrap_or_default().trim();
    let binary = header(&mime, "Content-Transfer-Encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("binary"));
    if !media.eq_ignore_ascii_case("application/http") || !binary {
        return Err(
            "Each part of a $batch must be Content-Type: application/http with \
             Content-Transfer-Encoding: binary."
                .into(),
        );
    }
    let message = &part[start..];
    let lf = message
        .iter()
        .position(|&b| b == b'\n')
        .ok_or("A part of the $batch has no request line.")?;
    let line = String::from_utf8_lossy(&message[..lf]);
    let mut words = line.split_ascii_whitespace();
    let (Some(method), Some(target), Some(version)) = (words.next(), words.next(), words.next())
    else {
        return Err("A part's request line is not `METHOD target HTTP/1.1`.".into());
    };
    if !version.starts_with("HTTP/") {
        return Err("A part's request line is not `METHOD target HTTP/1.1`.".into());
    }
    let (headers, body_start) = headers(&message[lf + 1..])?;
    Ok(PartRequest {
        method: method.to_ascii_uppercase(),
        target: target.to_owned(),
        headers,
        body: message[lf + 1 + body_start..].to_vec(),
    })
}
