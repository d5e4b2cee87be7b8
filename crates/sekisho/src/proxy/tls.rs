//! TLS termination for the proxy: rustls on RustCrypto's provider (no ring, no aws-lc), a certificate per
//! SNI name minted by the local CA, ALPN offering only HTTP/1.1 (what the inner server speaks).

use super::ca::{self, Authority};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;

pub struct Terminator {
    authority: Arc<Authority>,
    acceptor: tokio_rustls::TlsAcceptor,
}

impl Terminator {
    pub fn new(ca_dir: &Path) -> Result<Terminator, String> {
        let authority = Arc::new(Authority::load_or_create(ca_dir)?);
        let provider = Arc::new(rustls_rustcrypto::provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(authority.leaf_key_pkcs8()?));
        let signer =
            provider.key_provider.load_private_key(key).map_err(|e| format!("cannot load the leaf key: {e}"))?;
        let resolver = Resolver { authority: authority.clone(), signer, keys: Mutex::new(HashMap::new()) };
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("cannot configure TLS: {e}"))?
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(resolver));
        // HTTP/2 is not served yet: offering it would have clients speak what the inner server cannot.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Terminator { authority, acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)) })
    }

    pub fn ca_pem(&self) -> &str {
        self.authority.cert_pem()
    }

    pub async fn accept<IO>(&self, io: IO) -> std::io::Result<tokio_rustls::server::TlsStream<IO>>
    where
        IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    {
        self.acceptor.accept(io).await
    }
}

/// Picks the certificate by the client's SNI name: an AWS name gets its leaf; anything else (no SNI, an IP
/// address, another domain) gets none and the handshake fails.
struct Resolver {
    authority: Arc<Authority>,
    signer: Arc<dyn rustls::sign::SigningKey>,
    /// rustls's form of each cached leaf, with the leaf it was made from (renewed when the CA renews it).
    keys: Mutex<HashMap<String, Cached>>,
}

/// A leaf and rustls's form of it.
type Cached = (Arc<ca::Leaf>, Arc<CertifiedKey>);

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Resolver")
    }
}

impl ResolvesServerCert for Resolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let name = hello.server_name()?.to_ascii_lowercase();
        if !ca::is_aws_name(&name) {
            return None;
        }
        let leaf = self.authority.leaf(&name, OffsetDateTime::now_utc()).ok()?;
        let mut keys = self.keys.lock().ok()?;
        if let Some((cached, key)) = keys.get(&name)
            && Arc::ptr_eq(cached, &leaf)
        {
            return Some(key.clone());
        }
        let chain = leaf.chain.iter().map(|der| rustls::pki_types::CertificateDer::from(der.clone())).collect();
        let key = Arc::new(CertifiedKey::new(chain, self.signer.clone()));
        if keys.len() >= ca::MAX_CACHED_LEAVES {
            keys.clear();
        }
        keys.insert(name, (leaf, key.clone()));
        Some(key)
    }
}
