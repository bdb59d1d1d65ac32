use w365_core::cloud::Cloud;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlSelectElement};

use super::dom::{el, El, Listeners};

/// The cloud to sign in to, on the sign-in screen, when `config.json` lets the admin choose:
/// `choices` in order (the core's cloud table, or the configured list), `chosen` selected;
/// `choose` gets the key of the one picked. Returns the field and its `<select>` (disabled
/// while a sign-in runs).
pub fn cloud_picker(
    choices: &[Cloud],
    chosen: &Cloud,
    listeners: &mut Listeners,
    choose: impl Fn(&str) + 'static,
) -> (El, Element) {
    let mut select = el("select")
        .class("field__input")
        .attr("id", "cloud-choice")
        .test_id("cloud-choice")
        .attr("aria-describedby", "cloud-choice-hint")
        .on("change", listeners, move |event| {
            let picked = event
                .target()
                .and_then(|t| t.dyn_into::<HtmlSelectElement>().ok())
                .map(|s| s.value());
            if let Some(key) = picked {
                choose(&key);
            }
        });
    for cloud in choices {
        select = select.child(
            el("option")
                .attr("value", cloud.key())
                .flag("selected", cloud.key() == chosen.key())
                .text(cloud.label()),
        );
    }
    let element = select.element();
    let field = el("div")
        .class("field sign-in__choice")
        .child(
            el("label")
                .class("field__label")
                .attr("for", "cloud-choice")
                .text("Microsoft cloud"),
        )
        .child(select)
        .child(
            el("p")
                .class("field__hint")
                .attr("id", "cloud-choice-hint")
                .text("The cloud your tenant lives in. The tool then talks to that cloud's hosts only, until you sign out."),
        );
    (field, element)
}
