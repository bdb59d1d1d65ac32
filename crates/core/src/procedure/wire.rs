//! Sending and hearing back, whatever the phase: a round of requests goes out together; its
//! answers are sorted into "use it", "renew the token", "wait", "retry", "give up"; reads are
//! retried and paged, writes never resent blind; then the run waits, renews or moves on.

use super::environment_run::{Stage, WaitRecord};
use super::machine::Procedure;
use super::purpose::Purpose;
use super::state::{InspectRound, Pending, Phase};
use super::types::{Answer, Command, Outgoing, ProcedureError, WaitReason};
use crate::dataverse::users;
use crate::error::{ApiError, Remedy, CODE_ORGANIZATION_DISABLED};
use crate::graph::Consent;
use crate::http::{self, HttpRequest, HttpResponse, TransportError};
use crate::odata;

/// What one round of answers calls for.
#[derive(Default)]
pub(crate) struct Round {
    fatal: Option<ProcedureError>,
    retry: Vec<Pending>,
    follow_ups: Vec<Pending>,
    pub renew: Option<String>,
    throttle_ms: Option<u64>,
    backoff: u32,
}

impl Round {
    pub fn fatal(&mut self, e: ProcedureError) {
        if self.fatal.is_none() {
            self.fatal = Some(e);
        }
    }

    pub fn throttle(&mut self, error: &ApiError, default_ms: u64) {
        let ms = match error {
            ApiError::Refused {
                retry_after_s: Some(s),
                ..
            } => s.saturating_mul(1000),
            _ => default_ms,
        };
        self.throttle_ms = Some(self.throttle_ms.unwrap_or(0).max(ms));
    }
}

pub(crate) enum Verdict {
    Answered(HttpResponse),
    Renew(String),
    Throttled(ApiError),
    Transient(ApiError),
    /// No usable answer, and asking again would not give one: an oversized answer, or a
    /// request the transport refused to send to a host its token is not for.
    Unusable(ApiError),
}

/// Sorts an answer into "use it", "renew the token", "wait", "retry", "give up".
pub(crate) fn classify(req: &HttpRequest, result: Result<HttpResponse, TransportError>) -> Verdict {
    match result {
        Err(TransportError::SignInNeeded { audience, .. }) => Verdict::Renew(audience),
        Err(e @ (TransportError::TooLarge { .. } | TransportError::WrongOrigin { .. })) => {
            Verdict::Unusable(ApiError::Transport(e))
        }
        Err(e) => Verdict::Transient(ApiError::Transport(e)),
        Ok(r) if r.status == 401 => Verdict::Renew(req.audience.clone().unwrap_or_default()),
        Ok(r) if r.status == 429 => Verdict::Throttled(ApiError::refused(&r)),
        // A disabled organization stays disabled: no retrying, whatever status carries it.
        Ok(r) if r.status >= 500 && !organization_disabled(&r) => {
            Verdict::Transient(ApiError::refused(&r))
        }
        Ok(r) => Verdict::Answered(r),
    }
}

/// Why Graph's answer about a vendor app cannot be had without the admin, if that is what it
/// says: no token without a sign-in (the transport's `SignInNeeded`), or the token refused.
fn graph_refusal(result: &Result<HttpResponse, TransportError>) -> Option<String> {
    match result {
        Err(TransportError::SignInNeeded { message, .. }) => Some(format!(
            "no Microsoft Graph token without a sign-in (is the tool's Application.Read.All permission consented?): {message}"
        )),
        Ok(r) if r.status == 401 => Some(format!(
            "Microsoft Graph refused the tool's token: {}",
            ApiError::refused(r)
        )),
        _ => None,
    }
}

/// Whether an answer is Dataverse's `OrganizationDisabled` (the environment was disabled after
/// discovery listed it enabled).
fn organization_disabled(r: &HttpResponse) -> bool {
    ApiError::refused(r)
        .code()
        .is_some_and(|c| c.eq_ignore_ascii_case(CODE_ORGANIZATION_DISABLED))
}

/// A read that failed for good, with the remedy that fits what was being read.
fn read_failure(purpose: &Purpose, error: ApiError) -> ProcedureError {
    let remedy = match (&error, purpose) {
        (e, _) if e.remedy() == Remedy::EnableEnvironment => Remedy::EnableEnvironment,
        (ApiError::Refused { status: 403, .. }, _) => Remedy::NotSystemAdministrator,
        (ApiError::Refused { status: 404, .. }, Purpose::WhoAmI) => Remedy::ReadServiceMessage {
            code: error.code().map(str::to_owned),
            message: "The environment did not answer as a Dataverse environment; check its URL."
                .into(),
        },
        _ => error.remedy(),
    };
    ProcedureError::Api {
        step: purpose.label(),
        error,
        remedy,
    }
}

impl Procedure {
    /// Sends a round of new requests; `stage` is the record's name for it.
    pub(crate) fn send(
        &mut self,
        reqs: Vec<(Purpose, HttpRequest)>,
        stage: Stage,
        now_ms: u64,
    ) -> Command {
        let pending: Vec<Pending> = reqs
            .into_iter()
            .map(|(purpose, request)| Pending {
                id: self.wire.next_id(),
                purpose,
                request,
                attempt: 0,
                sent_at_ms: now_ms,
                page: 1,
            })
            .collect();
        self.send_pending(pending, Some(stage), now_ms)
    }

    fn send_pending(
        &mut self,
        pending: Vec<Pending>,
        stage: Option<Stage>,
        now_ms: u64,
    ) -> Command {
        if let Some(stage) = stage {
            if self.record.stages.last() != Some(&stage) {
                self.record.stages.push(stage);
            }
        }
        self.record.round_trips += 1;
        self.record.requests += pending.len() as u32;
        for p in &pending {
            self.board.on_sent(&p.purpose);
        }
        let requests = pending
            .iter()
            .map(|p| Outgoing {
                id: p.id,
                request: p.request.clone(),
                step: p.purpose.step(),
                timeout_ms: self.options.retry.timeout_ms(p.request.method),
            })
            .collect();
        self.wire.inflight = pending
            .into_iter()
            .map(|mut p| {
                p.sent_at_ms = now_ms;
                p
            })
            .collect();
        self.emit(Command::Send { requests })
    }

    /// The answers to the last round (a request left unanswered counts as a dropped
    /// connection).
    pub(crate) fn on_answers(&mut self, answers: Vec<Answer>, now_ms: u64) -> Command {
        let mut inflight = std::mem::take(&mut self.wire.inflight);
        let mut ordered = Vec::new();
        for a in answers {
            if let Some(pos) = inflight.iter().position(|p| p.id == a.id) {
                ordered.push((inflight.remove(pos), a.result));
            }
        }
        for p in inflight {
            ordered.push((
                p,
                Err(TransportError::Network {
                    message: "no answer".into(),
                }),
            ));
        }
        for (p, result) in &ordered {
            let status = result.as_ref().ok().map(|r| r.status);
            self.board.on_answered(&p.purpose, status);
        }
        let mut phase = self.take_phase();
        let mut round = Round::default();
        for (p, result) in ordered {
            match &mut phase {
                Phase::Write(work) if p.purpose.is_write() => {
                    self.on_write_answer(work, p, result, now_ms, &mut round)
                }
                phase => self.on_read_answer(phase, p, result, &mut round),
            }
        }
        self.phase = phase;
        self.after_round(round, now_ms)
    }

    fn on_read_answer(
        &mut self,
        phase: &mut Phase,
        mut p: Pending,
        result: Result<HttpResponse, TransportError>,
        round: &mut Round,
    ) {
        if let Purpose::ServicePrincipal(app) = &p.purpose {
            // Graph only answers "is the vendor consented?", a convenience: the tool signs in
            // without it. A token Graph refuses or that cannot be had silently (the tool's
            // Application.Read.All not consented: AADSTS65001, consent or interaction
            // required, 401) means "consent unknown", never a sign-in prompt.
            if let Some(reason) = graph_refusal(&result) {
                self.facts.set_consent(app, Consent::Unknown { reason });
                return;
            }
        }
        match classify(&p.request, result) {
            Verdict::Answered(resp) => {
                let absorbed = match (&p.purpose, phase) {
                    (Purpose::Reread, Phase::Reread { users, .. }) => users::parse_app_users(&resp)
                        .map(|page| {
                            users.extend(page.value);
                            page.next_link
                        }),
                    // A re-read is only ever sent in its phase.
                    (Purpose::Reread, _) => Ok(None),
                    (purpose, Phase::Inspect(InspectRound::First(first))) => {
                        self.facts.absorb(purpose, &resp, Some(first))
                    }
                    (purpose, _) => self.facts.absorb(purpose, &resp, None),
                };
                let follow = absorbed.and_then(|next| match next {
                    Some(link) => {
                        odata::check_page(p.page + 1)?;
                        odata::next_page(&p.request, &link).map(Some)
                    }
                    None => Ok(None),
                });
                match follow {
                    Ok(Some(request)) => {
                        round.follow_ups.push(Pending {
                            id: self.wire.next_id(),
                            request,
                            purpose: p.purpose,
                            attempt: 0,
                            sent_at_ms: 0,
                            page: p.page + 1,
                        });
                    }
                    Ok(None) => {}
                    Err(error) => round.fatal(read_failure(&p.purpose, error)),
                }
            }
            Verdict::Renew(audience) => {
                round.renew = Some(audience);
                round.retry.push(p);
            }
            Verdict::Throttled(error) => {
                round.throttle(&error, self.options.retry.default_throttle_wait_ms);
                round.retry.push(p);
            }
            Verdict::Transient(error) => {
                if p.attempt < self.options.retry.max_read_retries {
                    p.attempt += 1;
                    round.backoff = round.backoff.max(p.attempt);
                    round.retry.push(p);
                } else if let Purpose::ServicePrincipal(app) = &p.purpose {
                    let reason = format!("Microsoft Graph did not answer: {error}");
                    self.facts.set_consent(app, Consent::Unknown { reason });
                } else if let ApiError::Transport(TransportError::Timeout { after_ms }) = error {
                    round.fatal(ProcedureError::Timeout {
                        step: p.purpose.label(),
                        host: http::origin_of(&p.request.url).unwrap_or_default(),
                        after_ms,
                        attempts: p.attempt + 1,
                    });
                } else {
                    round.fatal(read_failure(&p.purpose, error));
                }
            }
            // Asking again would get the same answer (or send a token where it must not go).
            // Graph's answer is a convenience: one that cannot be used leaves consent unknown.
            Verdict::Unusable(error) => {
                if let Purpose::ServicePrincipal(app) = &p.purpose {
                    let reason = format!("Microsoft Graph's answer could not be used: {error}");
                    self.facts.set_consent(app, Consent::Unknown { reason });
                } else {
                    round.fatal(read_failure(&p.purpose, error));
                }
            }
        }
    }

    fn after_round(&mut self, round: Round, now_ms: u64) -> Command {
        if let Some(error) = round.fatal {
            return self.fail(error, now_ms);
        }
        self.wire.carry.extend(round.retry);
        self.wire.carry.extend(round.follow_ups);
        if let Some(audience) = round.renew {
            if self.wire.renewed.contains(&audience) {
                return self.fail(ProcedureError::SignInExpired { audience }, now_ms);
            }
            self.wire.renewed.push(audience.clone());
            return self.emit(Command::RenewSignIn { audience });
        }
        let mut wait_ms = 0;
        let mut reason = None;
        if let Some(retry_after_ms) = round.throttle_ms {
            let retry_after_s = retry_after_ms.div_ceil(1000);
            self.wire.throttle_waits += 1;
            if retry_after_ms > self.options.retry.max_throttle_wait_ms
                || self.wire.throttle_waits > self.options.retry.max_throttle_waits
            {
                return self.fail(ProcedureError::Throttled { retry_after_s }, now_ms);
            }
            wait_ms = retry_after_ms;
            reason = Some(WaitReason::Throttled { retry_after_s });
        }
        if round.backoff > 0 {
            let b = self
                .wire
                .jitter
                .backoff_ms(&self.options.retry, round.backoff);
            if b > wait_ms {
                wait_ms = b;
                reason = Some(WaitReason::Backoff {
                    attempt: round.backoff,
                });
            }
        }
        if let Some(reason) = reason {
            self.record.waits.push(WaitRecord {
                reason: match &reason {
                    WaitReason::Throttled { retry_after_s } => {
                        format!("throttled (Retry-After {retry_after_s} s)")
                    }
                    WaitReason::Backoff { attempt } => format!("backoff before retry {attempt}"),
                },
                ms: wait_ms,
                at_ms: now_ms,
            });
            return self.emit(Command::WaitUntil {
                at_ms: now_ms + wait_ms,
                reason,
            });
        }
        self.resume(now_ms)
    }

    /// Continues after a round, a wait or a renewal: resend what must be resent, else move on
    /// to what the phase does next.
    pub(crate) fn resume(&mut self, now_ms: u64) -> Command {
        match self.take_phase() {
            // Writes are never resent blindly; whatever happened, the next step is decided
            // from the user's state, re-read if any answer was doubtful.
            Phase::Write(work) => {
                self.wire.carry.clear();
                self.after_writes(work, now_ms)
            }
            phase if !self.wire.carry.is_empty() => {
                self.phase = phase;
                let carry = std::mem::take(&mut self.wire.carry);
                self.send_pending(carry, None, now_ms)
            }
            Phase::Inspect(round) => self.after_inspect(round, now_ms),
            Phase::Reread { work, users } => self.after_reread(work, users, now_ms),
            // No other phase sends anything, so no round ends in one: the last command stands.
            phase => {
                self.phase = phase;
                self.repeat()
            }
        }
    }
}
