//! Hello and other extensions: one enum, parsed according to the message that carries it.
//!
//! Which extensions may appear where follows RFC 8446 §4.2's table; a recognised
//! extension in a message that may not carry it is `illegal_parameter`. Unknown
//! extensions are kept as `Unknown` so the handshake can ignore (ClientHello) or
//! refuse (server messages) them.

use super::codec::{put_u16, put_u16_len, put_u8_len, LenPrefix, Reader};
use super::wire_list::WireList;
use crate::enums::{
    ExtensionType, HandshakeType, NamedGroup, ProtocolVersion, PskKeyExchangeMode, SignatureScheme,
};
use crate::error::Error;

mod borrowed;
mod writer;

pub use borrowed::{ExtensionRef, ExtensionsRef, KeyShareRef, PskIdentityRef, PskOfferRef};
use writer::body;
pub use writer::ExtensionsWriter;

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
            Self::ServerName(Some(name)) => body::server_name(out, name),
            Self::SupportedGroups(groups) => {
                body::u16_codes(out, 2, groups.iter().map(|g| g.to_wire()))
            }
            Self::EcPointFormats(formats) => put_u8_len(out, |o| o.extend_from_slice(formats)),
            Self::SignatureAlgorithms(s) | Self::SignatureAlgorithmsCert(s) => {
                body::u16_codes(out, 2, s.iter().map(|s| s.to_wire()))
            }
            Self::Alpn(protocols) => body::alpn(out, protocols.iter().map(Vec::as_slice)),
            Self::StatusRequest(body) | Self::SessionTicket(body) => out.extend_from_slice(body),
            Self::Unknown { body, .. } => out.extend_from_slice(body),
            Self::Padding(n) => out.resize(out.len() + n, 0),
            Self::RecordSizeLimit(limit) => put_u16(out, *limit),
            Self::PreSharedKeyOffer(offer) => body::psk_offer(
                out,
                offer
                    .identities
                    .iter()
                    .map(|id| (id.identity.as_slice(), id.obfuscated_ticket_age)),
                offer.binders.iter().map(Vec::as_slice),
            ),
            Self::PreSharedKeySelected(i) => put_u16(out, *i),
            Self::EarlyData(Some(max)) => out.extend_from_slice(&max.to_be_bytes()),
            Self::SupportedVersionsOffer(versions) => {
                body::u16_codes(out, 1, versions.iter().map(|v| v.to_wire()))
            }
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
            Self::KeyShareOffer(entries) => {
                body::key_shares(out, entries.iter().map(|e| (e.group, e.share.as_slice())))
            }
            Self::KeyShareEntry(entry) => body::key_share_entry(out, entry.group, &entry.share),
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

// Readers of one list item each, for `WireList`s.
fn read_named_group(r: &mut Reader<'_>) -> Result<NamedGroup, Error> {
    Ok(NamedGroup::from_wire(r.u16()?))
}

fn read_scheme(r: &mut Reader<'_>) -> Result<SignatureScheme, Error> {
    Ok(SignatureScheme::from_wire(r.u16()?))
}

fn read_version(r: &mut Reader<'_>) -> Result<ProtocolVersion, Error> {
    Ok(ProtocolVersion::from_wire(r.u16()?))
}

fn read_psk_mode(r: &mut Reader<'_>) -> Result<PskKeyExchangeMode, Error> {
    Ok(PskKeyExchangeMode::from_wire(r.u8()?))
}

fn read_alpn_name<'a>(r: &mut Reader<'a>) -> Result<&'a [u8], Error> {
    let p = r.bytes_u8()?;
    if p.is_empty() {
        return Err(Error::decode("ALPN protocol name"));
    }
    Ok(p)
}

fn read_authority<'a>(r: &mut Reader<'a>) -> Result<&'a [u8], Error> {
    let n = r.bytes_u16()?;
    if n.is_empty() {
        return Err(Error::decode("certificate_authorities"));
    }
    Ok(n)
}

fn read_psk_identity<'a>(r: &mut Reader<'a>) -> Result<PskIdentityRef<'a>, Error> {
    let identity = r.bytes_u16()?;
    if identity.is_empty() {
        return Err(Error::decode("PSK identity"));
    }
    Ok(PskIdentityRef {
        identity,
        obfuscated_ticket_age: r.u32()?,
    })
}

fn read_binder<'a>(r: &mut Reader<'a>) -> Result<&'a [u8], Error> {
    let b = r.bytes_u8()?;
    if b.len() < 32 {
        return Err(Error::decode("PSK binder"));
    }
    Ok(b)
}

fn read_key_share_entry<'a>(r: &mut Reader<'a>) -> Result<KeyShareRef<'a>, Error> {
    let group = NamedGroup::from_wire(r.u16()?);
    let share = r.bytes_u16()?;
    if share.is_empty() {
        return Err(Error::decode("key_share entry"));
    }
    Ok(KeyShareRef { group, share })
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

fn read_body<'a>(
    typ: ExtensionType,
    ctx: ExtContext,
    body: &'a [u8],
) -> Result<ExtensionRef<'a>, Error> {
    use ExtContext as C;
    use ExtensionRef as E;
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
                    host = Some(name);
                }
            }
            // RFC 6066 §3: the list is never empty, and the only name type is host_name;
            // a list without one carries nothing we could use (or encode again).
            let host = host.ok_or(Error::decode("server_name without a host name"))?;
            E::ServerName(Some(host))
        }
        (T::ServerName, _) => E::ServerName(None),
        (T::SupportedGroups, _) => {
            E::SupportedGroups(WireList::read(r.sub_u16_codes()?, read_named_group)?)
        }
        (T::EcPointFormats, _) => {
            let f = r.bytes_u8()?;
            if f.is_empty() {
                return Err(Error::decode("ec_point_formats"));
            }
            E::EcPointFormats(f)
        }
        (T::SignatureAlgorithms, _) => {
            E::SignatureAlgorithms(WireList::read(r.sub_u16_codes()?, read_scheme)?)
        }
        (T::SignatureAlgorithmsCert, _) => {
            E::SignatureAlgorithmsCert(WireList::read(r.sub_u16_codes()?, read_scheme)?)
        }
        (T::Alpn, _) => {
            let protocols = WireList::read(r.sub_u16()?, read_alpn_name)?;
            let one = protocols.iter().nth(1).is_none();
            if protocols.is_empty() || (ctx != C::ClientHello && !one) {
                return Err(Error::decode("ALPN list"));
            }
            E::Alpn(protocols)
        }
        (T::StatusRequest, _) => E::StatusRequest(r.rest()),
        (T::Padding, _) => E::Padding(r.rest().len()),
        (T::EncryptThenMac, _) => E::EncryptThenMac,
        (T::ExtendedMasterSecret, _) => E::ExtendedMasterSecret,
        (T::PostHandshakeAuth, _) => E::PostHandshakeAuth,
        (T::RecordSizeLimit, _) => {
            let limit = r.u16()?;
            if limit < 64 {
                return Err(Error::IllegalParameter("record_size_limit below 64"));
            }
            E::RecordSizeLimit(limit)
        }
        (T::SessionTicket, _) => E::SessionTicket(r.rest()),
        (T::PreSharedKey, C::ClientHello) => {
            let identities = WireList::read(r.sub_u16()?, read_psk_identity)?;
            let binders = WireList::read(r.sub_u16()?, read_binder)?;
            if identities.is_empty() || identities.iter().count() != binders.iter().count() {
                return Err(Error::IllegalParameter(
                    "PSK identities and binders do not pair up",
                ));
            }
            E::PreSharedKeyOffer(PskOfferRef {
                identities,
                binders,
            })
        }
        (T::PreSharedKey, _) => E::PreSharedKeySelected(r.u16()?),
        (T::EarlyData, C::NewSessionTicket) => E::EarlyData(Some(r.u32()?)),
        (T::EarlyData, _) => E::EarlyData(None),
        (T::SupportedVersions, C::ClientHello) => {
            let versions = WireList::read(r.sub_u8()?, read_version)?;
            if versions.is_empty() {
                return Err(Error::decode("supported_versions"));
            }
            E::SupportedVersionsOffer(versions)
        }
        (T::SupportedVersions, _) => {
            E::SupportedVersionSelected(ProtocolVersion::from_wire(r.u16()?))
        }
        (T::Cookie, _) => {
            let c = r.bytes_u16()?;
            if c.is_empty() {
                return Err(Error::decode("cookie"));
            }
            E::Cookie(c)
        }
        (T::PskKeyExchangeModes, _) => {
            let modes = WireList::read(r.sub_u8()?, read_psk_mode)?;
            if modes.is_empty() {
                return Err(Error::decode("psk_key_exchange_modes"));
            }
            E::PskKeyExchangeModes(modes)
        }
        (T::CertificateAuthorities, _) => {
            let names = WireList::read(r.sub_u16()?, read_authority)?;
            if names.is_empty() {
                return Err(Error::decode("certificate_authorities"));
            }
            E::CertificateAuthorities(names)
        }
        (T::KeyShare, C::ClientHello) => {
            E::KeyShareOffer(WireList::read(r.sub_u16()?, read_key_share_entry)?)
        }
        (T::KeyShare, C::HelloRetryRequest) => E::KeyShareRetry(NamedGroup::from_wire(r.u16()?)),
        (T::KeyShare, _) => E::KeyShareEntry(read_key_share_entry(&mut r)?),
        (T::RenegotiationInfo, _) => E::RenegotiationInfo(r.bytes_u8()?),
        (other, _) => E::Unknown {
            typ: other.to_wire(),
            body: r.rest(),
        },
    };
    r.finish()?;
    Ok(ext)
}

/// Reads a 2-byte-length extension block for `ctx` and checks it whole: no
/// duplicates (RFC 8446 §4.2), nothing `ctx` may not carry, every body well formed,
/// pre_shared_key last in a ClientHello (RFC 8446 §4.2.11). Each extension goes to
/// `each`, in order; returns the block (without its length).
fn read_block<'a>(
    r: &mut Reader<'a>,
    ctx: ExtContext,
    mut each: impl FnMut(ExtensionRef<'a>),
) -> Result<&'a [u8], Error> {
    let mut block = r.sub_u16()?;
    let bytes = block.remaining();
    // The types read so far, for the duplicate check: real messages carry a few
    // dozen at most, so they stay on the stack; a longer list spills to the heap.
    let mut seen_inline = [0u16; 64];
    let mut seen_spilled: Vec<u16> = Vec::new();
    let mut seen = 0usize;
    let mut psk_at = None;
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
        let typ = ExtensionType::from_wire(typ_raw);
        if typ == ExtensionType::PreSharedKey {
            psk_at = Some(seen);
        }
        seen += 1;
        each(read_known_or_not(typ_raw, ctx, body)?);
    }
    // RFC 8446 §4.2.11: pre_shared_key must be the last extension.
    if ctx == ExtContext::ClientHello && psk_at.is_some_and(|at| at + 1 != seen) {
        return Err(Error::IllegalParameter(
            "pre_shared_key is not the last extension",
        ));
    }
    Ok(bytes)
}

/// One extension of a block for `ctx`: its body read if we know the extension (and
/// `ctx` may carry it), kept raw if we do not.
fn read_known_or_not<'a>(
    typ_raw: u16,
    ctx: ExtContext,
    body: &'a [u8],
) -> Result<ExtensionRef<'a>, Error> {
    let typ = ExtensionType::from_wire(typ_raw);
    match allowed(typ, ctx) {
        Some(false) => Err(Error::ExtensionNotAllowed {
            typ: typ_raw,
            message: ctx.message(),
        }),
        Some(true) => read_body(typ, ctx, body),
        None => Ok(ExtensionRef::Unknown { typ: typ_raw, body }),
    }
}

/// An ordered extension block, as in a hello or EncryptedExtensions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Extensions(pub Vec<Extension>);

impl Extensions {
    /// Reads a 2-byte-length extension block for `ctx`. Duplicates are `illegal_parameter`
    /// (RFC 8446 §4.2); so are recognised extensions that `ctx` may not carry.
    pub fn read(r: &mut Reader<'_>, ctx: ExtContext) -> Result<Self, Error> {
        let mut out = Vec::new();
        read_block(r, ctx, |e| out.push(e.into_owned()))?;
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
        Reader::read_all(bytes, "extensions", |r| Extensions::read(r, ctx))
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

    #[test]
    fn writer_writes_what_the_owned_extensions_encode() {
        let share = [7u8; 32];
        let protocols = [b"h2".to_vec(), b"http/1.1".to_vec()];
        let mut written = Vec::new();
        let mut w = ExtensionsWriter::new(&mut written);
        w.server_name("example.com");
        w.supported_versions_offer(&[ProtocolVersion::Tls13, ProtocolVersion::Tls12]);
        w.supported_groups(&[NamedGroup::X25519, NamedGroup::secp256r1]);
        w.signature_algorithms(&[SignatureScheme::ED25519]);
        w.key_share_offer([(NamedGroup::X25519, &share[..])].into_iter());
        w.psk_modes(&[PskKeyExchangeMode::PskDheKe]);
        w.ec_point_formats(&[0]);
        w.extended_master_secret();
        w.renegotiation_info(&[]);
        w.encrypt_then_mac();
        w.session_ticket(&[1, 2]);
        w.alpn(protocols.iter().map(Vec::as_slice));
        w.cookie(&[9, 9]);
        let tail = w.psk_offer_placeholder(&[5; 10], 77, 32);
        w.finish();
        let owned = Extensions(vec![
            Extension::ServerName(Some("example.com".into())),
            Extension::SupportedVersionsOffer(vec![ProtocolVersion::Tls13, ProtocolVersion::Tls12]),
            Extension::SupportedGroups(vec![NamedGroup::X25519, NamedGroup::secp256r1]),
            Extension::SignatureAlgorithms(vec![SignatureScheme::ED25519]),
            Extension::KeyShareOffer(vec![KeyShareEntry {
                group: NamedGroup::X25519,
                share: share.to_vec(),
            }]),
            Extension::PskKeyExchangeModes(vec![PskKeyExchangeMode::PskDheKe]),
            Extension::EcPointFormats(vec![0]),
            Extension::ExtendedMasterSecret,
            Extension::RenegotiationInfo(vec![]),
            Extension::EncryptThenMac,
            Extension::SessionTicket(vec![1, 2]),
            Extension::Alpn(protocols.to_vec()),
            Extension::Cookie(vec![9, 9]),
            Extension::PreSharedKeyOffer(PskOffer {
                identities: vec![PskIdentity {
                    identity: vec![5; 10],
                    obfuscated_ticket_age: 77,
                }],
                binders: vec![vec![0; 32]],
            }),
        ]);
        let mut encoded = Vec::new();
        owned.encode(&mut encoded);
        assert_eq!(written, encoded);
        assert_eq!(tail, 2 + 1 + 32);
        assert_eq!(read(&written, ExtContext::ClientHello).unwrap(), owned);
    }

    #[test]
    fn server_side_writer_methods_match_too() {
        let mut written = Vec::new();
        let mut w = ExtensionsWriter::new(&mut written);
        w.supported_version_selected(ProtocolVersion::Tls13);
        w.key_share_entry(NamedGroup::X25519, &[3; 32]);
        w.psk_selected(0);
        w.server_name_ack();
        w.alpn(std::iter::once(&b"h2"[..]));
        w.key_share_retry(NamedGroup::secp256r1);
        w.finish();
        let owned = Extensions(vec![
            Extension::SupportedVersionSelected(ProtocolVersion::Tls13),
            Extension::KeyShareEntry(KeyShareEntry {
                group: NamedGroup::X25519,
                share: vec![3; 32],
            }),
            Extension::PreSharedKeySelected(0),
            Extension::ServerName(None),
            Extension::Alpn(vec![b"h2".to_vec()]),
            Extension::KeyShareRetry(NamedGroup::secp256r1),
        ]);
        let mut encoded = Vec::new();
        owned.encode(&mut encoded);
        assert_eq!(written, encoded);
    }

    #[test]
    fn read_in_place_agrees_with_the_owned_read() {
        let exts = Extensions(vec![
            Extension::ServerName(Some("example.com".into())),
            Extension::SupportedGroups(vec![NamedGroup::X25519]),
            Extension::SignatureAlgorithms(vec![SignatureScheme::ED25519]),
            Extension::Alpn(vec![b"h2".to_vec()]),
            Extension::SupportedVersionsOffer(vec![ProtocolVersion::Tls13]),
            Extension::PskKeyExchangeModes(vec![PskKeyExchangeMode::PskDheKe]),
            Extension::KeyShareOffer(vec![KeyShareEntry {
                group: NamedGroup::X25519,
                share: vec![7; 32],
            }]),
            Extension::Unknown {
                typ: 0x0a0a,
                body: vec![1],
            },
            Extension::PreSharedKeyOffer(PskOffer {
                identities: vec![PskIdentity {
                    identity: vec![1, 2],
                    obfuscated_ticket_age: 3,
                }],
                binders: vec![vec![4; 32]],
            }),
        ]);
        let mut out = Vec::new();
        exts.encode(&mut out);
        let mut r = Reader::new(&out, "extensions");
        let view = ExtensionsRef::read(&mut r, ExtContext::ClientHello).unwrap();
        r.finish().unwrap();
        assert_eq!(view.to_owned(), exts);
        assert_eq!(view.types(), exts.types());
        assert_eq!(view.server_name(), Some("example.com"));
        assert!(view
            .supported_groups()
            .unwrap()
            .contains(&NamedGroup::X25519));
        assert!(view.alpn().unwrap().contains(&&b"h2"[..]));
        let shares = view.key_share_offer().unwrap().to_vec();
        assert_eq!(shares.len(), 1);
        assert_eq!(shares[0].share, &[7; 32][..]);
        let offer = view.psk_offer().unwrap();
        assert_eq!(offer.binders_len(), 2 + 33);
        assert!(view.has(ExtensionType::PreSharedKey));
        assert!(!view.has(ExtensionType::Cookie));
        // Every truncation fails both ways alike.
        for cut in 0..out.len() {
            let owned = read(&out[..cut], ExtContext::ClientHello);
            let mut r = Reader::new(&out[..cut], "extensions");
            let in_place = ExtensionsRef::read(&mut r, ExtContext::ClientHello)
                .and_then(|v| r.finish().map(|()| v));
            assert_eq!(owned.err(), in_place.err(), "cut at {cut}");
        }
    }
}
