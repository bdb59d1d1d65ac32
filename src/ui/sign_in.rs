use std::cell::{Cell, RefCell};
use std::rc::Rc;

use w365_core::cloud::Cloud;
use wasm_bindgen_futures::spawn_local;
use web_sys::Element;

use super::app::Page;
use super::cloud_picker::cloud_picker;
use super::dom::{el, error_panel, loading, set_flag, El, Listeners};
use super::workspace_loader::{self, WorkspaceHandle};
use crate::auth::{current_page_url, msal_config};
use crate::bridge::msal::{self, Account, AuthError, AuthErrorKind};
use crate::config::AppConfig;
use crate::run::{guide_progress, store};
use crate::{cloud_choice, csp, login_hint};

/// Signs the admin in (silently when their Microsoft session allows, otherwise
/// through Microsoft's sign-in window) and then shows the environments.
///
/// Tokens live only in the page's memory, so after a reload the page signs in again silently
/// with the last sign-in's username as the hint (`login_hint`), and shows the sign-in button
/// when Microsoft wants the admin.
///
/// When `config.json` lets the admin choose the cloud, the sign-in screen offers the choice;
/// the silent attempt is made only for a cloud chosen earlier in this session, never guessed.
pub fn start(page: Page, config: AppConfig, client_id: String) {
    let choosable = !config.choices.is_empty();
    let remembered = cloud_choice::remembered(&config.choices);
    let silent_first = !choosable || remembered.is_some();
    let cloud = remembered.unwrap_or_else(|| config.cloud.clone());
    let gate = Rc::new(Gate {
        page,
        config,
        client_id,
        choosable,
        cloud: RefCell::new(cloud),
        msal_cloud: Cell::new(None),
        // A fixed cloud's policy was added when config.json was read.
        narrowed: Cell::new(!choosable),
        screen: Cell::new(0),
        pending: Cell::new(false),
        live: RefCell::default(),
        workspace: RefCell::new(None),
    });
    gate.next_screen();
    gate.page.show(
        vec![loading("Checking your Microsoft sign-in…")],
        Listeners::default(),
    );
    spawn_local(async move {
        let next = match gate.start_msal(gate.cloud()).await {
            Ok(Some(account)) => return gate.signed_in(account),
            // The admin is usually signed in to Microsoft already: try that first.
            Ok(None) if silent_first => {
                match msal::sign_in_silently(login_hint::remembered().as_deref()).await {
                    Ok(account) => return gate.signed_in(account),
                    // A configuration Entra refuses is said at once; anything else (no
                    // session, a prompt needed) just leaves the sign-in button.
                    Err(error) if configuration_refused(&error) => Some(error),
                    Err(_) => None,
                }
            }
            Ok(None) => None,
            Err(error) => Some(error),
        };
        gate.show_signed_out(next);
    });
}

/// The sign-in screen's state, shared by its handlers.
struct Gate {
    page: Page,
    config: AppConfig,
    client_id: String,
    choosable: bool,
    /// The cloud the sign-in button signs in to.
    cloud: RefCell<Cloud>,
    /// The cloud MSAL is set up for (its key), so a new choice sets it up again.
    msal_cloud: Cell<Option<&'static str>>,
    /// Whether the page's policy admits only the signed-in cloud yet.
    narrowed: Cell<bool>,
    /// Counts the screens shown: work that ends after its screen was replaced is dropped.
    screen: Cell<u32>,
    /// The sign-in window is open (the button says so and does nothing meanwhile).
    pending: Cell<bool>,
    /// The current screen's elements that follow the state in place.
    live: RefCell<Live>,
    /// The signed-in workspace, while it is shown; dropping it unmounts it.
    workspace: RefCell<Option<WorkspaceHandle>>,
}

#[derive(Default)]
struct Live {
    cloud_label: Option<Element>,
    button: Option<Element>,
    picker: Option<Element>,
}

impl Gate {
    fn cloud(&self) -> Cloud {
        self.cloud.borrow().clone()
    }

    /// Starts MSAL for `chosen` (again, for another cloud) and returns who is signed in to it.
    async fn start_msal(&self, chosen: Cloud) -> Result<Option<Account>, AuthError> {
        let settings = msal_config(
            &self.config.with_cloud(chosen.clone()),
            &self.client_id,
            &current_page_url(),
        );
        let account = msal::init(&settings).await?;
        self.msal_cloud.set(Some(chosen.key()));
        Ok(account)
    }

    /// A new screen begins: the previous one's live elements and workspace go.
    fn next_screen(&self) -> u32 {
        let screen = self.screen.get().wrapping_add(1);
        self.screen.set(screen);
        self.pending.set(false);
        *self.live.borrow_mut() = Live::default();
        // Unmounted before its elements leave the page.
        drop(self.workspace.borrow_mut().take());
        screen
    }

    fn signed_in(self: &Rc<Self>, account: Account) {
        if !self.narrowed.get() {
            // Signed in to the chosen cloud: from now on the browser refuses every other
            // host, and a reload signs in to the same cloud.
            let chosen = self.cloud();
            cloud_choice::remember(&chosen);
            csp::restrict_to(&chosen);
            self.narrowed.set(true);
        }
        login_hint::remember(&account.username);
        self.show_signed_in(account);
    }

    /// `Cloud: … — sign-in at … (…)`, the `cloud` line of the sign-in screen and session bar.
    fn cloud_line(&self, class: &str) -> El {
        let tenant = &self.config.tenant;
        let line = el("p")
            .class(class)
            .test_id("cloud")
            .attr("data-tenant", tenant.segment());
        let element = line.element();
        self.live.borrow_mut().cloud_label = Some(element);
        self.update_cloud_line();
        line
    }

    fn update_cloud_line(&self) {
        let live = self.live.borrow();
        let Some(line) = &live.cloud_label else {
            return;
        };
        let tenant = &self.config.tenant;
        let directory = if tenant.is_specific() {
            format!(
                "only accounts of the directory {}: a single-tenant app registration",
                tenant.segment()
            )
        } else {
            "any work or school directory: a multi-tenant app registration".to_owned()
        };
        let cloud = self.cloud.borrow();
        let _ = line.set_attribute("data-cloud", cloud.key());
        line.set_text_content(Some(&format!(
            "Cloud: {} — sign-in at {} ({directory})",
            cloud.label(),
            cloud.endpoints().authority_for(tenant)
        )));
    }

    fn choose(&self, key: &str) {
        let Some(chosen) = self.config.choices.iter().find(|c| c.key() == key) else {
            return;
        };
        *self.cloud.borrow_mut() = chosen.clone();
        self.update_cloud_line();
    }

    fn set_pending(&self, on: bool) {
        self.pending.set(on);
        let live = self.live.borrow();
        if let Some(button) = &live.button {
            set_flag(button, "disabled", on);
            button.set_text_content(Some(if on {
                "Signing in…"
            } else {
                "Sign in with Microsoft"
            }));
        }
        if let Some(picker) = &live.picker {
            set_flag(picker, "disabled", on);
        }
    }

    fn show_signed_out(self: &Rc<Self>, error: Option<AuthError>) {
        self.next_screen();
        let mut listeners = Listeners::default();
        let picker = self.choosable.then(|| {
            let gate = self.clone();
            let (picker, select) = cloud_picker(
                &self.config.choices,
                &self.cloud(),
                &mut listeners,
                move |key| gate.choose(key),
            );
            self.live.borrow_mut().picker = Some(select);
            picker
        });
        // Entra may show AADSTS50194 on its own page instead of answering the app: the window
        // is then closed by the admin, so say what that error means (a configured directory
        // cannot be its cause).
        let hint = error
            .as_ref()
            .filter(|e| e.kind == AuthErrorKind::Cancelled && !self.config.tenant.is_specific())
            .map(|_| {
                el("p").class("sign-in__hint").test_id("tenant-hint").text(
                    "If Microsoft's window said AADSTS50194 (“not configured as a multi-tenant application”), this tool's app registration \
                     is single-tenant: add \"tenant\": \"<your directory (tenant) id>\" to config.json beside index.html, then reload.",
                )
            });
        let problem =
            error.map(|e| error_panel("Sign-in did not complete", &format!("{e}. {}", e.remedy())));
        let gate = self.clone();
        let button = el("button")
            .class("button button--primary")
            .test_id("sign-in")
            .text("Sign in with Microsoft")
            .on("click", &mut listeners, move |_| gate.press_sign_in());
        self.live.borrow_mut().button = Some(button.element());
        let section = el("section")
            .class("sign-in")
            .attr("aria-labelledby", "sign-in-title")
            .child(el("h2").attr("id", "sign-in-title").text("Sign in"))
            .child(
                el("p")
                    .text("Sign in with an account that is System Administrator in the environments to switch. ")
                    .text("You may be asked once to allow the tool access to Dataverse (Dynamics CRM). ")
                    .text("Reading the tenant's enterprise applications through Microsoft Graph is optional and never asked for here."),
            )
            .maybe(picker)
            .child(self.cloud_line("sign-in__cloud"))
            .maybe(problem)
            .maybe(hint)
            .child(button);
        self.page.show(vec![section], listeners);
    }

    fn press_sign_in(self: &Rc<Self>) {
        if self.pending.get() {
            return;
        }
        // The popup takes a while: fetch the signed-in part meanwhile.
        workspace_loader::prefetch();
        self.set_pending(true);
        let gate = self.clone();
        let screen = self.screen.get();
        spawn_local(async move {
            let chosen = gate.cloud();
            let result = async {
                if gate.msal_cloud.get() != Some(chosen.key()) {
                    gate.start_msal(chosen).await?;
                }
                msal::sign_in_with_popup().await
            }
            .await;
            if gate.screen.get() != screen {
                return;
            }
            match result {
                Ok(account) => gate.signed_in(account),
                Err(error) => gate.show_signed_out(Some(error)),
            }
        });
    }

    fn show_signed_in(self: &Rc<Self>, account: Account) {
        let screen = self.next_screen();
        let mut listeners = Listeners::default();
        let gate = self.clone();
        let session = el("div")
            .class("session")
            .child(
                el("p")
                    .class("session__who")
                    .test_id("signed-in-as")
                    .text("Signed in as ")
                    .child(el("strong").text(&account.name))
                    .text(" (")
                    .text(&account.username)
                    .text(")"),
            )
            .child(self.cloud_line("session__cloud"))
            .child(
                el("button")
                    .class("button")
                    .test_id("sign-out")
                    .text("Sign out")
                    .on("click", &mut listeners, move |_| gate.sign_out()),
            );
        let status = loading("Loading your environments…");
        let status_line = status.element();
        self.page.show(vec![session, status], listeners);

        let gate = self.clone();
        let config = self.config.with_cloud(self.cloud());
        spawn_local(async move {
            let loaded = workspace_loader::load().await;
            if gate.screen.get() != screen {
                return; // signed out meanwhile
            }
            match loaded {
                Ok(mount) => {
                    status_line.remove();
                    let workspace = mount(account, config, gate.page.main());
                    *gate.workspace.borrow_mut() = Some(workspace);
                }
                Err(error) => {
                    let panel =
                        error_panel("The tool did not finish loading", &format!("{error}."));
                    let _ = status_line.replace_with_with_node_1(&panel.done());
                }
            }
        });
    }

    fn sign_out(self: &Rc<Self>) {
        let gate = self.clone();
        spawn_local(async move {
            let _ = msal::sign_out().await;
            // The run record belongs to this sign-in; the next one starts afresh.
            store::clear();
            guide_progress::clear();
            login_hint::forget();
            if gate.choosable {
                // The page's policy admits only the cloud just left: a fresh page offers
                // every choice again.
                cloud_choice::forget();
                if let Some(window) = web_sys::window() {
                    let _ = window.location().reload();
                }
                return;
            }
            gate.show_signed_out(None);
        });
    }
}

/// Whether Entra refused the configuration itself (the directory), which the admin fixes in
/// `config.json`: worth saying even when nobody pressed a button yet.
fn configuration_refused(error: &AuthError) -> bool {
    matches!(
        error.kind,
        AuthErrorKind::TenantRequired | AuthErrorKind::UnknownTenant
    )
}
