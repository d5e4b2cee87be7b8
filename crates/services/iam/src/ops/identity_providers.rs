//! Identity providers: OpenID Connect (Create/Get/List/Delete, thumbprints, client ids, tags) and SAML
//! (Create/Get/List/Update/Delete, tags). Providers are what `Federated` principals in trust policies name.

use crate::input::Input;
use crate::{authz, errors, render, state, tagging, validate};
use sekisho_core::identity::store::{AccountIam, OidcProvider, SamlProvider};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext};
use serde_json::{Value, json};

fn no_such_oidc(arn: &str) -> AwsError {
    errors::no_such_entity(format!("OpenIDConnect Provider not found for arn {arn}"))
}

/// [inf]
fn no_such_saml(arn: &str) -> AwsError {
    errors::no_such_entity(format!("SAMLProvider not found for arn {arn}"))
}

fn oidc_mut<'a>(iam: &'a mut AccountIam, arn: &str) -> Result<&'a mut OidcProvider, AwsError> {
    iam.oidc_providers.get_mut(arn).ok_or_else(|| no_such_oidc(arn))
}

fn saml_mut<'a>(iam: &'a mut AccountIam, arn: &str) -> Result<&'a mut SamlProvider, AwsError> {
    iam.saml_providers.get_mut(arn).ok_or_else(|| no_such_saml(arn))
}

/// The provider's host and path (what its ARN carries); the URL must use https.
fn oidc_url(url: &str) -> Result<String, AwsError> {
    let rest = url
        .strip_prefix("https://")
        .filter(|r| !r.is_empty() && r.split(['/', '?', '#']).next().is_some_and(|h| h.contains('.')))
        .ok_or_else(|| errors::validation("Invalid Open ID Connect Provider URL"))?;
    let without_query = rest.split(['?', '#']).next().unwrap_or(rest);
    Ok(without_query.trim_end_matches('/').to_string())
}

fn check_thumbprints(list: &[String]) -> Result<(), AwsError> {
    if list.len() > 5 {
        return Err(errors::invalid_input("Thumbprint list must contain fewer than 5 entries."));
    }
    Ok(())
}

fn check_client_ids(list: &[String]) -> Result<(), AwsError> {
    if list.len() > 100 {
        return Err(errors::quota("ClientIdsPerOpenIdConnectProvider", 100));
    }
    Ok(())
}

fn arn_check(req: &AuthzRequest<'_>, member: &str, action: &str) -> Result<Vec<Check>, AwsError> {
    Ok(vec![Check::new(action, Input(req.input).str(member)?)])
}

pub mod create_open_id_connect_provider {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let input = Input(req.input);
        let host = oidc_url(input.str("Url")?).unwrap_or_default();
        let check = Check::new(
            "iam:CreateOpenIDConnectProvider",
            format!("arn:aws:iam::{}:oidc-provider/{host}", authz::account(req)),
        );
        Ok(vec![authz::with_request_tags(check, &input.tags("Tags"))])
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let url = oidc_url(input.str("Url")?)?;
        let thumbprints = input.strings("ThumbprintList");
        let client_ids = input.strings("ClientIDList");
        check_thumbprints(&thumbprints)?;
        check_client_ids(&client_ids)?;
        let tags = input.tags("Tags");
        validate::tags(&tags)?;
        let arn = format!("arn:aws:iam::{}:oidc-provider/{url}", ctx.account());
        let now = ctx.now_ms();
        state::write(ctx, |iam| {
            if iam.oidc_providers.contains_key(&arn) {
                // [inf]
                return Err(errors::already_exists(format!("Provider with url https://{url} already exists.")));
            }
            iam.oidc_providers.insert(
                arn.clone(),
                OidcProvider { url, client_ids, thumbprints, create_date_ms: now, tags: tags.clone() },
            );
            let mut out = json!({ "OpenIDConnectProviderArn": arn });
            if !tags.is_empty() {
                out["Tags"] = render::tags(&tags);
            }
            Ok(out)
        })
    }
}

pub mod get_open_id_connect_provider {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        arn_check(req, "OpenIDConnectProviderArn", "iam:GetOpenIDConnectProvider")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let arn = input.str("OpenIDConnectProviderArn")?;
        state::read(ctx, |iam| {
            let p = iam.oidc_providers.get(arn).ok_or_else(|| no_such_oidc(arn))?;
            Ok(json!({
                "Url": p.url,
                "ClientIDList": p.client_ids,
                "ThumbprintList": p.thumbprints,
                "CreateDate": render::date(p.create_date_ms),
                "Tags": render::tags(&p.tags),
            }))
        })
    }
}

pub mod list_open_id_connect_providers {
    use super::*;

    pub fn authorize(_req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::star("iam:ListOpenIDConnectProviders")
    }

    pub fn handle(ctx: &OpContext, _input: Input<'_>) -> Result<Value, AwsError> {
        let list: Vec<Value> = state::read(ctx, |iam| iam.oidc_providers.keys().map(|a| json!({"Arn": a})).collect());
        Ok(json!({ "OpenIDConnectProviderList": list }))
    }
}

pub mod delete_open_id_connect_provider {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        arn_check(req, "OpenIDConnectProviderArn", "iam:DeleteOpenIDConnectProvider")
    }

    /// Deleting a provider that does not exist succeeds.
    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let arn = input.str("OpenIDConnectProviderArn")?;
        state::write(ctx, |iam| iam.oidc_providers.remove(arn));
        Ok(json!({}))
    }
}

pub mod update_open_id_connect_provider_thumbprint {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        arn_check(req, "OpenIDConnectProviderArn", "iam:UpdateOpenIDConnectProviderThumbprint")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let arn = input.str("OpenIDConnectProviderArn")?;
        let thumbprints = input.strings("ThumbprintList");
        check_thumbprints(&thumbprints)?;
        state::write(ctx, |iam| {
            oidc_mut(iam, arn)?.thumbprints = thumbprints;
            Ok(json!({}))
        })
    }
}

pub mod add_client_id_to_open_id_connect_provider {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        arn_check(req, "OpenIDConnectProviderArn", "iam:AddClientIDToOpenIDConnectProvider")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let arn = input.str("OpenIDConnectProviderArn")?;
        let id = input.str("ClientID")?;
        state::write(ctx, |iam| {
            let p = oidc_mut(iam, arn)?;
            if !p.client_ids.iter().any(|c| c == id) {
                check_client_ids(&[p.client_ids.clone(), vec![id.to_string()]].concat())?;
                p.client_ids.push(id.to_string());
            }
            Ok(json!({}))
        })
    }
}

pub mod remove_client_id_from_open_id_connect_provider {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        arn_check(req, "OpenIDConnectProviderArn", "iam:RemoveClientIDFromOpenIDConnectProvider")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let arn = input.str("OpenIDConnectProviderArn")?;
        let id = input.str("ClientID")?;
        state::write(ctx, |iam| {
            oidc_mut(iam, arn)?.client_ids.retain(|c| c != id);
            Ok(json!({}))
        })
    }
}

pub mod tag_open_id_connect_provider {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let tags = Input(req.input).tags("Tags");
        Ok(arn_check(req, "OpenIDConnectProviderArn", "iam:TagOpenIDConnectProvider")?
            .into_iter()
            .map(|c| authz::with_request_tags(c, &tags))
            .collect())
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let arn = input.str("OpenIDConnectProviderArn")?;
        tagging::tag(ctx, input, "TagsPerOpenIdConnectProvider", |iam| Ok(&mut oidc_mut(iam, arn)?.tags))
    }
}

pub mod untag_open_id_connect_provider {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let keys = Input(req.input).strings("TagKeys");
        Ok(arn_check(req, "OpenIDConnectProviderArn", "iam:UntagOpenIDConnectProvider")?
            .into_iter()
            .map(|c| c.with_context_values("aws:TagKeys", keys.clone()))
            .collect())
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let arn = input.str("OpenIDConnectProviderArn")?;
        tagging::untag(ctx, input, |iam| Ok(&mut oidc_mut(iam, arn)?.tags))
    }
}

pub mod list_open_id_connect_provider_tags {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        arn_check(req, "OpenIDConnectProviderArn", "iam:ListOpenIDConnectProviderTags")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let arn = input.str("OpenIDConnectProviderArn")?;
        tagging::list(ctx, input, |iam| Ok(iam.oidc_providers.get(arn).ok_or_else(|| no_such_oidc(arn))?.tags.clone()))
    }
}

fn saml_arn(account: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:saml-provider/{name}")
}

pub mod create_saml_provider {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let input = Input(req.input);
        let check = Check::new("iam:CreateSAMLProvider", saml_arn(authz::account(req), input.str("Name")?));
        Ok(vec![authz::with_request_tags(check, &input.tags("Tags"))])
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("Name")?;
        let document = input.str("SAMLMetadataDocument")?;
        let tags = input.tags("Tags");
        validate::tags(&tags)?;
        let arn = saml_arn(ctx.account(), name);
        let now = ctx.now_ms();
        state::write(ctx, |iam| {
            if iam.saml_providers.contains_key(&arn) {
                return Err(errors::already_exists(format!("SAMLProvider {name} already exists.")));
            }
            iam.saml_providers.insert(
                arn.clone(),
                SamlProvider {
                    name: name.to_string(),
                    metadata_document: document.to_string(),
                    create_date_ms: now,
                    // Metadata documents are trusted for a century unless they say otherwise.
                    valid_until_ms: now + 100 * 365 * 86_400_000,
                    tags: tags.clone(),
                },
            );
            let mut out = json!({ "SAMLProviderArn": arn });
            if !tags.is_empty() {
                out["Tags"] = render::tags(&tags);
            }
            Ok(out)
        })
    }
}

pub mod get_saml_provider {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        arn_check(req, "SAMLProviderArn", "iam:GetSAMLProvider")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let arn = input.str("SAMLProviderArn")?;
        state::read(ctx, |iam| {
            let p = iam.saml_providers.get(arn).ok_or_else(|| no_such_saml(arn))?;
            Ok(json!({
                "SAMLMetadataDocument": p.metadata_document,
                "CreateDate": render::date(p.create_date_ms),
                "ValidUntil": render::date(p.valid_until_ms),
                "Tags": render::tags(&p.tags),
            }))
        })
    }
}

pub mod list_saml_providers {
    use super::*;

    pub fn authorize(_req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::star("iam:ListSAMLProviders")
    }

    pub fn handle(ctx: &OpContext, _input: Input<'_>) -> Result<Value, AwsError> {
        let list: Vec<Value> = state::read(ctx, |iam| {
            iam.saml_providers
                .iter()
                .map(|(arn, p)| {
                    json!({"Arn": arn, "ValidUntil": render::date(p.valid_until_ms), "CreateDate": render::date(p.create_date_ms)})
                })
                .collect()
        });
        Ok(json!({ "SAMLProviderList": list }))
    }
}

pub mod update_saml_provider {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        arn_check(req, "SAMLProviderArn", "iam:UpdateSAMLProvider")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let arn = input.str("SAMLProviderArn")?;
        state::write(ctx, |iam| {
            let p = saml_mut(iam, arn)?;
            if let Some(doc) = input.opt_str("SAMLMetadataDocument") {
                p.metadata_document = doc.to_string();
            }
            Ok(json!({ "SAMLProviderArn": arn }))
        })
    }
}

pub mod delete_saml_provider {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        arn_check(req, "SAMLProviderArn", "iam:DeleteSAMLProvider")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let arn = input.str("SAMLProviderArn")?;
        state::write(ctx, |iam| {
            iam.saml_providers.remove(arn).ok_or_else(|| no_such_saml(arn))?;
            Ok(json!({}))
        })
    }
}

pub mod tag_saml_provider {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let tags = Input(req.input).tags("Tags");
        Ok(arn_check(req, "SAMLProviderArn", "iam:TagSAMLProvider")?
            .into_iter()
            .map(|c| authz::with_request_tags(c, &tags))
            .collect())
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let arn = input.str("SAMLProviderArn")?;
        tagging::tag(ctx, input, "TagsPerSAMLProvider", |iam| Ok(&mut saml_mut(iam, arn)?.tags))
    }
}

pub mod untag_saml_provider {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let keys = Input(req.input).strings("TagKeys");
        Ok(arn_check(req, "SAMLProviderArn", "iam:UntagSAMLProvider")?
            .into_iter()
            .map(|c| c.with_context_values("aws:TagKeys", keys.clone()))
            .collect())
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let arn = input.str("SAMLProviderArn")?;
        tagging::untag(ctx, input, |iam| Ok(&mut saml_mut(iam, arn)?.tags))
    }
}

pub mod list_saml_provider_tags {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        arn_check(req, "SAMLProviderArn", "iam:ListSAMLProviderTags")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let arn = input.str("SAMLProviderArn")?;
        tagging::list(ctx, input, |iam| Ok(iam.saml_providers.get(arn).ok_or_else(|| no_such_saml(arn))?.tags.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_urls_keep_host_and_path() {
        assert_eq!(oidc_url("https://example.com").unwrap(), "example.com");
        assert_eq!(oidc_url("https://example.org/oidc-query?test=true").unwrap(), "example.org/oidc-query");
        assert_eq!(
            oidc_url("https://token.actions.githubusercontent.com/").unwrap(),
            "token.actions.githubusercontent.com"
        );
        assert!(oidc_url("example.org").is_err());
        assert!(oidc_url("https://example").is_err());
    }
}
