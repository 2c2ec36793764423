//! Key-exchange groups: ECDHE over X25519, P-256 and P-384, and the hybrid
//! X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem).
//!
//! Wire formats (RFC 8446 §4.2.8.2 and the draft):
//! - X25519: the raw 32-byte public key.
//! - secp256r1 / secp384r1: the uncompressed SEC1 point (`0x04 || X || Y`, 65 / 97 bytes).
//! - X25519MLKEM768: client share = ML-KEM-768 encapsulation key (1184) || X25519 key (32);
//!   server share = ML-KEM-768 ciphertext (1088) || X25519 key (32);
//!   shared secret = ML-KEM shared secret (32) || X25519 shared secret (32).
//!
//! Every malformed peer share is [`Error::InvalidKeyShare`].

use aws_lc_rs::agreement::{self, EphemeralPrivateKey, UnparsedPublicKey};
use aws_lc_rs::kem::{Ciphertext, DecapsulationKey, EncapsulationKey, ML_KEM_768};
use aws_lc_rs::rand::SystemRandom;
use lucidtls::crypto::{ActiveKx, KxGroup, Secret, SharedSecret};
use lucidtls::enums::NamedGroup;
use lucidtls::Error;
use zeroize::Zeroizing;

use crate::ffi::{self, X25519_LEN};

/// ML-KEM-768 encapsulation key length (FIPS 203).
const MLKEM768_EK_LEN: usize = 1184;
/// ML-KEM-768 ciphertext length (FIPS 203).
const MLKEM768_CT_LEN: usize = 1088;
/// ML-KEM shared secret length.
const MLKEM_SS_LEN: usize = 32;

/// An elliptic-curve Diffie-Hellman group.
#[derive(Clone, Copy)]
pub struct EcdhGroup {
    name: NamedGroup,
    alg: &'static agreement::Algorithm,
    share_len: usize,
    /// Whether shares are SEC1 points (and must start with 0x04, uncompressed).
    sec1: bool,
}

/// X25519 (RFC 7748).
pub static X25519: EcdhGroup = EcdhGroup {
    name: NamedGroup::X25519,
    alg: &agreement::X25519,
    share_len: X25519_LEN,
    sec1: false,
};

/// NIST P-256.
pub static SECP256R1: EcdhGroup = EcdhGroup {
    name: NamedGroup::secp256r1,
    alg: &agreement::ECDH_P256,
    share_len: 65,
    sec1: true,
};

/// NIST P-384.
pub static SECP384R1: EcdhGroup = EcdhGroup {
    name: NamedGroup::secp384r1,
    alg: &agreement::ECDH_P384,
    share_len: 97,
    sec1: true,
};

/// The hybrid X25519 + ML-KEM-768 group.
pub static X25519MLKEM768: HybridGroup = HybridGroup;

/// The groups in the provider's default preference order.
pub static DEFAULT_GROUPS: &[&dyn KxGroup] = &[&X25519, &SECP256R1, &SECP384R1, &X25519MLKEM768];

impl core::fmt::Debug for EcdhGroup {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "EcdhGroup({})", self.name)
    }
}

fn rng_failed() -> Error {
    Error::Internal("key-exchange key generation failed")
}

/// Longest public share of an [`EcdhGroup`] (a P-384 point).
const MAX_SHARE_LEN: usize = 97;

/// An ephemeral private key: X25519 as raw bytes (AWS-LC's `X25519` functions, no
/// `EVP_PKEY` objects), the NIST curves through `aws-lc-rs`.
enum PrivateKey {
    X25519(Zeroizing<[u8; X25519_LEN]>),
    Evp(EphemeralPrivateKey),
}

/// A public share, held inline.
struct PublicShare {
    bytes: [u8; MAX_SHARE_LEN],
    len: usize,
}

impl PublicShare {
    fn new(share: &[u8]) -> Result<Self, Error> {
        let mut bytes = [0u8; MAX_SHARE_LEN];
        bytes
            .get_mut(..share.len())
            .ok_or(Error::Internal("key share longer than expected"))?
            .copy_from_slice(share);
        Ok(Self {
            bytes,
            len: share.len(),
        })
    }

    fn as_slice(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or(&self.bytes)
    }
}

/// A fresh ephemeral key and its public share.
fn generate(alg: &'static agreement::Algorithm) -> Result<(PrivateKey, PublicShare), Error> {
    if alg == &agreement::X25519 {
        let (private, public) = ffi::x25519_keypair();
        return Ok((PrivateKey::X25519(private), PublicShare::new(&public)?));
    }
    let key = EphemeralPrivateKey::generate(alg, &SystemRandom::new()).map_err(|_| rng_failed())?;
    let public = key.compute_public_key().map_err(|_| rng_failed())?;
    Ok((PrivateKey::Evp(key), PublicShare::new(public.as_ref())?))
}

/// Whether every byte is zero, without an early exit.
fn all_zero(bytes: &[u8]) -> bool {
    bytes.iter().fold(0u8, |acc, b| acc | b) == 0
}

impl EcdhGroup {
    /// Checks the share's shape: exact length, and uncompressed form for SEC1 points.
    /// (aws-lc-rs would also accept SPKI encodings and compressed points, which
    /// TLS forbids.)
    fn share_shape_ok(&self, share: &[u8]) -> bool {
        share.len() == self.share_len && (!self.sec1 || share.first() == Some(&0x04))
    }

    /// ECDH with `key` against `peer`, which is fully validated here (shape) and by
    /// AWS-LC (point on the curve; X25519 small-order points give an error or zero).
    fn agree(&self, key: PrivateKey, peer: &[u8]) -> Result<SharedSecret, Error> {
        let invalid = Error::InvalidKeyShare(self.name);
        if !self.share_shape_ok(peer) {
            return Err(invalid);
        }
        let key = match key {
            PrivateKey::X25519(private) => {
                let peer: &[u8; X25519_LEN] = peer.try_into().map_err(|_| invalid.clone())?;
                return match ffi::x25519(&private, peer) {
                    Some(secret) if !all_zero(&secret[..]) => Ok(Secret::from_slice(&secret[..])),
                    _ => Err(invalid),
                };
            }
            PrivateKey::Evp(key) => key,
        };
        let peer = UnparsedPublicKey::new(self.alg, peer);
        agreement::agree_ephemeral(key, peer, invalid.clone(), |secret| {
            if all_zero(secret) {
                Err(invalid.clone())
            } else {
                Ok(Secret::from_slice(secret))
            }
        })
    }
}

impl KxGroup for EcdhGroup {
    fn name(&self) -> NamedGroup {
        self.name
    }

    fn start(&self) -> Result<Box<dyn ActiveKx>, Error> {
        let (key, public) = generate(self.alg)?;
        Ok(Box::new(EcdhKx {
            group: *self,
            key,
            public,
        }))
    }

    /// Server side, without boxing a pending exchange (the default's `start`).
    fn respond(&self, client_share: &[u8]) -> Result<(Vec<u8>, SharedSecret), Error> {
        let (key, public) = generate(self.alg)?;
        let secret = self.agree(key, client_share)?;
        Ok((public.as_slice().to_vec(), secret))
    }
}

/// An ECDH exchange waiting for the peer's share.
struct EcdhKx {
    group: EcdhGroup,
    key: PrivateKey,
    public: PublicShare,
}

impl ActiveKx for EcdhKx {
    fn group(&self) -> NamedGroup {
        self.group.name
    }

    fn public_share(&self) -> &[u8] {
        self.public.as_slice()
    }

    fn complete(self: Box<Self>, peer_share: &[u8]) -> Result<SharedSecret, Error> {
        let this = *self;
        this.group.agree(this.key, peer_share)
    }
}

/// X25519MLKEM768: ML-KEM-768 and X25519 side by side, ML-KEM first.
#[derive(Debug)]
pub struct HybridGroup;

impl HybridGroup {
    const NAME: NamedGroup = NamedGroup::X25519MLKEM768;

    fn invalid() -> Error {
        Error::InvalidKeyShare(Self::NAME)
    }

    /// ML-KEM secret || X25519 secret, as one [`SharedSecret`].
    fn combine(mlkem: &[u8], x25519: SharedSecret) -> Result<SharedSecret, Error> {
        if mlkem.len() != MLKEM_SS_LEN {
            return Err(Error::Internal("ML-KEM shared secret has the wrong length"));
        }
        let mut out = Vec::with_capacity(MLKEM_SS_LEN + x25519.len());
        out.extend_from_slice(mlkem);
        out.extend_from_slice(x25519.expose());
        Ok(Secret::new(out))
    }
}

impl KxGroup for HybridGroup {
    fn name(&self) -> NamedGroup {
        Self::NAME
    }

    fn start(&self) -> Result<Box<dyn ActiveKx>, Error> {
        let mlkem = DecapsulationKey::generate(&ML_KEM_768).map_err(|_| rng_failed())?;
        let ek = mlkem
            .encapsulation_key()
            .and_then(|ek| ek.key_bytes())
            .map_err(|_| rng_failed())?;
        let (x25519, x_public) = generate(X25519.alg)?;
        let mut public = Vec::with_capacity(MLKEM768_EK_LEN + X25519_LEN);
        public.extend_from_slice(ek.as_ref());
        public.extend_from_slice(x_public.as_slice());
        if public.len() != MLKEM768_EK_LEN + X25519_LEN {
            return Err(Error::Internal(
                "ML-KEM-768 encapsulation key has the wrong length",
            ));
        }
        Ok(Box::new(HybridKx {
            mlkem,
            x25519,
            public,
        }))
    }

    fn respond(&self, client_share: &[u8]) -> Result<(Vec<u8>, SharedSecret), Error> {
        if client_share.len() != MLKEM768_EK_LEN + X25519_LEN {
            return Err(Self::invalid());
        }
        let (ek_bytes, x_peer) = client_share.split_at(MLKEM768_EK_LEN);
        let ek = EncapsulationKey::new(&ML_KEM_768, ek_bytes).map_err(|_| Self::invalid())?;
        let (x25519, x_public) = generate(X25519.alg)?;
        let x_secret = X25519.agree(x25519, x_peer).map_err(|_| Self::invalid())?;
        let (ciphertext, mlkem_secret) = ek.encapsulate().map_err(|_| Self::invalid())?;
        if ciphertext.as_ref().len() != MLKEM768_CT_LEN {
            return Err(Error::Internal(
                "ML-KEM-768 ciphertext has the wrong length",
            ));
        }
        let secret = Self::combine(mlkem_secret.as_ref(), x_secret)?;
        let mut share = Vec::with_capacity(MLKEM768_CT_LEN + X25519_LEN);
        share.extend_from_slice(ciphertext.as_ref());
        share.extend_from_slice(x_public.as_slice());
        Ok((share, secret))
    }
}

/// Our half of an X25519MLKEM768 exchange (client side).
struct HybridKx {
    mlkem: DecapsulationKey,
    x25519: PrivateKey,
    public: Vec<u8>,
}

impl ActiveKx for HybridKx {
    fn group(&self) -> NamedGroup {
        HybridGroup::NAME
    }

    fn public_share(&self) -> &[u8] {
        &self.public
    }

    fn complete(self: Box<Self>, peer_share: &[u8]) -> Result<SharedSecret, Error> {
        if peer_share.len() != MLKEM768_CT_LEN + X25519_LEN {
            return Err(HybridGroup::invalid());
        }
        let (ct, x_peer) = peer_share.split_at(MLKEM768_CT_LEN);
        let this = *self;
        let mlkem_secret = this
            .mlkem
            .decapsulate(Ciphertext::from(ct))
            .map_err(|_| HybridGroup::invalid())?;
        let x_secret = X25519
            .agree(this.x25519, x_peer)
            .map_err(|_| HybridGroup::invalid())?;
        HybridGroup::combine(mlkem_secret.as_ref(), x_secret)
    }
}
