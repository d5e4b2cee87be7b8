//! Sign-in codes presented to STS (`SerialNumber` + `TokenCode` on GetSessionToken and AssumeRole): checked
//! against the calling user's MFA device, each code good once.

use crate::input::Input;
use sekisho_core::identity::Identity;
use sekisho_core::identity::mfa::Rejection;
use sekisho_core::{AwsError, Caller, World};

/// [obs] AWS's answer to a wrong code (widely reported CLI output); a reused code gets the same answer ([inf]:
/// AWS does not tell the two apart).
fn invalid_code() -> AwsError {
    AwsError::new("AccessDenied", 403, "MultiFactorAuthentication failed with invalid MFA one time pass code. ")
}

/// [obs] AWS's answer when the serial number is not an MFA device of the caller.
fn unknown_device() -> AwsError {
    AwsError::new(
        "AccessDenied",
        403,
        "MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA serial number is valid and associated with this user.",
    )
}

/// `true` when the request presents MFA (a serial number); the code is then checked by [`verify`].
pub fn presented(input: Input<'_>) -> bool {
    input.opt_str("SerialNumber").is_some()
}

/// Checks the request's code for the caller's device and consumes it.
pub fn verify(world: &World, caller: &Caller, input: Input<'_>) -> Result<(), AwsError> {
    let Some(serial) = input.opt_str("SerialNumber") else { return Ok(()) };
    if !(9..=256).contains(&serial.len()) {
        return Err(AwsError::new(
            "ValidationError",
            400,
            format!(
                "1 validation error detected: Value '{serial}' at 'serialNumber' failed to satisfy constraint: Member must have length greater than or equal to 9"
            ),
        ));
    }
    let code = input.opt_str("TokenCode").ok_or_else(invalid_code)?;
    let Identity::User { account, name, .. } = &caller.identity else { return Err(unknown_device()) };
    let now = world.clock.now_ms();
    let mut state = world.write();
    let device = state
        .accounts
        .get_mut(account)
        .and_then(|a| a.iam.mfa_devices.get_mut(serial))
        .filter(|d| d.user_name.as_deref().is_some_and(|u| u.eq_ignore_ascii_case(name)))
        .ok_or_else(unknown_device)?;
    device.check_login(code, now).map_err(|r| match r {
        Rejection::Invalid | Rejection::Reused => invalid_code(),
    })
}
