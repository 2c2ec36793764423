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
