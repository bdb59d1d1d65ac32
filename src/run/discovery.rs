//! Discovery, the first read after sign-in: the environments the admin can reach, then every
//! one of them inspected (read-only), a few at a time, filling its row in as it finishes.

use std::future::IntoFuture;
use std::rc::Rc;

use leptos::prelude::*;
use w365_core::cloud::Cloud;
use w365_core::discovery::{list_instances, Listed};
use w365_core::driver::WithTimeout;
use w365_core::ids::EnvironmentId;

use super::assess::assess_all;
use super::cancel::Cancel;
use super::clock::BrowserClock;
use super::policy;
use super::resume::{offer_stored_runs, StoredUnfinished};
use super::session::{Discovered, EnvRow, Screen, Session};
use crate::api::transport::BrowserTransport;

/// Lists the environments (the discovery service's `Instances`, given up after the read
/// timeout). One row the client cannot use never takes the list down: it is listed with the
/// reason. `Err` is the message with its remedy; `cancel` drops the request (aborting it).
pub async fn discover(
    transport: BrowserTransport,
    cloud: Cloud,
    cancel: Rc<Cancel>,
) -> Result<Discovered, String> {
    let within = WithTimeout::new(&transport, BrowserClock, policy::retry().read_timeout_ms);
    let listed = cancel
        .or_cancelled(list_instances(&within, &cloud))
        .await
        .ok_or_else(|| "Listing the environments was stopped.".to_owned())?
        .map_err(|e| format!("{e}. {}", e.remedy().text()))?;
    let mut rows = Vec::new();
    let mut unusable = Vec::new();
    for entry in listed {
        match entry {
            // Its signals belong to the discovery resource's owner, i.e. to the workspace.
            Listed::Usable(instance) => rows.push(EnvRow::new(instance)),
            Listed::Unusable(u) => unusable.push(u),
        }
    }
    Ok(Discovered { rows, unusable })
}

/// Once discovery has listed: offers the runs a reload left unfinished, opens the environment
/// the page was opened for (`?env=`), then inspects every row.
pub async fn after_discovery(
    session: Session,
    stored: Vec<StoredUnfinished>,
    preselected: Option<EnvironmentId>,
    cancel: Rc<Cancel>,
) {
    let Some(Ok(found)) = cancel.or_cancelled(session.discovery.into_future()).await else {
        return;
    };
    let list = found.rows;
    session.announce(format!(
        "{} environments found; inspecting them.",
        list.len()
    ));
    offer_stored_runs(session, &stored, &list);
    // Both ids are canonical (`Default-`, lowercase GUIDs): the admin center's link matches
    // discovery's id whatever case either was written in.
    if let Some(row) = preselected.and_then(|id| list.iter().find(|r| *r.id() == id)) {
        session.screen.try_set(Screen::Environment {
            id: row.id().clone(),
            resume: None,
        });
    }
    let transport = session.transport.get_value();
    let endpoints = session.endpoints.get_value();
    assess_all(list, transport, endpoints, cancel.clone()).await;
    if !cancel.is_cancelled() {
        session.announce("Every environment has been inspected.");
    }
}
