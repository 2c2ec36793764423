//! EncryptedExtensions (RFC 8446 §4.3.1).

use super::codec::Reader;
use super::extensions::{ExtContext, Extensions, ExtensionsRef};
use super::handshake::HandshakeBody;
use crate::enums::HandshakeType;
use crate::error::Error;

/// The server's extensions that are not needed to establish keys.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EncryptedExtensions {
    /// The extensions.
    pub extensions: Extensions,
}

impl EncryptedExtensions {
    /// Reads an EncryptedExtensions body in place, as strictly as
    /// [`HandshakeBody::decode`] reads it: the extensions are lent from the message.
    pub fn decode_in_place(body: &[u8]) -> Result<ExtensionsRef<'_>, Error> {
        Reader::read_all(body, "EncryptedExtensions", |r| {
            ExtensionsRef::read(r, ExtContext::EncryptedExtensions)
        })
    }
}

impl HandshakeBody for EncryptedExtensions {
    const TYPE: HandshakeType = HandshakeType::EncryptedExtensions;

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        Ok(Self {
            extensions: Extensions::read(r, ExtContext::EncryptedExtensions)?,
        })
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        self.extensions.encode(out);
    }
}
