//! A generic async driver: runs a [`Procedure`] over an [`HttpClient`], a [`Sleeper`] (time and
//! waiting) and a [`Prompter`] (the admin). Owns nothing global; the app and native tests both use it.

use crate::http::HttpClient;
use crate::procedure::prompt::{Prompt, PromptAnswer};
use crate::procedure::{Answer, Command, Input, LockGrant, LockName, Outcome, Procedure};
use crate::record::EnvironmentRef;
use std::future::Future;
use std::time::Duration;

/// Longest single sleep, so cancellation is noticed during long throttling waits.
const SLEEP_SLICE_MS: u64 = 1_000;

/// Time for the procedure: a clock in milliseconds (any steady origin; the app uses `Date.now()`,
/// since `std::time::Instant` panics on wasm32-unknown-unknown) and a way to wait.
pub trait Sleeper {
    /// Now, in milliseconds.
    fn now_ms(&self) -> u64;
    /// Waits about `d`.
    fn sleep(&self, d: Duration) -> impl Future<Output = ()>;
}

/// The admin's side: prompts, sign-in renewal, cancellation, progress.
pub trait Prompter {
    /// Shows a prompt for an environment and waits for the answer.
    fn ask(
        &self,
        environment: &EnvironmentRef,
        prompt: &Prompt,
    ) -> impl Future<Output = PromptAnswer>;
    /// Gets a fresh token for `audience` (MSAL silent, else interactive); `Err` with MSAL's message.
    fn renew_sign_in(&self, audience: &str) -> impl Future<Output = Result<(), String>>;
    /// Whether the admin asked to stop.
    fn is_cancelled(&self) -> bool {
        false
    }
    /// Sees every command as it is issued (for live progress, countdowns).
    fn progress(&self, _environment: &EnvironmentRef, _command: &Command) {}
    /// Takes `lock` (one per environment) for this run's writes: at once or `Busy` when
    /// `wait` is false; when it is true, once another holder gave it back (a cancel may end
    /// the wait with any answer). Without a lock manager: `Unavailable`, and the procedure
    /// re-reads before it writes.
    fn lock(
        &self,
        _environment: &EnvironmentRef,
        _lock: &LockName,
        _wait: bool,
    ) -> impl Future<Output = LockGrant> {
        std::future::ready(LockGrant::Unavailable)
    }
    /// Gives `lock` back (a lock not held is ignored).
    fn unlock(&self, _lock: &LockName) {}
}

/// Runs the procedure to its end and returns the outcome; the record stays in `machine`.
pub async fn drive<C: HttpClient, S: Sleeper, P: Prompter>(
    machine: &mut Procedure,
    client: &C,
    sleeper: &S,
    prompts: &P,
) -> Outcome {
    let env = machine.target().environment.clone();
    let mut cmd = match machine.current() {
        Some(c) => c.clone(),
        None => machine.start(sleeper.now_ms()),
    };
    loop {
        // Verified or over: no write can follow, so another tab may have the environment.
        if let Some(lock) = machine.release_write_lock() {
            prompts.unlock(&lock);
        }
        prompts.progress(&env, &cmd);
        if prompts.is_cancelled() && !machine.is_done() {
            cmd = machine.handle(Input::Cancel, sleeper.now_ms());
            continue;
        }
        cmd = match cmd {
            Command::Done { outcome } => {
                // Also a lock taken just as the run was cancelled, which the procedure never
                // heard was granted.
                prompts.unlock(&machine.lock_name());
                return outcome;
            }
            Command::Send { requests } => {
                let futures = requests.into_iter().map(|o| async move {
                    Answer {
                        id: o.id,
                        result: client.send(o.request).await,
                    }
                });
                let answers = futures_util::future::join_all(futures).await;
                machine.handle(Input::Answers { answers }, sleeper.now_ms())
            }
            Command::Prompt { prompt } => {
                let answer = prompts.ask(&env, &prompt).await;
                // Cancelled while the admin was asked: whatever the prompt returned (a
                // cancelled prompt has no real answer), the run ends cancelled, not declined.
                if prompts.is_cancelled() {
                    machine.handle(Input::Cancel, sleeper.now_ms())
                } else {
                    machine.handle(Input::Choice { answer }, sleeper.now_ms())
                }
            }
            Command::WaitUntil { at_ms, .. } => {
                // Sliced so a cancel is noticed; bounded so a clock that stands still cannot hang us.
                let slices = at_ms
                    .saturating_sub(sleeper.now_ms())
                    .div_ceil(SLEEP_SLICE_MS)
                    + 1;
                for _ in 0..slices {
                    let now = sleeper.now_ms();
                    if now >= at_ms || prompts.is_cancelled() {
                        break;
                    }
                    sleeper
                        .sleep(Duration::from_millis((at_ms - now).min(SLEEP_SLICE_MS)))
                        .await;
                }
                if prompts.is_cancelled() {
                    machine.handle(Input::Cancel, sleeper.now_ms())
                } else {
                    machine.handle(Input::Woke, sleeper.now_ms().max(at_ms))
                }
            }
            Command::Lock { lock, wait } => {
                let grant = prompts.lock(&env, &lock, wait).await;
                if prompts.is_cancelled() {
                    machine.handle(Input::Cancel, sleeper.now_ms())
                } else {
                    machine.handle(Input::Lock { grant }, sleeper.now_ms())
                }
            }
            Command::RenewSignIn { audience } => match prompts.renew_sign_in(&audience).await {
                Ok(()) => machine.handle(Input::SignInRenewed, sleeper.now_ms()),
                Err(message) => machine.handle(Input::SignInFailed { message }, sleeper.now_ms()),
            },
        };
    }
}
