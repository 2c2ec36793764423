//! CertificateRequest (TLS 1.3 form, RFC 8446 §4.3.2).

use super::codec::{put_u8_len, Reader};
use super::extensions::{ExtContext, Extensions};
use super::handshake::HandshakeBody;
use crate::enums::{ExtensionType, HandshakeType};
use crate::error::Error;

/// A TLS 1.3 CertificateRequest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateRequest13 {
    /// certificate_request_context (empty in the handshake).
    pub context: Vec<u8>,
    /// Extensions; signature_algorithms is mandatory.
    pub extensions: Extensions,
}

impl HandshakeBody for CertificateRequest13 {
    const TYPE: HandshakeType = HandshakeType::CertificateRequest;

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let context = r.bytes_u8()?.to_vec();
        let extensions = Extensions::read(r, ExtContext::CertificateRequest)?;
        if !extensions.has(ExtensionType::SignatureAlgorithms) {
            return Err(Error::MissingExtension(
                "signature_algorithms in CertificateRequest",
            ));
        }
        Ok(Self {
            context,
            extensions,
        })
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        put_u8_len(out, |o| o.extend_from_slice(&self.context));
        self.extensions.encode(out);
    }
}
