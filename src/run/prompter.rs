//! The admin's side of a run: prompts wait for an answer from the page, sign-in renewal tries
//! MSAL silently and otherwise waits for the admin to sign in again, the environment's write
//! lock comes from the browser's Web Locks, cancel stops the run.
//!
//! Every run whose sign-in could not be renewed silently waits behind one "Sign in again": the
//! waits of all runs of all prompters of the page (a batch's fifty, an environment view's) are
//! answered by one sign-in ([`signed_in_again_everywhere`]).

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use futures_channel::oneshot;
use leptos::prelude::*;
use w365_core::cloud::CloudEndpoints;
use w365_core::driver::Prompter;
use w365_core::procedure::prompt::{Prompt, PromptAnswer};
use w365_core::procedure::{LockGrant, LockName, RunView};
use w365_core::record::EnvironmentRef;

use super::cancel::Cancel;
use super::locks::{self, HeldLock, Waiting};
use crate::api::transport::scope_for;
use crate::bridge::msal;

/// A prompt waiting for the admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// Answer with this id.
    pub id: u32,
    /// Which environment asks.
    pub environment: EnvironmentRef,
    /// What it asks.
    pub prompt: Prompt,
}

/// Sees the core's snapshot of the run after every command (what a screen shows of it).
pub type ViewSink = Box<dyn Fn(&RunView)>;

struct Inner {
    questions: RwSignal<Vec<Question>>,
    waiting: RefCell<Vec<(u32, oneshot::Sender<PromptAnswer>)>>,
    next_id: Cell<u32>,
    cancel: Cancel,
    /// The resource of each run waiting for the admin to sign in again.
    renewal: RwSignal<Vec<String>>,
    renewal_answers: RefCell<Vec<oneshot::Sender<Result<(), String>>>>,
    waiting_locks: RefCell<Vec<(LockName, Waiting)>>,
    held_locks: RefCell<Vec<(LockName, HeldLock)>>,
    endpoints: Option<CloudEndpoints>,
    on_view: Option<ViewSink>,
}

thread_local! {
    /// Every live prompter of the page, so one sign-in answers all of them.
    static PROMPTERS: RefCell<Vec<Weak<Inner>>> = const { RefCell::new(Vec::new()) };
}

/// The admin signed in again as the run's operator: every run of the page that waits for it
/// continues.
pub fn signed_in_again_everywhere() {
    let live: Vec<Rc<Inner>> = PROMPTERS.with(|all| {
        let mut all = all.borrow_mut();
        all.retain(|w| w.strong_count() > 0);
        all.iter().filter_map(Weak::upgrade).collect()
    });
    for inner in live {
        UiPrompter { inner }.signed_in_again(Ok(()));
    }
}

/// The page as the core's [`Prompter`]. Cheap to clone; clones share the same questions.
#[derive(Clone)]
pub struct UiPrompter {
    inner: Rc<Inner>,
}

impl UiPrompter {
    /// A prompter; `endpoints` to renew tokens (None: renewal always fails), `on_view` gets the
    /// run's snapshot after every command (live progress).
    pub fn new(endpoints: Option<CloudEndpoints>, on_view: Option<ViewSink>) -> Self {
        let inner = Rc::new(Inner {
            questions: RwSignal::new(Vec::new()),
            waiting: RefCell::new(Vec::new()),
            next_id: Cell::new(1),
            cancel: Cancel::default(),
            renewal: RwSignal::new(Vec::new()),
            renewal_answers: RefCell::new(Vec::new()),
            waiting_locks: RefCell::new(Vec::new()),
            held_locks: RefCell::new(Vec::new()),
            endpoints,
            on_view,
        });
        PROMPTERS.with(|all| all.borrow_mut().push(Rc::downgrade(&inner)));
        Self { inner }
    }

    /// The open questions (reactive).
    pub fn questions(&self) -> Signal<Vec<Question>> {
        self.inner.questions.into()
    }

    /// The resources whose sign-in must be renewed interactively, one per waiting run
    /// (reactive; empty when no run waits).
    pub fn renewal(&self) -> Signal<Vec<String>> {
        self.inner.renewal.into()
    }

    /// Answers question `id`; unknown ids (already answered) are ignored.
    pub fn answer(&self, id: u32, answer: PromptAnswer) {
        let sender = {
            let mut waiting = self.inner.waiting.borrow_mut();
            waiting
                .iter()
                .position(|(i, _)| *i == id)
                .map(|pos| waiting.remove(pos).1)
        };
        if let Some(sender) = sender {
            let _ = sender.send(answer);
        }
        self.inner
            .questions
            .try_update(|q| q.retain(|x| x.id != id));
    }

    /// Reports the admin's fresh interactive sign-in (or its failure) to every waiting run.
    pub fn signed_in_again(&self, result: Result<(), String>) {
        let waiting = std::mem::take(&mut *self.inner.renewal_answers.borrow_mut());
        for sender in waiting {
            let _ = sender.send(result.clone());
        }
        self.inner.renewal.try_set(Vec::new());
    }

    /// Stops the run at once: the request, wait, question or renewal it is awaiting is dropped
    /// (a fetch in flight is aborted) and nothing further is sent.
    pub fn cancel(&self) {
        self.inner.cancel.cancel();
        // Dropping the senders wakes every waiting `ask` and renewal.
        self.inner.waiting.borrow_mut().clear();
        self.inner.renewal_answers.borrow_mut().clear();
        let waits: Vec<_> = self.inner.waiting_locks.borrow_mut().drain(..).collect();
        for (_, wait) in waits {
            wait.abort();
        }
        self.inner.questions.try_set(Vec::new());
        self.inner.renewal.try_set(Vec::new());
    }

    /// Allows a new run after a cancel.
    pub fn reset(&self) {
        self.inner.cancel.reset();
    }
}

impl Prompter for UiPrompter {
    async fn ask(&self, environment: &EnvironmentRef, prompt: &Prompt) -> PromptAnswer {
        let (sender, receiver) = oneshot::channel();
        let id = self.inner.next_id.get();
        self.inner.next_id.set(id + 1);
        self.inner.waiting.borrow_mut().push((id, sender));
        self.inner.questions.try_update(|q| {
            q.push(Question {
                id,
                environment: environment.clone(),
                prompt: prompt.clone(),
            })
        });
        match receiver.await {
            Ok(answer) => answer,
            // The page went away or the run was cancelled: any answer will do, because the
            // driver sees the cancel before it acts on it.
            Err(_) => {
                self.inner.cancel.cancel();
                PromptAnswer::Decline
            }
        }
    }

    async fn renew_sign_in(&self, audience: &str) -> Result<(), String> {
        let Some(endpoints) = &self.inner.endpoints else {
            return Err("sign-in renewal is not available here".into());
        };
        let scope = scope_for(endpoints, audience);
        // The service refused the cached token, so a fresh one is asked for (MSAL's cache
        // would hand back the same one): from the refresh token, without showing anything.
        if msal::renew_token(&scope).await.is_ok() {
            return Ok(());
        }
        // Only the admin can sign in now. A popup needs a click, so the run waits for
        // `sign-in-again`, with every other run that waits for it; nothing it did is lost.
        if self.inner.cancel.is_cancelled() {
            return Err("the run was cancelled".into());
        }
        let (sender, receiver) = oneshot::channel();
        self.inner.renewal_answers.borrow_mut().push(sender);
        self.inner
            .renewal
            .try_update(|waiting| waiting.push(audience.to_owned()));
        let result = receiver
            .await
            .unwrap_or_else(|_| Err("the run was cancelled".into()));
        result?;
        // The refused token may still sit in MSAL's cache: replace it from the new sign-in.
        msal::renew_token(&scope)
            .await
            .map_err(|e| format!("{e}. {}", e.remedy()))
    }

    fn is_cancelled(&self) -> bool {
        self.inner.cancel.is_cancelled()
    }

    async fn cancelled(&self) {
        self.inner.cancel.cancelled().await;
    }

    fn view(&self, _environment: &EnvironmentRef, view: &RunView) {
        if let Some(sink) = &self.inner.on_view {
            sink(view);
        }
    }

    async fn lock(&self, _environment: &EnvironmentRef, lock: &LockName, wait: bool) -> LockGrant {
        if !wait {
            return match locks::try_acquire(lock.as_str()).await {
                locks::Attempt::Held(held) => self.keep(lock, held),
                locks::Attempt::Busy => LockGrant::Busy,
                locks::Attempt::Unavailable => LockGrant::Unavailable,
            };
        }
        if self.inner.cancel.is_cancelled() {
            return LockGrant::Busy;
        }
        let (granted, waiting) = locks::acquire_waiting(lock.as_str());
        self.inner
            .waiting_locks
            .borrow_mut()
            .push((lock.clone(), waiting));
        let held = granted.await;
        self.inner
            .waiting_locks
            .borrow_mut()
            .retain(|(name, _)| name != lock);
        match held {
            Some(held) => self.keep(lock, held),
            // Aborted (the run was cancelled, which the driver sees next).
            None => LockGrant::Busy,
        }
    }

    fn unlock(&self, lock: &LockName) {
        // Dropping the held lock gives it back.
        self.inner
            .held_locks
            .borrow_mut()
            .retain(|(name, _)| name != lock);
    }
}

impl UiPrompter {
    fn keep(&self, lock: &LockName, held: HeldLock) -> LockGrant {
        self.inner
            .held_locks
            .borrow_mut()
            .push((lock.clone(), held));
        LockGrant::Acquired
    }
}
