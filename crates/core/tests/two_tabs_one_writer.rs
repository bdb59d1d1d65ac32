//! One writer per environment, with the async driver: two tabs driven at once over a slow
//! network share one lock; one creates the application user and assigns each role once, the
//! other finds the lock busy, waits, and writes nothing. The lock's protocol step by step:
//! `write_lock.rs`.

mod support;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use support::agree;
use support::model::Model;
use support::tabs::{associations, creates, tab};
use w365_core::driver::{drive, Prompter, Sleeper};
use w365_core::http::{HttpClient, HttpRequest, HttpResponse, TransportError};
use w365_core::preset::WORK365_US_APP_ID as US;
use w365_core::procedure::prompt::{Prompt, PromptAnswer};
use w365_core::procedure::{LockGrant, LockName, Mode, Outcome};
use w365_core::record::EnvironmentRef;

/// A lock shared by the async drivers of two tabs: waiters are woken in order.
#[derive(Default)]
struct SharedLock {
    holder: RefCell<Option<String>>,
    waiters: RefCell<VecDeque<(String, futures_channel::oneshot::Sender<()>)>>,
    log: RefCell<Vec<String>>,
}

/// One tab's side: the admin says yes to everything; the lock is the shared one.
struct TabPrompter {
    name: String,
    lock: Rc<SharedLock>,
}

impl Prompter for TabPrompter {
    async fn ask(&self, _: &EnvironmentRef, prompt: &Prompt) -> PromptAnswer {
        match prompt {
            Prompt::GuideStep { .. } => PromptAnswer::Skip,
            p => agree(p),
        }
    }
    async fn renew_sign_in(&self, _: &str) -> Result<(), String> {
        Err("not here".into())
    }
    async fn lock(&self, _: &EnvironmentRef, _: &LockName, wait: bool) -> LockGrant {
        let free = self.lock.holder.borrow().is_none();
        if free {
            *self.lock.holder.borrow_mut() = Some(self.name.clone());
            self.lock
                .log
                .borrow_mut()
                .push(format!("{} holds", self.name));
            return LockGrant::Acquired;
        }
        if !wait {
            self.lock
                .log
                .borrow_mut()
                .push(format!("{} busy", self.name));
            return LockGrant::Busy;
        }
        let (tx, rx) = futures_channel::oneshot::channel();
        self.lock
            .waiters
            .borrow_mut()
            .push_back((self.name.clone(), tx));
        let _ = rx.await;
        self.lock
            .log
            .borrow_mut()
            .push(format!("{} holds", self.name));
        LockGrant::Acquired
    }
    fn unlock(&self, _: &LockName) {
        if self.lock.holder.borrow().as_deref() != Some(self.name.as_str()) {
            return;
        }
        self.lock
            .log
            .borrow_mut()
            .push(format!("{} released", self.name));
        let next = self.lock.waiters.borrow_mut().pop_front();
        *self.lock.holder.borrow_mut() = next.as_ref().map(|(n, _)| n.clone());
        if let Some((_, tx)) = next {
            let _ = tx.send(());
        }
    }
}

/// The model behind a slow network: every answer takes a few (virtual) milliseconds, so the
/// two tabs' requests interleave.
struct SlowModel(RefCell<Model>);

impl HttpClient for SlowModel {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
        Ok(self.0.borrow_mut().handle(&req))
    }
}

struct Clock;

impl Sleeper for Clock {
    fn now_ms(&self) -> u64 {
        0
    }
    async fn sleep(&self, d: std::time::Duration) {
        tokio::time::sleep(d).await;
    }
}

#[tokio::test(flavor = "current_thread")]
async fn two_tabs_driven_at_once_create_one_user_and_assign_each_role_once() {
    let client = SlowModel(RefCell::new(Model::fresh(US)));
    let lock = Rc::new(SharedLock::default());
    let first = TabPrompter {
        name: "first".into(),
        lock: lock.clone(),
    };
    let second = TabPrompter {
        name: "second".into(),
        lock: lock.clone(),
    };
    let mut a = tab(Mode::Setup);
    let mut b = tab(Mode::Setup);
    let (oa, ob) = futures_util::future::join(
        drive(&mut a, &client, &Clock, &first),
        drive(&mut b, &client, &Clock, &second),
    )
    .await;
    let model = client.0.borrow();
    assert_eq!(creates(&model), 1, "exactly one create");
    assert_eq!(associations(&model), 2, "each role assigned once");
    assert!(model.is_configured(US));
    let outcomes = [&oa, &ob];
    assert!(
        outcomes
            .iter()
            .any(|o| matches!(o, Outcome::Configured { already: false, .. })),
        "{outcomes:?}"
    );
    assert!(
        outcomes
            .iter()
            .any(|o| matches!(o, Outcome::Configured { already: true, .. })),
        "{outcomes:?}"
    );
    let log = lock.log.borrow().join(", ");
    assert!(
        log.contains("busy") && log.matches("released").count() == 2,
        "one tab found the lock busy and waited; both gave it back: {log}"
    );
    assert!(
        lock.holder.borrow().is_none(),
        "nothing holds the lock at the end"
    );
}
