use leptos::prelude::*;
use send_wrapper::SendWrapper;
use w365_core::driver::drive;
use w365_core::ids::AppId;
use w365_core::preset::Preset;
use w365_core::procedure::assessment::{Evidence, Plan};
use w365_core::procedure::prompt::{Prompt, PromptAnswer};
use w365_core::procedure::{Command, Mode, Options, Procedure, Target, WaitReason};
use w365_core::record::{EnvironmentRef, EnvironmentRun};

use super::countdown::Countdown;
use super::datacenter_choice::DataCenterChoice;
use super::evidence_view::EvidenceView;
use super::guide_view::{GuideState, GuideView};
use super::outcome_view::OutcomeView;
use super::plan_view::PlanView;
use super::sign_in_again::SignInAgain;
use super::steps::StepBoard;
use super::steps_view::StepsView;
use super::undo_confirm::UndoConfirm;
use crate::run::clock::BrowserClock;
use crate::run::guide_progress;
use crate::run::observed::{ObservedClient, Traffic};
use crate::run::policy;
use crate::run::prompter::UiPrompter;
use crate::run::store::Slot;
use crate::ui::consent_unknown::ConsentUnknownNote;
use crate::ui::dashboard::row_status::RowInfo;
use crate::ui::error_panel::ErrorPanel;
use crate::ui::report::ReportBar;
use crate::ui::session::{RunEnd, RunStart, Screen, Session};

/// What to run: the mode, a data center already chosen, whether the plan is already confirmed,
/// how many guide steps the admin already confirmed (before a reload).
type RunRequest = (Mode, Option<AppId>, bool, usize);

/// One environment: the setup run starts on opening (it only reads until the plan is applied).
/// `resume`: the admin chose to resume a run kept in storage (after a reload).
#[component]
pub fn EnvironmentView(id: String, resume: Option<RunStart>) -> impl IntoView {
    let session = Session::get();
    let back = move |_| session.screen.set(Screen::Dashboard);
    let Some(row) = session.row(&id) else {
        return view! {
            <ErrorPanel title="Unknown environment" message="This environment is not in the discovery service's list any more." />
            <button class="button" data-testid="back" on:click=back>"← All environments"</button>
        }
        .into_any();
    };
    let instance = row.instance.clone();
    let row_info = row.info;
    let board = RwSignal::new(StepBoard::default());
    let wait = RwSignal::new(None::<(u64, WaitReason)>);
    let plan = RwSignal::new(None::<Plan>);
    let evidence = RwSignal::new(None::<Evidence>);
    let finished = RwSignal::new(None::<EnvironmentRun>);
    let guide = RwSignal::new(GuideState::default());
    let mode = RwSignal::new(Mode::Setup);
    // Verified and guiding: nothing is left to write, so there is nothing to cancel either.
    let guiding = RwSignal::new(false);
    // Another tab holds this environment's write lock; the run waits for it.
    let lock_waiting = RwSignal::new(false);

    // Live progress from the core's commands.
    let observer = move |_: &EnvironmentRef, command: &Command| {
        let waiting = match command {
            Command::WaitUntil { at_ms, reason } => Some((*at_ms, reason.clone())),
            _ => None,
        };
        if waiting.is_some() || wait.try_with_untracked(Option::is_some) == Some(true) {
            wait.try_set(waiting);
        }
        let held_elsewhere = matches!(command, Command::Lock { wait: true, .. });
        if held_elsewhere != (lock_waiting.try_get_untracked() == Some(true)) {
            lock_waiting.try_set(held_elsewhere);
        }
        match command {
            Command::Lock { wait: true, .. } => {
                session.announce(
                    "Another tab of this tool is writing to this environment: this run waits for it, then reads the environment again.",
                );
            }
            Command::WaitUntil {
                reason: WaitReason::Throttled { retry_after_s },
                ..
            } => {
                session.announce(format!(
                    "Throttled by Dataverse; continuing in {retry_after_s} seconds."
                ));
            }
            Command::Prompt {
                prompt: Prompt::ConfirmPlan { plan: p } | Prompt::ConfirmUndo { plan: p },
            } => {
                plan.try_set(Some(p.clone()));
                board.try_update(|b| b.set_plan(p));
                session.announce(format!("The plan is ready: {} write(s).", p.steps.len()));
            }
            Command::Prompt {
                prompt:
                    Prompt::GuideStep {
                        index,
                        total,
                        evidence: e,
                        ..
                    },
            } => {
                // The first guide step of this run (step 1, or a later one when the guide
                // resumed after a reload) comes right after the read-back.
                let first = guiding.try_get_untracked() == Some(false);
                guiding.try_set(true);
                if first {
                    board.try_update(|b| {
                        b.set_plan(&Plan::default());
                        b.verified();
                    });
                    if plan.try_with_untracked(Option::is_none) == Some(true) {
                        plan.try_set(Some(Plan::default()));
                    }
                    evidence.try_set(e.as_deref().cloned());
                }
                session.announce(format!(
                    "Verified. Switch Work 365: step {} of {total}.",
                    index + 1
                ));
            }
            Command::Prompt {
                prompt: Prompt::ChooseDataCenter { .. },
            } => {
                session.announce("Choose the data center to continue.");
            }
            _ => {}
        }
    };
    let prompter = UiPrompter::new(
        Some(session.endpoints.get_value()),
        Some(Box::new(observer)),
    );
    {
        // Leaving the screen stops the run before its next request.
        let prompter = SendWrapper::new(prompter.clone());
        on_cleanup(move || prompter.cancel());
    }
    let questions = prompter.questions();
    // Callbacks must be `Send`; the prompter is not, so they reach it through a local store.
    let stored = StoredValue::new_local(prompter.clone());

    let env_id = id.clone();
    let run = {
        let prompter = prompter.clone();
        let instance = instance.clone();
        Action::new_local(move |request: &RunRequest| {
            let (m, data_center, confirmed, guide_confirmed) = request.clone();
            let prompter = prompter.clone();
            let instance = instance.clone();
            let env_id = env_id.clone();
            async move {
                prompter.reset();
                mode.set(m);
                board.set(StepBoard::inspecting());
                plan.set(None);
                evidence.set(None);
                finished.set(None);
                guiding.set(false);
                guide.set(GuideState::default());
                if guide_confirmed == 0 {
                    guide_progress::clear();
                }
                lock_waiting.set(false);
                session.start_unfinished(
                    Slot::View,
                    m,
                    vec![env_id.clone()],
                    data_center.clone(),
                    confirmed,
                );
                let endpoints = session.endpoints.get_value();
                let mut target = Target::from_instance(&instance, Preset::work365(), endpoints);
                target.data_center = data_center;
                let options = Options {
                    confirm_plan: !confirmed,
                    guide_confirmed,
                    ..policy::options(m)
                };
                let client = ObservedClient::new(session.transport.get_value(), move |t| {
                    board.try_update(|b| match t {
                        Traffic::Sent(r) => b.on_sent(r),
                        Traffic::Answered(r, status) => b.on_answered(r, status),
                    });
                });
                let mut machine = Procedure::new(target, options);
                drive(&mut machine, &client, &BrowserClock, &prompter).await;
                let record = machine.into_record();
                board.try_update(|b| b.finish(&record));
                wait.try_set(None);
                lock_waiting.try_set(false);
                if record.evidence.is_some() {
                    evidence.try_set(record.evidence.clone());
                }
                if m == Mode::Setup && plan.try_with_untracked(Option::is_none) == Some(true) {
                    plan.try_set(record.plan.clone());
                }
                let cancelled = matches!(
                    record.outcome,
                    Some(w365_core::procedure::Outcome::Cancelled)
                );
                if !cancelled && record.inspection.is_some() {
                    row.info.try_set(Some(RowInfo::from_run(&record, None)));
                }
                // Also when the admin went back (which cancels): the row shows how it ended.
                row.last_run.try_set(RunEnd::of(&record, m));
                guide_progress::clear();
                guiding.try_set(false);
                if let Some(o) = &record.outcome {
                    session.announce(format!("Finished: {}.", o.summary()));
                }
                session.end_unfinished(Slot::View);
                session.add_run(record.clone());
                finished.try_set(Some(record));
            }
        })
    };
    let start = match &resume {
        Some(r) => {
            let guided = if r.mode == Mode::Setup {
                guide_progress::confirmed(&id)
            } else {
                0
            };
            (r.mode, r.data_center.clone(), r.plan_confirmed, guided)
        }
        None => (Mode::Setup, None, false, 0),
    };
    run.dispatch(start);

    let answer_kind = move |pick: fn(&Prompt) -> bool| {
        move || questions.with(|q| q.iter().find(|q| pick(&q.prompt)).map(|q| q.id))
    };
    let plan_question = answer_kind(|p| matches!(p, Prompt::ConfirmPlan { .. }));
    let undo_question = answer_kind(|p| matches!(p, Prompt::ConfirmUndo { .. }));
    Effect::new(move |_| {
        let open = questions.with(|q| {
            q.iter()
                .find(|q| matches!(q.prompt, Prompt::GuideStep { .. }))
                .map(|q| (q.id, q.prompt.clone()))
        });
        guide.update(|g| {
            // The step the core asks is the first one not confirmed, also when it resumed
            // the guide after a reload.
            if let Some((_, Prompt::GuideStep { index, .. })) = &open {
                g.confirmed = g.confirmed.max(*index);
            }
            g.open = open;
        });
    });
    let reply = move |id: u32, answer: PromptAnswer| stored.with_value(|p| p.answer(id, answer));
    let on_apply = Callback::new(move |_| {
        if let Some(id) = plan_question() {
            session.update_unfinished(Slot::View, |r| r.plan_confirmed = true);
            session.announce("Applying the plan.");
            reply(id, PromptAnswer::Proceed);
        }
    });
    let on_decline = Callback::new(move |_| {
        if let Some(id) = plan_question() {
            reply(id, PromptAnswer::Decline);
        }
    });
    let on_undo_proceed = Callback::new(move |_| {
        if let Some(id) = undo_question() {
            session.update_unfinished(Slot::View, |r| r.plan_confirmed = true);
            reply(id, PromptAnswer::Proceed);
        }
    });
    let on_undo_decline = Callback::new(move |_| {
        if let Some(id) = undo_question() {
            reply(id, PromptAnswer::Decline);
        }
    });
    let guide_env = id.clone();
    let on_guide_confirm = Callback::new(move |id: u32| {
        guide.update(|g| g.confirmed += 1);
        guide_progress::save(&guide_env, guide.with_untracked(|g| g.confirmed));
        reply(id, PromptAnswer::Confirmed);
    });
    let on_guide_skip = Callback::new(move |id: u32| {
        guide.update(|g| g.skipped = true);
        reply(id, PromptAnswer::Skip);
    });
    let on_chosen = Callback::new(move |app: AppId| {
        session.update_unfinished(Slot::View, |r| r.data_center = Some(app.to_string()));
    });

    let heading = NodeRef::<leptos::html::H2>::new();
    Effect::new(move |_| {
        if let Some(h) = heading.get() {
            let _ = h.focus();
        }
    });
    let service_account = row.info.get_untracked().and_then(|i| i.service_account);
    let pending = run.pending();
    let cancel = move |_| {
        stored.with_value(UiPrompter::cancel);
        session.announce("Cancelling: no further request is sent.");
    };
    let sign_in_prompter = prompter.clone();
    view! {
        <section class="environment" data-testid="environment" data-env-id=id.clone()
            aria-labelledby="environment-title">
            <div class="environment__head">
                <button class="button" data-testid="back" on:click=back>"← All environments"</button>
                <h2 id="environment-title" tabindex="-1" node_ref=heading>{instance.friendly_name.clone()}</h2>
                <p class="environment__meta">
                    <code>{instance.url.clone()}</code>
                    {instance.region.clone().map(|r| format!(" · region {r}"))}
                </p>
                // Which Work 365 was found, and from which solution the version was read.
                {move || row_info.with(|i| i.as_ref().and_then(|i| i.product.clone())).map(|p| {
                    view! {
                        <p class="environment__product" data-testid="product" data-verdict=p.verdict.key()>
                            {format!("{}: {}", p.product, p.summary())}
                            {p.source().map(|s| view! {
                                <span data-testid="version-source">{format!(", read from {s}")}</span>
                            })}
                        </p>
                        {p.note().map(|n| view! {
                            <p class="environment__note environment__version-note" data-testid="version-note">
                                <span aria-hidden="true">"⚠ "</span>{n}
                            </p>
                        })}
                    }
                })}
            </div>
            {
                let tenant = instance.tenant_id.clone();
                move || row.info.get().map(|i| view! {
                    <ConsentUnknownNote notes=i.consent_unknown tenant=tenant.clone() />
                })
            }
            {resume.as_ref().map(|r| view! {
                <p class="environment__note" data-testid="resume-note" role="status"
                    data-plan-confirmed=if r.plan_confirmed { "true" } else { "false" }>
                    {if r.plan_confirmed {
                        "Continuing the run you started before the page closed: inspecting again, then applying what is still missing. Writes already made are not repeated."
                    } else {
                        "Inspecting again the environment a run was working on before the page closed: nothing is written until you confirm the plan."
                    }}
                </p>
            })}
            <Show when=move || lock_waiting.get()>
                <section class="environment__note environment__note--wait" data-testid="lock-wait" role="status">
                    <p>
                        "Another tab of this tool is writing to this environment. This run waits until that tab has finished, "
                        "then reads the environment again before writing anything — usually there is nothing left to do."
                    </p>
                    <button class="button" data-testid="lock-wait-stop" on:click=cancel>"Stop waiting"</button>
                </section>
            </Show>
            <SignInAgain prompter=sign_in_prompter />
            <For
                each=move || questions.with(|q| q.iter().filter(|q| matches!(q.prompt, Prompt::ChooseDataCenter { .. })).cloned().collect::<Vec<_>>())
                key=|q| q.id
                children=move |q| view! { <DataCenterChoice question=q prompter=stored.get_value() on_chosen /> }
            />
            {move || (mode.get() == Mode::Setup).then(|| plan.get()).flatten().map(|p| view! {
                <PlanView plan=p service_account=service_account.clone()
                    awaiting=Signal::derive(move || plan_question().is_some())
                    on_apply on_decline />
            })}
            {move || undo_question().and_then(|_| plan.get()).map(|p| view! {
                <UndoConfirm plan=p on_proceed=on_undo_proceed on_decline=on_undo_decline />
            })}
            <section class="progress" aria-labelledby="progress-title">
                <h3 id="progress-title">
                    {move || if mode.get() == Mode::Undo { "Undo progress" } else { "Progress" }}
                </h3>
                <StepsView board />
                <Countdown wait />
                <Show when=move || pending.get() && !guiding.get()>
                    <button class="button" data-testid="cancel" on:click=cancel>"Cancel"</button>
                </Show>
            </section>
            {move || evidence.get().map(|e| view! { <EvidenceView evidence=e /> })}
            <Show when=move || guide.with(|g| g.open.is_some() || g.confirmed > 0 || g.skipped)>
                <GuideView state=guide on_confirm=on_guide_confirm on_skip=on_guide_skip />
            </Show>
            {move || finished.get().map(|r| {
                let guided = guide.with_untracked(|g| g.confirmed > 0 && !g.skipped);
                view! { <OutcomeView run=r guided /> }
            })}
            <Show when=move || !pending.get()>
                <div class="environment__actions">
                    <button class="button" data-testid="rerun"
                        on:click=move |_| { run.dispatch((Mode::Setup, None, false, 0)); }>"Inspect and plan again"</button>
                    <button class="button button--danger" data-testid="undo"
                        on:click=move |_| { run.dispatch((Mode::Undo, None, false, 0)); }>"Undo…"</button>
                </div>
            </Show>
        </section>
        <ReportBar />
    }
    .into_any()
}
