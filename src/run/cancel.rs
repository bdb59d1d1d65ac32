//! The admin's "stop": a flag the driver checks between steps and a future it races against
//! every request, wait, prompt and sign-in renewal (`Prompter::cancelled`), so a request in
//! flight is dropped, which aborts its fetch.

use std::cell::{Cell, RefCell};
use std::future::Future;

use futures_channel::oneshot;
use futures_util::future::{self, Either};

/// One run's (or one pass's) cancel. Not `Send`: it lives on the page's one thread.
#[derive(Debug, Default)]
pub struct Cancel {
    cancelled: Cell<bool>,
    /// Everything racing the cancel right now.
    waiters: RefCell<Vec<oneshot::Sender<()>>>,
}

impl Cancel {
    /// Stops everything racing this cancel, and whatever starts later.
    pub fn cancel(&self) {
        self.cancelled.set(true);
        for waiter in self.waiters.borrow_mut().drain(..) {
            let _ = waiter.send(());
        }
    }

    /// Whether it was cancelled (and not reset since).
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.get()
    }

    /// Allows a new run after a cancel.
    pub fn reset(&self) {
        self.cancelled.set(false);
    }

    /// Resolves once cancelled (at once if it already is).
    pub async fn cancelled(&self) {
        if self.cancelled.get() {
            return;
        }
        let (sender, receiver) = oneshot::channel();
        {
            let mut waiters = self.waiters.borrow_mut();
            // Steps that finished dropped their receivers; keep the list to the live ones.
            waiters.retain(|w| !w.is_canceled());
            waiters.push(sender);
        }
        // Err would mean the sender was dropped unsent, which only `cancel` does (by sending).
        let _ = receiver.await;
    }

    /// `work`'s output, or `None` when cancelled first (`work` is then dropped).
    pub async fn or_cancelled<T>(&self, work: impl Future<Output = T>) -> Option<T> {
        let work = std::pin::pin!(work);
        let stop = std::pin::pin!(self.cancelled());
        match future::select(work, stop).await {
            Either::Left((done, _)) => Some(done),
            Either::Right(_) => None,
        }
    }
}
