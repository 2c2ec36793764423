//! The cipher suites we implement, with the algorithms each one names.

use crate::enums::{AeadAlgorithm, CipherSuite, HashAlgorithm};

/// A TLS 1.3 cipher suite: an AEAD and a hash for HKDF.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tls13Suite {
    /// The code point.
    pub suite: CipherSuite,
    /// The hash for the transcript and HKDF.
    pub hash: HashAlgorithm,
    /// The record AEAD.
    pub aead: AeadAlgorithm,
}

/// Every TLS 1.3 suite, in our default preference order. AES-128-GCM leads: it is
/// the fastest with AES hardware, and the RFC 8446 §9.1 mandatory-to-implement suite.
pub const TLS13_SUITES: [Tls13Suite; 3] = [
    Tls13Suite {
        suite: CipherSuite::TLS13_AES_128_GCM_SHA256,
        hash: HashAlgorithm::Sha256,
        aead: AeadAlgorithm::Aes128Gcm,
    },
    Tls13Suite {
        suite: CipherSuite::TLS13_AES_256_GCM_SHA384,
        hash: HashAlgorithm::Sha384,
        aead: AeadAlgorithm::Aes256Gcm,
    },
    Tls13Suite {
        suite: CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
        hash: HashAlgorithm::Sha256,
        aead: AeadAlgorithm::ChaCha20Poly1305,
    },
];

/// Looks a TLS 1.3 suite up by code point.
pub fn tls13_suite(suite: CipherSuite) -> Option<Tls13Suite> {
    TLS13_SUITES.iter().copied().find(|s| s.suite == suite)
}

/// How a TLS 1.2 suite establishes the pre-master secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyExchange {
    /// Ephemeral elliptic-curve Diffie-Hellman (RFC 8422).
    Ecdhe,
    /// Ephemeral finite-field Diffie-Hellman (RFC 5246, RFC 7919 groups).
    Dhe,
    /// RSA key transport: the client encrypts the pre-master secret (RFC 5246 §7.4.7.1).
    Rsa,
}

impl core::fmt::Display for KeyExchange {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Ecdhe => "ECDHE",
            Self::Dhe => "DHE",
            Self::Rsa => "RSA key transport",
        })
    }
}

/// The kind of server key a TLS 1.2 suite authenticates with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Authentication {
    /// RSA certificates.
    Rsa,
    /// ECDSA certificates (Ed25519 also signs ECDHE_ECDSA parameters, RFC 8422 §5.1.2).
    Ecdsa,
}

/// The record protection a TLS 1.2 suite uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Bulk {
    /// An AEAD (GCM with explicit nonce, or ChaCha20-Poly1305).
    Aead(AeadAlgorithm),
    /// CBC with HMAC.
    Cbc(crate::crypto::CbcAlgorithm),
}

/// The smallest policy that enables a suite or feature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Policy {
    /// TLS 1.3 and TLS 1.2 ECDHE with AEAD only. The default.
    Modern,
    /// Adds ECDHE with CBC, DHE and RSA key transport.
    Compatible,
    /// Adds SHA-1 signatures.
    Legacy,
}

impl Policy {
    /// The CLI/config name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Modern => "modern",
            Self::Compatible => "compatible",
            Self::Legacy => "legacy",
        }
    }

    /// Parses a policy name.
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Modern, Self::Compatible, Self::Legacy]
            .into_iter()
            .find(|p| p.name() == name)
    }
}

impl core::fmt::Display for Policy {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// A TLS 1.2 cipher suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tls12Suite {
    /// The code point.
    pub suite: CipherSuite,
    /// Key exchange.
    pub kx: KeyExchange,
    /// Server authentication.
    pub auth: Authentication,
    /// Record protection.
    pub bulk: Bulk,
    /// The PRF hash.
    pub prf: HashAlgorithm,
    /// The least policy that enables it.
    pub policy: Policy,
}

macro_rules! tls12 {
    ($name:ident, $kx:ident, $auth:ident, $bulk:expr, $prf:ident, $policy:ident) => {
        Tls12Suite {
            suite: CipherSuite::$name,
            kx: KeyExchange::$kx,
            auth: Authentication::$auth,
            bulk: $bulk,
            prf: HashAlgorithm::$prf,
            policy: Policy::$policy,
        }
    };
}

use crate::crypto::CbcAlgorithm as Cbc;
const GCM128: Bulk = Bulk::Aead(AeadAlgorithm::Aes128Gcm);
const GCM256: Bulk = Bulk::Aead(AeadAlgorithm::Aes256Gcm);
const CHACHA: Bulk = Bulk::Aead(AeadAlgorithm::ChaCha20Poly1305);

/// Every TLS 1.2 suite we implement, in default preference order: forward secrecy
/// and AEAD first; CBC, DHE and RSA key transport only under `compatible`.
pub const TLS12_SUITES: [Tls12Suite; 27] = [
    tls12!(
        TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        Ecdhe,
        Ecdsa,
        GCM128,
        Sha256,
        Modern
    ),
    tls12!(
        TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        Ecdhe,
        Rsa,
        GCM128,
        Sha256,
        Modern
    ),
    tls12!(
        TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        Ecdhe,
        Ecdsa,
        GCM256,
        Sha384,
        Modern
    ),
    tls12!(
        TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        Ecdhe,
        Rsa,
        GCM256,
        Sha384,
        Modern
    ),
    tls12!(
        TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        Ecdhe,
        Ecdsa,
        CHACHA,
        Sha256,
        Modern
    ),
    tls12!(
        TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        Ecdhe,
        Rsa,
        CHACHA,
        Sha256,
        Modern
    ),
    tls12!(
        TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
        Ecdhe,
        Ecdsa,
        Bulk::Cbc(Cbc::Aes128Sha256),
        Sha256,
        Compatible
    ),
    tls12!(
        TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
        Ecdhe,
        Rsa,
        Bulk::Cbc(Cbc::Aes128Sha256),
        Sha256,
        Compatible
    ),
    tls12!(
        TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384,
        Ecdhe,
        Ecdsa,
        Bulk::Cbc(Cbc::Aes256Sha384),
        Sha384,
        Compatible
    ),
    tls12!(
        TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384,
        Ecdhe,
        Rsa,
        Bulk::Cbc(Cbc::Aes256Sha384),
        Sha384,
        Compatible
    ),
    tls12!(
        TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
        Ecdhe,
        Ecdsa,
        Bulk::Cbc(Cbc::Aes128Sha1),
        Sha256,
        Compatible
    ),
    tls12!(
        TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
        Ecdhe,
        Rsa,
        Bulk::Cbc(Cbc::Aes128Sha1),
        Sha256,
        Compatible
    ),
    tls12!(
        TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
        Ecdhe,
        Ecdsa,
        Bulk::Cbc(Cbc::Aes256Sha1),
        Sha256,
        Compatible
    ),
    tls12!(
        TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
        Ecdhe,
        Rsa,
        Bulk::Cbc(Cbc::Aes256Sha1),
        Sha256,
        Compatible
    ),
    tls12!(
        TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
        Dhe,
        Rsa,
        GCM128,
        Sha256,
        Compatible
    ),
    tls12!(
        TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,
        Dhe,
        Rsa,
        GCM256,
        Sha384,
        Compatible
    ),
    tls12!(
        TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        Dhe,
        Rsa,
        CHACHA,
        Sha256,
        Compatible
    ),
    tls12!(
        TLS_DHE_RSA_WITH_AES_128_CBC_SHA256,
        Dhe,
        Rsa,
        Bulk::Cbc(Cbc::Aes128Sha256),
        Sha256,
        Compatible
    ),
    tls12!(
        TLS_DHE_RSA_WITH_AES_256_CBC_SHA256,
        Dhe,
        Rsa,
        Bulk::Cbc(Cbc::Aes256Sha256),
        Sha256,
        Compatible
    ),
    tls12!(
        TLS_DHE_RSA_WITH_AES_128_CBC_SHA,
        Dhe,
        Rsa,
        Bulk::Cbc(Cbc::Aes128Sha1),
        Sha256,
        Compatible
    ),
    tls12!(
        TLS_DHE_RSA_WITH_AES_256_CBC_SHA,
        Dhe,
        Rsa,
        Bulk::Cbc(Cbc::Aes256Sha1),
        Sha256,
        Compatible
    ),
    tls12!(
        TLS_RSA_WITH_AES_128_GCM_SHA256,
        Rsa,
        Rsa,
        GCM128,
        Sha256,
        Compatible
    ),
    tls12!(
        TLS_RSA_WITH_AES_256_GCM_SHA384,
        Rsa,
        Rsa,
        GCM256,
        Sha384,
        Compatible
    ),
    tls12!(
        TLS_RSA_WITH_AES_128_CBC_SHA256,
        Rsa,
        Rsa,
        Bulk::Cbc(Cbc::Aes128Sha256),
        Sha256,
        Compatible
    ),
    tls12!(
        TLS_RSA_WITH_AES_256_CBC_SHA256,
        Rsa,
        Rsa,
        Bulk::Cbc(Cbc::Aes256Sha256),
        Sha256,
        Compatible
    ),
    tls12!(
        TLS_RSA_WITH_AES_128_CBC_SHA,
        Rsa,
        Rsa,
        Bulk::Cbc(Cbc::Aes128Sha1),
        Sha256,
        Compatible
    ),
    tls12!(
        TLS_RSA_WITH_AES_256_CBC_SHA,
        Rsa,
        Rsa,
        Bulk::Cbc(Cbc::Aes256Sha1),
        Sha256,
        Compatible
    ),
];

/// Looks a TLS 1.2 suite up by code point.
pub fn tls12_suite(suite: CipherSuite) -> Option<Tls12Suite> {
    TLS12_SUITES.iter().copied().find(|s| s.suite == suite)
}

/// Why a named suite cannot be used: refused by design, or which policy enables it.
pub fn refusal_reason(name: &str) -> Option<String> {
    let upper = name.to_ascii_uppercase();
    const REFUSED: [(&str, &str); 8] = [
        ("RC4", "RC4 is broken (RFC 7465)"),
        ("3DES", "3DES has 64-bit blocks (Sweet32)"),
        ("DES", "DES keys are too short"),
        (
            "EXPORT",
            "export suites are deliberately weak (FREAK, Logjam)",
        ),
        ("NULL", "NULL suites do not encrypt"),
        ("ANON", "anonymous suites do not authenticate the server"),
        ("DSS", "DSA certificates are obsolete"),
        ("RC2", "RC2 is broken"),
    ];
    if let Some((_, why)) = REFUSED.iter().find(|(k, _)| upper.contains(k)) {
        return Some(format!("{name} is refused by design: {why}"));
    }
    let suite = CipherSuite::from_name(name)?;
    tls12_suite(suite)
        .filter(|s| s.policy > Policy::Modern)
        .map(|s| {
            format!(
                "{name} is disabled by the modern policy; --policy {} enables it",
                s.policy
            )
        })
}
