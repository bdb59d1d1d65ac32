//! Response headers for the app's static files, from the `_headers` file the tool ships for
//! Netlify and Cloudflare Pages (`hosting/_headers`, copied into `dist/`). The emulator plays
//! the static host here, not Microsoft: it applies the shipped file, so the end-to-end tests
//! run the app under exactly the headers an administrator deploys.
//!
//! The format: a path pattern on a line of its own, then indented `Name: value` lines; `#`
//! starts a comment. A `*` matches any characters (also `/`), a `:name` segment one segment.
//! Every matching rule applies; the values of one header from several rules are joined with
//! `, ` (Cloudflare Pages' documented behaviour).

/// One rule: a path pattern and its headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The path pattern, e.g. `/*` or `/redirect.html`.
    pub pattern: String,
    /// `(name, value)` in file order.
    pub headers: Vec<(String, String)>,
}

/// Parses a `_headers` file; the error names the line.
pub fn parse(text: &str) -> Result<Vec<Rule>, String> {
    let mut rules: Vec<Rule> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if !line.starts_with([' ', '\t']) {
            if !trimmed.starts_with('/') {
                return Err(format!(
                    "line {}: a rule starts with a path, not {trimmed:?}",
                    n + 1
                ));
            }
            rules.push(Rule {
                pattern: trimmed.to_owned(),
                headers: Vec::new(),
            });
            continue;
        }
        let (name, value) = trimmed
            .split_once(':')
            .ok_or_else(|| format!("line {}: expected `Name: value`", n + 1))?;
        let rule = rules
            .last_mut()
            .ok_or_else(|| format!("line {}: a header before any path", n + 1))?;
        rule.headers
            .push((name.trim().to_owned(), value.trim().to_owned()));
    }
    Ok(rules)
}

/// Whether `pattern` matches the request path `path`.
pub fn matches(pattern: &str, path: &str) -> bool {
    match_from(pattern.as_bytes(), path.as_bytes())
}

fn match_from(p: &[u8], s: &[u8]) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some(b'*') => (0..=s.len()).any(|i| match_from(&p[1..], &s[i..])),
        Some(b':') if p.len() > 1 && p[1].is_ascii_alphabetic() => {
            let name_end = p[1..]
                .iter()
                .position(|c| !c.is_ascii_alphanumeric() && *c != b'_')
                .map_or(p.len(), |i| i + 1);
            let seg_end = s.iter().position(|c| *c == b'/').unwrap_or(s.len());
            seg_end > 0 && match_from(&p[name_end..], &s[seg_end..])
        }
        Some(c) => s.first() == Some(c) && match_from(&p[1..], &s[1..]),
    }
}

/// The headers of every rule matching `path`, each name once (values joined with `, `).
pub fn headers_for(rules: &[Rule], path: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for rule in rules.iter().filter(|r| matches(&r.pattern, path)) {
        for (name, value) in &rule.headers {
            match out.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
                Some((_, v)) => {
                    v.push_str(", ");
                    v.push_str(value);
                }
                None => out.push((name.clone(), value.clone())),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splats_and_placeholders_match_as_the_hosts_document() {
        assert!(matches("/*", "/"));
        assert!(matches("/*", "/a/b.js"));
        assert!(matches("/", "/"));
        assert!(!matches("/", "/index.html"));
        assert!(matches("/static/*", "/static/x/y"));
        assert!(!matches("/static/*", "/other"));
        assert!(matches("/:page/x", "/abc/x"));
        assert!(!matches("/:page/x", "/a/b/x"));
        assert!(matches("/*.js", "/a/b.js"));
    }

    #[test]
    fn values_of_several_matching_rules_are_joined() {
        let rules = parse("/*\n  A: 1\n/x\n  A: 2\n  B: 3\n").unwrap();
        assert_eq!(
            headers_for(&rules, "/x"),
            vec![("A".into(), "1, 2".into()), ("B".into(), "3".into())]
        );
        assert_eq!(headers_for(&rules, "/y"), vec![("A".into(), "1".into())]);
    }

    #[test]
    fn a_header_outside_a_rule_is_refused_with_its_line() {
        assert_eq!(
            parse("  A: 1\n").unwrap_err(),
            "line 1: a header before any path"
        );
        assert!(parse("nope\n").unwrap_err().starts_with("line 1:"));
    }
}
