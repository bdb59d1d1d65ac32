//! `environment_repeats`: one environment template copied `count` times, `{n}` and `{n:0W}`
//! in its strings replaced by the copy's number.

use serde_json::Value;

/// Replaces `{n}` and `{n:0W}` (zero-padded to W digits) in every string.
pub fn substitute(v: &Value, n: u32) -> Value {
    match v {
        Value::String(s) => Value::String(substitute_str(s, n)),
        Value::Array(a) => Value::Array(a.iter().map(|x| substitute(x, n)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), substitute(x, n)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn substitute_str(s: &str, n: u32) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("{n") {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        match after.find('}') {
            Some(end) => {
                let spec = &after[2..end];
                if spec.is_empty() {
                    out.push_str(&n.to_string());
                } else if let Some(w) = spec
                    .strip_prefix(":0")
                    .and_then(|w| w.parse::<usize>().ok())
                {
                    out.push_str(&format!("{n:0w$}"));
                } else {
                    out.push_str(&after[..=end]);
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(after);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}
