//! The shape of a crate's source: which module names which, and how long each file is.
//!
//! A module is a file (`a/b.rs` is `a::b`, `a/mod.rs` is `a`, `lib.rs` the root). Module `A`
//! depends on module `B` when `A`'s code names an item through a path that resolves to `B`
//! (`use crate::b::X`, `use super::b::{X, Y}`, `crate::b::f()` in an expression): the longest
//! prefix of the path that is a module. Declaring a child (`mod b;`) is ownership, not a
//! dependency; calling a method is not naming a path. Comments and everything from the first
//! `#[cfg(test)]` of a file on (its unit tests) are left out. Shared by the core's and the
//! emulator's tests (included with `#[path]`), so it uses nothing but std.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One source file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub module: String,
    pub path: PathBuf,
    pub lines: usize,
    pub code: String,
}

/// Reads every `.rs` file under `src` except the binary's `main.rs`.
pub fn read_crate(src: &Path) -> Vec<SourceFile> {
    let mut files = Vec::new();
    walk(src, src, &mut files);
    files.sort_by(|a, b| a.module.cmp(&b.module));
    files
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<SourceFile>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(root, &path, out);
            continue;
        }
        if path.extension().and_then(|e| e.to_str()) != Some("rs") {
            continue;
        }
        let rel = path.strip_prefix(root).unwrap_or(&path);
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let Some((file, dirs)) = parts.split_last() else {
            continue;
        };
        if dirs.is_empty() && file == "main.rs" {
            continue;
        }
        let mut module: Vec<String> = dirs.to_vec();
        match file.as_str() {
            "lib.rs" | "mod.rs" => {}
            other => module.push(other.trim_end_matches(".rs").to_owned()),
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        out.push(SourceFile {
            module: module.join("::"),
            path: path.clone(),
            lines: text.lines().count(),
            code: code_of(&text),
        });
    }
}

/// The text without comments, string and char literals, and without the unit tests at the end.
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    };
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < c.len() {
        let next = c.get(i + 1).copied();
        match c[i] {
            '/' if next == Some('/') => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            }
            '/' if next == Some('*') => {
                i += 2;
                while i + 1 < c.len() && !(c[i] == '*' && c[i + 1] == '/') {
                    i += 1;
                }
                i += 2;
            }
            'r' if (next == Some('"') || next == Some('#'))
                && (i == 0 || !(c[i - 1].is_alphanumeric() || c[i - 1] == '_')) =>
            {
                // A raw string: r"…", r#"…"#.
                let mut j = i + 1;
                let mut hashes = 0;
                while c.get(j) == Some(&'#') {
                    hashes += 1;
                    j += 1;
                }
                if c.get(j) != Some(&'"') {
                    out.push(c[i]);
                    i += 1;
                    continue;
                }
                j += 1;
                loop {
                    if j >= c.len() {
                        break;
                    }
                    if c[j] == '"' && (0..hashes).all(|h| c.get(j + 1 + h) == Some(&'#')) {
                        j += 1 + hashes;
                        break;
                    }
                    j += 1;
                }
                out.push_str("\"\"");
                i = j;
            }
            '"' => {
                i += 1;
                while i < c.len() && c[i] != '"' {
                    if c[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                out.push_str("\"\"");
            }
            '\'' => {
                // A char literal ('x', '\n', '\u{..}'), or a lifetime ('a).
                if next == Some('\\') {
                    let mut j = i + 2;
                    while j < c.len() && c[j] != '\'' {
                        j += 1;
                    }
                    i = j + 1;
                } else if c.get(i + 2) == Some(&'\'') {
                    i += 3;
                } else {
                    out.push(c[i]);
                    i += 1;
                }
            }
            ch => {
                out.push(ch);
                i += 1;
            }
        }
    }
    out
}

/// Every path a file names, expanded from `use` trees, as written (`crate::a::B`, `super::c`).
fn paths_named(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut rest = code;
    // `use` trees first (they may hold braces), then every other path.
    let mut others = String::new();
    while let Some(i) = find_word(rest, "use") {
        others.push_str(&rest[..i]);
        let after = &rest[i + 3..];
        let end = after.find(';').unwrap_or(after.len());
        expand_use("", after[..end].trim(), &mut paths);
        rest = &after[(end + 1).min(after.len())..];
    }
    others.push_str(rest);
    let chars: Vec<char> = others.chars().collect();
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut i = 0;
    while i < chars.len() {
        let starts_word =
            ident(chars[i]) && (i == 0 || !(ident(chars[i - 1]) || chars[i - 1] == ':'));
        if !starts_word {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && (ident(chars[j]) || chars[j] == ':') {
            j += 1;
        }
        let path: String = chars[i..j].iter().collect();
        if path.contains("::") {
            paths.push(path.trim_end_matches(':').to_owned());
        }
        i = j;
    }
    paths
}

fn find_word(text: &str, word: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find(word) {
        let at = from + i;
        let before = text[..at].chars().last();
        let after = text[at + word.len()..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        if boundary(before) && after.is_some_and(char::is_whitespace) {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}

/// `a::{b, c::{d, e}}` under `prefix` into `a::b`, `a::c::d`, `a::c::e`.
fn expand_use(prefix: &str, tree: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    let join = |p: &str, s: &str| {
        if p.is_empty() {
            s.to_owned()
        } else {
            format!("{p}::{s}")
        }
    };
    match tree.find('{') {
        None => {
            let item = tree.split(" as ").next().unwrap_or(tree).trim();
            out.push(join(prefix, item.trim_end_matches("::*")));
        }
        Some(open) => {
            let head = tree[..open].trim().trim_end_matches("::");
            let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
            let base = join(prefix, head);
            let mut depth = 0;
            let mut start = 0;
            for (k, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        expand_use(&base, &inner[start..k], out);
                        start = k + 1;
                    }
                    _ => {}
                }
            }
            if !inner[start..].trim().is_empty() {
                expand_use(&base, &inner[start..], out);
            }
        }
    }
}

/// The module a path written in `module` points into, if it is in this crate.
fn resolve(module: &str, path: &str, modules: &BTreeSet<String>) -> Option<String> {
    let mut segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let mut base: Vec<&str> = if module.is_empty() {
        Vec::new()
    } else {
        module.split("::").collect()
    };
    match segs.first().copied() {
        Some("crate") => {
            base.clear();
            segs.remove(0);
        }
        Some("self") => {
            segs.remove(0);
        }
        Some("super") => {
            while segs.first() == Some(&"super") {
                segs.remove(0);
                base.pop();
            }
        }
        // Relative to this module: a child of it, or nothing of this crate (std, a crate, a
        // type's associated item), which resolves to this module itself and is dropped.
        _ => {}
    }
    let mut full: Vec<&str> = base;
    full.extend(segs);
    // The longest prefix that is a module.
    (0..=full.len())
        .rev()
        .map(|n| full[..n].join("::"))
        .find(|m| modules.contains(m))
}

/// `module -> modules it names`, without self-edges.
pub fn dependencies(files: &[SourceFile]) -> BTreeMap<String, BTreeSet<String>> {
    let modules: BTreeSet<String> = files.iter().map(|f| f.module.clone()).collect();
    files
        .iter()
        .map(|f| {
            let deps = paths_named(&f.code)
                .iter()
                .filter_map(|p| resolve(&f.module, p, &modules))
                .filter(|m| m != &f.module)
                .collect();
            (f.module.clone(), deps)
        })
        .collect()
}

/// The groups of modules that name each other in a circle (strongly connected components of
/// more than one module), each sorted.
pub fn cycles(deps: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    // Tarjan's algorithm.
    struct State<'a> {
        deps: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        if let Some(ws) = s.deps.get(v) {
            for w in ws {
                let w = w.as_str();
                if !s.index.contains_key(w) {
                    visit(s, w);
                    let lw = s.low[w];
                    let lv = s.low[v];
                    s.low.insert(v, lv.min(lw));
                } else if s.on_stack.contains(w) {
                    let iw = s.index[w];
                    let lv = s.low[v];
                    s.low.insert(v, lv.min(iw));
                }
            }
        }
        if s.low[v] == s.index[v] {
            let mut group = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                group.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                s.out.push(group);
            }
        }
    }
    let mut s = State {
        deps,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in deps.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out
}

/// The edges inside a cycle group, for the failure message.
pub fn describe(group: &[String], deps: &BTreeMap<String, BTreeSet<String>>) -> String {
    let mut lines = Vec::new();
    for a in group {
        for b in deps.get(a).into_iter().flatten() {
            if group.contains(b) {
                lines.push(format!("  {} -> {}", show(a), show(b)));
            }
        }
    }
    lines.join("\n")
}

fn show(m: &str) -> &str {
    if m.is_empty() {
        "(crate root)"
    } else {
        m
    }
}
