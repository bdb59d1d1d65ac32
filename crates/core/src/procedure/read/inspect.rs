//! Inspection, round by round: everything that needs no earlier answer goes out at once; what
//! needs an id from those answers follows; the privilege checks only when no direct System
//! Administrator role was seen. Nothing here writes.

use crate::dataverse::whoami::NEEDED_PRIVILEGES;
use crate::graph;
use crate::ids::AppId;
use crate::procedure::environment_run::Stage;
use crate::procedure::machine::Procedure;
use crate::procedure::purpose::Purpose;
use crate::procedure::state::{InspectRound, Phase};
use crate::procedure::target::Mode;
use crate::procedure::types::Command;

impl Procedure {
    /// The first round of reads.
    pub(crate) fn inspect(&mut self, now_ms: u64) -> Command {
        self.phase = Phase::Inspect(InspectRound::First);
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

    /// A round of reads is complete: the next round, or the decision.
    pub(crate) fn after_inspect(&mut self, round: InspectRound, now_ms: u64) -> Command {
        match round {
            InspectRound::First => self.inspect_caller(now_ms),
            InspectRound::Caller
                if self.facts.caller_is_privileged() || self.options.mode == Mode::Undo =>
            {
                self.decide(now_ms)
            }
            InspectRound::Caller => self.inspect_privileges(now_ms),
            InspectRound::Privileges => self.decide(now_ms),
        }
    }

    fn inspect_caller(&mut self, now_ms: u64) -> Command {
        self.phase = Phase::Inspect(InspectRound::Caller);
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
            return self.after_inspect(InspectRound::Caller, now_ms);
        }
        self.send(reqs, Stage::Inspect, now_ms)
    }

    fn inspect_privileges(&mut self, now_ms: u64) -> Command {
        let Some(who) = self.facts.caller.clone() else {
            return self.decide(now_ms);
        };
        self.phase = Phase::Inspect(InspectRound::Privileges);
        let reqs = NEEDED_PRIVILEGES
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
}
