//! The little DOM building the sign-in shell needs, straight on web-sys.
//!
//! The shell (configuration, sign-in, cloud choice, registration guide, framing refusal) is
//! the first screen every admin downloads, so it carries no framework: Leptos and its reactive
//! runtime load with the signed-in workspace's wasm chunk (README, "How the production build
//! is made"). A screen here is built whole from its state and replaces the previous one; the
//! few things that change in place (the cloud label, a button while it works) are kept as
//! elements and updated directly.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, UnwrapThrowExt};
use web_sys::{Document, Element, Event, HtmlElement};

/// The page's document. A page without one cannot show anything at all, so there is nothing
/// better to do than stop.
pub fn document() -> Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect_throw("no document")
}

/// An element being built.
pub struct El(Element);

/// A new `<tag>`.
pub fn el(tag: &str) -> El {
    El(document().create_element(tag).expect_throw("element"))
}

impl El {
    /// Sets an attribute.
    pub fn attr(self, name: &str, value: &str) -> Self {
        let _ = self.0.set_attribute(name, value);
        self
    }

    /// Sets a boolean attribute (present or absent), like `disabled`.
    pub fn flag(self, name: &str, on: bool) -> Self {
        set_flag(&self.0, name, on);
        self
    }

    /// `class="…"`.
    pub fn class(self, class: &str) -> Self {
        self.attr("class", class)
    }

    /// `data-testid="…"`, the hook the browser tests use (`src/ui/README.md`).
    pub fn test_id(self, id: &str) -> Self {
        self.attr("data-testid", id)
    }

    /// Appends text.
    pub fn text(self, text: &str) -> Self {
        let _ = self.0.append_with_str_1(text);
        self
    }

    /// Appends a child element.
    pub fn child(self, child: El) -> Self {
        let _ = self.0.append_with_node_1(&child.0);
        self
    }

    /// Appends a child element, if there is one.
    pub fn maybe(self, child: Option<El>) -> Self {
        match child {
            Some(child) => self.child(child),
            None => self,
        }
    }

    /// Calls `handler` on `event`; the listener lives as long as `listeners` (the screen's).
    pub fn on(
        self,
        event: &str,
        listeners: &mut Listeners,
        handler: impl FnMut(Event) + 'static,
    ) -> Self {
        let closure = Closure::<dyn FnMut(Event)>::new(handler);
        let _ = self
            .0
            .add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
        listeners.0.push(closure);
        self
    }

    /// The element, to keep for updating in place.
    pub fn element(&self) -> Element {
        self.0.clone()
    }

    /// The finished element.
    pub fn done(self) -> Element {
        self.0
    }
}

/// Sets or removes a boolean attribute.
pub fn set_flag(element: &Element, name: &str, on: bool) {
    let _ = if on {
        element.set_attribute(name, "")
    } else {
        element.remove_attribute(name)
    };
}

/// A screen's event listeners: dropped (and so removed from the page's reach) with the
/// screen. A listener may drop its own screen while it runs: wasm-bindgen frees a closure
/// only once its last call returned.
#[derive(Default)]
pub struct Listeners(Vec<Closure<dyn FnMut(Event)>>);

/// `<section class="error-panel" role="alert" data-testid="error">`: what went wrong and what
/// to do, the same markup as the workspace's `ErrorPanel`.
pub fn error_panel(title: &str, message: &str) -> El {
    el("section")
        .class("error-panel")
        .attr("role", "alert")
        .test_id("error")
        .child(el("h2").class("error-panel__title").text(title))
        .child(el("p").class("error-panel__message").text(message))
}

/// `<p class="page__loading" role="status">`.
pub fn loading(text: &str) -> El {
    el("p")
        .class("page__loading")
        .attr("role", "status")
        .text(text)
}

/// `<body>`.
pub fn body() -> HtmlElement {
    document().body().expect_throw("no body")
}
