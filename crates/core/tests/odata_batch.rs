//! The `$batch` codec against Microsoft's documented examples (`tests/resources/odata_batch`,
//! copied from `pa: developer/data-platform/webapi/execute-batch-operations-using-web-api.md`),
//! and against answers cut short or garbled: a typed error, never a panic.

use proptest::prelude::*;
use serde_json::Value;
use w365_core::http::{HttpRequest, HttpResponse, Method};
use w365_core::odata_batch::{decode, encode, BatchError, MAX_PARTS};

const ORG: &str = "https://org.example.crm.dynamics.com";

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/resources/odata_batch/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A documented HTTP message: its start line, headers and body (the text after the blank line).
fn message(text: &str) -> (String, Vec<(String, String)>, String) {
    let (head, body) = text
        .split_once("\n\n")
        .expect("a blank line after the headers");
    let mut lines = head.lines();
    let start = lines.next().expect("a start line").to_owned();
    let headers = lines
        .map(|l| {
            let (k, v) = l.split_once(':').expect("a header");
            (k.trim().to_owned(), v.trim().to_owned())
        })
        .collect();
    (start, headers, body.to_owned())
}

/// A documented answer as the transport would hand it over. The page prints only `OData-Version`
/// above the body; a real answer also names its boundary in `Content-Type` (OData 4.0 §11.7),
/// taken here from the body's first delimiter.
fn answer(name: &str) -> HttpResponse {
    let (start, mut headers, body) = message(&fixture(name));
    let status = start
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    let boundary = body
        .lines()
        .find_map(|l| l.strip_prefix("--"))
        .expect("a delimiter");
    headers.push((
        "Content-Type".into(),
        format!("multipart/mixed; boundary={boundary}"),
    ));
    HttpResponse {
        status,
        headers,
        body: body.into_bytes(),
    }
}

fn with_crlf(mut answer: HttpResponse) -> HttpResponse {
    let text = String::from_utf8(answer.body).expect("text");
    answer.body = text.replace('\n', "\r\n").into_bytes();
    answer
}

fn task_create(n: u32) -> HttpRequest {
    let body = format!(
        "{{\n  \"subject\": \"Task {n} in batch\",\n  \"regardingobjectid_account_task@odata.bind\": \"accounts(00000000-0000-0000-0000-000000000001)\"\n}}"
    );
    HttpRequest {
        method: Method::Post,
        url: format!("{ORG}/api/data/v9.2/tasks"),
        headers: vec![("Content-Type".into(), "application/json; type=entry".into())],
        body: Some(body.into_bytes()),
        audience: Some(ORG.into()),
    }
}

fn documented_requests() -> Vec<HttpRequest> {
    let mut requests: Vec<HttpRequest> = (1..=3).map(task_create).collect();
    requests.push(HttpRequest {
        method: Method::Get,
        url: format!(
            "{ORG}/api/data/v9.2/accounts(00000000-0000-0000-0000-000000000001)/Account_Tasks?$select=subject"
        ),
        headers: Vec::new(),
        body: None,
        audience: Some(ORG.into()),
    });
    requests
}

#[test]
fn the_documented_batch_request_is_written_as_microsoft_prints_it() {
    let boundary = "batch_80dd1615-2a10-428a-bb6f-0e559792721f";
    let batch = encode(&documented_requests(), boundary).expect("encodes");

    let (_, documented_headers, documented_body) = message(&fixture("tasks_request.http"));
    let written = String::from_utf8(batch.body.clone().expect("a body")).expect("text");
    // The multipart structure is CRLF (the bodies are written as given: the page's have LF).
    assert_eq!(
        written.matches(&format!("\r\n--{boundary}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n")).count(),
        3
    );
    assert!(written.starts_with(&format!("--{boundary}\r\n")));
    assert!(written.ends_with(&format!("HTTP/1.1\r\n\r\n\r\n--{boundary}--\r\n")));
    assert_eq!(
        written.replace("\r\n", "\n").trim_end(),
        documented_body.trim_end()
    );

    assert_eq!(batch.method, Method::Post);
    assert_eq!(batch.url, format!("{ORG}/api/data/v9.2/$batch"));
    assert_eq!(batch.audience.as_deref(), Some(ORG));
    let documented = |name: &str| {
        documented_headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    for name in [
        "Content-Type",
        "Accept",
        "OData-MaxVersion",
        "OData-Version",
    ] {
        assert_eq!(batch.header(name), documented(name), "{name}");
    }
    // Not in the first example, but in the page's "Handling errors": every part gets answered.
    assert_eq!(batch.header("Prefer"), Some("odata.continue-on-error"));
}

#[test]
fn the_documented_answer_is_read_as_four_responses_in_order() {
    for answer in [
        answer("tasks_response.http"),
        with_crlf(answer("tasks_response.http")),
    ] {
        let parts = decode(&answer, 4).expect("decodes");
        let statuses: Vec<u16> = parts.iter().map(|p| p.status).collect();
        assert_eq!(statuses, [204, 204, 204, 200]);
        assert_eq!(
            parts[0].header("OData-EntityId"),
            Some("[Organization Uri]/api/data/v9.2/tasks(d31ba648-c592-ed11-aad1-000d3a993550)")
        );
        assert!(parts[0].body.is_empty(), "a 204 has no body");
        assert_eq!(
            parts[3].header("Content-Type"),
            Some("application/json; odata.metadata=minimal; odata.streaming=true")
        );
        let listed: Value = serde_json::from_slice(&parts[3].body).expect("the GET's JSON");
        assert_eq!(listed["value"].as_array().map(Vec::len), Some(3));
        assert_eq!(listed["value"][2]["subject"], "Task 3 in batch");
    }
}

#[test]
fn a_change_set_in_an_answer_is_read_as_its_parts_in_their_place() {
    let parts = decode(&answer("changeset_response.http"), 4).expect("decodes");
    let statuses: Vec<u16> = parts.iter().map(|p| p.status).collect();
    assert_eq!(statuses, [204, 204, 204, 200]);
    assert!(parts[2]
        .header("Location")
        .is_some_and(|l| l.ends_with("tasks(e93ffc82-e292-ed11-aad1-000d3a9933c9)")));
}

#[test]
fn with_continue_on_error_each_part_keeps_its_own_status_and_error() {
    let answer = answer("continue_on_error_response.http");
    assert_eq!(answer.status, 200);
    let parts = decode(&answer, 3).expect("decodes");
    assert_eq!(parts[0].status, 400);
    let error: Value = serde_json::from_slice(&parts[0].body).expect("the error's JSON");
    assert_eq!(error["error"]["code"], "0x80044331");
    assert_eq!(parts[1].status, 204);
    assert_eq!(parts[2].status, 204);
}

#[test]
fn an_answer_that_stopped_at_the_first_error_is_missing_parts() {
    let answer = answer("stop_on_error_response.http");
    assert_eq!(answer.status, 400);
    assert_eq!(
        decode(&answer, 3),
        Err(BatchError::PartCount {
            expected: 3,
            got: 1
        })
    );
}

#[test]
fn an_answer_that_is_not_multipart_is_refused() {
    let json = HttpResponse::json(501, &serde_json::json!({"error": {"code": "0x0"}}));
    assert!(matches!(
        decode(&json, 2),
        Err(BatchError::NotMultipart { .. })
    ));
    let bare = HttpResponse::empty(200);
    assert_eq!(
        decode(&bare, 1),
        Err(BatchError::NotMultipart { content_type: None })
    );
}

#[test]
fn an_answer_without_its_closing_delimiter_is_refused() {
    let mut answer = answer("tasks_response.http");
    let text = String::from_utf8(answer.body).expect("text");
    let cut = text.rfind("--batchresponse").expect("closing delimiter");
    answer.body = text.as_bytes()[..cut].to_vec();
    assert!(matches!(
        decode(&answer, 4),
        Err(BatchError::Malformed { .. })
    ));
}

#[test]
fn our_own_batch_round_trips_through_a_written_answer() {
    // An answer written the way the page shows, for requests written by `encode`: the parts
    // come back in order with their own headers and bodies (one of them binary).
    let requests = documented_requests();
    let batch = encode(&requests, "batch_rt").expect("encodes");
    assert!(batch.body.is_some());
    let mut body = Vec::new();
    let bodies: [&[u8]; 4] = [b"", b"{\"a\":1}", &[0, 159, 146, 150, b'\r'], b"--batch_rt"];
    for (i, b) in bodies.iter().enumerate() {
        body.extend_from_slice(
            format!("--batchresponse_rt\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nHTTP/1.1 {} X\r\nX-Part: {i}\r\n\r\n", 200 + i).as_bytes(),
        );
        body.extend_from_slice(b);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"--batchresponse_rt--\r\n");
    let answer = HttpResponse {
        status: 200,
        headers: vec![(
            "content-type".into(),
            "multipart/mixed; boundary=batchresponse_rt".into(),
        )],
        body,
    };
    let parts = decode(&answer, 4).expect("decodes");
    for (i, part) in parts.iter().enumerate() {
        assert_eq!(part.status, 200 + i as u16);
        assert_eq!(part.header("X-Part"), Some(i.to_string().as_str()));
        assert_eq!(part.body, bodies[i]);
    }
}

#[test]
fn requests_that_cannot_share_a_batch_are_refused() {
    assert_eq!(encode(&[], "batch_x"), Err(BatchError::Empty));

    let mut other_host = documented_requests();
    other_host[2].url = "https://other.crm.dynamics.com/api/data/v9.2/tasks".into();
    assert_eq!(
        encode(&other_host, "batch_x"),
        Err(BatchError::MixedTargets { index: 2 })
    );

    let mut other_version = documented_requests();
    other_version[1].url = format!("{ORG}/api/data/v9.1/tasks");
    assert_eq!(
        encode(&other_version, "batch_x"),
        Err(BatchError::MixedTargets { index: 1 })
    );

    let mut other_token = documented_requests();
    other_token[3].audience = None;
    assert_eq!(
        encode(&other_token, "batch_x"),
        Err(BatchError::MixedTargets { index: 3 })
    );

    let mut graph = documented_requests();
    graph[0].url = "https://graph.microsoft.com/v1.0/servicePrincipals".into();
    assert_eq!(
        encode(&graph, "batch_x"),
        Err(BatchError::NotWebApi { index: 0 })
    );

    let mut boundary_in_body = documented_requests();
    boundary_in_body[1].body = Some(b"{\"subject\":\"\r\n--batch_x\"}".to_vec());
    assert!(matches!(
        encode(&boundary_in_body, "batch_x"),
        Err(BatchError::Unwritable { index: 1, .. })
    ));

    let mut header_break = documented_requests();
    header_break[0]
        .headers
        .push(("X-Evil".into(), "a\r\nInjected: yes".into()));
    assert!(matches!(
        encode(&header_break, "batch_x"),
        Err(BatchError::Unwritable { index: 0, .. })
    ));

    let too_many: Vec<HttpRequest> = (0..=MAX_PARTS as u32).map(task_create).collect();
    assert_eq!(
        encode(&too_many, "batch_x"),
        Err(BatchError::TooManyParts {
            count: MAX_PARTS + 1
        })
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// An answer cut anywhere reads as a typed error, or (cut inside the epilogue) as the whole.
    #[test]
    fn an_answer_cut_anywhere_is_an_error_or_the_whole(cut in 0usize..2000, crlf in any::<bool>()) {
        let mut full = answer("tasks_response.http");
        if crlf {
            full = with_crlf(full);
        }
        let whole = decode(&full, 4).expect("the whole answer decodes");
        let mut short = full.clone();
        short.body.truncate(cut.min(full.body.len()));
        if let Ok(parts) = decode(&short, 4) {
            prop_assert_eq!(parts, whole);
        }
    }

    /// Any bytes at all: decoding never panics.
    #[test]
    fn garbage_never_panics(body in proptest::collection::vec(any::<u8>(), 0..600), expected in 0usize..5) {
        let answer = HttpResponse {
            status: 200,
            headers: vec![("Content-Type".into(), "multipart/mixed; boundary=b".into())],
            body,
        };
        let _ = decode(&answer, expected);
    }

    /// Garbage made of the format's own pieces (delimiters, line breaks, status lines).
    #[test]
    fn near_miss_answers_never_panic(pieces in proptest::collection::vec(0usize..9, 0..40)) {
        const PIECES: [&str; 9] = [
            "--b", "--b--", "\r\n", "\n", "Content-Type: application/http",
            "Content-Type: multipart/mixed; boundary=c", "--c", "HTTP/1.1 200 OK", "x:",
        ];
        let body: String = pieces.iter().map(|&i| PIECES[i]).collect();
        let answer = HttpResponse {
            status: 200,
            headers: vec![("Content-Type".into(), "multipart/mixed; boundary=b".into())],
            body: body.into_bytes(),
        };
        let _ = decode(&answer, 1);
    }
}
