//! Arbitrary policy documents through parsing (under every policy kind), compilation and evaluation of a
//! fixed request in every role a policy can play, with the explanation and AccessDenied text rendered.
//! Input: the first byte picks the kind, the rest is the document (UTF-8).
#![no_main]

use sekisho_policy::*;

const KINDS: [PolicyKind; 9] = [
    PolicyKind::Identity,
    PolicyKind::ManagedIdentity,
    PolicyKind::Resource,
    PolicyKind::RoleTrust,
    PolicyKind::Scp,
    PolicyKind::Rcp,
    PolicyKind::PermissionsBoundary,
    PolicyKind::Session,
    PolicyKind::VpcEndpoint,
];

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&selector, text)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(text) else { return };
    let kind = KINDS[selector as usize % KINDS.len()];
    let policy = match Policy::parse(text, kind) {
        Ok(p) => p,
        Err(e) => {
            assert!(!e.message().is_empty());
            return;
        }
    };
    let principal = Principal::assumed_role(
        "arn:aws:iam::111122223333:role/app/worker",
        "session-1",
        Some("AROAEXAMPLEROLEID001"),
    );
    let mut context = Context::new().with_principal(&principal);
    context.insert("aws:SourceIp", "203.0.113.7");
    context.insert("aws:CurrentTime", "2025-01-02T03:04:05Z");
    context.insert("aws:EpochTime", "1735787045");
    context.insert("aws:SecureTransport", "true");
    context.insert("aws:MultiFactorAuthPresent", "false");
    context.insert("aws:PrincipalTag/team", "blue");
    context.insert_values("aws:TagKeys", ["team", "env"]);
    context.insert("s3:prefix", "home/${aws:username}/");
    let one = [PolicyRef::new("fuzzed", PolicySource::InlineRole, &policy)];
    let levels = vec![vec![PolicyRef::new("fuzzed", PolicySource::Scp, &policy)]];
    for (action, resource) in [
        ("s3:GetObject", "arn:aws:s3:::bucket/home/worker/key"),
        ("sts:AssumeRole", "arn:aws:iam::444455556666:role/target"),
        ("iam:PassRole", "*"),
    ] {
        let mut request = Request::new(&principal, action, resource, &context);
        request.identity_policies = &one;
        request.permissions_boundary = Some(PolicyRef::new("boundary", PolicySource::PermissionsBoundary, &policy));
        request.session_policies = Some(&one);
        request.resource_policy = Some(PolicyRef::new("resource", PolicySource::ResourceBased, &policy));
        request.resource_account = Some("444455556666");
        request.scps = &levels;
        request.rcps = &levels;
        let decision = evaluate(&request);
        let _ = decision.explain();
        if !decision.is_allowed() {
            let _ = access_denied_message(&request, &decision, MessageStyle::Generic);
        }
        let mut trust = Request::new(&principal, action, resource, &context);
        trust.resource_policy = Some(PolicyRef::new("trust", PolicySource::RoleTrust, &policy));
        let _ = evaluate(&trust).explain();
    }
});
