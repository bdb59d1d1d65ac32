//! `w365-emulator`: serves a scenario until killed.

use std::io::Write;
use std::path::PathBuf;

use clap::Parser;
use w365_emulator::{Emulator, Options, ScenarioSource};

/// A Microsoft tenant emulator: Entra ID, Global Discovery, Dataverse, Graph.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Shipped scenario name or path to a scenario JSON file.
    #[arg(long, default_value = "demo")]
    scenario: String,
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Delay added to every Microsoft endpoint, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Directory to serve as the app in custom-base-URL mode.
    #[arg(long = "static")]
    static_dir: Option<PathBuf>,
    /// File served as /config.json.
    #[arg(long)]
    app_config: Option<PathBuf>,
    /// Lifetime of issued access tokens, in seconds.
    #[arg(long, default_value_t = 3600)]
    token_lifetime_secs: i64,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let options = Options {
        scenario: ScenarioSource::parse(&cli.scenario),
        port: cli.port,
        latency_ms: cli.latency_ms,
        static_dir: cli.static_dir,
        app_config: cli.app_config,
        token_lifetime_secs: cli.token_lifetime_secs,
    };
    let running = match Emulator::spawn(options) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("w365-emulator: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout();
    let _ = writeln!(out, "LISTENING {}", running.base_url());
    let _ = out.flush();
    loop {
        std::thread::park();
    }
}
