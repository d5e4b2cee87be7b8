//! Execution behaviour end to end: events, ids, data flow, errors.
//! Each test runs a small definition through the interpreter and checks the history.
