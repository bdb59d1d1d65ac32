//! A run sleeping through a `Retry-After` does not hold its batch slot: another environment
//! starts during the wait, the environments sending at once stay bounded, and each
//! environment's own requests stay within the procedure's six.

mod support;

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};

use support::fake_time::PausedClock;
use support::model::{Model, ORIGIN};
use support::{answer_with_fault, target, Fault};
use w365_core::batch::run_batch;
use w365_core::driver::Prompter;
use w365_core::http::{HttpClient, HttpRequest, HttpResponse, TransportError};
use w365_core::preset::WORK365_US_APP_ID as US;
use w365_core::procedure::prompt::{Prompt, PromptAnswer};
use w365_core::procedure::{Mode, Options, Outcome, Procedure};
use w365_core::record::EnvironmentRef;

/// Each environment's tenant, throttling the first request of the listed ones once.
struct Tenants<'a> {
    clock: &'a PausedClock,
    models: RefCell<Vec<(String, Model)>>,
    throttle_once: RefCell<BTreeSet<String>>,
    /// When each environment sent its first request (virtual ms).
    first_request: RefCell<BTreeMap<String, u64>>,
    in_flight: RefCell<Vec<String>>,
    max_envs_sending: Cell<usize>,
    max_per_env: Cell<usize>,
}

impl<'a> Tenants<'a> {
    fn new(clock: &'a PausedClock, origins: &[String], throttled: &[&String]) -> Self {
        Tenants {
            clock,
            models: RefCell::new(
                origins
                    .iter()
                    .map(|o| (o.clone(), Model::fresh(US)))
                    .collect(),
            ),
            throttle_once: RefCell::new(throttled.iter().map(|o| (*o).clone()).collect()),
            first_request: RefCell::default(),
            in_flight: RefCell::default(),
            max_envs_sending: Cell::new(0),
            max_per_env: Cell::new(0),
        }
    }
}

impl HttpClient for Tenants<'_> {
    async fn send(&self, mut req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let origin = req.audience.clone().unwrap_or_default();
        let graph = origin.contains("graph");
        if !graph {
            self.first_request
                .borrow_mut()
                .entry(origin.clone())
                .or_insert(self.clock.elapsed_ms());
            self.in_flight.borrow_mut().push(origin.clone());
            let f = self.in_flight.borrow();
            let distinct: BTreeSet<&String> = f.iter().collect();
            self.max_envs_sending
                .set(self.max_envs_sending.get().max(distinct.len()));
            let mine = f.iter().filter(|o| **o == origin).count();
            self.max_per_env.set(self.max_per_env.get().max(mine));
        }
        // Every answer takes 100 ms, like the bench's latency.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let fault = if !graph && self.throttle_once.borrow_mut().remove(&origin) {
            Fault::Throttle(2)
        } else {
            Fault::None
        };
        let result = {
            let mut models = self.models.borrow_mut();
            let idx = models
                .iter()
                .position(|(o, _)| req.url.starts_with(o.as_str()))
                .unwrap_or(0);
            req.url = req.url.replacen(&models[idx].0, ORIGIN, 1);
            answer_with_fault(&mut models[idx].1, &req, fault)
        };
        if !graph {
            let mut f = self.in_flight.borrow_mut();
            if let Some(i) = f.iter().position(|o| *o == origin) {
                f.remove(i);
            }
        }
        result
    }
}

struct Admin;

impl Prompter for Admin {
    async fn ask(&self, _: &EnvironmentRef, prompt: &Prompt) -> PromptAnswer {
        support::agree(prompt)
    }
    async fn renew_sign_in(&self, _: &str) -> Result<(), String> {
        Ok(())
    }
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

fn origins(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("https://env{i}.crm.dynamics.com"))
        .collect()
}

fn all_configured(records: &[w365_core::record::EnvironmentRun]) -> bool {
    records
        .iter()
        .all(|r| matches!(r.outcome, Some(Outcome::Configured { .. })))
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_throttled_run_lets_the_next_environment_start_during_its_wait() {
    let clock = PausedClock::new();
    let origins = origins(2);
    let tenants = Tenants::new(&clock, &origins, &[&origins[0]]);
    // One slot: before, the second environment started only when the first had finished,
    // after its 2 s wait.
    let records = run_batch(procedures(&origins), &tenants, &clock, &Admin, &(), 1).await;
    assert!(all_configured(&records), "{records:?}");
    let first = tenants.first_request.borrow();
    assert_eq!(first[&origins[0]], 0);
    let second = first[&origins[1]];
    assert!(
        second < 2_000,
        "the second environment started {second} ms in, during the first one's 2 s wait"
    );
    assert_eq!(
        tenants.max_envs_sending.get(),
        1,
        "still one environment sending at once"
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_storm_costs_one_wait_not_a_wait_per_wave_and_stays_bounded() {
    let clock = PausedClock::new();
    let origins = origins(12);
    let throttled: Vec<&String> = origins.iter().collect();
    let storm = Tenants::new(&clock, &origins, &throttled);
    let records = run_batch(procedures(&origins), &storm, &clock, &Admin, &(), 4).await;
    let stormy = clock.elapsed_ms();
    assert!(all_configured(&records), "{records:?}");
    assert!(
        storm.max_envs_sending.get() <= 4,
        "{}",
        storm.max_envs_sending.get()
    );

    let clock = PausedClock::new();
    let calm = Tenants::new(&clock, &origins, &[]);
    let records = run_batch(procedures(&origins), &calm, &clock, &Admin, &(), 4).await;
    let calm_ms = clock.elapsed_ms();
    assert!(all_configured(&records));
    // The slots leave each environment's own concurrency as the procedure makes it.
    assert_eq!(storm.max_per_env.get(), calm.max_per_env.get());
    // Three waves of four: holding slots through the waits cost 3 × 2 s; now the waits
    // overlap the other environments' work.
    assert!(
        stormy < calm_ms + 2 * 2_000,
        "storm {stormy} ms against {calm_ms} ms without throttling"
    );
}
