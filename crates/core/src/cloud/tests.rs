//! Unit tests of the cloud table.

use super::*;

#[test]
fn admin_centers_are_https_origins_outside_the_hosts_the_app_calls() {
    for cloud in Cloud::NAMED {
        if let Some(origin) = cloud.admin_center() {
            assert_eq!(origin_of(origin), origin, "{cloud:?}");
            assert!(
                !cloud.allowed_hosts().iter().any(|h| h == origin),
                "{cloud:?}"
            );
        }
    }
    assert_eq!(Cloud::China.admin_center(), None);
    let custom = Cloud::custom(
        "https://a.example",
        "https://b.example",
        "https://c.example",
    );
    assert_eq!(custom.map(|c| c.admin_center()), Ok(None));
}

#[test]
fn every_public_region_is_a_dataverse_host_gcc_and_lookalikes_are_not() {
    let public = Cloud::Public;
    for host in [
        "contoso.crm.dynamics.com",
        "contoso.crm4.dynamics.com",
        "contoso.crm21.dynamics.com",
        // A region Microsoft adds later is covered without a release.
        "x.crm22.dynamics.com",
        "x.crm123.dynamics.com",
        "Contoso-Prod.CRM11.dynamics.com",
    ] {
        assert!(public.is_dataverse_host(host), "{host}");
    }
    for host in [
        "contoso.crm9.dynamics.com",
        "globaldisco.crm.dynamics.com",
        "crm.dynamics.com",
        "dynamics.com",
        "x.dynamics.com",
        "x.operations.dynamics.com",
        "x.crmx.dynamics.com",
        "x.crm0.dynamics.com",
        "x.crm-1.dynamics.com",
        "a.b.crm.dynamics.com",
        "x.crm.dynamics.com.evil.com",
        "x.crm.dynamics.comevil.com",
        "evil.com",
        "x.crm.dynamics.com:8443",
        "-x.crm.dynamics.com",
        ".crm.dynamics.com",
    ] {
        assert!(!public.is_dataverse_host(host), "{host}");
    }
    assert!(Cloud::Gcc.is_dataverse_host("agency.crm9.dynamics.com"));
    assert!(!Cloud::Gcc.is_dataverse_host("agency.crm.dynamics.com"));
    assert!(!Cloud::Gcc.is_dataverse_host("globaldisco.crm9.dynamics.com"));
    assert!(Cloud::GccHigh.is_dataverse_host("agency.crm.microsoftdynamics.us"));
    assert!(!Cloud::GccHigh.is_dataverse_host("agency.crm.dynamics.com"));
    assert!(Cloud::Dod.is_dataverse_host("agency.crm.appsplatform.us"));
    assert!(Cloud::China.is_dataverse_host("contoso.crm.dynamics.cn"));
    assert!(!Cloud::China.is_dataverse_host("contoso.crm5.dynamics.cn"));
}

#[test]
fn a_custom_clouds_dataverse_is_its_discovery_host() {
    let demo = Cloud::custom(
        "https://127.0.0.1:8443/login",
        "https://127.0.0.1:8443/disco",
        "https://127.0.0.1:8443/graph",
    )
    .unwrap();
    assert!(demo.is_dataverse_url("https://127.0.0.1:8443/org/contosoprod"));
    assert!(!demo.is_dataverse_url("https://127.0.0.1:9443/org/contosoprod"));
    assert!(!demo.is_dataverse_url("https://contoso.crm.dynamics.com"));
    assert!(Cloud::Public.is_dataverse_url("https://contoso.crm22.dynamics.com/api/data"));
    assert!(!Cloud::Public.is_dataverse_url("http://contoso.crm.dynamics.com"));
    assert!(!Cloud::Public.is_dataverse_url("https://evil.com@contoso.crm.dynamics.com/"));
}

#[test]
fn the_csp_source_for_dataverse_is_the_clouds_dynamics_domain_and_covers_every_host_it_accepts() {
    // A CSP host source `https://*.d` admits exactly the hosts that end in `.d`.
    let covered = |cloud: &Cloud, host: &str| {
        cloud.allowed_hosts().iter().any(|source| {
            source
                .strip_prefix("https://*.")
                .is_some_and(|d| host.ends_with(&format!(".{d}")))
                || source.strip_prefix("https://") == Some(host)
        })
    };
    assert!(Cloud::Public
        .allowed_hosts()
        .contains(&"https://*.dynamics.com".to_owned()));
    for (cloud, host) in [
        (Cloud::Public, "x.crm22.dynamics.com"),
        (Cloud::Public, "x.crm.dynamics.com"),
        (Cloud::Gcc, "x.crm9.dynamics.com"),
        (Cloud::GccHigh, "x.crm.microsoftdynamics.us"),
        (Cloud::Dod, "x.crm.appsplatform.us"),
        (Cloud::China, "x.crm.dynamics.cn"),
    ] {
        assert!(cloud.is_dataverse_host(host), "{host}");
        assert!(covered(&cloud, host), "{cloud:?} {host}");
    }
    for host in ["evil.com", "x.dynamics.com.evil.com"] {
        assert!(!covered(&Cloud::Public, host), "{host}");
    }
    assert!(!covered(&Cloud::Gcc, "x.crm.dynamics.com"));
    for cloud in Cloud::NAMED {
        for source in cloud.allowed_hosts() {
            assert!(source.starts_with("https://"), "{source}");
            // `*` only as the whole leading label, as CSP and match patterns allow.
            assert!(!source[8..].contains('*') || source.starts_with("https://*."));
            assert!(source.matches('*').count() <= 1, "{source}");
        }
    }
}

#[test]
fn a_tenant_is_a_directory_id_or_a_domain() {
    assert_eq!(
        SignInTenant::parse(" 8F3C2A1E-5B7D-4E9A-9C1F-2D6E8A4B7C30 "),
        Ok(SignInTenant::Directory(
            TenantId::parse("8f3c2a1e-5b7d-4e9a-9c1f-2d6e8a4b7c30").unwrap()
        ))
    );
    assert_eq!(
        SignInTenant::parse("Contoso.OnMicrosoft.com"),
        Ok(SignInTenant::Domain("contoso.onmicrosoft.com".into()))
    );
    assert_eq!(
        SignInTenant::parse("xn--bcher-kva.example").map(|t| t.segment().to_owned()),
        Ok("xn--bcher-kva.example".to_owned())
    );
    for (input, hint) in [
        ("", "empty"),
        ("organizations", "leave \"tenant\" out"),
        ("common", "leave \"tenant\" out"),
        (
            "https://login.microsoftonline.com/contoso.onmicrosoft.com",
            "not a URL",
        ),
        ("admin@contoso.onmicrosoft.com", "not a URL or an account"),
        ("contoso", "neither"),
        ("8f3c2a1e-5b7d", "neither"),
        ("10.0.0.1", "neither"),
        ("-contoso.com", "neither"),
        ("contoso..com", "neither"),
    ] {
        let err = SignInTenant::parse(input).expect_err(input);
        let text = err.to_string();
        assert!(text.contains(hint), "{input}: {text}");
        assert!(text.contains(&format!("{input:?}")), "{input}: {text}");
    }
}

#[test]
fn the_authority_names_the_tenant_under_the_clouds_sign_in_host() {
    let id = SignInTenant::parse("8f3c2a1e-5b7d-4e9a-9c1f-2d6e8a4b7c30").unwrap();
    assert_eq!(
        Cloud::Public
            .endpoints()
            .authority_for(&SignInTenant::Organizations),
        "https://login.microsoftonline.com/organizations"
    );
    assert_eq!(
        Cloud::GccHigh.endpoints().authority_for(&id),
        "https://login.microsoftonline.us/8f3c2a1e-5b7d-4e9a-9c1f-2d6e8a4b7c30"
    );
    let demo = Cloud::custom(
        "https://127.0.0.1:8443/login/",
        "https://127.0.0.1:8443/disco",
        "https://127.0.0.1:8443/graph",
    )
    .unwrap();
    assert_eq!(
        demo.endpoints()
            .authority_for(&SignInTenant::Domain("contoso.onmicrosoft.com".into())),
        "https://127.0.0.1:8443/login/contoso.onmicrosoft.com"
    );
    assert!(id.is_specific());
    assert!(!SignInTenant::Organizations.is_specific());
}
