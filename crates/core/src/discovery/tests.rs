//! Unit tests of the discovery rows.

use super::*;
use serde_json::json;

fn row(id: Value, url: Value) -> Value {
    json!({
        "Id": "11111111-2222-3333-4444-555555555555",
        "EnvironmentId": id,
        "UniqueName": "org1",
        "FriendlyName": "Contoso",
        "Url": url,
        "Region": "NA",
        "State": 0,
    })
}

fn reason(v: &Value) -> Option<UnusableReason> {
    match Listed::from_row(v) {
        Listed::Unusable(u) => Some(u.reason),
        Listed::Usable(_) => None,
    }
}

#[test]
fn a_default_environment_row_is_usable_with_its_canonical_id() {
    let v = row(
        json!("default-8F3C2A1E-5B7D-4E9A-9C1F-2D6E8A4B7C30"),
        json!("https://org1.crm.dynamics.com/"),
    );
    let Listed::Usable(i) = Listed::from_row(&v) else {
        panic!("usable")
    };
    assert_eq!(
        i.environment_id.as_str(),
        "Default-8f3c2a1e-5b7d-4e9a-9c1f-2d6e8a4b7c30"
    );
    assert_eq!(i.origin(), "https://org1.crm.dynamics.com");
    assert!(!i.is_disabled());
}

#[test]
fn rows_the_client_cannot_use_say_why_and_keep_what_is_known() {
    let good_url = json!("https://org1.crm.dynamics.com");
    let good_id = json!("8f3c2a1e-5b7d-4e9a-9c1f-2d6e8a4b7c30");
    assert_eq!(reason(&json!(7)), Some(UnusableReason::NotAnObject));
    assert_eq!(
        reason(&row(Value::Null, good_url.clone())),
        Some(UnusableReason::MissingEnvironmentId)
    );
    assert!(matches!(
        reason(&row(json!("env one"), good_url.clone())),
        Some(UnusableReason::BadEnvironmentId { detail }) if detail.contains("\"env one\"")
    ));
    assert_eq!(
        reason(&row(good_id.clone(), Value::Null)),
        Some(UnusableReason::MissingUrl)
    );
    assert_eq!(
        reason(&row(good_id.clone(), json!("http://org1.crm.dynamics.com"))),
        Some(UnusableReason::NotHttps {
            url: "http://org1.crm.dynamics.com".into()
        })
    );
    for bad in [
        "https://",
        "https://org1.crm.dynamics.com?x=1",
        "https://user@org1.crm.dynamics.com",
        "https://org 1.crm.dynamics.com",
        "https://org1..dynamics.com",
        "https://org1.crm.dynamics.com:x",
    ] {
        assert!(
            matches!(
                reason(&row(good_id.clone(), json!(bad))),
                Some(UnusableReason::BadUrl { .. })
            ),
            "{bad}"
        );
    }
    let Listed::Unusable(u) = Listed::from_row(&row(json!("a/b"), good_url)) else {
        panic!("unusable")
    };
    assert_eq!(u.raw_id.as_deref(), Some("a/b"));
    assert_eq!(u.name, "Contoso");
    assert_eq!(u.url.as_deref(), Some("https://org1.crm.dynamics.com"));
    assert!(!u.reason.text().is_empty() && !u.reason.remedy().is_empty());
}

#[test]
fn informational_fields_of_an_unexpected_type_are_dropped_not_fatal() {
    let mut v = row(
        json!("8f3c2a1e-5b7d-4e9a-9c1f-2d6e8a4b7c30"),
        json!("https://127.0.0.1:8443/org/contosoprod"),
    );
    v["Id"] = json!("not a guid");
    v["State"] = json!("1");
    v["TenantId"] = json!(42);
    v["FriendlyName"] = json!("");
    let Listed::Usable(i) = Listed::from_row(&v) else {
        panic!("usable")
    };
    assert_eq!((&i.id, i.state, &i.tenant_id), (&None, None, &None));
    assert_eq!(i.friendly_name, "org1");
    assert_eq!(i.origin(), "https://127.0.0.1:8443/org/contosoprod");
}

#[test]
fn state_one_is_disabled() {
    let mut v = row(
        json!("8f3c2a1e-5b7d-4e9a-9c1f-2d6e8a4b7c30"),
        json!("https://org1.crm.dynamics.com"),
    );
    v["State"] = json!(STATE_DISABLED);
    assert!(matches!(Listed::from_row(&v), Listed::Usable(i) if i.is_disabled()));
}

#[test]
fn a_row_outside_the_signed_in_cloud_is_unusable_and_the_cloud_s_own_rows_are_not() {
    let id = json!("3a9e0b3c-8a8d-4c61-9a43-0a1f2b3c4d5e");
    for (url, cloud, usable) in [
        ("https://contoso.crm.dynamics.com", Cloud::Public, true),
        ("https://contoso.crm22.dynamics.com", Cloud::Public, true),
        ("https://contoso.crm9.dynamics.com", Cloud::Public, false),
        ("https://contoso.crm9.dynamics.com", Cloud::Gcc, true),
        (
            "https://contoso.crm.dynamics.com.evil.example",
            Cloud::Public,
            false,
        ),
        ("https://contoso.crm.dynamics.com", Cloud::GccHigh, false),
        (
            "https://contoso.crm.microsoftdynamics.us",
            Cloud::GccHigh,
            true,
        ),
    ] {
        let listed = Listed::from_row(&row(id.clone(), json!(url))).within(&cloud);
        assert_eq!(
            listed.usable().is_some(),
            usable,
            "{url} in {}",
            cloud.key()
        );
        if let Listed::Unusable(u) = &listed {
            assert!(
                matches!(u.reason, UnusableReason::OutsideCloud { .. }),
                "{url}: {:?}",
                u.reason
            );
        }
    }
}
