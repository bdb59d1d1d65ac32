//! Apply, verify and undo: the writing half of the procedure.

use super::assessment::{self, Assessment, BlockReason, Plan, PlannedWrite};
use super::inspection::Purpose;
use super::{
    classify, Command, Mode, Outcome, Pending, Phase, Procedure, ProcedureError, Round, Verdict,
};
use crate::dataverse::users::{self, AppUser};
use crate::error::{ApiError, Remedy, CODE_DUPLICATE, CODE_MISSING_PRIVILEGE};
use crate::http::{HttpRequest, HttpResponse, TransportError};
use crate::ids::AppId;
use crate::procedure::prompt::Prompt;
use crate::record::{Stage, WriteRecord};

impl Procedure {
    /// Sends the next writes the current knowledge of the user calls for, or verifies.
    pub(super) fn next_writes(&mut self, now_ms: u64) -> Command {
        if self.options.mode == Mode::Undo {
            return self.undo_writes(now_ms);
        }
        let (Some(app), Some(root)) =
            (self.chosen.clone(), self.facts.root().map(|r| r.id.clone()))
        else {
            return self.fail(
                ProcedureError::NoProgress {
                    rounds: self.write_rounds,
                },
                now_ms,
            );
        };
        let plan = assessment::plan_for(&app, &root, &self.roles, self.user.as_ref());
        if plan.steps.is_empty() {
            return self.verified_or_reread(now_ms);
        }
        if !self.next_round() {
            return self.fail(
                ProcedureError::NoProgress {
                    rounds: self.write_rounds,
                },
                now_ms,
            );
        }
        let (reqs, stage) = match &self.user {
            // Only the create goes out: role writes need the new user's id.
            None => (
                vec![(Purpose::Create, self.dv.create_app_user(&app, &root))],
                Stage::Create,
            ),
            // A role can only be assigned to an enabled user (pp: admin/assign-security-roles.md):
            // the enable goes alone, and the roles follow once it is confirmed (a 2xx, or a
            // re-read showing the user enabled).
            Some(u) if u.isdisabled => (
                vec![(Purpose::Enable, self.dv.set_disabled(&u.id, &app, false))],
                Stage::Enable,
            ),
            Some(u) => (self.requests_for(&plan, u, &app), Stage::Assign),
        };
        self.phase = Phase::Write;
        self.send(reqs, stage, now_ms)
    }

    fn next_round(&mut self) -> bool {
        self.write_rounds += 1;
        self.write_rounds <= self.options.retry.max_write_rounds
    }

    fn requests_for(
        &self,
        plan: &Plan,
        user: &AppUser,
        app: &AppId,
    ) -> Vec<(Purpose, HttpRequest)> {
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
                PlannedWrite::AssignRole { role_id, .. } => Some((
                    Purpose::Associate(role_id.clone()),
                    self.dv.associate_role(&user.id, role_id),
                )),
                PlannedWrite::RemoveRole { role_id, .. } => Some((
                    Purpose::Disassociate(role_id.clone()),
                    self.dv.disassociate_role(&user.id, role_id),
                )),
            })
            .collect()
    }

    /// Nothing left to write: done if the state was just read, else read it back first.
    fn verified_or_reread(&mut self, now_ms: u64) -> Command {
        let (Some(user), Some(app), true) =
            (self.user.clone(), self.chosen.clone(), self.user_fresh)
        else {
            return self.start_reread(now_ms);
        };
        let evidence = assessment::evidence_of(
            &user,
            &app,
            &self.target.preset,
            &self.facts,
            &self.roles,
            now_ms,
        );
        self.record.evidence = Some(evidence.clone());
        if self.options.mode == Mode::Undo {
            return self.finish(
                Outcome::Undone {
                    evidence: Some(evidence),
                },
                now_ms,
            );
        }
        self.start_guide_or_finish(now_ms)
    }

    pub(super) fn on_write_answer(
        &mut self,
        p: Pending,
        result: Result<HttpResponse, TransportError>,
        now_ms: u64,
        round: &mut Round,
    ) {
        let path = p
            .request
            .url
            .strip_prefix(&self.dv.origin)
            .unwrap_or(&p.request.url)
            .to_owned();
        self.record.writes.push(WriteRecord {
            method: p.request.method,
            path,
            status: result.as_ref().ok().map(|r| r.status),
            error: match &result {
                Ok(r) if !r.is_success() => Some(ApiError::refused(r).to_string()),
                Ok(_) => None,
                Err(e) => Some(e.to_string()),
            },
            at_ms: p.sent_at_ms,
            duration_ms: now_ms.saturating_sub(p.sent_at_ms),
        });
        match classify(&p.request, result) {
            Verdict::Answered(resp) if resp.is_success() => {
                self.apply_effect(&p.purpose, &resp, round)
            }
            Verdict::Answered(resp) => {
                let error = ApiError::refused(&resp);
                let duplicate = resp.status == 412 || error.code() == Some(CODE_DUPLICATE);
                match &p.purpose {
                    // Already held: the re-read will show it.
                    Purpose::Associate(_) if duplicate => round.doubt = true,
                    // Already gone is what Undo wanted; the re-read will show it.
                    Purpose::Disassociate(_) if resp.status == 404 => round.doubt = true,
                    // A refused create may still have a row behind it (a duplicate however it is
                    // told, a create that took effect before the error, a deleted row), and a
                    // refused role may mean the user is disabled: re-read before concluding. The
                    // refusal is reported, verbatim, only if the re-read does not explain it.
                    Purpose::Create | Purpose::Associate(_) => {
                        round.doubt = true;
                        if round.refused.is_none() {
                            round.refused =
                                Some((p.purpose.clone(), write_failure(&p.purpose, error)));
                        }
                    }
                    _ => round.fatal(write_failure(&p.purpose, error)),
                }
            }
            Verdict::Renew(audience) => {
                round.renew = Some(audience);
                round.doubt = true;
            }
            Verdict::Throttled(error) => {
                round.throttle(&error, self.options.retry.default_throttle_wait_ms);
                round.doubt = true;
            }
            // No answer in time, a dropped connection, a 5xx, or an answer too large to read:
            // the write may have taken effect. Re-read; never resend blindly.
            Verdict::Transient(_)
            | Verdict::Unusable(ApiError::Transport(TransportError::TooLarge { .. })) => {
                round.doubt = true;
                self.in_doubt.push(p.purpose.label());
            }
            Verdict::Unusable(error) => round.fatal(ProcedureError::Api {
                step: p.purpose.label(),
                remedy: error.remedy(),
                error,
            }),
        }
    }

    fn apply_effect(&mut self, purpose: &Purpose, resp: &HttpResponse, round: &mut Round) {
        match purpose {
            Purpose::Create => match (
                users::parse_created(resp),
                self.chosen.clone(),
                self.facts.root(),
            ) {
                (Ok(Some(id)), Some(app), Some(root)) => {
                    self.user = Some(AppUser {
                        id,
                        app_id: Some(app),
                        fullname: None,
                        isdisabled: false,
                        deletedstate: Some(0),
                        business_unit_id: Some(root.id.clone()),
                        roles: Vec::new(),
                    });
                }
                // Created but the id is not readable: find it by reading.
                _ => round.doubt = true,
            },
            Purpose::Enable | Purpose::Disable => {
                if let Some(u) = &mut self.user {
                    u.isdisabled = *purpose == Purpose::Disable;
                }
            }
            Purpose::Associate(role_id) => {
                let role = self.roles.iter().find(|r| &r.id == role_id).cloned();
                if let (Some(u), Some(role)) = (&mut self.user, role) {
                    if !u.roles.iter().any(|r| r.id == role.id) {
                        u.roles.push(role);
                    }
                }
            }
            Purpose::Disassociate(role_id) => {
                if let Some(u) = &mut self.user {
                    u.roles.retain(|r| &r.id != role_id);
                }
            }
            _ => {}
        }
    }

    /// After a round of writes: re-read if anything was doubtful, else go on from what we know.
    pub(super) fn after_writes(&mut self, now_ms: u64) -> Command {
        self.user_fresh = false;
        if self.reread {
            return self.start_reread(now_ms);
        }
        self.next_writes(now_ms)
    }

    fn start_reread(&mut self, now_ms: u64) -> Command {
        let Some(app) = self.chosen.clone() else {
            return self.fail(
                ProcedureError::NoProgress {
                    rounds: self.write_rounds,
                },
                now_ms,
            );
        };
        self.reread = false;
        self.phase = Phase::Reread;
        self.reread_users.clear();
        let req = self.dv.app_users(std::slice::from_ref(&app));
        self.send(vec![(Purpose::Reread, req)], Stage::Verify, now_ms)
    }

    pub(super) fn after_reread(&mut self, now_ms: u64) -> Command {
        let Some(app) = self.chosen.clone() else {
            return self.fail(
                ProcedureError::NoProgress {
                    rounds: self.write_rounds,
                },
                now_ms,
            );
        };
        let users = std::mem::take(&mut self.reread_users);
        // What the doubtful writes did is now known: it is in what was just read.
        self.in_doubt.clear();
        let (live, deleted) = assessment::users_of(&users, &app);
        let blocked = |reason: BlockReason, remedy: Remedy| Outcome::Stopped {
            assessment: Assessment::Blocked { reason, remedy },
        };
        match live.as_slice() {
            [] if self.options.mode == Mode::Undo => {
                self.user = None;
            }
            [] => {
                if let Some(d) = deleted.first() {
                    let o = blocked(
                        BlockReason::SoftDeletedAppUser {
                            user_id: d.id.clone(),
                        },
                        Remedy::PurgeDeletedAppUser,
                    );
                    return self.finish(o, now_ms);
                }
                self.user = None;
            }
            [one] => {
                let root = self.facts.root().map(|r| r.id.clone());
                if self.options.mode == Mode::Setup && one.business_unit_id != root {
                    let o = blocked(
                        BlockReason::AppUserOutsideRoot {
                            user_id: one.id.clone(),
                            business_unit_id: one.business_unit_id.clone(),
                        },
                        Remedy::MoveAppUserToRoot {
                            business_unit: one
                                .business_unit_id
                                .as_ref()
                                .map_or_else(|| "unknown".into(), ToString::to_string),
                        },
                    );
                    return self.finish(o, now_ms);
                }
                self.user = Some((*one).clone());
            }
            many => {
                let o = blocked(
                    BlockReason::SeveralAppUsers {
                        user_ids: many.iter().map(|u| u.id.clone()).collect(),
                    },
                    Remedy::ReadServiceMessage {
                        code: None,
                        message: "Several application users exist for one app.".into(),
                    },
                );
                return self.finish(o, now_ms);
            }
        }
        if let Some((purpose, error)) = self.refusal.take() {
            let explained = match &purpose {
                // A live row for the app: adopt it, whatever the create was told. Nothing found
                // after a refusal means the refusal stands: never create again blindly.
                Purpose::Create => self.user.is_some(),
                // The user is disabled (enable it, then assign), or holds the role after all.
                Purpose::Associate(role) => self
                    .user
                    .as_ref()
                    .is_some_and(|u| u.isdisabled || u.roles.iter().any(|r| &r.id == role)),
                _ => false,
            };
            if !explained {
                return self.fail(error, now_ms);
            }
        }
        self.user_fresh = true;
        self.next_writes(now_ms)
    }

    /// Undo begins: find the user, plan removals, confirm if asked.
    pub(super) fn undo_start(&mut self, now_ms: u64) -> Command {
        if !self.facts.caller_is_privileged() {
            let assessment = Assessment::CallerLacksPrivileges {
                remedy: Remedy::NotSystemAdministrator,
            };
            self.record.assessment = Some(assessment.clone());
            return self.finish(Outcome::Stopped { assessment }, now_ms);
        }
        if let (Some(app), Some(root)) = (self.chosen.clone(), self.facts.root()) {
            self.roles = assessment::resolve_roles(&self.target.preset, &self.facts, &root.id)
                .unwrap_or_default();
            let (live, _) = assessment::users_of(&self.facts.app_users, &app);
            self.user = live.first().map(|u| (*u).clone());
        } else if let Some(app) = self.chosen.clone() {
            let (live, _) = assessment::users_of(&self.facts.app_users, &app);
            self.user = live.first().map(|u| (*u).clone());
        }
        self.user_fresh = true;
        let plan = self.undo_plan();
        self.record.plan = Some(plan.clone());
        if self.options.confirm_plan && !plan.steps.is_empty() {
            self.phase = Phase::ConfirmPlan;
            return self.emit(Command::Prompt {
                prompt: Prompt::ConfirmUndo { plan },
            });
        }
        self.undo_writes(now_ms)
    }

    fn undo_plan(&self) -> Plan {
        let Some(u) = &self.user else {
            return Plan::default();
        };
        let preset = &self.target.preset;
        // Only the preset's roles, matched by name in any business unit; nothing else is touched.
        let mut steps: Vec<PlannedWrite> = u
            .roles
            .iter()
            .filter(|r| preset.roles.iter().any(|n| n.eq_ignore_ascii_case(&r.name)))
            .map(|r| PlannedWrite::RemoveRole {
                role_id: r.id.clone(),
                role_name: r.name.clone(),
            })
            .collect();
        if !u.isdisabled {
            steps.push(PlannedWrite::Disable {
                user_id: u.id.clone(),
            });
        }
        Plan { steps }
    }

    fn undo_writes(&mut self, now_ms: u64) -> Command {
        let Some(user) = self.user.clone() else {
            return self.finish(Outcome::Undone { evidence: None }, now_ms);
        };
        let plan = self.undo_plan();
        if plan.steps.is_empty() {
            return self.verified_or_reread(now_ms);
        }
        let Some(app) = user.app_id.clone().or_else(|| self.chosen.clone()) else {
            return self.fail(
                ProcedureError::NoProgress {
                    rounds: self.write_rounds,
                },
                now_ms,
            );
        };
        if !self.next_round() {
            return self.fail(
                ProcedureError::NoProgress {
                    rounds: self.write_rounds,
                },
                now_ms,
            );
        }
        // The reverse of setup's order: roles come off while the user is still enabled, and the
        // disable goes out in a later round, once no role is left to remove.
        let removals: Vec<PlannedWrite> = plan
            .steps
            .iter()
            .filter(|s| matches!(s, PlannedWrite::RemoveRole { .. }))
            .cloned()
            .collect();
        let plan = if removals.is_empty() {
            plan
        } else {
            Plan { steps: removals }
        };
        let reqs = self.requests_for(&plan, &user, &app);
        self.phase = Phase::Write;
        self.send(reqs, Stage::Undo, now_ms)
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
