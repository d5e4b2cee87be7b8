//! The IAM policy language and AWS's policy evaluation logic: parse, compile, evaluate, explain.
//! Pure: no IO, no clock, no global state; the request context carries the time.
//!
//! # Bird's-eye view
//!
//! * [`Policy::parse`] reads a JSON document under the rules of a [`PolicyKind`] and answers bad documents
//!   with AWS's `MalformedPolicyDocument` messages ([`PolicyError`]). The result is compiled once (action
//!   patterns indexed by service, resource globs, typed condition values) and shared cheaply.
//! * [`evaluate`] decides a [`Request`] exactly as AWS documents it: explicit deny, RCPs, SCPs, VPC endpoint
//!   policy, resource-based policy (the principal it names decides which implicit denies it overrides), role
//!   trust policies that must always allow, identity-based policies, permissions boundary, session policies;
//!   cross-account requests must be allowed by both accounts.
//! * The [`Decision`] says which policy type denied, which statements matched and how each condition came
//!   out; [`Decision::explain`] renders that in plain words, [`Decision::record`] keeps an owned copy for
//!   logs, and [`access_denied_message`] writes AWS's AccessDenied text.
//! * [`simulate`] answers IAM's SimulateCustomPolicy / SimulatePrincipalPolicy questions.
//!
//! The engine never invents request context keys: the caller fills the [`Context`] (with
//! [`Context::with_principal`] for the keys AWS derives from the caller).
//!
//! # Decisions in brief
//!
//! * Same account: an Allow in an identity-based policy *or* in the resource-based policy suffices. A
//!   resource-based policy that names the calling user, session or `*` decides alone; one that names the
//!   caller's role is still limited by permissions boundary and session policy; one that names the account
//!   only delegates (an identity-based Allow is still needed). Role trust policies must always allow.
//! * Cross-account ([`Request::resource_account`] differs from the caller's): the caller's account must allow
//!   (identity-based policies, boundary, session policies, SCPs) *and* the resource's account must allow
//!   (resource-based policy, RCPs).
//! * The root user needs no identity-based policy in its own account but is subject to SCPs. Service
//!   principals, web-identity callers and anonymous callers are granted only by resource-based policies.
//! * A policy variable without value (and without default) makes its statement not apply, whatever its effect.
//!
//! # Where AWS's behaviour is inferred
//!
//! Messages marked `[inf]` in [`err`] and these choices are not confirmed against AWS and are kept easy to
//! change: `EndPosition` is the position just past a statement's `}`; when several policy types deny, the
//! message names the first of SCP, RCP, resource-based, identity-based, permissions boundary, session, VPC
//! endpoint (cross-account: the caller's side before the resource's side); a plain operator on a multi-valued
//! key matches if any value matches; `NotPrincipal` exempts a caller only when its whole chain (account,
//! role or user, session) is listed; simulation source types other than `IAM Policy` and the
//! `EvalDecisionDetails` keys.
//!
//! # Example
//!
//! ```
//! use sekisho_policy::*;
//!
//! let identity = Policy::parse(
//!     r#"{"Version": "2012-10-17",
//!         "Statement": [{"Sid": "ReadLogs", "Effect": "Allow",
//!                        "Action": "s3:Get*", "Resource": "arn:aws:s3:::logs/*"}]}"#,
//!     PolicyKind::Identity,
//! )?;
//! let alice = Principal::user("arn:aws:iam::111122223333:user/alice", Some("AIDAEXAMPLEALICE01"));
//! let context = Context::new().with_principal(&alice);
//! let policies = [PolicyRef::new("ReadLogs", PolicySource::InlineUser, &identity)];
//!
//! let mut request = Request::new(&alice, "s3:GetObject", "arn:aws:s3:::logs/today", &context);
//! request.identity_policies = &policies;
//! let decision = evaluate(&request);
//! assert_eq!(decision.effect(), EvalDecision::Allow);
//!
//! request.action = "s3:PutObject";
//! let decision = evaluate(&request);
//! assert_eq!(decision.denied_by(), Some(PolicyType::Identity));
//! assert_eq!(
//!     access_denied_message(&request, &decision, MessageStyle::Generic),
//!     "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: s3:PutObject \
//!      on resource: arn:aws:s3:::logs/today because no identity-based policy allows the s3:PutObject action"
//! );
//! println!("{}", decision.explain());
//!
//! let bad = Policy::parse(r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "GetObject", "Resource": "*"}}"#,
//!                         PolicyKind::ManagedIdentity).unwrap_err();
//! assert_eq!(bad.code(), "MalformedPolicyDocument");
//! assert_eq!(bad.message(), "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
//! # Ok::<(), PolicyError>(())
//! ```

mod action;
mod ast;
mod condition;
mod context;
mod decision;
pub mod err;
mod eval;
mod glob;
mod hash;
mod json;
mod message;
mod parse;
mod principal;
mod simulate;
mod validate;
mod values;
mod vars;

pub use ast::{Effect, Policy, PolicyKind, Statement, Version};
pub use context::Context;
pub use decision::{ConditionReport, Decision, DecisionRecord, Reason, Step};
pub use err::PolicyError;
pub use eval::{EvalDecision, PolicyRef, PolicySource, PolicyType, Request, evaluate};
pub use json::Position;
pub use message::{MessageStyle, access_denied_message};
pub use principal::{Principal, PrincipalKind, PrincipalMatch, PrincipalRef, PrincipalType};
pub use simulate::{EvaluationResult, ResourceSpecificResult, SimulatedStatement, simulate};
