//! sekisho's local certificate authority: a P-256 key made once per installation and kept under the data
//! directory (key mode 0600), and the leaf certificates it mints per AWS host name, cached in memory.

use p256::ecdsa::signature::Signer;
use p256::ecdsa::{DerSignature, SigningKey as EcSigningKey};
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, GeneralSubtree, IsCa,
    Issuer, KeyIdMethod, KeyUsagePurpose, NameConstraints, PublicKeyData, SerialNumber, SignatureAlgorithm,
};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use time::{Duration, OffsetDateTime};

/// The CA's certificate file (PEM), which `exec` adds to its clients' trust bundle.
pub const CERT_FILE: &str = "ca.pem";
/// The CA's private key (PKCS#8 PEM), mode 0600; it never leaves this directory.
pub const KEY_FILE: &str = "ca.key.pem";
/// The names the CA may sign for (a name constraint in the CA certificate itself, so even a stolen key can
/// vouch for nothing but AWS's domains), and so the names the proxy terminates TLS for.
pub const AWS_DOMAINS: [&str; 3] = ["amazonaws.com", "amazonaws.com.cn", "api.aws"];
/// How long the CA certificate is valid (ours; it is kept, so long).
const CA_VALIDITY: Duration = Duration::days(3650);
/// How long a leaf is valid: short (ours), since leaves are minted again at every start.
const LEAF_VALIDITY: Duration = Duration::days(7);
/// Clock skew allowed for between sekisho and its clients when dating certificates.
const BACKDATE: Duration = Duration::hours(1);
/// A cached leaf is minted again when it has less than this left.
const LEAF_RENEW_BEFORE: Duration = Duration::days(1);
/// Leaves cached at once; past this the cache starts afresh (host names are few in practice).
pub const MAX_CACHED_LEAVES: usize = 4096;

/// A P-256 ECDSA key that rcgen signs with (rcgen's own key type needs ring or aws-lc).
pub struct EcKey {
    key: EcSigningKey,
    point: Vec<u8>,
}

impl EcKey {
    pub fn generate() -> EcKey {
        EcKey::from(EcSigningKey::random(&mut rand_core::OsRng))
    }

    pub fn pkcs8_der(&self) -> Result<Vec<u8>, String> {
        self.key.to_pkcs8_der().map(|d| d.as_bytes().to_vec()).map_err(|e| format!("cannot encode a key: {e}"))
    }

    /// RFC 7093 method 1: the leftmost 160 bits of the SHA-256 of the SubjectPublicKeyInfo.
    fn key_id(&self) -> Vec<u8> {
        Sha256::digest(self.subject_public_key_info())[..20].to_vec()
    }
}

impl From<EcSigningKey> for EcKey {
    fn from(key: EcSigningKey) -> EcKey {
        let point = key.verifying_key().to_encoded_point(false).as_bytes().to_vec();
        EcKey { key, point }
    }
}

impl PublicKeyData for EcKey {
    fn der_bytes(&self) -> &[u8] {
        &self.point
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

impl rcgen::SigningKey for EcKey {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        let sig: DerSignature = self.key.sign(msg);
        Ok(sig.as_bytes().to_vec())
    }
}

/// A minted leaf: its DER certificate chain (leaf, CA) and the key it certifies (the same for every leaf).
pub struct Leaf {
    pub chain: Vec<Vec<u8>>,
    pub not_after: OffsetDateTime,
}

pub struct Authority {
    issuer: Issuer<'static, EcKey>,
    cert_der: Vec<u8>,
    cert_pem: String,
    /// One key for every leaf of this run: a key per host buys nothing when one process holds them all.
    leaf_key: EcKey,
    leaves: Mutex<HashMap<String, Arc<Leaf>>>,
}

impl Authority {
    /// Loads the CA from `dir`, or creates it there (the directory mode 0700, the key 0600) when absent.
    pub fn load_or_create(dir: &Path) -> Result<Authority, String> {
        let key_path = dir.join(KEY_FILE);
        let cert_path = dir.join(CERT_FILE);
        if !key_path.exists() {
            create(dir, &key_path, &cert_path)?;
        }
        load(&key_path, &cert_path)
    }

    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    pub fn leaf_key_pkcs8(&self) -> Result<Vec<u8>, String> {
        self.leaf_key.pkcs8_der()
    }

    /// The leaf for `host` (an AWS name, checked by the caller), from the cache or minted now.
    pub fn leaf(&self, host: &str, now: OffsetDateTime) -> Result<Arc<Leaf>, String> {
        let host = host.to_ascii_lowercase();
        if let Ok(cache) = self.leaves.lock()
            && let Some(leaf) = cache.get(&host)
            && leaf.not_after - now > LEAF_RENEW_BEFORE
        {
            return Ok(leaf.clone());
        }
        let leaf = Arc::new(self.mint(&host, now)?);
        if let Ok(mut cache) = self.leaves.lock() {
            if cache.len() >= MAX_CACHED_LEAVES {
                cache.clear();
            }
            cache.insert(host, leaf.clone());
        }
        Ok(leaf)
    }

    fn mint(&self, host: &str, now: OffsetDateTime) -> Result<Leaf, String> {
        let mut params = CertificateParams::new(vec![host.to_string()]).map_err(|e| format!("{host}: {e}"))?;
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, host);
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.not_before = now - BACKDATE;
        params.not_after = now + LEAF_VALIDITY;
        params.serial_number = Some(serial()?);
        // Python 3.13's strict verification (and RFC 5280) want both key identifiers on a CA-issued leaf.
        params.use_authority_key_identifier_extension = true;
        params.key_identifier_method = KeyIdMethod::PreSpecified(self.leaf_key.key_id());
        let cert =
            params.signed_by(&self.leaf_key, &self.issuer).map_err(|e| format!("cannot sign for {host}: {e}"))?;
        Ok(Leaf { chain: vec![cert.der().to_vec(), self.cert_der.clone()], not_after: params.not_after })
    }
}

/// The CA's parameters, all derived from its key, so that a kept key gives back the issuer exactly (the
/// subject names the key, making each installation's CA distinct by name as well as by key).
fn ca_params(key: &EcKey, now: OffsetDateTime) -> CertificateParams {
    let id = key.key_id();
    let mut params = CertificateParams::default();
    let short: String = id[..8].iter().map(|b| format!("{b:02x}")).collect();
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::OrganizationName, "sekisho");
    params.distinguished_name.push(DnType::CommonName, format!("sekisho local CA {short}"));
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    // The serial follows the key too (each installation's key is its own, so is the serial).
    let mut serial = id[..16].to_vec();
    serial[0] = (serial[0] & 0x7f) | 0x40;
    params.serial_number = Some(SerialNumber::from_slice(&serial));
    params.key_identifier_method = KeyIdMethod::PreSpecified(id);
    params.name_constraints = Some(NameConstraints {
        permitted_subtrees: AWS_DOMAINS.iter().map(|d| GeneralSubtree::DnsName((*d).to_string())).collect(),
        excluded_subtrees: Vec::new(),
    });
    params.not_before = now - BACKDATE;
    params.not_after = now + CA_VALIDITY;
    params
}

fn serial() -> Result<SerialNumber, String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| format!("cannot draw a serial number: {e}"))?;
    // Positive and without a leading zero byte: DER INTEGER rules, which strict verifiers check.
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    Ok(SerialNumber::from_slice(&bytes))
}

fn create(dir: &Path, key_path: &Path, cert_path: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| format!("cannot restrict {}: {e}", dir.display()))?;
    let key = EcKey::generate();
    let cert = ca_params(&key, OffsetDateTime::now_utc())
        .self_signed(&key)
        .map_err(|e| format!("cannot make the CA certificate: {e}"))?;
    let key_pem = key.key.to_pkcs8_pem(LineEnding::LF).map_err(|e| format!("cannot encode the CA key: {e}"))?;
    // The certificate first, then the key with create_new: of two servers starting at once one writes the
    // key and the other, finding it, loads it (and the certificate is rewritten to match just below).
    let written = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(key_path);
    match written {
        Ok(mut f) => {
            f.write_all(key_pem.as_bytes()).map_err(|e| format!("cannot write {}: {e}", key_path.display()))?;
            write_atomic(cert_path, cert.pem().as_bytes())?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(format!("cannot write {}: {e}", key_path.display())),
    }
    Ok(())
}

fn load(key_path: &Path, cert_path: &Path) -> Result<Authority, String> {
    let meta = std::fs::metadata(key_path).map_err(|e| format!("cannot read {}: {e}", key_path.display()))?;
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(format!(
            "{} is readable by others (mode {:o}): make it 0600 (chmod 600) or remove the CA directory",
            key_path.display(),
            meta.permissions().mode() & 0o777
        ));
    }
    let pem = std::fs::read_to_string(key_path).map_err(|e| format!("cannot read {}: {e}", key_path.display()))?;
    let key = EcKey::from(
        EcSigningKey::from_pkcs8_pem(&pem).map_err(|e| format!("{}: not a P-256 key: {e}", key_path.display()))?,
    );
    let cert_pem = std::fs::read_to_string(cert_path).unwrap_or_default();
    let cert_der = pem_der(&cert_pem).filter(|der| contains(der, &key.point));
    // A missing or mismatched certificate (a crash between the two writes) is made again from the key.
    let (cert_der, cert_pem) = match cert_der {
        Some(der) => (der, cert_pem),
        None => {
            let cert = ca_params(&key, OffsetDateTime::now_utc())
                .self_signed(&key)
                .map_err(|e| format!("cannot make the CA certificate: {e}"))?;
            write_atomic(cert_path, cert.pem().as_bytes())?;
            (cert.der().to_vec(), cert.pem())
        }
    };
    let issuer = Issuer::new(ca_params(&key, OffsetDateTime::now_utc()), key);
    Ok(Authority { issuer, cert_der, cert_pem, leaf_key: EcKey::generate(), leaves: Mutex::new(HashMap::new()) })
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// The DER of the first `CERTIFICATE` block of a PEM text.
fn pem_der(pem: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let body = pem.split("-----BEGIN CERTIFICATE-----").nth(1)?.split("-----END CERTIFICATE-----").next()?;
    let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(b64).ok()
}

/// Where the CA lives: `<storage.dir>/ca` when sekisho keeps its data in a directory, else the per-user
/// data directory (`$XDG_DATA_HOME/sekisho/ca`, or `~/.local/share/sekisho/ca`).
pub fn directory(storage_dir: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(dir) = storage_dir {
        return Ok(dir.join("ca"));
    }
    if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(xdg).join("sekisho").join("ca"));
    }
    let home = std::env::var_os("HOME").filter(|v| !v.is_empty()).ok_or("neither XDG_DATA_HOME nor HOME is set")?;
    Ok(PathBuf::from(home).join(".local").join("share").join("sekisho").join("ca"))
}

/// Whether the proxy terminates TLS for `host` (a name under one of AWS's domains).
pub fn is_aws_name(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    valid_dns_name(&host) && AWS_DOMAINS.iter().any(|d| host.ends_with(&format!(".{d}")))
}

fn valid_dns_name(host: &str) -> bool {
    host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("sekisho-ca-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn the_ca_is_made_once_and_kept_with_a_private_key_file() {
        let dir = temp_dir("kept");
        let first = Authority::load_or_create(&dir).unwrap();
        let mode = std::fs::metadata(dir.join(KEY_FILE)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
        let again = Authority::load_or_create(&dir).unwrap();
        assert_eq!(first.cert_pem(), again.cert_pem());
        // A leaf minted by the reloaded CA names the kept CA as its issuer (the chain's second element).
        let leaf = again.leaf("sts.us-east-1.amazonaws.com", OffsetDateTime::now_utc()).unwrap();
        assert_eq!(leaf.chain[1], pem_der(first.cert_pem()).unwrap());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn two_installations_have_different_cas() {
        let (a, b) = (temp_dir("a"), temp_dir("b"));
        let ca_a = Authority::load_or_create(&a).unwrap();
        let ca_b = Authority::load_or_create(&b).unwrap();
        assert_ne!(ca_a.cert_pem(), ca_b.cert_pem());
        std::fs::remove_dir_all(&a).unwrap();
        std::fs::remove_dir_all(&b).unwrap();
    }

    #[test]
    fn a_key_readable_by_others_is_refused() {
        let dir = temp_dir("open");
        Authority::load_or_create(&dir).unwrap();
        std::fs::set_permissions(dir.join(KEY_FILE), std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = Authority::load_or_create(&dir).err().unwrap();
        assert!(err.contains("readable by others"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn leaves_are_cached_per_host_and_renewed_near_expiry() {
        let dir = temp_dir("cache");
        let ca = Authority::load_or_create(&dir).unwrap();
        let now = OffsetDateTime::now_utc();
        let a = ca.leaf("sts.us-east-1.amazonaws.com", now).unwrap();
        let b = ca.leaf("STS.us-east-1.amazonaws.com", now).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        let other = ca.leaf("iam.amazonaws.com", now).unwrap();
        assert_ne!(a.chain[0], other.chain[0]);
        let later = ca.leaf("sts.us-east-1.amazonaws.com", now + LEAF_VALIDITY - Duration::hours(1)).unwrap();
        assert!(!Arc::ptr_eq(&a, &later));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn only_aws_names_are_terminated() {
        assert!(is_aws_name("sts.ap-northeast-1.amazonaws.com"));
        assert!(is_aws_name("abc.gateway.bedrock-agentcore.us-east-1.amazonaws.com."));
        assert!(is_aws_name("sts.cn-north-1.amazonaws.com.cn"));
        assert!(is_aws_name("sts.us-east-1.api.aws"));
        assert!(!is_aws_name("amazonaws.com"));
        assert!(!is_aws_name("evilamazonaws.com"));
        assert!(!is_aws_name("example.com"));
        assert!(!is_aws_name("a..amazonaws.com"));
        assert!(!is_aws_name("a_b.amazonaws.com"));
    }

    #[test]
    fn the_directory_follows_storage_then_xdg() {
        assert_eq!(directory(Some(Path::new("/d"))).unwrap(), PathBuf::from("/d/ca"));
    }
}
