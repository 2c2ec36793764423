//! ServerHelloDone (RFC 5246 §7.4.5): an empty message ending the server's first flight.

use super::codec::Reader;
use super::handshake::HandshakeBody;
use crate::enums::HandshakeType;
use crate::error::Error;

/// A ServerHelloDone. Its body is empty; anything in it is a decode error.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServerHelloDone;

impl HandshakeBody for ServerHelloDone {
    const TYPE: HandshakeType = HandshakeType::ServerHelloDone;

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
        assert_eq!(ServerHelloDone.encode(), [14, 0, 0, 0]);
        assert_eq!(ServerHelloDone::decode(&[]), Ok(ServerHelloDone));
    }

    #[test]
    fn non_empty_body_is_rejected() {
        let err = ServerHelloDone::decode(&[0]).unwrap_err();
        assert_eq!(err, Error::decode("ServerHelloDone"));
        assert_eq!(err.alert().to_wire(), 50);
        assert!(ServerHelloDone::decode(&[1, 2, 3]).is_err());
    }
}
