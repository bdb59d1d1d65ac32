//! Assess and plan: from what inspection found to a verdict, a data center and a plan.

pub(crate) mod assess;
pub mod assessment;
mod choose;
mod plan;
