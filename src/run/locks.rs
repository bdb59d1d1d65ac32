//! The browser's Web Locks API (`navigator.locks`), for one writer per environment across the
//! tabs of this origin. A lock is held from the moment it is granted until its [`HeldLock`] is
//! dropped, or the page goes (the browser then gives it back itself).
//!
//! web-sys still marks `LockManager` unstable, so the calls go through `js_sys::Reflect`; no
//! `JsValue` leaves this module.

use futures_channel::oneshot;
use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{spawn_local, JsFuture};

/// A granted lock; dropping it gives the lock back.
pub struct HeldLock {
    release: Option<Function>,
}

impl Drop for HeldLock {
    fn drop(&mut self) {
        if let Some(release) = self.release.take() {
            let _ = release.call0(&JsValue::UNDEFINED);
        }
    }
}

/// How an attempt without waiting ended.
pub enum Attempt {
    /// Granted.
    Held(HeldLock),
    /// Another tab holds it.
    Busy,
    /// No Web Locks API here (an old browser, an insecure context).
    Unavailable,
}

/// A wait that can be given up.
pub struct Waiting {
    controller: Option<web_sys::AbortController>,
    /// Dropped to end the wait at once (an aborted request never calls back).
    stop: Option<oneshot::Sender<()>>,
}

impl Waiting {
    /// Stops waiting: the wait ends with `None`, and the request leaves the lock's queue.
    pub fn abort(mut self) {
        if let Some(c) = &self.controller {
            c.abort();
        }
        self.stop.take();
    }
}

/// Takes `name` if no one holds it.
pub async fn try_acquire(name: &str) -> Attempt {
    let options = Object::new();
    let _ = Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE);
    let Some(granted) = request(name, &options) else {
        return Attempt::Unavailable;
    };
    match granted.await {
        Ok(Some(lock)) => Attempt::Held(lock),
        Ok(None) => Attempt::Busy,
        Err(_) => Attempt::Unavailable,
    }
}

/// Waits for `name`; `None` if the wait was aborted or there is no lock manager. The second
/// value aborts the wait.
pub fn acquire_waiting(
    name: &str,
) -> (impl std::future::Future<Output = Option<HeldLock>>, Waiting) {
    let controller = web_sys::AbortController::new().ok();
    let options = Object::new();
    if let Some(c) = &controller {
        let _ = Reflect::set(&options, &"signal".into(), &c.signal());
    }
    let granted = request(name, &options);
    let (stop, stopped) = oneshot::channel::<()>();
    let wait = async move {
        let granted = granted?;
        match futures_util::future::select(granted, stopped).await {
            futures_util::future::Either::Left((held, _)) => held.ok().flatten(),
            futures_util::future::Either::Right(_) => None,
        }
    };
    (
        wait,
        Waiting {
            controller,
            stop: Some(stop),
        },
    )
}

/// `navigator.locks.request(name, options, callback)`: the receiver gets the lock when the
/// callback runs (`None`: `ifAvailable` and held elsewhere); `None` without a lock manager.
fn request(name: &str, options: &Object) -> Option<oneshot::Receiver<Option<HeldLock>>> {
    let navigator = web_sys::window()?.navigator();
    let locks = Reflect::get(&navigator, &"locks".into()).ok()?;
    if locks.is_undefined() || locks.is_null() {
        return None;
    }
    let request: Function = Reflect::get(&locks, &"request".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let (sender, receiver) = oneshot::channel();
    let callback = Closure::once_into_js(move |lock: JsValue| -> JsValue {
        if lock.is_null() {
            let _ = sender.send(None);
            return JsValue::UNDEFINED;
        }
        // The lock is held until the promise returned here settles: its resolve function is
        // the release.
        let mut release = None;
        let held = Promise::new(&mut |resolve, _reject| release = Some(resolve));
        // Nobody waits any more (the run was cancelled): the lock goes straight back.
        let _ = sender.send(Some(HeldLock { release }));
        held.into()
    });
    let settled = request
        .call3(&locks, &JsValue::from_str(name), options, &callback)
        .ok()?;
    // Settles when the lock is given back, or rejects when a wait is aborted: either is
    // expected, and awaiting it keeps an aborted wait from surfacing as an unhandled rejection.
    if let Ok(settled) = settled.dyn_into::<Promise>() {
        spawn_local(async move {
            let _ = JsFuture::from(settled).await;
        });
    }
    Some(receiver)
}
