//! lucidtls: a TLS 1.3 + TLS 1.2 implementation where every handshake step is visible.
//!
//! Layers, top to bottom: `config`/`conn`/`stream` (API), `handshake` (decides),
//! `keys` (key schedules), `record` (protects), `msgs` (wire codecs), `verify`
//! (certificate checks), `trace` (typed events) and `crypto` (the provider boundary).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod config;
pub mod conn;
pub mod crypto;
pub mod enums;
pub mod error;
mod handshake;
pub mod keys;
pub mod msgs;
pub mod pem;
pub mod record;
pub mod session;
pub mod stream;
pub mod suites;
pub mod trace;
pub mod verify;

pub use config::{CertifiedKey, ClientAuth, ClientConfig, ServerConfig, ServerVerification};
pub use conn::{Connection, Negotiated};
pub use error::{CertificateCheck, Error};
pub use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
pub use stream::Stream;
pub use trace::{Observer, Side, TraceEvent};
