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
