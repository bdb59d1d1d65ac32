use leptos::prelude::*;
use w365_core::ids::EnvironmentId;
use w365_core::procedure::Mode;
use w365_core::resume::ResumeOffer;

use crate::run::batch::BatchRun;
use crate::run::session::{RunStart, Screen, Session};
use crate::run::store::Slot;

/// Runs found in storage (a reload, a duplicated tab, a restored session): what was being done,
/// what is still pending, and the admin's choice. Nothing is written before one: *Continue*
/// (only for a run saved within the hour), *Inspect again* (a new plan to confirm), *Dismiss*.
#[component]
pub fn ResumePrompt() -> impl IntoView {
    let session = Session::get();
    let offers = session.resume_offers;
    let refusals = session.resume_refusals;
    view! {
        <For
            each=move || offers.get()
            key=|(slot, o)| (*slot == Slot::Batch, o.pending.len(), o.age_ms)
            children=move |(kind, offer)| view! { <Offer kind offer /> }
        />
        {move || {
            let refused = refusals.get();
            (!refused.is_empty())
                .then(|| {
                    view! {
                        <section class="error-panel" role="alert" data-testid="resume-refused">
                            <h2 class="error-panel__title">
                                "A run kept in this tab was not resumed"
                            </h2>
                            {refused
                                .into_iter()
                                .map(|why| view! { <p class="error-panel__message">{why}</p> })
                                .collect_view()}
                            <button
                                class="button"
                                data-testid="resume-refused-dismiss"
                                on:click=move |_| refusals.set(Vec::new())
                            >
                                "Dismiss"
                            </button>
                        </section>
                    }
                })
        }}
    }
}

#[component]
fn Offer(kind: Slot, offer: ResumeOffer) -> impl IntoView {
    let slot = kind;
    let session = Session::get();
    let batch = expect_context::<BatchRun>();
    let forget_offer = move || {
        session
            .resume_offers
            .update(|o| o.retain(|(s, _)| *s != slot));
    };
    let pending_ids: Vec<EnvironmentId> =
        offer.pending.iter().filter_map(|e| e.id.clone()).collect();
    let continue_run = {
        let offer = offer.clone();
        let ids = pending_ids.clone();
        move |_| {
            forget_offer();
            match slot {
                Slot::View => {
                    if let Some(id) = ids.first() {
                        session.announce("Continuing the run: inspecting again first.");
                        session.screen.set(Screen::Environment {
                            id: id.clone(),
                            resume: Some(RunStart {
                                mode: offer.mode,
                                data_center: offer.data_center.clone(),
                                plan_confirmed: offer.plan_confirmed,
                            }),
                        });
                    }
                }
                Slot::Batch => {
                    session.screen.set(Screen::Dashboard);
                    session.selected.set(ids.clone());
                    session.announce(
                        "Continuing the batch: each environment is inspected again first.",
                    );
                    // The core re-inspects each environment, so what was already written is
                    // not written twice.
                    batch.start(ids.clone());
                }
            }
        }
    };
    let inspect_again = {
        let offer = offer.clone();
        let ids = pending_ids.clone();
        move |_| {
            forget_offer();
            match slot {
                Slot::View => {
                    if let Some(id) = ids.first() {
                        session.screen.set(Screen::Environment {
                            id: id.clone(),
                            resume: Some(RunStart {
                                mode: offer.mode,
                                data_center: offer.data_center.clone(),
                                plan_confirmed: false,
                            }),
                        });
                    }
                }
                Slot::Batch => {
                    // The dashboard inspects every row as it loads: the selection shows what each
                    // needs now, and nothing runs until the admin presses the batch button.
                    session.end_unfinished(Slot::Batch);
                    session.screen.set(Screen::Dashboard);
                    session.selected.set(ids.clone());
                    session.announce(format!(
                        "{} environments selected; their rows show what they need now. Nothing runs until you press Set up.",
                        ids.len()
                    ));
                }
            }
        }
    };
    let dismiss = move |_| {
        forget_offer();
        session.end_unfinished(slot);
        session.announce("Dismissed: nothing of that run will be written.");
    };
    let mode = match offer.mode {
        Mode::Undo => "undo",
        _ => "setup",
    };
    let minutes = offer.age_ms / 60_000;
    let age = match minutes {
        0 => "less than a minute ago".to_owned(),
        1 => "1 minute ago".to_owned(),
        m if m < 120 => format!("{m} minutes ago"),
        m => format!("{} hours ago", m / 60),
    };
    let what = if offer.reinspect_only {
        format!("It was saved {age}, more than an hour ago: what it planned may no longer hold, so it can only be inspected again — nothing is written until you confirm a new plan.")
    } else if offer.batch {
        format!("It was saved {age}. Continue re-inspects each environment and then applies what is still missing, without asking again (as a batch does); writes already made are not repeated.")
    } else if offer.plan_confirmed {
        format!("It was saved {age}, after you confirmed its plan. Continue re-inspects the environment and applies what is still missing without asking again; writes already made are not repeated.")
    } else {
        format!("It was saved {age}, before you confirmed a plan. Continue re-inspects the environment and shows the plan for you to confirm.")
    };
    let slot_key = if slot == Slot::Batch { "batch" } else { "view" };
    let title_id = format!("resume-title-{slot_key}");
    let labelled_by = title_id.clone();
    view! {
        <section
            class="resume"
            data-testid="resume"
            role="region"
            aria-labelledby=labelled_by
            data-slot=slot_key
            data-mode=mode
            data-pending=offer.pending.len()
            data-reinspect-only=if offer.reinspect_only { "true" } else { "false" }
        >
            <h2 id=title_id class="resume__title">
                {offer.headline()}
            </h2>
            <p class="resume__what">{what}</p>
            <p class="resume__pending-title">
                {if offer.finished > 0 {
                    format!("Still pending ({} finished before):", offer.finished)
                } else {
                    "Still pending:".to_owned()
                }}
            </p>
            <ul class="resume__pending">
                {offer
                    .pending
                    .iter()
                    .map(|e| {
                        view! {
                            <li
                                data-testid="resume-pending"
                                data-env-id=e
                                    .id
                                    .as_ref()
                                    .map(ToString::to_string)
                                    .unwrap_or_default()
                            >
                                {e.name.clone()}
                                " "
                                <code>{e.url.clone()}</code>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <div class="resume__actions">
                {(!offer.reinspect_only)
                    .then(|| {
                        view! {
                            <button
                                class="button button--primary"
                                data-testid="resume-continue"
                                on:click=continue_run
                            >
                                {if offer.mode == Mode::Undo {
                                    "Continue the undo"
                                } else {
                                    "Continue"
                                }}
                            </button>
                        }
                    })} <button class="button" data-testid="resume-inspect" on:click=inspect_again>
                    "Inspect again"
                </button> <button class="button" data-testid="resume-dismiss" on:click=dismiss>
                    "Dismiss"
                </button>
            </div>
        </section>
    }
}
