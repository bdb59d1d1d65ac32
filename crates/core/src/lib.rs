//! The Work 365 application-user procedure and its Microsoft API clients.
#![forbid(unsafe_code)]
