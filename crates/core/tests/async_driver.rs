//! The async side: discovery paging over a scripted client, the generic driver with a virtual
//! clock, and the batch's bounded concurrency, progress and cancellation.

mod support;

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use support::model::{Model, ORIGIN};
use support::{answer_with_fault, fixture, target, Fault, ScriptedClient};
use w365_core::batch::{run_batch, BatchObserver, BatchProgress};
use w365_core::cloud::Cloud;
use w365_core::discovery::list_instances;
use w365_core::driver::{drive, Prompter};
use w365_core::http::{HttpClient, HttpRequest, HttpResponse, Method, TransportError};
use w365_core::preset::WORK365_US_APP_ID as US;
use w365_core::procedure::prompt::{Prompt, PromptAnswer};
use w365_core::procedure::{
    Command, Mode, Options, Outcome, Procedure, RunStage, RunView, StepStatus,
};
use w365_core::record::{EnvironmentRef, EnvironmentRun};
use w365_core::tenant_reads::TenantReads;

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn list_instances_follows_next_link_and_parses_every_field() {
    let disco = Cloud::Public.endpoints().discovery;
    let instances = format!("{disco}/api/discovery/v2.0/Instances");
    let client = ScriptedClient::new(vec![
        (
            Method::Get,
            &instances,
            HttpResponse::json(200, &fixture("discovery_instances_page1.json")),
        ),
        (
            Method::Get,
            &format!("{instances}?$skiptoken=page2"),
            HttpResponse::json(200, &fixture("discovery_instances_page2.json")),
        ),
    ]);
    let listed = list_instances(&client, &Cloud::Public).await.unwrap();
    let instances: Vec<_> = listed.iter().filter_map(|l| l.usable()).collect();
    assert_eq!(instances.len(), 2);
    assert_eq!(instances[0].friendly_name, "Contoso");
    assert_eq!(instances[0].is_user_sys_admin, Some(true));
    assert_eq!(
        instances[1].environment_id.as_str(),
        "a1b2c3d4-0000-4000-8000-000000000002",
        "ids are normalised"
    );
    assert_eq!(
        instances[1].origin(),
        "https://contoso-test.crm.dynamics.com"
    );
    let seen = client.seen.borrow();
    assert!(seen
        .iter()
        .all(|r| r.audience.as_deref() == Some(disco.as_str())));
    assert_eq!(seen[1].header("Prefer"), Some("odata.maxpagesize=500"));
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn list_instances_reports_html_error_pages_without_panicking() {
    let page = HttpResponse {
        status: 502,
        headers: vec![],
        body: b"<html>Bad Gateway</html>".to_vec(),
    };
    let instances = format!(
        "{}/api/discovery/v2.0/Instances",
        Cloud::Public.endpoints().discovery
    );
    let client = ScriptedClient::new(vec![(Method::Get, &instances, page)]);
    let err = list_instances(&client, &Cloud::Public).await.unwrap_err();
    assert_eq!(err.status(), Some(502));
    assert!(err.to_string().contains("Bad Gateway"));
}

/// Serves several environments from models; tracks which environments have requests in flight.
struct ModelClient {
    models: RefCell<Vec<(String, Model)>>,
    in_flight: RefCell<Vec<String>>,
    max_envs_in_flight: Cell<usize>,
    graph_requests: Cell<usize>,
}

impl ModelClient {
    fn new(origins: &[String]) -> Self {
        ModelClient {
            models: RefCell::new(
                origins
                    .iter()
                    .map(|o| (o.clone(), Model::fresh(US)))
                    .collect(),
            ),
            in_flight: RefCell::new(Vec::new()),
            max_envs_in_flight: Cell::new(0),
            graph_requests: Cell::new(0),
        }
    }
}

impl HttpClient for ModelClient {
    async fn send(&self, mut req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let origin = req.audience.clone().unwrap_or_default();
        if origin.contains("graph") {
            self.graph_requests.set(self.graph_requests.get() + 1);
        }
        self.in_flight.borrow_mut().push(origin.clone());
        let distinct: BTreeSet<String> = self
            .in_flight
            .borrow()
            .iter()
            .filter(|o| !o.contains("graph"))
            .cloned()
            .collect();
        self.max_envs_in_flight
            .set(self.max_envs_in_flight.get().max(distinct.len()));
        tokio::task::yield_now().await;
        let result = {
            let mut models = self.models.borrow_mut();
            let idx = models
                .iter()
                .position(|(o, _)| req.url.starts_with(o.as_str()))
                .unwrap_or(0);
            req.url = req.url.replacen(&models[idx].0, ORIGIN, 1);
            answer_with_fault(&mut models[idx].1, &req, Fault::None)
        };
        let mut f = self.in_flight.borrow_mut();
        if let Some(i) = f.iter().position(|o| o == &origin) {
            f.remove(i);
        }
        result
    }
}

/// Virtual time: tokio's paused clock (see `support::fake_time`).
use support::fake_time::PausedClock as VirtualClock;

#[derive(Default)]
struct Admin {
    cancel_after: Option<usize>,
    finished: Cell<usize>,
    prompts: RefCell<Vec<Prompt>>,
    commands: Cell<usize>,
    /// Environments in the order the batch reported them finished, with the progress count
    /// seen at that moment.
    reported: RefCell<Vec<(String, usize)>>,
    /// Every snapshot the driver delivered.
    views: RefCell<Vec<RunView>>,
}

impl Prompter for Admin {
    async fn ask(&self, _: &EnvironmentRef, prompt: &Prompt) -> PromptAnswer {
        self.prompts.borrow_mut().push(prompt.clone());
        support::agree(prompt)
    }
    async fn renew_sign_in(&self, _: &str) -> Result<(), String> {
        Ok(())
    }
    fn is_cancelled(&self) -> bool {
        self.cancel_after.is_some_and(|n| self.finished.get() >= n)
    }
    fn progress(&self, _: &EnvironmentRef, _: &Command) {
        self.commands.set(self.commands.get() + 1);
    }
    fn view(&self, _: &EnvironmentRef, view: &RunView) {
        self.views.borrow_mut().push(view.clone());
    }
}

impl BatchObserver for Admin {
    fn batch_progress(&self, p: &BatchProgress) {
        self.finished.set(p.finished);
    }
    fn environment_finished(&self, record: &EnvironmentRun) {
        self.reported
            .borrow_mut()
            .push((record.environment.url.clone(), self.finished.get()));
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn driver_runs_the_procedure_to_verified_with_prompts() {
    let client = ModelClient::new(&[ORIGIN.to_owned()]);
    let admin = Admin::default();
    let mut p = Procedure::new(target(), Options::default());
    let outcome = drive(&mut p, &client, &VirtualClock::default(), &admin).await;
    assert!(
        matches!(outcome, Outcome::Configured { already: false, .. }),
        "{outcome:?}"
    );
    assert_eq!(admin.prompts.borrow().len(), 5, "plan + four guide steps");
    assert!(client.models.borrow()[0].1.is_configured(US));
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn the_driver_delivers_the_run_s_snapshot_after_every_command() {
    let client = ModelClient::new(&[ORIGIN.to_owned()]);
    let admin = Admin::default();
    let mut p = Procedure::new(target(), Options::default());
    drive(&mut p, &client, &VirtualClock::default(), &admin).await;
    let views = admin.views.borrow();
    assert_eq!(
        views.len(),
        admin.commands.get(),
        "one snapshot per command"
    );
    assert_eq!(views[0].stage, RunStage::Inspect);
    let asked: Vec<RunStage> = views
        .iter()
        .filter(|v| v.question.is_some())
        .map(|v| v.stage)
        .collect();
    assert_eq!(asked[0], RunStage::ConfirmPlan);
    assert_eq!(&asked[1..], [RunStage::Guide; 4]);
    let last = views.last().expect("a snapshot");
    assert_eq!(last.stage, RunStage::Done);
    assert_eq!(last, &p.view());
    assert!(matches!(last.outcome, Some(Outcome::Configured { .. })));
    assert!(last.steps.iter().all(|s| s.status == StepStatus::Done));
    assert_eq!(last.steps.len(), 5, "inspect, create, two roles, verify");
}

/// Cancels the run while it is asking to confirm the plan, then answers "decline" as a
/// prompt woken by a cancel does.
struct CancelAtPlan(Cell<bool>);

impl Prompter for CancelAtPlan {
    async fn ask(&self, _: &EnvironmentRef, _: &Prompt) -> PromptAnswer {
        self.0.set(true);
        PromptAnswer::Decline
    }
    async fn renew_sign_in(&self, _: &str) -> Result<(), String> {
        Ok(())
    }
    fn is_cancelled(&self) -> bool {
        self.0.get()
    }
    fn progress(&self, _: &EnvironmentRef, _: &Command) {}
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_cancel_while_the_plan_is_asked_ends_the_run_cancelled_not_declined() {
    let client = ModelClient::new(&[ORIGIN.to_owned()]);
    let mut p = Procedure::new(target(), Options::default());
    let outcome = drive(
        &mut p,
        &client,
        &VirtualClock::default(),
        &CancelAtPlan(Cell::new(false)),
    )
    .await;
    assert_eq!(outcome, Outcome::Cancelled);
    assert!(p.record().confirmations.is_empty(), "no answer is recorded");
    assert!(!client.models.borrow()[0].1.is_configured(US));
}

fn procedures(origins: &[String]) -> Vec<Procedure> {
    origins
        .iter()
        .map(|o| {
            let mut t = target();
            t.environment = EnvironmentRef {
                id: None,
                name: o.clone(),
                url: o.clone(),
            };
            Procedure::new(t, Options::unattended(Mode::Setup))
        })
        .collect()
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn batch_is_bounded_independent_and_reports_progress() {
    let origins: Vec<String> = (0..10)
        .map(|i| format!("https://env{i}.crm.dynamics.com"))
        .collect();
    let client = ModelClient::new(&origins);
    // One environment is stuck (Work 365 too old): it must not stop the others.
    client.models.borrow_mut()[3].1.solution_version = Some("3.4.0".into());
    let admin = Admin::default();
    let records = run_batch(
        procedures(&origins),
        &client,
        &VirtualClock::default(),
        &admin,
        &admin,
        3,
    )
    .await;
    assert_eq!(records.len(), 10);
    assert_eq!(
        records
            .iter()
            .map(|r| r.environment.url.clone())
            .collect::<Vec<_>>(),
        origins,
        "input order kept"
    );
    let configured = records
        .iter()
        .filter(|r| matches!(r.outcome, Some(Outcome::Configured { .. })))
        .count();
    assert_eq!(configured, 9);
    assert!(matches!(records[3].outcome, Some(Outcome::Stopped { .. })));
    assert!(
        client.max_envs_in_flight.get() <= 3,
        "{}",
        client.max_envs_in_flight.get()
    );
    assert!(client.max_envs_in_flight.get() >= 2, "runs overlap");
    assert_eq!(admin.finished.get(), 10);
    // Each environment is reported once, as it finishes, before the progress counts it.
    let reported = admin.reported.borrow();
    let mut urls: Vec<_> = reported.iter().map(|(u, _)| u.clone()).collect();
    urls.sort();
    let mut expected = origins.clone();
    expected.sort();
    assert_eq!(urls, expected);
    assert!(reported.iter().enumerate().all(|(i, (_, seen))| *seen == i));
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_batch_through_tenant_reads_asks_graph_once_per_question() {
    let origins: Vec<String> = (0..10)
        .map(|i| format!("https://env{i}.crm.dynamics.com"))
        .collect();
    let alone = ModelClient::new(&origins);
    let admin = Admin::default();
    run_batch(
        procedures(&origins),
        &alone,
        &VirtualClock::default(),
        &admin,
        &admin,
        4,
    )
    .await;
    let per_environment = alone.graph_requests.get() / origins.len();
    assert!(per_environment >= 1, "the procedure asks Graph");

    let client = ModelClient::new(&origins);
    let shared = TenantReads::new(&client, &[&support::model::graph()]);
    let records = run_batch(
        procedures(&origins),
        &shared,
        &VirtualClock::default(),
        &admin,
        &admin,
        4,
    )
    .await;
    assert!(records
        .iter()
        .all(|r| matches!(r.outcome, Some(Outcome::Configured { already: false, .. }))));
    assert_eq!(
        client.graph_requests.get(),
        per_environment,
        "one request per distinct question"
    );
    assert_eq!(shared.known(), per_environment);
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn batch_cancellation_starts_nothing_new_and_records_the_rest_as_cancelled() {
    let origins: Vec<String> = (0..8)
        .map(|i| format!("https://env{i}.crm.dynamics.com"))
        .collect();
    let client = ModelClient::new(&origins);
    let admin = Admin {
        cancel_after: Some(2),
        ..Admin::default()
    };
    let records = run_batch(
        procedures(&origins),
        &client,
        &VirtualClock::default(),
        &admin,
        &admin,
        2,
    )
    .await;
    assert_eq!(records.len(), 8);
    let cancelled = records
        .iter()
        .filter(|r| r.outcome == Some(Outcome::Cancelled))
        .count();
    assert!(cancelled >= 4, "{cancelled}");
    // Cancelled environments that never started wrote nothing.
    for (r, (_, m)) in records.iter().zip(client.models.borrow().iter()) {
        if r.outcome == Some(Outcome::Cancelled) && r.round_trips == 0 {
            assert!(m.audit.is_empty());
        }
    }
}
