//! The fetch transport in Chromium: response bodies are capped (from `Content-Length` before
//! reading, else while reading), and a token is never attached to a URL off its resource.
#![cfg(target_arch = "wasm32")]
// Test code may unwrap; clippy does not see `#[wasm_bindgen_test]` functions as tests
// (clippy.toml's `allow-unwrap-in-tests` covers `#[test]` only).
#![allow(clippy::unwrap_used)]

use w365_appuser::api::transport::{read_capped, BrowserTransport};
use w365_core::cloud::Cloud;
use w365_core::http::{
    BodyLimit, HttpClient, HttpRequest, Method, TransportError, MAX_RESPONSE_BYTES,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = "
export function chunked(count, size) {
  let sent = 0;
  const stream = new ReadableStream({
    pull(controller) {
      if (sent < count) { sent += 1; controller.enqueue(new Uint8Array(size).fill(120)); }
      else controller.close();
    },
  });
  return { stream, sent: () => sent };
}
export function stream_of(source) { return source.stream; }
export function pulled(source) { return source.sent(); }
export function blob_url(size) { return URL.createObjectURL(new Blob([new Uint8Array(size).fill(97)])); }
")]
extern "C" {
    type Source;
    fn chunked(count: u32, size: u32) -> Source;
    fn stream_of(source: &Source) -> web_sys::ReadableStream;
    fn pulled(source: &Source) -> u32;
    fn blob_url(size: u32) -> String;
}

fn get(url: &str, audience: Option<&str>) -> HttpRequest {
    HttpRequest {
        method: Method::Get,
        url: url.into(),
        headers: Vec::new(),
        body: None,
        audience: audience.map(str::to_owned),
    }
}

#[wasm_bindgen_test]
async fn a_body_within_the_cap_is_read_whole_chunk_by_chunk() {
    let source = chunked(5, 1_000);
    let body = read_capped(Some(stream_of(&source)), BodyLimit::new(5_000))
        .await
        .expect("within the cap");
    assert_eq!(body.len(), 5_000);
    assert!(body.iter().all(|b| *b == b'x'));
}

#[wasm_bindgen_test]
async fn a_body_without_a_length_is_refused_as_soon_as_it_grows_past_the_cap() {
    let source = chunked(1_000, 64 * 1024);
    let error = read_capped(Some(stream_of(&source)), BodyLimit::new(1024 * 1024))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        TransportError::TooLarge {
            limit_bytes: 1024 * 1024,
            declared_bytes: None
        }
    );
    // 17 chunks of 64 KiB pass 1 MiB; the stream was not read to its end.
    assert!(pulled(&source) < 40, "pulled {} chunks", pulled(&source));
}

#[wasm_bindgen_test]
async fn the_transport_refuses_a_body_whose_length_is_over_the_cap_before_reading_it() {
    let transport = BrowserTransport::new(Cloud::Public.endpoints());
    let small = transport
        .send(get(&blob_url(1_000), None))
        .await
        .expect("a small body");
    assert_eq!((small.status, small.body.len()), (200, 1_000));
    let size = MAX_RESPONSE_BYTES as u32 + 1;
    let error = transport
        .send(get(&blob_url(size), None))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        TransportError::TooLarge {
            limit_bytes: MAX_RESPONSE_BYTES,
            declared_bytes: Some(u64::from(size))
        }
    );
}

#[wasm_bindgen_test]
async fn the_transport_sends_no_token_off_its_resource() {
    let transport = BrowserTransport::new(Cloud::Public.endpoints());
    let error = transport
        .send(get(
            "https://evil.example/api/data/v9.2/roles",
            Some("https://contoso.crm.dynamics.com"),
        ))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        TransportError::WrongOrigin {
            host: "https://evil.example".into(),
            audience: "https://contoso.crm.dynamics.com".into()
        }
    );
}
