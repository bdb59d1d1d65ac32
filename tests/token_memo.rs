//! The page's token memo (src/bridge/token_memo.rs), in Chromium: a token is handed out only
//! while MSAL itself would hand it out, and never again once refused or renewed.
#![cfg(target_arch = "wasm32")]

use w365_appuser::bridge::token_memo::{TokenMemo, RENEWAL_OFFSET_MS};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const ENV: &str = "https://contoso.crm.dynamics.com/user_impersonation";
const GRAPH: &str = "https://graph.microsoft.com/Application.Read.All";
const NOW: f64 = 1_800_000_000_000.0;
const HOUR: f64 = 3_600_000.0;

#[wasm_bindgen_test]
fn a_token_is_handed_out_until_msals_renewal_offset_before_it_expires() {
    let mut memo = TokenMemo::default();
    memo.keep(ENV, "t1", NOW + HOUR, memo.epoch());
    assert_eq!(memo.get(ENV, NOW), Some("t1"));
    let renew_at = NOW + HOUR - RENEWAL_OFFSET_MS;
    assert_eq!(memo.get(ENV, renew_at - 1.0), Some("t1"));
    assert_eq!(memo.get(ENV, renew_at), None, "MSAL renews it from here on");
    assert_eq!(memo.get(GRAPH, NOW), None, "one token per resource");
}

#[wasm_bindgen_test]
fn a_token_without_an_expiry_or_about_to_expire_is_never_handed_out() {
    let mut memo = TokenMemo::default();
    memo.keep(ENV, "no expiry", 0.0, memo.epoch());
    assert_eq!(memo.get(ENV, NOW), None);
    memo.keep(ENV, "short", NOW + RENEWAL_OFFSET_MS - 1.0, memo.epoch());
    assert_eq!(memo.get(ENV, NOW), None);
    memo.keep(ENV, "nan", f64::NAN, memo.epoch());
    assert_eq!(memo.get(ENV, NOW), None);
}

#[wasm_bindgen_test]
fn a_refused_token_is_dropped_and_an_answer_asked_before_the_drop_is_not_kept() {
    let mut memo = TokenMemo::default();
    memo.keep(ENV, "refused", NOW + HOUR, memo.epoch());
    memo.keep(GRAPH, "graph", NOW + HOUR, memo.epoch());
    // A request asks MSAL (a miss elsewhere) while the environment's token is refused.
    let asked_in = memo.epoch();
    memo.forget(ENV);
    assert_eq!(memo.get(ENV, NOW), None);
    assert_eq!(
        memo.get(GRAPH, NOW),
        Some("graph"),
        "only that resource's token"
    );
    memo.keep(ENV, "refused", NOW + HOUR, asked_in);
    assert_eq!(
        memo.get(ENV, NOW),
        None,
        "the late answer may be the refused token"
    );
    memo.keep(ENV, "renewed", NOW + HOUR, memo.epoch());
    assert_eq!(memo.get(ENV, NOW), Some("renewed"));
}

#[wasm_bindgen_test]
fn sign_out_or_a_sign_in_drops_every_token() {
    let mut memo = TokenMemo::default();
    memo.keep(ENV, "a", NOW + HOUR, memo.epoch());
    memo.keep(GRAPH, "b", NOW + HOUR, memo.epoch());
    memo.forget_all();
    assert_eq!(memo.get(ENV, NOW), None);
    assert_eq!(memo.get(GRAPH, NOW), None);
}
