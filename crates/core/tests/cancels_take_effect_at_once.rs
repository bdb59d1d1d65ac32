//! Issue 10, point 6: a cancel takes effect at once, also while a request, a throttling wait or
//! a sign-in renewal is pending, in one run or a whole batch; a write on its way at the cancel
//! is told as in doubt, never as done or not done. Time is tokio's paused clock
//! (`support::fake_time`), so every assertion on when something happened is exact. Timeouts:
//! `requests_time_out.rs`.

mod support;

use std::cell::Cell;
use support::fake_time::PausedClock;
use support::hanging::{is_who_am_i, Admin, Hang, HangingClient};
use support::model::Model;
use support::{is_create, target, unattended};
use w365_core::batch::run_batch;
use w365_core::driver::drive;
use w365_core::http::{HttpClient, HttpRequest, HttpResponse, Method, TransportError};
use w365_core::preset::WORK365_US_APP_ID as US;
use w365_core::procedure::{Options, Outcome, Procedure, ProcedureError};
use w365_core::record::EnvironmentRef;

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_cancel_during_a_hung_read_stops_the_run_at_once_and_nothing_more_is_sent() {
    let clock = PausedClock::new();
    let client = HangingClient::new(Model::fresh(US), &clock, |r| {
        if is_who_am_i(r) {
            Hang::Before
        } else {
            Hang::No
        }
    });
    let mut p = Procedure::new(target(), Options::default());
    let admin = Admin::cancelling_at(&clock, 700);
    let outcome = drive(&mut p, &client, &clock, &admin).await;
    assert_eq!(outcome, Outcome::Cancelled);
    assert_eq!(
        clock.elapsed_ms(),
        700,
        "the run ended at the cancel, not at a timeout"
    );
    assert!(client.last_sent_at() <= 700);
    assert_eq!(
        client.abandoned.get(),
        1,
        "the hung request was given up (aborted)"
    );
    assert_eq!(client.writes(), 0);
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_cancel_during_a_hung_write_says_its_effect_is_unknown_and_to_inspect_again() {
    let clock = PausedClock::new();
    let client = HangingClient::new(Model::fresh(US), &clock, |r| {
        if is_create(r) {
            Hang::After
        } else {
            Hang::No
        }
    });
    let mut p = Procedure::new(target(), unattended());
    let admin = Admin {
        cancel_after_first_write_ms: Some(300),
        ..Admin::new(&clock)
    };
    let outcome = drive(&mut p, &client, &clock, &admin).await;

    let created_at = client.sent_matching(is_create)[0];
    assert_eq!(
        clock.elapsed_ms(),
        created_at + 300,
        "stopped at the cancel"
    );
    assert_eq!(
        client.last_sent_at(),
        created_at,
        "nothing was sent after the create"
    );
    assert_eq!(client.abandoned.get(), 1);
    let Outcome::Failed { error } = &outcome else {
        panic!("a cancel with a write in flight is not a plain cancel: {outcome:?}")
    };
    assert_eq!(
        error,
        &ProcedureError::CancelledWithWritesInDoubt {
            writes: vec!["create the application user".into()]
        }
    );
    let text = error.remedy().text();
    assert!(
        text.contains("unknown") && text.contains("Inspect and plan again"),
        "{text}"
    );
    let write = p.record().writes.last().expect("the create is recorded");
    assert_eq!((write.method, write.status), (Method::Post, None));
    assert!(write
        .error
        .as_deref()
        .is_some_and(|e| e.contains("effect is unknown")));

    // The remedy works: inspecting again finds the user the lost write created, and adopts it.
    let mut again = Procedure::new(target(), unattended());
    let client_again = HangingClient::new(client.model.borrow().clone(), &clock, |_| Hang::No);
    let outcome = drive(&mut again, &client_again, &clock, &Admin::new(&clock)).await;
    assert!(matches!(outcome, Outcome::Configured { .. }), "{outcome:?}");
    assert!(
        client_again.sent_matching(is_create).is_empty(),
        "not created twice"
    );
    assert_eq!(client_again.model.borrow().app_users(US).len(), 1);
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_cancel_before_a_write_goes_out_is_a_plain_cancel_and_the_write_is_never_sent() {
    let clock = PausedClock::new();
    let client = HangingClient::new(Model::fresh(US), &clock, |_| Hang::No);
    let mut p = Procedure::new(target(), unattended());
    // Cancelled the moment the create is issued, before the driver sends it.
    let admin = Admin {
        cancel_after_first_write_ms: Some(0),
        ..Admin::new(&clock)
    };
    let outcome = drive(&mut p, &client, &clock, &admin).await;
    assert_eq!(outcome, Outcome::Cancelled, "nothing is in doubt");
    assert_eq!(client.writes(), 0, "the create never went out");
    assert!(p.record().writes.is_empty());
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_cancel_during_a_throttling_wait_or_a_pending_sign_in_takes_effect_at_once() {
    // Throttled for two minutes: the cancel lands 1.5 s into the wait.
    let clock = PausedClock::new();
    let client = HangingClient::new(Model::fresh(US), &clock, |_| Hang::No);
    let throttling = ThrottleFirst {
        inner: &client,
        first: Cell::new(true),
    };
    let mut p = Procedure::new(target(), Options::default());
    let outcome = drive(
        &mut p,
        &throttling,
        &clock,
        &Admin::cancelling_at(&clock, 1_500),
    )
    .await;
    assert_eq!(outcome, Outcome::Cancelled);
    assert_eq!(clock.elapsed_ms(), 1_500);
    assert_eq!(
        p.record().waits.len(),
        1,
        "it was waiting: {:?}",
        p.record().waits
    );

    // A 401 asks for a renewal the admin never completes; the cancel ends the wait.
    let clock = PausedClock::new();
    let client = HangingClient::new(Model::fresh(US), &clock, |_| Hang::No);
    let expired = UnauthorizedFirst {
        inner: &client,
        first: Cell::new(true),
    };
    let admin = Admin {
        renew_hangs: true,
        ..Admin::cancelling_at(&clock, 800)
    };
    let mut p = Procedure::new(target(), Options::default());
    let outcome = drive(&mut p, &expired, &clock, &admin).await;
    assert_eq!(outcome, Outcome::Cancelled, "not a failed sign-in");
    assert_eq!(clock.elapsed_ms(), 800);
}

/// Answers the first request `429 Retry-After: 120`.
struct ThrottleFirst<'a, C> {
    inner: &'a C,
    first: Cell<bool>,
}

impl<C: HttpClient> HttpClient for ThrottleFirst<'_, C> {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        if self.first.replace(false) {
            return Ok(HttpResponse::json(429, &serde_json::json!({"error":{"code":"0x80072322","message":"Number of requests exceeded the limit"}})).with_header("Retry-After", "120"));
        }
        self.inner.send(req).await
    }
}

/// Answers the first request `401`.
struct UnauthorizedFirst<'a, C> {
    inner: &'a C,
    first: Cell<bool>,
}

impl<C: HttpClient> HttpClient for UnauthorizedFirst<'_, C> {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        if self.first.replace(false) {
            return Ok(HttpResponse::json(
                401,
                &serde_json::json!({"error":{"code":"","message":"token expired"}}),
            ));
        }
        self.inner.send(req).await
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_cancelled_batch_stops_every_running_environment_at_once() {
    let clock = PausedClock::new();
    // Every Dataverse request hangs; Graph answers.
    let client = HangingClient::new(Model::fresh(US), &clock, |r| {
        if r.url.contains(".crm.dynamics.com") {
            Hang::Before
        } else {
            Hang::No
        }
    });
    let procedures: Vec<Procedure> = (0..6)
        .map(|i| {
            let mut t = target();
            let url = format!("https://env{i}.crm.dynamics.com");
            t.environment = EnvironmentRef {
                id: None,
                name: url.clone(),
                url,
            };
            Procedure::new(t, unattended())
        })
        .collect();
    let admin = Admin::cancelling_at(&clock, 400);
    let records = run_batch(procedures, &client, &clock, &admin, &(), 3).await;
    assert_eq!(clock.elapsed_ms(), 400);
    assert_eq!(records.len(), 6);
    assert!(
        records
            .iter()
            .all(|r| r.outcome == Some(Outcome::Cancelled)),
        "{:?}",
        records.iter().map(|r| &r.outcome).collect::<Vec<_>>()
    );
    assert!(client.last_sent_at() <= 400);
    let started = client.sent_matching(is_who_am_i).len();
    assert_eq!(started, 3, "only the first three started");
    assert_eq!(
        client.abandoned.get(),
        client
            .sent_matching(|r| r.url.contains(".crm.dynamics.com"))
            .len()
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_cancel_during_a_hung_batch_stops_the_run_at_once_and_nothing_more_is_sent() {
    // The inspection's reads go as one `$batch`, which never answers.
    let clock = PausedClock::new();
    let client = HangingClient::new(Model::fresh(US), &clock, |_| Hang::No).with_hanging_batches();
    let mut p = Procedure::new(target(), Options::default());
    let admin = Admin::cancelling_at(&clock, 700);
    let outcome = drive(&mut p, &client, &clock, &admin).await;
    assert_eq!(outcome, Outcome::Cancelled);
    assert_eq!(clock.elapsed_ms(), 700, "at the cancel, not at a timeout");
    assert_eq!(
        client.sent_matching(|r| r.url.ends_with("/$batch")),
        vec![0],
        "one $batch went out"
    );
    assert_eq!(
        client.abandoned.get(),
        1,
        "the $batch was given up (aborted)"
    );
    assert!(client.last_sent_at() <= 700);
    assert_eq!(
        client.sent_matching(|r| r.method != Method::Get && !r.url.ends_with("/$batch")),
        Vec::<u64>::new(),
        "no write"
    );
}
