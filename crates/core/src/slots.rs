//! Slots for runs: at most so many environments *active* at once, where a run that sleeps
//! through a `Retry-After` (`Command::WaitUntil`) is not active. It gives its slot back while
//! it sleeps, so another environment starts meanwhile, and takes one back (ahead of the
//! environments not started yet) when it wakes.
//!
//! Why: a slot held through a wait makes a 429 storm cost waves of waits — with 200
//! environments in slots of 50, every wave sat out its own `Retry-After` (17.8 s against
//! 12.3 s unthrottled for one 2 s wait, BENCHMARKS.md). What stays bounded: environments
//! sending at once (the slots), and each environment's own requests (the procedure sends at
//! most six at once to its server, whatever the slots).
//!
//! Single-threaded (the page's, or a test's current-thread runtime): one [`Slots::run`] at a
//! time per `Slots`.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;

use futures_channel::{mpsc, oneshot};
use futures_util::future::{self, Either};
use futures_util::pin_mut;
use futures_util::stream::{FuturesUnordered, StreamExt};

use crate::driver::Prompter;
use crate::procedure::prompt::{Prompt, PromptAnswer};
use crate::procedure::{Command, LockGrant, LockName, RunView};
use crate::record::EnvironmentRef;

/// At most `limit` runs active at once; see the module.
pub struct Slots {
    limit: usize,
    active: Cell<usize>,
    /// Runs that woke and wait for a slot, first come first served.
    waking: RefCell<VecDeque<oneshot::Sender<()>>>,
    /// Tells the [`Slots::run`] going on that a slot was given back or is asked for.
    changed: RefCell<Option<mpsc::UnboundedSender<()>>>,
}

impl Slots {
    /// Slots for `limit` active runs (at least one).
    pub fn new(limit: usize) -> Slots {
        Slots {
            limit: limit.max(1),
            active: Cell::new(0),
            waking: RefCell::new(VecDeque::new()),
            changed: RefCell::new(None),
        }
    }

    /// Starts `start(item)` for each item in order while a slot is free, and hands each
    /// output to `finished` as it ends. `may_start` is asked just before an item starts; once
    /// it says no, nothing more starts, and the items not started are returned (in order).
    pub async fn run<T, R, Fut>(
        &self,
        items: impl IntoIterator<Item = T>,
        mut may_start: impl FnMut(&T) -> bool,
        start: impl Fn(T) -> Fut,
        mut finished: impl FnMut(R),
    ) -> Vec<T>
    where
        Fut: Future<Output = R>,
    {
        let (changed, mut changes) = mpsc::unbounded();
        *self.changed.borrow_mut() = Some(changed);
        let mut queue = items.into_iter();
        let mut not_started = Vec::new();
        let mut stopped = false;
        let mut running = FuturesUnordered::new();
        loop {
            while self.active.get() < self.limit {
                // A run that woke goes on before a new one starts: it has work in hand.
                let waking = self.waking.borrow_mut().pop_front();
                if let Some(wake) = waking {
                    if wake.send(()).is_ok() {
                        self.active.set(self.active.get() + 1);
                    }
                    continue;
                }
                if stopped {
                    break;
                }
                let Some(item) = queue.next() else { break };
                if !may_start(&item) {
                    stopped = true;
                    not_started.push(item);
                    break;
                }
                self.active.set(self.active.get() + 1);
                running.push(start(item));
            }
            if running.is_empty() {
                break;
            }
            let next = running.next();
            let change = changes.next();
            pin_mut!(next, change);
            if let Either::Left((Some(out), _)) = future::select(next, change).await {
                self.active.set(self.active.get().saturating_sub(1));
                finished(out);
            }
        }
        *self.changed.borrow_mut() = None;
        not_started.extend(queue);
        not_started
    }

    /// Runs `wait` without a slot: the caller's slot is given back first and one is taken
    /// back, ahead of the runs not started yet, before this returns. Only for a run started
    /// by [`Slots::run`] (which holds a slot).
    pub async fn while_waiting<F: Future>(&self, wait: F) -> F::Output {
        self.active.set(self.active.get().saturating_sub(1));
        self.tell();
        let out = wait.await;
        let (wake, woken) = oneshot::channel();
        self.waking.borrow_mut().push_back(wake);
        self.tell();
        // A dropped sender means the run loop is gone: nothing is bounded any more.
        let _ = woken.await;
        out
    }

    fn tell(&self) {
        if let Some(changed) = self.changed.borrow().as_ref() {
            let _ = changed.unbounded_send(());
        }
    }

    /// `inner` for one run: as `inner`, but its waits are sat out without a slot.
    pub fn prompter<'a, P: Prompter>(&'a self, inner: &'a P) -> Slotted<'a, P> {
        Slotted { inner, slots: self }
    }
}

/// A run's prompter whose `WaitUntil`s give the run's slot back (see [`Slots::prompter`]);
/// everything else is the inner prompter's.
pub struct Slotted<'a, P> {
    inner: &'a P,
    slots: &'a Slots,
}

impl<P: Prompter> Prompter for Slotted<'_, P> {
    fn ask(
        &self,
        environment: &EnvironmentRef,
        prompt: &Prompt,
    ) -> impl Future<Output = PromptAnswer> {
        self.inner.ask(environment, prompt)
    }
    fn renew_sign_in(&self, audience: &str) -> impl Future<Output = Result<(), String>> {
        self.inner.renew_sign_in(audience)
    }
    fn is_cancelled(&self) -> bool {
        self.inner.is_cancelled()
    }
    fn cancelled(&self) -> impl Future<Output = ()> {
        self.inner.cancelled()
    }
    fn progress(&self, environment: &EnvironmentRef, command: &Command) {
        self.inner.progress(environment, command);
    }
    fn view(&self, environment: &EnvironmentRef, view: &RunView) {
        self.inner.view(environment, view);
    }
    fn lock(
        &self,
        environment: &EnvironmentRef,
        lock: &LockName,
        wait: bool,
    ) -> impl Future<Output = LockGrant> {
        self.inner.lock(environment, lock, wait)
    }
    fn unlock(&self, lock: &LockName) {
        self.inner.unlock(lock);
    }
    async fn while_waiting<F: Future>(&self, environment: &EnvironmentRef, wait: F) -> F::Output {
        self.slots
            .while_waiting(self.inner.while_waiting(environment, wait))
            .await
    }
}
