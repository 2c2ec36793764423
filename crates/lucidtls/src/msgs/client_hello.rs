//! ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2).

use super::codec::{put_u16, put_u16_len, put_u8_len, Reader};
use super::extensions::{ExtContext, Extension, Extensions, PskOffer};
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

impl ClientHello {
    /// The pre_shared_key offer, when it is the last extension (where RFC 8446
    /// §4.2.11 requires it, and where the binders must be for the cut below to work).
    pub fn psk_offer_last(&self) -> Option<&PskOffer> {
        match self.extensions.0.last() {
            Some(Extension::PreSharedKeyOffer(offer)) => Some(offer),
            _ => None,
        }
    }

    /// The whole encoding (header included) cut just before the PSK binders list:
    /// what the binders are computed over (RFC 8446 §4.2.11.2). The length fields
    /// keep the values they have with the binders present, as the RFC requires, so
    /// the binders must already have their final lengths (placeholders will do).
    /// `None` without a pre_shared_key extension at the end.
    pub fn encode_for_binders(&self) -> Option<Vec<u8>> {
        let cut = self.psk_offer_last()?.binders_len();
        let mut whole = self.encode();
        let keep = whole.len().checked_sub(cut)?;
        whole.truncate(keep);
        Some(whole)
    }

    /// The same cut applied to `raw`, the bytes (header included) this ClientHello
    /// was decoded from: a received hello is hashed as it arrived. Strict decoding
    /// guarantees that the binders list is the last thing in `raw`.
    pub fn binder_prefix<'a>(&self, raw: &'a [u8]) -> Option<&'a [u8]> {
        let cut = self.psk_offer_last()?.binders_len();
        raw.get(..raw.len().checked_sub(cut)?)
    }

    /// Replaces the binders of the pre_shared_key offer; `false` (and no change)
    /// when there is no offer at the end or the count differs.
    pub fn set_psk_binders(&mut self, binders: Vec<Vec<u8>>) -> bool {
        match self.extensions.0.last_mut() {
            Some(Extension::PreSharedKeyOffer(offer)) if offer.binders.len() == binders.len() => {
                offer.binders = binders;
                true
            }
            _ => false,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::PskIdentity;

    fn hello_with_psk(binders: Vec<Vec<u8>>) -> ClientHello {
        let mut extensions = Extensions::default();
        extensions.push(Extension::ExtendedMasterSecret);
        extensions.push(Extension::PreSharedKeyOffer(PskOffer {
            identities: binders
                .iter()
                .enumerate()
                .map(|(i, _)| PskIdentity {
                    identity: vec![i as u8 + 1; 5],
                    obfuscated_ticket_age: 7,
                })
                .collect(),
            binders,
        }));
        ClientHello {
            legacy_version: 0x0303,
            random: [9; 32],
            session_id: vec![1; 32],
            cipher_suites: vec![CipherSuite::TLS13_AES_128_GCM_SHA256],
            compression_methods: vec![0],
            extensions,
        }
    }

    #[test]
    fn binder_cut_leaves_out_exactly_the_binders_list() {
        let ch = hello_with_psk(vec![vec![0xaa; 32], vec![0xbb; 48]]);
        let whole = ch.encode();
        let prefix = ch.encode_for_binders().unwrap();
        // binders list: 2-byte length, then 1+32 and 1+48 bytes.
        assert_eq!(whole.len() - prefix.len(), 2 + 33 + 49);
        assert_eq!(&whole[..prefix.len()], &prefix[..]);
        assert_eq!(&whole[prefix.len()..prefix.len() + 3], &[0, 82, 32]);
        // The header still announces the whole message.
        assert_eq!(&prefix[1..4], &whole[1..4]);
        // Cutting the received bytes gives the same prefix.
        let decoded = ClientHello::decode(&whole[4..]).unwrap();
        assert_eq!(decoded.binder_prefix(&whole).unwrap(), &prefix[..]);
    }

    #[test]
    fn new_binders_keep_the_prefix() {
        let mut ch = hello_with_psk(vec![vec![0; 32]]);
        let before = ch.encode_for_binders().unwrap();
        assert!(ch.set_psk_binders(vec![vec![0x55; 32]]));
        assert_eq!(ch.encode_for_binders().unwrap(), before);
        assert!(ch.encode().ends_with(&[0x55; 32]));
        assert!(!ch.set_psk_binders(vec![vec![1; 32], vec![2; 32]]));
    }

    #[test]
    fn no_offer_no_cut() {
        let mut ch = hello_with_psk(vec![vec![0; 32]]);
        ch.extensions.push(Extension::EncryptThenMac);
        assert!(ch.encode_for_binders().is_none());
        assert!(ch.binder_prefix(&[0; 8]).is_none());
    }
}
