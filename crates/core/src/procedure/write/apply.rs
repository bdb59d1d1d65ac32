//! Apply: the writes the current knowledge of the user calls for, in Microsoft's order (the
//! create alone; a disabled user's enable alone, its roles once that is confirmed), and what
//! each answer means. A doubtful answer is never resent: the user is read again first.

use crate::dataverse::users::{self, AppUser};
use crate::error::{ApiError, Remedy, CODE_DUPLICATE, CODE_MISSING_PRIVILEGE};
use crate::http::{HttpRequest, HttpResponse, TransportError};
use crate::procedure::decide::assess;
use crate::procedure::decide::assessment::{Plan, PlannedWrite};
use crate::procedure::environment_run::Stage;
use crate::procedure::machine::Procedure;
use crate::procedure::purpose::Purpose;
use crate::procedure::state::{Job, Pending, Phase, Work};
use crate::procedure::types::{Command, ProcedureError};
use crate::procedure::wire::{classify, Round, Verdict};
use crate::procedure::write::lock::LockState;

impl Procedure {
    /// Sends the next writes the current knowledge of the user calls for, or verifies.
    pub(crate) fn next_writes(&mut self, work: Work, now_ms: u64) -> Command {
        let (root, roles) = match &work.job {
            Job::Undo { .. } => return self.undo_writes(work, now_ms),
            Job::Setup { root, roles } => (root, roles),
        };
        let plan = assess::plan_for(&work.app, root, roles, work.user.as_ref());
        if plan.steps.is_empty() {
            return self.verified_or_reread(work, now_ms);
        }
        let (reqs, stage) = match &work.user {
            // Only the create goes out: role writes need the new user's id.
            None => (
                vec![(Purpose::Create, self.dv.create_app_user(&work.app, root))],
                Stage::Create,
            ),
            // A role can only be assigned to an enabled user (pp: admin/assign-security-roles.md):
            // the enable goes alone, and the roles follow once it is confirmed (a 2xx, or a
            // re-read showing the user enabled).
            Some(u) if u.isdisabled => (
                vec![(
                    Purpose::Enable,
                    self.dv.set_disabled(&u.id, &work.app, false),
                )],
                Stage::Enable,
            ),
            Some(u) => (self.requests_for(&plan, u, &work), Stage::Assign),
        };
        self.send_writes(work, reqs, stage, now_ms)
    }

    /// Sends a round of writes, once the environment's write lock is held (when the run takes
    /// it) and while rounds are left.
    pub(crate) fn send_writes(
        &mut self,
        mut work: Work,
        reqs: Vec<(Purpose, HttpRequest)>,
        stage: Stage,
        now_ms: u64,
    ) -> Command {
        if self.options.write_lock && matches!(self.lock, LockState::NotAsked | LockState::Released)
        {
            return self.ask_for_lock(work);
        }
        work.rounds += 1;
        if work.rounds > self.options.retry.max_write_rounds {
            return self.fail(
                ProcedureError::NoProgress {
                    rounds: work.rounds,
                },
                now_ms,
            );
        }
        self.phase = Phase::Write(work);
        self.send(reqs, stage, now_ms)
    }

    /// The requests that carry out `plan`'s writes on `user`.
    pub(crate) fn requests_for(
        &self,
        plan: &Plan,
        user: &AppUser,
        work: &Work,
    ) -> Vec<(Purpose, HttpRequest)> {
        // The user's own app id, as Microsoft's provider sends it along with `isdisabled`.
        let app = user.app_id.as_ref().unwrap_or(&work.app);
        plan.steps
            .iter()
            .filter_map(|s| match s {
                PlannedWrite::CreateAppUser { .. } => None,
                PlannedWrite::Enable { .. } => {
                    Some((Purpose::Enable, self.dv.set_disabled(&user.id, app, false)))
                }
                PlannedWrite::Disable { .. } => {
                    Some((Purpose::Disable, self.dv.set_disabled(&user.id, app, true)))
                }
                PlannedWrite::AssignRole { role_id, role_name } => Some((
                    Purpose::Associate {
                        role_id: role_id.clone(),
                        role_name: role_name.clone(),
                    },
                    self.dv.associate_role(&user.id, role_id),
                )),
                PlannedWrite::RemoveRole { role_id, role_name } => Some((
                    Purpose::Disassociate {
                        role_id: role_id.clone(),
                        role_name: role_name.clone(),
                    },
                    self.dv.disassociate_role(&user.id, role_id),
                )),
            })
            .collect()
    }

    /// One write's answer: recorded, then what it tells about the user.
    pub(crate) fn on_write_answer(
        &mut self,
        work: &mut Work,
        p: Pending,
        result: Result<HttpResponse, TransportError>,
        now_ms: u64,
        round: &mut Round,
    ) {
        let error = match &result {
            Ok(r) if !r.is_success() => Some(ApiError::refused(r).to_string()),
            Ok(_) => None,
            Err(e) => Some(e.to_string()),
        };
        self.record_write(&p, result.as_ref().ok().map(|r| r.status), error, now_ms);
        match classify(&p.request, result) {
            Verdict::Answered(resp) if resp.is_success() => apply_effect(work, &p.purpose, &resp),
            Verdict::Answered(resp) => {
                let error = ApiError::refused(&resp);
                let duplicate = resp.status == 412 || error.code() == Some(CODE_DUPLICATE);
                match &p.purpose {
                    // Already held: the re-read will show it.
                    Purpose::Associate { .. } if duplicate => work.reread = true,
                    // Already gone is what Undo wanted; the re-read will show it.
                    Purpose::Disassociate { .. } if resp.status == 404 => work.reread = true,
                    // A refused create may still have a row behind it (a duplicate however it is
                    // told, a create that took effect before the error, a deleted row), and a
                    // refused role may mean the user is disabled: re-read before concluding. The
                    // refusal is reported, verbatim, only if the re-read does not explain it.
                    Purpose::Create | Purpose::Associate { .. } => {
                        work.reread = true;
                        if work.refusal.is_none() {
                            work.refusal =
                                Some((p.purpose.clone(), write_failure(&p.purpose, error)));
                        }
                    }
                    _ => round.fatal(write_failure(&p.purpose, error)),
                }
            }
            Verdict::Renew(audience) => {
                round.renew = Some(audience);
                work.reread = true;
            }
            Verdict::Throttled(error) => {
                round.throttle(&error, self.options.retry.default_throttle_wait_ms);
                work.reread = true;
            }
            // No answer in time, a dropped connection, a 5xx, or an answer too large to read:
            // the write may have taken effect. Re-read; never resend blindly.
            Verdict::Transient(_)
            | Verdict::Unusable(ApiError::Transport(TransportError::TooLarge { .. })) => {
                work.reread = true;
                work.in_doubt.push(p.purpose.label());
            }
            Verdict::Unusable(error) => round.fatal(ProcedureError::Api {
                step: p.purpose.label(),
                remedy: error.remedy(),
                error,
            }),
        }
    }

    /// After a round of writes: re-read if anything was doubtful, else go on from what we know.
    pub(crate) fn after_writes(&mut self, mut work: Work, now_ms: u64) -> Command {
        work.fresh = false;
        if work.reread {
            return self.start_reread(work, now_ms);
        }
        self.next_writes(work, now_ms)
    }
}

/// What an accepted write did to the user, as far as its answer tells.
fn apply_effect(work: &mut Work, purpose: &Purpose, resp: &HttpResponse) {
    match purpose {
        Purpose::Create => match (users::parse_created(resp), &work.job) {
            (Ok(Some(id)), Job::Setup { root, .. }) => {
                work.user = Some(AppUser {
                    id,
                    app_id: Some(work.app.clone()),
                    fullname: None,
                    isdisabled: false,
                    deletedstate: Some(0),
                    business_unit_id: Some(root.clone()),
                    roles: Vec::new(),
                });
            }
            // Created but the id is not readable: find it by reading.
            _ => work.reread = true,
        },
        Purpose::Enable | Purpose::Disable => {
            if let Some(u) = &mut work.user {
                u.isdisabled = *purpose == Purpose::Disable;
            }
        }
        Purpose::Associate { role_id, .. } => {
            let role = work.roles().iter().find(|r| &r.id == role_id).cloned();
            if let (Some(u), Some(role)) = (&mut work.user, role) {
                if !u.roles.iter().any(|r| r.id == role.id) {
                    u.roles.push(role);
                }
            }
        }
        Purpose::Disassociate { role_id, .. } => {
            if let Some(u) = &mut work.user {
                u.roles.retain(|r| &r.id != role_id);
            }
        }
        _ => {}
    }
}

/// A refused write as a failure, with the remedy that fits: a missing privilege is the caller's
/// role; anything else is the service's own words, verbatim.
fn write_failure(purpose: &Purpose, error: ApiError) -> ProcedureError {
    let remedy = match &error {
        ApiError::Refused {
            status: 403, code, ..
        } if code
            .as_deref()
            .is_none_or(|c| c.eq_ignore_ascii_case(CODE_MISSING_PRIVILEGE)) =>
        {
            Remedy::NotSystemAdministrator
        }
        e if e.remedy() == Remedy::EnableEnvironment => Remedy::EnableEnvironment,
        ApiError::Refused { code, message, .. } => Remedy::ReadServiceMessage {
            code: code.clone(),
            message: message.clone().unwrap_or_default(),
        },
        other => other.remedy(),
    };
    ProcedureError::Api {
        step: purpose.label(),
        error,
        remedy,
    }
}
