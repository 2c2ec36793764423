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
use crate::msgs::HandshakeBody;

/// A whole handshake message as it arrived: type plus encoding (header included),
/// lent from the record it came in (or from the joiner, when it came in pieces).
pub(crate) struct HandshakeMessage<'a> {
    pub typ: HandshakeType,
    pub bytes: &'a [u8],
}

impl<'a> HandshakeMessage<'a> {
    /// The body (after the 4-byte header).
    pub fn body(&self) -> &'a [u8] {
        self.bytes.get(4..).unwrap_or(&[])
    }
}

/// One state of a handshake (or the traffic phase after it).
pub(crate) trait State: Send + Sync {
    /// Handles the next handshake message and returns the next state.
    fn handle(
        self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage<'_>,
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
pub(crate) fn unexpected(expected: &'static str, msg: &HandshakeMessage<'_>) -> Error {
    Error::UnexpectedMessage {
        expected,
        got: msg.typ.to_string(),
    }
}

/// Decodes a whole message we sent, for a trace (built only when observed), which
/// describes what went out.
pub(crate) fn decode_sent<M: HandshakeBody>(message: &[u8]) -> Option<M> {
    M::decode(message.get(4..)?).ok()
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
