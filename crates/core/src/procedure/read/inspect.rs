//! Inspection, round by round. Everything goes out in the first round: the caller's roles
//! come with the caller's own row (found by `EqualUserId`, no id needed) and the service
//! role's holders with the roles (`$expand`). A second round follows only when needed: the
//! caller's roles by `WhoAmI`'s id if the first round did not give them, or the privilege
//! checks when no direct System Administrator role was seen. Nothing here writes.

use crate::dataverse::whoami::NEEDED_PRIVILEGES;
use crate::graph;
use crate::ids::AppId;
use crate::procedure::environment_run::Stage;
use crate::procedure::machine::Procedure;
use crate::procedure::purpose::Purpose;
use crate::procedure::read::inspection::FirstRound;
use crate::procedure::state::{InspectRound, Phase};
use crate::procedure::target::Mode;
use crate::procedure::types::Command;

impl Procedure {
    /// The first round of reads.
    pub(crate) fn inspect(&mut self, now_ms: u64) -> Command {
        self.phase = Phase::Inspect(InspectRound::First(FirstRound::default()));
        let preset = &self.target.preset;
        let apps: Vec<AppId> = match &self.target.data_center {
            Some(a) => vec![a.clone()],
            None => preset
                .data_centers
                .iter()
                .map(|d| d.app_id.clone())
                .collect(),
        };
        // The licensed service account the app user replaces holds the service role: its
        // holders come with the roles. Informational; not for undo.
        let roles = if self.options.mode == Mode::Undo {
            self.dv.roles_named(&preset.roles)
        } else {
            self.dv.roles_named_with_holders(&preset.roles)
        };
        let mut reqs = vec![
            (Purpose::WhoAmI, self.dv.who_am_i()),
            (Purpose::CurrentUserRoles, self.dv.current_user_roles()),
            (Purpose::RootBusinessUnit, self.dv.root_business_unit()),
            (Purpose::Roles, roles),
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
        let caller_roles_known = match round {
            InspectRound::First(first) => self.facts.settle_first_round(&self.target.preset, first),
            InspectRound::CallerById => true,
            InspectRound::Privileges => return self.decide(now_ms),
        };
        if !caller_roles_known {
            return self.inspect_caller_by_id(now_ms);
        }
        if self.facts.caller_is_privileged() || self.options.mode == Mode::Undo {
            self.decide(now_ms)
        } else {
            self.inspect_privileges(now_ms)
        }
    }

    /// The caller's roles the way that needs its id, when the first round did not give them.
    fn inspect_caller_by_id(&mut self, now_ms: u64) -> Command {
        let Some(who) = &self.facts.caller else {
            return self.after_inspect(InspectRound::CallerById, now_ms);
        };
        let req = self.dv.caller_roles(&who.user_id);
        self.phase = Phase::Inspect(InspectRound::CallerById);
        self.send(vec![(Purpose::CallerRoles, req)], Stage::Inspect, now_ms)
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
