//! ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2).

use super::codec::{put_u16, put_u16_len, put_u8_len, Reader};
use super::extensions::{ExtContext, Extensions};
use super::handshake::HandshakeBody;
use crate::enums::{CipherSuite, HandshakeType};
use crate::error::Error;

/// A ClientHello.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientHello {
    /// legacy_version (0x0303 for TLS 1.2 and 1.3).
    pub legacy_version: u16,
    /// 32 random bytes.
    pub random: [u8; 32],
    /// legacy_session_id (0..=32 bytes).
    pub session_id: Vec<u8>,
    /// Offered cipher suites, in preference order.
    pub cipher_suites: Vec<CipherSuite>,
    /// Offered compression methods (we only ever accept null = 0).
    pub compression_methods: Vec<u8>,
    /// Extensions, in order.
    pub extensions: Extensions,
}

impl HandshakeBody for ClientHello {
    const TYPE: HandshakeType = HandshakeType::ClientHello;

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let legacy_version = r.u16()?;
        let random = r.array()?;
        let session_id = r.bytes_u8()?;
        if session_id.len() > 32 {
            return Err(Error::decode("ClientHello session id"));
        }
        let cipher_suites = r.u16_list(CipherSuite::from_wire)?;
        let compression_methods = r.bytes_u8()?;
        if compression_methods.is_empty() {
            return Err(Error::decode("ClientHello compression methods"));
        }
        let extensions = Extensions::read_optional(r, ExtContext::ClientHello)?;
        Ok(Self {
            legacy_version,
            random,
            session_id: session_id.to_vec(),
            cipher_suites,
            compression_methods: compression_methods.to_vec(),
            extensions,
        })
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        put_u16(out, self.legacy_version);
        out.extend_from_slice(&self.random);
        put_u8_len(out, |o| o.extend_from_slice(&self.session_id));
        put_u16_len(out, |o| {
            self.cipher_suites
                .iter()
                .for_each(|s| put_u16(o, s.to_wire()))
        });
        put_u8_len(out, |o| o.extend_from_slice(&self.compression_methods));
        self.extensions.encode(out);
    }
}
