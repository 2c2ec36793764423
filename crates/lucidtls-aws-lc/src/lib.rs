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
//! | verification | ECDSA P-256/P-384 with SHA-256/384 through AWS-LC directly; the rest `rustls-webpki`'s aws-lc-rs algorithms (+ SHA-1 for TLS 1.2 legacy) |
//! | [`RsaKeyTransport`] | RSA keys: raw RSA + constant-time PKCS#1 v1.5 check (TLS 1.2) |
//! | [`CbcCipher`] | AES-128/256-CBC with HMAC-SHA1/SHA256/SHA384: MAC-then-encrypt (AWS-LC's constant-time TLS CBC) and encrypt-then-MAC |
//! | [`FfdheProvider`] | RFC 7919 ffdhe2048/3072/4096 and explicit server parameters |
//! | RSA encryption | PKCS#1 v1.5, for the TLS 1.2 client's pre-master secret |
//!
//! Use [`provider`] to get the provider as a trait object.
//!
//! The safe `aws-lc-rs` API covers most of this; the rest (raw RSA, the TLS CBC
//! ciphers, finite-field DH) goes through `aws-lc-sys` in the private module `ffi`,
//! the only place in the workspace with `unsafe` code.
//!
//! [`RsaKeyTransport`]: lucidtls::crypto::RsaKeyTransport
//! [`CbcCipher`]: lucidtls::crypto::CbcCipher
//! [`FfdheProvider`]: lucidtls::crypto::FfdheProvider

#![deny(unsafe_code)]
#![warn(missing_docs)]

mod aead;
mod cbc;
mod ffdhe;
mod ffi;
mod hash;
mod key_transport;
pub mod kx;
mod sign;
mod verify;

pub use verify::{ECDSA_P256_SHA1, ECDSA_P521_SHA1, RSA_PKCS1_SHA1};

use aws_lc_rs::rsa::{Pkcs1PublicEncryptingKey, PublicEncryptingKey};
use lucidtls::crypto::Aead;
use lucidtls::crypto::{
    CbcAlgorithm, CbcCipher, CryptoProvider, FfdheProvider, Hash, KxGroup, SigningKey,
};
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

    fn tls12_verification_algorithms(
        &self,
        scheme: SignatureScheme,
    ) -> Vec<&'static dyn SignatureVerificationAlgorithm> {
        verify::tls12_for_scheme(scheme)
    }

    fn cbc(&self, alg: CbcAlgorithm) -> Option<&'static dyn CbcCipher> {
        Some(cbc::for_algorithm(alg))
    }

    fn ffdhe(&self) -> Option<&'static dyn FfdheProvider> {
        Some(&ffdhe::FFDHE)
    }

    fn rsa_encrypt_pkcs1(&self, spki: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, Error> {
        let public = PublicEncryptingKey::from_der(spki)
            .map_err(|e| Error::BadKeyMaterial(format!("RSA public key rejected: {e}")))?;
        let key = Pkcs1PublicEncryptingKey::new(public)
            .map_err(|_| Error::Internal("RSA PKCS#1 encryption key setup failed"))?;
        if plaintext.len() > key.max_plaintext_size() {
            return Err(Error::Internal("RSA PKCS#1 plaintext too long for the key"));
        }
        let mut out = vec![0u8; key.ciphertext_size()];
        let len = key
            .encrypt(plaintext, &mut out)
            .map_err(|_| Error::Internal("RSA PKCS#1 encryption failed"))?
            .len();
        out.truncate(len);
        Ok(out)
    }
}
