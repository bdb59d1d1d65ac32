use super::dom::{body, el};

/// What a framed page shows instead of the tool: nothing to click, no sign-in.
pub fn show_framed() {
    let address = crate::auth::current_page_url();
    let refusal = el("main").class("page").child(
        el("section")
            .class("error-panel")
            .attr("role", "alert")
            .test_id("framed")
            .child(
                el("h1")
                    .class("error-panel__title")
                    .text("This tool does not run inside another page"),
            )
            .child(
                el("p")
                    .class("error-panel__message")
                    .text("It writes to your Dataverse environments, so it only runs in a tab or window of its own, ")
                    .text("where no other page can cover its buttons. Nothing was signed in and nothing was written. ")
                    .text("Open this address directly in a new tab: ")
                    .child(el("code").text(&address)),
            ),
    );
    let _ = body().append_with_node_1(&refusal.done());
}
