//! ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2).

use super::codec::{put_u16, put_u16_len, put_u8_len, LenPrefix, Reader};
use super::extensions::{
    ExtContext, Extension, Extensions, ExtensionsRef, ExtensionsWriter, PskOffer, PskOfferRef,
};
use super::handshake::HandshakeBody;
use super::wire_list::WireList;
use crate::enums::{CipherSuite, ExtensionType, HandshakeType};
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

impl ClientHello {
    /// Begins a ClientHello, header included, at the end of `out`, written straight
    /// from borrowed values: the fixed fields (the null compression method alone, which
    /// is all we offer), then the extensions the returned writer adds; its `finish`
    /// completes the message. The same bytes as [`HandshakeBody::encode`] of the
    /// ClientHello with these fields.
    pub fn writer<'o>(
        out: &'o mut Vec<u8>,
        legacy_version: u16,
        random: &[u8; 32],
        session_id: &[u8],
        cipher_suites: impl Iterator<Item = CipherSuite>,
    ) -> ExtensionsWriter<'o> {
        out.push(HandshakeType::ClientHello.to_wire());
        let message = LenPrefix::open(out, 3);
        put_u16(out, legacy_version);
        out.extend_from_slice(random);
        put_u8_len(out, |o| o.extend_from_slice(session_id));
        put_u16_len(out, |o| cipher_suites.for_each(|s| put_u16(o, s.to_wire())));
        put_u8_len(out, |o| o.push(0));
        ExtensionsWriter::ending_message(out, message)
    }
}

/// A ClientHello read in place: every field and extension is lent from the message,
/// checked as strictly as [`ClientHello`]'s decoding checks it (which goes through
/// this). A server reads the hellos it receives this way.
#[derive(Clone, Copy, Debug)]
pub struct ClientHelloRef<'a> {
    /// legacy_version (0x0303 for TLS 1.2 and 1.3).
    pub legacy_version: u16,
    /// 32 random bytes.
    pub random: [u8; 32],
    /// legacy_session_id (0..=32 bytes).
    pub session_id: &'a [u8],
    /// Offered cipher suites, in preference order.
    pub cipher_suites: WireList<'a, CipherSuite>,
    /// Offered compression methods (we only ever accept null = 0).
    pub compression_methods: &'a [u8],
    /// Extensions, in order.
    pub extensions: ExtensionsRef<'a>,
}

impl<'a> ClientHelloRef<'a> {
    /// Decodes a ClientHello body, failing on trailing bytes.
    pub fn decode(body: &'a [u8]) -> Result<Self, Error> {
        Reader::read_all(body, "ClientHello", Self::read)
    }

    fn read(r: &mut Reader<'a>) -> Result<Self, Error> {
        let legacy_version = r.u16()?;
        let random = r.array()?;
        let session_id = r.bytes_u8()?;
        if session_id.len() > 32 {
            return Err(Error::decode("ClientHello session id"));
        }
        let cipher_suites =
            WireList::read(r.sub_u16_codes()?, |r| Ok(CipherSuite::from_wire(r.u16()?)))?;
        let compression_methods = r.bytes_u8()?;
        if compression_methods.is_empty() {
            return Err(Error::decode("ClientHello compression methods"));
        }
        let extensions = ExtensionsRef::read_optional(r, ExtContext::ClientHello)?;
        Ok(Self {
            legacy_version,
            random,
            session_id,
            cipher_suites,
            compression_methods,
            extensions,
        })
    }

    /// The owned ClientHello.
    pub fn to_owned(&self) -> ClientHello {
        ClientHello {
            legacy_version: self.legacy_version,
            random: self.random,
            session_id: self.session_id.to_vec(),
            cipher_suites: self.cipher_suites.to_vec(),
            compression_methods: self.compression_methods.to_vec(),
            extensions: self.extensions.to_owned(),
        }
    }

    /// The pre_shared_key offer; decoding made sure it is the last extension.
    pub fn psk_offer_last(&self) -> Option<PskOfferRef<'a>> {
        self.extensions.psk_offer()
    }

    /// As [`ClientHello::binder_prefix`]: `raw` (the bytes this hello was decoded from,
    /// header included) cut before the binders list.
    pub fn binder_prefix<'r>(&self, raw: &'r [u8]) -> Option<&'r [u8]> {
        let cut = self.psk_offer_last()?.binders_len();
        raw.get(..raw.len().checked_sub(cut)?)
    }
}

/// What a ClientHello offers, read in place from its encoding: for checking a
/// server's answer against the hello we sent without keeping a decoded copy.
#[derive(Clone, Copy, Debug)]
pub struct OfferedHello<'a> {
    cipher_suites: &'a [u8],
    extensions: &'a [u8],
}

impl<'a> OfferedHello<'a> {
    /// Reads a whole ClientHello message (header included).
    pub fn read(message: &'a [u8]) -> Result<Self, Error> {
        let mut r = Reader::new(message.get(4..).unwrap_or_default(), "ClientHello");
        r.u16()?;
        r.take(32)?;
        r.bytes_u8()?;
        let cipher_suites = r.bytes_u16()?;
        r.bytes_u8()?;
        let extensions = if r.is_empty() {
            &[][..]
        } else {
            r.bytes_u16()?
        };
        Ok(Self {
            cipher_suites,
            extensions,
        })
    }

    /// Whether `suite` is among the offered cipher suites.
    pub fn offers_suite(&self, suite: CipherSuite) -> bool {
        self.cipher_suites.chunks_exact(2).any(
            |c| matches!(*c, [a, b] if CipherSuite::from_wire(u16::from_be_bytes([a, b])) == suite),
        )
    }

    /// Whether an extension of type `typ` was offered.
    pub fn has_extension(&self, typ: ExtensionType) -> bool {
        let mut r = Reader::new(self.extensions, "ClientHello extensions");
        while let (Ok(t), Ok(_)) = (r.u16(), r.bytes_u16()) {
            if ExtensionType::from_wire(t) == typ {
                return true;
            }
        }
        false
    }
}

impl HandshakeBody for ClientHello {
    const TYPE: HandshakeType = HandshakeType::ClientHello;

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        Ok(ClientHelloRef::read(r)?.to_owned())
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

    #[test]
    fn writer_writes_what_the_owned_hello_encodes() {
        let owned = hello_with_psk(vec![vec![0; 32]]);
        let mut written = Vec::new();
        let mut w = ClientHello::writer(
            &mut written,
            0x0303,
            &owned.random,
            &owned.session_id,
            owned.cipher_suites.iter().copied(),
        );
        w.extended_master_secret();
        let tail = w.psk_offer_placeholder(&[1; 5], 7, 32);
        w.finish();
        assert_eq!(written, owned.encode());
        assert_eq!(
            written.len() - tail,
            owned.encode_for_binders().unwrap().len()
        );
        let offered = OfferedHello::read(&written).unwrap();
        assert!(offered.offers_suite(CipherSuite::TLS13_AES_128_GCM_SHA256));
        assert!(!offered.offers_suite(CipherSuite::TLS13_AES_256_GCM_SHA384));
        assert!(offered.has_extension(ExtensionType::PreSharedKey));
        assert!(!offered.has_extension(ExtensionType::Cookie));
    }

    #[test]
    fn read_in_place_agrees_with_the_owned_decode() {
        let whole = hello_with_psk(vec![vec![0xaa; 32]]).encode();
        let view = ClientHelloRef::decode(&whole[4..]).unwrap();
        let owned = ClientHello::decode(&whole[4..]).unwrap();
        assert_eq!(view.to_owned(), owned);
        assert_eq!(view.binder_prefix(&whole), owned.binder_prefix(&whole));
        for cut in 4..whole.len() {
            assert_eq!(
                ClientHelloRef::decode(&whole[4..cut]).err(),
                ClientHello::decode(&whole[4..cut]).err(),
                "cut at {cut}"
            );
        }
    }
}
