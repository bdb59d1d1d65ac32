//! Integration tests: one per emulated rule, against a real HTTPS server.

mod clouds;
mod common;
mod control;
mod dataverse;
mod discovery_graph;
mod identity;
mod routing;
mod rules;
mod scenarios;
mod sign_in_rules;
