//! The handshake: decides what to send and whether what arrived is acceptable.
//!
//! Each side is a chain of states, one type per "expect X" step, each with one
//! `handle_*` function named after the message it handles. Checks that must
//! happen are carried as proof values (`VerifiedServerChain`, `SignatureVerified`,
//! `FinishedVerified`, `ClientIdentity`) into the state that needs them.

pub(crate) mod client;
pub(crate) mod client12;
pub(crate) mod client13;
pub(crate) mod client_auth;
pub(crate) mod kx12;
pub(crate) mod server12;
pub(crate) mod server13;
pub(crate) mod tls12;
pub(crate) mod tls13;
pub(crate) mod traffic12;
pub(crate) mod traffic13;
pub(crate) mod transcript;

use crate::conn::Common;
use crate::enums::HandshakeType;
use crate::error::Error;

/// A whole handshake message as it arrived: type plus encoding (header included).
pub(crate) struct HandshakeMessage {
    pub typ: HandshakeType,
    pub bytes: Vec<u8>,
}

impl HandshakeMessage {
    /// The body (after the 4-byte header).
    pub fn body(&self) -> &[u8] {
        self.bytes.get(4..).unwrap_or(&[])
    }
}

/// One state of a handshake (or the traffic phase after it).
pub(crate) trait State: Send + Sync {
    /// Handles the next handshake message and returns the next state.
    fn handle(
        self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage,
    ) -> Result<Box<dyn State>, Error>;

    /// A TLS 1.2 ChangeCipherSpec arrived (TLS 1.3 ones are dropped before reaching here).
    fn handle_change_cipher_spec(
        self: Box<Self>,
        _cx: &mut Common,
    ) -> Result<Box<dyn State>, Error> {
        Err(Error::UnexpectedMessage {
            expected: "a handshake message",
            got: "change_cipher_spec".into(),
        })
    }

    /// Sends a KeyUpdate (traffic phase only).
    fn update_keys(&mut self, _cx: &mut Common, _request_peer: bool) -> Result<(), Error> {
        Err(Error::Config(
            "keys can only be updated after the handshake".into(),
        ))
    }
}

/// The error for a message that is not the one a state waits for.
pub(crate) fn unexpected(expected: &'static str, msg: &HandshakeMessage) -> Error {
    Error::UnexpectedMessage {
        expected,
        got: msg.typ.to_string(),
    }
}

/// Compares two byte strings in constant time (Finished values).
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// Proof that the peer's Finished verified: only [`verify_finished`] makes one.
pub(crate) struct FinishedVerified(());

/// Checks a Finished value against the expected one.
pub(crate) fn verify_finished(expected: &[u8], received: &[u8]) -> Result<FinishedVerified, Error> {
    if constant_time_eq(expected, received) {
        Ok(FinishedVerified(()))
    } else {
        Err(Error::BadFinished)
    }
}
