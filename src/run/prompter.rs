//! The admin's side of a run: prompts wait for an answer from the page, sign-in renewal tries
//! MSAL silently and otherwise waits for the admin to sign in again, cancel stops the run.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures_channel::oneshot;
use leptos::prelude::*;
use w365_core::cloud::CloudEndpoints;
use w365_core::driver::Prompter;
use w365_core::procedure::prompt::{Prompt, PromptAnswer};
use w365_core::procedure::Command;
use w365_core::record::EnvironmentRef;

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

/// Sees every command as the driver issues it.
pub type Observer = Box<dyn Fn(&EnvironmentRef, &Command)>;

struct Inner {
    questions: RwSignal<Vec<Question>>,
    waiting: RefCell<Vec<(u32, oneshot::Sender<PromptAnswer>)>>,
    next_id: Cell<u32>,
    cancelled: Cell<bool>,
    /// Runs waiting for a cancel (the driver races each step against it).
    on_cancel: RefCell<Vec<oneshot::Sender<()>>>,
    renewal: RwSignal<Option<String>>,
    renewal_answer: RefCell<Option<oneshot::Sender<Result<(), String>>>>,
    endpoints: Option<CloudEndpoints>,
    observer: Option<Observer>,
}

/// The page as the core's [`Prompter`]. Cheap to clone; clones share the same questions.
#[derive(Clone)]
pub struct UiPrompter {
    inner: Rc<Inner>,
}

impl UiPrompter {
    /// A prompter; `endpoints` to renew tokens (None: renewal always fails), `observer` sees
    /// every command (live progress).
    pub fn new(endpoints: Option<CloudEndpoints>, observer: Option<Observer>) -> Self {
        Self {
            inner: Rc::new(Inner {
                questions: RwSignal::new(Vec::new()),
                waiting: RefCell::new(Vec::new()),
                next_id: Cell::new(1),
                cancelled: Cell::new(false),
                on_cancel: RefCell::new(Vec::new()),
                renewal: RwSignal::new(None),
                renewal_answer: RefCell::new(None),
                endpoints,
                observer,
            }),
        }
    }

    /// The open questions (reactive).
    pub fn questions(&self) -> Signal<Vec<Question>> {
        self.inner.questions.into()
    }

    /// The resource whose sign-in must be renewed interactively, while the run waits (reactive).
    pub fn renewal(&self) -> Signal<Option<String>> {
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

    /// Reports the admin's fresh interactive sign-in (or its failure) to the waiting run.
    pub fn signed_in_again(&self, result: Result<(), String>) {
        if let Some(sender) = self.inner.renewal_answer.borrow_mut().take() {
            let _ = sender.send(result);
        }
        self.inner.renewal.try_set(None);
    }

    /// Stops the run at once: the request, wait, question or renewal it is awaiting is dropped
    /// (a fetch in flight is aborted) and nothing further is sent.
    pub fn cancel(&self) {
        self.inner.cancelled.set(true);
        for waiter in self.inner.on_cancel.borrow_mut().drain(..) {
            let _ = waiter.send(());
        }
        // Dropping the senders wakes every waiting `ask` and renewal.
        self.inner.waiting.borrow_mut().clear();
        self.inner.renewal_answer.borrow_mut().take();
        self.inner.questions.try_set(Vec::new());
        self.inner.renewal.try_set(None);
    }

    /// Allows a new run after a cancel.
    pub fn reset(&self) {
        self.inner.cancelled.set(false);
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
                self.inner.cancelled.set(true);
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
        // `sign-in-again`; nothing it did is lost meanwhile.
        let (sender, receiver) = oneshot::channel();
        *self.inner.renewal_answer.borrow_mut() = Some(sender);
        self.inner.renewal.try_set(Some(audience.to_owned()));
        let result = receiver
            .await
            .unwrap_or_else(|_| Err("the run was cancelled".into()));
        self.inner.renewal.try_set(None);
        result?;
        // The refused token may still sit in MSAL's cache: replace it from the new sign-in.
        msal::renew_token(&scope)
            .await
            .map_err(|e| format!("{e}. {}", e.remedy()))
    }

    fn is_cancelled(&self) -> bool {
        self.inner.cancelled.get()
    }

    async fn cancelled(&self) {
        if self.inner.cancelled.get() {
            return;
        }
        let (sender, receiver) = oneshot::channel();
        {
            let mut waiters = self.inner.on_cancel.borrow_mut();
            // Steps that finished dropped their receivers; keep the list to the live ones.
            waiters.retain(|w| !w.is_canceled());
            waiters.push(sender);
        }
        // Err would mean the sender was dropped unsent, which only `cancel` does (by sending).
        let _ = receiver.await;
    }

    fn progress(&self, environment: &EnvironmentRef, command: &Command) {
        if let Some(observe) = &self.inner.observer {
            observe(environment, command);
        }
    }
}
