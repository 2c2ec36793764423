//! KeyUpdate (RFC 8446 §4.6.3).

use super::codec::Reader;
use super::handshake::HandshakeBody;
use crate::enums::HandshakeType;
use crate::error::Error;

/// A KeyUpdate: the sender switched its sending keys, and maybe asks us to do the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyUpdate {
    /// update_requested (1) or update_not_requested (0).
    pub update_requested: bool,
}

impl HandshakeBody for KeyUpdate {
    const TYPE: HandshakeType = HandshakeType::KeyUpdate;

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        match r.u8()? {
            0 => Ok(Self {
                update_requested: false,
            }),
            1 => Ok(Self {
                update_requested: true,
            }),
            _ => Err(Error::IllegalParameter("KeyUpdate request value")),
        }
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        out.push(u8::from(self.update_requested));
    }
}
