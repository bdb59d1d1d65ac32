//! `$filter`: a small OData v4 expression parser and evaluator over JSON rows (comparisons,
//! `and`/`or`/`not`, `contains`/`startswith`/`endswith`/`tolower`/`toupper`, and the Web API
//! query function `EqualUserId`).

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::error::ODataError;

#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Guid(String),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BinOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    And,
    Or,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Lit(Val),
    Prop(String),
    Call(String, Vec<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    /// `Microsoft.Dynamics.CRM.EqualUserId(PropertyName='p')`: whether `p` is the calling
    /// user's id. False until [`Query::bind_user`] names the user.
    EqualUserId(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    Comma,
    /// `=` between a query function's parameter name and its value.
    Assign,
    Str(String),
    Word(String),
}

fn tokenize(text: &str) -> Result<Vec<(usize, Tok)>, ODataError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => {
                out.push((i, Tok::LParen));
                i += 1
            }
            ')' => {
                out.push((i, Tok::RParen));
                i += 1
            }
            ',' => {
                out.push((i, Tok::Comma));
                i += 1
            }
            '=' => {
                out.push((i, Tok::Assign));
                i += 1
            }
            '\'' => {
                let start = i;
                i += 1;
                let mut s = String::new();
                loop {
                    match chars.get(i) {
                        None => return Err(syntax(start, text)),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            s.push('\'');
                            i += 2
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(ch) => {
                            s.push(*ch);
                            i += 1
                        }
                    }
                }
                out.push((start, Tok::Str(s)));
            }
            c if c.is_alphanumeric() || c == '_' || c == '-' || c == '.' || c == '$' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '-' | '.' | '$'))
                {
                    i += 1;
                }
                out.push((start, Tok::Word(chars[start..i].iter().collect())));
            }
            _ => return Err(syntax(i, text)),
        }
    }
    Ok(out)
}

pub(crate) fn syntax(pos: usize, text: &str) -> ODataError {
    ODataError::Syntax(format!("Syntax error at position {pos} in '{text}'."))
}

struct Parser<'a> {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    text: &'a str,
    columns: &'a [&'a str],
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(_, t)| t)
    }
    fn at(&self) -> usize {
        self.toks
            .get(self.pos)
            .map(|(p, _)| *p)
            .unwrap_or(self.text.len())
    }
    fn err(&self) -> ODataError {
        syntax(self.at(), self.text)
    }
    fn keyword(&self, k: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w == k)
    }
    fn or(&mut self) -> Result<Expr, ODataError> {
        let mut l = self.and()?;
        while self.keyword("or") {
            self.pos += 1;
            let r = self.and()?;
            l = Expr::Bin(BinOp::Or, Box::new(l), Box::new(r));
        }
        Ok(l)
    }
    fn and(&mut self) -> Result<Expr, ODataError> {
        let mut l = self.unary()?;
        while self.keyword("and") {
            self.pos += 1;
            let r = self.unary()?;
            l = Expr::Bin(BinOp::And, Box::new(l), Box::new(r));
        }
        Ok(l)
    }
    fn unary(&mut self) -> Result<Expr, ODataError> {
        if self.keyword("not") {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        self.comparison()
    }
    fn comparison(&mut self) -> Result<Expr, ODataError> {
        let l = self.primary()?;
        let op = match self.peek() {
            Some(Tok::Word(w)) => match w.as_str() {
                "eq" => Some(BinOp::Eq),
                "ne" => Some(BinOp::Ne),
                "gt" => Some(BinOp::Gt),
                "ge" => Some(BinOp::Ge),
                "lt" => Some(BinOp::Lt),
                "le" => Some(BinOp::Le),
                _ => None,
            },
            _ => None,
        };
        match op {
            Some(op) => {
                self.pos += 1;
                let r = self.primary()?;
                Ok(Expr::Bin(op, Box::new(l), Box::new(r)))
            }
            None => Ok(l),
        }
    }
    fn primary(&mut self) -> Result<Expr, ODataError> {
        let tok = self.peek().cloned().ok_or_else(|| self.err())?;
        match tok {
            Tok::LParen => {
                self.pos += 1;
                let e = self.or()?;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(self.err());
                }
                self.pos += 1;
                Ok(e)
            }
            Tok::Str(s) => {
                self.pos += 1;
                Ok(Expr::Lit(Val::Str(s)))
            }
            Tok::Word(w) => {
                if matches!(self.toks.get(self.pos + 1), Some((_, Tok::LParen)))
                    && w.eq_ignore_ascii_case(EQUAL_USER_ID)
                {
                    return self.equal_user_id();
                }
                if matches!(self.toks.get(self.pos + 1), Some((_, Tok::LParen))) {
                    let name = w.to_ascii_lowercase();
                    let arity = match name.as_str() {
                        "startswith" | "endswith" | "contains" => 2,
                        "tolower" | "toupper" => 1,
                        _ => return Err(self.err()),
                    };
                    self.pos += 2;
                    let mut args = vec![self.or()?];
                    while self.peek() == Some(&Tok::Comma) {
                        self.pos += 1;
                        args.push(self.or()?);
                    }
                    if self.peek() != Some(&Tok::RParen) || args.len() != arity {
                        return Err(self.err());
                    }
                    self.pos += 1;
                    return Ok(Expr::Call(name, args));
                }
                self.pos += 1;
                Ok(Expr::Lit(match w.as_str() {
                    "null" => Val::Null,
                    "true" => Val::Bool(true),
                    "false" => Val::Bool(false),
                    _ if crate::ids::is_guid(&w) => Val::Guid(w.to_ascii_lowercase()),
                    _ if w.starts_with(|c: char| c.is_ascii_digit() || c == '-') => {
                        match w.parse::<f64>() {
                            Ok(n) => Val::Num(n),
                            Err(_) => {
                                self.pos -= 1;
                                return Err(self.err());
                            }
                        }
                    }
                    _ => {
                        if ["eq", "ne", "gt", "ge", "lt", "le", "and", "or", "not"]
                            .contains(&w.as_str())
                        {
                            self.pos -= 1;
                            return Err(self.err());
                        }
                        if !self.columns.contains(&w.as_str()) {
                            return Err(ODataError::UnknownProperty(w));
                        }
                        return Ok(Expr::Prop(w));
                    }
                }))
            }
            _ => Err(self.err()),
        }
    }
}

/// The Web API query function comparing a property with the calling user's id.
const EQUAL_USER_ID: &str = "Microsoft.Dynamics.CRM.EqualUserId";

impl Parser<'_> {
    /// `Microsoft.Dynamics.CRM.EqualUserId(PropertyName='p')` (the name is at `self.pos`).
    fn equal_user_id(&mut self) -> Result<Expr, ODataError> {
        self.pos += 2;
        let named = matches!(self.peek(), Some(Tok::Word(w)) if w == "PropertyName");
        if !named || self.toks.get(self.pos + 1).map(|(_, t)| t) != Some(&Tok::Assign) {
            return Err(self.err());
        }
        self.pos += 2;
        let Some(Tok::Str(prop)) = self.peek().cloned() else {
            return Err(self.err());
        };
        self.pos += 1;
        if self.peek() != Some(&Tok::RParen) {
            return Err(self.err());
        }
        self.pos += 1;
        if !self.columns.contains(&prop.as_str()) {
            return Err(ODataError::UnknownProperty(prop));
        }
        Ok(Expr::EqualUserId(prop))
    }
}

impl Expr {
    /// The expression with every `EqualUserId(p)` made `p eq {user_id}`.
    pub fn bind_user(self, user_id: &str) -> Expr {
        match self {
            Expr::EqualUserId(p) => Expr::Bin(
                BinOp::Eq,
                Box::new(Expr::Prop(p)),
                Box::new(Expr::Lit(Val::Guid(user_id.to_ascii_lowercase()))),
            ),
            Expr::Bin(op, l, r) => Expr::Bin(
                op,
                Box::new(l.bind_user(user_id)),
                Box::new(r.bind_user(user_id)),
            ),
            Expr::Not(x) => Expr::Not(Box::new(x.bind_user(user_id))),
            Expr::Call(n, args) => {
                Expr::Call(n, args.into_iter().map(|a| a.bind_user(user_id)).collect())
            }
            other => other,
        }
    }
}

/// Parses a `$filter` expression; properties must be among `columns`.
pub fn parse_filter(text: &str, columns: &[&str]) -> Result<Expr, ODataError> {
    let toks = tokenize(text)?;
    let mut p = Parser {
        toks,
        pos: 0,
        text,
        columns,
    };
    let e = p.or()?;
    if p.pos != p.toks.len() {
        return Err(p.err());
    }
    Ok(e)
}

pub(crate) fn to_val(v: Option<&Value>) -> Val {
    match v {
        None | Some(Value::Null) => Val::Null,
        Some(Value::Bool(b)) => Val::Bool(*b),
        Some(Value::Number(n)) => Val::Num(n.as_f64().unwrap_or(0.0)),
        Some(Value::String(s)) => Val::Str(s.clone()),
        Some(other) => Val::Str(other.to_string()),
    }
}

fn text_of(v: &Val, ci: bool) -> Option<String> {
    match v {
        Val::Str(s) if ci => Some(s.to_lowercase()),
        Val::Str(s) => Some(s.clone()),
        Val::Guid(g) => Some(g.to_ascii_lowercase()),
        _ => None,
    }
}

pub(crate) fn compare(a: &Val, b: &Val, ci: bool) -> Option<Ordering> {
    match (a, b) {
        (Val::Null, Val::Null) => Some(Ordering::Equal),
        (Val::Null, _) | (_, Val::Null) => None,
        (Val::Bool(x), Val::Bool(y)) => Some(x.cmp(y)),
        (Val::Num(x), Val::Num(y)) => x.partial_cmp(y),
        (Val::Guid(_), _) | (_, Val::Guid(_)) => {
            let (x, y) = (text_of(a, true)?, text_of(b, true)?);
            Some(x.cmp(&y))
        }
        _ => Some(text_of(a, ci)?.cmp(&text_of(b, ci)?)),
    }
}

/// Evaluates `e` against `row`; `ci` makes string comparisons case-insensitive.
pub fn eval(e: &Expr, row: &Map<String, Value>, ci: bool) -> Val {
    match e {
        Expr::Lit(v) => v.clone(),
        Expr::Prop(p) => to_val(row.get(p)),
        // Not bound to a user: no row is the caller's.
        Expr::EqualUserId(_) => Val::Bool(false),
        Expr::Not(x) => match eval(x, row, ci) {
            Val::Bool(b) => Val::Bool(!b),
            _ => Val::Null,
        },
        Expr::Bin(op, l, r) => {
            let (a, b) = (eval(l, row, ci), eval(r, row, ci));
            match op {
                BinOp::And => Val::Bool(a == Val::Bool(true) && b == Val::Bool(true)),
                BinOp::Or => Val::Bool(a == Val::Bool(true) || b == Val::Bool(true)),
                BinOp::Eq => Val::Bool(compare(&a, &b, ci) == Some(Ordering::Equal)),
                BinOp::Ne => Val::Bool(compare(&a, &b, ci) != Some(Ordering::Equal)),
                BinOp::Gt => Val::Bool(compare(&a, &b, ci) == Some(Ordering::Greater)),
                BinOp::Ge => Val::Bool(matches!(
                    compare(&a, &b, ci),
                    Some(Ordering::Greater | Ordering::Equal)
                )),
                BinOp::Lt => Val::Bool(compare(&a, &b, ci) == Some(Ordering::Less)),
                BinOp::Le => Val::Bool(matches!(
                    compare(&a, &b, ci),
                    Some(Ordering::Less | Ordering::Equal)
                )),
            }
        }
        Expr::Call(name, args) => {
            let vals: Vec<Val> = args.iter().map(|a| eval(a, row, ci)).collect();
            match name.as_str() {
                "tolower" => match &vals[0] {
                    Val::Str(s) => Val::Str(s.to_lowercase()),
                    v => v.clone(),
                },
                "toupper" => match &vals[0] {
                    Val::Str(s) => Val::Str(s.to_uppercase()),
                    v => v.clone(),
                },
                _ => match (text_of(&vals[0], ci), text_of(&vals[1], ci)) {
                    (Some(a), Some(b)) => Val::Bool(match name.as_str() {
                        "startswith" => a.starts_with(&b),
                        "endswith" => a.ends_with(&b),
                        _ => a.contains(&b),
                    }),
                    _ => Val::Bool(false),
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn filter_grammar_covers_the_procedure_queries() {
        let cols = ["name", "_businessunitid_value", "isdisabled", "accessmode"];
        let e = parse_filter(
            "_businessunitid_value eq 0A2B3C4D-0000-0000-0000-000000000001 and (name eq 'Work 365 Service' or name eq 'O''Brien') and not isdisabled and accessmode ge 4",
            &cols,
        )
        .expect("parses");
        let r = row(
            json!({"name": "work 365 service", "_businessunitid_value": "0a2b3c4d-0000-0000-0000-000000000001", "isdisabled": false, "accessmode": 4}),
        );
        assert_eq!(eval(&e, &r, true), Val::Bool(true));
        assert_eq!(eval(&e, &r, false), Val::Bool(false));
        assert_eq!(
            parse_filter("nope eq 1", &cols),
            Err(ODataError::UnknownProperty("nope".into()))
        );
        assert!(matches!(
            parse_filter("name eq", &cols),
            Err(ODataError::Syntax(_))
        ));
        assert!(matches!(
            parse_filter("name eq 'x", &cols),
            Err(ODataError::Syntax(_))
        ));
        let e = parse_filter(
            "_businessunitid_value eq null and startswith(name,'Work')",
            &cols,
        )
        .expect("parses");
        assert_eq!(
            eval(
                &e,
                &row(json!({"name": "Work 365", "_businessunitid_value": null})),
                false
            ),
            Val::Bool(true)
        );
    }
}
