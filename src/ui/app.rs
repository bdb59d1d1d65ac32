use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlElement;

use super::dom::{body, el, error_panel, loading, El, Listeners};
use super::registration_guide::registration_guide;
use super::sign_in;
use crate::config::AppConfig;

/// The page's `<main>`: shows one screen at a time, keeping that screen's listeners alive.
#[derive(Clone)]
pub struct Page(Rc<PageInner>);

pub struct PageInner {
    main: HtmlElement,
    listeners: RefCell<Listeners>,
}

impl Page {
    /// Replaces what `<main>` shows with `screen` (elements side by side), whose listeners
    /// are `listeners`.
    pub fn show(&self, screen: Vec<El>, listeners: Listeners) {
        let main = &self.0.main;
        main.set_text_content(None);
        for part in screen {
            let _ = main.append_with_node_1(&part.done());
        }
        // The old screen's listeners go only now: one of them may be what called this.
        drop(self.0.listeners.replace(listeners));
    }

    /// The `<main>` element (the workspace mounts into it, after the session bar).
    pub fn main(&self) -> HtmlElement {
        self.0.main.clone()
    }
}

/// The whole page: configuration first, then sign-in, then the environments.
pub fn start() {
    let masthead = el("header")
        .class("masthead")
        .child(
            el("h1")
                .class("masthead__title")
                .text("Work 365 application user"),
        )
        .child(el("p").class("masthead__tagline").text(
            "Move Work 365 off a licensed service account onto its application user — checked at every step.",
        ));
    let main: HtmlElement = el("main").class("page").done().unchecked_into();
    let body = body();
    let _ = body.append_with_node_1(&masthead.done());
    let _ = body.append_with_node_1(&main);
    let page = Page(Rc::new(PageInner {
        main,
        listeners: RefCell::default(),
    }));
    page.show(
        vec![loading("Loading configuration…")],
        Listeners::default(),
    );
    spawn_local(async move {
        match AppConfig::load().await {
            Err(error) => page.show(
                vec![error_panel(
                    "The tool is not configured correctly",
                    &error.to_string(),
                )],
                Listeners::default(),
            ),
            Ok(config) => match config.client_id.clone() {
                None => page.show(vec![registration_guide(&config)], Listeners::default()),
                Some(client_id) => sign_in::start(page, config, client_id),
            },
        }
    });
}
