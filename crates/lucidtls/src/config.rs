//! Client and server configuration, with safe defaults.

use crate::crypto::{CryptoProvider, SigningKey};
use crate::enums::{CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme};
use crate::error::Error;
use crate::keys::KeyLog;
use crate::session::{ClientSessionStore, InMemorySessionStore, ServerSessionCache, Ticketer};
use crate::suites::{
    tls12_suite, tls13_suite, Bulk, KeyExchange, Policy, TLS12_SUITES, TLS13_SUITES,
};
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

/// The suites a policy enables, in preference order: TLS 1.3 first.
pub fn suites_for(policy: Policy) -> Vec<CipherSuite> {
    TLS13_SUITES
        .iter()
        .map(|s| s.suite)
        .chain(
            TLS12_SUITES
                .iter()
                .filter(|s| s.policy <= policy)
                .map(|s| s.suite),
        )
        .collect()
}

/// The signature schemes a policy accepts: SHA-1 only under `legacy`.
pub fn schemes_for(policy: Policy) -> Vec<SignatureScheme> {
    let mut schemes = DEFAULT_SIGNATURE_SCHEMES.to_vec();
    if policy >= Policy::Legacy {
        schemes.extend([
            SignatureScheme::RSA_PKCS1_SHA1,
            SignatureScheme::ECDSA_SHA1_Legacy,
        ]);
    }
    schemes
}

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
    /// The policy the suites and schemes came from (see [`CommonConfig::set_policy`]).
    pub policy: Policy,
    /// TLS 1.2: refuse peers that do not support the extended master secret (RFC 7627).
    pub require_extended_master_secret: bool,
    /// TLS 1.2: offer/accept Encrypt-then-MAC on CBC suites (RFC 7366).
    pub encrypt_then_mac: bool,
    /// TLS 1.2: take part in secure renegotiation (RFC 5746), both ways: a client
    /// answers the server's HelloRequest with a new handshake, a server runs one for a
    /// client's new ClientHello, and either side may start one with
    /// `Connection::renegotiate`. Only with a peer that signalled RFC 5746 support
    /// (renegotiation_info or the SCSV) in the initial handshake; never insecure
    /// (legacy) renegotiation. The new handshake is always a full one (no
    /// resumption), keeps TLS 1.2 and the server's certificate, and runs under the
    /// current keys while application data keeps flowing. Default off: a HelloRequest
    /// (client) or a new ClientHello (server) gets a no_renegotiation warning and the
    /// connection goes on.
    pub allow_renegotiation: bool,
    /// TLS 1.2: the most renegotiations one connection may start, by either side
    /// (default 3), bounding the CPU a peer can make us spend on handshakes. Beyond
    /// it a peer's request is refused with a no_renegotiation warning (a HelloRequest
    /// on the client, a new ClientHello on the server, as OpenSSL refuses one it does
    /// not allow) and the connection goes on; `Connection::renegotiate` fails. A
    /// second renegotiation cannot start before the first has finished.
    pub max_renegotiations: u32,
}

impl CommonConfig {
    fn new(provider: Arc<dyn CryptoProvider>) -> Self {
        Self {
            provider,
            versions: vec![ProtocolVersion::Tls13, ProtocolVersion::Tls12],
            cipher_suites: suites_for(Policy::Modern),
            // The post-quantum hybrid is accepted but not guessed: its key share
            // costs 1.2 KB in every ClientHello.
            groups: vec![
                NamedGroup::X25519,
                NamedGroup::secp256r1,
                NamedGroup::secp384r1,
                NamedGroup::X25519MLKEM768,
            ],
            signature_schemes: schemes_for(Policy::Modern),
            alpn_protocols: Vec::new(),
            observer: None,
            key_log: None,
            max_handshake_message: 64 * 1024,
            time: UnixTime::now,
            policy: Policy::Modern,
            require_extended_master_secret: false,
            encrypt_then_mac: true,
            allow_renegotiation: false,
            max_renegotiations: 3,
        }
    }

    /// Resets suites and signature schemes to those of `policy`.
    pub fn set_policy(&mut self, policy: Policy) {
        self.policy = policy;
        self.cipher_suites = suites_for(policy);
        self.signature_schemes = schemes_for(policy);
    }

    /// Whether `version` is enabled.
    pub fn supports(&self, version: ProtocolVersion) -> bool {
        self.versions.contains(&version)
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
            if tls13_suite(*s).is_some() {
                continue;
            }
            let suite = tls12_suite(*s)
                .ok_or_else(|| Error::Config(format!("cipher suite {s} is not supported")))?;
            if let Bulk::Cbc(alg) = suite.bulk {
                if self.provider.cbc(alg).is_none() {
                    return Err(Error::Config(format!("{s}: the provider has no CBC")));
                }
            }
            if suite.kx == KeyExchange::Dhe && self.provider.ffdhe().is_none() {
                return Err(Error::Config(format!("{s}: the provider has no FFDHE")));
            }
        }
        if self.versions.is_empty() {
            return Err(Error::Config("no protocol version enabled".into()));
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
    /// Our certificates for mutual TLS, in preference order. When the server asks
    /// (CertificateRequest), the first identity whose chain was issued by one of the
    /// certificate authorities the server names, and whose key can sign with a scheme
    /// the server accepts, is sent; when the server names no authorities the first
    /// usable identity is; when none fits, an empty Certificate is sent and the server
    /// decides. Empty (the default): never present a certificate.
    pub client_identities: Vec<CertifiedKey>,
    /// Where sessions are kept for resumption, keyed by server name. Default: an
    /// [`InMemorySessionStore`] shared by every connection made with this config
    /// (and its clones). `None`: nothing is kept or offered.
    pub session_store: Option<Arc<dyn ClientSessionStore>>,
    /// Offer and keep sessions: TLS 1.2 session ids and tickets (RFC 5077), TLS 1.3
    /// PSKs from NewSessionTicket. Default on.
    pub resumption: bool,
    /// TLS 1.3: also offer psk_ke, resumption without a fresh (EC)DHE exchange (no
    /// forward secrecy for that connection). Default off: psk_dhe_ke only.
    pub psk_ke_allowed: bool,
}

impl ClientConfig {
    /// Defaults (policy `modern`): TLS 1.3 and TLS 1.2 with ECDHE and AEAD suites,
    /// X25519/P-256/P-384, the Mozilla root set.
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
            client_identities: Vec::new(),
            session_store: Some(Arc::new(InMemorySessionStore::default())),
            resumption: true,
            psk_ke_allowed: false,
        }
    }
}

/// A certificate chain and its private key: the server's identity, or one of the
/// client's for mutual TLS.
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

/// Whether the server asks clients for a certificate (mutual TLS).
#[derive(Clone, Debug, Default)]
pub enum ClientAuth {
    /// Never ask (the default).
    #[default]
    None,
    /// Ask, listing these roots as acceptable authorities; a client may decline by
    /// sending an empty Certificate. A certificate that is sent must verify.
    Optional(Arc<RootStore>),
    /// Ask, and refuse a client without a certificate that chains to these roots
    /// (TLS 1.3: alert certificate_required; TLS 1.2: handshake_failure).
    Required(Arc<RootStore>),
}

impl ClientAuth {
    /// The roots client chains must lead to; `None` when clients are not asked.
    pub fn roots(&self) -> Option<&Arc<RootStore>> {
        match self {
            Self::None => None,
            Self::Optional(r) | Self::Required(r) => Some(r),
        }
    }

    /// Whether a client without a certificate is refused.
    pub fn is_required(&self) -> bool {
        matches!(self, Self::Required(_))
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
    /// Whether to ask clients for a certificate, and which authorities to trust.
    pub client_auth: ClientAuth,
    /// TLS 1.2 sessions by session id (and, with `single_use_tickets`, the TLS 1.3
    /// tickets already used). Default: capacity
    /// [`ServerSessionCache::DEFAULT_CAPACITY`], lifetime
    /// [`ServerSessionCache::DEFAULT_LIFETIME`], shared by clones of this config.
    /// `None`: no session-id resumption.
    pub session_cache: Option<Arc<ServerSessionCache>>,
    /// Seals session state into tickets: TLS 1.2 session tickets (RFC 5077) and TLS
    /// 1.3 NewSessionTicket. Default on, with [`Ticketer::DEFAULT_ROTATION`] key
    /// rotation. `None` (`--no-tickets`): no tickets in either version, so no TLS 1.3
    /// resumption.
    pub ticketer: Option<Arc<Ticketer>>,
    /// TLS 1.3: how many NewSessionTickets to send after each handshake (default 2:
    /// one per parallel connection a browser typically opens next).
    pub tls13_tickets: usize,
    /// TLS 1.3: accept each ticket once. Used tickets are remembered in
    /// `session_cache` until they expire (required: without a cache no ticket is
    /// accepted). A full cache forgets the least recently used, so the guarantee holds
    /// for as many tickets as the cache's capacity. Default off.
    pub single_use_tickets: bool,
    /// TLS 1.3: resume with psk_ke (no (EC)DHE; no forward secrecy for that
    /// connection) when the client offers it. Default off: psk_dhe_ke only.
    pub psk_ke_allowed: bool,
}

impl ServerConfig {
    /// Defaults with the given certificate and key.
    pub fn new(provider: Arc<dyn CryptoProvider>, certified_key: CertifiedKey) -> Self {
        Self {
            common: CommonConfig::new(provider.clone()),
            certified_key,
            prefer_server_order: true,
            client_auth: ClientAuth::None,
            session_cache: Some(Arc::new(ServerSessionCache::new(
                ServerSessionCache::DEFAULT_CAPACITY,
                ServerSessionCache::DEFAULT_LIFETIME,
            ))),
            ticketer: Some(Arc::new(Ticketer::new(provider.clone()))),
            tls13_tickets: 2,
            single_use_tickets: false,
            psk_ke_allowed: false,
        }
    }
}
