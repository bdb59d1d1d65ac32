//! The signed-in workspace (dashboard, environment view, batch, report and the procedure
//! they drive) is a separate wasm chunk, and so is Leptos, which only the workspace uses: the
//! sign-in screen downloads neither. This is the one split point; `js/split.mjs` cuts the
//! module there at build time (README, "How the production build is made").

use std::any::Any;

use leptos::prelude::*;
use leptos::wasm_split::{wasm_split, SplitLoaderError};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlElement;

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

/// The mounted workspace; dropping it unmounts it (its reactive owner, effects and elements).
pub struct WorkspaceHandle(#[allow(dead_code)] Box<dyn Any>);

/// Mounts the workspace at the end of a parent element; it lives in the chunk, so only a
/// pointer to it crosses over.
pub type MountWorkspace = fn(Account, AppConfig, HtmlElement) -> WorkspaceHandle;

/// Fetches the workspace chunk (once; a failure is retried on the next call) and hands back
/// its entry point. The body runs inside the chunk.
#[wasm_split(
    workspace,
    wasm_split_path = ::leptos::wasm_split,
    preload(prefetch_workspace),
    fallible
)]
fn load_workspace() -> Result<MountWorkspace, WorkspaceLoadError> {
    Ok(|account, config, parent| {
        // Panic messages on the console: the hook's formatting stays out of the first screen,
        // and the workspace is where nearly all the code runs.
        console_error_panic_hook::set_once();
        let mounted = leptos::mount::mount_to(parent, move || {
            view! { <Workspace account config /> }
        });
        WorkspaceHandle(Box::new(mounted))
    })
}

/// The workspace's entry point, once its chunk is loaded.
pub async fn load() -> Result<MountWorkspace, WorkspaceLoadError> {
    load_workspace().await
}

/// Starts fetching the workspace chunk ahead of need (when sign-in starts); a failure here
/// is reported by the real load.
pub fn prefetch() {
    spawn_local(async {
        let _ = prefetch_workspace().await;
    });
}
