//! The tenant emulator: one HTTPS server that behaves as Microsoft documents
//! Entra ID sign-in, the Global Discovery Service, the Dataverse Web API and
//! Microsoft Graph, so that real MSAL.js and the app run against it.
//!
//! ```no_run
//! use w365_emulator::{Emulator, Options};
//! let emu = Emulator::spawn(Options::default()).expect("emulator starts");
//! println!("{}", emu.base_url());
//! ```

pub mod admin_center;
pub mod auth;
pub mod cert;
pub mod clouds;
pub mod control;
pub mod cors;
pub mod dataverse;
pub mod discovery;
pub mod faults;
pub mod graph;
pub mod headers_file;
pub mod http;
pub mod identity;
pub mod ids;
pub mod jwt;
pub mod log;
pub mod odata;
pub mod routing;
pub mod scenario;
pub mod served;
pub mod server;
pub mod settings;
pub mod state;
pub mod static_files;
pub mod world;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use tokio::sync::oneshot;

pub use scenario::{ScenarioError, ScenarioSource};

/// How to start the emulator.
#[derive(Debug, Clone)]
pub struct Options {
    /// A shipped scenario name or a path to a scenario file.
    pub scenario: ScenarioSource,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Delay added to every Microsoft endpoint.
    pub latency_ms: u64,
    /// Directory served as the app in custom-base-URL mode.
    pub static_dir: Option<PathBuf>,
    /// File served as `/config.json`.
    pub app_config: Option<PathBuf>,
    /// Lifetime of issued access tokens.
    pub token_lifetime_secs: i64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            scenario: ScenarioSource::default(),
            port: 0,
            latency_ms: 0,
            static_dir: None,
            app_config: None,
            token_lifetime_secs: 3600,
        }
    }
}

impl Options {
    /// Options for a shipped scenario, everything else default.
    pub fn scenario(name: &str) -> Self {
        Options {
            scenario: ScenarioSource::parse(name),
            ..Options::default()
        }
    }
}

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error("cannot bind 127.0.0.1:{port}: {source}")]
    Bind { port: u16, source: std::io::Error },
    #[error("cannot start the runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot set up keys or certificate: {0}")]
    Crypto(String),
}

/// The emulator's entry point.
pub struct Emulator;

impl Emulator {
    /// Starts the emulator on its own thread and runtime; returns once it listens.
    pub fn spawn(options: Options) -> Result<RunningEmulator, Error> {
        let tenant = scenario::load(&options.scenario)?;
        jwt::signer().map_err(Error::Crypto)?;
        let tls = cert::server_config().map_err(Error::Crypto)?;
        let listener =
            std::net::TcpListener::bind(("127.0.0.1", options.port)).map_err(|source| {
                Error::Bind {
                    port: options.port,
                    source,
                }
            })?;
        listener.set_nonblocking(true).map_err(Error::Runtime)?;
        let port = listener.local_addr().map_err(Error::Runtime)?.port();
        let served = Arc::new(routing::Served {
            world: Mutex::new(world::World::new(tenant, options.scenario.clone())),
            settings: settings::Settings {
                port,
                latency_ms: options.latency_ms,
                static_dir: options.static_dir.clone(),
                app_config: options.app_config.clone(),
                token_lifetime_secs: options.token_lifetime_secs,
            },
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .thread_name("w365-emulator")
            .build()
            .map_err(Error::Runtime)?;
        let (tx, rx) = oneshot::channel();
        let serving = served.clone();
        let thread = std::thread::Builder::new()
            .name("w365-emulator".into())
            .spawn(move || {
                runtime.block_on(async move {
                    match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => {
                            let handle = move |req| routing::route(serving.clone(), req);
                            server::serve(l, tls, rx, handle).await
                        }
                        Err(e) => eprintln!("w365-emulator: cannot listen: {e}"),
                    }
                });
                runtime.shutdown_background();
            })
            .map_err(Error::Runtime)?;
        Ok(RunningEmulator {
            port,
            served,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }
}

/// A running emulator; dropping it stops the server.
pub struct RunningEmulator {
    port: u16,
    served: Arc<routing::Served>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl RunningEmulator {
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `https://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// A signed access token, as the token endpoint would mint it.
    pub fn mint_token(&self, user_upn: &str, resource: &str, scopes: &[&str]) -> String {
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        match self.served.world.lock() {
            Ok(w) => control::mint(
                &w.tenant,
                user_upn,
                resource,
                &scopes,
                self.served.settings.token_lifetime_secs,
            )
            .unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Adds faults as `POST /_emulator/faults` does: one fault or an array, as JSON.
    pub fn inject_faults(&self, faults: serde_json::Value) -> Result<(), String> {
        let items = match faults {
            serde_json::Value::Array(items) => items,
            one => vec![one],
        };
        let parsed = items
            .into_iter()
            .map(|v| serde_json::from_value::<faults::Fault>(v).map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        let mut w = self
            .served
            .world
            .lock()
            .map_err(|_| "the emulator's state is poisoned".to_owned())?;
        w.faults.extend(parsed);
        Ok(())
    }

    /// The same document as `GET /_emulator/state`.
    pub fn state_json(&self) -> serde_json::Value {
        match self.served.world.lock() {
            Ok(w) => control::state_json(&w),
            Err(_) => serde_json::Value::Null,
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
