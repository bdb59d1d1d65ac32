//! Verify: the application user read back. After every doubtful answer it is read before
//! anything else is written; at the end its read-back is the evidence. A refused write is
//! reported only if the read-back does not explain it (a live row is adopted, never created
//! twice).

use crate::dataverse::users::AppUser;
use crate::error::Remedy;
use crate::procedure::decide::assess;
use crate::procedure::decide::assessment::{Assessment, BlockReason};
use crate::procedure::environment_run::Stage;
use crate::procedure::machine::Procedure;
use crate::procedure::purpose::Purpose;
use crate::procedure::state::{Job, Phase, Work};
use crate::procedure::types::{Command, Outcome};

impl Procedure {
    /// Nothing left to write: done if the state was just read, else read it back first.
    pub(crate) fn verified_or_reread(&mut self, work: Work, now_ms: u64) -> Command {
        let Some(user) = work.user.as_ref().filter(|_| work.fresh) else {
            return self.start_reread(work, now_ms);
        };
        let evidence = assess::evidence_of(
            user,
            &work.app,
            &self.target.preset,
            &self.facts,
            work.roles(),
            now_ms,
        );
        self.record.evidence = Some(evidence.clone());
        if work.is_undo() {
            return self.finish(
                Outcome::Undone {
                    evidence: Some(evidence),
                },
                now_ms,
            );
        }
        self.start_guide_or_finish(work.app, evidence, now_ms)
    }

    /// Reads the application user of the chosen app again.
    pub(crate) fn start_reread(&mut self, mut work: Work, now_ms: u64) -> Command {
        work.reread = false;
        let req = self.dv.app_users(std::slice::from_ref(&work.app));
        self.phase = Phase::Reread {
            work,
            users: Vec::new(),
        };
        self.send(vec![(Purpose::Reread, req)], Stage::Verify, now_ms)
    }

    /// The user as just read: stop when it is not one this tool may write to, else go on.
    pub(crate) fn after_reread(
        &mut self,
        mut work: Work,
        users: Vec<AppUser>,
        now_ms: u64,
    ) -> Command {
        // What the doubtful writes did is now known: it is in what was just read.
        work.in_doubt.clear();
        let (live, deleted) = assess::users_of(&users, &work.app);
        let blocked = |reason: BlockReason, remedy: Remedy| Outcome::Stopped {
            assessment: Assessment::Blocked { reason, remedy },
        };
        match (live.as_slice(), &work.job) {
            ([], Job::Undo { .. }) => work.user = None,
            ([], Job::Setup { .. }) => {
                if let Some(d) = deleted.first() {
                    let o = blocked(
                        BlockReason::SoftDeletedAppUser {
                            user_id: d.id.clone(),
                        },
                        Remedy::PurgeDeletedAppUser,
                    );
                    return self.finish(o, now_ms);
                }
                work.user = None;
            }
            ([one], Job::Setup { root, .. }) if one.business_unit_id.as_ref() != Some(root) => {
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
            ([one], _) => work.user = Some((*one).clone()),
            (many, _) => {
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
        if let Some((purpose, error)) = work.refusal.take() {
            let explained = match &purpose {
                // A live row for the app: adopt it, whatever the create was told. Nothing found
                // after a refusal means the refusal stands: never create again blindly.
                Purpose::Create => work.user.is_some(),
                // The user is disabled (enable it, then assign), or holds the role after all.
                Purpose::Associate { role_id, .. } => work
                    .user
                    .as_ref()
                    .is_some_and(|u| u.isdisabled || u.roles.iter().any(|r| &r.id == role_id)),
                _ => false,
            };
            if !explained {
                return self.fail(error, now_ms);
            }
        }
        work.fresh = true;
        self.next_writes(work, now_ms)
    }
}
