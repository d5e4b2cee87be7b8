//! Just enough DER to read an X.509 certificate's validity (notAfter) from PEM, for the Expiration IAM
//! shows for server certificates. Anything unexpected reads as "not a certificate".

use base64::Engine;

/// The PEM body of the first certificate, decoded.
fn pem_der(pem: &str) -> Option<Vec<u8>> {
    let start = pem.find("-----BEGIN CERTIFICATE-----")? + "-----BEGIN CERTIFICATE-----".len();
    let end = pem[start..].find("-----END CERTIFICATE-----")? + start;
    let b64: String = pem[start..end].chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(b64).ok()
}

/// `(tag, content, rest)` of the DER element at the start of `data`.
fn element(data: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *data.first()?;
    let first = *data.get(1)?;
    let (len, header) = if first < 0x80 {
        (first as usize, 2)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | *data.get(2 + i)? as usize;
        }
        (len, 2 + n)
    };
    let content = data.get(header..header.checked_add(len)?)?;
    Some((tag, content, &data[header + len..]))
}

/// Epoch seconds of a UTCTime (`YYMMDDHHMMSSZ`) or GeneralizedTime (`YYYYMMDDHHMMSSZ`).
fn time(tag: u8, content: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(content).ok()?.strip_suffix('Z')?;
    let (year, rest) = match tag {
        0x17 => {
            let yy: i64 = text.get(..2)?.parse().ok()?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, text.get(2..)?)
        }
        0x18 => (text.get(..4)?.parse().ok()?, text.get(4..)?),
        _ => return None,
    };
    let num = |r: std::ops::Range<usize>| rest.get(r).and_then(|s| s.parse::<i64>().ok());
    let iso = format!(
        "{year:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        num(0..2)?,
        num(2..4)?,
        num(4..6)?,
        num(6..8)?,
        num(8..10)?
    );
    sekisho_wire::timestamp::parse_iso8601(&iso).map(|s| s as i64)
}

/// The notAfter of a PEM certificate, in epoch seconds; `None` when the text is not a certificate.
pub fn not_after(pem: &str) -> Option<i64> {
    let der = pem_der(pem)?;
    let (_, cert, _) = element(&der)?;
    let (_, tbs, _) = element(cert)?;
    let mut rest = tbs;
    // Optional explicit version [0].
    if rest.first() == Some(&0xa0) {
        rest = element(rest)?.2;
    }
    // serialNumber, signature, issuer, then validity.
    for _ in 0..3 {
        rest = element(rest)?.2;
    }
    let (_, validity, _) = element(rest)?;
    let (_, _, after) = element(validity)?;
    let (tag, content, _) = element(after)?;
    time(tag, content)
}

#[cfg(test)]
mod tests {
    use super::*;

    // A certificate valid from 2024-01-01 to 2034-01-01: the structure of X.509 with a dummy key and signature.
    const CERT: &str = "-----BEGIN CERTIFICATE-----
MIHuMIHUoAMCAQICFENJQ9adLWNk5912upxO1JIPRrarMAoGCCqGSM49BAMCMBcx
FTATBgNVBAMMDHNla2lzaG8tdGVzdDAeFw0yNDAxMDEwMDAwMDBaFw0zNDAxMDEw
MDAwMDBaMBcxFTATBgNVBAMMDHNla2lzaG8tdGVzdDBZMBMGByqGSM49AgEGCCqG
SM49AwEHA0IABAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB
AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEwCgYIKoZIzj0EAwIDCQAwBgIBAQIB
AQ==
-----END CERTIFICATE-----";

    #[test]
    fn reads_the_expiry_of_a_certificate() {
        assert_eq!(not_after(CERT), Some(2_019_686_400));
        assert_eq!(not_after("certbody"), None);
        assert_eq!(not_after("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"), None);
    }
}
