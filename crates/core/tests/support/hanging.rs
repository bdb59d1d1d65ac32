//! A client whose requests may hang, and an admin who may cancel at a virtual time: for the
//! tests that no request can hold a run (`requests_time_out.rs`, `cancels_take_effect_at_once.rs`).
//! Time is tokio's paused clock ([`super::fake_time`]).

use super::agree;
use super::fake_time::PausedClock;
use super::model::Model;
use std::cell::{Cell, RefCell};
use std::future::pending;
use std::time::Duration;
use w365_core::driver::Prompter;
use w365_core::http::{HttpClient, HttpRequest, HttpResponse, Method, TransportError};
use w365_core::procedure::prompt::{Prompt, PromptAnswer};
use w365_core::procedure::Command;
use w365_core::record::EnvironmentRef;

/// How the client treats one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hang {
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
pub struct HangingClient<'a> {
    pub model: RefCell<Model>,
    clock: &'a PausedClock,
    hang: RefCell<Picker<'a>>,
    /// Every request sent, with the virtual time it went out.
    pub sent: RefCell<Vec<(u64, HttpRequest)>>,
    pub abandoned: Cell<usize>,
    /// Whether a `$batch` hangs (is sent and never answered) instead of being refused.
    batch_hangs: bool,
}

impl<'a> HangingClient<'a> {
    pub fn new(
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
            batch_hangs: false,
        }
    }

    /// The same client, whose `$batch`es are sent and never answered.
    pub fn with_hanging_batches(mut self) -> Self {
        self.batch_hangs = true;
        self
    }

    pub fn sent_matching(&self, pred: impl Fn(&HttpRequest) -> bool) -> Vec<u64> {
        self.sent
            .borrow()
            .iter()
            .filter(|(_, r)| pred(r))
            .map(|(t, _)| *t)
            .collect()
    }

    pub fn last_sent_at(&self) -> u64 {
        self.sent.borrow().last().map_or(0, |(t, _)| *t)
    }

    pub fn writes(&self) -> usize {
        self.sent_matching(|r| r.method != Method::Get).len()
    }
}

impl HttpClient for HangingClient<'_> {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        if req.url.ends_with("/$batch") {
            if self.batch_hangs {
                self.sent
                    .borrow_mut()
                    .push((self.clock.elapsed_ms(), req.clone()));
                let _gone = Abandoned(&self.abandoned);
                return pending().await;
            }
            // The model speaks single requests only: it refuses `$batch` at once, as a
            // Dataverse without it would, so the run goes on by single requests (what these
            // tests time and cancel), and the refusal is not counted as a request sent.
            tokio::task::yield_now().await;
            return Ok(HttpResponse {
                status: 501,
                headers: vec![("Content-Type".into(), "application/json".into())],
                body: br#"{"error":{"code":"0x80060888","message":"Not implemented"}}"#.to_vec(),
            });
        }
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

pub fn is_who_am_i(r: &HttpRequest) -> bool {
    r.url.ends_with("/WhoAmI")
}

/// An admin who agrees to everything and may cancel at a virtual time (or a while after the
/// first write goes out); `renew_hangs`: a sign-in renewal that never finishes (the admin
/// has not clicked "Sign in again").
pub struct Admin<'a> {
    pub clock: &'a PausedClock,
    pub cancel_at: Cell<Option<u64>>,
    pub cancel_after_first_write_ms: Option<u64>,
    pub renew_hangs: bool,
}

impl<'a> Admin<'a> {
    pub fn new(clock: &'a PausedClock) -> Self {
        Admin {
            clock,
            cancel_at: Cell::new(None),
            cancel_after_first_write_ms: None,
            renew_hangs: false,
        }
    }

    pub fn cancelling_at(clock: &'a PausedClock, ms: u64) -> Self {
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
