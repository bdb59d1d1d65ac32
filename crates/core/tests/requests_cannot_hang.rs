//! Issue 10, point 6: no request can hold a run. Every request has a timeout from the retry
//! policy; a read that keeps timing out ends in a typed `Timeout` with a remedy; a write that
//! times out is re-read, never resent blind; and a cancel takes effect at once, also while a
//! request, a throttling wait or a sign-in renewal is pending. Time is tokio's paused clock
//! (`support::fake_time`), so every assertion on when something happened is exact.

mod support;

use std::cell::{Cell, RefCell};
use std::future::pending;
use std::time::Duration;
use support::fake_time::PausedClock;
use support::model::{Model, ORIGIN, PORTAL_ROLE, SERVICE_ROLE};
use support::{agree, run, target, unattended, Fault};
use w365_core::batch::run_batch;
use w365_core::driver::{drive, Prompter};
use w365_core::error::Remedy;
use w365_core::http::{HttpClient, HttpRequest, HttpResponse, Method, TransportError};
use w365_core::preset::WORK365_US_APP_ID as US;
use w365_core::procedure::prompt::{Prompt, PromptAnswer};
use w365_core::procedure::{Command, Mode, Options, Outcome, Procedure, ProcedureError};
use w365_core::record::EnvironmentRef;

/// How the client treats one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hang {
    /// Answer (after a yield, as a real client would).
    No,
    /// Never answer; the server never saw it.
    Before,
    /// The server processes it, but no answer ever comes.
    After,
    /// Answer after this many milliseconds.
    Delay(u64),
}

/// Counts a hung request the driver gave up on: dropping its future is what aborts a fetch.
struct Abandoned<'a>(&'a Cell<usize>);

impl Drop for Abandoned<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

/// Decides how each request is treated.
type Picker<'a> = Box<dyn FnMut(&HttpRequest) -> Hang + 'a>;

/// Answers from the model, except the requests `hang` picks.
struct HangingClient<'a> {
    model: RefCell<Model>,
    clock: &'a PausedClock,
    hang: RefCell<Picker<'a>>,
    /// Every request sent, with the virtual time it went out.
    sent: RefCell<Vec<(u64, HttpRequest)>>,
    abandoned: Cell<usize>,
}

impl<'a> HangingClient<'a> {
    fn new(
        model: Model,
        clock: &'a PausedClock,
        hang: impl FnMut(&HttpRequest) -> Hang + 'a,
    ) -> Self {
        HangingClient {
            model: RefCell::new(model),
            clock,
            hang: RefCell::new(Box::new(hang)),
            sent: RefCell::new(Vec::new()),
            abandoned: Cell::new(0),
        }
    }

    fn sent_matching(&self, pred: impl Fn(&HttpRequest) -> bool) -> Vec<u64> {
        self.sent
            .borrow()
            .iter()
            .filter(|(_, r)| pred(r))
            .map(|(t, _)| *t)
            .collect()
    }

    fn last_sent_at(&self) -> u64 {
        self.sent.borrow().last().map_or(0, |(t, _)| *t)
    }

    fn writes(&self) -> usize {
        self.sent_matching(|r| r.method != Method::Get).len()
    }
}

impl HttpClient for HangingClient<'_> {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.sent
            .borrow_mut()
            .push((self.clock.elapsed_ms(), req.clone()));
        let how = (self.hang.borrow_mut())(&req);
        match how {
            Hang::No => {
                tokio::task::yield_now().await;
                Ok(self.model.borrow_mut().handle(&req))
            }
            Hang::Delay(ms) => {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok(self.model.borrow_mut().handle(&req))
            }
            Hang::Before => {
                let _gone = Abandoned(&self.abandoned);
                pending().await
            }
            Hang::After => {
                self.model.borrow_mut().handle(&req);
                let _gone = Abandoned(&self.abandoned);
                pending().await
            }
        }
    }
}

fn is_who_am_i(r: &HttpRequest) -> bool {
    r.url.ends_with("/WhoAmI")
}

fn is_create(r: &HttpRequest) -> bool {
    r.method == Method::Post && r.url.ends_with("/systemusers")
}

/// The re-read of the application user: `GET systemusers?$filter=applicationid eq …`.
fn is_user_read(r: &HttpRequest) -> bool {
    r.method == Method::Get && r.url.contains("/systemusers?") && r.url.contains("applicationid")
}

/// An admin who agrees to everything and may cancel at a virtual time (or a while after the
/// first write goes out); `renew_hangs`: a sign-in renewal that never finishes (the admin
/// has not clicked "Sign in again").
struct Admin<'a> {
    clock: &'a PausedClock,
    cancel_at: Cell<Option<u64>>,
    cancel_after_first_write_ms: Option<u64>,
    renew_hangs: bool,
}

impl<'a> Admin<'a> {
    fn new(clock: &'a PausedClock) -> Self {
        Admin {
            clock,
            cancel_at: Cell::new(None),
            cancel_after_first_write_ms: None,
            renew_hangs: false,
        }
    }

    fn cancelling_at(clock: &'a PausedClock, ms: u64) -> Self {
        let admin = Admin::new(clock);
        admin.cancel_at.set(Some(ms));
        admin
    }
}

impl Prompter for Admin<'_> {
    async fn ask(&self, _: &EnvironmentRef, prompt: &Prompt) -> PromptAnswer {
        agree(prompt)
    }

    async fn renew_sign_in(&self, _: &str) -> Result<(), String> {
        if self.renew_hangs {
            pending::<()>().await;
        }
        Ok(())
    }

    fn is_cancelled(&self) -> bool {
        self.cancel_at
            .get()
            .is_some_and(|at| self.clock.elapsed_ms() >= at)
    }

    async fn cancelled(&self) {
        let Some(at) = self.cancel_at.get() else {
            return pending().await;
        };
        let now = self.clock.elapsed_ms();
        if at > now {
            tokio::time::sleep(Duration::from_millis(at - now)).await;
        }
    }

    fn progress(&self, _: &EnvironmentRef, command: &Command) {
        let Some(delay) = self.cancel_after_first_write_ms else {
            return;
        };
        if let (None, Command::Send { requests }) = (self.cancel_at.get(), command) {
            if requests.iter().any(|o| o.request.method != Method::Get) {
                self.cancel_at.set(Some(self.clock.elapsed_ms() + delay));
            }
        }
    }
}

fn setup_with_timeouts(read_ms: u64, write_ms: u64) -> Options {
    let mut o = unattended();
    o.retry.read_timeout_ms = read_ms;
    o.retry.write_timeout_ms = write_ms;
    o
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_hung_read_times_out_is_retried_within_the_policy_then_ends_in_a_typed_timeout_with_a_remedy(
) {
    let clock = PausedClock::new();
    let client = HangingClient::new(Model::fresh(US), &clock, |r| {
        if is_who_am_i(r) {
            Hang::Before
        } else {
            Hang::No
        }
    });
    let options = setup_with_timeouts(2_000, 5_000);
    let retries = options.retry.max_read_retries;
    let mut p = Procedure::new(target(), options);
    let outcome = drive(&mut p, &client, &clock, &Admin::new(&clock)).await;

    let Outcome::Failed { error } = &outcome else {
        panic!("expected a failure, got {outcome:?}")
    };
    assert_eq!(
        error,
        &ProcedureError::Timeout {
            step: "read who is signed in".into(),
            host: ORIGIN.into(),
            after_ms: 2_000,
            attempts: retries + 1,
        }
    );
    let remedy = error.remedy();
    assert_eq!(
        remedy,
        Remedy::ServiceNotAnswering {
            host: ORIGIN.into(),
            after_s: 2
        }
    );
    assert!(
        remedy.text().contains(ORIGIN) && remedy.text().contains("try again"),
        "{}",
        remedy.text()
    );

    // Asked once and retried `max_read_retries` times, each only after the last timed out;
    // every hung attempt was given up (its future dropped, which aborts a fetch).
    let attempts = client.sent_matching(is_who_am_i);
    assert_eq!(attempts.len() as u32, retries + 1);
    assert!(
        attempts.windows(2).all(|w| w[1] - w[0] >= 2_000),
        "{attempts:?}"
    );
    assert_eq!(client.abandoned.get(), attempts.len());
    assert_eq!(
        client.writes(),
        0,
        "nothing is written after a failed inspection"
    );
    // Five timeouts and four backoffs of at most 0.5 + 1 + 2 + 4 s: the run cannot hang.
    let took = clock.elapsed_ms();
    assert!((10_000..=10_000 + 7_500).contains(&took), "took {took} ms");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_slow_answer_within_the_timeout_is_waited_for() {
    let clock = PausedClock::new();
    let client = HangingClient::new(Model::fresh(US), &clock, |r| {
        if is_who_am_i(r) {
            Hang::Delay(1_900)
        } else {
            Hang::No
        }
    });
    let mut p = Procedure::new(target(), setup_with_timeouts(2_000, 5_000));
    let outcome = drive(&mut p, &client, &clock, &Admin::new(&clock)).await;
    assert!(
        matches!(outcome, Outcome::Configured { already: false, .. }),
        "{outcome:?}"
    );
    assert_eq!(client.sent_matching(is_who_am_i).len(), 1, "not retried");
    assert_eq!(client.abandoned.get(), 0);
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_hung_write_times_out_and_is_re_read_never_resent_blind() {
    for processed in [false, true] {
        let clock = PausedClock::new();
        let mut first = true;
        let client = HangingClient::new(Model::fresh(US), &clock, move |r| {
            if is_create(r) && std::mem::take(&mut first) {
                if processed {
                    Hang::After
                } else {
                    Hang::Before
                }
            } else {
                Hang::No
            }
        });
        let mut p = Procedure::new(target(), setup_with_timeouts(2_000, 5_000));
        let outcome = drive(&mut p, &client, &clock, &Admin::new(&clock)).await;
        assert!(
            matches!(outcome, Outcome::Configured { already: false, .. }),
            "processed={processed}: {outcome:?}"
        );
        assert!(client.model.borrow().is_configured(US));
        assert_eq!(client.model.borrow().app_users(US).len(), 1, "one user");

        let sent = client.sent.borrow();
        let create_at = sent
            .iter()
            .position(|(_, r)| is_create(r))
            .expect("a create");
        // Given up after the write timeout, then the user is read before anything is written.
        let (t_create, _) = sent[create_at];
        let (t_next, next) = &sent[create_at + 1];
        assert_eq!(t_next - t_create, 5_000, "the write timeout");
        assert!(
            is_user_read(next),
            "after a timed-out create: {} {}",
            next.method,
            next.url
        );
        let creates = sent.iter().filter(|(_, r)| is_create(r)).count();
        // Created by the lost write: adopted. Not created: created again, after the re-read.
        assert_eq!(
            creates,
            if processed { 1 } else { 2 },
            "processed={processed}"
        );
        let record = p.record();
        assert_eq!(record.writes[0].status, None);
        assert!(record.writes[0]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("timed out")));
    }
}

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

/// Which write each starting state's first round sends, to time out.
fn first_write(kind: &str) -> impl Fn(&HttpRequest) -> bool + '_ {
    move |r: &HttpRequest| match kind {
        "create" => is_create(r),
        "enable" => {
            r.method == Method::Patch
                && r.body_text()
                    .unwrap_or_default()
                    .contains("\"isdisabled\":false")
        }
        "assign" => r.method == Method::Post && r.url.contains("systemuserroles_association"),
        "remove" => r.method == Method::Delete,
        "disable" => {
            r.method == Method::Patch
                && r.body_text()
                    .unwrap_or_default()
                    .contains("\"isdisabled\":true")
        }
        _ => false,
    }
}

#[test]
fn every_kind_of_write_that_times_out_is_re_read_before_anything_else_is_written() {
    // (write kind, starting state, mode)
    let cases: Vec<(&str, Model, Mode)> = vec![
        ("create", Model::fresh(US), Mode::Setup),
        (
            "enable",
            {
                let mut m = Model::fresh(US);
                m.add_app_user(US, true, &[SERVICE_ROLE, PORTAL_ROLE]);
                m
            },
            Mode::Setup,
        ),
        (
            "assign",
            {
                let mut m = Model::fresh(US);
                m.add_app_user(US, false, &[SERVICE_ROLE]);
                m
            },
            Mode::Setup,
        ),
        (
            "remove",
            {
                let mut m = Model::fresh(US);
                m.add_app_user(US, false, &[SERVICE_ROLE, PORTAL_ROLE]);
                m
            },
            Mode::Undo,
        ),
        (
            "disable",
            {
                let mut m = Model::fresh(US);
                m.add_app_user(US, false, &[]);
                m
            },
            Mode::Undo,
        ),
    ];
    for (kind, start, mode) in cases {
        for fault in [Fault::TimeoutBefore, Fault::TimeoutAfter] {
            let mut m = start.clone();
            let pick = first_write(kind);
            let mut hit = false;
            let mut p = Procedure::new(target(), Options::unattended(mode));
            let (outcome, trace) = run(
                &mut p,
                &mut m,
                |r| {
                    if !hit && pick(r) {
                        hit = true;
                        fault
                    } else {
                        Fault::None
                    }
                },
                agree,
                true,
            );
            assert!(hit, "{kind}: the write was sent");
            let round = trace
                .sends
                .iter()
                .position(|round| round.iter().any(&pick))
                .expect("the timed-out round");
            let next = &trace.sends[round + 1];
            assert!(
                next.len() == 1 && is_user_read(&next[0]),
                "{kind} {fault:?}: after the timed-out write came {:?}",
                next.iter()
                    .map(|r| format!("{} {}", r.method, r.url))
                    .collect::<Vec<_>>()
            );
            let expected_end = match mode {
                Mode::Undo => matches!(outcome, Outcome::Undone { .. }),
                _ => matches!(outcome, Outcome::Configured { .. }),
            };
            assert!(expected_end, "{kind} {fault:?}: {outcome:?}");
            match mode {
                Mode::Undo => assert!(m.app_users(US).iter().all(|u| u.disabled)),
                _ => assert!(m.is_configured(US), "{kind} {fault:?}"),
            }
            assert_eq!(m.app_users(US).len(), 1, "{kind} {fault:?}: one user");
        }
    }
}
