//! CertificateVerify (RFC 8446 §4.4.3; the TLS 1.2 form with a scheme is identical).

use super::codec::{put_u16, put_u16_len, Reader};
use super::handshake::HandshakeBody;
use crate::enums::{HandshakeType, SignatureScheme};
use crate::error::Error;

/// A signature over the transcript.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateVerify {
    /// The scheme used.
    pub scheme: SignatureScheme,
    /// The signature bytes.
    pub signature: Vec<u8>,
}

impl HandshakeBody for CertificateVerify {
    const TYPE: HandshakeType = HandshakeType::CertificateVerify;

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let scheme = SignatureScheme::from_wire(r.u16()?);
        let signature = r.bytes_u16()?;
        if signature.is_empty() {
            return Err(Error::decode("CertificateVerify signature"));
        }
        Ok(Self {
            scheme,
            signature: signature.to_vec(),
        })
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        put_u16(out, self.scheme.to_wire());
        put_u16_len(out, |o| o.extend_from_slice(&self.signature));
    }
}
