//! Handshake message framing: the 4-byte header (type, 24-bit length).

use super::codec::{put_u24_len, Reader};
use crate::enums::HandshakeType;
use crate::error::Error;

/// Writes a handshake message: header, then the body written by `body`.
pub fn encode_handshake(typ: HandshakeType, out: &mut Vec<u8>, body: impl FnOnce(&mut Vec<u8>)) {
    out.push(typ.to_wire());
    put_u24_len(out, body);
}

/// Splits a whole handshake message into its type and body, checking the length field.
pub fn split_handshake(message: &[u8]) -> Result<(HandshakeType, &[u8]), Error> {
    let mut r = Reader::new(message, "handshake header");
    let typ = HandshakeType::from_wire(r.u8()?);
    let body = r.bytes_u24()?;
    r.finish()?;
    Ok((typ, body))
}

/// The first allocation of [`HandshakeBody::encode`]: a ClientHello with a few key
/// shares fits, and larger messages (certificates) grow from there.
const ENCODE_CAPACITY: usize = 512;

/// A handshake body decoder: strict, must consume the whole body.
pub trait HandshakeBody: Sized {
    /// The message type.
    const TYPE: HandshakeType;
    /// Decodes the body.
    fn read(r: &mut Reader<'_>) -> Result<Self, Error>;
    /// Encodes the body (no header).
    fn encode_body(&self, out: &mut Vec<u8>);

    /// Decodes `body`, failing on trailing bytes.
    fn decode(body: &[u8]) -> Result<Self, Error> {
        Reader::read_all(
            body,
            Self::TYPE.name().unwrap_or("handshake message"),
            Self::read,
        )
    }

    /// Encodes the whole message with its header. Room for a typical hello or
    /// flight message is taken up front, so the length-prefixed parts written into
    /// it do not grow the buffer step by step.
    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(ENCODE_CAPACITY);
        encode_handshake(Self::TYPE, &mut out, |o| self.encode_body(o));
        out
    }
}
