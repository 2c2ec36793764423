//! Certificate checks: trust anchors, CRLs, chain verification with a report per check,
//! handshake signature verification, and readable certificate summaries.
//!
//! The verdict always comes from rustls-webpki, with the signature algorithms of the
//! [`CryptoProvider`](crate::crypto::CryptoProvider); [`certinfo`] only describes.
//! [`VerifiedServerChain`], [`VerifiedClientChain`] and [`SignatureVerified`] are
//! proofs: they have private fields and only the verifying functions return them.

pub mod certinfo;
mod chain;
mod client;
mod revocation;
mod roots;
mod server;
mod signature;

pub use certinfo::{
    describe_certificate, describe_name, format_utc, issuer_name_der, subject_public_key_info,
    CertificateInfo, SubjectAltName,
};
pub use chain::CheckReport;
pub use client::{verify_client_chain, VerifiedClientChain};
pub use revocation::{Crl, ExpiredCrl, RevocationDepth, RevocationPolicy, UnknownStatus};
pub use roots::{NativeRootsReport, RootStore};
pub use server::{verify_server_chain, VerifiedServerChain};
pub use signature::{
    tls13_signed_content, verify_signature, verify_tls12_signature, verify_tls13_signature,
    SignatureVerified,
};
