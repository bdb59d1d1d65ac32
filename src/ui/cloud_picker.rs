use leptos::prelude::*;
use w365_core::cloud::Cloud;

/// The cloud to sign in to, on the sign-in screen, when `config.json` lets the admin choose.
#[component]
pub fn CloudPicker(
    /// The clouds offered, in order (the core's cloud table, or the configured list).
    choices: Vec<Cloud>,
    /// The chosen cloud; the sign-in button signs in to it.
    cloud: RwSignal<Cloud>,
    #[prop(into)] disabled: Signal<bool>,
) -> impl IntoView {
    let offered = StoredValue::new(choices);
    let choose = move |ev: leptos::ev::Event| {
        let key = event_target_value(&ev);
        if let Some(chosen) = offered.with_value(|o| o.iter().find(|c| c.key() == key).cloned()) {
            cloud.set(chosen);
        }
    };
    view! {
        <div class="field sign-in__choice">
            <label class="field__label" for="cloud-choice">
                "Microsoft cloud"
            </label>
            <select
                class="field__input"
                id="cloud-choice"
                data-testid="cloud-choice"
                aria-describedby="cloud-choice-hint"
                disabled=disabled
                on:change=choose
            >
                {offered
                    .get_value()
                    .into_iter()
                    .map(|c| {
                        let key = c.key();
                        view! {
                            <option value=key selected=move || cloud.with(|now| now.key() == key)>
                                {c.label()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <p class="field__hint" id="cloud-choice-hint">
                "The cloud your tenant lives in. The tool then talks to that cloud's hosts only, until you sign out."
            </p>
        </div>
    }
}
