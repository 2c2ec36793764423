//! Certificate, TLS 1.2 form (RFC 5246 §7.4.2, §7.4.6): a bare list of DER certificates.

use super::codec::{put_u24_len, Reader};
use super::handshake::{encode_handshake, HandshakeBody};
use crate::enums::HandshakeType;
use crate::error::Error;
use rustls_pki_types::CertificateDer;

/// A TLS 1.2 Certificate message: `ASN.1Cert certificate_list<0..2^24-1>`.
///
/// An empty chain is well-formed: a client with no suitable certificate answers a
/// CertificateRequest with one (RFC 5246 §7.4.6). Whether it is acceptable is for the
/// handshake to decide. An empty certificate inside the list is a decode error
/// (`ASN.1Cert<1..2^24-1>`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Certificate12 {
    /// The chain, end entity first.
    pub chain: Vec<CertificateDer<'static>>,
}

impl Certificate12 {
    /// Builds a message from a chain.
    pub fn from_chain(chain: &[CertificateDer<'static>]) -> Self {
        Self {
            chain: chain.to_vec(),
        }
    }
}

impl HandshakeBody for Certificate12 {
    const TYPE: HandshakeType = HandshakeType::Certificate;

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let mut list = r.sub_u24()?;
        let mut chain = Vec::new();
        while !list.is_empty() {
            let der = list.bytes_u24()?;
            if der.is_empty() {
                return Err(Error::decode("Certificate entry"));
            }
            chain.push(CertificateDer::from(der.to_vec()));
        }
        Ok(Self { chain })
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        Self::encode_chain_body(&self.chain, out);
    }
}

impl Certificate12 {
    /// The whole message (header included) for `chain`, encoded straight from the
    /// borrowed certificates: the same bytes as `from_chain(chain).encode()` without
    /// copying the chain into a message first.
    pub fn encode_chain(chain: &[CertificateDer<'_>]) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + Self::chain_body_len(chain));
        encode_handshake(HandshakeType::Certificate, &mut out, |o| {
            Self::encode_chain_body(chain, o)
        });
        out
    }

    fn chain_body_len(chain: &[CertificateDer<'_>]) -> usize {
        3 + chain.iter().map(|c| 3 + c.as_ref().len()).sum::<usize>()
    }

    /// The body alone of [`Certificate12::encode_chain`]'s message, written into `out`.
    pub fn encode_chain_body(chain: &[CertificateDer<'_>], out: &mut Vec<u8>) {
        out.reserve(Self::chain_body_len(chain));
        put_u24_len(out, |o| {
            for cert in chain {
                put_u24_len(o, |o| o.extend_from_slice(cert.as_ref()));
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_strict(msg: &Certificate12) -> Vec<u8> {
        let mut body = Vec::new();
        msg.encode_body(&mut body);
        assert_eq!(&Certificate12::decode(&body).unwrap(), msg);
        for n in 0..body.len() {
            assert!(Certificate12::decode(&body[..n]).is_err(), "prefix {n}");
        }
        let mut long = body.clone();
        long.push(0);
        assert!(Certificate12::decode(&long).is_err());
        body
    }

    #[test]
    fn round_trip() {
        let msg = Certificate12::from_chain(&[
            CertificateDer::from(vec![0x30, 0x03, 1, 2, 3]),
            CertificateDer::from(vec![0x30; 300]),
        ]);
        let body = check_strict(&msg);
        assert_eq!(&body[..8], &[0, 1, 55, 0, 0, 5, 0x30, 0x03]);
        assert_eq!(body.len(), 3 + 3 + 5 + 3 + 300);
        let whole = msg.encode();
        assert_eq!(&whole[..4], &[11, 0, 1, 58]);
        assert_eq!(&whole[4..], &body[..]);
    }

    #[test]
    fn empty_chain_is_allowed() {
        let body = check_strict(&Certificate12::default());
        assert_eq!(body, [0, 0, 0]);
    }

    #[test]
    fn empty_certificate_is_rejected() {
        assert_eq!(
            Certificate12::decode(&[0, 0, 3, 0, 0, 0]),
            Err(Error::decode("Certificate entry"))
        );
        // An inner length running past the list is an error too.
        assert!(Certificate12::decode(&[0, 0, 4, 0, 0, 2, 1]).is_err());
    }
}
