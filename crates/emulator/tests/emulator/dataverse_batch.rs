//! Dataverse's `$batch` as Microsoft Learn documents it (`pa: developer/data-platform/webapi/
//! execute-batch-operations-using-web-api.md`), written by hand like the page's examples:
//! parts answered in order, stop at the first error without `odata.continue-on-error`, every
//! part with it; each part logged and faulted as its own request.

use serde_json::{json, Value};

use crate::common::*;

const HOST: &str = "contosoprod.crm.dynamics.com";

/// A `$batch` body of `requests` (`METHOD target`, optional JSON body), boundary `batch_t`.
fn body(requests: &[(&str, Option<&str>)]) -> String {
    let mut b = String::new();
    for (line, json) in requests {
        b.push_str("--batch_t\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n");
        b.push_str(&format!("{line} HTTP/1.1\r\n"));
        if json.is_some() {
            b.push_str("Content-Type: application/json\r\n");
        }
        b.push_str("\r\n");
        b.push_str(json.unwrap_or_default());
        b.push_str("\r\n");
    }
    b.push_str("--batch_t--\r\n");
    b
}

/// Posts a `$batch` to `url`; returns the status, the `Content-Type` and the body (or `None`
/// when the connection was dropped).
async fn post_batch(
    t: &T,
    url: &str,
    token: &str,
    continue_on_error: bool,
    text: String,
) -> Option<(u16, String, String)> {
    let mut r = t
        .http
        .post(url)
        .bearer_auth(token)
        .header("Content-Type", "multipart/mixed; boundary=\"batch_t\"")
        .header("OData-Version", "4.0");
    if continue_on_error {
        r = r.header("Prefer", "odata.continue-on-error");
    }
    let r = r.body(text).send().await.ok()?;
    let status = r.status().as_u16();
    let ct = r.headers()["content-type"].to_str().expect("ct").to_owned();
    Some((status, ct, r.text().await.ok()?))
}

fn batch_url(t: &T) -> String {
    t.real(HOST, "/api/data/v9.2/$batch")
}

/// The status lines of an answer's parts, in order.
fn part_statuses(text: &str) -> Vec<u16> {
    text.lines()
        .filter_map(|l| l.strip_prefix("HTTP/1.1 "))
        .filter_map(|l| l.get(..3)?.parse().ok())
        .collect()
}

/// The log entries under the `$batch` logged last, as (method, path, status).
async fn parts_logged(t: &T) -> Vec<(String, String, Option<u64>)> {
    let state = t.state().await;
    let log = state["requests"].as_array().cloned().unwrap_or_default();
    let batch = log
        .iter()
        .rev()
        .find(|e| e["path"].as_str().is_some_and(|p| p.ends_with("/$batch")))
        .and_then(|e| e["seq"].as_u64())
        .expect("a $batch logged");
    log.iter()
        .filter(|e| e["batch"].as_u64() == Some(batch))
        .map(|e| {
            (
                e["method"].as_str().unwrap_or_default().to_owned(),
                e["path"].as_str().unwrap_or_default().to_owned(),
                e["status"].as_u64(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_batch_answers_each_part_in_order_and_logs_each_as_its_own_request() {
    let t = start("demo");
    let text = body(&[
        ("GET /api/data/v9.2/WhoAmI", None),
        ("GET /api/data/v9.2/roles?$select=name&$top=1", None),
    ]);
    let (status, ct, answer) = post_batch(&t, &batch_url(&t), &t.admin_prod(), true, text)
        .await
        .expect("answered");
    assert_eq!(status, 200);
    assert!(
        ct.starts_with("multipart/mixed; boundary=batchresponse_"),
        "{ct}"
    );
    assert_eq!(part_statuses(&answer), vec![200, 200]);
    assert!(answer.contains("Content-Transfer-Encoding: binary"));
    assert!(answer.find("UserId") < answer.find("\"name\""), "in order");
    let parts = parts_logged(&t).await;
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0].1, "/api/data/v9.2/WhoAmI");
    assert_eq!(parts[1].1, "/api/data/v9.2/roles?$select=name&$top=1");
}

#[tokio::test]
async fn without_continue_on_error_the_batch_stops_at_the_first_failure_and_takes_its_status() {
    let t = start("demo");
    let requests = [
        ("GET /api/data/v9.2/WhoAmI", None),
        ("GET /api/data/v9.2/nosuchset", None),
        ("GET /api/data/v9.2/WhoAmI", None),
    ];
    let (status, _, answer) =
        post_batch(&t, &batch_url(&t), &t.admin_prod(), false, body(&requests))
            .await
            .expect("answered");
    assert_eq!(status, 404);
    assert_eq!(part_statuses(&answer), vec![200, 404]);
    assert_eq!(parts_logged(&t).await.len(), 2, "the third part never ran");

    let (status, _, answer) =
        post_batch(&t, &batch_url(&t), &t.admin_prod(), true, body(&requests))
            .await
            .expect("answered");
    assert_eq!(status, 200);
    assert_eq!(part_statuses(&answer), vec![200, 404, 200]);
}

#[tokio::test]
async fn parts_write_like_single_requests_under_the_batch_s_sign_in() {
    let t = start("demo");
    let bu = t.root_bu("contosoprod");
    let create = app_user_body(US_APP, &bu).to_string();
    let text = body(&[("POST /api/data/v9.2/systemusers", Some(&create))]);
    let (status, _, answer) = post_batch(&t, &batch_url(&t), &t.admin_prod(), true, text)
        .await
        .expect("answered");
    assert_eq!(status, 200);
    assert_eq!(part_statuses(&answer), vec![204]);
    assert!(answer.contains(
        "OData-EntityId: https://contosoprod.crm.dynamics.com/api/data/v9.2/systemusers("
    ));
    let users: Vec<Value> = env_of(&t.state().await, "contosoprod")["system_users"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|u| u["applicationid"] == US_APP)
        .cloned()
        .collect();
    assert_eq!(users.len(), 1);

    // A token for another environment: the whole `$batch` is refused, no part runs.
    let other = t.token(ADMIN, "https://contosodev.crm.dynamics.com");
    let text = body(&[("GET /api/data/v9.2/WhoAmI", None)]);
    let (status, _, _) = post_batch(&t, &batch_url(&t), &other, true, text)
        .await
        .expect("answered");
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_fault_on_a_part_answers_that_part_and_a_dropped_part_drops_the_batch() {
    let t = start("demo");
    t.fault(json!({"method": "GET", "path": "/api/data/v9.2/WhoAmI", "action": {"status": 503}}))
        .await;
    let text = body(&[
        ("GET /api/data/v9.2/WhoAmI", None),
        ("GET /api/data/v9.2/roles?$top=1", None),
    ]);
    let (status, _, answer) = post_batch(&t, &batch_url(&t), &t.admin_prod(), true, text.clone())
        .await
        .expect("answered");
    assert_eq!(status, 200);
    assert_eq!(part_statuses(&answer), vec![503, 200]);
    let parts = parts_logged(&t).await;
    assert_eq!(parts[0].2, Some(503));

    t.fault(json!({"method": "GET", "path": "/api/data/v9.2/roles", "action": {"drop": "before"}}))
        .await;
    assert!(
        post_batch(&t, &batch_url(&t), &t.admin_prod(), true, text)
            .await
            .is_none(),
        "one connection: dropped as a whole"
    );
    let parts = parts_logged(&t).await;
    assert_eq!(
        parts.len(),
        2,
        "the part before ran; the dropped one is logged"
    );
    assert_eq!(parts[1].2, None);
}

#[tokio::test]
async fn a_fault_on_the_batch_path_answers_the_whole_batch() {
    let t = start("demo");
    t.fault(json!({"method": "POST", "path": "/api/data/v9.2/$batch", "action": {"status": 501}}))
        .await;
    let text = body(&[("GET /api/data/v9.2/WhoAmI", None)]);
    let (status, _, _) = post_batch(&t, &batch_url(&t), &t.admin_prod(), true, text)
        .await
        .expect("answered");
    assert_eq!(status, 501);
}

#[tokio::test]
async fn change_sets_nested_batches_and_over_a_thousand_parts_are_refused() {
    let t = start("demo");
    let change_set = "--batch_t\r\nContent-Type: multipart/mixed; boundary=changeset_x\r\n\r\n--changeset_x\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nGET /api/data/v9.2/WhoAmI HTTP/1.1\r\n\r\n\r\n--changeset_x--\r\n--batch_t--\r\n";
    let (status, _, answer) =
        post_batch(&t, &batch_url(&t), &t.admin_prod(), true, change_set.into())
            .await
            .expect("answered");
    assert_eq!(status, 400);
    assert!(answer.contains("Change sets are not emulated"), "{answer}");

    let nested = body(&[("POST /api/data/v9.2/$batch", Some("{}"))]);
    let (_, _, answer) = post_batch(&t, &batch_url(&t), &t.admin_prod(), true, nested)
        .await
        .expect("answered");
    assert_eq!(part_statuses(&answer), vec![400]);

    let many: Vec<(&str, Option<&str>)> = vec![("GET /api/data/v9.2/WhoAmI", None); 1001];
    let (status, _, _) = post_batch(&t, &batch_url(&t), &t.admin_prod(), true, body(&many))
        .await
        .expect("answered");
    assert_eq!(status, 400);
}

#[tokio::test]
async fn parts_may_name_their_target_by_url_absolute_path_or_relative_path() {
    let t = start("demo");
    // Custom-base-URL mode: the environment under `/org/{name}` on the emulator's own origin.
    let text = body(&[
        ("GET WhoAmI", None),
        ("GET /org/contosoprod/api/data/v9.2/WhoAmI", None),
        (
            &format!(
                "GET https://127.0.0.1:{}/org/contosoprod/api/data/v9.2/WhoAmI",
                t.port()
            ),
            None,
        ),
        ("GET https://elsewhere.example/api/data/v9.2/WhoAmI", None),
    ]);
    let (status, _, answer) = post_batch(
        &t,
        &t.dv("contosoprod", "$batch"),
        &t.admin_prod(),
        true,
        text,
    )
    .await
    .expect("answered");
    assert_eq!(status, 200);
    assert_eq!(part_statuses(&answer), vec![200, 200, 200, 400]);
}

#[tokio::test]
async fn the_batch_s_preflight_is_allowed_like_any_web_api_request() {
    let t = start("demo");
    let r = t
        .http
        .request(reqwest::Method::OPTIONS, batch_url(&t))
        .header("Origin", ORIGIN)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type,prefer,odata-version",
        )
        .send()
        .await
        .expect("preflight");
    assert_eq!(r.status(), 204);
    assert_eq!(r.headers()["access-control-allow-origin"], ORIGIN);
    assert!(r.headers()["access-control-allow-headers"]
        .to_str()
        .expect("h")
        .contains("prefer"));
}
