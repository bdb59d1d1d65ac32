//! Round trips, requests and wall time of the procedure against the tenant emulator, for every
//! shipped scenario; prints the Markdown tables of BENCHMARKS.md.
//!
//! Run: `cargo bench -p w365-core --bench round_trips`
//!
//! Each repetition starts a fresh emulator, discovers its environments through GDS and runs
//! every one twice, unattended (the data-center choice is answered US). Counts come from the
//! first repetition and must not differ between repetitions; times are medians.

#[path = "../tests/support/native.rs"]
mod native;

use native::{outcomes, run_all, NativeClient, RunCounts};
use std::time::{Duration, Instant};
use w365_core::batch::DEFAULT_CONCURRENCY;
use w365_core::record::EnvironmentRun;
use w365_emulator::scenario::SHIPPED;
use w365_emulator::{Emulator, Options};

/// Repetitions per scenario; the 200-environment batch runs once.
const REPETITIONS: usize = 3;
const BATCH: &str = "batch-200";
/// Latency added to every Microsoft endpoint for the batch table.
const LATENCY_MS: u64 = 100;

/// One repetition: both runs' records and times.
struct Sample {
    first: Vec<EnvironmentRun>,
    second: Vec<EnvironmentRun>,
    first_time: Duration,
    second_time: Duration,
}

async fn sample(options: Options, concurrency: usize) -> Sample {
    let emu = Emulator::spawn(options).expect("emulator starts");
    let client = NativeClient::new(&emu);
    let t0 = Instant::now();
    let first = run_all(&client, concurrency).await;
    let first_time = t0.elapsed();
    let t1 = Instant::now();
    let second = run_all(&client, concurrency).await;
    let second_time = t1.elapsed();
    Sample {
        first,
        second,
        first_time,
        second_time,
    }
}

/// Runs `reps` times and checks that every repetition counted the same.
async fn samples(options: &Options, concurrency: usize, reps: usize) -> Vec<Sample> {
    let mut out: Vec<Sample> = Vec::with_capacity(reps);
    for _ in 0..reps {
        let s = sample(options.clone(), concurrency).await;
        if let Some(s0) = out.first() {
            assert_eq!(RunCounts::of(&s.first), RunCounts::of(&s0.first));
            assert_eq!(RunCounts::of(&s.second), RunCounts::of(&s0.second));
        }
        out.push(s);
    }
    out
}

fn median_ms(samples: &[Sample], time: impl Fn(&Sample) -> Duration) -> u128 {
    let mut ms: Vec<u128> = samples.iter().map(|s| time(s).as_millis()).collect();
    ms.sort_unstable();
    ms[ms.len() / 2]
}

fn outcome_list(runs: &[EnvironmentRun]) -> String {
    outcomes(runs)
        .iter()
        .map(|(o, n)| format!("{o} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn scenarios() {
    println!(
        "| scenario | envs | first-run outcomes | requests | writes | max stages | max round trips \
         | 2nd-run requests | 2nd-run max round trips | first run ms |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (name, _) in SHIPPED {
        let reps = if *name == BATCH { 1 } else { REPETITIONS };
        let s = samples(&Options::scenario(name), DEFAULT_CONCURRENCY, reps).await;
        let (one, two) = (RunCounts::of(&s[0].first), RunCounts::of(&s[0].second));
        println!(
            "| {name} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            one.envs,
            outcome_list(&s[0].first),
            one.requests,
            one.writes,
            one.max_stages,
            one.max_round_trips,
            two.requests,
            two.max_round_trips,
            median_ms(&s, |s| s.first_time),
        );
    }
}

async fn batch_with_latency() {
    println!();
    println!(
        "| {BATCH}, {LATENCY_MS} ms latency | first run ms | 2nd-run ms | requests | 2nd-run requests |"
    );
    println!("|---|---|---|---|---|");
    for concurrency in [DEFAULT_CONCURRENCY, 8] {
        let options = Options {
            latency_ms: LATENCY_MS,
            ..Options::scenario(BATCH)
        };
        let s = samples(&options, concurrency, 1).await;
        println!(
            "| concurrency {concurrency} | {} | {} | {} | {} |",
            median_ms(&s, |s| s.first_time),
            median_ms(&s, |s| s.second_time),
            RunCounts::of(&s[0].first).requests,
            RunCounts::of(&s[0].second).requests,
        );
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and then the tables
    // would only slow the test run down.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        scenarios().await;
        batch_with_latency().await;
    });
    eprintln!("round_trips: {:.1} s", started.elapsed().as_secs_f64());
}
