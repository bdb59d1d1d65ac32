//! What the procedure knows, phase by phase. Each phase carries its own data, so a phase
//! cannot be entered without what it needs: there are writes only with an app, a user's
//! business unit and its roles; a guide only with the evidence it shows.

use super::decide::assessment::{Evidence, Plan};
use super::prompt::DataCenterOption;
use super::purpose::Purpose;
use super::read::inspection::FirstRound;
use super::retry::Jitter;
use super::types::{Command, ProcedureError, RequestId};
use crate::dataverse::roles::Role;
use crate::dataverse::users::AppUser;
use crate::http::HttpRequest;
use crate::ids::{AppId, BusinessUnitId};

/// Where the run is.
#[derive(Debug, Clone)]
pub(crate) enum Phase {
    /// Nothing asked yet.
    NotStarted,
    /// Reading the environment; the round says which read.
    Inspect(InspectRound),
    /// Asking which data center the tenant uses: one of these.
    ChooseDataCenter { options: Vec<DataCenterOption> },
    /// Asking the admin to confirm `plan` (setup or undo, as `work` says).
    Confirm { work: Work, plan: Plan },
    /// Asking for the environment's write lock before the first write; since when it waits for
    /// another tab (`None`: asked without waiting).
    Lock {
        work: Work,
        waiting_since: Option<u64>,
    },
    /// Writes are out (or their answers are being waited out).
    Write(Work),
    /// Reading the application user back; the rows read so far.
    Reread { work: Work, users: Vec<AppUser> },
    /// Verified; guiding the vendor's switch at step `index`.
    Guide {
        index: usize,
        app: AppId,
        evidence: Evidence,
    },
    /// Over.
    Done,
}

/// The inspection's rounds of reads.
#[derive(Debug, Clone)]
pub(crate) enum InspectRound {
    /// Everything that needs no earlier answer; what it read only to draw on at its end.
    First(FirstRound),
    /// The caller's roles by `WhoAmI`'s id, when the first round's read of the caller's own
    /// row did not give them.
    CallerById,
    /// The caller's privileges, when no direct System Administrator role was seen.
    Privileges,
}

/// What the writing half works on, decided once before its first write.
#[derive(Debug, Clone)]
pub(crate) struct Work {
    /// The vendor app whose application user is written.
    pub app: AppId,
    /// Setup or undo, with what each needs.
    pub job: Job,
    /// The application user as last known (`None`: there is none).
    pub user: Option<AppUser>,
    /// `user` is what was just read, not only what accepted writes imply.
    pub fresh: bool,
    /// An answer left a write's effect in doubt: re-read before acting again.
    pub reread: bool,
    /// The writes whose effect is in doubt until the next re-read (labels, for a cancel).
    pub in_doubt: Vec<String>,
    /// A refused create or role assignment, reported only if the re-read does not explain it.
    pub refusal: Option<(Purpose, ProcedureError)>,
    /// Rounds of writes sent so far.
    pub rounds: u32,
}

impl Work {
    /// Work on `user` (as just read) for `app`.
    pub fn new(app: AppId, job: Job, user: Option<AppUser>) -> Work {
        Work {
            app,
            job,
            user,
            fresh: true,
            reread: false,
            in_doubt: Vec::new(),
            refusal: None,
            rounds: 0,
        }
    }

    /// Whether this is an undo.
    pub fn is_undo(&self) -> bool {
        matches!(self.job, Job::Undo { .. })
    }

    /// The preset's roles as resolved in the root business unit (for the evidence).
    pub fn roles(&self) -> &[Role] {
        match &self.job {
            Job::Setup { roles, .. } | Job::Undo { roles } => roles,
        }
    }
}

/// What the writes are for.
#[derive(Debug, Clone)]
pub(crate) enum Job {
    /// The user enabled, in `root`, holding `roles`.
    Setup {
        root: BusinessUnitId,
        roles: Vec<Role>,
    },
    /// The preset's roles removed from the user, then the user disabled (`roles`: the preset's
    /// roles in the root business unit, when it could be told, for the evidence).
    Undo { roles: Vec<Role> },
}

/// A request sent and not answered yet (or to send again).
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub id: RequestId,
    pub purpose: Purpose,
    pub request: HttpRequest,
    pub attempt: u32,
    pub sent_at_ms: u64,
    /// Which page of its listing this is (1 for the first request).
    pub page: u32,
}

/// The traffic's bookkeeping: requests out, reads to send again, renewals and waits so far.
#[derive(Debug, Clone)]
pub(crate) struct Wire {
    pub next_id: u32,
    pub inflight: Vec<Pending>,
    /// Reads to send again after a wait or a sign-in renewal.
    pub carry: Vec<Pending>,
    /// Audiences renewed once already.
    pub renewed: Vec<String>,
    pub throttle_waits: u32,
    pub jitter: Jitter,
    /// The last command yielded: what the run waits for.
    pub last: Option<Command>,
}

impl Wire {
    /// Nothing sent yet; backoff jitter from `jitter`.
    pub fn new(jitter: Jitter) -> Wire {
        Wire {
            next_id: 0,
            inflight: Vec::new(),
            carry: Vec::new(),
            renewed: Vec::new(),
            throttle_waits: 0,
            jitter,
            last: None,
        }
    }

    /// A fresh request id.
    pub fn next_id(&mut self) -> RequestId {
        self.next_id += 1;
        RequestId(self.next_id)
    }
}
