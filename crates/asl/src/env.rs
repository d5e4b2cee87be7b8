//! What the engine asks its driver for besides time: randomness and unique ids.
//! Keeping these behind a trait keeps the engine deterministic under test and replay.

/// Randomness and unique identifiers, supplied by the caller.
pub trait Env {
    /// A random UUID (version 4) in canonical lowercase text.
    fn uuid(&mut self) -> String;
    /// A uniformly distributed number in `[0, 1)`.
    fn random(&mut self) -> f64;
}

/// A deterministic [`Env`] from a seed (xorshift64*), for tests, benchmarks and replays.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SeededEnv {
    state: u64,
}

impl SeededEnv {
    pub fn new(seed: u64) -> SeededEnv {
        SeededEnv { state: seed.max(1) }
    }

    fn next(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

impl Env for SeededEnv {
    fn uuid(&mut self) -> String {
        let hi = self.next();
        let lo = self.next();
        uuid_text(hi, lo)
    }

    fn random(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Formats 128 random bits as a version-4, variant-1 UUID.
pub fn uuid_text(hi: u64, lo: u64) -> String {
    let hi = (hi & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000;
    let lo = (lo & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xFFFF,
        hi & 0xFFFF,
        lo >> 48,
        lo & 0xFFFF_FFFF_FFFF
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_version_4_and_deterministic() {
        let mut a = SeededEnv::new(7);
        let mut b = SeededEnv::new(7);
        let u = a.uuid();
        assert_eq!(u, b.uuid());
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn random_is_in_unit_interval() {
        let mut e = SeededEnv::new(1);
        for _ in 0..1000 {
            let r = e.random();
            assert!((0.0..1.0).contains(&r));
        }
    }
}
