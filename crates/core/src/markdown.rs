//! The Markdown report, safe to paste into a ticket or a wiki.
//!
//! Names and messages in a report come from the tenant (environment, role and business-unit
//! names, the sign-in name, service messages, anything an outcome quotes). Pasted into a
//! Markdown renderer, such text could become a link, an image, HTML, a heading, a list item or
//! an extra table cell. So every piece of it goes into a code span: inside one, CommonMark and
//! GitHub's dialect render every character as itself — no emphasis, link, autolink, HTML or
//! entity — and renderers that turn bare addresses into links (GFM's autolinks, markdown-it's
//! linkify) leave code alone, which backslash escapes would not achieve. Line breaks, which
//! could end the span or the line, become spaces; control and bidirectional-override characters
//! are shown by their code point; a `|` is escaped in table cells, where GFM splits cells
//! before it sees code spans. The tool's own words stay plain text.

use std::fmt::Write as _;

use crate::record::{EnvironmentRun, RunRecord};

/// Tenant-supplied text as a Markdown code span that renders as exactly this text.
pub fn literal(text: &str) -> String {
    span(&visible(text), false)
}

/// Like [`literal`], for a cell of a GFM table.
pub fn cell(text: &str) -> String {
    span(&visible(text), true)
}

/// The text with line breaks as spaces and invisible controls as `U+XXXX`.
fn visible(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' | '\u{0b}' | '\u{0c}' | '\u{85}' | '\u{2028}' | '\u{2029}' => {
                out.push(' ')
            }
            // Other controls, bidirectional overrides and isolates (they can make a line read
            // differently from what it says), zero-width characters and the BOM.
            c if c.is_control()
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c)
                || ('\u{200b}'..='\u{200f}').contains(&c)
                || c == '\u{feff}' =>
            {
                let _ = write!(out, "U+{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn span(text: &str, in_table: bool) -> String {
    if text.trim().is_empty() {
        return "_(empty)_".into();
    }
    let text = if in_table {
        text.replace('|', "\\|")
    } else {
        text.to_owned()
    };
    // A fence longer than any run of backticks inside, so none of them ends the span.
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    // CommonMark strips one space on each side when both are there: pad when the text starts
    // or ends with a backtick or a space, so the text comes out unchanged.
    let pad = text.starts_with(['`', ' ']) || text.ends_with(['`', ' ']);
    let pad = if pad { " " } else { "" };
    format!("{fence}{pad}{text}{pad}{fence}")
}

impl RunRecord {
    /// A Markdown report for people, safe to paste: tenant-supplied text cannot become
    /// markup (see the module's notes).
    pub fn to_markdown(&self) -> String {
        report(self)
    }
}

/// The whole run record as Markdown.
pub fn report(record: &RunRecord) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Application user run\n");
    let _ = writeln!(md, "- Tool: {}", record.tool);
    let _ = writeln!(md, "- Run by: {}", literal(&record.operator.upn));
    if let Some(t) = &record.operator.tenant_id {
        let _ = writeln!(md, "- Tenant: {t}");
    }
    let _ = writeln!(md, "- Cloud: {}", literal(&record.cloud));
    let _ = writeln!(md, "- Started: {} ms", record.started_at_ms);
    let _ = writeln!(md, "- Schema version: {}\n", record.schema_version);
    for env in &record.environments {
        environment(&mut md, env);
    }
    md
}

fn environment(md: &mut String, env: &EnvironmentRun) {
    let _ = writeln!(
        md,
        "## {} ({})\n",
        literal(&env.environment.name),
        literal(&env.environment.url)
    );
    if let Some(a) = &env.data_center {
        let _ = writeln!(md, "- Application id: {a}");
    }
    let _ = writeln!(md, "- Mode: {}", literal(&env.mode));
    if let Some(p) = env.inspection.as_ref().and_then(|i| i.product.as_ref()) {
        // Solution names come from the tenant: each piece is a literal of its own.
        let from = p
            .source()
            .map(|s| format!(", read from {}", literal(&s)))
            .unwrap_or_default();
        let _ = writeln!(
            md,
            "- {}: {}{from}",
            literal(&p.product),
            literal(&p.summary())
        );
        if let Some(note) = p.note() {
            let _ = writeln!(md, "- Note: {}", literal(&note));
        }
    }
    if let Some(a) = &env.assessment {
        let _ = writeln!(md, "- Assessment: {}", literal(&a.summary()));
        if let Some(r) = a.remedy() {
            let _ = writeln!(md, "- Remedy: {}", literal(&r.text()));
        }
    }
    if let Some(o) = &env.outcome {
        let _ = writeln!(md, "- Outcome: {}", literal(&o.summary()));
    }
    let _ = writeln!(
        md,
        "- Round trips: {}, requests: {}",
        env.round_trips, env.requests
    );
    if env.wire.batches > 0 {
        let _ = writeln!(
            md,
            "- On the wire: {} exchanges, {} of them `$batch`",
            env.wire.exchanges, env.wire.batches
        );
    }
    if let Some(why) = &env.wire.batching_refused {
        let _ = writeln!(
            md,
            "- `$batch`: {}; served by single requests",
            literal(why)
        );
    }
    if let Some(plan) = env.plan.as_ref().filter(|p| !p.steps.is_empty()) {
        let _ = writeln!(md, "\n### Plan\n");
        for (i, s) in plan.steps.iter().enumerate() {
            let _ = writeln!(md, "{}. {}", i + 1, literal(&s.reason()));
        }
    }
    if !env.writes.is_empty() {
        let _ = writeln!(
            md,
            "\n### Writes\n\n| method | path | status | ms |\n|---|---|---|---|"
        );
        for w in &env.writes {
            let status = w.status.map_or_else(
                || cell(w.error.as_deref().unwrap_or("no answer")),
                |s| match &w.error {
                    Some(e) => format!("{s} {}", cell(e)),
                    None => s.to_string(),
                },
            );
            let _ = writeln!(
                md,
                "| {} | {} | {status} | {} |",
                w.method,
                cell(&w.path),
                w.duration_ms
            );
        }
    }
    if let Some(e) = &env.evidence {
        let _ = writeln!(md, "\n### Evidence\n");
        let _ = writeln!(md, "- User: {} (app {})", e.user_id, e.app_id);
        let bu = e
            .business_unit_name
            .clone()
            .or_else(|| e.business_unit_id.as_ref().map(ToString::to_string))
            .unwrap_or_default();
        let _ = writeln!(md, "- Business unit: {}", literal(&bu));
        let _ = writeln!(md, "- Enabled: {}", if e.enabled { "yes" } else { "no" });
        for r in &e.roles {
            let _ = writeln!(md, "- Role: {} ({})", literal(&r.name), r.role_id);
        }
        for m in &e.missing_roles {
            let _ = writeln!(md, "- Missing role: {}", literal(m));
        }
    }
    if !env.waits.is_empty() {
        let _ = writeln!(md, "\n### Waits\n");
        for w in &env.waits {
            let _ = writeln!(md, "- {} ms: {}", w.ms, literal(&w.reason));
        }
    }
    if !env.unexpected_inputs.is_empty() {
        // The caller's mistakes: inputs the run could not use (each changed nothing).
        let _ = writeln!(md, "\n### Inputs the run could not use\n");
        for u in &env.unexpected_inputs {
            let _ = writeln!(
                md,
                "- {} while waiting for {} (at {} ms)",
                literal(&u.input),
                literal(&u.awaited),
                u.at_ms
            );
        }
    }
    if !env.confirmations.is_empty() {
        let _ = writeln!(md, "\n### Confirmations\n");
        for c in &env.confirmations {
            let _ = writeln!(
                md,
                "- {}: {} (at {} ms)",
                literal(&c.what),
                literal(&c.answer),
                c.at_ms
            );
        }
    }
    let _ = writeln!(md);
}
