//! A round's Dataverse requests to one environment go as one `$batch`, and every request keeps
//! the meaning it has alone: each part answers its request; a `$batch` refused as a whole is
//! sent again request by request; one without a usable answer resends reads and leaves writes
//! in doubt; `401`/`429` are every request's answer. Any failure of the `$batch` itself turns
//! batching off for the run (the fallback when Microsoft answers the guess the other way).

#[path = "support/fake_time.rs"]
mod fake_time;

use fake_time::PausedClock;
use std::cell::RefCell;
use w365_core::batched_round::{send_round, Batching, RoundRequest};
use w365_core::http::{HttpClient, HttpRequest, HttpResponse, Method, TransportError};
use w365_core::odata;

const ENV: &str = "https://contoso.crm.dynamics.com";
const OTHER: &str = "https://fabrikam.crm4.dynamics.com";
const GRAPH: &str = "https://graph.microsoft.com";
const READ_MS: u64 = 30_000;
const WRITE_MS: u64 = 60_000;

type Answered = Result<HttpResponse, TransportError>;

/// Answers from a closure, after a yield (so concurrent requests really are concurrent);
/// `None` never answers. Keeps every request it saw.
struct Fake<F: Fn(&HttpRequest) -> Option<Answered>> {
    answer: F,
    seen: RefCell<Vec<HttpRequest>>,
}

impl<F: Fn(&HttpRequest) -> Option<Answered>> Fake<F> {
    fn new(answer: F) -> Self {
        Fake {
            answer,
            seen: RefCell::new(Vec::new()),
        }
    }

    fn seen(&self) -> Vec<String> {
        self.seen
            .borrow()
            .iter()
            .map(|r| format!("{} {}", r.method, r.url))
            .collect()
    }
}

impl<F: Fn(&HttpRequest) -> Option<Answered>> HttpClient for Fake<F> {
    async fn send(&self, req: HttpRequest) -> Answered {
        self.seen.borrow_mut().push(req.clone());
        tokio::task::yield_now().await;
        match (self.answer)(&req) {
            Some(answer) => answer,
            None => std::future::pending().await,
        }
    }
}

fn get(origin: &str, path: &str) -> RoundRequest {
    RoundRequest {
        request: odata::get(format!("{origin}/api/data/v9.2/{path}"), origin),
        timeout_ms: READ_MS,
    }
}

fn post(origin: &str, path: &str, body: &str) -> RoundRequest {
    let mut request = odata::get(format!("{origin}/api/data/v9.2/{path}"), origin);
    request.method = Method::Post;
    request
        .headers
        .push(("Content-Type".into(), "application/json".into()));
    request.body = Some(body.as_bytes().to_vec());
    RoundRequest {
        request,
        timeout_ms: WRITE_MS,
    }
}

fn graph() -> RoundRequest {
    RoundRequest {
        request: odata::get(format!("{GRAPH}/v1.0/servicePrincipals"), GRAPH),
        timeout_ms: READ_MS,
    }
}

fn is_batch(req: &HttpRequest) -> bool {
    req.method == Method::Post && req.url.ends_with("/$batch")
}

/// How many parts a `$batch` request carries.
fn parts_in(req: &HttpRequest) -> usize {
    let body = String::from_utf8_lossy(req.body.as_deref().unwrap_or_default()).into_owned();
    body.matches("Content-Type: application/http\r\n").count()
}

/// A `$batch` answer written as Microsoft's page shows them, one part per `(status, body)`.
fn multipart(status: u16, parts: &[(u16, &str)]) -> HttpResponse {
    let mut body = String::new();
    for (code, text) in parts {
        body.push_str(&format!(
            "--batchresponse_t\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nHTTP/1.1 {code} X\r\nContent-Type: application/json; odata.metadata=minimal\r\nOData-Version: 4.0\r\n\r\n{text}\r\n"
        ));
    }
    body.push_str("--batchresponse_t--\r\n");
    HttpResponse {
        status,
        headers: vec![(
            "Content-Type".into(),
            "multipart/mixed; boundary=batchresponse_t".into(),
        )],
        body: body.into_bytes(),
    }
}

fn text(answer: &Answered) -> String {
    match answer {
        Ok(r) => format!("{} {}", r.status, String::from_utf8_lossy(&r.body)),
        Err(e) => format!("error {e}"),
    }
}

/// A single request's answer: its path, so the test sees who answered what.
fn alone(req: &HttpRequest) -> Answered {
    let path = req.url.rsplit('/').next().unwrap_or_default().to_owned();
    Ok(HttpResponse::json(
        200,
        &serde_json::json!({ "alone": path }),
    ))
}

#[tokio::test(start_paused = true)]
async fn a_rounds_requests_to_one_environment_go_as_one_batch_and_each_gets_its_own_part() {
    let client = Fake::new(|req| {
        Some(if is_batch(req) {
            assert_eq!(parts_in(req), 3);
            assert_eq!(req.header("Prefer"), Some("odata.continue-on-error"));
            assert_eq!(req.audience.as_deref(), Some(ENV));
            Ok(multipart(
                200,
                &[(200, "{\"a\":1}"), (404, "{\"error\":{}}"), (204, "")],
            ))
        } else {
            alone(req)
        })
    });
    let mut batching = Batching::new();
    let round = vec![
        get(ENV, "WhoAmI"),
        get(ENV, "roles"),
        graph(),
        post(ENV, "systemusers", "{}"),
    ];
    let answers = send_round(&client, &PausedClock::new(), &mut batching, round).await;
    assert_eq!(
        client.seen(),
        // In the round's order: the `$batch` where its first request stands.
        [
            format!("POST {ENV}/api/data/v9.2/$batch"),
            format!("GET {GRAPH}/v1.0/servicePrincipals"),
        ]
    );
    let answers: Vec<String> = answers.iter().map(text).collect();
    assert_eq!(
        answers,
        [
            "200 {\"a\":1}",
            "404 {\"error\":{}}",
            "200 {\"alone\":\"servicePrincipals\"}",
            "204 "
        ]
    );
    assert_eq!((batching.sent(), batching.refused()), (1, None));
}

#[tokio::test(start_paused = true)]
async fn one_request_goes_alone_and_each_environment_gets_its_own_batch() {
    let client = Fake::new(|req| {
        Some(if is_batch(req) {
            Ok(multipart(200, &[(200, "1"), (200, "2")]))
        } else {
            alone(req)
        })
    });
    let mut batching = Batching::new();
    let one = send_round(
        &client,
        &PausedClock::new(),
        &mut batching,
        vec![get(ENV, "WhoAmI")],
    )
    .await;
    assert_eq!(text(&one[0]), "200 {\"alone\":\"WhoAmI\"}");
    let two = send_round(
        &client,
        &PausedClock::new(),
        &mut batching,
        vec![
            get(ENV, "a"),
            get(OTHER, "a"),
            get(ENV, "b"),
            get(OTHER, "b"),
        ],
    )
    .await;
    assert_eq!(
        client.seen()[1..],
        [
            format!("POST {ENV}/api/data/v9.2/$batch"),
            format!("POST {OTHER}/api/data/v9.2/$batch"),
        ]
    );
    let two: Vec<String> = two.iter().map(text).collect();
    assert_eq!(two, ["200 1", "200 1", "200 2", "200 2"]);
}

#[tokio::test(start_paused = true)]
async fn a_batch_refused_as_a_whole_is_sent_again_request_by_request_and_batching_stops() {
    for refusal in [400, 403, 404, 405, 413, 415, 501] {
        let client = Fake::new(move |req| {
            Some(if is_batch(req) {
                Ok(HttpResponse::json(
                    refusal,
                    &serde_json::json!({"error": {"code": "0x0", "message": "no $batch"}}),
                ))
            } else {
                alone(req)
            })
        });
        let mut batching = Batching::new();
        let clock = PausedClock::new();
        let round = vec![get(ENV, "roles"), post(ENV, "systemusers", "{}")];
        let answers = send_round(&client, &clock, &mut batching, round).await;
        // Refused before anything was carried out: both, the write too, go again at once.
        assert_eq!(
            client.seen(),
            [
                format!("POST {ENV}/api/data/v9.2/$batch"),
                format!("GET {ENV}/api/data/v9.2/roles"),
                format!("POST {ENV}/api/data/v9.2/systemusers"),
            ],
            "HTTP {refusal}"
        );
        assert_eq!(text(&answers[1]), "200 {\"alone\":\"systemusers\"}");
        assert!(batching
            .refused()
            .is_some_and(|r| r.contains(&refusal.to_string())));

        // The rest of the run: one request at a time.
        send_round(
            &client,
            &clock,
            &mut batching,
            vec![get(ENV, "a"), get(ENV, "b")],
        )
        .await;
        assert_eq!(client.seen().len(), 5);
        assert!(!client.seen()[3..].iter().any(|s| s.ends_with("$batch")));
    }
}

#[tokio::test(start_paused = true)]
async fn a_batch_without_an_answer_resends_its_reads_and_leaves_its_writes_in_doubt() {
    let client = Fake::new(|req| {
        Some(if is_batch(req) {
            Err(TransportError::Network {
                message: "Failed to fetch".into(),
            })
        } else {
            alone(req)
        })
    });
    let mut batching = Batching::new();
    let round = vec![get(ENV, "roles"), post(ENV, "systemusers", "{}")];
    let answers = send_round(&client, &PausedClock::new(), &mut batching, round).await;
    assert_eq!(
        client.seen(),
        [
            format!("POST {ENV}/api/data/v9.2/$batch"),
            format!("GET {ENV}/api/data/v9.2/roles"),
        ],
        "the write is not sent again blindly"
    );
    assert_eq!(text(&answers[0]), "200 {\"alone\":\"roles\"}");
    assert!(matches!(answers[1], Err(TransportError::Network { .. })));
    assert!(batching.refused().is_some());
}

#[tokio::test(start_paused = true)]
async fn a_batch_that_times_out_waits_as_long_as_its_slowest_part_then_is_in_doubt() {
    let client = Fake::new(|req| {
        if is_batch(req) {
            None
        } else {
            Some(alone(req))
        }
    });
    let mut batching = Batching::new();
    let clock = PausedClock::new();
    let round = vec![get(ENV, "roles"), post(ENV, "systemusers", "{}")];
    let answers = send_round(&client, &clock, &mut batching, round).await;
    assert_eq!(
        answers[1],
        Err(TransportError::Timeout { after_ms: WRITE_MS })
    );
    assert_eq!(text(&answers[0]), "200 {\"alone\":\"roles\"}");
    assert!(clock.elapsed_ms() >= WRITE_MS);
    assert!(batching.refused().is_some());
}

#[tokio::test(start_paused = true)]
async fn a_server_error_or_an_unreadable_answer_leaves_the_batch_in_doubt() {
    let answers_to_try: Vec<HttpResponse> = vec![
        HttpResponse::json(500, &serde_json::json!({})),
        HttpResponse::json(503, &serde_json::json!({})),
        // 200 but not multipart, or missing a part.
        HttpResponse::json(200, &serde_json::json!({"value": []})),
        multipart(200, &[(200, "{}")]),
        // Stopped at its first error, as without odata.continue-on-error.
        multipart(400, &[(400, "{\"error\":{}}")]),
    ];
    for whole in answers_to_try {
        let status = whole.status;
        let client = Fake::new(move |req| {
            Some(if is_batch(req) {
                Ok(whole.clone())
            } else {
                alone(req)
            })
        });
        let mut batching = Batching::new();
        let round = vec![get(ENV, "roles"), post(ENV, "systemusers", "{}")];
        let answers = send_round(&client, &PausedClock::new(), &mut batching, round).await;
        assert_eq!(
            client.seen().len(),
            2,
            "HTTP {status}: the read alone again"
        );
        assert_eq!(text(&answers[0]), "200 {\"alone\":\"roles\"}");
        assert!(
            matches!(&answers[1], Err(TransportError::Network { message }) if message.contains("unknown")),
            "HTTP {status}: {:?}",
            answers[1]
        );
        assert!(batching.refused().is_some());
    }
}

#[tokio::test(start_paused = true)]
async fn throttled_or_unauthorised_is_every_requests_answer_and_batching_stays_on() {
    for status in [401, 429] {
        let client = Fake::new(move |req| {
            Some(if is_batch(req) {
                Ok(HttpResponse::json(status, &serde_json::json!({}))
                    .with_header("Retry-After", "2"))
            } else {
                alone(req)
            })
        });
        let mut batching = Batching::new();
        let round = vec![get(ENV, "roles"), post(ENV, "systemusers", "{}")];
        let answers = send_round(&client, &PausedClock::new(), &mut batching, round).await;
        assert_eq!(client.seen().len(), 1);
        for answer in &answers {
            let response = answer.as_ref().expect("the batch's answer");
            assert_eq!(response.status, status);
            assert_eq!(response.header("Retry-After"), Some("2"));
        }
        assert_eq!(batching.refused(), None);
    }
}

#[tokio::test(start_paused = true)]
async fn a_missing_sign_in_or_a_cancel_is_every_requests_answer() {
    for error in [
        TransportError::SignInNeeded {
            audience: ENV.into(),
            message: "interaction_required".into(),
        },
        TransportError::Aborted,
    ] {
        let answer = error.clone();
        let client = Fake::new(move |req| {
            Some(if is_batch(req) {
                Err(answer.clone())
            } else {
                alone(req)
            })
        });
        let mut batching = Batching::new();
        let round = vec![get(ENV, "roles"), get(ENV, "WhoAmI")];
        let answers = send_round(&client, &PausedClock::new(), &mut batching, round).await;
        assert_eq!(answers, vec![Err(error.clone()), Err(error)]);
        assert_eq!(client.seen().len(), 1);
        assert_eq!(batching.refused(), None);
    }
}

#[tokio::test(start_paused = true)]
async fn batching_off_sends_every_request_alone() {
    let client = Fake::new(|req| Some(alone(req)));
    let mut batching = Batching::off("turned off for this test");
    let round = vec![get(ENV, "a"), get(ENV, "b")];
    send_round(&client, &PausedClock::new(), &mut batching, round).await;
    assert_eq!(client.seen().len(), 2);
    assert_eq!(batching.sent(), 0);
}

/// Counts the requests in flight per origin; each answer takes 100 ms of (paused) time.
struct InFlight {
    now: RefCell<Vec<String>>,
    most: RefCell<std::collections::BTreeMap<String, usize>>,
}

impl HttpClient for InFlight {
    async fn send(&self, req: HttpRequest) -> Answered {
        let origin = w365_core::http::origin_of(&req.url).unwrap_or_default();
        self.now.borrow_mut().push(origin.clone());
        let here = self.now.borrow().iter().filter(|o| **o == origin).count();
        {
            let mut most = self.most.borrow_mut();
            let seen = most.entry(origin.clone()).or_default();
            *seen = (*seen).max(here);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        {
            let mut now = self.now.borrow_mut();
            if let Some(at) = now.iter().position(|o| *o == origin) {
                now.remove(at);
            }
        }
        alone(&req)
    }
}

#[tokio::test(start_paused = true)]
async fn single_requests_go_at_most_six_at_once_to_one_server_and_other_servers_do_not_wait() {
    // An environment that refused `$batch`: its first inspection round is seven single reads,
    // beside Graph's. Dataverse counts concurrent requests per user per server.
    let client = InFlight {
        now: RefCell::default(),
        most: RefCell::default(),
    };
    let mut batching = Batching::off("refused earlier in this run");
    let mut round: Vec<RoundRequest> = (0..7).map(|n| get(ENV, &format!("r{n}"))).collect();
    round.push(graph());
    round.extend((0..3).map(|n| get(OTHER, &format!("o{n}"))));
    let started = tokio::time::Instant::now();
    let answers = send_round(&client, &PausedClock::new(), &mut batching, round).await;

    assert_eq!(answers.len(), 11);
    assert_eq!(
        text(&answers[6]),
        r#"200 {"alone":"r6"}"#,
        "answers stay in order"
    );
    let most = client.most.borrow();
    assert_eq!(
        most[ENV], 6,
        "six to the environment at once, the seventh after"
    );
    assert_eq!(most[OTHER], 3);
    assert_eq!(most[GRAPH], 1);
    assert_eq!(
        started.elapsed().as_millis(),
        200,
        "only the environment's seventh read waits a turn"
    );
}
