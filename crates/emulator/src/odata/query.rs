//! The other query options: `$select`, `$orderby`, `$top`, `$expand` (with `$select` and
//! `$filter` inside), `$skiptoken`; applied to rows, projected, paged.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::error::ODataError;
use super::filter::{compare, eval, parse_filter, syntax, to_val, Expr, Val};

/// One `$expand` item.
#[derive(Debug, Clone)]
pub struct Expand {
    pub name: String,
    pub select: Option<Vec<String>>,
    pub filter: Option<Expr>,
}

/// A parsed query.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub filter: Option<Expr>,
    pub select: Option<Vec<String>>,
    pub orderby: Vec<(String, bool)>,
    pub top: Option<usize>,
    pub skip: usize,
    pub expand: Vec<Expand>,
}

pub fn parse_select(text: &str, columns: &[&str]) -> Result<Vec<String>, ODataError> {
    let mut v = Vec::new();
    for part in text.split(',') {
        let p = part.trim();
        if p.is_empty() {
            return Err(syntax(0, text));
        }
        if !columns.contains(&p) {
            return Err(ODataError::UnknownProperty(p.to_string()));
        }
        v.push(p.to_string());
    }
    Ok(v)
}

/// Splits on `sep` at parenthesis depth zero.
fn split_top(text: &str, sep: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    let mut in_str = false;
    for c in text.chars() {
        match c {
            '\'' => in_str = !in_str,
            '(' if !in_str => depth += 1,
            ')' if !in_str => depth -= 1,
            _ => {}
        }
        if c == sep && depth == 0 && !in_str {
            out.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    out.push(cur);
    out
}

/// Navigation properties an entity set can expand, with the target's columns.
pub type Navs<'a> = &'a [(&'a str, &'a [&'a str])];

pub fn parse_query(
    params: &[(String, String)],
    columns: &[&str],
    navs: Navs,
) -> Result<Query, ODataError> {
    let mut q = Query::default();
    for (k, v) in params {
        match k.as_str() {
            "$filter" => q.filter = Some(parse_filter(v, columns)?),
            "$select" => q.select = Some(parse_select(v, columns)?),
            "$top" => q.top = Some(v.trim().parse().map_err(|_| syntax(0, v))?),
            "$skiptoken" => q.skip = v.trim().parse().map_err(|_| syntax(0, v))?,
            "$orderby" => {
                for part in v.split(',') {
                    let mut it = part.split_whitespace();
                    let prop = it.next().ok_or_else(|| syntax(0, v))?;
                    if !columns.contains(&prop) {
                        return Err(ODataError::UnknownProperty(prop.to_string()));
                    }
                    let desc = match it.next() {
                        None | Some("asc") => false,
                        Some("desc") => true,
                        Some(_) => return Err(syntax(0, v)),
                    };
                    q.orderby.push((prop.to_string(), desc));
                }
            }
            "$expand" => {
                for item in split_top(v, ',') {
                    let item = item.trim();
                    let (name, opts) = match item.find('(') {
                        Some(i) if item.ends_with(')') => {
                            (&item[..i], &item[i + 1..item.len() - 1])
                        }
                        Some(_) => return Err(syntax(0, v)),
                        None => (item, ""),
                    };
                    let Some((_, ncols)) = navs.iter().find(|(n, _)| *n == name) else {
                        return Err(ODataError::UnknownProperty(name.to_string()));
                    };
                    let mut ex = Expand {
                        name: name.to_string(),
                        select: None,
                        filter: None,
                    };
                    for opt in split_top(opts, ';')
                        .into_iter()
                        .filter(|o| !o.trim().is_empty())
                    {
                        let (ok, ov) = opt.split_once('=').ok_or_else(|| syntax(0, v))?;
                        match ok.trim() {
                            "$select" => ex.select = Some(parse_select(ov, ncols)?),
                            "$filter" => ex.filter = Some(parse_filter(ov, ncols)?),
                            _ => return Err(syntax(0, v)),
                        }
                    }
                    q.expand.push(ex);
                }
            }
            // Accepted and ignored: the emulator answers the same either way.
            "$count" | "api-version" => {}
            other if other.starts_with('$') => {
                return Err(ODataError::Syntax(format!(
                    "The query parameter {other} is not supported"
                )))
            }
            _ => {}
        }
    }
    Ok(q)
}

impl Query {
    /// Binds `EqualUserId` in `$filter` to the calling user.
    pub fn bind_user(&mut self, user_id: &str) {
        self.filter = self.filter.take().map(|f| f.bind_user(user_id));
    }
}

/// Filters and orders rows; returns the page and the skip of the next page.
pub fn apply(
    rows: Vec<Map<String, Value>>,
    q: &Query,
    ci: bool,
    key: &str,
    max_page: Option<usize>,
) -> (Vec<Map<String, Value>>, Option<usize>) {
    let mut rows: Vec<_> = rows
        .into_iter()
        .filter(|r| {
            q.filter
                .as_ref()
                .is_none_or(|f| eval(f, r, ci) == Val::Bool(true))
        })
        .collect();
    let mut order = q.orderby.clone();
    order.push((key.to_string(), false));
    rows.sort_by(|a, b| {
        for (p, desc) in &order {
            let o = compare(&to_val(a.get(p)), &to_val(b.get(p)), true).unwrap_or_else(|| {
                // Nulls first, like SQL Server.
                match (
                    a.get(p).is_none_or(Value::is_null),
                    b.get(p).is_none_or(Value::is_null),
                ) {
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                    _ => Ordering::Equal,
                }
            });
            let o = if *desc { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
    if let Some(t) = q.top {
        rows.truncate(t);
    }
    let total = rows.len();
    let start = q.skip.min(total);
    let end = match max_page {
        Some(m) if m > 0 => (start + m).min(total),
        _ => total,
    };
    let next = if end < total { Some(end) } else { None };
    (
        rows.into_iter().skip(start).take(end - start).collect(),
        next,
    )
}

/// Keeps the selected columns (and the key) of a row.
pub fn project(
    row: &Map<String, Value>,
    select: Option<&Vec<String>>,
    key: &str,
) -> Map<String, Value> {
    match select {
        None => row.clone(),
        Some(cols) => row
            .iter()
            .filter(|(k, _)| {
                k.as_str() == key || cols.iter().any(|c| c == *k) || k.starts_with('@')
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}
