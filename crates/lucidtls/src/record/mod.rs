//! The record layer: framing and protection.
//!
//! This layer protects and frames; it never parses handshake message bodies
//! (that is `msgs/`) and never decides protocol flow (that is `handshake/`).
//!
//! Reading: bytes from the transport go into a [`RecordDeframer`], which yields
//! [`OpaqueRecord`]s; the current [`RecordDecrypter`] turns each into a
//! [`PlainRecord`]; handshake payloads go into a [`HandshakeJoiner`], which
//! yields whole handshake messages.
//!
//! Writing: a plaintext buffer is cut by a [`Fragmenter`] into fragments, and
//! the current [`RecordEncrypter`] appends each as a whole record to the output.
//!
//! Protection starts as [`PlaintextEncrypter`]/[`PlaintextDecrypter`] and is
//! replaced by [`Tls13Encrypter`]/[`Tls13Decrypter`] when keys change. TLS 1.2
//! AEAD and CBC protection are further implementations of the same two traits.

mod deframer;
mod fragmenter;
mod joiner;
mod protect;
mod protect12;

pub use deframer::RecordDeframer;
pub use fragmenter::Fragmenter;
pub use joiner::HandshakeJoiner;
pub use protect::{
    OpenedRecord, Padding, PlaintextDecrypter, PlaintextEncrypter, RecordDecrypter,
    RecordEncrypter, Tls13Decrypter, Tls13Encrypter,
};
pub use protect12::{
    RandomSource, Tls12AeadDecrypter, Tls12AeadEncrypter, Tls12AeadKind, Tls12CbcDecrypter,
    Tls12CbcEncrypter,
};

use crate::enums::ContentType;
use crate::error::Error;

/// Length of a record header: type (1), legacy version (2), length (2).
pub const HEADER_LEN: usize = 5;

/// Largest plaintext fragment a record may carry: 2^14 bytes (RFC 8446 §5.1, RFC 5246 §6.2.1).
pub const MAX_PLAINTEXT: usize = 16384;

/// Largest TLS 1.3 protected record payload: 2^14 + 256 bytes (RFC 8446 §5.2).
pub const MAX_CIPHERTEXT_TLS13: usize = MAX_PLAINTEXT + 256;

/// Largest TLS 1.2 protected record payload: 2^14 + 2048 bytes (RFC 5246 §6.2.3).
pub const MAX_CIPHERTEXT_TLS12: usize = MAX_PLAINTEXT + 2048;

/// Largest TLS 1.3 inner plaintext (content, type byte and padding): 2^14 + 1 bytes
/// (RFC 8446 §5.4).
pub const MAX_INNER_PLAINTEXT_TLS13: usize = MAX_PLAINTEXT + 1;

/// The legacy record version TLS 1.3 (and TLS 1.2) put on records: 0x0303.
pub const LEGACY_RECORD_VERSION: u16 = 0x0303;

/// A record as it travels on the wire: header fields plus a payload that may be
/// protected. Produced by [`RecordDeframer`], consumed by [`RecordDecrypter`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpaqueRecord {
    /// The outer content type (for TLS 1.3 protected records, always application_data).
    pub typ: ContentType,
    /// The legacy record version from the header, as sent.
    pub version: u16,
    /// The record payload (ciphertext once protection is on).
    pub payload: Vec<u8>,
}

/// A record after protection was removed: its real content type and plaintext.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlainRecord {
    /// The content type (for TLS 1.3, the inner content type).
    pub typ: ContentType,
    /// The plaintext fragment.
    pub payload: Vec<u8>,
}

/// Encodes a record header. A length that does not fit the 16-bit field is our own bug.
pub(crate) fn encode_header(
    typ: ContentType,
    version: u16,
    len: usize,
) -> Result<[u8; HEADER_LEN], Error> {
    let [v0, v1] = version.to_be_bytes();
    let len = u16::try_from(len).map_err(|_| Error::Internal("record length exceeds 2^16"))?;
    let [l0, l1] = len.to_be_bytes();
    Ok([typ.to_wire(), v0, v1, l0, l1])
}
