//! ServerHello and HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4).

use super::codec::{put_u16, put_u8_len, Reader};
use super::extensions::{ExtContext, Extensions, ExtensionsRef, ExtensionsWriter};
use super::handshake::HandshakeBody;
use crate::enums::{CipherSuite, HandshakeType};
use crate::error::Error;

/// The fixed `random` that marks a ServerHello as a HelloRetryRequest:
/// SHA-256("HelloRetryRequest") (RFC 8446 §4.1.3).
pub const HELLO_RETRY_REQUEST_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// Last 8 bytes of ServerHello.random when a TLS 1.3 server negotiates TLS 1.2 (RFC 8446 §4.1.3).
pub const DOWNGRADE_TLS12: [u8; 8] = *b"DOWNGRD\x01";
/// Last 8 bytes of ServerHello.random when a TLS 1.3 server negotiates TLS 1.1 or below.
pub const DOWNGRADE_TLS11: [u8; 8] = *b"DOWNGRD\x00";

/// A ServerHello (or HelloRetryRequest, which shares the encoding).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerHello {
    /// legacy_version (0x0303 in TLS 1.3).
    pub legacy_version: u16,
    /// 32 random bytes (or the HelloRetryRequest marker).
    pub random: [u8; 32],
    /// legacy_session_id_echo.
    pub session_id: Vec<u8>,
    /// Chosen cipher suite.
    pub cipher_suite: CipherSuite,
    /// Chosen compression method (must be 0).
    pub compression_method: u8,
    /// Extensions, in order.
    pub extensions: Extensions,
}

impl ServerHello {
    /// Whether this is a HelloRetryRequest.
    pub fn is_hello_retry_request(&self) -> bool {
        self.random == HELLO_RETRY_REQUEST_RANDOM
    }
}

impl ServerHello {
    /// Writes a ServerHello body at the end of `out` straight from borrowed values:
    /// the fixed fields, then the extensions the returned writer adds (its `finish`
    /// closes the block). The same bytes as [`HandshakeBody::encode_body`] of the
    /// ServerHello with these fields.
    pub fn body_writer<'o>(
        out: &'o mut Vec<u8>,
        legacy_version: u16,
        random: &[u8; 32],
        session_id: &[u8],
        cipher_suite: CipherSuite,
        compression_method: u8,
    ) -> ExtensionsWriter<'o> {
        put_u16(out, legacy_version);
        out.extend_from_slice(random);
        put_u8_len(out, |o| o.extend_from_slice(session_id));
        put_u16(out, cipher_suite.to_wire());
        out.push(compression_method);
        ExtensionsWriter::new(out)
    }
}

/// A ServerHello (or HelloRetryRequest) read in place: the session id and the
/// extensions are lent from the message, checked as strictly as [`ServerHello`]'s
/// decoding checks them (which goes through this). A client reads the hellos it
/// receives this way.
#[derive(Clone, Copy, Debug)]
pub struct ServerHelloRef<'a> {
    /// legacy_version (0x0303 in TLS 1.3).
    pub legacy_version: u16,
    /// 32 random bytes (or the HelloRetryRequest marker).
    pub random: [u8; 32],
    /// legacy_session_id_echo.
    pub session_id: &'a [u8],
    /// Chosen cipher suite.
    pub cipher_suite: CipherSuite,
    /// Chosen compression method (must be 0).
    pub compression_method: u8,
    /// Extensions, in order.
    pub extensions: ExtensionsRef<'a>,
}

impl<'a> ServerHelloRef<'a> {
    /// Decodes a ServerHello body, failing on trailing bytes.
    pub fn decode(body: &'a [u8]) -> Result<Self, Error> {
        Reader::read_all(body, "ServerHello", Self::read)
    }

    fn read(r: &mut Reader<'a>) -> Result<Self, Error> {
        let legacy_version = r.u16()?;
        let random: [u8; 32] = r.array()?;
        let session_id = r.bytes_u8()?;
        if session_id.len() > 32 {
            return Err(Error::decode("ServerHello session id"));
        }
        let cipher_suite = CipherSuite::from_wire(r.u16()?);
        let compression_method = r.u8()?;
        let ctx = if random == HELLO_RETRY_REQUEST_RANDOM {
            ExtContext::HelloRetryRequest
        } else {
            ExtContext::ServerHello
        };
        let extensions = ExtensionsRef::read_optional(r, ctx)?;
        Ok(Self {
            legacy_version,
            random,
            session_id,
            cipher_suite,
            compression_method,
            extensions,
        })
    }

    /// Whether this is a HelloRetryRequest.
    pub fn is_hello_retry_request(&self) -> bool {
        self.random == HELLO_RETRY_REQUEST_RANDOM
    }

    /// The owned ServerHello.
    pub fn to_owned(&self) -> ServerHello {
        ServerHello {
            legacy_version: self.legacy_version,
            random: self.random,
            session_id: self.session_id.to_vec(),
            cipher_suite: self.cipher_suite,
            compression_method: self.compression_method,
            extensions: self.extensions.to_owned(),
        }
    }
}

impl HandshakeBody for ServerHello {
    const TYPE: HandshakeType = HandshakeType::ServerHello;

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        Ok(ServerHelloRef::read(r)?.to_owned())
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        put_u16(out, self.legacy_version);
        out.extend_from_slice(&self.random);
        put_u8_len(out, |o| o.extend_from_slice(&self.session_id));
        put_u16(out, self.cipher_suite.to_wire());
        out.push(self.compression_method);
        self.extensions.encode(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enums::{NamedGroup, ProtocolVersion};
    use crate::msgs::{Extension, KeyShareEntry};

    #[test]
    fn body_writer_writes_what_the_owned_hello_encodes() {
        let owned = ServerHello {
            legacy_version: 0x0303,
            random: [4; 32],
            session_id: vec![9; 32],
            cipher_suite: CipherSuite::TLS13_AES_128_GCM_SHA256,
            compression_method: 0,
            extensions: Extensions(vec![
                Extension::SupportedVersionSelected(ProtocolVersion::Tls13),
                Extension::KeyShareEntry(KeyShareEntry {
                    group: NamedGroup::X25519,
                    share: vec![1; 32],
                }),
            ]),
        };
        let mut written = Vec::new();
        let mut w = ServerHello::body_writer(
            &mut written,
            0x0303,
            &owned.random,
            &owned.session_id,
            owned.cipher_suite,
            0,
        );
        w.supported_version_selected(ProtocolVersion::Tls13);
        w.key_share_entry(NamedGroup::X25519, &[1; 32]);
        w.finish();
        let mut encoded = Vec::new();
        owned.encode_body(&mut encoded);
        assert_eq!(written, encoded);
    }
}
