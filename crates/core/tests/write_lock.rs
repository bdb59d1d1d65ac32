//! One writer per environment: two procedures (two tabs) on one environment with an in-memory
//! lock — one creates the application user and assigns each role once; the other waits, re-reads
//! once the lock is free, and writes nothing. Also: the lock is asked before the first write
//! only, given back when the writes are verified, and a missing lock manager or a cancel while
//! waiting never leads to a blind write.

mod support;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use support::model::Model;
use support::{agree, target};
use w365_core::driver::{drive, Prompter, Sleeper};
use w365_core::http::{HttpClient, HttpRequest, HttpResponse, Method, TransportError};
use w365_core::preset::WORK365_US_APP_ID as US;
use w365_core::procedure::prompt::{Prompt, PromptAnswer};
use w365_core::procedure::{
    Command, Input, LockGrant, LockName, Mode, Options, Outcome, Procedure,
};
use w365_core::record::EnvironmentRef;

/// An interactive run in a tab (plan confirmed by the admin, guide shown), taking the lock.
fn tab(mode: Mode) -> Procedure {
    Procedure::new(
        target(),
        Options {
            mode,
            write_lock: true,
            ..Options::default()
        },
    )
}

/// Runs `p` from `cmd` (answering sends from the model) until a command that is not a Send.
fn until_not_send(p: &mut Procedure, model: &mut Model, cmd: Command, now: &mut u64) -> Command {
    support::run_until_at(
        p,
        model,
        cmd,
        now,
        |m, r| Ok(m.handle(r)),
        |c, _| !matches!(c, Command::Send { .. }),
    )
}

fn creates(model: &Model) -> usize {
    model
        .audit
        .iter()
        .filter(|w| w.method == Method::Post && w.user.is_none())
        .count()
}

fn associations(model: &Model) -> usize {
    model
        .audit
        .iter()
        .filter(|w| w.method == Method::Post && w.user.is_some())
        .count()
}

/// A one-holder lock with a queue, as `navigator.locks` is for one name.
#[derive(Default)]
struct MemoryLock {
    holder: Option<usize>,
    queue: VecDeque<usize>,
}

impl MemoryLock {
    fn try_take(&mut self, who: usize) -> LockGrant {
        match self.holder {
            None => {
                self.holder = Some(who);
                LockGrant::Acquired
            }
            Some(_) => LockGrant::Busy,
        }
    }

    /// Gives the lock back; the next waiter, if any, holds it now.
    fn release(&mut self, who: usize) -> Option<usize> {
        assert_eq!(self.holder, Some(who), "released by its holder");
        self.holder = self.queue.pop_front();
        self.holder
    }
}

#[test]
fn the_second_tab_waits_for_the_first_then_rereads_and_writes_nothing() {
    let mut model = Model::fresh(US);
    let mut lock = MemoryLock::default();
    let mut now = 1_000u64;
    let mut a = tab(Mode::Setup);
    let mut b = tab(Mode::Setup);

    // Both tabs inspect and show the same plan: create, then both roles.
    let ca = a.start(now);
    let ca = until_not_send(&mut a, &mut model, ca, &mut now);
    let cb = b.start(now);
    let cb = until_not_send(&mut b, &mut model, cb, &mut now);
    for c in [&ca, &cb] {
        let Command::Prompt {
            prompt: Prompt::ConfirmPlan { plan },
        } = c
        else {
            panic!("expected the plan, got {c:?}");
        };
        assert_eq!(plan.steps.len(), 3);
    }

    // A applies first: it asks for the lock without waiting and gets it.
    let ca = a.handle(
        Input::Choice {
            answer: PromptAnswer::Proceed,
        },
        now,
    );
    let name = LockName::for_environment(&target().environment);
    assert_eq!(
        ca,
        Command::Lock {
            lock: name.clone(),
            wait: false
        }
    );
    let ca = a.handle(
        Input::Lock {
            grant: lock.try_take(1),
        },
        now,
    );
    // Minutes may have passed on the plan: A reads the user again before its first write.
    let Command::Send { requests } = &ca else {
        panic!("expected the re-read, got {ca:?}");
    };
    assert!(requests.iter().all(|r| r.request.method == Method::Get));

    // B applies while A holds the environment: busy, so it waits (the tab shows who holds it).
    let cb = b.handle(
        Input::Choice {
            answer: PromptAnswer::Proceed,
        },
        now,
    );
    assert_eq!(
        cb,
        Command::Lock {
            lock: name.clone(),
            wait: false
        }
    );
    let cb = b.handle(
        Input::Lock {
            grant: lock.try_take(2),
        },
        now,
    );
    assert_eq!(
        cb,
        Command::Lock {
            lock: name.clone(),
            wait: true
        }
    );
    lock.queue.push_back(2);
    assert_eq!(b.release_write_lock(), None, "B holds nothing yet");

    // A writes and verifies; the lock goes back as soon as no write can follow (the guide).
    let mut ca = ca;
    let mut released = None;
    for _ in 0..20 {
        ca = until_not_send(&mut a, &mut model, ca, &mut now);
        if let Some(l) = a.release_write_lock() {
            released = Some(l);
            break;
        }
    }
    assert_eq!(released, Some(name.clone()));
    assert!(
        matches!(
            &ca,
            Command::Prompt {
                prompt: Prompt::GuideStep { index: 0, .. }
            }
        ),
        "released when verified, before the guide: {ca:?}"
    );
    assert_eq!(creates(&model), 1);
    assert_eq!(associations(&model), 2);
    assert!(model.is_configured(US));
    assert_eq!(lock.release(1), Some(2), "B holds the lock now");

    // B: acquired after waiting, so it re-reads: A's writes are there, nothing is left to do.
    now += 5_000;
    let cb = b.handle(
        Input::Lock {
            grant: LockGrant::Acquired,
        },
        now,
    );
    let Command::Send { requests } = &cb else {
        panic!("expected the re-read, got {cb:?}");
    };
    assert!(requests.iter().all(|r| r.request.method == Method::Get));
    let cb = until_not_send(&mut b, &mut model, cb, &mut now);
    assert!(matches!(
        cb,
        Command::Prompt {
            prompt: Prompt::GuideStep { .. }
        }
    ));
    assert_eq!(b.release_write_lock(), Some(name));
    let Command::Done { outcome } = b.handle(
        Input::Choice {
            answer: PromptAnswer::Skip,
        },
        now,
    ) else {
        panic!("B ends after its guide");
    };
    assert!(
        matches!(outcome, Outcome::Configured { already: true, .. }),
        "{outcome:?}"
    );
    assert_eq!(b.record().successful_writes(), 0);
    assert!(
        b.record()
            .waits
            .iter()
            .any(|w| w.reason.contains("another tab") && w.ms >= 5_000),
        "B's record says it waited for another tab: {:?}",
        b.record().waits
    );
    assert_eq!(creates(&model), 1, "exactly one create");
    assert_eq!(associations(&model), 2, "each role assigned once");
}

#[test]
fn an_unattended_run_that_gets_the_lock_at_once_writes_without_an_extra_read() {
    let mut model = Model::fresh(US);
    let mut p = Procedure::new(
        target(),
        Options {
            write_lock: true,
            ..Options::unattended(Mode::Setup)
        },
    );
    let mut now = 0;
    let c = p.start(now);
    let c = until_not_send(&mut p, &mut model, c, &mut now);
    assert!(matches!(c, Command::Lock { wait: false, .. }), "{c:?}");
    let c = p.handle(
        Input::Lock {
            grant: LockGrant::Acquired,
        },
        now,
    );
    // Nobody was asked since the inspection: the create goes out at once.
    let Command::Send { requests } = &c else {
        panic!("{c:?}")
    };
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].request.method, Method::Post);
    let c = until_not_send(&mut p, &mut model, c, &mut now);
    assert!(matches!(c, Command::Done { .. }), "{c:?}");
    assert_eq!(p.release_write_lock(), Some(p.lock_name()));
    assert_eq!(p.release_write_lock(), None, "given back once");
    assert!(model.is_configured(US));
}

#[test]
fn without_a_lock_manager_the_run_rereads_right_before_writing_and_says_so() {
    let mut model = Model::fresh(US);
    let mut p = Procedure::new(
        target(),
        Options {
            write_lock: true,
            ..Options::unattended(Mode::Setup)
        },
    );
    let mut now = 0;
    let c = p.start(now);
    let c = until_not_send(&mut p, &mut model, c, &mut now);
    assert!(matches!(c, Command::Lock { wait: false, .. }), "{c:?}");
    // Meanwhile another tool (another origin: no shared lock) created the user with one role.
    model.add_app_user(US, false, &[support::model::SERVICE_ROLE]);
    let c = p.handle(
        Input::Lock {
            grant: LockGrant::Unavailable,
        },
        now,
    );
    let Command::Send { requests } = &c else {
        panic!("{c:?}")
    };
    assert!(
        requests.iter().all(|r| r.request.method == Method::Get),
        "re-read first"
    );
    let c = until_not_send(&mut p, &mut model, c, &mut now);
    assert!(matches!(c, Command::Done { .. }), "{c:?}");
    assert_eq!(
        creates(&model),
        0,
        "the user it found was not created again"
    );
    assert_eq!(associations(&model), 1, "only the missing role");
    assert!(model.is_configured(US));
    assert!(p
        .record()
        .waits
        .iter()
        .any(|w| w.reason.contains("no lock manager")));
    assert_eq!(p.release_write_lock(), None, "no lock was held");
}

#[test]
fn cancelling_while_another_tab_holds_the_environment_writes_nothing() {
    let mut model = Model::fresh(US);
    let mut p = tab(Mode::Setup);
    let mut now = 0;
    let c = p.start(now);
    let c = until_not_send(&mut p, &mut model, c, &mut now);
    assert!(matches!(c, Command::Prompt { .. }));
    let c = p.handle(
        Input::Choice {
            answer: PromptAnswer::Proceed,
        },
        now,
    );
    assert!(matches!(c, Command::Lock { wait: false, .. }));
    let c = p.handle(
        Input::Lock {
            grant: LockGrant::Busy,
        },
        now,
    );
    assert!(matches!(c, Command::Lock { wait: true, .. }));
    // Answers that do not fit a lock wait change nothing.
    assert_eq!(p.handle(Input::Woke, now), c);
    let done = p.handle(Input::Cancel, now);
    assert_eq!(
        done,
        Command::Done {
            outcome: Outcome::Cancelled
        }
    );
    assert!(model.audit.is_empty(), "nothing written");
    assert_eq!(p.release_write_lock(), None);
}

#[test]
fn undo_takes_the_lock_too_and_a_run_without_writes_never_asks() {
    // Undo of a configured user: remove both roles and disable, under the lock.
    let mut model = Model::fresh(US);
    model.add_app_user(
        US,
        false,
        &[support::model::SERVICE_ROLE, support::model::PORTAL_ROLE],
    );
    let mut p = tab(Mode::Undo);
    let mut now = 0;
    let c = p.start(now);
    let c = until_not_send(&mut p, &mut model, c, &mut now);
    assert!(
        matches!(
            c,
            Command::Prompt {
                prompt: Prompt::ConfirmUndo { .. }
            }
        ),
        "{c:?}"
    );
    let c = p.handle(
        Input::Choice {
            answer: PromptAnswer::Proceed,
        },
        now,
    );
    assert!(matches!(c, Command::Lock { wait: false, .. }), "{c:?}");
    let c = p.handle(
        Input::Lock {
            grant: LockGrant::Acquired,
        },
        now,
    );
    let c = until_not_send(&mut p, &mut model, c, &mut now);
    assert!(
        matches!(
            c,
            Command::Done {
                outcome: Outcome::Undone { .. }
            }
        ),
        "{c:?}"
    );

    // Already configured: nothing to write, so no lock is asked for at all.
    let mut model = Model::fresh(US);
    model.add_app_user(
        US,
        false,
        &[support::model::SERVICE_ROLE, support::model::PORTAL_ROLE],
    );
    let mut p = tab(Mode::Setup);
    let c = p.start(0);
    let c = until_not_send(&mut p, &mut model, c, &mut now);
    assert!(
        matches!(
            c,
            Command::Prompt {
                prompt: Prompt::GuideStep { .. }
            }
        ),
        "{c:?}"
    );
    assert_eq!(p.release_write_lock(), None);
}

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
