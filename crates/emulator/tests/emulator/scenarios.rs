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
