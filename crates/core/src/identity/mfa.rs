//! Checking a virtual MFA device's codes: the two consecutive codes that enable or resynchronise it, and the
//! one code a sign-in (GetSessionToken, AssumeRole) presents, each good only once.

use crate::identity::store::MfaDevice;
use crate::totp;

/// How far either side of now (in 30 s steps) EnableMFADevice and ResyncMFADevice look for the two codes. IAM
/// API reference, EnableMFADevice: codes submitted late still associate the device, which is then "out of
/// sync": AWS searches a window and learns the drift. The width is [inf]: ten minutes either side.
pub const SYNC_WINDOW_STEPS: i64 = 20;
/// Tolerance of a sign-in code around the learnt drift: one step either side, RFC 6238 section 5.2's
/// recommendation for network delay ([inf] for AWS).
pub const LOGIN_WINDOW_STEPS: i64 = 1;

/// Why a sign-in code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// The code is not the device's code for now.
    Invalid,
    /// The code was already used (or an older one was).
    Reused,
}

fn is_code(code: &str) -> bool {
    code.len() == totp::DIGITS as usize && code.bytes().all(|b| b.is_ascii_digit())
}

impl MfaDevice {
    /// The TOTP key, for devices sekisho made (hardware devices have no known seed).
    pub fn secret(&self) -> Option<Vec<u8>> {
        (self.virtual_device && !self.seed.is_empty()).then(|| totp::base32_decode(&self.seed)).flatten()
    }

    /// Enable/resync: finds two consecutive codes near now, records the drift and returns `true`.
    pub fn sync(&mut self, code1: &str, code2: &str, now_ms: i64) -> bool {
        let Some(secret) = self.secret() else { return is_code(code1) && is_code(code2) };
        let now = totp::step_at(now_ms);
        let found = (now - SYNC_WINDOW_STEPS..=now + SYNC_WINDOW_STEPS)
            .find(|s| totp::code(&secret, *s) == code1 && totp::code(&secret, s + 1) == code2);
        match found {
            Some(step) => {
                // The second code is the device's "now".
                self.drift_steps = step + 1 - now;
                self.last_step = Some(step + 1);
                true
            }
            None => false,
        }
    }

    /// The code a user would type now, and the one after it (EnableMFADevice takes two consecutive codes):
    /// the device's code for now on its own clock, or, when that one was used already, the next one if
    /// sign-in would still accept it. `None` for devices without a known seed, or when the user must wait.
    pub fn current_codes(&self, now_ms: i64) -> Option<(String, String)> {
        let secret = self.secret()?;
        let centre = totp::step_at(now_ms) + self.drift_steps;
        let step = match self.last_step {
            Some(last) if last >= centre => last + 1,
            _ => centre,
        };
        (step <= centre + LOGIN_WINDOW_STEPS).then(|| (totp::code(&secret, step), totp::code(&secret, step + 1)))
    }

    /// A sign-in code: accepted once, within the tolerance around the device's drift.
    pub fn check_login(&mut self, code: &str, now_ms: i64) -> Result<(), Rejection> {
        if !is_code(code) {
            return Err(Rejection::Invalid);
        }
        let Some(secret) = self.secret() else {
            // Hardware devices: their seed is the vendor's, so the code cannot be checked ([inf] README says so).
            return Ok(());
        };
        let centre = totp::step_at(now_ms) + self.drift_steps;
        let step = totp::find_step(&secret, code, centre - LOGIN_WINDOW_STEPS, centre + LOGIN_WINDOW_STEPS)
            .ok_or(Rejection::Invalid)?;
        if self.last_step.is_some_and(|last| step <= last) {
            return Err(Rejection::Reused);
        }
        self.last_step = Some(step);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    fn device() -> MfaDevice {
        MfaDevice {
            serial_number: "arn:aws:iam::111111111111:mfa/alice".into(),
            user_name: None,
            enable_date_ms: None,
            seed: SEED.into(),
            virtual_device: true,
            tags: vec![],
            drift_steps: 0,
            last_step: None,
        }
    }

    fn code_at(ms: i64) -> String {
        totp::code(&totp::base32_decode(SEED).unwrap_or_default(), totp::step_at(ms))
    }

    #[test]
    fn enabling_needs_two_consecutive_codes_and_learns_the_drift() {
        let now = 1_700_000_000_000;
        let mut d = device();
        assert!(!d.sync(&code_at(now), &code_at(now), now), "the same code twice");
        assert!(!d.sync(&code_at(now + 30_000), &code_at(now), now), "out of order");
        assert!(!d.sync("123456", "654321", now));
        // A device two minutes behind.
        let behind = now - 120_000;
        assert!(d.sync(&code_at(behind), &code_at(behind + 30_000), now));
        assert_eq!(d.drift_steps, -3);
        // Its next code, on its own clock, signs in.
        assert_eq!(d.check_login(&code_at(behind + 60_000), now + 30_000), Ok(()));
    }

    #[test]
    fn a_sign_in_code_is_good_once_and_only_near_now() {
        let now = 1_700_000_000_000;
        let mut d = device();
        assert_eq!(d.check_login(&code_at(now), now), Ok(()));
        assert_eq!(d.check_login(&code_at(now), now), Err(Rejection::Reused));
        assert_eq!(d.check_login(&code_at(now - 30_000), now), Err(Rejection::Reused), "an older code");
        assert_eq!(d.check_login(&code_at(now + 30_000), now), Ok(()), "one step of skew");
        assert_eq!(d.check_login(&code_at(now + 300_000), now), Err(Rejection::Invalid), "far off");
        assert_eq!(d.check_login("12345", now), Err(Rejection::Invalid));
    }

    #[test]
    fn the_current_code_is_one_sign_in_accepts() {
        let now = 1_700_000_000_000;
        let mut d = device();
        let (code, next) = d.current_codes(now).unwrap();
        assert_eq!((code.as_str(), next.as_str()), (code_at(now).as_str(), code_at(now + 30_000).as_str()));
        assert!(d.sync(&code, &next, now));
        // Enabling used the step after now: the next code is the one after that, still inside the window.
        let (code, _) = d.current_codes(now).unwrap();
        assert_eq!(d.check_login(&code, now), Ok(()));
        assert_eq!(d.current_codes(now), None, "both codes near now are used: wait for the next step");
        let hardware = MfaDevice { virtual_device: false, ..device() };
        assert_eq!(hardware.current_codes(now), None);
    }
}
