//! Time for everything above the pure engines: real, or virtual so long waits need not really sleep.
//! Virtual time is the real time plus an offset that grows whenever someone sleeps or advances it.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockMode {
    Real,
    Virtual,
}

#[derive(Debug)]
pub struct Clock {
    mode: ClockMode,
    /// Milliseconds added to the system time (virtual mode moves it forward).
    offset_ms: AtomicI64,
}

impl Clock {
    pub fn real() -> Self {
        Clock { mode: ClockMode::Real, offset_ms: AtomicI64::new(0) }
    }

    pub fn virtual_time() -> Self {
        Clock { mode: ClockMode::Virtual, offset_ms: AtomicI64::new(0) }
    }

    pub fn mode(&self) -> ClockMode {
        self.mode
    }

    /// Milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        system_ms() + self.offset_ms.load(Ordering::Relaxed)
    }

    pub fn now_secs(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    /// Moves virtual time forward; ignored by a real clock.
    pub fn advance(&self, ms: i64) {
        if self.mode == ClockMode::Virtual && ms > 0 {
            self.offset_ms.fetch_add(ms, Ordering::Relaxed);
        }
    }

    /// Waits until `at_ms`. A virtual clock jumps there at once.
    pub async fn sleep_until(&self, at_ms: i64) {
        let now = self.now_ms();
        if at_ms <= now {
            return;
        }
        match self.mode {
            ClockMode::Real => tokio::time::sleep(std::time::Duration::from_millis((at_ms - now) as u64)).await,
            ClockMode::Virtual => {
                self.advance(at_ms - now);
                tokio::task::yield_now().await;
            }
        }
    }
}

/// Wall-clock seconds, whatever the world's clock: for what clients measure with their own clocks (SigV4).
pub fn wall_secs() -> i64 {
    system_ms().div_euclid(1000)
}

fn system_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// ISO-8601 UTC with milliseconds, as AWS prints times in XML and in Step Functions: `2024-01-02T03:04:05.678Z`.
pub fn iso8601_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let (date, time) = civil(secs);
    format!("{date}T{time}.{millis:03}Z")
}

/// ISO-8601 UTC without fractions: `2024-01-02T03:04:05Z` (STS `Expiration`, IAM `CreateDate`).
pub fn iso8601(secs: i64) -> String {
    let (date, time) = civil(secs);
    format!("{date}T{time}Z")
}

fn civil(secs: i64) -> (String, String) {
    let amz = sekisho_wire::sigv4::format_amz_date(secs);
    // yyyymmddThhmmssZ
    (
        format!("{}-{}-{}", &amz[0..4], &amz[4..6], &amz[6..8]),
        format!("{}:{}:{}", &amz[9..11], &amz[11..13], &amz[13..15]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(iso8601_ms(1_440_938_160_123), "2015-08-30T12:36:00.123Z");
        assert_eq!(iso8601(1_440_938_160), "2015-08-30T12:36:00Z");
    }

    #[tokio::test]
    async fn virtual_time_jumps() {
        let c = Clock::virtual_time();
        let t = c.now_ms() + 3_600_000;
        c.sleep_until(t).await;
        assert!(c.now_ms() >= t);
        let r = Clock::real();
        r.advance(10_000_000);
        assert!(r.now_ms() < t);
    }
}
