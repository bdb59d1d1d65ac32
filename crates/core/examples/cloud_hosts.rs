//! Prints the hosts a named cloud's app may reach and its admin center, as JSON, for the browser
//! extension's build (`js/extension.mjs`), which turns them into `host_permissions` and the
//! content script's `matches`: one source of truth.
//!
//! `cargo run -q -p w365-core --example cloud_hosts -- public`

use w365_core::cloud::Cloud;

fn main() {
    let key = std::env::args().nth(1).unwrap_or_else(|| "public".into());
    let Some(cloud) = Cloud::NAMED.into_iter().find(|c| c.key() == key) else {
        let known: Vec<&str> = Cloud::NAMED.iter().map(Cloud::key).collect();
        eprintln!("unknown cloud {key:?}: one of {}", known.join(", "));
        std::process::exit(2);
    };
    let hosts = serde_json::json!({
        "cloud": key,
        "hosts": cloud.allowed_hosts(),
        "adminCenter": cloud.admin_center(),
    });
    println!("{hosts}");
}
