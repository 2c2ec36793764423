//! Extension blocks written in place, from borrowed values (our own hellos).

use super::*;

/// Extension bodies written from borrowed values: shared by [`Extension::encode`] and
/// [`ExtensionsWriter`], so both write the same bytes.
pub(super) mod body {
    use crate::enums::NamedGroup;
    use crate::msgs::codec::{put_u16, put_u16_len, put_u8_len};

    /// server_name with one host_name entry (RFC 6066 §3).
    pub(in crate::msgs::extensions) fn server_name(out: &mut Vec<u8>, host: &str) {
        put_u16_len(out, |o| {
            o.push(0); // host_name
            put_u16_len(o, |o| o.extend_from_slice(host.as_bytes()));
        })
    }

    /// A list of 16-bit code points behind a `width`-byte length.
    pub(in crate::msgs::extensions) fn u16_codes(
        out: &mut Vec<u8>,
        width: usize,
        codes: impl Iterator<Item = u16>,
    ) {
        let write = |o: &mut Vec<u8>| codes.for_each(|c| put_u16(o, c));
        if width == 1 {
            put_u8_len(out, write)
        } else {
            put_u16_len(out, write)
        }
    }

    /// ALPN protocol names.
    pub(in crate::msgs::extensions) fn alpn<'p>(
        out: &mut Vec<u8>,
        protocols: impl Iterator<Item = &'p [u8]>,
    ) {
        put_u16_len(out, |o| {
            for p in protocols {
                put_u8_len(o, |o| o.extend_from_slice(p));
            }
        })
    }

    /// One key_share entry.
    pub(in crate::msgs::extensions) fn key_share_entry(
        out: &mut Vec<u8>,
        group: NamedGroup,
        share: &[u8],
    ) {
        put_u16(out, group.to_wire());
        put_u16_len(out, |o| o.extend_from_slice(share));
    }

    /// The key_share list of a ClientHello.
    pub(in crate::msgs::extensions) fn key_shares<'s>(
        out: &mut Vec<u8>,
        entries: impl Iterator<Item = (NamedGroup, &'s [u8])>,
    ) {
        put_u16_len(out, |o| {
            entries.for_each(|(group, share)| key_share_entry(o, group, share))
        })
    }

    /// pre_shared_key as offered: (identity, obfuscated age) pairs, then the binders.
    pub(in crate::msgs::extensions) fn psk_offer<'i, 'b>(
        out: &mut Vec<u8>,
        identities: impl Iterator<Item = (&'i [u8], u32)>,
        binders: impl Iterator<Item = &'b [u8]>,
    ) {
        psk_identities(out, identities);
        put_u16_len(out, |o| {
            for b in binders {
                put_u8_len(o, |o| o.extend_from_slice(b));
            }
        });
    }

    /// The identities list of pre_shared_key as offered.
    pub(in crate::msgs::extensions) fn psk_identities<'i>(
        out: &mut Vec<u8>,
        identities: impl Iterator<Item = (&'i [u8], u32)>,
    ) {
        put_u16_len(out, |o| {
            for (identity, age) in identities {
                put_u16_len(o, |o| o.extend_from_slice(identity));
                o.extend_from_slice(&age.to_be_bytes());
            }
        });
    }
}

/// An extension block written straight into a message, one extension at a time, from
/// borrowed values: how our own hellos are built, with no [`Extension`] (and no
/// allocation) per entry. Each method writes what the [`Extension`] variant it names
/// encodes; [`ExtensionsWriter::finish`] fills the lengths in.
#[derive(Debug)]
pub struct ExtensionsWriter<'o> {
    out: &'o mut Vec<u8>,
    block: LenPrefix,
    /// The message length, for a writer that also began the message.
    message: Option<LenPrefix>,
}

impl<'o> ExtensionsWriter<'o> {
    /// Starts an extension block at the end of `out`.
    pub fn new(out: &'o mut Vec<u8>) -> Self {
        let block = LenPrefix::open(out, 2);
        Self {
            out,
            block,
            message: None,
        }
    }

    /// Starts the extension block that ends a message whose length prefix is `message`:
    /// [`ExtensionsWriter::finish`] fills that in too.
    pub(crate) fn ending_message(out: &'o mut Vec<u8>, message: LenPrefix) -> Self {
        let mut w = Self::new(out);
        w.message = Some(message);
        w
    }

    /// Fills in the block's length (and the message's, if it began the message).
    pub fn finish(self) {
        self.block.close(self.out);
        if let Some(message) = self.message {
            message.close(self.out);
        }
    }

    fn ext(&mut self, typ: ExtensionType, body: impl FnOnce(&mut Vec<u8>)) {
        put_u16(self.out, typ.to_wire());
        put_u16_len(self.out, body);
    }

    /// [`Extension::ServerName`] with a host name.
    pub fn server_name(&mut self, host: &str) {
        self.ext(ExtensionType::ServerName, |o| body::server_name(o, host));
    }

    /// [`Extension::ServerName`] as an acknowledgement (empty).
    pub fn server_name_ack(&mut self) {
        self.ext(ExtensionType::ServerName, |_| {});
    }

    /// [`Extension::SupportedVersionsOffer`].
    pub fn supported_versions_offer(&mut self, versions: &[ProtocolVersion]) {
        self.ext(ExtensionType::SupportedVersions, |o| {
            body::u16_codes(o, 1, versions.iter().map(|v| v.to_wire()))
        });
    }

    /// [`Extension::SupportedVersionSelected`].
    pub fn supported_version_selected(&mut self, version: ProtocolVersion) {
        self.ext(ExtensionType::SupportedVersions, |o| {
            put_u16(o, version.to_wire())
        });
    }

    /// [`Extension::SupportedGroups`].
    pub fn supported_groups(&mut self, groups: &[NamedGroup]) {
        self.ext(ExtensionType::SupportedGroups, |o| {
            body::u16_codes(o, 2, groups.iter().map(|g| g.to_wire()))
        });
    }

    /// [`Extension::SignatureAlgorithms`].
    pub fn signature_algorithms(&mut self, schemes: &[SignatureScheme]) {
        self.ext(ExtensionType::SignatureAlgorithms, |o| {
            body::u16_codes(o, 2, schemes.iter().map(|s| s.to_wire()))
        });
    }

    /// [`Extension::KeyShareOffer`]: (group, public share) pairs.
    pub fn key_share_offer<'s>(&mut self, entries: impl Iterator<Item = (NamedGroup, &'s [u8])>) {
        self.ext(ExtensionType::KeyShare, |o| body::key_shares(o, entries));
    }

    /// [`Extension::KeyShareEntry`].
    pub fn key_share_entry(&mut self, group: NamedGroup, share: &[u8]) {
        self.ext(ExtensionType::KeyShare, |o| {
            body::key_share_entry(o, group, share)
        });
    }

    /// [`Extension::KeyShareRetry`].
    pub fn key_share_retry(&mut self, group: NamedGroup) {
        self.ext(ExtensionType::KeyShare, |o| put_u16(o, group.to_wire()));
    }

    /// [`Extension::PskKeyExchangeModes`].
    pub fn psk_modes(&mut self, modes: &[PskKeyExchangeMode]) {
        self.ext(ExtensionType::PskKeyExchangeModes, |o| {
            put_u8_len(o, |o| modes.iter().for_each(|m| o.push(m.to_wire())))
        });
    }

    /// [`Extension::EcPointFormats`].
    pub fn ec_point_formats(&mut self, formats: &[u8]) {
        self.ext(ExtensionType::EcPointFormats, |o| {
            put_u8_len(o, |o| o.extend_from_slice(formats))
        });
    }

    /// [`Extension::ExtendedMasterSecret`].
    pub fn extended_master_secret(&mut self) {
        self.ext(ExtensionType::ExtendedMasterSecret, |_| {});
    }

    /// [`Extension::EncryptThenMac`].
    pub fn encrypt_then_mac(&mut self) {
        self.ext(ExtensionType::EncryptThenMac, |_| {});
    }

    /// [`Extension::RenegotiationInfo`].
    pub fn renegotiation_info(&mut self, data: &[u8]) {
        self.ext(ExtensionType::RenegotiationInfo, |o| {
            put_u8_len(o, |o| o.extend_from_slice(data))
        });
    }

    /// [`Extension::SessionTicket`].
    pub fn session_ticket(&mut self, ticket: &[u8]) {
        self.ext(ExtensionType::SessionTicket, |o| {
            o.extend_from_slice(ticket)
        });
    }

    /// [`Extension::Alpn`]: the offered list, or the one protocol a server selects.
    pub fn alpn<'p>(&mut self, protocols: impl Iterator<Item = &'p [u8]>) {
        self.ext(ExtensionType::Alpn, |o| body::alpn(o, protocols));
    }

    /// [`Extension::Cookie`].
    pub fn cookie(&mut self, cookie: &[u8]) {
        self.ext(ExtensionType::Cookie, |o| {
            put_u16_len(o, |o| o.extend_from_slice(cookie))
        });
    }

    /// [`Extension::PreSharedKeySelected`].
    pub fn psk_selected(&mut self, index: u16) {
        self.ext(ExtensionType::PreSharedKey, |o| put_u16(o, index));
    }

    /// [`Extension::PreSharedKeyOffer`] with one identity and a binder of zeros,
    /// `binder_len` long, for the caller to overwrite once the message is complete
    /// (the binder covers the message up to the binders list, RFC 8446 §4.2.11.2).
    /// Must be the last extension (RFC 8446 §4.2.11). Returns the length of the
    /// binders list, its prefix included: the tail of the message the binder skips.
    pub fn psk_offer_placeholder(
        &mut self,
        identity: &[u8],
        obfuscated_age: u32,
        binder_len: usize,
    ) -> usize {
        self.ext(ExtensionType::PreSharedKey, |o| {
            body::psk_identities(o, std::iter::once((identity, obfuscated_age)));
            put_u16_len(o, |o| put_u8_len(o, |o| o.resize(o.len() + binder_len, 0)));
        });
        2 + 1 + binder_len
    }
}
