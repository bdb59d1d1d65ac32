//! The signed-in workspace (dashboard, environment view, batch, report and the procedure
//! they drive) is a separate wasm chunk: the sign-in screen does not download it. This is
//! the one split point; `js/split.mjs` cuts the module there at build time (README, "How
//! the production build is made").

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos::wasm_split::{wasm_split, SplitLoaderError};

use super::widgets::ErrorPanel;
use super::workspace::Workspace;
use crate::bridge::msal::Account;
use crate::config::AppConfig;

/// The workspace chunk could not be fetched or instantiated (offline, a server error, or a
/// page older than the site it was loaded from).
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "The part of the tool that lists your environments could not be downloaded. \
     Check the connection, then reload the page to try again"
)]
pub struct WorkspaceLoadError;

impl From<SplitLoaderError> for WorkspaceLoadError {
    fn from(_: SplitLoaderError) -> Self {
        // The loader logs the cause (HTTP status, compile error) to the console itself.
        WorkspaceLoadError
    }
}

/// Builds the workspace view; it lives in the chunk, so only a pointer to it crosses over.
type BuildWorkspace = fn(Account, AppConfig) -> AnyView;

/// Fetches the workspace chunk (once; a failure is retried on the next call) and hands back
/// its entry point. The body runs inside the chunk.
#[wasm_split(
    workspace,
    wasm_split_path = ::leptos::wasm_split,
    preload(prefetch_workspace),
    fallible
)]
fn load_workspace() -> Result<BuildWorkspace, WorkspaceLoadError> {
    Ok(|account, config| view! { <Workspace account config /> }.into_any())
}

/// Starts fetching the workspace chunk ahead of need (when sign-in starts); a failure here
/// is reported by the real load.
pub fn prefetch() {
    spawn_local(async {
        let _ = prefetch_workspace().await;
    });
}

/// The signed-in page: the workspace once its chunk is loaded, or why it could not be.
#[component]
pub fn WorkspaceLoader(account: Account, config: AppConfig) -> impl IntoView {
    let chunk = LocalResource::new(load_workspace);
    move || {
        match chunk.get() {
        None => view! {
            <p class="page__loading" role="status">
                "Loading your environments…"
            </p>
        }
        .into_any(),
        Some(Err(error)) => view! { <ErrorPanel title="The tool did not finish loading" message=format!("{error}.") /> }
        .into_any(),
        Some(Ok(build)) => build(account.clone(), config.clone()),
    }
    }
}
