"""RFC 6238 codes for the tests, as an authenticator app computes them from CreateVirtualMFADevice's seed."""

import base64
import hashlib
import hmac
import struct
import time


def code(seed, step):
    """The six-digit code of time step `step` for a base32 `seed` (bytes or text)."""
    key = base64.b32decode(seed if isinstance(seed, bytes) else seed.encode())
    digest = hmac.new(key, struct.pack(">q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    word = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{word % 1_000_000:06d}"


def step_now():
    return int(time.time()) // 30


def enable(iam, user, seed, serial):
    """Enables a virtual device with the two codes just shown before this one, so the current code stays
    unused for signing in."""
    now = step_now()
    iam.enable_mfa_device(UserName=user, SerialNumber=serial,
                          AuthenticationCode1=code(seed, now - 2), AuthenticationCode2=code(seed, now - 1))
