//! Token requests to MSAL, deduplicated and bounded.
//!
//! - **Deduplicated** ([`InFlight`]): a round sends up to six requests to one environment at
//!   once, and each needs the environment's token; before the memo has it, each would ask
//!   MSAL. Now the first asks and the others wait for its answer. MSAL shares identical silent
//!   requests in flight too, but only after its cache lookup, its events and a promise each
//!   way through wasm-bindgen per call; and a request whose caller gave up (an aborted fetch)
//!   leaves the others to ask again rather than hang.
//! - **Bounded** ([`Gate`], [`TOKEN_REQUESTS_AT_ONCE`]): an inspection of 200 environments
//!   asks for 201 tokens (one per environment, Graph). Unbounded, they go out as environments
//!   start, up to 51 at once (the slots, plus Graph). Entra's limits on concurrent
//!   refresh-token redemptions from one client are not documented (*unconfirmed*), so one
//!   admin's browser does not send them in bursts the size of the tenant.
//!
//! Measured (`node bench/batch.mjs --count 200 --latency-ms 100`): before `$batch` (load 4–7)
//! the inspection took 8.5–10.5 s with the bound at 16 and 8.3–8.7 s unbounded — within the
//! noise, because the phase was CPU-bound. With `$batch` (2026-11-30, load 0.3–2) the tokens
//! became the inspection's critical path: at 16 at once the 201 token requests took 4.2–4.5 s
//! from first issued to last answered and the inspection 5.12 s (median of 3); at 32, 3.4–4.0 s
//! and 4.27 s. Asking for
//! the later environments' tokens ahead, while the first wave runs, measured 8.2–10.3 s:
//! within the noise too, so it was not kept (it would also redeem refresh tokens for
//! environments a cancel never starts).

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use futures_channel::oneshot;

/// Token requests to MSAL at once. Thirty-two: well above the six connections a browser opens
/// to one HTTP/1.1 host, so never the bottleneck there; still under the fifty environments an
/// inspection starts together; and, measured at 200 environments with `$batch`, the inspection
/// is 0.85 s faster than at sixteen (see the module). A request answered from MSAL's cache
/// holds its place only briefly.
pub const TOKEN_REQUESTS_AT_ONCE: usize = 32;

/// At most so many holders of a [`Permit`] at once; the others wait in order.
pub struct Gate {
    free: Cell<usize>,
    waiting: RefCell<VecDeque<oneshot::Sender<()>>>,
}

/// A place inside a [`Gate`], given back when dropped.
pub struct Permit {
    gate: Rc<Gate>,
}

impl Gate {
    /// A gate for `limit` holders (at least one).
    pub fn new(limit: usize) -> Rc<Gate> {
        Rc::new(Gate {
            free: Cell::new(limit.max(1)),
            waiting: RefCell::new(VecDeque::new()),
        })
    }

    /// Places not held now.
    pub fn free(&self) -> usize {
        self.free.get()
    }

    /// Waits for a place.
    pub async fn enter(gate: &Rc<Gate>) -> Permit {
        if gate.free.get() > 0 {
            gate.free.set(gate.free.get() - 1);
            return Permit { gate: gate.clone() };
        }
        let (handed, receiver) = oneshot::channel();
        gate.waiting.borrow_mut().push_back(handed);
        let mut waiting = Waiting {
            receiver,
            gate: gate.clone(),
        };
        // Handed over by a dropped permit; once taken here, dropping `waiting` passes nothing on.
        let _ = (&mut waiting.receiver).await;
        drop(waiting);
        Permit { gate: gate.clone() }
    }

    fn give_back(&self) {
        loop {
            let next = self.waiting.borrow_mut().pop_front();
            match next {
                // A waiter that gave up refuses it: try the next.
                Some(waiter) => {
                    if waiter.send(()).is_ok() {
                        return;
                    }
                }
                None => {
                    self.free.set(self.free.get() + 1);
                    return;
                }
            }
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.gate.give_back();
    }
}

/// A place being waited for. A waiter that gives up after a place was handed to it (its
/// future dropped before it woke) passes the place on.
struct Waiting {
    receiver: oneshot::Receiver<()>,
    gate: Rc<Gate>,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        self.receiver.close();
        if let Ok(Some(())) = self.receiver.try_recv() {
            self.gate.give_back();
        }
    }
}

/// A request on its way: which lead asks, and who waits for its answer.
type Request<T> = (u64, Vec<oneshot::Sender<T>>);

/// Who waits for the answer to a request already on its way, by key (a scope).
pub struct InFlight<T> {
    next_id: Cell<u64>,
    requests: RefCell<HashMap<String, Request<T>>>,
}

impl<T> Default for InFlight<T> {
    fn default() -> Self {
        InFlight {
            next_id: Cell::new(0),
            requests: RefCell::new(HashMap::new()),
        }
    }
}

/// What a caller does for `key`: ask itself (and answer the others), or wait for the answer.
pub enum Turn<T> {
    /// Nobody asks yet: this caller does, and hands its answer to [`Lead::answer`].
    Lead(Lead<T>),
    /// Someone asks already: its answer, or `Err` when it gave up (then ask again).
    Follow(oneshot::Receiver<T>),
}

/// The caller asking for everyone who waits on the same key. Dropped without an answer (its
/// caller gave up), it lets them go, and they ask again.
pub struct Lead<T> {
    registry: Rc<InFlight<T>>,
    key: String,
    id: u64,
}

impl<T: Clone> InFlight<T> {
    /// Leads the request for `key`, or follows the one on its way.
    pub fn turn(self: &Rc<Self>, key: &str) -> Turn<T> {
        let mut requests = self.requests.borrow_mut();
        if let Some((_, waiting)) = requests.get_mut(key) {
            let (sender, receiver) = oneshot::channel();
            waiting.push(sender);
            return Turn::Follow(receiver);
        }
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        requests.insert(key.to_owned(), (id, Vec::new()));
        Turn::Lead(Lead {
            registry: self.clone(),
            key: key.to_owned(),
            id,
        })
    }

    /// Lets everyone waiting for `key` go (they ask again): its answer may be a token that was
    /// just refused. The request on its way still answers its own caller.
    pub fn forget(&self, key: &str) {
        self.requests.borrow_mut().remove(key);
    }

    /// Callers waiting for `key`'s answer.
    pub fn followers(&self, key: &str) -> usize {
        self.requests
            .borrow()
            .get(key)
            .map_or(0, |(_, waiting)| waiting.len())
    }
}

impl<T: Clone> Lead<T> {
    /// Hands `answer` to everyone who waited for it.
    pub fn answer(self, answer: &T) {
        for waiting in self.take() {
            let _ = waiting.send(answer.clone());
        }
    }

    fn take(&self) -> Vec<oneshot::Sender<T>> {
        let mut requests = self.registry.requests.borrow_mut();
        match requests.get(&self.key) {
            // Only this lead's own entry: after a forget, another may lead the same key.
            Some((id, _)) if *id == self.id => requests
                .remove(&self.key)
                .map(|(_, waiting)| waiting)
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }
}

impl<T> Drop for Lead<T> {
    fn drop(&mut self) {
        let mut requests = self.registry.requests.borrow_mut();
        if requests
            .get(&self.key)
            .is_some_and(|(id, _)| *id == self.id)
        {
            // Dropping the senders wakes the followers with `Err`: they ask again.
            requests.remove(&self.key);
        }
    }
}
