use w365_emulator::scenario::{self, ScenarioSource, SHIPPED};
use w365_emulator::{Emulator, Error, Options};

#[test]
fn every_shipped_scenario_loads() {
    for (name, _) in SHIPPED {
        let t = scenario::load(&ScenarioSource::Named(name.to_string()));
        assert!(t.is_ok(), "{name}: {:?}", t.err());
    }
}

#[test]
fn batch_scenario_expands_its_template_into_200_environments() {
    let t = scenario::load(&ScenarioSource::Named("batch-200".into())).expect("loads");
    assert_eq!(t.environments.len(), 200);
    assert_eq!(t.environments[41].unique_name, "contoso042");
    assert_eq!(t.environments[41].host, "contoso042.crm.dynamics.com");
}

fn demo_with(edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut v: serde_json::Value =
        serde_json::from_str(include_str!("../../scenarios/demo.json")).expect("json");
    edit(&mut v);
    v.to_string()
}

#[test]
fn malformed_scenario_names_path() {
    let text = demo_with(|v| {
        v["environments"][1]["system_users"][0]["business_unit"] =
            "00000000-0000-4000-8000-00000000dead".into()
    });
    let path = std::env::temp_dir().join(format!("w365-emu-bad-{}.json", std::process::id()));
    std::fs::write(&path, text).expect("write");
    let err = match Emulator::spawn(Options::scenario(path.to_str().expect("p"))) {
        Err(Error::Scenario(e)) => e,
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("malformed scenario accepted"),
    };
    let _ = std::fs::remove_file(&path);
    assert_eq!(err.file, path.display().to_string());
    assert_eq!(err.path, "environments[1].system_users[0].business_unit");
    assert!(
        err.message.contains("unknown business unit"),
        "{}",
        err.message
    );
}

#[test]
fn scenario_type_errors_name_the_json_path() {
    let text = demo_with(|v| v["environments"][2]["roles"][1]["privileges"] = 5.into());
    let err = scenario::parse("x.json", &text).expect_err("refused");
    assert_eq!(err.path, "environments[2].roles[1].privileges");
    let text = demo_with(|v| v["environments"][0]["colour"] = "blue".into());
    let err = scenario::parse("x.json", &text).expect_err("refused");
    assert!(err.message.contains("colour"), "{}", err.message);
}

type Edit = Box<dyn Fn(&mut serde_json::Value)>;

#[test]
fn scenario_references_are_validated() {
    let cases: Vec<(Edit, &str)> = vec![
        (
            Box::new(|v| v["environments"][0]["system_users"][0]["roles"][0] = "Nope".into()),
            "environments[0].system_users[0].roles[0]",
        ),
        (
            Box::new(|v| {
                v["environments"][0]["system_users"][0]["user"] =
                    "ghost@contoso.onmicrosoft.com".into()
            }),
            "environments[0].system_users[0].user",
        ),
        (
            Box::new(|v| {
                let d = v["environments"][0]["business_units"][0].clone();
                v["environments"][0]["business_units"]
                    .as_array_mut()
                    .expect("a")
                    .push(d);
            }),
            "environments[0].business_units[2].id",
        ),
        (
            Box::new(|v| {
                let d = v["users"][0].clone();
                v["users"].as_array_mut().expect("a").push(d);
            }),
            "users[3].id",
        ),
        (
            Box::new(|v| v["environments"][1]["unique_name"] = "contosoprod".into()),
            "environments[1].unique_name",
        ),
    ];
    for (edit, path) in cases {
        let err = scenario::parse("x.json", &demo_with(edit)).expect_err("refused");
        assert_eq!(err.path, path, "{err}");
    }
}

/// Every id a scenario gives is checked once, where it is read, into the id it stands for:
/// an id that is not a GUID is refused at its JSON path, whatever entity it belongs to.
#[test]
fn every_guid_id_a_scenario_gives_is_checked_where_it_is_read() {
    let cases: Vec<(Edit, &str)> = vec![
        (
            Box::new(|v| v["environments"][0]["solutions"][0]["id"] = "sol-1".into()),
            "environments[0].solutions[0].id",
        ),
        (
            Box::new(|v| v["environments"][0]["app_modules"][0]["id"] = "not a guid".into()),
            "environments[0].app_modules[0].id",
        ),
        (
            Box::new(|v| {
                v["environments"][0]["system_users"][0]["azureactivedirectoryobjectid"] =
                    "oid".into()
            }),
            "environments[0].system_users[0].azureactivedirectoryobjectid",
        ),
        (
            Box::new(|v| v["environments"][0]["organization_id"] = "org".into()),
            "environments[0].organization_id",
        ),
        (
            Box::new(|v| v["spa_apps"][0]["client_id"] = "client".into()),
            "spa_apps[0].client_id",
        ),
    ];
    for (edit, path) in cases {
        let err = scenario::parse("x.json", &demo_with(edit)).expect_err("refused");
        assert_eq!(err.path, path, "{err}");
        assert!(err.message.contains("is not a GUID"), "{err}");
    }
    // Ids are kept lowercase whatever case they were written in.
    let t = scenario::parse(
        "x.json",
        &demo_with(|v| v["tenant"]["id"] = "8F3C2A1E-5B7D-4E9A-9C1F-2D6E8A4B7C30".into()),
    )
    .expect("loads");
    assert_eq!(t.id.as_str(), "8f3c2a1e-5b7d-4e9a-9c1f-2d6e8a4b7c30");
}
