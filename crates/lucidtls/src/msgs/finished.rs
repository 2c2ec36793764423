//! Finished (RFC 8446 §4.4.4, RFC 5246 §7.4.9).

use super::codec::Reader;
use super::handshake::HandshakeBody;
use crate::enums::HandshakeType;
use crate::error::Error;

/// The verify_data proving both sides saw the same transcript.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finished {
    /// verify_data (a hash length in TLS 1.3, 12 bytes in TLS 1.2).
    pub verify_data: Vec<u8>,
}

impl Finished {
    /// Writes the body of a Finished carrying `verify_data`, straight from where the
    /// value lies.
    pub fn encode_verify_data(verify_data: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(verify_data);
    }

    /// The verify_data of a Finished body, lent from it; checked as
    /// [`HandshakeBody::decode`] checks it.
    pub fn decode_verify_data(body: &[u8]) -> Result<&[u8], Error> {
        if body.is_empty() {
            return Err(Error::decode("Finished"));
        }
        Ok(body)
    }
}

impl HandshakeBody for Finished {
    const TYPE: HandshakeType = HandshakeType::Finished;

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        Ok(Self {
            verify_data: Self::decode_verify_data(r.rest())?.to_vec(),
        })
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        Self::encode_verify_data(&self.verify_data, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_in_place_agrees_with_the_owned_decode() {
        assert_eq!(Finished::decode_verify_data(&[1, 2, 3]), Ok(&[1, 2, 3][..]));
        assert_eq!(
            Finished::decode_verify_data(&[]).err(),
            Finished::decode(&[]).err()
        );
        let mut body = Vec::new();
        Finished::encode_verify_data(&[7; 12], &mut body);
        assert_eq!(Finished::decode(&body).unwrap().verify_data, [7; 12]);
    }
}
