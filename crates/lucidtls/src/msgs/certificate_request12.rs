//! CertificateRequest, TLS 1.2 form (RFC 5246 §7.4.4).

use super::codec::{put_u16, put_u16_len, put_u8_len, Reader};
use super::handshake::HandshakeBody;
use crate::enums::{HandshakeType, SignatureScheme};
use crate::error::Error;

/// `ClientCertificateType.rsa_sign`.
pub const RSA_SIGN: u8 = 1;
/// `ClientCertificateType.ecdsa_sign` (RFC 8422 §5.5).
pub const ECDSA_SIGN: u8 = 64;

/// A TLS 1.2 CertificateRequest: the server asks the client for a certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateRequest12 {
    /// `ClientCertificateType certificate_types<1..2^8-1>` (e.g. [`RSA_SIGN`], [`ECDSA_SIGN`]).
    pub certificate_types: Vec<u8>,
    /// `SignatureAndHashAlgorithm supported_signature_algorithms<2..2^16-2>`.
    pub schemes: Vec<SignatureScheme>,
    /// `DistinguishedName certificate_authorities<0..2^16-1>`: DER-encoded names, each
    /// non-empty (`DistinguishedName<1..2^16-1>`).
    pub authorities: Vec<Vec<u8>>,
}

impl HandshakeBody for CertificateRequest12 {
    const TYPE: HandshakeType = HandshakeType::CertificateRequest;

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let certificate_types = r.bytes_u8()?;
        if certificate_types.is_empty() {
            return Err(Error::decode("CertificateRequest certificate types"));
        }
        let schemes = r.u16_list(SignatureScheme::from_wire)?;
        let mut list = r.sub_u16()?;
        let mut authorities = Vec::new();
        while !list.is_empty() {
            let dn = list.bytes_u16()?;
            if dn.is_empty() {
                return Err(Error::decode("CertificateRequest distinguished name"));
            }
            authorities.push(dn.to_vec());
        }
        Ok(Self {
            certificate_types: certificate_types.to_vec(),
            schemes,
            authorities,
        })
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        put_u8_len(out, |o| o.extend_from_slice(&self.certificate_types));
        put_u16_len(out, |o| {
            for s in &self.schemes {
                put_u16(o, s.to_wire());
            }
        });
        put_u16_len(out, |o| {
            for dn in &self.authorities {
                put_u16_len(o, |o| o.extend_from_slice(dn));
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_strict(msg: &CertificateRequest12) -> Vec<u8> {
        let mut body = Vec::new();
        msg.encode_body(&mut body);
        assert_eq!(&CertificateRequest12::decode(&body).unwrap(), msg);
        for n in 0..body.len() {
            assert!(
                CertificateRequest12::decode(&body[..n]).is_err(),
                "prefix {n}"
            );
        }
        let mut long = body.clone();
        long.push(0);
        assert!(CertificateRequest12::decode(&long).is_err());
        body
    }

    #[test]
    fn round_trip() {
        let msg = CertificateRequest12 {
            certificate_types: vec![RSA_SIGN, ECDSA_SIGN],
            schemes: vec![
                SignatureScheme::ECDSA_NISTP256_SHA256,
                SignatureScheme::RSA_PSS_RSAE_SHA256,
                SignatureScheme::Unknown(0x0102),
            ],
            authorities: vec![vec![0x30, 0x00], vec![0x30; 40]],
        };
        let body = check_strict(&msg);
        assert_eq!(&body[..12], &[2, 1, 64, 0, 6, 4, 3, 8, 4, 1, 2, 0]);
        assert_eq!(&body[12..17], &[46, 0, 2, 0x30, 0x00]);
        assert_eq!(msg.encode()[0], 13);
    }

    #[test]
    fn no_authorities() {
        let msg = CertificateRequest12 {
            certificate_types: vec![ECDSA_SIGN],
            schemes: vec![SignatureScheme::ED25519],
            authorities: vec![],
        };
        assert_eq!(check_strict(&msg), [1, 64, 0, 2, 8, 7, 0, 0]);
    }

    #[test]
    fn empty_lists_are_rejected() {
        // No certificate types.
        assert_eq!(
            CertificateRequest12::decode(&[0, 0, 2, 8, 7, 0, 0]),
            Err(Error::decode("CertificateRequest certificate types"))
        );
        // No schemes.
        assert!(CertificateRequest12::decode(&[1, 64, 0, 0, 0, 0]).is_err());
        // Odd scheme list.
        assert!(CertificateRequest12::decode(&[1, 64, 0, 3, 8, 7, 1, 0, 0]).is_err());
        // Empty distinguished name.
        assert_eq!(
            CertificateRequest12::decode(&[1, 64, 0, 2, 8, 7, 0, 2, 0, 0]),
            Err(Error::decode("CertificateRequest distinguished name"))
        );
    }
}
