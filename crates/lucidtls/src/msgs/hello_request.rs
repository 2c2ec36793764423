//! HelloRequest (RFC 5246 §7.4.1.1): the server asks the client to renegotiate.

use super::codec::Reader;
use super::handshake::HandshakeBody;
use crate::enums::HandshakeType;
use crate::error::Error;

/// A HelloRequest. Its body is empty; anything in it is a decode error. It is never
/// part of the handshake transcript (RFC 5246 §7.4.1.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HelloRequest;

impl HandshakeBody for HelloRequest {
    const TYPE: HandshakeType = HandshakeType::HelloRequest;

    fn read(_r: &mut Reader<'_>) -> Result<Self, Error> {
        // `decode` rejects any byte left over.
        Ok(Self)
    }

    fn encode_body(&self, _out: &mut Vec<u8>) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        assert_eq!(HelloRequest.encode(), [0, 0, 0, 0]);
        assert_eq!(HelloRequest::decode(&[]), Ok(HelloRequest));
    }

    #[test]
    fn non_empty_body_is_rejected() {
        assert_eq!(
            HelloRequest::decode(&[0]),
            Err(Error::decode("HelloRequest"))
        );
        assert!(HelloRequest::decode(&[0, 0, 0]).is_err());
    }
}
