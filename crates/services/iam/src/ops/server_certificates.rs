//! Server certificates (for load balancers): Upload/Get/List/Update/DeleteServerCertificate and tags.
//! The certificate must be PEM; its Expiration is read from the certificate itself.

use crate::input::Input;
use crate::{authz, der, errors, paging, render, state, tagging, validate};
use sekisho_core::identity::store::{AccountIam, ServerCertificate};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, ids};
use serde_json::{Value, json};

fn no_such(name: &str) -> AwsError {
    errors::no_such_entity(format!("The Server Certificate with name {name} cannot be found."))
}

fn cert_mut<'a>(iam: &'a mut AccountIam, name: &str) -> Result<&'a mut ServerCertificate, AwsError> {
    iam.server_certificates.get_mut(&state::key(name)).ok_or_else(|| no_such(name))
}

fn metadata(account: &str, c: &ServerCertificate) -> Value {
    json!({
        "Path": c.path,
        "ServerCertificateName": c.name,
        "ServerCertificateId": c.id,
        "Arn": render::arn(account, "server-certificate", &c.path, &c.name),
        "UploadDate": render::date(c.upload_date_ms),
        "Expiration": render::date(c.expiration_ms),
    })
}

fn cert_arn(req: &AuthzRequest<'_>, name: &str) -> String {
    let path = {
        let state = req.world.read();
        state
            .account(authz::account(req))
            .and_then(|a| a.iam.server_certificates.get(&state::key(name)).map(|c| c.path.clone()))
    };
    render::arn(authz::account(req), "server-certificate", path.as_deref().unwrap_or("/"), name)
}

fn check(req: &AuthzRequest<'_>, action: &str) -> Result<Vec<Check>, AwsError> {
    let name = Input(req.input).str("ServerCertificateName")?;
    Ok(vec![Check::new(action, cert_arn(req, name))])
}

pub mod upload_server_certificate {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let input = Input(req.input);
        let name = input.str("ServerCertificateName")?;
        let check = Check::new("iam:UploadServerCertificate", authz::new_arn(req, "server-certificate", name));
        Ok(vec![authz::with_request_tags(check, &input.tags("Tags"))])
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("ServerCertificateName")?;
        let body = input.str("CertificateBody")?;
        input.str("PrivateKey")?;
        let expires = der::not_after(body)
            .ok_or_else(|| AwsError::new("MalformedCertificate", 400, "Certificate is not in PEM format."))?;
        let tags = input.tags("Tags");
        validate::tags(&tags)?;
        let now = ctx.now_ms();
        state::write(ctx, |iam| {
            if iam.server_certificates.contains_key(&state::key(name)) {
                return Err(errors::already_exists(format!("The Server Certificate with name {name} already exists.")));
            }
            let cert = ServerCertificate {
                name: name.to_string(),
                path: input.opt_str("Path").unwrap_or("/").to_string(),
                id: ids::unique_id("ASCA"),
                body: body.to_string(),
                chain: input.opt_str("CertificateChain").map(str::to_string),
                upload_date_ms: now,
                expiration_ms: expires * 1000,
                tags: tags.clone(),
            };
            let mut out = json!({ "ServerCertificateMetadata": metadata(ctx.account(), &cert) });
            if !tags.is_empty() {
                out["Tags"] = render::tags(&tags);
            }
            iam.server_certificates.insert(state::key(name), cert);
            Ok(out)
        })
    }
}

pub mod get_server_certificate {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        check(req, "iam:GetServerCertificate")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("ServerCertificateName")?;
        state::read(ctx, |iam| {
            let c = iam.server_certificates.get(&state::key(name)).ok_or_else(|| no_such(name))?;
            let mut out = json!({ "ServerCertificateMetadata": metadata(ctx.account(), c), "CertificateBody": c.body });
            if let Some(chain) = &c.chain {
                out["CertificateChain"] = json!(chain);
            }
            if !c.tags.is_empty() {
                out["Tags"] = render::tags(&c.tags);
            }
            Ok(json!({ "ServerCertificate": out }))
        })
    }
}

pub mod list_server_certificates {
    use super::*;

    pub fn authorize(_req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::star("iam:ListServerCertificates")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let prefix = input.opt_str("PathPrefix").unwrap_or("/");
        let items = state::read(ctx, |iam| {
            iam.server_certificates
                .iter()
                .filter(|(_, c)| c.path.starts_with(prefix))
                .map(|(k, c)| (k.clone(), metadata(ctx.account(), c)))
                .collect()
        });
        Ok(paging::page(items, input)?.into_output("ServerCertificateMetadataList"))
    }
}

pub mod update_server_certificate {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        check(req, "iam:UpdateServerCertificate")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("ServerCertificateName")?;
        state::write(ctx, |iam| {
            let mut cert = cert_mut(iam, name)?.clone();
            if let Some(n) = input.opt_str("NewServerCertificateName") {
                if !n.eq_ignore_ascii_case(name) && iam.server_certificates.contains_key(&state::key(n)) {
                    return Err(errors::already_exists(format!(
                        "The Server Certificate with name {n} already exists."
                    )));
                }
                cert.name = n.to_string();
            }
            if let Some(p) = input.opt_str("NewPath") {
                cert.path = p.to_string();
            }
            iam.server_certificates.remove(&state::key(name));
            iam.server_certificates.insert(state::key(&cert.name), cert);
            Ok(json!({}))
        })
    }
}

pub mod delete_server_certificate {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        check(req, "iam:DeleteServerCertificate")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("ServerCertificateName")?;
        state::write(ctx, |iam| {
            iam.server_certificates.remove(&state::key(name)).ok_or_else(|| no_such(name))?;
            Ok(json!({}))
        })
    }
}

pub mod tag_server_certificate {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let tags = Input(req.input).tags("Tags");
        Ok(check(req, "iam:TagServerCertificate")?.into_iter().map(|c| authz::with_request_tags(c, &tags)).collect())
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("ServerCertificateName")?;
        tagging::tag(ctx, input, "TagsPerServerCertificate", |iam| Ok(&mut cert_mut(iam, name)?.tags))
    }
}

pub mod untag_server_certificate {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let keys = Input(req.input).strings("TagKeys");
        Ok(check(req, "iam:UntagServerCertificate")?
            .into_iter()
            .map(|c| c.with_context_values("aws:TagKeys", keys.clone()))
            .collect())
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("ServerCertificateName")?;
        tagging::untag(ctx, input, |iam| Ok(&mut cert_mut(iam, name)?.tags))
    }
}

pub mod list_server_certificate_tags {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        check(req, "iam:ListServerCertificateTags")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("ServerCertificateName")?;
        tagging::list(ctx, input, |iam| {
            Ok(iam.server_certificates.get(&state::key(name)).ok_or_else(|| no_such(name))?.tags.clone())
        })
    }
}
