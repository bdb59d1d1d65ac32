//! Undo: the preset's roles come off the application user, then it is disabled — the
//! reverse of setup's order — and the result is read back. Nothing else is touched.

use crate::error::Remedy;
use crate::ids::AppId;
use crate::procedure::decide::assess;
use crate::procedure::decide::assessment::{Assessment, Plan, PlannedWrite};
use crate::procedure::environment_run::Stage;
use crate::procedure::machine::Procedure;
use crate::procedure::state::{Job, Work};
use crate::procedure::types::{Command, Outcome};

impl Procedure {
    /// Undo begins: find the user, plan removals, confirm if asked.
    pub(crate) fn undo_start(&mut self, app: AppId, now_ms: u64) -> Command {
        if !self.facts.caller_is_privileged() {
            let assessment = Assessment::CallerLacksPrivileges {
                remedy: Remedy::NotSystemAdministrator,
            };
            self.record.assessment = Some(assessment.clone());
            return self.finish(Outcome::Stopped { assessment }, now_ms);
        }
        // The roles in the root business unit, when there is one, only to tell the evidence
        // which preset roles the user still holds.
        let roles = self
            .facts
            .root()
            .and_then(|root| assess::resolve_roles(&self.target.preset, &self.facts, &root.id).ok())
            .unwrap_or_default();
        let (live, _) = assess::users_of(&self.facts.app_users, &app);
        let user = live.first().map(|u| (*u).clone());
        let work = Work::new(app, Job::Undo { roles }, user);
        let plan = self.undo_plan(&work);
        self.set_plan(plan.clone());
        if self.options.confirm_plan && !plan.steps.is_empty() {
            return self.ask_to_confirm(work, plan);
        }
        self.undo_writes(work, now_ms)
    }

    fn undo_plan(&self, work: &Work) -> Plan {
        let Some(u) = &work.user else {
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

    /// The next round of undo's writes, or the read-back once none is left.
    pub(crate) fn undo_writes(&mut self, work: Work, now_ms: u64) -> Command {
        let Some(user) = work.user.clone() else {
            return self.finish(Outcome::Undone { evidence: None }, now_ms);
        };
        let plan = self.undo_plan(&work);
        if plan.steps.is_empty() {
            return self.verified_or_reread(work, now_ms);
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
        let reqs = self.requests_for(&plan, &user, &work);
        self.send_writes(work, reqs, Stage::Undo, now_ms)
    }
}
