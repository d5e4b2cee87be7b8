//! Whole-block checks once every transition is known: reachability and a terminal state.
//! AWS reports unreachable states as MISSING_TRANSITION_TARGET, and no end as MISSING_END_STATE.

use super::model::StateId;
use super::parse::{Edges, Parser};
use crate::messages as m;

pub fn check(p: &mut Parser, names: &[&String], start: StateId, edges: &Edges, location: &str) {
    if names.is_empty() {
        return;
    }
    // A workflow without any terminal state hides the reachability report.
    if !edges.terminal.iter().any(|t| *t) {
        p.transitions
            .error(m::MISSING_END_STATE, m::NO_TERMINAL_STATE, None);
        return;
    }
    let mut reached = vec![false; names.len()];
    let mut stack = vec![start];
    while let Some(s) = stack.pop() {
        if reached[s] {
            continue;
        }
        reached[s] = true;
        for (from, to) in &edges.edges {
            if *from == s && !reached[*to] {
                stack.push(*to);
            }
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
