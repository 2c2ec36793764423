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

impl HandshakeBody for Finished {
    const TYPE: HandshakeType = HandshakeType::Finished;

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let verify_data = r.rest();
        if verify_data.is_empty() {
            return Err(Error::decode("Finished"));
        }
        Ok(Self {
            verify_data: verify_data.to_vec(),
        })
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.verify_data);
    }
}
