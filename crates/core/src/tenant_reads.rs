//! Reads whose answer is the same for every environment of a tenant, asked once per pass.
//!
//! Each environment's inspection asks Microsoft Graph whether the vendor's service principals
//! exist. Graph answers for the whole tenant, so over a pass across fifty environments the
//! same two questions would go out a hundred times, all to one host. [`TenantReads`] wraps a
//! client for one pass (one dashboard inspection, one batch): the first identical GET to a
//! tenant-wide audience goes out, concurrent ones wait for its answer, later ones reuse it.
//!
//! Only answers that stand for the whole pass are kept: success, 404 (Graph's "no such service
//! principal", i.e. not consented), and Graph refusing the tool itself (401, 403, or no token
//! without a sign-in: its Application.Read.All permission is not consented), which each
//! procedure reads as "consent unknown" and which asking fifty times over would not change; a
//! new pass asks again. A refusal that may pass (429, 5xx) or another transport error goes to
//! everyone who was waiting for that request, and the next ask sends again, so each
//! procedure's own retry policy still applies. Nothing here ever holds a token: the key is the
//! method, URL and audience, and the wrapped client adds the token.

use std::cell::RefCell;
use std::collections::HashMap;

use futures_channel::oneshot;

use crate::http::{HttpClient, HttpRequest, HttpResponse, Method, TransportError};

type Answer = Result<HttpResponse, TransportError>;

enum Slot {
    /// Sent, not answered yet: these wait for the answer.
    InFlight(Vec<oneshot::Sender<Answer>>),
    /// Answered, and the answer stands for the pass (see the module's notes).
    Known(Answer),
}

/// A client that asks each tenant-wide read once. Make one per pass, so that a later pass
/// (say, after the admin granted consent) sees Graph anew.
pub struct TenantReads<C> {
    inner: C,
    tenant_audiences: Vec<String>,
    slots: RefCell<HashMap<String, Slot>>,
}

impl<C: HttpClient> TenantReads<C> {
    /// Wraps `inner`; GETs to any of `tenant_audiences` (e.g. the cloud's Graph endpoint) are
    /// shared. Audiences compare without a trailing slash.
    pub fn new(inner: C, tenant_audiences: &[&str]) -> Self {
        TenantReads {
            inner,
            tenant_audiences: tenant_audiences
                .iter()
                .map(|a| a.trim_end_matches('/').to_owned())
                .collect(),
            slots: RefCell::new(HashMap::new()),
        }
    }

    /// How many distinct answers are kept (for tests and benches).
    pub fn known(&self) -> usize {
        self.slots
            .borrow()
            .values()
            .filter(|s| matches!(s, Slot::Known(_)))
            .count()
    }

    fn key(&self, req: &HttpRequest) -> Option<String> {
        let audience = req.audience.as_deref()?.trim_end_matches('/');
        (req.method == Method::Get && self.tenant_audiences.iter().any(|a| a == audience))
            .then(|| format!("{audience} {}", req.url))
    }

    async fn send_shared(&self, key: String, req: HttpRequest) -> Answer {
        loop {
            let waiting = {
                let mut slots = self.slots.borrow_mut();
                match slots.get_mut(&key) {
                    Some(Slot::Known(answer)) => return answer.clone(),
                    Some(Slot::InFlight(waiters)) => {
                        let (tx, rx) = oneshot::channel();
                        waiters.push(tx);
                        Some(rx)
                    }
                    None => {
                        slots.insert(key.clone(), Slot::InFlight(Vec::new()));
                        None
                    }
                }
            };
            match waiting {
                Some(rx) => match rx.await {
                    Ok(answer) => return answer,
                    // The sender was dropped without answering (its run was cancelled
                    // mid-request): ask again, perhaps as the one who sends.
                    Err(oneshot::Canceled) => continue,
                },
                None => {
                    let guard = Leader {
                        slots: &self.slots,
                        key: &key,
                    };
                    let answer = self.inner.send(req).await;
                    guard.settle(&answer);
                    return answer;
                }
            }
        }
    }
}

/// The one request in flight for a key. Dropped unanswered (a cancelled run), it frees the
/// key so a waiter sends instead.
struct Leader<'a> {
    slots: &'a RefCell<HashMap<String, Slot>>,
    key: &'a str,
}

impl Leader<'_> {
    fn settle(self, answer: &Answer) {
        let keep = match answer {
            Ok(r) => r.is_success() || matches!(r.status, 401 | 403 | 404),
            Err(e) => matches!(e, TransportError::SignInNeeded { .. }),
        };
        let previous = if keep {
            self.slots
                .borrow_mut()
                .insert(self.key.to_owned(), Slot::Known(answer.clone()))
        } else {
            self.slots.borrow_mut().remove(self.key)
        };
        if let Some(Slot::InFlight(waiters)) = previous {
            for waiter in waiters {
                let _ = waiter.send(answer.clone());
            }
        }
    }
}

impl Drop for Leader<'_> {
    fn drop(&mut self) {
        // Still in flight means unanswered (settle replaces or removes the slot): dropping
        // the senders wakes every waiter, who then asks again.
        let mut slots = self.slots.borrow_mut();
        if matches!(slots.get(self.key), Some(Slot::InFlight(_))) {
            slots.remove(self.key);
        }
    }
}

impl<C: HttpClient> HttpClient for TenantReads<C> {
    async fn send(&self, req: HttpRequest) -> Answer {
        match self.key(&req) {
            Some(key) => self.send_shared(key, req).await,
            None => self.inner.send(req).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::future::join_all;
    use std::cell::Cell;
    use std::future::Future;

    const GRAPH: &str = "https://graph.microsoft.com";

    /// Answers every request with `status` after yielding once, counting what was sent.
    struct Counting {
        sent: Cell<usize>,
        status: Cell<u16>,
    }

    impl HttpClient for Counting {
        async fn send(&self, _: HttpRequest) -> Answer {
            self.sent.set(self.sent.get() + 1);
            yield_once().await;
            Ok(HttpResponse::empty(self.status.get()))
        }
    }

    async fn yield_once() {
        let mut yielded = false;
        std::future::poll_fn(|cx| {
            if yielded {
                std::task::Poll::Ready(())
            } else {
                yielded = true;
                cx.waker().wake_by_ref();
                std::task::Poll::Pending
            }
        })
        .await
    }

    fn get(url: &str, audience: &str) -> HttpRequest {
        HttpRequest {
            method: Method::Get,
            url: url.into(),
            headers: Vec::new(),
            body: None,
            audience: Some(audience.into()),
        }
    }

    fn client(status: u16) -> Counting {
        Counting {
            sent: Cell::new(0),
            status: Cell::new(status),
        }
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn concurrent_and_later_identical_graph_reads_go_out_once() {
        let inner = client(200);
        let reads = TenantReads::new(&inner, &[&format!("{GRAPH}/")]);
        let url = format!("{GRAPH}/v1.0/servicePrincipals(appId='a')");
        let answers = block_on(join_all((0..10).map(|_| reads.send(get(&url, GRAPH)))));
        assert!(answers.iter().all(|a| a.as_ref().unwrap().status == 200));
        block_on(reads.send(get(&url, GRAPH))).unwrap();
        assert_eq!(inner.sent.get(), 1);
        assert_eq!(reads.known(), 1);
    }

    #[test]
    fn environment_reads_and_writes_are_never_shared() {
        let inner = client(200);
        let reads = TenantReads::new(&inner, &[GRAPH]);
        let org = "https://org1.crm.dynamics.com";
        let url = format!("{org}/api/data/v9.2/WhoAmI");
        block_on(join_all((0..3).map(|_| reads.send(get(&url, org)))));
        let mut post = get(&format!("{GRAPH}/v1.0/x"), GRAPH);
        post.method = Method::Post;
        block_on(join_all((0..3).map(|_| reads.send(post.clone()))));
        assert_eq!(inner.sent.get(), 6);
        assert_eq!(reads.known(), 0);
    }

    #[test]
    fn a_refusal_reaches_the_waiters_and_is_not_kept() {
        let inner = client(429);
        let reads = TenantReads::new(&inner, &[GRAPH]);
        let url = format!("{GRAPH}/v1.0/servicePrincipals(appId='a')");
        let answers = block_on(join_all((0..5).map(|_| reads.send(get(&url, GRAPH)))));
        assert!(answers.iter().all(|a| a.as_ref().unwrap().status == 429));
        assert_eq!(inner.sent.get(), 1, "waiters share the refusal");
        inner.status.set(200);
        assert_eq!(block_on(reads.send(get(&url, GRAPH))).unwrap().status, 200);
        assert_eq!(inner.sent.get(), 2, "the next ask sends again");
    }

    #[test]
    fn graph_refusing_the_tool_is_kept_for_the_pass_so_fifty_environments_ask_once() {
        for status in [401, 403] {
            let inner = client(status);
            let reads = TenantReads::new(&inner, &[GRAPH]);
            let url = format!("{GRAPH}/v1.0/servicePrincipals(appId='a')");
            let answers = block_on(join_all((0..50).map(|_| reads.send(get(&url, GRAPH)))));
            assert!(answers.iter().all(|a| a.as_ref().unwrap().status == status));
            block_on(reads.send(get(&url, GRAPH))).unwrap();
            assert_eq!(inner.sent.get(), 1, "{status}");
        }
    }

    #[test]
    fn no_graph_token_without_a_sign_in_is_kept_for_the_pass() {
        struct NoToken(Cell<usize>);
        impl HttpClient for NoToken {
            async fn send(&self, req: HttpRequest) -> Answer {
                self.0.set(self.0.get() + 1);
                yield_once().await;
                Err(TransportError::SignInNeeded {
                    audience: req.audience.unwrap_or_default(),
                    message: "AADSTS65001: consent_required".into(),
                })
            }
        }
        let inner = NoToken(Cell::new(0));
        let reads = TenantReads::new(&inner, &[GRAPH]);
        let url = format!("{GRAPH}/v1.0/servicePrincipals(appId='a')");
        let answers = block_on(join_all((0..5).map(|_| reads.send(get(&url, GRAPH)))));
        assert!(answers
            .iter()
            .all(|a| matches!(a, Err(TransportError::SignInNeeded { .. }))));
        assert!(block_on(reads.send(get(&url, GRAPH))).is_err());
        assert_eq!(inner.0.get(), 1);
    }

    #[test]
    fn a_cancelled_sender_hands_over_to_a_waiter() {
        let inner = client(200);
        let reads = TenantReads::new(&inner, &[GRAPH]);
        let url = format!("{GRAPH}/v1.0/servicePrincipals(appId='a')");
        block_on(async {
            let mut leader = Box::pin(reads.send(get(&url, GRAPH)));
            let waker = futures_util::task::noop_waker();
            let mut cx = std::task::Context::from_waker(&waker);
            assert!(leader.as_mut().poll(&mut cx).is_pending());
            let mut waiter = Box::pin(reads.send(get(&url, GRAPH)));
            assert!(waiter.as_mut().poll(&mut cx).is_pending());
            drop(leader);
            assert_eq!(waiter.await.unwrap().status, 200);
        });
        assert_eq!(inner.sent.get(), 2);
    }
}
