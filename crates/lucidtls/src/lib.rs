//! lucidtls: a TLS 1.3 + TLS 1.2 implementation where every handshake step is visible.
//!
//! Layers, top to bottom: `config`/`conn`/`stream` (API), `handshake` (decides),
//! `keys` (key schedules), `record` (protects), `msgs` (wire codecs), `verify`
//! (certificate checks), `trace` (typed events) and `crypto` (the provider boundary).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod crypto;
pub mod enums;
pub mod error;

pub use error::{CertificateCheck, Error};
