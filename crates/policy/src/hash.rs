//! A small, fast hash for the short strings the engine looks up (condition keys, service prefixes).
//! FNV-1a: inputs are short and few per request, so SipHash's flooding resistance buys nothing here.

use std::hash::{BuildHasherDefault, Hasher};

pub(crate) type FnvBuild = BuildHasherDefault<Fnv>;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}
