//! NewSessionTicket (TLS 1.3 form, RFC 8446 §4.6.1).

use super::codec::{put_u16_len, put_u32, put_u8_len, Reader};
use super::extensions::{ExtContext, Extensions};
use super::handshake::HandshakeBody;
use crate::enums::HandshakeType;
use crate::error::Error;

/// A TLS 1.3 session ticket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSessionTicket13 {
    /// Lifetime in seconds (at most 7 days).
    pub lifetime: u32,
    /// Added to the ticket age to obfuscate it.
    pub age_add: u32,
    /// Per-ticket nonce for the PSK derivation.
    pub nonce: Vec<u8>,
    /// The opaque ticket.
    pub ticket: Vec<u8>,
    /// Extensions (early_data).
    pub extensions: Extensions,
}

impl HandshakeBody for NewSessionTicket13 {
    const TYPE: HandshakeType = HandshakeType::NewSessionTicket;

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let lifetime = r.u32()?;
        let age_add = r.u32()?;
        let nonce = r.bytes_u8()?.to_vec();
        let ticket = r.bytes_u16()?.to_vec();
        if ticket.is_empty() {
            return Err(Error::decode("NewSessionTicket ticket"));
        }
        let extensions = Extensions::read(r, ExtContext::NewSessionTicket)?;
        Ok(Self {
            lifetime,
            age_add,
            nonce,
            ticket,
            extensions,
        })
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        put_u32(out, self.lifetime);
        put_u32(out, self.age_add);
        put_u8_len(out, |o| o.extend_from_slice(&self.nonce));
        put_u16_len(out, |o| o.extend_from_slice(&self.ticket));
        self.extensions.encode(out);
    }
}
