//! Key schedules: TLS 1.3's HKDF ladder and TLS 1.2's PRF.

pub mod keylog;
pub mod tls12;
pub mod tls13;

pub use keylog::{KeyLog, KeyLogFile};
