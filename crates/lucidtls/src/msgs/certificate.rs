//! Certificate (TLS 1.3 form, RFC 8446 §4.4.2; TLS 1.2 form, RFC 5246 §7.4.2).

use super::codec::{put_u24_len, put_u8_len, Reader};
use super::extensions::{ExtContext, Extensions};
use super::handshake::{encode_handshake, HandshakeBody};
use crate::enums::HandshakeType;
use crate::error::Error;
use rustls_pki_types::CertificateDer;

/// One certificate of a TLS 1.3 chain, with its per-entry extensions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateEntry {
    /// DER bytes.
    pub cert: CertificateDer<'static>,
    /// Entry extensions (status_request, SCTs…).
    pub extensions: Extensions,
}

/// A TLS 1.3 Certificate message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate13 {
    /// certificate_request_context (empty in the handshake).
    pub context: Vec<u8>,
    /// The chain, end entity first.
    pub entries: Vec<CertificateEntry>,
}

impl Certificate13 {
    /// Builds a message from a chain, with no entry extensions.
    pub fn from_chain(context: Vec<u8>, chain: &[CertificateDer<'static>]) -> Self {
        let entries = chain
            .iter()
            .map(|c| CertificateEntry {
                cert: c.clone(),
                extensions: Extensions::default(),
            })
            .collect();
        Self { context, entries }
    }

    /// The whole message (header included) for `chain` with no entry extensions,
    /// encoded straight from the borrowed certificates: the same bytes as
    /// `from_chain(context, chain).encode()` without copying the chain first.
    pub fn encode_chain(context: &[u8], chain: &[CertificateDer<'_>]) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + Self::chain_body_len(context, chain));
        encode_handshake(HandshakeType::Certificate, &mut out, |out| {
            Self::encode_chain_body(context, chain, out)
        });
        out
    }

    /// The body alone of [`Certificate13::encode_chain`]'s message, written into `out`.
    pub fn encode_chain_body(context: &[u8], chain: &[CertificateDer<'_>], out: &mut Vec<u8>) {
        out.reserve(Self::chain_body_len(context, chain));
        put_u8_len(out, |o| o.extend_from_slice(context));
        put_u24_len(out, |o| {
            for cert in chain {
                put_u24_len(o, |o| o.extend_from_slice(cert.as_ref()));
                // No entry extensions: an empty list.
                o.extend_from_slice(&[0, 0]);
            }
        });
    }

    fn chain_body_len(context: &[u8], chain: &[CertificateDer<'_>]) -> usize {
        let entries: usize = chain.iter().map(|c| 3 + c.as_ref().len() + 2).sum();
        1 + context.len() + 3 + entries
    }

    /// The chain's DER certificates, end entity first, moved out of the message
    /// (no copy of the certificates).
    pub fn into_chain(self) -> Vec<CertificateDer<'static>> {
        self.entries.into_iter().map(|e| e.cert).collect()
    }

    /// The chain's DER certificates, end entity first.
    pub fn chain(&self) -> Vec<CertificateDer<'static>> {
        self.entries.iter().map(|e| e.cert.clone()).collect()
    }
}

impl HandshakeBody for Certificate13 {
    const TYPE: HandshakeType = HandshakeType::Certificate;

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let context = r.bytes_u8()?.to_vec();
        let mut list = r.sub_u24()?;
        let mut entries = Vec::new();
        while !list.is_empty() {
            let der = list.bytes_u24()?;
            if der.is_empty() {
                return Err(Error::decode("Certificate entry"));
            }
            let extensions = Extensions::read(&mut list, ExtContext::Certificate)?;
            entries.push(CertificateEntry {
                cert: CertificateDer::from(der.to_vec()),
                extensions,
            });
        }
        Ok(Self { context, entries })
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        put_u8_len(out, |o| o.extend_from_slice(&self.context));
        put_u24_len(out, |o| {
            for e in &self.entries {
                put_u24_len(o, |o| o.extend_from_slice(e.cert.as_ref()));
                e.extensions.encode(o);
            }
        });
    }
}
