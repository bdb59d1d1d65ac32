//! Integration tests: one per emulated rule, against a real HTTPS server.

mod clouds;
mod common;
mod control;
mod dataverse_batch;
mod dataverse_reads;
mod dataverse_tokens;
mod dataverse_writes;
mod discovery_graph;
mod identity_authorize;
mod identity_tokens;
mod routing;
mod rules;
mod scenarios;
mod sign_in_rules;
