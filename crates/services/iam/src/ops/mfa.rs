//! MFA devices: virtual devices (Create/Delete/ListVirtualMFADevices, tags) and assignment to users
//! (Enable/Resync/Deactivate/ListMFADevices, GetMFADevice). Virtual devices' codes are checked (RFC 6238);
//! a hardware device's seed is its vendor's, so its codes are accepted as given. New virtual devices come with
//! their seed and a QR code of it.

use crate::input::Input;
use crate::render::{self, View};
use crate::{authz, errors, lookup, paging, qr, state, tagging, validate};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sekisho_core::identity::store::{AccountIam, MfaDevice};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, ids, totp};
use serde_json::{Value, json};

fn no_such_device(serial: &str) -> AwsError {
    errors::no_such_entity(format!("VirtualMFADevice with serial number {serial} doesn't exist."))
}

/// IAM API reference, EnableMFADevice / ResyncMFADevice: InvalidAuthenticationCode, "the authentication code was
/// not recognized"; the message text is [inf].
fn invalid_codes() -> AwsError {
    AwsError::new("InvalidAuthenticationCode", 403, "Authentication code for device is not valid.")
}

fn device_mut<'a>(iam: &'a mut AccountIam, serial: &str) -> Result<&'a mut MfaDevice, AwsError> {
    iam.mfa_devices.get_mut(serial).ok_or_else(|| no_such_device(serial))
}

/// Paths of MFA devices may not contain empty segments.
fn check_path(path: &str) -> Result<(), AwsError> {
    if path.contains("//") {
        return Err(errors::validation(
            "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.",
        ));
    }
    Ok(())
}

fn mfa_arn(req: &AuthzRequest<'_>, serial: &str) -> String {
    if serial.starts_with("arn:") {
        serial.to_string()
    } else {
        format!("arn:aws:iam::{}:mfa/{serial}", authz::account(req))
    }
}

pub mod create_virtual_mfa_device {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let input = Input(req.input);
        let name = input.str("VirtualMFADeviceName")?;
        let check = Check::new("iam:CreateVirtualMFADevice", authz::new_arn(req, "mfa", name));
        Ok(vec![authz::with_request_tags(check, &input.tags("Tags"))])
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("VirtualMFADeviceName")?;
        let path = input.opt_str("Path").unwrap_or("/");
        check_path(path)?;
        let tags = input.tags("Tags");
        validate::tags(&tags)?;
        let serial = render::arn(ctx.account(), "mfa", path, name);
        state::write(ctx, |iam| {
            if iam.mfa_devices.contains_key(&serial) {
                return Err(errors::already_exists("MFADevice entity at the same path and name already exists."));
            }
            // A 40-byte TOTP seed from the OS, written in base32: 64 characters ([inf]: the length moto gives AWS's).
            let seed = totp::base32_encode(&ids::secret_bytes::<40>());
            let device = MfaDevice {
                serial_number: serial.clone(),
                user_name: None,
                enable_date_ms: None,
                seed: seed.clone(),
                virtual_device: true,
                tags: tags.clone(),
                drift_steps: 0,
                last_step: None,
            };
            iam.mfa_devices.insert(serial.clone(), device);
            let mut out = json!({ "SerialNumber": serial, "Base32StringSeed": STANDARD.encode(seed.as_bytes()) });
            // The QR code of the seed (qr.rs says what it encodes); base64 like every blob.
            if let Some(png) = qr::qr_png(&qr::otpauth_uri(name, ctx.account(), &seed)) {
                out["QRCodePNG"] = json!(STANDARD.encode(png));
            }
            if !tags.is_empty() {
                out["Tags"] = render::tags(&tags);
            }
            Ok(json!({ "VirtualMFADevice": out }))
        })
    }
}

pub mod delete_virtual_mfa_device {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let serial = Input(req.input).str("SerialNumber")?;
        Ok(vec![Check::new("iam:DeleteVirtualMFADevice", mfa_arn(req, serial))])
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let serial = input.str("SerialNumber")?;
        state::write(ctx, |iam| {
            if device_mut(iam, serial)?.user_name.is_some() {
                // [inf]
                return Err(errors::delete_conflict("MFA device is already in use."));
            }
            iam.mfa_devices.remove(serial);
            Ok(json!({}))
        })
    }
}

pub mod list_virtual_mfa_devices {
    use super::*;

    pub fn authorize(_req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::star("iam:ListVirtualMFADevices")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let status = input.opt_str("AssignmentStatus").unwrap_or("Any");
        let items = state::read(ctx, |iam| {
            iam.mfa_devices
                .values()
                .filter(|d| d.virtual_device)
                .filter(|d| match status {
                    "Assigned" => d.user_name.is_some(),
                    "Unassigned" => d.user_name.is_none(),
                    _ => true,
                })
                .map(|d| {
                    let mut v = json!({ "SerialNumber": d.serial_number });
                    if let Some(u) = d.user_name.as_deref().and_then(|n| iam.user(n)) {
                        v["User"] = render::user(ctx.account(), u, None, View::Full);
                    }
                    if let Some(ms) = d.enable_date_ms {
                        v["EnableDate"] = render::date(ms);
                    }
                    if !d.tags.is_empty() {
                        v["Tags"] = render::tags(&d.tags);
                    }
                    (d.serial_number.clone(), v)
                })
                .collect()
        });
        Ok(paging::page(items, input)?.into_output("VirtualMFADevices"))
    }
}

pub mod enable_mfa_device {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::user(req, "iam:EnableMFADevice")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let user = input.str("UserName")?;
        let serial = input.str("SerialNumber")?;
        let (code1, code2) = (input.str("AuthenticationCode1")?, input.str("AuthenticationCode2")?);
        let now = ctx.now_ms();
        state::write(ctx, |iam| {
            let name = lookup::user(iam, user)?.name.clone();
            if iam.mfa_devices.values().filter(|d| d.user_name.as_deref() == Some(&name)).count() >= 8 {
                return Err(errors::quota("MFADevicesPerUser", 8));
            }
            match iam.mfa_devices.get_mut(serial) {
                Some(d) if d.user_name.is_some() => {
                    // [inf]
                    Err(errors::already_exists("MFA device is already in use."))
                }
                Some(d) => {
                    if !d.sync(code1, code2, now) {
                        return Err(invalid_codes());
                    }
                    d.user_name = Some(name);
                    d.enable_date_ms = Some(now);
                    Ok(json!({}))
                }
                None => {
                    // A hardware device, known by its serial number.
                    iam.mfa_devices.insert(
                        serial.to_string(),
                        MfaDevice {
                            serial_number: serial.to_string(),
                            user_name: Some(name),
                            enable_date_ms: Some(now),
                            seed: String::new(),
                            virtual_device: false,
                            tags: Vec::new(),
                            drift_steps: 0,
                            last_step: None,
                        },
                    );
                    Ok(json!({}))
                }
            }
        })
    }
}

pub mod resync_mfa_device {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::user(req, "iam:ResyncMFADevice")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let user = input.str("UserName")?;
        let serial = input.str("SerialNumber")?;
        let (code1, code2) = (input.str("AuthenticationCode1")?, input.str("AuthenticationCode2")?);
        let now = ctx.now_ms();
        state::write(ctx, |iam| {
            let name = lookup::user(iam, user)?.name.clone();
            let d = device_mut(iam, serial)?;
            if !d.user_name.as_deref().is_some_and(|o| o.eq_ignore_ascii_case(&name)) {
                return Err(no_such_device(serial));
            }
            if !d.sync(code1, code2, now) {
                return Err(invalid_codes());
            }
            Ok(json!({}))
        })
    }
}

pub mod deactivate_mfa_device {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::user(req, "iam:DeactivateMFADevice")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let serial = input.str("SerialNumber")?;
        let user = authz::target_user(input, &ctx.caller.identity).map(str::to_string);
        state::write(ctx, |iam| {
            if let Some(u) = &user {
                lookup::user(iam, u)?;
            }
            let d = device_mut(iam, serial)?;
            let owned = match (&d.user_name, &user) {
                (Some(owner), Some(u)) => owner.eq_ignore_ascii_case(u),
                (Some(_), None) => true,
                (None, _) => false,
            };
            if !owned {
                return Err(no_such_device(serial));
            }
            if d.virtual_device {
                d.user_name = None;
                d.enable_date_ms = None;
            } else {
                iam.mfa_devices.remove(serial);
            }
            Ok(json!({}))
        })
    }
}

pub mod list_mfa_devices {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::user(req, "iam:ListMFADevices")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let user = authz::target_user(input, &ctx.caller.identity).map(str::to_string);
        let items = state::read(ctx, |iam| {
            let name = match &user {
                Some(u) => Some(lookup::user(iam, u)?.name.clone()),
                None => None,
            };
            Ok::<_, AwsError>(
                iam.mfa_devices
                    .values()
                    .filter(|d| d.user_name.is_some() && (name.is_none() || d.user_name == name))
                    .map(|d| {
                        (
                            d.serial_number.clone(),
                            json!({
                                "UserName": d.user_name,
                                "SerialNumber": d.serial_number,
                                "EnableDate": render::date(d.enable_date_ms.unwrap_or(0)),
                            }),
                        )
                    })
                    .collect(),
            )
        })?;
        Ok(paging::page(items, input)?.into_output("MFADevices"))
    }
}

pub mod get_mfa_device {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::user(req, "iam:GetMFADevice")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let serial = input.str("SerialNumber")?;
        state::read(ctx, |iam| {
            let d =
                iam.mfa_devices.get(serial).filter(|d| d.user_name.is_some()).ok_or_else(|| no_such_device(serial))?;
            let mut out = json!({ "UserName": d.user_name, "SerialNumber": d.serial_number });
            if let Some(ms) = d.enable_date_ms {
                out["EnableDate"] = render::date(ms);
            }
            Ok(out)
        })
    }
}

pub mod tag_mfa_device {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let input = Input(req.input);
        let check = Check::new("iam:TagMFADevice", mfa_arn(req, input.str("SerialNumber")?));
        Ok(vec![authz::with_request_tags(check, &input.tags("Tags"))])
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let serial = input.str("SerialNumber")?;
        tagging::tag(ctx, input, "TagsPerMFADevice", |iam| Ok(&mut device_mut(iam, serial)?.tags))
    }
}

pub mod untag_mfa_device {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let input = Input(req.input);
        Ok(vec![
            Check::new("iam:UntagMFADevice", mfa_arn(req, input.str("SerialNumber")?))
                .with_context_values("aws:TagKeys", input.strings("TagKeys")),
        ])
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let serial = input.str("SerialNumber")?;
        tagging::untag(ctx, input, |iam| Ok(&mut device_mut(iam, serial)?.tags))
    }
}

pub mod list_mfa_device_tags {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        Ok(vec![Check::new("iam:ListMFADeviceTags", mfa_arn(req, Input(req.input).str("SerialNumber")?))])
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let serial = input.str("SerialNumber")?;
        tagging::list(ctx, input, |iam| {
            Ok(iam.mfa_devices.get(serial).ok_or_else(|| no_such_device(serial))?.tags.clone())
        })
    }
}
