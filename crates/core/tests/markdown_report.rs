//! The Markdown report is safe to paste: tenant-supplied text (environment, role and
//! business-unit names, the sign-in name, service messages) renders as exactly itself —
//! never a link, an image, HTML, a heading, a list item or an extra table cell. Checked by
//! rendering the report with a CommonMark + GFM-tables parser (pulldown-cmark).

use pulldown_cmark::{Event, Options as MdOptions, Parser, Tag, TagEnd};
use w365_core::http::Method;
use w365_core::ids::{AppId, BusinessUnitId, RoleId, SystemUserId};
use w365_core::markdown::{cell, literal};
use w365_core::preset::{WORK365_SERVICE_ROLE, WORK365_US_APP_ID};
use w365_core::procedure::assessment::{Evidence, Plan, PlannedWrite, RoleEvidence};
use w365_core::procedure::{Outcome, ProcedureError};
use w365_core::record::{
    Confirmation, EnvironmentRef, EnvironmentRun, Operator, RunRecord, WriteRecord,
};

/// Names an attacker with an environment, a role or a business unit could choose.
const NASTY: &[&str] = &[
    "[click me](https://evil.example/login)",
    "![x](https://evil.example/pixel.png)",
    "<img src=x onerror=alert(1)>",
    "<script>alert('x')</script>",
    "https://evil.example/phish",
    "www.evil.example",
    "admin@evil.example",
    "Contoso\n\n# Fake heading\n- fake item",
    "Contoso\r\n| fake | cells | here | too |",
    "a | b | c",
    "`code` and ``double`` and ```triple```",
    "` leading backtick",
    "trailing backtick `",
    "**bold** _em_ ~~strike~~ \\ escaped",
    "&lt;b&gt; &amp; &#x3C;",
    "<https://evil.example/autolink>",
    "[ref]: https://evil.example",
    "Right\u{202e}gnp.exe",
    "zero\u{200b}width",
    "1. numbered",
    "> quoted",
    "    indented code",
    "===",
];

fn guid(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

fn run_named(name: &str) -> EnvironmentRun {
    let role = |n: u32, name: &str| RoleEvidence {
        role_id: RoleId::parse(&guid(n)).expect("a well-formed id"),
        name: name.into(),
        business_unit_id: None,
    };
    let environment = EnvironmentRef {
        id: None,
        name: name.into(),
        url: format!("https://x.crm.dynamics.com/{name}"),
    };
    EnvironmentRun {
        data_center: AppId::parse(WORK365_US_APP_ID).ok(),
        started_at_ms: 1,
        finished_at_ms: Some(2),
        plan: Some(Plan {
            steps: vec![PlannedWrite::AssignRole {
                role_id: RoleId::parse(&guid(1)).expect("a well-formed id"),
                role_name: name.into(),
            }],
        }),
        writes: vec![WriteRecord {
            method: Method::Post,
            path: format!("/api/data/v9.2/systemusers?x={name}"),
            status: Some(400),
            error: Some(format!("the service refused (HTTP 400): {name}")),
            at_ms: 1,
            duration_ms: 3,
        }],
        evidence: Some(Evidence {
            user_id: SystemUserId::parse(&guid(2)).expect("a well-formed id"),
            app_id: AppId::parse(WORK365_US_APP_ID).expect("a well-formed id"),
            business_unit_id: BusinessUnitId::parse(&guid(3)).ok(),
            business_unit_name: Some(name.into()),
            enabled: true,
            roles: vec![role(4, name), role(5, WORK365_SERVICE_ROLE)],
            missing_roles: vec![name.into()],
            read_at_ms: 2,
        }),
        confirmations: vec![Confirmation {
            what: "apply the plan".into(),
            answer: "proceed".into(),
            at_ms: 1,
        }],
        round_trips: 3,
        requests: 9,
        outcome: Some(Outcome::Failed {
            error: ProcedureError::SignInExpired {
                audience: name.into(),
            },
        }),
        ..EnvironmentRun::empty(environment, "work365", "setup")
    }
}

/// What a renderer makes of the report.
#[derive(Default, Debug)]
struct Rendered {
    links: usize,
    images: usize,
    html: Vec<String>,
    headings: usize,
    list_items: usize,
    table_rows: Vec<usize>,
    code: Vec<String>,
    block_quotes: usize,
    code_blocks: usize,
}

fn render(md: &str) -> Rendered {
    let mut r = Rendered::default();
    let mut cells = None::<usize>;
    let mut opts = MdOptions::empty();
    opts.insert(MdOptions::ENABLE_TABLES);
    opts.insert(MdOptions::ENABLE_STRIKETHROUGH);
    for event in Parser::new_ext(md, opts) {
        match event {
            Event::Start(Tag::Link { .. }) => r.links += 1,
            Event::Start(Tag::Image { .. }) => r.images += 1,
            Event::Html(h) | Event::InlineHtml(h) => r.html.push(h.to_string()),
            Event::Start(Tag::Heading { .. }) => r.headings += 1,
            Event::Start(Tag::Item) => r.list_items += 1,
            Event::Start(Tag::BlockQuote(_)) => r.block_quotes += 1,
            Event::Start(Tag::CodeBlock(_)) => r.code_blocks += 1,
            Event::Start(Tag::TableRow | Tag::TableHead) => cells = Some(0),
            Event::Start(Tag::TableCell) => *cells.get_or_insert(0) += 1,
            Event::End(TagEnd::TableRow | TagEnd::TableHead) => {
                r.table_rows.extend(cells.take());
            }
            Event::Code(c) => r.code.push(c.to_string()),
            _ => {}
        }
    }
    r
}

/// The text as a reader sees it: line breaks as spaces, invisible controls named.
fn shown(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '\n' | '\r' => " ".to_owned(),
            '\u{202e}' => "U+202E".to_owned(),
            '\u{200b}' => "U+200B".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

#[test]
fn tenant_text_renders_as_itself_and_nothing_else() {
    for name in NASTY {
        let mut record = RunRecord::new(
            Operator {
                upn: name.to_string(),
                tenant_id: None,
            },
            "public",
            0,
        );
        record.environments.push(run_named(name));
        let md = record.to_markdown();
        let r = render(&md);
        assert_eq!((r.links, r.images), (0, 0), "{name:?}:\n{md}");
        assert!(r.html.is_empty(), "{name:?}: raw HTML {:?}\n{md}", r.html);
        assert_eq!(r.block_quotes + r.code_blocks, 0, "{name:?}:\n{md}");
        // The report's own headings: title, environment, Plan, Writes, Evidence, Confirmations.
        assert_eq!(r.headings, 6, "{name:?}:\n{md}");
        // Tool, Run by, Cloud, Started, Schema; Application id, Mode, Outcome, Round trips;
        // one plan step; User, Business unit, Enabled, two roles, one missing role; one
        // confirmation.
        assert_eq!(r.list_items, 5 + 4 + 1 + 6 + 1, "{name:?}:\n{md}");
        assert_eq!(
            r.table_rows,
            vec![4, 4],
            "{name:?}: head and one write, four cells each\n{md}"
        );
        let expected = shown(name);
        for part in [
            expected.clone(),
            format!("https://x.crm.dynamics.com/{expected}"),
            format!("the service refused (HTTP 400): {expected}"),
            format!("/api/data/v9.2/systemusers?x={expected}"),
        ] {
            assert!(
                r.code.iter().any(|c| c == &part),
                "{name:?}: no code span shows {part:?} exactly; spans: {:?}\n{md}",
                r.code
            );
        }
    }
}

#[test]
fn code_spans_survive_backticks_pipes_and_blank_text() {
    assert_eq!(literal("plain"), "`plain`");
    assert_eq!(literal("a`b"), "``a`b``");
    assert_eq!(literal("`x`"), "`` `x` ``");
    assert_eq!(literal("  "), "_(empty)_");
    assert_eq!(cell("a|b"), "`a\\|b`");
    assert_eq!(literal("a\nb\r\nc"), "`a b  c`");
    assert_eq!(literal("\u{202e}x"), "`U+202Ex`");
}
