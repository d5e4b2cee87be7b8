//! Whole-block checks once every transition is known: reachability and a terminal state.
//! AWS reports states nothing names as MISSING_TRANSITION_TARGET, and no end as MISSING_END_STATE.

use super::model::StateId;
use super::parse::{Edges, Parser};
use crate::messages as m;

pub fn check(p: &mut Parser, names: &[&String], start: Option<StateId>, edges: &Edges, location: &str) {
    if names.is_empty() {
        return;
    }
    // A workflow without any terminal state hides the reachability report.
    if !edges.terminal.iter().any(|t| *t) {
        p.transitions.error(m::MISSING_END_STATE, m::NO_TERMINAL_STATE, None);
        return;
    }
    // AWS calls a state reachable when it is the start or another state names it; it does not
    // walk the graph from the start.
    let mut reached = vec![false; names.len()];
    if let Some(start) = start {
        reached[start] = true;
    }
    for (from, to) in &edges.edges {
        if from != to {
            reached[*to] = true;
        }
    }
    for (i, name) in names.iter().enumerate() {
        if !reached[i] {
            p.transitions.error(
                m::MISSING_TRANSITION_TARGET,
                m::state_not_reachable(name),
                Some(&format!("{location}/{name}")),
            );
        }
    }
}
