//! How a grant is refused, and reading the form it came in.

/// A grant refused: Entra's error, AADSTS code and text.
pub struct Refusal {
    pub error: &'static str,
    pub code: u32,
    pub message: String,
}

impl Refusal {
    /// An `invalid_grant`.
    pub fn grant(code: u32, message: &str) -> Refusal {
        Refusal {
            error: "invalid_grant",
            code,
            message: message.into(),
        }
    }
}

/// The value of a form field.
pub fn field(form: &[(String, String)], name: &str) -> Option<String> {
    form.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
}
