use std::time::{Duration, Instant};

use serde_json::Value;
use w365_emulator::Options;

use crate::common::*;

fn strip_urls(v: &Value, port: u16) -> String {
    v.to_string()
        .replace(&format!("https://127.0.0.1:{port}/org/contosoprod"), "ENV")
        .replace("https://contosoprod.crm.dynamics.com", "ENV")
}

#[tokio::test]
async fn host_routing_and_prefix_routing_give_equivalent_answers() {
    let t = start("demo");
    let tok = t.admin_prod();
    let q = "systemusers?$select=fullname,applicationid&$expand=systemuserroles_association($select=name)";
    let (s1, a) = t
        .get(
            &t.real(
                "contosoprod.crm.dynamics.com",
                &format!("/api/data/v9.2/{q}"),
            ),
            &tok,
        )
        .await;
    let (s2, b) = t.get(&t.dv("contosoprod", q), &tok).await;
    assert_eq!((s1, s2), (200, 200));
    assert!(a["@odata.context"]
        .as_str()
        .expect("c")
        .starts_with("https://contosoprod.crm.dynamics.com/api/data/v9.2/$metadata#systemusers"));
    assert!(b["@odata.context"]
        .as_str()
        .expect("c")
        .starts_with(&format!(
            "https://127.0.0.1:{}/org/contosoprod/api/data/v9.2/",
            t.port()
        )));
    assert_eq!(strip_urls(&a, t.port()), strip_urls(&b, t.port()));
    // Discovery URLs follow the mode too.
    let dt = t.token(ADMIN, DISCO);
    let (_, d) = t
        .get(
            &t.local("/disco/api/discovery/v2.0/Instances?$filter=UniqueName eq 'contosoprod'"),
            &dt,
        )
        .await;
    assert_eq!(d["value"][0]["Url"], t.local("/org/contosoprod"));
}

#[tokio::test]
async fn older_api_versions_are_accepted() {
    let t = start("demo");
    assert_eq!(
        t.get(
            &t.dv("contosoprod", "WhoAmI").replace("v9.2", "v9.0"),
            &t.admin_prod()
        )
        .await
        .0,
        200
    );
    assert_eq!(
        t.get(
            &t.dv("contosoprod", "WhoAmI").replace("v9.2", "v9.1"),
            &t.admin_prod()
        )
        .await
        .0,
        200
    );
}

#[tokio::test]
async fn unknown_org_gives_404() {
    let t = start("demo");
    let r = t
        .http
        .get(t.real("unknownorg.crm.dynamics.com", "/api/data/v9.2/WhoAmI"))
        .send()
        .await
        .expect("r");
    assert_eq!(r.status(), 404);
    let r = t
        .http
        .get(t.local("/org/unknownorg/api/data/v9.2/WhoAmI"))
        .send()
        .await
        .expect("r");
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn cors_preflight_reflects_origin_and_headers() {
    let t = start("demo");
    let r = t
        .http
        .request(
            reqwest::Method::OPTIONS,
            t.real("contosoprod.crm.dynamics.com", "/api/data/v9.2/systemusers"),
        )
        .header("Origin", ORIGIN)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization,odata-version,content-type",
        )
        .send()
        .await
        .expect("r");
    assert!(r.status().is_success());
    assert_eq!(r.headers()["access-control-allow-origin"], ORIGIN);
    assert_eq!(
        r.headers()["access-control-allow-headers"],
        "authorization,odata-version,content-type"
    );
    assert!(r.headers()["access-control-allow-methods"]
        .to_str()
        .expect("m")
        .contains("PATCH"));
    assert!(r.headers().contains_key("access-control-max-age"));
    let bu = t.root_bu("contosoprod");
    let r = t
        .http
        .post(t.dv("contosoprod", "systemusers"))
        .bearer_auth(t.admin_prod())
        .header("Origin", ORIGIN)
        .json(&app_user_body(US_APP, &bu))
        .send()
        .await
        .expect("r");
    assert_eq!(r.headers()["access-control-allow-origin"], ORIGIN);
    assert!(r.headers()["access-control-expose-headers"]
        .to_str()
        .expect("e")
        .contains("OData-EntityId"));
}

#[tokio::test]
async fn admin_center_page_shows_the_environment_name() {
    let t = start("demo");
    let s = t.emu.state_json();
    let id = env_of(&s, "contosoprod")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let r = t
        .http
        .get(t.real(
            "admin.powerplatform.microsoft.com",
            &format!("/manage/environments/{id}/hub"),
        ))
        .send()
        .await
        .expect("r");
    assert_eq!(r.status(), 200);
    assert!(r
        .text()
        .await
        .expect("t")
        .contains("<h1>Contoso Production</h1>"));
}

#[tokio::test]
async fn static_files_and_app_config_are_served_in_prefix_mode() {
    let dir = std::env::temp_dir().join(format!("w365-emu-static-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("index.html"), "<!doctype html><title>app</title>").expect("w");
    std::fs::write(dir.join("app_bg.wasm"), b"\0asm").expect("w");
    let cfg = dir.join("prod-config.json");
    std::fs::write(&cfg, "{\"clientId\":\"x\"}").expect("w");
    let t = start_with(Options {
        static_dir: Some(dir.clone()),
        app_config: Some(cfg),
        ..Options::scenario("demo")
    });
    let r = t.http.get(t.local("/")).send().await.expect("r");
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .expect("ct")
        .starts_with("text/html"));
    let r = t.http.get(t.local("/app_bg.wasm")).send().await.expect("r");
    assert_eq!(r.headers()["content-type"], "application/wasm");
    let r = t.http.get(t.local("/config.json")).send().await.expect("r");
    assert_eq!(r.text().await.expect("t"), "{\"clientId\":\"x\"}");
    assert_eq!(
        t.http
            .get(t.local("/missing.js"))
            .send()
            .await
            .expect("r")
            .status(),
        404
    );
    assert_eq!(
        t.http
            .get(t.local("/../etc/passwd"))
            .send()
            .await
            .expect("r")
            .status(),
        404
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn static_files_carry_the_headers_of_the_shipped_headers_file() {
    let dir = std::env::temp_dir().join(format!("w365-emu-headers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    for page in ["index.html", "redirect.html"] {
        std::fs::write(dir.join(page), "<!doctype html><title>page</title>").expect("w");
    }
    std::fs::write(dir.join("app.js"), "export {}").expect("w");
    // The very file the build copies into dist/ for Netlify and Cloudflare Pages.
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/../../hosting/_headers");
    std::fs::copy(shipped, dir.join("_headers")).expect("copy _headers");
    let t = start_with(Options {
        static_dir: Some(dir.clone()),
        ..Options::scenario("demo")
    });
    let headers = |path: &'static str| {
        let http = t.http.clone();
        let url = t.local(path);
        async move {
            let r = http.get(url).send().await.expect("r");
            assert_eq!(r.status(), 200, "{path}");
            let h = r.headers().clone();
            let get = |n: &str| h.get(n).map(|v| v.to_str().expect("ascii").to_owned());
            (
                get("content-security-policy"),
                get("x-frame-options"),
                get("x-content-type-options"),
                get("referrer-policy"),
            )
        }
    };
    let tool = (
        Some("frame-ancestors 'none'".to_owned()),
        Some("DENY".to_owned()),
        Some("nosniff".to_owned()),
        Some("no-referrer".to_owned()),
    );
    assert_eq!(headers("/").await, tool);
    assert_eq!(headers("/index.html").await, tool);
    assert_eq!(
        headers("/redirect.html").await,
        (
            Some("frame-ancestors 'self'".to_owned()),
            Some("SAMEORIGIN".to_owned()),
            Some("nosniff".to_owned()),
            Some("no-referrer".to_owned()),
        )
    );
    assert_eq!(
        headers("/app.js").await,
        (
            None,
            None,
            Some("nosniff".to_owned()),
            Some("no-referrer".to_owned())
        )
    );
    let r = t.http.get(t.local("/_headers")).send().await.expect("r");
    assert_eq!(r.status(), 404, "the headers file itself is not served");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn latency_option_delays_microsoft_endpoints_only() {
    let t = start_with(Options {
        latency_ms: 300,
        ..Options::scenario("demo")
    });
    let started = Instant::now();
    t.state().await;
    assert!(started.elapsed() < Duration::from_millis(300));
    let started = Instant::now();
    t.get(&t.dv("contosoprod", "WhoAmI"), &t.admin_prod()).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[test]
fn binary_prints_listening_line() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_w365-emulator"))
        .args(["--scenario", "eu", "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    let stdout = child.stdout.take().expect("stdout");
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("line");
    let _ = child.kill();
    let _ = child.wait();
    assert!(line.starts_with("LISTENING https://127.0.0.1:"), "{line}");
}

#[tokio::test]
async fn token_endpoint_preflight_admits_only_registered_origins() {
    let t = start("demo");
    let url = t.real(
        "login.microsoftonline.com",
        "/organizations/oauth2/v2.0/token",
    );
    let ok = t
        .http
        .request(reqwest::Method::OPTIONS, &url)
        .header("Origin", ORIGIN)
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .expect("r");
    assert_eq!(ok.headers()["access-control-allow-origin"], ORIGIN);
    let bad = t
        .http
        .request(reqwest::Method::OPTIONS, &url)
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .expect("r");
    assert!(!bad.headers().contains_key("access-control-allow-origin"));
}
