//! The procedure for one environment and preset, as a sans-IO state machine.
//!
//! Feed it [`Input`]s with the current time (milliseconds from any origin the caller keeps
//! steady; the app passes `Date.now()`); it answers with the next [`Command`]. It never sleeps,
//! spawns or reads a clock, so every interleaving of answers and faults can be replayed.
//!
//! Safety rules it keeps: it never sends anything to an environment discovery lists as
//! disabled; it creates the application user only when its latest read showed none live; after
//! any doubtful write answer (none in time, a dropped connection, a `5xx`), and after any refused
//! create or role assignment, it re-reads before acting again and never resends blindly (a live
//! row is adopted whatever the refusal said); it enables a disabled user and sees that confirmed
//! before assigning roles, and in Undo removes roles before disabling; it never removes a role
//! except in Undo, and only ever writes to the one application user of the chosen app. A cancel
//! ends the run at once; if a write's effect is then unknown, the outcome says so and how to find
//! out. It follows `@odata.nextLink` only on the origin it asked, for at most
//! [`odata::MAX_PAGES`] pages.

pub mod assessment;
pub mod inspection;
pub mod lock;
pub mod prompt;
pub mod retry;
mod types;
mod writes;

pub use lock::{LockGrant, LockName};
pub use types::*;

use crate::dataverse::roles::Role;
use crate::dataverse::users::{self, AppUser};
use crate::dataverse::Dataverse;
use crate::error::{ApiError, Remedy, CODE_ORGANIZATION_DISABLED};
use crate::graph::{self, Consent};
use crate::http::{self, HttpRequest, HttpResponse, TransportError};
use crate::ids::AppId;
use crate::odata;
use crate::preset::WORK365_GUIDE_STEPS;
use crate::record::{Confirmation, EnvironmentRun, Stage, WaitRecord, WriteRecord};
use assessment::{AssessContext, Assessment, BlockReason, Plan};
use inspection::{Inspection, Purpose};
use prompt::{DataCenterOption, Prompt, PromptAnswer};
use retry::Jitter;

#[derive(Debug, Clone)]
struct Pending {
    id: RequestId,
    purpose: Purpose,
    request: HttpRequest,
    attempt: u32,
    sent_at_ms: u64,
    /// Which page of its listing this is (1 for the first request).
    page: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    NotStarted,
    Inspect,
    InspectCaller,
    InspectPrivileges,
    ChooseDataCenter,
    ConfirmPlan,
    Write,
    Reread,
    Guide(usize),
    Done,
}

/// The state machine for one environment.
#[derive(Debug, Clone)]
pub struct Procedure {
    target: Target,
    options: Options,
    dv: Dataverse,
    phase: Phase,
    next_id: u32,
    inflight: Vec<Pending>,
    /// Reads to send again after a wait or a sign-in renewal.
    carry: Vec<Pending>,
    /// A write answer left its effect in doubt: re-read before acting again.
    reread: bool,
    /// The writes whose effect is in doubt until the next re-read (labels, for a cancel).
    in_doubt: Vec<String>,
    renewed: Vec<String>,
    throttle_waits: u32,
    write_rounds: u32,
    jitter: Jitter,
    facts: Inspection,
    chosen: Option<AppId>,
    roles: Vec<Role>,
    user: Option<AppUser>,
    user_fresh: bool,
    reread_users: Vec<AppUser>,
    /// A refused create or role assignment, reported only if the re-read does not explain it.
    refusal: Option<(Purpose, ProcedureError)>,
    last: Option<Command>,
    record: EnvironmentRun,
    lock: lock::WriteLock,
}

impl Procedure {
    /// A procedure for one environment; nothing happens until [`Procedure::start`].
    pub fn new(target: Target, options: Options) -> Procedure {
        let dv = Dataverse::new(&target.environment.url);
        let record = EnvironmentRun {
            environment: target.environment.clone(),
            preset: target.preset.key.clone(),
            mode: match options.mode {
                Mode::Setup => "setup",
                Mode::Assess => "assess",
                Mode::Undo => "undo",
            }
            .into(),
            data_center: None,
            started_at_ms: 0,
            finished_at_ms: None,
            inspection: None,
            assessment: None,
            plan: None,
            writes: Vec::new(),
            evidence: None,
            confirmations: Vec::new(),
            waits: Vec::new(),
            stages: Vec::new(),
            round_trips: 0,
            requests: 0,
            outcome: None,
        };
        Procedure {
            jitter: Jitter::for_environment(options.seed, &target.environment.url),
            target,
            options,
            dv,
            phase: Phase::NotStarted,
            next_id: 0,
            inflight: Vec::new(),
            carry: Vec::new(),
            reread: false,
            in_doubt: Vec::new(),
            renewed: Vec::new(),
            throttle_waits: 0,
            write_rounds: 0,
            facts: Inspection::default(),
            chosen: None,
            roles: Vec::new(),
            user: None,
            user_fresh: false,
            reread_users: Vec::new(),
            refusal: None,
            last: None,
            record,
            lock: lock::WriteLock::default(),
        }
    }

    /// The target.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The record so far (complete once [`Command::Done`] was yielded).
    pub fn record(&self) -> &EnvironmentRun {
        &self.record
    }

    /// Takes the record out (e.g. to add it to a [`crate::record::RunRecord`]).
    pub fn into_record(self) -> EnvironmentRun {
        self.record
    }

    /// What inspection found so far.
    pub fn inspection(&self) -> &Inspection {
        &self.facts
    }

    /// The last command yielded, if any.
    pub fn current(&self) -> Option<&Command> {
        self.last.as_ref()
    }

    /// Whether the run is over.
    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    /// Starts the run: yields the first batch of reads.
    pub fn start(&mut self, now_ms: u64) -> Command {
        if self.phase != Phase::NotStarted {
            return self.repeat();
        }
        self.record.started_at_ms = now_ms;
        if self.target.disabled {
            // A disabled environment's Web API serves nothing: say so without asking it.
            let assessment = Assessment::Blocked {
                reason: BlockReason::EnvironmentDisabled,
                remedy: Remedy::EnableEnvironment,
            };
            self.record.assessment = Some(assessment.clone());
            return self.finish(Outcome::Stopped { assessment }, now_ms);
        }
        self.phase = Phase::Inspect;
        let preset = &self.target.preset;
        let apps: Vec<AppId> = match &self.target.data_center {
            Some(a) => vec![a.clone()],
            None => preset
                .data_centers
                .iter()
                .map(|d| d.app_id.clone())
                .collect(),
        };
        let mut reqs = vec![
            (Purpose::WhoAmI, self.dv.who_am_i()),
            (Purpose::RootBusinessUnit, self.dv.root_business_unit()),
            (Purpose::Roles, self.dv.roles_named(&preset.roles)),
            (Purpose::AppUsers, self.dv.app_users(&apps)),
        ];
        if self.options.mode != Mode::Undo {
            for a in &apps {
                reqs.push((
                    Purpose::ServicePrincipal(a.clone()),
                    graph::service_principal_request(&self.target.endpoints, a),
                ));
            }
            if let Some(req) = &preset.requirement {
                reqs.push((
                    Purpose::Solutions,
                    self.dv.solutions_named_like(&req.solution_names),
                ));
                if let Some(m) = &req.app_module_uniquename {
                    reqs.push((Purpose::AppModule, self.dv.app_module(m)));
                }
            }
        }
        self.send(reqs, Stage::Inspect, now_ms)
    }

    /// Feeds one input; returns the next command. An input that does not fit the last command
    /// (e.g. `Woke` while answers are awaited) is ignored and the last command is repeated.
    pub fn handle(&mut self, input: Input, now_ms: u64) -> Command {
        if self.phase == Phase::Done {
            return self.repeat();
        }
        let input = match input {
            Input::CancelBeforeSending => {
                self.inflight.clear();
                Input::Cancel
            }
            other => other,
        };
        match (input, self.last.clone()) {
            // Verified, the guide open: the run has done its work, so leaving it stops the
            // guide (as a skip does) instead of calling a configured user "cancelled".
            (Input::Cancel, _) if matches!(self.phase, Phase::Guide(_)) => {
                if let Phase::Guide(index) = self.phase {
                    let text = WORK365_GUIDE_STEPS.get(index).copied().unwrap_or_default();
                    self.record.confirmations.push(Confirmation {
                        what: format!("guide step {}: {text}", index + 1),
                        answer: "left unconfirmed".into(),
                        at_ms: now_ms,
                    });
                }
                self.finish_configured(now_ms)
            }
            (Input::Cancel, _) => self.cancel(now_ms),
            (Input::Answers { answers }, Some(Command::Send { .. })) => {
                self.on_answers(answers, now_ms)
            }
            (Input::Woke, Some(Command::WaitUntil { at_ms, .. })) if now_ms >= at_ms => {
                self.resume(now_ms)
            }
            (Input::SignInRenewed, Some(Command::RenewSignIn { .. })) => self.resume(now_ms),
            (Input::Lock { grant }, Some(Command::Lock { wait, .. })) => {
                self.on_lock(grant, wait, now_ms)
            }
            (Input::SignInFailed { .. }, Some(Command::RenewSignIn { audience })) => {
                self.fail(ProcedureError::SignInExpired { audience }, now_ms)
            }
            (Input::Choice { answer }, Some(Command::Prompt { prompt })) => {
                self.on_choice(prompt, answer, now_ms)
            }
            _ => self.repeat(),
        }
    }

    fn repeat(&self) -> Command {
        self.last.clone().unwrap_or(Command::Done {
            outcome: Outcome::Cancelled,
        })
    }

    fn emit(&mut self, cmd: Command) -> Command {
        self.last = Some(cmd.clone());
        cmd
    }

    fn send(&mut self, reqs: Vec<(Purpose, HttpRequest)>, stage: Stage, now_ms: u64) -> Command {
        if let Some(wait_for_lock) = self.lock_before_writes(&reqs) {
            return wait_for_lock;
        }
        let pending: Vec<Pending> = reqs
            .into_iter()
            .map(|(purpose, request)| {
                self.next_id += 1;
                Pending {
                    id: RequestId(self.next_id),
                    purpose,
                    request,
                    attempt: 0,
                    sent_at_ms: now_ms,
                    page: 1,
                }
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
        let requests = pending
            .iter()
            .map(|p| Outgoing {
                id: p.id,
                request: p.request.clone(),
                timeout_ms: self.options.retry.timeout_ms(p.request.method),
            })
            .collect();
        self.inflight = pending
            .into_iter()
            .map(|mut p| {
                p.sent_at_ms = now_ms;
                p
            })
            .collect();
        self.emit(Command::Send { requests })
    }

    fn finish(&mut self, outcome: Outcome, now_ms: u64) -> Command {
        self.phase = Phase::Done;
        self.inflight.clear();
        self.carry.clear();
        self.record.finished_at_ms = Some(now_ms);
        self.record.inspection = Some(self.facts.clone());
        self.record.outcome = Some(outcome.clone());
        self.emit(Command::Done { outcome })
    }

    fn fail(&mut self, error: ProcedureError, now_ms: u64) -> Command {
        self.finish(Outcome::Failed { error }, now_ms)
    }

    /// Stops at once. Writes sent and not answered, or answered in doubt and not re-read yet,
    /// may have taken effect: then the run ends with that said and the remedy to inspect
    /// again (nothing more is sent to find out: the admin asked to stop).
    fn cancel(&mut self, now_ms: u64) -> Command {
        let mut writes = std::mem::take(&mut self.in_doubt);
        let unanswered: Vec<Pending> = self
            .inflight
            .iter()
            .filter(|p| p.purpose.is_write())
            .cloned()
            .collect();
        for p in unanswered {
            let path = p
                .request
                .url
                .strip_prefix(&self.dv.origin)
                .unwrap_or(&p.request.url)
                .to_owned();
            self.record.writes.push(WriteRecord {
                method: p.request.method,
                path,
                status: None,
                error: Some("cancelled before an answer arrived; its effect is unknown".into()),
                at_ms: p.sent_at_ms,
                duration_ms: now_ms.saturating_sub(p.sent_at_ms),
            });
            writes.push(p.purpose.label());
        }
        if writes.is_empty() {
            self.finish(Outcome::Cancelled, now_ms)
        } else {
            self.fail(
                ProcedureError::CancelledWithWritesInDoubt { writes },
                now_ms,
            )
        }
    }

    fn on_answers(&mut self, answers: Vec<Answer>, now_ms: u64) -> Command {
        let mut inflight = std::mem::take(&mut self.inflight);
        let mut ordered = Vec::new();
        for a in answers {
            if let Some(pos) = inflight.iter().position(|p| p.id == a.id) {
                ordered.push((inflight.remove(pos), a.result));
            }
        }
        // A request the caller never answered is treated like a dropped connection.
        for p in inflight {
            ordered.push((
                p,
                Err(TransportError::Network {
                    message: "no answer".into(),
                }),
            ));
        }
        let mut round = Round::default();
        for (p, result) in ordered {
            if p.purpose.is_write() {
                self.on_write_answer(p, result, now_ms, &mut round);
            } else {
                self.on_read_answer(p, result, &mut round);
            }
        }
        self.after_round(round, now_ms)
    }

    fn on_read_answer(
        &mut self,
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
                let absorbed = if p.purpose == Purpose::Reread {
                    users::parse_app_users(&resp).map(|page| {
                        self.reread_users.extend(page.value);
                        page.next_link
                    })
                } else {
                    self.facts.absorb(&p.purpose, &resp)
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
                        self.next_id += 1;
                        round.follow_ups.push(Pending {
                            id: RequestId(self.next_id),
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
        if round.doubt {
            self.reread = true;
        }
        if self.refusal.is_none() {
            self.refusal = round.refused;
        }
        self.carry.extend(round.retry);
        self.carry.extend(round.follow_ups);
        if let Some(audience) = round.renew {
            if self.renewed.contains(&audience) {
                return self.fail(ProcedureError::SignInExpired { audience }, now_ms);
            }
            self.renewed.push(audience.clone());
            return self.emit(Command::RenewSignIn { audience });
        }
        let mut wait_ms = 0;
        let mut reason = None;
        if let Some(retry_after_ms) = round.throttle_ms {
            let retry_after_s = retry_after_ms.div_ceil(1000);
            self.throttle_waits += 1;
            if retry_after_ms > self.options.retry.max_throttle_wait_ms
                || self.throttle_waits > self.options.retry.max_throttle_waits
            {
                return self.fail(ProcedureError::Throttled { retry_after_s }, now_ms);
            }
            wait_ms = retry_after_ms;
            reason = Some(WaitReason::Throttled { retry_after_s });
        }
        if round.backoff > 0 {
            let b = self.jitter.backoff_ms(&self.options.retry, round.backoff);
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

    /// Continues after a round, a wait or a renewal: resend what must be resent, else move on.
    fn resume(&mut self, now_ms: u64) -> Command {
        if self.phase == Phase::Write {
            // Writes are never resent blindly; whatever happened, the next step is decided
            // from the user's state, re-read if any answer was doubtful.
            self.carry.clear();
            return self.after_writes(now_ms);
        }
        if !self.carry.is_empty() {
            let carry = std::mem::take(&mut self.carry);
            return self.send_pending(carry, None, now_ms);
        }
        match self.phase {
            Phase::Inspect => self.inspect_caller(now_ms),
            Phase::InspectCaller => {
                if self.facts.caller_is_privileged() || self.options.mode == Mode::Undo {
                    self.decide(now_ms)
                } else {
                    self.inspect_privileges(now_ms)
                }
            }
            Phase::InspectPrivileges => self.decide(now_ms),
            Phase::Reread => self.after_reread(now_ms),
            _ => self.repeat(),
        }
    }

    fn inspect_caller(&mut self, now_ms: u64) -> Command {
        self.phase = Phase::InspectCaller;
        let mut reqs = Vec::new();
        if let Some(who) = &self.facts.caller {
            reqs.push((Purpose::CallerRoles, self.dv.caller_roles(&who.user_id)));
        }
        // The licensed service account the app user replaces: holders of the root copy of the
        // first (service) role. Informational; only for setup.
        if self.options.mode != Mode::Undo {
            if let Some(root) = self.facts.root() {
                if let Some(first) = self.target.preset.roles.first() {
                    if let [role] = self.facts.roles_in(&root.id, first).as_slice() {
                        reqs.push((Purpose::RoleHolders, self.dv.role_holders(&role.id)));
                    }
                }
            }
        }
        if reqs.is_empty() {
            return self.resume(now_ms);
        }
        self.send(reqs, Stage::Inspect, now_ms)
    }

    fn inspect_privileges(&mut self, now_ms: u64) -> Command {
        self.phase = Phase::InspectPrivileges;
        let Some(who) = self.facts.caller.clone() else {
            return self.decide(now_ms);
        };
        let reqs = crate::dataverse::whoami::NEEDED_PRIVILEGES
            .iter()
            .map(|p| {
                (
                    Purpose::Privilege((*p).into()),
                    self.dv.caller_privilege(&who.user_id, p),
                )
            })
            .collect();
        self.send(reqs, Stage::Inspect, now_ms)
    }

    /// Picks the data center, asking only when the facts do not tell.
    fn decide(&mut self, now_ms: u64) -> Command {
        if self.chosen.is_none() {
            self.chosen = self
                .target
                .data_center
                .clone()
                .or_else(|| self.obvious_data_center());
        }
        if self.chosen.is_some() {
            return self.assess_and_go(now_ms);
        }
        self.phase = Phase::ChooseDataCenter;
        let options = self
            .target
            .preset
            .data_centers
            .iter()
            .map(|d| DataCenterOption {
                key: d.key.clone(),
                label: d.label.clone(),
                app_id: d.app_id.clone(),
                consent: self.facts.consent_of(&d.app_id).cloned(),
                has_app_user: self
                    .facts
                    .app_users
                    .iter()
                    .any(|u| u.app_id.as_ref() == Some(&d.app_id)),
            })
            .collect();
        self.emit(Command::Prompt {
            prompt: Prompt::ChooseDataCenter { options },
        })
    }

    fn obvious_data_center(&self) -> Option<AppId> {
        let dcs = &self.target.preset.data_centers;
        if let [one] = dcs.as_slice() {
            return Some(one.app_id.clone());
        }
        let unique = |pred: &dyn Fn(&AppId) -> bool| -> Option<AppId> {
            let hits: Vec<&AppId> = dcs.iter().map(|d| &d.app_id).filter(|a| pred(a)).collect();
            match hits.as_slice() {
                [one] => Some((*one).clone()),
                _ => None,
            }
        };
        let users = &self.facts.app_users;
        unique(&|a| {
            users
                .iter()
                .any(|u| u.app_id.as_ref() == Some(a) && !u.is_soft_deleted())
        })
        .or_else(|| unique(&|a| users.iter().any(|u| u.app_id.as_ref() == Some(a))))
        .or_else(|| unique(&|a| matches!(self.facts.consent_of(a), Some(Consent::Present { .. }))))
    }

    fn assess_and_go(&mut self, now_ms: u64) -> Command {
        let Some(app) = self.chosen.clone() else {
            return self.decide(now_ms);
        };
        self.record.data_center = Some(app.clone());
        if self.options.mode == Mode::Undo {
            return self.undo_start(now_ms);
        }
        self.facts.product = assessment::product_finding(&self.target.preset, &self.facts);
        let assessment = assessment::assess(
            &AssessContext {
                preset: &self.target.preset,
                app: &app,
                endpoints: &self.target.endpoints,
                tenant: self.target.tenant_id.as_ref(),
                now_ms,
            },
            &self.facts,
        );
        self.record.assessment = Some(assessment.clone());
        match &assessment {
            Assessment::Configured { evidence } => {
                self.record.evidence = Some(evidence.clone());
                self.record.plan = Some(Plan::default());
                self.start_guide_or_finish(now_ms)
            }
            Assessment::NeedsSetup { plan } => {
                self.record.plan = Some(plan.clone());
                if let Some(root) = self.facts.root() {
                    self.roles =
                        assessment::resolve_roles(&self.target.preset, &self.facts, &root.id)
                            .unwrap_or_default();
                }
                let (live, _) = assessment::users_of(&self.facts.app_users, &app);
                self.user = live.first().map(|u| (*u).clone());
                self.user_fresh = true;
                if self.options.mode == Mode::Assess {
                    self.finish(Outcome::Stopped { assessment }, now_ms)
                } else if self.options.confirm_plan {
                    self.phase = Phase::ConfirmPlan;
                    self.emit(Command::Prompt {
                        prompt: Prompt::ConfirmPlan { plan: plan.clone() },
                    })
                } else {
                    self.next_writes(now_ms)
                }
            }
            _ => self.finish(Outcome::Stopped { assessment }, now_ms),
        }
    }

    fn on_choice(&mut self, prompt: Prompt, answer: PromptAnswer, now_ms: u64) -> Command {
        let confirm = |what: String, answer: &str| Confirmation {
            what,
            answer: answer.into(),
            at_ms: now_ms,
        };
        match (&prompt, answer) {
            (Prompt::ChooseDataCenter { options }, PromptAnswer::DataCenter { app_id })
                if options.iter().any(|o| o.app_id == app_id) =>
            {
                self.record
                    .confirmations
                    .push(confirm("data center".into(), app_id.as_str()));
                self.chosen = Some(app_id);
                self.assess_and_go(now_ms)
            }
            (Prompt::ConfirmPlan { .. } | Prompt::ConfirmUndo { .. }, PromptAnswer::Proceed) => {
                self.record
                    .confirmations
                    .push(confirm("apply the plan".into(), "proceed"));
                self.next_writes(now_ms)
            }
            (Prompt::ConfirmPlan { .. }, PromptAnswer::Decline) => {
                self.record
                    .confirmations
                    .push(confirm("apply the plan".into(), "decline"));
                let assessment = self
                    .record
                    .assessment
                    .clone()
                    .unwrap_or(Assessment::NeedsSetup {
                        plan: Plan::default(),
                    });
                self.finish(Outcome::Stopped { assessment }, now_ms)
            }
            (Prompt::ConfirmUndo { .. }, PromptAnswer::Decline) => {
                self.record
                    .confirmations
                    .push(confirm("undo".into(), "decline"));
                self.finish(Outcome::Cancelled, now_ms)
            }
            (
                Prompt::GuideStep { index, text, .. },
                a @ (PromptAnswer::Confirmed | PromptAnswer::Skip),
            ) => {
                let skip = a == PromptAnswer::Skip;
                self.record.confirmations.push(confirm(
                    format!("guide step {}: {text}", index + 1),
                    if skip { "skip" } else { "confirmed" },
                ));
                if skip {
                    self.finish_configured(now_ms)
                } else {
                    self.guide_step(index + 1, now_ms)
                }
            }
            _ => self.repeat(),
        }
    }

    fn start_guide_or_finish(&mut self, now_ms: u64) -> Command {
        if self.options.guide
            && self.target.preset.has_work365_guide
            && self.options.mode == Mode::Setup
        {
            let resumed = self.options.guide_confirmed.min(WORK365_GUIDE_STEPS.len());
            for (index, text) in WORK365_GUIDE_STEPS.iter().enumerate().take(resumed) {
                self.record.confirmations.push(Confirmation {
                    what: format!("guide step {}: {text}", index + 1),
                    answer: "confirmed before a reload".into(),
                    at_ms: now_ms,
                });
            }
            self.guide_step(resumed, now_ms)
        } else {
            self.finish_configured(now_ms)
        }
    }

    fn guide_step(&mut self, index: usize, now_ms: u64) -> Command {
        let Some(text) = WORK365_GUIDE_STEPS.get(index) else {
            return self.finish_configured(now_ms);
        };
        let Some(app_id) = self.chosen.clone() else {
            return self.finish_configured(now_ms);
        };
        self.phase = Phase::Guide(index);
        let deep_link = self
            .facts
            .app_module
            .as_ref()
            .map(|m| m.deep_link(&self.dv));
        self.emit(Command::Prompt {
            prompt: Prompt::GuideStep {
                index,
                total: WORK365_GUIDE_STEPS.len(),
                text: (*text).into(),
                deep_link,
                app_id,
                evidence: self.record.evidence.clone().map(Box::new),
            },
        })
    }

    fn finish_configured(&mut self, now_ms: u64) -> Command {
        let Some(evidence) = self.record.evidence.clone() else {
            return self.fail(
                ProcedureError::NoProgress {
                    rounds: self.write_rounds,
                },
                now_ms,
            );
        };
        let already = self.record.successful_writes() == 0;
        self.finish(Outcome::Configured { evidence, already }, now_ms)
    }
}

/// What one round of answers calls for.
#[derive(Default)]
struct Round {
    fatal: Option<ProcedureError>,
    retry: Vec<Pending>,
    follow_ups: Vec<Pending>,
    renew: Option<String>,
    throttle_ms: Option<u64>,
    backoff: u32,
    doubt: bool,
    /// A refused write that the re-read decides about (see `Procedure::refusal`).
    refused: Option<(Purpose, ProcedureError)>,
}

impl Round {
    fn fatal(&mut self, e: ProcedureError) {
        if self.fatal.is_none() {
            self.fatal = Some(e);
        }
    }

    fn throttle(&mut self, error: &ApiError, default_ms: u64) {
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

enum Verdict {
    Answered(HttpResponse),
    Renew(String),
    Throttled(ApiError),
    Transient(ApiError),
    /// No usable answer, and asking again would not give one: an oversized answer, or a
    /// request the transport refused to send to a host its token is not for.
    Unusable(ApiError),
}

/// Sorts an answer into "use it", "renew the token", "wait", "retry", "give up".
fn classify(req: &HttpRequest, result: Result<HttpResponse, TransportError>) -> Verdict {
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
