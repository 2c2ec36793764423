//! The default lucidtls crypto provider, built on AWS-LC (through `aws-lc-rs`).
//!
//! Everything here implements the traits of [`lucidtls::crypto`]:
//!
//! | trait | algorithms |
//! |---|---|
//! | [`Hash`] | SHA-256, SHA-384 (and HMAC over them) |
//! | [`Aead`] | AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305 |
//! | [`KxGroup`] | X25519, secp256r1, secp384r1, X25519MLKEM768 (in that default order) |
//! | [`SigningKey`] | RSA (PSS and PKCS#1 v1.5), ECDSA P-256 / P-384, Ed25519 |
//! | verification | `rustls-webpki`'s aws-lc-rs algorithms |
//!
//! Use [`provider`] to get the provider as a trait object.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod aead;
mod hash;
pub mod kx;
mod sign;
mod verify;

use lucidtls::crypto::Aead;
use lucidtls::crypto::{CryptoProvider, Hash, KxGroup, SigningKey};
use lucidtls::enums::{AeadAlgorithm, HashAlgorithm, SignatureScheme};
use lucidtls::Error;
use rustls_pki_types::{PrivateKeyDer, SignatureVerificationAlgorithm};
use std::sync::Arc;

/// The AWS-LC crypto provider. It holds no state; every instance is the same.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AwsLcProvider;

/// The provider as a `static`, for code that wants a `&'static dyn CryptoProvider`.
pub static AWS_LC_PROVIDER: AwsLcProvider = AwsLcProvider;

/// The provider, ready to put into a lucidtls configuration.
pub fn provider() -> Arc<dyn CryptoProvider> {
    Arc::new(AwsLcProvider)
}

impl CryptoProvider for AwsLcProvider {
    fn name(&self) -> &'static str {
        "aws-lc-rs"
    }

    fn hash(&self, alg: HashAlgorithm) -> &'static dyn Hash {
        hash::for_algorithm(alg)
    }

    fn aead(&self, alg: AeadAlgorithm) -> &'static dyn Aead {
        aead::for_algorithm(alg)
    }

    fn kx_groups(&self) -> &[&'static dyn KxGroup] {
        kx::DEFAULT_GROUPS
    }

    fn fill_random(&self, buf: &mut [u8]) -> Result<(), Error> {
        use aws_lc_rs::rand::SecureRandom;
        aws_lc_rs::rand::SystemRandom::new()
            .fill(buf)
            .map_err(|_| Error::Internal("random number generator failed"))
    }

    fn load_signing_key(&self, key: &PrivateKeyDer<'_>) -> Result<Arc<dyn SigningKey>, Error> {
        sign::load(key)
    }

    fn verification_algorithm(
        &self,
        scheme: SignatureScheme,
    ) -> Option<&'static dyn SignatureVerificationAlgorithm> {
        verify::for_scheme(scheme)
    }

    fn all_verification_algorithms(
        &self,
    ) -> &'static [&'static dyn SignatureVerificationAlgorithm] {
        verify::ALL
    }
}
