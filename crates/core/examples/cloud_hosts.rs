//! Prints the hosts a named cloud's app may reach, its admin center and its sign-in authority,
//! as JSON, for the browser extension's build (`js/extension.mjs`), which turns them into
//! `host_permissions` and the content script's `matches`: one source of truth. A second
//! argument is `config.json`'s `"tenant"`, checked as the app checks it.
//!
//! `cargo run -q -p w365-core --example cloud_hosts -- public [contoso.onmicrosoft.com]`

use w365_core::cloud::{Cloud, SignInTenant};

fn main() {
    let mut args = std::env::args().skip(1);
    let key = args.next().unwrap_or_else(|| "public".into());
    let Some(cloud) = Cloud::NAMED.into_iter().find(|c| c.key() == key) else {
        let known: Vec<&str> = Cloud::NAMED.iter().map(Cloud::key).collect();
        eprintln!("unknown cloud {key:?}: one of {}", known.join(", "));
        std::process::exit(2);
    };
    let tenant = match args.next() {
        None => SignInTenant::Organizations,
        Some(text) => match SignInTenant::parse(&text) {
            Ok(tenant) => tenant,
            Err(e) => {
                eprintln!("config.json: {e}");
                std::process::exit(2);
            }
        },
    };
    let hosts = serde_json::json!({
        "cloud": key,
        "hosts": cloud.allowed_hosts(),
        "adminCenter": cloud.admin_center(),
        "authority": cloud.endpoints().authority_for(&tenant),
    });
    println!("{hosts}");
}
