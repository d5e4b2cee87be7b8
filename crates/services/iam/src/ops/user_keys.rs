//! Keys users upload: SSH public keys (Upload/Get/List/Update/DeleteSSHPublicKey) and X.509 signing
//! certificates (Upload/List/Update/DeleteSigningCertificate, at most two per user).

use crate::input::Input;
use crate::{authz, errors, lookup, paging, render, state};
use sekisho_core::identity::store::{AccountIam, SigningCertificate, SshPublicKey};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, ids};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

fn target(ctx: &OpContext, input: Input<'_>) -> Result<String, AwsError> {
    authz::target_user(input, &ctx.caller.identity)
        .map(str::to_string)
        .ok_or_else(|| errors::validation("Must specify userName when calling with non-User credentials"))
}

fn status(active: bool) -> &'static str {
    if active { "Active" } else { "Inactive" }
}

/// An MD5-style colon-separated fingerprint (16 bytes) of the key body.
fn fingerprint(body: &str) -> String {
    let digest = Sha256::digest(body.trim().as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}

fn ssh_view(k: &SshPublicKey) -> Value {
    json!({
        "UserName": k.user_name,
        "SSHPublicKeyId": k.id,
        "Fingerprint": k.fingerprint,
        "SSHPublicKeyBody": k.body,
        "Status": status(k.active),
        "UploadDate": render::date(k.upload_date_ms),
    })
}

fn ssh_key<'a>(iam: &'a mut AccountIam, user: &str, id: &str) -> Result<&'a mut SshPublicKey, AwsError> {
    lookup::user(iam, user)?;
    iam.ssh_public_keys
        .get_mut(id)
        .filter(|k| k.user_name.eq_ignore_ascii_case(user))
        .ok_or_else(|| errors::no_such_entity(format!("The Public Key with id {id} cannot be found.")))
}

/// A public key IAM can read: OpenSSH (`ssh-rsa ...`) or PEM.
fn check_ssh_body(body: &str) -> Result<(), AwsError> {
    let b = body.trim_start();
    if b.starts_with("ssh-rsa ") || b.starts_with("ssh-ed25519 ") || b.starts_with("-----BEGIN ") {
        Ok(())
    } else {
        Err(AwsError::new("UnrecognizedPublicKeyEncoding", 400, "Unsupported public key encoding."))
    }
}

pub mod upload_ssh_public_key {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::user(req, "iam:UploadSSHPublicKey")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let user = input.str("UserName")?;
        let body = input.str("SSHPublicKeyBody")?;
        check_ssh_body(body)?;
        let now = ctx.now_ms();
        state::write(ctx, |iam| {
            let name = lookup::user(iam, user)?.name.clone();
            let print = fingerprint(body);
            if iam.ssh_public_keys.values().any(|k| k.user_name == name && k.fingerprint == print) {
                return Err(AwsError::new(
                    "DuplicateSSHPublicKey",
                    400,
                    "The SSH public key is already associated with the specified IAM user.",
                ));
            }
            if iam.ssh_public_keys.values().filter(|k| k.user_name == name).count() >= 5 {
                return Err(errors::quota("SSHPublicKeysPerUser", 5));
            }
            let key = SshPublicKey {
                user_name: name,
                id: ids::access_key_id("APKA"),
                fingerprint: print,
                body: body.to_string(),
                active: true,
                upload_date_ms: now,
            };
            let out = ssh_view(&key);
            iam.ssh_public_keys.insert(key.id.clone(), key);
            Ok(json!({ "SSHPublicKey": out }))
        })
    }
}

pub mod get_ssh_public_key {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::user(req, "iam:GetSSHPublicKey")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let user = input.str("UserName")?;
        let id = input.str("SSHPublicKeyId")?;
        state::write(ctx, |iam| Ok(json!({ "SSHPublicKey": ssh_view(ssh_key(iam, user, id)?) })))
    }
}

pub mod list_ssh_public_keys {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::user(req, "iam:ListSSHPublicKeys")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let user = target(ctx, input)?;
        let items = state::read(ctx, |iam| {
            let name = lookup::user(iam, &user)?.name.clone();
            Ok::<_, AwsError>(
                iam.ssh_public_keys
                    .values()
                    .filter(|k| k.user_name == name)
                    .map(|k| {
                        (
                            format!("{}|{}", k.upload_date_ms, k.id),
                            json!({
                                "UserName": k.user_name,
                                "SSHPublicKeyId": k.id,
                                "Status": status(k.active),
                                "UploadDate": render::date(k.upload_date_ms),
                            }),
                        )
                    })
                    .collect(),
            )
        })?;
        Ok(paging::page(items, input)?.into_output("SSHPublicKeys"))
    }
}

pub mod update_ssh_public_key {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::user(req, "iam:UpdateSSHPublicKey")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let user = input.str("UserName")?;
        let id = input.str("SSHPublicKeyId")?;
        let active = input.str("Status")? == "Active";
        state::write(ctx, |iam| {
            ssh_key(iam, user, id)?.active = active;
            Ok(json!({}))
        })
    }
}

pub mod delete_ssh_public_key {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::user(req, "iam:DeleteSSHPublicKey")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let user = input.str("UserName")?;
        let id = input.str("SSHPublicKeyId")?;
        state::write(ctx, |iam| {
            ssh_key(iam, user, id)?;
            iam.ssh_public_keys.remove(id);
            Ok(json!({}))
        })
    }
}

fn cert_view(c: &SigningCertificate) -> Value {
    json!({
        "UserName": c.user_name,
        "CertificateId": c.id,
        "CertificateBody": c.body,
        "Status": status(c.active),
        "UploadDate": render::date(c.upload_date_ms),
    })
}

fn no_such_certificate(id: &str) -> AwsError {
    errors::no_such_entity(format!("The Certificate with id {id} cannot be found."))
}

fn certificate<'a>(iam: &'a mut AccountIam, user: &str, id: &str) -> Result<&'a mut SigningCertificate, AwsError> {
    lookup::user(iam, user)?;
    iam.signing_certificates
        .get_mut(id)
        .filter(|c| c.user_name.eq_ignore_ascii_case(user))
        .ok_or_else(|| no_such_certificate(id))
}

/// A PEM-encoded X.509 certificate.
pub fn check_certificate(body: &str) -> Result<(), AwsError> {
    let b = body.trim();
    if b.starts_with("-----BEGIN CERTIFICATE-----") && b.ends_with("-----END CERTIFICATE-----") {
        Ok(())
    } else {
        Err(AwsError::new("MalformedCertificate", 400, "Certificate is not in PEM format."))
    }
}

pub mod upload_signing_certificate {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::user(req, "iam:UploadSigningCertificate")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let user = target(ctx, input)?;
        let body = input.str("CertificateBody")?;
        let now = ctx.now_ms();
        state::write(ctx, |iam| {
            let name = lookup::user(iam, &user)?.name.clone();
            check_certificate(body)?;
            let mine = || iam.signing_certificates.values().filter(|c| c.user_name == name);
            if mine().any(|c| c.body.trim() == body.trim()) {
                return Err(AwsError::new(
                    "DuplicateCertificate",
                    409,
                    "The request was rejected because the same certificate is associated with an IAM user in the account.",
                ));
            }
            if mine().count() >= 2 {
                return Err(errors::quota("CertificatesPerUser", 2));
            }
            let cert = SigningCertificate {
                user_name: name,
                id: ids::unique_id("").chars().chain(ids::unique_id("").chars()).take(32).collect(),
                body: body.to_string(),
                active: true,
                upload_date_ms: now,
            };
            let out = cert_view(&cert);
            iam.signing_certificates.insert(cert.id.clone(), cert);
            Ok(json!({ "Certificate": out }))
        })
    }
}

pub mod list_signing_certificates {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::user(req, "iam:ListSigningCertificates")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let user = target(ctx, input)?;
        let items = state::read(ctx, |iam| {
            let name = lookup::user(iam, &user)?.name.clone();
            Ok::<_, AwsError>(
                iam.signing_certificates
                    .values()
                    .filter(|c| c.user_name == name)
                    .map(|c| (format!("{}|{}", c.upload_date_ms, c.id), cert_view(c)))
                    .collect(),
            )
        })?;
        Ok(paging::page(items, input)?.into_output("Certificates"))
    }
}

pub mod update_signing_certificate {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::user(req, "iam:UpdateSigningCertificate")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let user = target(ctx, input)?;
        let id = input.str("CertificateId")?;
        let active = input.str("Status")? == "Active";
        state::write(ctx, |iam| {
            certificate(iam, &user, id)?.active = active;
            Ok(json!({}))
        })
    }
}

pub mod delete_signing_certificate {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::user(req, "iam:DeleteSigningCertificate")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let user = target(ctx, input)?;
        let id = input.str("CertificateId")?;
        state::write(ctx, |iam| {
            certificate(iam, &user, id)?;
            iam.signing_certificates.remove(id);
            Ok(json!({}))
        })
    }
}
