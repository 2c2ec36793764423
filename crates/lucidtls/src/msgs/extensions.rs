//! Hello and other extensions: one enum, parsed according to the message that carries it.
//!
//! Which extensions may appear where follows RFC 8446 §4.2's table; a recognised
//! extension in a message that may not carry it is `illegal_parameter`. Unknown
//! extensions are kept as `Unknown` so the handshake can ignore (ClientHello) or
//! refuse (server messages) them.

use super::codec::{put_u16, put_u16_len, put_u8_len, Reader};
use crate::enums::{
    ExtensionType, HandshakeType, NamedGroup, ProtocolVersion, PskKeyExchangeMode, SignatureScheme,
};
use crate::error::Error;

/// One (group, public share) pair of the key_share extension.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyShareEntry {
    /// The group.
    pub group: NamedGroup,
    /// The public share bytes.
    pub share: Vec<u8>,
}

/// A PSK identity offered in a ClientHello.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PskIdentity {
    /// The ticket or external identity.
    pub identity: Vec<u8>,
    /// The obfuscated ticket age.
    pub obfuscated_ticket_age: u32,
}

/// The pre_shared_key extension as the client offers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PskOffer {
    /// Identities, in order.
    pub identities: Vec<PskIdentity>,
    /// One binder per identity.
    pub binders: Vec<Vec<u8>>,
}

impl PskOffer {
    /// Length of the encoded binders list, its 2-byte length prefix included: the
    /// tail of a ClientHello that the binders themselves do not cover.
    pub fn binders_len(&self) -> usize {
        2 + self.binders.iter().map(|b| 1 + b.len()).sum::<usize>()
    }
}

/// Which message an extension block belongs to; decides how bodies parse and what is allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtContext {
    /// ClientHello
    ClientHello,
    /// ServerHello (TLS 1.3 or 1.2)
    ServerHello,
    /// HelloRetryRequest
    HelloRetryRequest,
    /// EncryptedExtensions
    EncryptedExtensions,
    /// Certificate entry extensions (TLS 1.3)
    Certificate,
    /// CertificateRequest (TLS 1.3)
    CertificateRequest,
    /// NewSessionTicket (TLS 1.3)
    NewSessionTicket,
}

impl ExtContext {
    fn message(self) -> HandshakeType {
        match self {
            Self::ClientHello => HandshakeType::ClientHello,
            Self::ServerHello | Self::HelloRetryRequest => HandshakeType::ServerHello,
            Self::EncryptedExtensions => HandshakeType::EncryptedExtensions,
            Self::Certificate => HandshakeType::Certificate,
            Self::CertificateRequest => HandshakeType::CertificateRequest,
            Self::NewSessionTicket => HandshakeType::NewSessionTicket,
        }
    }
}

/// An extension with its parsed body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Extension {
    /// server_name: the host name in a ClientHello; `None` is the empty acknowledgement.
    ServerName(Option<String>),
    /// supported_groups
    SupportedGroups(Vec<NamedGroup>),
    /// ec_point_formats (TLS 1.2)
    EcPointFormats(Vec<u8>),
    /// signature_algorithms
    SignatureAlgorithms(Vec<SignatureScheme>),
    /// signature_algorithms_cert
    SignatureAlgorithmsCert(Vec<SignatureScheme>),
    /// ALPN: the offered list, or the one selected protocol in a server message.
    Alpn(Vec<Vec<u8>>),
    /// status_request (body kept raw)
    StatusRequest(Vec<u8>),
    /// padding of this many zero bytes
    Padding(usize),
    /// encrypt_then_mac
    EncryptThenMac,
    /// extended_master_secret
    ExtendedMasterSecret,
    /// record_size_limit
    RecordSizeLimit(u16),
    /// session_ticket (TLS 1.2)
    SessionTicket(Vec<u8>),
    /// pre_shared_key in a ClientHello
    PreSharedKeyOffer(PskOffer),
    /// pre_shared_key in a ServerHello: the selected identity index
    PreSharedKeySelected(u16),
    /// early_data (with max_early_data_size in NewSessionTicket)
    EarlyData(Option<u32>),
    /// supported_versions in a ClientHello
    SupportedVersionsOffer(Vec<ProtocolVersion>),
    /// supported_versions in a ServerHello/HelloRetryRequest
    SupportedVersionSelected(ProtocolVersion),
    /// cookie
    Cookie(Vec<u8>),
    /// psk_key_exchange_modes
    PskKeyExchangeModes(Vec<PskKeyExchangeMode>),
    /// certificate_authorities: DER distinguished names
    CertificateAuthorities(Vec<Vec<u8>>),
    /// post_handshake_auth
    PostHandshakeAuth,
    /// key_share in a ClientHello
    KeyShareOffer(Vec<KeyShareEntry>),
    /// key_share in a ServerHello
    KeyShareEntry(KeyShareEntry),
    /// key_share in a HelloRetryRequest: the group the server wants
    KeyShareRetry(NamedGroup),
    /// renegotiation_info
    RenegotiationInfo(Vec<u8>),
    /// An extension we do not interpret.
    Unknown {
        /// Its code point.
        typ: u16,
        /// Its body.
        body: Vec<u8>,
    },
}

impl Extension {
    /// The extension's code point.
    pub fn typ(&self) -> ExtensionType {
        use ExtensionType as T;
        match self {
            Self::ServerName(_) => T::ServerName,
            Self::SupportedGroups(_) => T::SupportedGroups,
            Self::EcPointFormats(_) => T::EcPointFormats,
            Self::SignatureAlgorithms(_) => T::SignatureAlgorithms,
            Self::SignatureAlgorithmsCert(_) => T::SignatureAlgorithmsCert,
            Self::Alpn(_) => T::Alpn,
            Self::StatusRequest(_) => T::StatusRequest,
            Self::Padding(_) => T::Padding,
            Self::EncryptThenMac => T::EncryptThenMac,
            Self::ExtendedMasterSecret => T::ExtendedMasterSecret,
            Self::RecordSizeLimit(_) => T::RecordSizeLimit,
            Self::SessionTicket(_) => T::SessionTicket,
            Self::PreSharedKeyOffer(_) | Self::PreSharedKeySelected(_) => T::PreSharedKey,
            Self::EarlyData(_) => T::EarlyData,
            Self::SupportedVersionsOffer(_) | Self::SupportedVersionSelected(_) => {
                T::SupportedVersions
            }
            Self::Cookie(_) => T::Cookie,
            Self::PskKeyExchangeModes(_) => T::PskKeyExchangeModes,
            Self::CertificateAuthorities(_) => T::CertificateAuthorities,
            Self::PostHandshakeAuth => T::PostHandshakeAuth,
            Self::KeyShareOffer(_) | Self::KeyShareEntry(_) | Self::KeyShareRetry(_) => T::KeyShare,
            Self::RenegotiationInfo(_) => T::RenegotiationInfo,
            Self::Unknown { typ, .. } => T::from_wire(*typ),
        }
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        match self {
            Self::ServerName(None)
            | Self::EncryptThenMac
            | Self::ExtendedMasterSecret
            | Self::PostHandshakeAuth
            | Self::EarlyData(None) => {}
            Self::ServerName(Some(name)) => put_u16_len(out, |o| {
                o.push(0); // host_name
                put_u16_len(o, |o| o.extend_from_slice(name.as_bytes()));
            }),
            Self::SupportedGroups(groups) => {
                put_u16_len(out, |o| groups.iter().for_each(|g| put_u16(o, g.to_wire())))
            }
            Self::EcPointFormats(formats) => put_u8_len(out, |o| o.extend_from_slice(formats)),
            Self::SignatureAlgorithms(s) | Self::SignatureAlgorithmsCert(s) => {
                put_u16_len(out, |o| s.iter().for_each(|s| put_u16(o, s.to_wire())))
            }
            Self::Alpn(protocols) => put_u16_len(out, |o| {
                for p in protocols {
                    put_u8_len(o, |o| o.extend_from_slice(p));
                }
            }),
            Self::StatusRequest(body) | Self::SessionTicket(body) => out.extend_from_slice(body),
            Self::Unknown { body, .. } => out.extend_from_slice(body),
            Self::Padding(n) => out.resize(out.len() + n, 0),
            Self::RecordSizeLimit(limit) => put_u16(out, *limit),
            Self::PreSharedKeyOffer(offer) => {
                put_u16_len(out, |o| {
                    for id in &offer.identities {
                        put_u16_len(o, |o| o.extend_from_slice(&id.identity));
                        o.extend_from_slice(&id.obfuscated_ticket_age.to_be_bytes());
                    }
                });
                put_u16_len(out, |o| {
                    for b in &offer.binders {
                        put_u8_len(o, |o| o.extend_from_slice(b));
                    }
                });
            }
            Self::PreSharedKeySelected(i) => put_u16(out, *i),
            Self::EarlyData(Some(max)) => out.extend_from_slice(&max.to_be_bytes()),
            Self::SupportedVersionsOffer(versions) => put_u8_len(out, |o| {
                versions.iter().for_each(|v| put_u16(o, v.to_wire()))
            }),
            Self::SupportedVersionSelected(v) => put_u16(out, v.to_wire()),
            Self::Cookie(c) => put_u16_len(out, |o| o.extend_from_slice(c)),
            Self::PskKeyExchangeModes(modes) => {
                put_u8_len(out, |o| modes.iter().for_each(|m| o.push(m.to_wire())))
            }
            Self::CertificateAuthorities(names) => put_u16_len(out, |o| {
                for n in names {
                    put_u16_len(o, |o| o.extend_from_slice(n));
                }
            }),
            Self::KeyShareOffer(entries) => put_u16_len(out, |o| {
                entries.iter().for_each(|e| encode_key_share_entry(e, o))
            }),
            Self::KeyShareEntry(entry) => encode_key_share_entry(entry, out),
            Self::KeyShareRetry(group) => put_u16(out, group.to_wire()),
            Self::RenegotiationInfo(data) => put_u8_len(out, |o| o.extend_from_slice(data)),
        }
    }

    /// Encodes type, length and body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_u16(out, self.typ().to_wire());
        put_u16_len(out, |o| self.encode_body(o));
    }
}

fn encode_key_share_entry(entry: &KeyShareEntry, out: &mut Vec<u8>) {
    put_u16(out, entry.group.to_wire());
    put_u16_len(out, |o| o.extend_from_slice(&entry.share));
}

fn read_key_share_entry(r: &mut Reader<'_>) -> Result<KeyShareEntry, Error> {
    let group = NamedGroup::from_wire(r.u16()?);
    let share = r.bytes_u16()?;
    if share.is_empty() {
        return Err(Error::decode("key_share entry"));
    }
    Ok(KeyShareEntry {
        group,
        share: share.to_vec(),
    })
}

/// Whether RFC 8446 §4.2 (plus the TLS 1.2 extensions in their hellos) lets `typ` appear in `ctx`.
/// Returns `None` when we do not know the extension at all.
fn allowed(typ: ExtensionType, ctx: ExtContext) -> Option<bool> {
    use ExtContext as C;
    use ExtensionType as T;
    let ok = match typ {
        T::ServerName => matches!(
            ctx,
            C::ClientHello | C::ServerHello | C::EncryptedExtensions
        ),
        T::StatusRequest => matches!(
            ctx,
            C::ClientHello | C::ServerHello | C::Certificate | C::CertificateRequest
        ),
        T::SupportedGroups => matches!(ctx, C::ClientHello | C::EncryptedExtensions),
        T::EcPointFormats
        | T::EncryptThenMac
        | T::ExtendedMasterSecret
        | T::SessionTicket
        | T::RenegotiationInfo => matches!(ctx, C::ClientHello | C::ServerHello),
        T::SignatureAlgorithms => matches!(ctx, C::ClientHello | C::CertificateRequest),
        T::SignatureAlgorithmsCert => matches!(ctx, C::ClientHello | C::CertificateRequest),
        T::Alpn => matches!(
            ctx,
            C::ClientHello | C::ServerHello | C::EncryptedExtensions
        ),
        T::SignedCertificateTimestamp => matches!(
            ctx,
            C::ClientHello | C::ServerHello | C::Certificate | C::CertificateRequest
        ),
        T::Padding => matches!(ctx, C::ClientHello),
        T::RecordSizeLimit => matches!(
            ctx,
            C::ClientHello | C::ServerHello | C::EncryptedExtensions
        ),
        T::PreSharedKey => matches!(ctx, C::ClientHello | C::ServerHello),
        T::EarlyData => matches!(
            ctx,
            C::ClientHello | C::EncryptedExtensions | C::NewSessionTicket
        ),
        T::SupportedVersions => {
            matches!(ctx, C::ClientHello | C::ServerHello | C::HelloRetryRequest)
        }
        T::Cookie => matches!(ctx, C::ClientHello | C::HelloRetryRequest),
        T::PskKeyExchangeModes | T::PostHandshakeAuth => matches!(ctx, C::ClientHello),
        T::CertificateAuthorities => matches!(ctx, C::ClientHello | C::CertificateRequest),
        T::KeyShare => matches!(ctx, C::ClientHello | C::ServerHello | C::HelloRetryRequest),
        T::CompressCertificate => matches!(ctx, C::ClientHello | C::CertificateRequest),
        _ => return None,
    };
    Some(ok)
}

fn read_body(typ: ExtensionType, ctx: ExtContext, body: &[u8]) -> Result<Extension, Error> {
    use ExtContext as C;
    use ExtensionType as T;
    let mut r = Reader::new(body, "extension");
    let ext = match (typ, ctx) {
        (T::ServerName, C::ClientHello) => {
            let mut list = r.sub_u16()?;
            let mut host = None;
            while !list.is_empty() {
                let kind = list.u8()?;
                let name = list.bytes_u16()?;
                if kind == 0 {
                    if host.is_some() {
                        return Err(Error::IllegalParameter("two host names in server_name"));
                    }
                    let name = std::str::from_utf8(name)
                        .ok()
                        .filter(|n| !n.is_empty() && n.is_ascii())
                        .ok_or(Error::decode("server_name host name"))?;
                    host = Some(name.to_string());
                }
            }
            // RFC 6066 §3: the list is never empty, and the only name type is host_name;
            // a list without one carries nothing we could use (or encode again).
            let host = host.ok_or(Error::decode("server_name without a host name"))?;
            Extension::ServerName(Some(host))
        }
        (T::ServerName, _) => Extension::ServerName(None),
        (T::SupportedGroups, _) => Extension::SupportedGroups(r.u16_list(NamedGroup::from_wire)?),
        (T::EcPointFormats, _) => {
            let f = r.bytes_u8()?;
            if f.is_empty() {
                return Err(Error::decode("ec_point_formats"));
            }
            Extension::EcPointFormats(f.to_vec())
        }
        (T::SignatureAlgorithms, _) => {
            Extension::SignatureAlgorithms(r.u16_list(SignatureScheme::from_wire)?)
        }
        (T::SignatureAlgorithmsCert, _) => {
            Extension::SignatureAlgorithmsCert(r.u16_list(SignatureScheme::from_wire)?)
        }
        (T::Alpn, _) => {
            let mut list = r.sub_u16()?;
            let mut protocols = Vec::new();
            while !list.is_empty() {
                let p = list.bytes_u8()?;
                if p.is_empty() {
                    return Err(Error::decode("ALPN protocol name"));
                }
                protocols.push(p.to_vec());
            }
            if protocols.is_empty() || (ctx != C::ClientHello && protocols.len() != 1) {
                return Err(Error::decode("ALPN list"));
            }
            Extension::Alpn(protocols)
        }
        (T::StatusRequest, _) => Extension::StatusRequest(r.rest().to_vec()),
        (T::Padding, _) => {
            let pad = r.rest();
            Extension::Padding(pad.len())
        }
        (T::EncryptThenMac, _) => Extension::EncryptThenMac,
        (T::ExtendedMasterSecret, _) => Extension::ExtendedMasterSecret,
        (T::PostHandshakeAuth, _) => Extension::PostHandshakeAuth,
        (T::RecordSizeLimit, _) => {
            let limit = r.u16()?;
            if limit < 64 {
                return Err(Error::IllegalParameter("record_size_limit below 64"));
            }
            Extension::RecordSizeLimit(limit)
        }
        (T::SessionTicket, _) => Extension::SessionTicket(r.rest().to_vec()),
        (T::PreSharedKey, C::ClientHello) => {
            let mut ids = r.sub_u16()?;
            let mut identities = Vec::new();
            while !ids.is_empty() {
                let identity = ids.bytes_u16()?.to_vec();
                if identity.is_empty() {
                    return Err(Error::decode("PSK identity"));
                }
                identities.push(PskIdentity {
                    identity,
                    obfuscated_ticket_age: ids.u32()?,
                });
            }
            let mut list = r.sub_u16()?;
            let mut binders = Vec::new();
            while !list.is_empty() {
                let b = list.bytes_u8()?;
                if b.len() < 32 {
                    return Err(Error::decode("PSK binder"));
                }
                binders.push(b.to_vec());
            }
            if identities.is_empty() || identities.len() != binders.len() {
                return Err(Error::IllegalParameter(
                    "PSK identities and binders do not pair up",
                ));
            }
            Extension::PreSharedKeyOffer(PskOffer {
                identities,
                binders,
            })
        }
        (T::PreSharedKey, _) => Extension::PreSharedKeySelected(r.u16()?),
        (T::EarlyData, C::NewSessionTicket) => Extension::EarlyData(Some(r.u32()?)),
        (T::EarlyData, _) => Extension::EarlyData(None),
        (T::SupportedVersions, C::ClientHello) => {
            let mut list = r.sub_u8()?;
            let mut versions = Vec::new();
            while !list.is_empty() {
                versions.push(ProtocolVersion::from_wire(list.u16()?));
            }
            if versions.is_empty() {
                return Err(Error::decode("supported_versions"));
            }
            Extension::SupportedVersionsOffer(versions)
        }
        (T::SupportedVersions, _) => {
            Extension::SupportedVersionSelected(ProtocolVersion::from_wire(r.u16()?))
        }
        (T::Cookie, _) => {
            let c = r.bytes_u16()?;
            if c.is_empty() {
                return Err(Error::decode("cookie"));
            }
            Extension::Cookie(c.to_vec())
        }
        (T::PskKeyExchangeModes, _) => {
            let modes = r.bytes_u8()?;
            if modes.is_empty() {
                return Err(Error::decode("psk_key_exchange_modes"));
            }
            Extension::PskKeyExchangeModes(
                modes
                    .iter()
                    .map(|m| PskKeyExchangeMode::from_wire(*m))
                    .collect(),
            )
        }
        (T::CertificateAuthorities, _) => {
            let mut list = r.sub_u16()?;
            let mut names = Vec::new();
            while !list.is_empty() {
                let n = list.bytes_u16()?;
                if n.is_empty() {
                    return Err(Error::decode("certificate_authorities"));
                }
                names.push(n.to_vec());
            }
            if names.is_empty() {
                return Err(Error::decode("certificate_authorities"));
            }
            Extension::CertificateAuthorities(names)
        }
        (T::KeyShare, C::ClientHello) => {
            let mut list = r.sub_u16()?;
            let mut entries = Vec::new();
            while !list.is_empty() {
                entries.push(read_key_share_entry(&mut list)?);
            }
            Extension::KeyShareOffer(entries)
        }
        (T::KeyShare, C::HelloRetryRequest) => {
            Extension::KeyShareRetry(NamedGroup::from_wire(r.u16()?))
        }
        (T::KeyShare, _) => Extension::KeyShareEntry(read_key_share_entry(&mut r)?),
        (T::RenegotiationInfo, _) => Extension::RenegotiationInfo(r.bytes_u8()?.to_vec()),
        (other, _) => Extension::Unknown {
            typ: other.to_wire(),
            body: r.rest().to_vec(),
        },
    };
    r.finish()?;
    Ok(ext)
}

/// An ordered extension block, as in a hello or EncryptedExtensions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Extensions(pub Vec<Extension>);

impl Extensions {
    /// Reads a 2-byte-length extension block for `ctx`. Duplicates are `illegal_parameter`
    /// (RFC 8446 §4.2); so are recognised extensions that `ctx` may not carry.
    pub fn read(r: &mut Reader<'_>, ctx: ExtContext) -> Result<Self, Error> {
        let mut block = r.sub_u16()?;
        let mut out: Vec<Extension> = Vec::new();
        // The types read so far, for the duplicate check: real messages carry a few
        // dozen at most, so they stay on the stack; a longer list spills to the heap.
        let mut seen_inline = [0u16; 64];
        let mut seen_spilled: Vec<u16> = Vec::new();
        let mut seen = 0usize;
        while !block.is_empty() {
            let typ_raw = block.u16()?;
            let body = block.bytes_u16()?;
            let inline = seen_inline.get(..seen).unwrap_or(&seen_inline);
            if inline.contains(&typ_raw) || seen_spilled.contains(&typ_raw) {
                return Err(Error::DuplicateExtension(typ_raw));
            }
            match seen_inline.get_mut(seen) {
                Some(slot) => *slot = typ_raw,
                None => seen_spilled.push(typ_raw),
            }
            seen += 1;
            let typ = ExtensionType::from_wire(typ_raw);
            let ext = match allowed(typ, ctx) {
                Some(false) => {
                    return Err(Error::ExtensionNotAllowed {
                        typ: typ_raw,
                        message: ctx.message(),
                    })
                }
                Some(true) => read_body(typ, ctx, body)?,
                None => Extension::Unknown {
                    typ: typ_raw,
                    body: body.to_vec(),
                },
            };
            out.push(ext);
        }
        if ctx == ExtContext::ClientHello {
            // RFC 8446 §4.2.11: pre_shared_key must be the last extension.
            if let Some(pos) = out
                .iter()
                .position(|e| e.typ() == ExtensionType::PreSharedKey)
            {
                if pos + 1 != out.len() {
                    return Err(Error::IllegalParameter(
                        "pre_shared_key is not the last extension",
                    ));
                }
            }
        }
        Ok(Self(out))
    }

    /// Reads an optional extension block: absent (end of message) means empty.
    pub fn read_optional(r: &mut Reader<'_>, ctx: ExtContext) -> Result<Self, Error> {
        if r.is_empty() {
            Ok(Self::default())
        } else {
            Self::read(r, ctx)
        }
    }

    /// Encodes the block with its 2-byte length.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_u16_len(out, |o| self.0.iter().for_each(|e| e.encode(o)));
    }

    /// The extension of type `typ`, if present.
    pub fn get(&self, typ: ExtensionType) -> Option<&Extension> {
        self.0.iter().find(|e| e.typ() == typ)
    }

    /// Whether an extension of type `typ` is present.
    pub fn has(&self, typ: ExtensionType) -> bool {
        self.get(typ).is_some()
    }

    /// The extension types present, in order (for traces).
    pub fn types(&self) -> Vec<ExtensionType> {
        self.0.iter().map(Extension::typ).collect()
    }

    /// Adds an extension at the end.
    pub fn push(&mut self, ext: Extension) {
        self.0.push(ext);
    }
}

/// Typed accessors for the extensions the handshake consults.
macro_rules! accessor {
    ($(#[$m:meta])* $fn:ident, $variant:ident, $ty:ty) => {
        $(#[$m])*
        pub fn $fn(&self) -> Option<&$ty> {
            self.0.iter().find_map(|e| match e {
                Extension::$variant(v) => Some(v),
                _ => None,
            })
        }
    };
}

impl Extensions {
    accessor!(/// server_name host.
        server_name, ServerName, Option<String>);
    accessor!(/// supported_groups.
        supported_groups, SupportedGroups, Vec<NamedGroup>);
    accessor!(/// signature_algorithms.
        signature_algorithms, SignatureAlgorithms, Vec<SignatureScheme>);
    accessor!(/// signature_algorithms_cert.
        signature_algorithms_cert, SignatureAlgorithmsCert, Vec<SignatureScheme>);
    accessor!(/// ALPN protocols.
        alpn, Alpn, Vec<Vec<u8>>);
    accessor!(/// supported_versions (ClientHello).
        supported_versions_offer, SupportedVersionsOffer, Vec<ProtocolVersion>);
    accessor!(/// supported_versions (ServerHello).
        supported_version_selected, SupportedVersionSelected, ProtocolVersion);
    accessor!(/// key_share (ClientHello).
        key_share_offer, KeyShareOffer, Vec<KeyShareEntry>);
    accessor!(/// key_share (ServerHello).
        key_share_entry, KeyShareEntry, KeyShareEntry);
    accessor!(/// key_share (HelloRetryRequest).
        key_share_retry, KeyShareRetry, NamedGroup);
    accessor!(/// cookie.
        cookie, Cookie, Vec<u8>);
    accessor!(/// psk_key_exchange_modes.
        psk_modes, PskKeyExchangeModes, Vec<PskKeyExchangeMode>);
    accessor!(/// record_size_limit.
        record_size_limit, RecordSizeLimit, u16);
    accessor!(/// pre_shared_key (ClientHello).
        psk_offer, PreSharedKeyOffer, PskOffer);
    accessor!(/// pre_shared_key (ServerHello).
        psk_selected, PreSharedKeySelected, u16);
    accessor!(/// renegotiation_info.
        renegotiation_info, RenegotiationInfo, Vec<u8>);
    accessor!(/// certificate_authorities.
        certificate_authorities, CertificateAuthorities, Vec<Vec<u8>>);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8], ctx: ExtContext) -> Result<Extensions, Error> {
        let mut r = Reader::new(bytes, "extensions");
        let e = Extensions::read(&mut r, ctx)?;
        r.finish()?;
        Ok(e)
    }

    #[test]
    fn duplicate_extensions_are_illegal() {
        // two empty extended_master_secret extensions
        let block = [0, 8, 0, 23, 0, 0, 0, 23, 0, 0];
        assert_eq!(
            read(&block, ExtContext::ClientHello),
            Err(Error::DuplicateExtension(23))
        );
    }

    #[test]
    fn unknown_and_grease_extensions_are_kept() {
        let block = [0, 5, 0x0a, 0x0a, 0, 1, 0];
        let e = read(&block, ExtContext::ClientHello).unwrap();
        assert_eq!(
            e.0,
            vec![Extension::Unknown {
                typ: 0x0a0a,
                body: vec![0]
            }]
        );
    }

    #[test]
    fn misplaced_extension_is_illegal_parameter() {
        // cookie in EncryptedExtensions
        let block = [0, 7, 0, 44, 0, 3, 0, 1, 9];
        let err = read(&block, ExtContext::EncryptedExtensions).unwrap_err();
        assert_eq!(
            err.alert(),
            crate::enums::AlertDescription::IllegalParameter
        );
    }

    #[test]
    fn psk_must_be_last() {
        let mut ch = Extensions::default();
        ch.push(Extension::PreSharedKeyOffer(PskOffer {
            identities: vec![PskIdentity {
                identity: vec![1],
                obfuscated_ticket_age: 0,
            }],
            binders: vec![vec![0; 32]],
        }));
        ch.push(Extension::ExtendedMasterSecret);
        let mut out = Vec::new();
        ch.encode(&mut out);
        assert!(matches!(
            read(&out, ExtContext::ClientHello),
            Err(Error::IllegalParameter(_))
        ));
    }

    #[test]
    fn round_trip_all_client_extensions() {
        let exts = Extensions(vec![
            Extension::ServerName(Some("example.com".into())),
            Extension::SupportedGroups(vec![NamedGroup::X25519, NamedGroup::Unknown(0x2a2a)]),
            Extension::EcPointFormats(vec![0]),
            Extension::SignatureAlgorithms(vec![SignatureScheme::ED25519]),
            Extension::SignatureAlgorithmsCert(vec![SignatureScheme::RSA_PKCS1_SHA256]),
            Extension::Alpn(vec![b"h2".to_vec(), b"http/1.1".to_vec()]),
            Extension::EncryptThenMac,
            Extension::ExtendedMasterSecret,
            Extension::RecordSizeLimit(16385),
            Extension::SessionTicket(vec![]),
            Extension::SupportedVersionsOffer(vec![ProtocolVersion::Tls13, ProtocolVersion::Tls12]),
            Extension::Cookie(vec![1, 2, 3]),
            Extension::PskKeyExchangeModes(vec![PskKeyExchangeMode::PskDheKe]),
            Extension::KeyShareOffer(vec![KeyShareEntry {
                group: NamedGroup::X25519,
                share: vec![7; 32],
            }]),
            Extension::RenegotiationInfo(vec![]),
            Extension::Padding(3),
        ]);
        let mut out = Vec::new();
        exts.encode(&mut out);
        assert_eq!(read(&out, ExtContext::ClientHello).unwrap(), exts);
    }

    #[test]
    fn truncated_bodies_fail_cleanly() {
        let exts = Extensions(vec![
            Extension::ServerName(Some("example.com".into())),
            Extension::KeyShareOffer(vec![KeyShareEntry {
                group: NamedGroup::X25519,
                share: vec![7; 32],
            }]),
        ]);
        let mut out = Vec::new();
        exts.encode(&mut out);
        for cut in 0..out.len() {
            assert!(
                read(&out[..cut], ExtContext::ClientHello).is_err(),
                "cut at {cut}"
            );
        }
    }
}
