//! Client and server configuration, with safe defaults.

use crate::crypto::{CryptoProvider, SigningKey};
use crate::enums::{CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme};
use crate::error::Error;
use crate::keys::KeyLog;
use crate::suites::TLS13_SUITES;
use crate::trace::Observer;
use crate::verify::RootStore;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use std::sync::Arc;

/// How the client checks the server's certificate.
#[derive(Clone, Debug)]
pub enum ServerVerification {
    /// Chain to these trust anchors, check validity, usage and the host name.
    Roots(Arc<RootStore>),
    /// No verification at all. Only for testing: the connection is not authenticated.
    DangerousDisabled,
}

/// Signature schemes we accept from peers, in preference order.
pub const DEFAULT_SIGNATURE_SCHEMES: [SignatureScheme; 9] = [
    SignatureScheme::ECDSA_NISTP256_SHA256,
    SignatureScheme::ECDSA_NISTP384_SHA384,
    SignatureScheme::ED25519,
    SignatureScheme::RSA_PSS_RSAE_SHA256,
    SignatureScheme::RSA_PSS_RSAE_SHA384,
    SignatureScheme::RSA_PSS_RSAE_SHA512,
    SignatureScheme::RSA_PKCS1_SHA256,
    SignatureScheme::RSA_PKCS1_SHA384,
    SignatureScheme::RSA_PKCS1_SHA512,
];

/// Settings both sides share.
#[derive(Clone)]
pub struct CommonConfig {
    /// The crypto provider.
    pub provider: Arc<dyn CryptoProvider>,
    /// Versions enabled, highest first.
    pub versions: Vec<ProtocolVersion>,
    /// Cipher suites, in preference order.
    pub cipher_suites: Vec<CipherSuite>,
    /// Key-exchange groups, in preference order.
    pub groups: Vec<NamedGroup>,
    /// Signature schemes we accept, in preference order.
    pub signature_schemes: Vec<SignatureScheme>,
    /// ALPN protocols, in preference order (empty: no ALPN).
    pub alpn_protocols: Vec<Vec<u8>>,
    /// Receives a trace event per handshake step.
    pub observer: Option<Arc<dyn Observer>>,
    /// Receives secrets, for Wireshark. Off unless set explicitly.
    pub key_log: Option<Arc<dyn KeyLog>>,
    /// Largest handshake message accepted.
    pub max_handshake_message: usize,
    /// Clock for certificate validity (tests can pin it).
    pub time: fn() -> UnixTime,
}

impl CommonConfig {
    fn new(provider: Arc<dyn CryptoProvider>) -> Self {
        Self {
            provider,
            versions: vec![ProtocolVersion::Tls13],
            cipher_suites: TLS13_SUITES.iter().map(|s| s.suite).collect(),
            groups: vec![
                NamedGroup::X25519,
                NamedGroup::secp256r1,
                NamedGroup::secp384r1,
            ],
            signature_schemes: DEFAULT_SIGNATURE_SCHEMES.to_vec(),
            alpn_protocols: Vec::new(),
            observer: None,
            key_log: None,
            max_handshake_message: 64 * 1024,
            time: UnixTime::now,
        }
    }

    /// Checks that every configured group and suite is implemented.
    pub fn validate(&self) -> Result<(), Error> {
        for g in &self.groups {
            if self.provider.kx_group(*g).is_none() {
                return Err(Error::Config(format!(
                    "group {g} is not implemented by the provider"
                )));
            }
        }
        for s in &self.cipher_suites {
            if crate::suites::tls13_suite(*s).is_none() {
                return Err(Error::Config(format!("cipher suite {s} is not supported")));
            }
        }
        if self.groups.is_empty() || self.cipher_suites.is_empty() {
            return Err(Error::Config(
                "no groups or no cipher suites enabled".into(),
            ));
        }
        Ok(())
    }
}

impl core::fmt::Debug for CommonConfig {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CommonConfig")
            .field("provider", &self.provider.name())
            .field("versions", &self.versions)
            .field("cipher_suites", &self.cipher_suites)
            .field("groups", &self.groups)
            .finish_non_exhaustive()
    }
}

/// Client configuration.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Shared settings.
    pub common: CommonConfig,
    /// How to verify the server.
    pub verification: ServerVerification,
    /// Send the server name (SNI).
    pub enable_sni: bool,
    /// How many key shares to send in the first ClientHello (from the front of `groups`).
    pub key_shares: usize,
}

impl ClientConfig {
    /// Defaults: TLS 1.3, all AEAD suites, X25519/P-256/P-384, the Mozilla root set.
    pub fn new(provider: Arc<dyn CryptoProvider>) -> Self {
        Self::with_roots(provider, Arc::new(RootStore::webpki_roots()))
    }

    /// Defaults, trusting exactly `roots`.
    pub fn with_roots(provider: Arc<dyn CryptoProvider>, roots: Arc<RootStore>) -> Self {
        Self {
            common: CommonConfig::new(provider),
            verification: ServerVerification::Roots(roots),
            enable_sni: true,
            key_shares: 1,
        }
    }
}

/// The server's certificate chain and key.
#[derive(Clone, Debug)]
pub struct CertifiedKey {
    /// The chain, end entity first.
    pub chain: Vec<CertificateDer<'static>>,
    /// The private key of the end entity.
    pub key: Arc<dyn SigningKey>,
}

impl CertifiedKey {
    /// Loads the key with `provider`.
    pub fn new(
        provider: &dyn CryptoProvider,
        chain: Vec<CertificateDer<'static>>,
        key: &PrivateKeyDer<'_>,
    ) -> Result<Self, Error> {
        if chain.is_empty() {
            return Err(Error::BadKeyMaterial("empty certificate chain".into()));
        }
        Ok(Self {
            chain,
            key: provider.load_signing_key(key)?,
        })
    }
}

/// Server configuration.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Shared settings.
    pub common: CommonConfig,
    /// Our certificate and key.
    pub certified_key: CertifiedKey,
    /// Prefer our suite order over the client's.
    pub prefer_server_order: bool,
}

impl ServerConfig {
    /// Defaults with the given certificate and key.
    pub fn new(provider: Arc<dyn CryptoProvider>, certified_key: CertifiedKey) -> Self {
        Self {
            common: CommonConfig::new(provider),
            certified_key,
            prefer_server_order: true,
        }
    }
}
