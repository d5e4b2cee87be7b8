//! Definition parsing and validation with AWS's exact messages.
//! Every invalid definition here is checked against the text AWS returns.
