//! The credential report: GenerateCredentialReport (STARTED, then COMPLETE) and GetCredentialReport, a CSV
//! of the root user and every user with their password, MFA, access key and signing certificate state.

use crate::input::Input;
use crate::{authz, state};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sekisho_core::identity::store::{AccessKeyMeta, AccountIam};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext};
use serde_json::{Value, json};

const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

/// `2024-01-01T00:00:00+00:00`, as the report writes dates.
fn when(ms: i64) -> String {
    sekisho_wire::timestamp::format_iso8601((ms.div_euclid(1000)) as f64).replace('Z', "+00:00")
}

fn key_columns(key: Option<&AccessKeyMeta>) -> [String; 5] {
    match key {
        None => ["false".into(), "N/A".into(), "N/A".into(), "N/A".into(), "N/A".into()],
        Some(k) => [
            k.active.to_string(),
            when(k.create_date_ms),
            k.last_used_ms.map(when).unwrap_or_else(|| "N/A".into()),
            k.last_used_region.clone().unwrap_or_else(|| "N/A".into()),
            k.last_used_service.clone().unwrap_or_else(|| "N/A".into()),
        ],
    }
}

fn report(account: &str, created_ms: i64, iam: &AccountIam) -> String {
    let mut lines = vec![HEADER.to_string()];
    let root = [
        "<root_account>".to_string(),
        format!("arn:aws:iam::{account}:root"),
        when(created_ms),
        "not_supported".into(),
        "no_information".into(),
        "not_supported".into(),
        "not_supported".into(),
        "false".into(),
    ];
    let mut row: Vec<String> = root.to_vec();
    row.extend(key_columns(None));
    row.extend(key_columns(None));
    row.extend(["false".into(), "N/A".into(), "false".into(), "N/A".into()]);
    lines.push(row.join(","));
    for u in iam.users.values() {
        let owns = |n: &str| n == u.name;
        let profile = iam.login_profiles.get(&state::key(&u.name));
        let mut keys: Vec<&AccessKeyMeta> = iam.access_keys.values().filter(|k| owns(&k.user_name)).collect();
        keys.sort_by_key(|k| k.create_date_ms);
        let mut certs: Vec<_> = iam.signing_certificates.values().filter(|c| owns(&c.user_name)).collect();
        certs.sort_by_key(|c| c.upload_date_ms);
        let mfa = iam.mfa_devices.values().any(|d| d.user_name.as_deref() == Some(u.name.as_str()));
        let mut row = vec![
            u.name.clone(),
            crate::render::arn(account, "user", &u.path, &u.name),
            when(u.create_date_ms),
            profile.is_some().to_string(),
            if profile.is_some() { "no_information".into() } else { "N/A".into() },
            profile.map(|p| when(p.create_date_ms)).unwrap_or_else(|| "N/A".into()),
            "N/A".into(),
            mfa.to_string(),
        ];
        row.extend(key_columns(keys.first().copied()));
        row.extend(key_columns(keys.get(1).copied()));
        for c in [certs.first(), certs.get(1)] {
            match c {
                Some(c) => row.extend([c.active.to_string(), when(c.upload_date_ms)]),
                None => row.extend(["false".into(), "N/A".into()]),
            }
        }
        lines.push(row.join(","));
    }
    lines.join("\n")
}

pub mod generate_credential_report {
    use super::*;

    pub fn authorize(_req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::star("iam:GenerateCredentialReport")
    }

    /// The first request starts a report; it is complete by the next one.
    pub fn handle(ctx: &OpContext, _input: Input<'_>) -> Result<Value, AwsError> {
        let now = ctx.now_ms();
        let started = state::write(ctx, |iam| iam.credential_report_ms.replace(now).is_none());
        Ok(if started {
            json!({"State": "STARTED", "Description": "No report exists. Starting a new report generation task"})
        } else {
            json!({"State": "COMPLETE"})
        })
    }
}

pub mod get_credential_report {
    use super::*;

    pub fn authorize(_req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::star("iam:GetCredentialReport")
    }

    pub fn handle(ctx: &OpContext, _input: Input<'_>) -> Result<Value, AwsError> {
        let created = ctx.world.read().account(ctx.account()).map(|a| a.created_ms).unwrap_or(0);
        let (generated, csv) = state::read(ctx, |iam| (iam.credential_report_ms, report(ctx.account(), created, iam)));
        let Some(generated) = generated else {
            return Err(AwsError::new(
                "ReportNotPresent",
                410,
                "Credential report not present. Use GenerateCredentialReport to generate a report.",
            ));
        };
        Ok(json!({
            "Content": STANDARD.encode(csv.as_bytes()),
            "ReportFormat": "text/csv",
            "GeneratedTime": crate::render::date(generated),
        }))
    }
}
