//! Which data center's vendor app the tenant uses: told by the target, by what the
//! inspection found (one live user, one user at all, one consented app), or asked.

use crate::graph::Consent;
use crate::ids::AppId;
use crate::procedure::environment_run::Confirmation;
use crate::procedure::machine::Procedure;
use crate::procedure::prompt::{DataCenterOption, Prompt};
use crate::procedure::state::Phase;
use crate::procedure::types::Command;

impl Procedure {
    /// Picks the data center, asking only when the facts do not tell.
    pub(crate) fn decide(&mut self, now_ms: u64) -> Command {
        let told = self
            .target
            .data_center
            .clone()
            .or_else(|| self.obvious_data_center());
        if let Some(app) = told {
            return self.assess_and_go(app, now_ms);
        }
        let options: Vec<DataCenterOption> = self
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
        self.phase = Phase::ChooseDataCenter {
            options: options.clone(),
        };
        self.emit(Command::Prompt {
            prompt: Prompt::ChooseDataCenter { options },
        })
    }

    /// The admin chose one of the options offered.
    pub(crate) fn data_center_chosen(&mut self, app: AppId, now_ms: u64) -> Command {
        self.record.confirmations.push(Confirmation {
            what: "data center".into(),
            answer: app.as_str().into(),
            at_ms: now_ms,
        });
        self.assess_and_go(app, now_ms)
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
}
