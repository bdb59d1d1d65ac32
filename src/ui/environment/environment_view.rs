use leptos::prelude::*;
use send_wrapper::SendWrapper;
use w365_core::ids::{AppId, EnvironmentId};
use w365_core::procedure::prompt::{Prompt, PromptAnswer};
use w365_core::procedure::{Mode, RunStage, RunWait};

use super::countdown::Countdown;
use super::evidence_view::EvidenceView;
use super::guide_view::{GuideState, GuideView};
use super::head::EnvironmentHead;
use super::outcome_view::OutcomeView;
use super::plan_view::PlanView;
use super::steps_view::StepsView;
use super::undo_confirm::UndoConfirm;
use crate::run::guide_progress;
use crate::run::prompter::Question;
use crate::run::session::{RunStart, Screen, Session};
use crate::run::setup::{RunRequest, SetupRun};
use crate::run::store::Slot;
use crate::ui::widgets::{DataCenterChoice, ErrorPanel, ReportBar, SignInAgain};

/// One environment: the setup run starts on opening (it only reads until the plan is applied).
/// `resume`: the admin chose to resume a run kept in storage (after a reload). Everything shown
/// of the run is the core's snapshot of it (`RunView`).
#[component]
pub fn EnvironmentView(id: EnvironmentId, resume: Option<RunStart>) -> impl IntoView {
    let session = Session::get();
    let back = Callback::new(move |()| session.screen.set(Screen::Dashboard));
    let Some(row) = session.row(&id) else {
        return view! {
            <ErrorPanel
                title="Unknown environment"
                message="This environment is not in the discovery service's list any more."
            />
            <button class="button" data-testid="back" on:click=move |_| back.run(())>
                "← All environments"
            </button>
        }
        .into_any();
    };
    let instance = row.instance.clone();
    let row_info = row.info;
    let service_account = row_info.get_untracked().and_then(|i| i.service_account);
    let run = SetupRun::new(session, row);
    {
        // Leaving the screen stops the run before its next request (one in flight is aborted).
        let prompter = SendWrapper::new(run.prompter());
        on_cleanup(move || prompter.cancel());
    }
    run.start(RunRequest::on_opening(&id, resume.as_ref()));

    // What the run's snapshot says, each as its own memo so a part re-renders only when its
    // own data changes.
    let view = run.view;
    let stage = Memo::new(move |_| view.with(|v| v.as_ref().map(|v| v.stage)));
    let steps =
        Memo::new(move |_| view.with(|v| v.as_ref().map(|v| v.steps.clone()).unwrap_or_default()));
    let plan = Memo::new(move |_| view.with(|v| v.as_ref().and_then(|v| v.plan.clone())));
    let wait = Memo::new(move |_| {
        view.with(|v| match v.as_ref().and_then(|v| v.wait.as_ref()) {
            Some(RunWait::Timer { until_ms, reason }) => Some((*until_ms, reason.clone())),
            _ => None,
        })
    });
    let lock_waiting = Memo::new(move |_| {
        view.with(|v| {
            matches!(
                v.as_ref().and_then(|v| v.wait.as_ref()),
                Some(RunWait::Lock { .. })
            )
        })
    });
    let evidence = Memo::new(move |_| {
        view.with(|v| v.as_ref().and_then(|v| v.evidence.clone()))
            .or_else(|| {
                run.finished
                    .with(|r| r.as_ref().and_then(|r| r.evidence.clone()))
            })
    });
    // The open question, with the id to answer it by: the run's question as the core
    // publishes it, matched to the prompter's (one run, so at most one is open).
    let questions = run.prompter().questions();
    let open = Memo::new(move |_| {
        let asked = view.with(|v| v.as_ref().and_then(|v| v.question.clone()))?;
        questions.with(|q| q.iter().find(|q| q.prompt == asked).cloned())
    });
    let open_of = move |pick: fn(&Prompt) -> bool| {
        move || open.with(|q| q.as_ref().filter(|q| pick(&q.prompt)).map(|q| q.id))
    };
    let plan_question = open_of(|p| matches!(p, Prompt::ConfirmPlan { .. }));
    let undo_question = open_of(|p| matches!(p, Prompt::ConfirmUndo { .. }));
    // The step the core asks is the first one not confirmed, also when it resumed the guide
    // after a reload.
    let guide = Memo::new(move |_| {
        let open = open.with(|q| {
            q.as_ref()
                .filter(|q| matches!(q.prompt, Prompt::GuideStep { .. }))
                .map(|q| (q.id, q.prompt.clone()))
        });
        let asked_at = match &open {
            Some((_, Prompt::GuideStep { index, .. })) => *index,
            _ => 0,
        };
        GuideState {
            confirmed: run.guide_confirmed.get().max(asked_at),
            skipped: run.guide_skipped.get(),
            open,
        }
    });
    // Verified and guiding: nothing is left to write, so there is nothing to cancel either.
    let guiding = move || stage.get() == Some(RunStage::Guide);

    let on_apply = Callback::new(move |()| {
        if let Some(id) = plan_question() {
            session.update_unfinished(Slot::View, |r| r.plan_confirmed = true);
            session.announce("Applying the plan.");
            run.answer(id, PromptAnswer::Proceed);
        }
    });
    let on_decline = Callback::new(move |()| {
        if let Some(id) = plan_question() {
            run.answer(id, PromptAnswer::Decline);
        }
    });
    let on_undo_proceed = Callback::new(move |()| {
        if let Some(id) = undo_question() {
            session.update_unfinished(Slot::View, |r| r.plan_confirmed = true);
            run.answer(id, PromptAnswer::Proceed);
        }
    });
    let on_undo_decline = Callback::new(move |()| {
        if let Some(id) = undo_question() {
            run.answer(id, PromptAnswer::Decline);
        }
    });
    let guide_env = id.clone();
    let on_guide_confirm = Callback::new(move |question: u32| {
        let confirmed = guide.get_untracked().confirmed + 1;
        run.guide_confirmed.set(confirmed);
        guide_progress::save(&guide_env, confirmed);
        run.answer(question, PromptAnswer::Confirmed);
    });
    let on_guide_skip = Callback::new(move |question: u32| {
        // The steps confirmed so far stay done; the rest show as skipped.
        run.guide_confirmed.set(guide.get_untracked().confirmed);
        run.guide_skipped.set(true);
        run.answer(question, PromptAnswer::Skip);
    });
    let on_chosen = Callback::new(move |app: AppId| {
        session.update_unfinished(Slot::View, |r| r.data_center = Some(app.to_string()));
    });

    let heading = NodeRef::<leptos::html::H2>::new();
    // Screen changes move focus to the new screen's heading.
    Effect::new(move |_| {
        if let Some(h) = heading.get() {
            let _ = h.focus();
        }
    });
    let pending = run.pending();
    let cancel = move |_| {
        run.cancel();
        session.announce("Cancelling: no further request is sent.");
    };
    let datacenter_question = move || {
        open.get()
            .filter(|q| matches!(q.prompt, Prompt::ChooseDataCenter { .. }))
            .map(|q: Question| view! { <DataCenterChoice question=q prompter=run.prompter() on_chosen /> })
    };
    view! {
        <section
            class="environment"
            data-testid="environment"
            data-env-id=id.to_string()
            aria-labelledby="environment-title"
        >
            <EnvironmentHead instance info=row_info heading resume back />
            <Show when=move || lock_waiting.get()>
                <section
                    class="environment__note environment__note--wait"
                    data-testid="lock-wait"
                    role="status"
                >
                    <p>
                        "Another tab of this tool is writing to this environment. This run waits until that tab has finished, "
                        "then reads the environment again before writing anything — usually there is nothing left to do."
                    </p>
                    <button class="button" data-testid="lock-wait-stop" on:click=cancel>
                        "Stop waiting"
                    </button>
                </section>
            </Show>
            <SignInAgain prompter=run.prompter() />
            {datacenter_question}
            {move || {
                (run.mode.get() == Mode::Setup)
                    .then(|| plan.get())
                    .flatten()
                    .map(|p| {
                        view! {
                            <PlanView
                                plan=p
                                service_account=service_account.clone()
                                awaiting=Signal::derive(move || plan_question().is_some())
                                on_apply
                                on_decline
                            />
                        }
                    })
            }}
            {move || {
                open.get()
                    .and_then(|q| match q.prompt {
                        Prompt::ConfirmUndo { plan } => {
                            Some(
                                view! {
                                    <UndoConfirm
                                        plan
                                        on_proceed=on_undo_proceed
                                        on_decline=on_undo_decline
                                    />
                                },
                            )
                        }
                        _ => None,
                    })
            }}
            <section class="progress" aria-labelledby="progress-title">
                <h3 id="progress-title">
                    {move || {
                        if run.mode.get() == Mode::Undo { "Undo progress" } else { "Progress" }
                    }}
                </h3>
                <StepsView steps />
                <Countdown wait />
                <Show when=move || pending.get() && !guiding()>
                    <button class="button" data-testid="cancel" on:click=cancel>
                        "Cancel"
                    </button>
                </Show>
            </section>
            {move || evidence.get().map(|e| view! { <EvidenceView evidence=e /> })}
            <Show when=move || guide.with(|g| g.open.is_some() || g.confirmed > 0 || g.skipped)>
                <GuideView state=guide on_confirm=on_guide_confirm on_skip=on_guide_skip />
            </Show>
            {move || {
                run.finished
                    .get()
                    .map(|r| {
                        let guided = guide.with_untracked(|g| g.confirmed > 0 && !g.skipped);
                        view! { <OutcomeView run=r guided /> }
                    })
            }}
            <Show when=move || !pending.get()>
                <div class="environment__actions">
                    <button
                        class="button"
                        data-testid="rerun"
                        on:click=move |_| run.start(RunRequest::fresh(Mode::Setup))
                    >
                        "Inspect and plan again"
                    </button>
                    <button
                        class="button button--danger"
                        data-testid="undo"
                        on:click=move |_| run.start(RunRequest::fresh(Mode::Undo))
                    >
                        "Undo…"
                    </button>
                </div>
            </Show>
        </section>
        <ReportBar />
    }
    .into_any()
}
