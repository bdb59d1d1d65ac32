use std::time::Duration;

use leptos::prelude::*;
use w365_core::procedure::WaitReason;

use crate::run::clock::now_ms;

/// Seconds left of a wait the core asked for (throttling or backoff), ticking.
#[component]
pub fn Countdown(#[prop(into)] wait: Signal<Option<(u64, WaitReason)>>) -> impl IntoView {
    let now = RwSignal::new(now_ms());
    if let Ok(handle) =
        set_interval_with_handle(move || now.set(now_ms()), Duration::from_millis(250))
    {
        on_cleanup(move || handle.clear());
    }
    move || {
        wait.get().map(|(at_ms, reason)| {
            let left = at_ms.saturating_sub(now.get()).div_ceil(1000);
            let why = match reason {
                WaitReason::Throttled { retry_after_s } => {
                    format!("Dataverse asked to slow down (Retry-After {retry_after_s} s).")
                }
                WaitReason::Backoff { attempt } => {
                    format!("A request failed; retry {attempt} after a short pause.")
                }
            };
            view! {
                <p class="countdown" data-testid="countdown" data-seconds=left role="timer">
                    <strong>"Waiting: "</strong>
                    {why}
                    " Continuing in "
                    <strong>{left}</strong>
                    " s."
                </p>
            }
        })
    }
}
