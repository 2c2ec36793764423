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

/// A CertificateVerify read in place: the signature is lent from the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CertificateVerifyRef<'a> {
    /// The scheme used.
    pub scheme: SignatureScheme,
    /// The signature bytes.
    pub signature: &'a [u8],
}

impl<'a> CertificateVerifyRef<'a> {
    /// Decodes a CertificateVerify body, as strictly as [`HandshakeBody::decode`].
    pub fn decode(body: &'a [u8]) -> Result<Self, Error> {
        Reader::read_all(body, "CertificateVerify", Self::read)
    }

    fn read(r: &mut Reader<'a>) -> Result<Self, Error> {
        let scheme = SignatureScheme::from_wire(r.u16()?);
        let signature = r.bytes_u16()?;
        if signature.is_empty() {
            return Err(Error::decode("CertificateVerify signature"));
        }
        Ok(Self { scheme, signature })
    }
}

impl HandshakeBody for CertificateVerify {
    const TYPE: HandshakeType = HandshakeType::CertificateVerify;

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let cv = CertificateVerifyRef::read(r)?;
        Ok(Self {
            scheme: cv.scheme,
            signature: cv.signature.to_vec(),
        })
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        put_u16(out, self.scheme.to_wire());
        put_u16_len(out, |o| o.extend_from_slice(&self.signature));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_in_place_agrees_with_the_owned_decode() {
        let owned = CertificateVerify {
            scheme: SignatureScheme::ED25519,
            signature: vec![5; 64],
        };
        let mut body = Vec::new();
        owned.encode_body(&mut body);
        let view = CertificateVerifyRef::decode(&body).unwrap();
        assert_eq!(
            (view.scheme, view.signature),
            (owned.scheme, &owned.signature[..])
        );
        for cut in 0..body.len() {
            assert_eq!(
                CertificateVerifyRef::decode(&body[..cut]).err(),
                CertificateVerify::decode(&body[..cut]).err()
            );
        }
        body.push(0);
        assert!(CertificateVerifyRef::decode(&body).is_err());
    }
}
