//! A generic async driver: runs a [`Procedure`] over an [`HttpClient`], a [`Sleeper`] (time and
//! waiting) and a [`Prompter`] (the admin). Owns nothing global; the app and native tests both use it.
//!
//! Nothing it awaits can hold a run: every request is raced against its timeout (the
//! procedure's retry policy says how long), and every request, wait, prompt and renewal is
//! raced against [`Prompter::cancelled`], so a cancel takes effect at once. Whatever loses a
//! race is dropped; the browser transport aborts a dropped fetch.

use crate::batched_round::{send_round, Batching, RoundRequest};
pub use crate::clock::{send_within, Sleeper};
use crate::http::{HttpClient, HttpRequest, HttpResponse, TransportError};
use crate::procedure::prompt::{Prompt, PromptAnswer};
use crate::procedure::{Answer, Command, Input, LockGrant, LockName, Outcome, Procedure, RunView};
use crate::record::EnvironmentRef;
use futures_util::future::{self, Either};
use futures_util::pin_mut;
use std::future::Future;
use std::time::Duration;

/// Longest single sleep, so a cancel is noticed during long throttling waits even by a
/// [`Prompter`] that only answers [`Prompter::is_cancelled`].
const SLEEP_SLICE_MS: u64 = 1_000;

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
    /// Resolves once the admin asks to stop (at once if they already have). The default never
    /// resolves: such a prompter's cancel is seen between steps, through
    /// [`Prompter::is_cancelled`], and a request in flight is waited for.
    fn cancelled(&self) -> impl Future<Output = ()> {
        std::future::pending()
    }
    /// Sees every command as it is issued (for live progress, countdowns).
    fn progress(&self, _environment: &EnvironmentRef, _command: &Command) {}
    /// Sees the run's snapshot after every command: what a screen shows of the run (its
    /// stage, plan, question, wait, evidence and steps), so no caller has to work it out
    /// from commands or requests.
    fn view(&self, _environment: &EnvironmentRef, _view: &RunView) {}
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
    /// Sits out `wait`, a [`Command::WaitUntil`]'s sleep (a `Retry-After`, a backoff): a
    /// prompter that bounds how many runs are active lets another run go meanwhile
    /// ([`crate::slots`]). The default just waits.
    fn while_waiting<F: Future>(
        &self,
        _environment: &EnvironmentRef,
        wait: F,
    ) -> impl Future<Output = F::Output> {
        wait
    }
}

/// A client whose every request gives up after a timeout, for reads made outside a procedure
/// (the discovery service's list).
pub struct WithTimeout<C, S> {
    inner: C,
    sleeper: S,
    timeout_ms: u64,
}

impl<C: HttpClient, S: Sleeper> WithTimeout<C, S> {
    /// Wraps `inner`; each request waits at most `timeout_ms` on `sleeper`'s clock.
    pub fn new(inner: C, sleeper: S, timeout_ms: u64) -> Self {
        WithTimeout {
            inner,
            sleeper,
            timeout_ms,
        }
    }
}

impl<C: HttpClient, S: Sleeper> HttpClient for WithTimeout<C, S> {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        send_within(&self.inner, &self.sleeper, req, self.timeout_ms).await
    }
}

/// `work`'s output, or `None` if the admin cancels first (then `work` is dropped).
async fn unless_cancelled<P: Prompter, F: Future>(prompts: &P, work: F) -> Option<F::Output> {
    let cancel = prompts.cancelled();
    pin_mut!(work, cancel);
    match future::select(work, cancel).await {
        Either::Left((out, _)) => Some(out),
        Either::Right(((), _)) => None,
    }
}

/// `work`'s output, or `None` if the admin cancelled before or while it ran: an answer that
/// comes back after a cancel (a prompt, a lock, a renewal) is not acted on.
async fn unless_cancelled_by_end<P: Prompter, F: Future>(
    prompts: &P,
    work: F,
) -> Option<F::Output> {
    unless_cancelled(prompts, work)
        .await
        .filter(|_| !prompts.is_cancelled())
}

/// Runs the procedure to its end and returns the outcome; the record stays in `machine`.
pub async fn drive<C: HttpClient, S: Sleeper, P: Prompter>(
    machine: &mut Procedure,
    client: &C,
    sleeper: &S,
    prompts: &P,
) -> Outcome {
    let env = machine.target().environment.clone();
    // One per run: a run is one environment, and what its `$batch`es taught lasts that long.
    let mut batching = Batching::new();
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
        prompts.view(&env, &machine.view());
        if prompts.is_cancelled() && !machine.is_done() {
            // `cmd` is not carried out: whatever it would have sent never went out.
            cmd = machine.handle(Input::CancelBeforeSending, sleeper.now_ms());
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
                // A round's Dataverse requests to the environment go as one `$batch`, each
                // still answered on its own (`batched_round`); `batching` keeps what this
                // run's `$batch`es taught (refused once: single requests from then on).
                let ids: Vec<_> = requests.iter().map(|o| o.id).collect();
                let before = (batching.exchanges(), batching.sent());
                let round = send_round(
                    client,
                    sleeper,
                    &mut batching,
                    requests
                        .into_iter()
                        .map(|o| RoundRequest {
                            request: o.request,
                            timeout_ms: o.timeout_ms,
                        })
                        .collect(),
                );
                // Answers that did arrive are fed even if a cancel came meanwhile: the
                // procedure learns what was written, then sees the cancel at the loop's top.
                let answered = unless_cancelled(prompts, round).await;
                machine.note_wire(
                    batching.exchanges() - before.0,
                    batching.sent() - before.1,
                    batching.refused(),
                );
                match answered {
                    Some(results) => {
                        let answers = ids
                            .into_iter()
                            .zip(results)
                            .map(|(id, result)| Answer { id, result })
                            .collect();
                        machine.handle(Input::Answers { answers }, sleeper.now_ms())
                    }
                    None => machine.handle(Input::Cancel, sleeper.now_ms()),
                }
            }
            Command::Prompt { prompt } => {
                match unless_cancelled_by_end(prompts, prompts.ask(&env, &prompt)).await {
                    Some(answer) => machine.handle(Input::Choice { answer }, sleeper.now_ms()),
                    // Cancelled while the admin was asked: whatever the prompt returned (a
                    // cancelled prompt has no real answer), the run ends cancelled, not declined.
                    None => machine.handle(Input::Cancel, sleeper.now_ms()),
                }
            }
            Command::WaitUntil { at_ms, .. } => {
                // Sliced so a cancel is noticed; bounded so a clock that stands still cannot hang us.
                let sleep = async {
                    let slices = at_ms
                        .saturating_sub(sleeper.now_ms())
                        .div_ceil(SLEEP_SLICE_MS)
                        + 1;
                    for _ in 0..slices {
                        let now = sleeper.now_ms();
                        if now >= at_ms || prompts.is_cancelled() {
                            break;
                        }
                        let slice =
                            sleeper.sleep(Duration::from_millis((at_ms - now).min(SLEEP_SLICE_MS)));
                        if unless_cancelled(prompts, slice).await.is_none() {
                            return true;
                        }
                    }
                    false
                };
                let cancelled = prompts.while_waiting(&env, sleep).await;
                if cancelled || prompts.is_cancelled() {
                    machine.handle(Input::Cancel, sleeper.now_ms())
                } else {
                    machine.handle(Input::Woke, sleeper.now_ms().max(at_ms))
                }
            }
            Command::Lock { lock, wait } => {
                match unless_cancelled_by_end(prompts, prompts.lock(&env, &lock, wait)).await {
                    Some(grant) => machine.handle(Input::Lock { grant }, sleeper.now_ms()),
                    // A lock wait the cancel broke off: the run stops before any write.
                    None => machine.handle(Input::Cancel, sleeper.now_ms()),
                }
            }
            Command::RenewSignIn { audience } => {
                match unless_cancelled_by_end(prompts, prompts.renew_sign_in(&audience)).await {
                    // A renewal the cancel broke off is not a failed sign-in.
                    None => machine.handle(Input::Cancel, sleeper.now_ms()),
                    Some(Ok(())) => machine.handle(Input::SignInRenewed, sleeper.now_ms()),
                    Some(Err(message)) => {
                        machine.handle(Input::SignInFailed { message }, sleeper.now_ms())
                    }
                }
            }
        };
    }
}
