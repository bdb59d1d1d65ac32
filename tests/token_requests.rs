//! Token requests to MSAL (src/bridge/token_requests.rs), in Chromium: callers asking for the
//! same scope at once share one request, a request whose caller gave up lets the others ask
//! again, and no more than the bound go out at once.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)]

use futures_util::FutureExt;
use w365_appuser::bridge::token_requests::{Gate, InFlight, Turn};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const ENV: &str = "https://contoso.crm.dynamics.com/user_impersonation";
const OTHER: &str = "https://fabrikam.crm.dynamics.com/user_impersonation";

#[wasm_bindgen_test]
async fn callers_asking_for_the_same_scope_at_once_share_one_request() {
    let in_flight = std::rc::Rc::new(InFlight::<Result<String, String>>::default());
    let Turn::Lead(lead) = in_flight.turn(ENV) else {
        panic!("the first caller asks");
    };
    let followers: Vec<_> = (0..5)
        .map(|_| match in_flight.turn(ENV) {
            Turn::Follow(answer) => answer,
            Turn::Lead(_) => panic!("a second request for the same scope"),
        })
        .collect();
    assert_eq!(in_flight.followers(ENV), 5);
    // Another resource is its own request.
    assert!(matches!(in_flight.turn(OTHER), Turn::Lead(_)));
    lead.answer(&Ok("t1".into()));
    for answer in followers {
        assert_eq!(answer.await.unwrap(), Ok("t1".to_owned()));
    }
    // Answered: the next caller asks anew (the memo answers it before it gets here).
    assert!(matches!(in_flight.turn(ENV), Turn::Lead(_)));
}

#[wasm_bindgen_test]
async fn a_request_whose_caller_gave_up_lets_the_others_ask_again() {
    let in_flight = std::rc::Rc::new(InFlight::<Result<String, String>>::default());
    let Turn::Lead(lead) = in_flight.turn(ENV) else {
        panic!()
    };
    let Turn::Follow(answer) = in_flight.turn(ENV) else {
        panic!()
    };
    drop(lead); // its fetch was aborted
    assert!(answer.await.is_err(), "woken, to ask again");
    assert!(matches!(in_flight.turn(ENV), Turn::Lead(_)));
}

#[wasm_bindgen_test]
async fn a_refused_token_is_not_handed_to_those_still_waiting() {
    let in_flight = std::rc::Rc::new(InFlight::<Result<String, String>>::default());
    let Turn::Lead(old) = in_flight.turn(ENV) else {
        panic!()
    };
    let Turn::Follow(waiting) = in_flight.turn(ENV) else {
        panic!()
    };
    // A 401 came back for this scope while the request was on its way.
    in_flight.forget(ENV);
    assert!(
        waiting.await.is_err(),
        "asks again instead of taking the old answer"
    );
    let Turn::Lead(new) = in_flight.turn(ENV) else {
        panic!("the next caller asks anew")
    };
    let Turn::Follow(next) = in_flight.turn(ENV) else {
        panic!()
    };
    // The old request's answer reaches only its own caller, not the new request's followers.
    old.answer(&Ok("refused".into()));
    assert_eq!(in_flight.followers(ENV), 1);
    new.answer(&Ok("fresh".into()));
    assert_eq!(next.await.unwrap(), Ok("fresh".to_owned()));
}

#[wasm_bindgen_test]
async fn no_more_than_the_bound_hold_a_place_and_a_freed_place_goes_to_the_next_in_line() {
    let gate = Gate::new(2);
    let a = Gate::enter(&gate).await;
    let b = Gate::enter(&gate).await;
    assert_eq!(gate.free(), 0);
    let mut c = Box::pin(Gate::enter(&gate));
    let mut d = Box::pin(Gate::enter(&gate));
    assert!(c.as_mut().now_or_never().is_none(), "the third waits");
    assert!(d.as_mut().now_or_never().is_none());
    drop(a);
    let c = c.await;
    assert!(d.as_mut().now_or_never().is_none(), "still two at once");
    // A waiter that gives up after being handed a place passes it on.
    drop(b);
    drop(d);
    assert_eq!(gate.free(), 1);
    drop(c);
    assert_eq!(gate.free(), 2);
}
