//! The crypto provider boundary.
//!
//! `lucidtls` never computes a primitive itself: everything below goes through
//! [`CryptoProvider`], implemented by `lucidtls-aws-lc` (the default). The traits
//! are shaped for both TLS 1.3 and TLS 1.2: the PRF, CBC-HMAC, RSA key transport
//! and finite-field DH slot in as further methods with default "unsupported"
//! answers, so a provider can grow without breaking others.

mod hkdf;
mod secret;

pub(crate) use hkdf::sign_lists;
pub use hkdf::{hkdf_expand, hkdf_expand_label, hkdf_extract};
pub use secret::{Secret, SharedSecret};

use crate::enums::{AeadAlgorithm, HashAlgorithm, NamedGroup, SignatureScheme};
use crate::error::Error;
use core::fmt::Debug;
use rustls_pki_types::{PrivateKeyDer, SignatureVerificationAlgorithm};
use std::sync::Arc;

/// Largest digest any supported hash produces (SHA-384).
pub const MAX_HASH_LEN: usize = 48;

/// A digest value held inline, sized for the largest supported hash.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Digest {
    bytes: [u8; MAX_HASH_LEN],
    len: usize,
}

impl Digest {
    /// Wraps `bytes` (at most [`MAX_HASH_LEN`] long).
    pub fn new(bytes: &[u8]) -> Self {
        let mut out = Self {
            bytes: [0; MAX_HASH_LEN],
            len: bytes.len(),
        };
        out.bytes[..bytes.len()].copy_from_slice(bytes);
        out
    }
}

impl AsRef<[u8]> for Digest {
    fn as_ref(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl Debug for Digest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for b in self.as_ref() {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// A running hash, for the handshake transcript.
pub trait HashContext: Send + Sync {
    /// Adds data.
    fn update(&mut self, data: &[u8]);
    /// The digest of everything so far, leaving the context usable.
    fn current(&self) -> Digest;
    /// An independent copy of this context.
    fn fork(&self) -> Box<dyn HashContext>;
}

/// Hash and HMAC for one hash function.
pub trait Hash: Send + Sync + Debug {
    /// Which function this is.
    fn algorithm(&self) -> HashAlgorithm;
    /// Starts a running hash.
    fn start(&self) -> Box<dyn HashContext>;
    /// One-shot digest.
    fn hash(&self, data: &[u8]) -> Digest {
        let mut ctx = self.start();
        ctx.update(data);
        ctx.current()
    }
    /// HMAC over the concatenation of `parts`.
    fn hmac(&self, key: &[u8], parts: &[&[u8]]) -> Digest;
    /// Prepares `key` for several HMACs, as HKDF-Expand and the TLS 1.2 PRF compute
    /// one per output block with the same key.
    ///
    /// The default keeps a copy of the key and calls [`Hash::hmac`] for each MAC;
    /// providers override it to absorb the key once (the inner and outer padded keys)
    /// and start every MAC from that state.
    fn hmac_key<'a>(&'a self, key: &[u8]) -> Box<dyn HmacKey + 'a> {
        Box::new(PlainHmacKey {
            hash: self,
            key: Secret::from_slice(key),
        })
    }
}

/// A keyed HMAC, ready to MAC many messages (see [`Hash::hmac_key`]).
pub trait HmacKey: Send + Sync {
    /// HMAC over the concatenation of `parts`.
    fn sign(&self, parts: &[&[u8]]) -> Digest;
}

/// [`Hash::hmac_key`]'s default: the key, and [`Hash::hmac`] for every MAC.
struct PlainHmacKey<'a, H: ?Sized> {
    hash: &'a H,
    key: Secret,
}

impl<H: Hash + ?Sized> HmacKey for PlainHmacKey<'_, H> {
    fn sign(&self, parts: &[&[u8]]) -> Digest {
        self.hash.hmac(self.key.expose(), parts)
    }
}

/// A record-protection AEAD algorithm.
pub trait Aead: Send + Sync + Debug {
    /// Which algorithm this is.
    fn algorithm(&self) -> AeadAlgorithm;
    /// Builds a key for sealing and opening. `key` has `algorithm().key_len()` bytes.
    fn key(&self, key: &[u8]) -> Result<Box<dyn AeadKey>, Error>;
}

/// A keyed AEAD. Both operations work in place, so the record path copies nothing.
pub trait AeadKey: Send + Sync {
    /// Encrypts `buf[..]` in place and appends the tag to `buf`.
    fn seal(&self, nonce: &[u8; 12], aad: &[u8], buf: &mut Vec<u8>) -> Result<(), Error>;
    /// Decrypts `buf` (ciphertext followed by tag) in place and returns the plaintext length.
    /// Any failure is [`Error::BadRecordMac`].
    fn open(&self, nonce: &[u8; 12], aad: &[u8], buf: &mut [u8]) -> Result<usize, Error>;
    /// Encrypts `buf[start..]` in place and appends the tag to `buf`; `buf[..start]`
    /// (say, a record header already written) is left as it is. This lets the record
    /// layer seal straight into its output buffer. On failure `buf` may hold partly
    /// encrypted bytes after `start`: the caller discards them.
    ///
    /// The default moves the tail out and back around [`AeadKey::seal`]; providers
    /// override it to seal without those copies.
    fn seal_in_place_append_tag(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        buf: &mut Vec<u8>,
        start: usize,
    ) -> Result<(), Error> {
        if start > buf.len() {
            return Err(Error::Internal(
                "AEAD seal starts past the end of the buffer",
            ));
        }
        let mut tail = buf.split_off(start);
        let sealed = self.seal(nonce, aad, &mut tail);
        buf.extend_from_slice(&tail);
        sealed
    }

    /// Seals `plaintext || trailer` out of place into `out`, which must be exactly
    /// `plaintext.len() + trailer.len() + 16` bytes: the ciphertext, then the tag.
    /// `plaintext` is read where it is (the caller's buffer), so the record layer
    /// writes a record without first copying the data next to its header. `trailer`
    /// is short extra plaintext sealed after it (TLS 1.3: the inner content type and
    /// any padding; empty for TLS 1.2). On failure `out` may hold partial output: the
    /// caller discards it.
    ///
    /// The default copies both into `out` and seals there; providers override it to
    /// read the plaintext in place (AWS-LC: `EVP_AEAD_CTX_seal_scatter` with the
    /// trailer as its `extra_in`).
    fn seal_into(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        plaintext: &[u8],
        trailer: &[u8],
        out: &mut [u8],
    ) -> Result<(), Error> {
        let inner = plaintext.len() + trailer.len();
        if out.len() != inner + AEAD_TAG_LEN {
            return Err(Error::Internal(
                "AEAD seal_into output has the wrong length",
            ));
        }
        let mut buf = Vec::with_capacity(out.len());
        buf.extend_from_slice(plaintext);
        buf.extend_from_slice(trailer);
        self.seal(nonce, aad, &mut buf)?;
        if buf.len() != out.len() {
            return Err(Error::Internal("AEAD tag is not 16 bytes"));
        }
        out.copy_from_slice(&buf);
        Ok(())
    }
}

/// The tag length of every record-protection AEAD we support (AES-GCM,
/// ChaCha20-Poly1305).
pub const AEAD_TAG_LEN: usize = 16;

/// A key-exchange group: (EC)DH or a KEM, including hybrids.
pub trait KxGroup: Send + Sync + Debug {
    /// The group's code point.
    fn name(&self) -> NamedGroup;
    /// Client side: a fresh key pair whose public part goes into the key share.
    fn start(&self) -> Result<Box<dyn ActiveKx>, Error>;
    /// Server side: answers a client's share with our share and the shared secret.
    /// For Diffie-Hellman this is start + complete; KEMs encapsulate instead.
    fn respond(&self, client_share: &[u8]) -> Result<(Vec<u8>, SharedSecret), Error> {
        let kx = self.start()?;
        let share = kx.public_share().to_vec();
        Ok((share, kx.complete(client_share)?))
    }
}

/// A key exchange in progress: our private part, waiting for the peer's share.
pub trait ActiveKx: Send + Sync {
    /// The group.
    fn group(&self) -> NamedGroup;
    /// Our public share, as it goes on the wire.
    fn public_share(&self) -> &[u8];
    /// Finishes with the peer's share. An invalid share is
    /// [`Error::InvalidKeyShare`] (illegal_parameter).
    fn complete(self: Box<Self>, peer_share: &[u8]) -> Result<SharedSecret, Error>;
}

/// A private key that can sign handshake messages.
pub trait SigningKey: Send + Sync + Debug {
    /// The schemes this key can produce, in our order of preference.
    fn schemes(&self) -> &[SignatureScheme];
    /// Signs `message` with `scheme` (one of [`SigningKey::schemes`]).
    fn sign(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>, Error>;
    /// A short description such as "RSA 2048" or "ECDSA P-256", for traces.
    fn describe(&self) -> String;
    /// For RSA keys: RSA key-transport decryption (TLS 1.2 RSA suites).
    fn rsa_key_transport(&self) -> Option<&dyn RsaKeyTransport> {
        None
    }
}

/// The provider: every primitive lucidtls uses.
pub trait CryptoProvider: Send + Sync + Debug {
    /// The provider's name, for traces and `--version`.
    fn name(&self) -> &'static str;
    /// The hash implementation for `alg`.
    fn hash(&self, alg: HashAlgorithm) -> &'static dyn Hash;
    /// The AEAD implementation for `alg`.
    fn aead(&self, alg: AeadAlgorithm) -> &'static dyn Aead;
    /// Key-exchange groups the provider implements, in its default preference order.
    fn kx_groups(&self) -> &[&'static dyn KxGroup];
    /// Fills `buf` from a cryptographically secure generator.
    fn fill_random(&self, buf: &mut [u8]) -> Result<(), Error>;
    /// Loads a private key (PKCS#8, PKCS#1 or SEC1) for signing.
    fn load_signing_key(&self, key: &PrivateKeyDer<'_>) -> Result<Arc<dyn SigningKey>, Error>;
    /// The webpki verification algorithm for a TLS signature scheme, used both for
    /// handshake signatures and for certificate chains.
    fn verification_algorithm(
        &self,
        scheme: SignatureScheme,
    ) -> Option<&'static dyn SignatureVerificationAlgorithm>;
    /// All algorithms acceptable in certificate chains.
    fn all_verification_algorithms(&self)
        -> &'static [&'static dyn SignatureVerificationAlgorithm];

    /// Looks a group up by code point.
    fn kx_group(&self, name: NamedGroup) -> Option<&'static dyn KxGroup> {
        self.kx_groups().iter().copied().find(|g| g.name() == name)
    }

    // ---- TLS 1.2 pieces. Defaults say "unsupported" so a TLS 1.3-only provider still works.

    /// TLS 1.2 verification for ECDSA, where the scheme names only the hash and the
    /// curve comes from the certificate (RFC 5246 §7.4.1.4.1). Default: the TLS 1.3 mapping.
    fn tls12_verification_algorithms(
        &self,
        scheme: SignatureScheme,
    ) -> Vec<&'static dyn SignatureVerificationAlgorithm> {
        self.verification_algorithm(scheme).into_iter().collect()
    }

    /// Constant-time TLS CBC record protection for `alg`, if implemented.
    fn cbc(&self, _alg: CbcAlgorithm) -> Option<&'static dyn CbcCipher> {
        None
    }

    /// Finite-field Diffie-Hellman with explicit parameters (TLS 1.2 DHE), if implemented.
    fn ffdhe(&self) -> Option<&'static dyn FfdheProvider> {
        None
    }

    /// RSA PKCS#1 v1.5 encryption of a pre-master secret to the public key in
    /// `spki` (the DER SubjectPublicKeyInfo), for TLS 1.2 RSA key transport.
    fn rsa_encrypt_pkcs1(&self, _spki: &[u8], _plaintext: &[u8]) -> Result<Vec<u8>, Error> {
        Err(Error::Internal(
            "RSA key transport is not implemented by this provider",
        ))
    }
}

/// AES-CBC with an HMAC, as TLS 1.2 CBC suites use them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CbcAlgorithm {
    /// AES-128-CBC with HMAC-SHA1
    Aes128Sha1,
    /// AES-256-CBC with HMAC-SHA1
    Aes256Sha1,
    /// AES-128-CBC with HMAC-SHA256
    Aes128Sha256,
    /// AES-256-CBC with HMAC-SHA256
    Aes256Sha256,
    /// AES-256-CBC with HMAC-SHA384
    Aes256Sha384,
}

impl CbcAlgorithm {
    /// Encryption key length.
    pub const fn enc_key_len(self) -> usize {
        match self {
            Self::Aes128Sha1 | Self::Aes128Sha256 => 16,
            _ => 32,
        }
    }

    /// MAC key length (= MAC length).
    pub const fn mac_len(self) -> usize {
        match self {
            Self::Aes128Sha1 | Self::Aes256Sha1 => 20,
            Self::Aes128Sha256 | Self::Aes256Sha256 => 32,
            Self::Aes256Sha384 => 48,
        }
    }
}

/// TLS 1.2 CBC record protection: MAC-then-encrypt (constant time, Lucky13-safe) or
/// encrypt-then-MAC (RFC 7366).
pub trait CbcCipher: Send + Sync + Debug {
    /// Which algorithm this is.
    fn algorithm(&self) -> CbcAlgorithm;
    /// Keys a direction.
    fn key(&self, enc_key: &[u8], mac_key: &[u8]) -> Result<Box<dyn CbcKey>, Error>;
}

/// A keyed TLS CBC cipher. `header` is the 11-byte `seq_num || type || version`; the
/// record length is supplied by the implementation as the MAC requires. `iv` is the
/// record's explicit IV (TLS 1.1+).
pub trait CbcKey: Send + Sync {
    /// MAC-then-encrypt: appends `CBC(plaintext || MAC || padding)` to `out`.
    fn seal_mac_then_encrypt(
        &self,
        iv: &[u8; 16],
        header: &[u8; 11],
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error>;
    /// Opens MAC-then-encrypt in constant time with respect to padding and MAC:
    /// any failure is [`Error::BadRecordMac`], decided only after the same work.
    /// Returns the plaintext, written over the front of `ciphertext`, as a length.
    fn open_mac_then_encrypt(
        &self,
        iv: &[u8; 16],
        header: &[u8; 11],
        ciphertext: &mut [u8],
    ) -> Result<usize, Error>;
    /// Encrypt-then-MAC: appends `CBC(plaintext || padding) || MAC(header || len || iv || ciphertext)`.
    fn seal_encrypt_then_mac(
        &self,
        iv: &[u8; 16],
        header: &[u8; 11],
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error>;
    /// As [`CbcKey::seal_encrypt_then_mac`], but writes `CBC(plaintext || padding) ||
    /// MAC` to the front of `out` and returns its length; fails, with nothing written
    /// that matters, when `out` is too short (the record layer gives it room for
    /// the plaintext, a block of padding and the MAC). This lets a record be sealed
    /// straight into the caller's output buffer. The default seals into a temporary
    /// buffer and copies; providers override it to seal in `out`.
    fn seal_encrypt_then_mac_into(
        &self,
        iv: &[u8; 16],
        header: &[u8; 11],
        plaintext: &[u8],
        out: &mut [u8],
    ) -> Result<usize, Error> {
        let mut sealed = Vec::with_capacity(plaintext.len() + 64);
        self.seal_encrypt_then_mac(iv, header, plaintext, &mut sealed)?;
        let dst = out
            .get_mut(..sealed.len())
            .ok_or(Error::Internal("output too small for a CBC record"))?;
        dst.copy_from_slice(&sealed);
        Ok(sealed.len())
    }
    /// Opens encrypt-then-MAC: the MAC is checked (constant-time compare) before decrypting.
    fn open_encrypt_then_mac(
        &self,
        iv: &[u8; 16],
        header: &[u8; 11],
        record: &mut [u8],
    ) -> Result<usize, Error>;
}

/// A server's finite-field DH start: the prime `p`, the generator `g`, and the
/// pending exchange (its public share is the server's Y).
pub type FfdheStart = (Vec<u8>, Vec<u8>, Box<dyn ActiveKx>);

/// Finite-field DH with explicit parameters (TLS 1.2 ServerKeyExchange carries p, g, Ys).
pub trait FfdheProvider: Send + Sync + Debug {
    /// Server side: a key pair for the RFC 7919 group `group` (ffdhe2048/3072/4096);
    /// returns (p, g) and the pending exchange, whose public share is our Y.
    fn start_named(&self, group: NamedGroup) -> Result<FfdheStart, Error>;
    /// Client side: answers explicit parameters with our public value and the shared
    /// secret (leading zeros stripped, RFC 5246 §8.1.2). The caller has checked p's size;
    /// this checks 1 < Ys < p-1.
    fn respond_explicit(
        &self,
        p: &[u8],
        g: &[u8],
        server_y: &[u8],
    ) -> Result<(Vec<u8>, SharedSecret), Error>;
}

/// The RSA key-transport half of a server's RSA private key (TLS 1.2 RSA suites).
pub trait RsaKeyTransport: Send + Sync {
    /// Decrypts an encrypted pre-master secret with implicit rejection (RFC 5246
    /// §7.4.7.1): always returns 48 bytes. When the padding, length or embedded version
    /// (`client_version`) is wrong, the result is `fallback` — chosen in constant time,
    /// with no early return, so that a bad ciphertext is indistinguishable until Finished.
    fn decrypt_premaster(
        &self,
        ciphertext: &[u8],
        client_version: u16,
        fallback: &[u8; 48],
    ) -> Secret;
}
