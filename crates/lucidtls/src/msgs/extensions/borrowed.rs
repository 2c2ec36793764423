//! Extensions read in place: lent from the received message, lists as [`WireList`]s.

use super::*;

/// One key_share entry, read in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyShareRef<'a> {
    /// The group.
    pub group: NamedGroup,
    /// The public share bytes.
    pub share: &'a [u8],
}

impl KeyShareRef<'_> {
    /// An owned copy.
    pub fn to_entry(&self) -> KeyShareEntry {
        KeyShareEntry {
            group: self.group,
            share: self.share.to_vec(),
        }
    }
}

/// A PSK identity offered in a ClientHello, read in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PskIdentityRef<'a> {
    /// The ticket or external identity.
    pub identity: &'a [u8],
    /// The obfuscated ticket age.
    pub obfuscated_ticket_age: u32,
}

/// The pre_shared_key extension as the client offers it, read in place.
#[derive(Clone, Copy, Debug)]
pub struct PskOfferRef<'a> {
    /// Identities, in order.
    pub identities: WireList<'a, PskIdentityRef<'a>>,
    /// One binder per identity.
    pub binders: WireList<'a, &'a [u8]>,
}

impl PskOfferRef<'_> {
    /// Length of the encoded binders list, its 2-byte length prefix included (see
    /// [`PskOffer::binders_len`]).
    pub fn binders_len(&self) -> usize {
        2 + self.binders.bytes().len()
    }

    fn to_offer(self) -> PskOffer {
        PskOffer {
            identities: self
                .identities
                .iter()
                .map(|i| PskIdentity {
                    identity: i.identity.to_vec(),
                    obfuscated_ticket_age: i.obfuscated_ticket_age,
                })
                .collect(),
            binders: self.binders.iter().map(<[u8]>::to_vec).collect(),
        }
    }
}

/// An extension with its body read in place: what [`Extension`] holds, lent from the
/// message (lists as [`WireList`]s).
#[derive(Clone, Copy, Debug)]
pub enum ExtensionRef<'a> {
    /// server_name: the host name in a ClientHello; `None` is the empty acknowledgement.
    ServerName(Option<&'a str>),
    /// supported_groups
    SupportedGroups(WireList<'a, NamedGroup>),
    /// ec_point_formats (TLS 1.2)
    EcPointFormats(&'a [u8]),
    /// signature_algorithms
    SignatureAlgorithms(WireList<'a, SignatureScheme>),
    /// signature_algorithms_cert
    SignatureAlgorithmsCert(WireList<'a, SignatureScheme>),
    /// ALPN: the offered list, or the one selected protocol in a server message.
    Alpn(WireList<'a, &'a [u8]>),
    /// status_request (body kept raw)
    StatusRequest(&'a [u8]),
    /// padding of this many zero bytes
    Padding(usize),
    /// encrypt_then_mac
    EncryptThenMac,
    /// extended_master_secret
    ExtendedMasterSecret,
    /// record_size_limit
    RecordSizeLimit(u16),
    /// session_ticket (TLS 1.2)
    SessionTicket(&'a [u8]),
    /// pre_shared_key in a ClientHello
    PreSharedKeyOffer(PskOfferRef<'a>),
    /// pre_shared_key in a ServerHello: the selected identity index
    PreSharedKeySelected(u16),
    /// early_data (with max_early_data_size in NewSessionTicket)
    EarlyData(Option<u32>),
    /// supported_versions in a ClientHello
    SupportedVersionsOffer(WireList<'a, ProtocolVersion>),
    /// supported_versions in a ServerHello/HelloRetryRequest
    SupportedVersionSelected(ProtocolVersion),
    /// cookie
    Cookie(&'a [u8]),
    /// psk_key_exchange_modes
    PskKeyExchangeModes(WireList<'a, PskKeyExchangeMode>),
    /// certificate_authorities: DER distinguished names
    CertificateAuthorities(WireList<'a, &'a [u8]>),
    /// post_handshake_auth
    PostHandshakeAuth,
    /// key_share in a ClientHello
    KeyShareOffer(WireList<'a, KeyShareRef<'a>>),
    /// key_share in a ServerHello
    KeyShareEntry(KeyShareRef<'a>),
    /// key_share in a HelloRetryRequest: the group the server wants
    KeyShareRetry(NamedGroup),
    /// renegotiation_info
    RenegotiationInfo(&'a [u8]),
    /// An extension we do not interpret.
    Unknown {
        /// Its code point.
        typ: u16,
        /// Its body.
        body: &'a [u8],
    },
}

impl ExtensionRef<'_> {
    /// The owned [`Extension`] with the same content.
    pub fn into_owned(self) -> Extension {
        use Extension as E;
        match self {
            Self::ServerName(host) => E::ServerName(host.map(str::to_string)),
            Self::SupportedGroups(l) => E::SupportedGroups(l.to_vec()),
            Self::EcPointFormats(f) => E::EcPointFormats(f.to_vec()),
            Self::SignatureAlgorithms(l) => E::SignatureAlgorithms(l.to_vec()),
            Self::SignatureAlgorithmsCert(l) => E::SignatureAlgorithmsCert(l.to_vec()),
            Self::Alpn(l) => E::Alpn(l.iter().map(<[u8]>::to_vec).collect()),
            Self::StatusRequest(b) => E::StatusRequest(b.to_vec()),
            Self::Padding(n) => E::Padding(n),
            Self::EncryptThenMac => E::EncryptThenMac,
            Self::ExtendedMasterSecret => E::ExtendedMasterSecret,
            Self::RecordSizeLimit(l) => E::RecordSizeLimit(l),
            Self::SessionTicket(t) => E::SessionTicket(t.to_vec()),
            Self::PreSharedKeyOffer(offer) => E::PreSharedKeyOffer(offer.to_offer()),
            Self::PreSharedKeySelected(i) => E::PreSharedKeySelected(i),
            Self::EarlyData(max) => E::EarlyData(max),
            Self::SupportedVersionsOffer(l) => E::SupportedVersionsOffer(l.to_vec()),
            Self::SupportedVersionSelected(v) => E::SupportedVersionSelected(v),
            Self::Cookie(c) => E::Cookie(c.to_vec()),
            Self::PskKeyExchangeModes(l) => E::PskKeyExchangeModes(l.to_vec()),
            Self::CertificateAuthorities(l) => {
                E::CertificateAuthorities(l.iter().map(<[u8]>::to_vec).collect())
            }
            Self::PostHandshakeAuth => E::PostHandshakeAuth,
            Self::KeyShareOffer(l) => E::KeyShareOffer(l.iter().map(|e| e.to_entry()).collect()),
            Self::KeyShareEntry(e) => E::KeyShareEntry(e.to_entry()),
            Self::KeyShareRetry(g) => E::KeyShareRetry(g),
            Self::RenegotiationInfo(d) => E::RenegotiationInfo(d.to_vec()),
            Self::Unknown { typ, body } => E::Unknown {
                typ,
                body: body.to_vec(),
            },
        }
    }
}

/// An extension block read in place and checked whole (as [`Extensions::read`]
/// checks it); an extension's body is read again, without copying, when asked for.
#[derive(Clone, Copy, Debug)]
pub struct ExtensionsRef<'a> {
    block: &'a [u8],
    ctx: ExtContext,
}

impl<'a> ExtensionsRef<'a> {
    /// Reads a 2-byte-length extension block for `ctx`.
    pub fn read(r: &mut Reader<'a>, ctx: ExtContext) -> Result<Self, Error> {
        let block = read_block(r, ctx, |_| {})?;
        Ok(Self { block, ctx })
    }

    /// Reads an optional extension block: absent (end of message) means empty.
    pub fn read_optional(r: &mut Reader<'a>, ctx: ExtContext) -> Result<Self, Error> {
        if r.is_empty() {
            Ok(Self { block: &[], ctx })
        } else {
            Self::read(r, ctx)
        }
    }

    /// The (type, body) pairs, in order.
    fn raw(&self) -> impl Iterator<Item = (u16, &'a [u8])> {
        let mut r = Reader::new(self.block, "extension");
        std::iter::from_fn(move || Some((r.u16().ok()?, r.bytes_u16().ok()?)))
    }

    /// The extension of type `typ`, if present.
    pub fn get(&self, typ: ExtensionType) -> Option<ExtensionRef<'a>> {
        let (typ_raw, body) = self
            .raw()
            .find(|(t, _)| ExtensionType::from_wire(*t) == typ)?;
        // The block was checked when it was read: the body reads again.
        read_known_or_not(typ_raw, self.ctx, body).ok()
    }

    /// Whether an extension of type `typ` is present.
    pub fn has(&self, typ: ExtensionType) -> bool {
        self.raw().any(|(t, _)| ExtensionType::from_wire(t) == typ)
    }

    /// The extensions, in order, each with its type.
    pub fn iter(&self) -> impl Iterator<Item = (ExtensionType, ExtensionRef<'a>)> + '_ {
        self.raw().filter_map(|(t, body)| {
            let ext = read_known_or_not(t, self.ctx, body).ok()?;
            Some((ExtensionType::from_wire(t), ext))
        })
    }

    /// The extension types present, in order (for traces).
    pub fn types(&self) -> Vec<ExtensionType> {
        self.raw()
            .map(|(t, _)| ExtensionType::from_wire(t))
            .collect()
    }

    /// The owned block.
    pub fn to_owned(&self) -> Extensions {
        Extensions(self.iter().map(|(_, e)| e.into_owned()).collect())
    }
}

/// Typed accessors for the extensions the handshake consults, lent from the message.
macro_rules! accessor_ref {
    ($(#[$m:meta])* $fn:ident, $typ:ident, $variant:ident, $ty:ty) => {
        $(#[$m])*
        pub fn $fn(&self) -> Option<$ty> {
            match self.get(ExtensionType::$typ)? {
                ExtensionRef::$variant(v) => Some(v),
                _ => None,
            }
        }
    };
}

impl<'a> ExtensionsRef<'a> {
    /// server_name: the host name (a ClientHello's).
    pub fn server_name(&self) -> Option<&'a str> {
        match self.get(ExtensionType::ServerName)? {
            ExtensionRef::ServerName(host) => host,
            _ => None,
        }
    }

    accessor_ref!(/// supported_groups.
        supported_groups, SupportedGroups, SupportedGroups, WireList<'a, NamedGroup>);
    accessor_ref!(/// signature_algorithms.
        signature_algorithms, SignatureAlgorithms, SignatureAlgorithms, WireList<'a, SignatureScheme>);
    accessor_ref!(/// ALPN protocols.
        alpn, Alpn, Alpn, WireList<'a, &'a [u8]>);
    accessor_ref!(/// supported_versions (ClientHello).
        supported_versions_offer, SupportedVersions, SupportedVersionsOffer, WireList<'a, ProtocolVersion>);
    accessor_ref!(/// key_share (ClientHello).
        key_share_offer, KeyShare, KeyShareOffer, WireList<'a, KeyShareRef<'a>>);
    accessor_ref!(/// psk_key_exchange_modes.
        psk_modes, PskKeyExchangeModes, PskKeyExchangeModes, WireList<'a, PskKeyExchangeMode>);
    accessor_ref!(/// record_size_limit.
        record_size_limit, RecordSizeLimit, RecordSizeLimit, u16);
    accessor_ref!(/// pre_shared_key (ClientHello).
        psk_offer, PreSharedKey, PreSharedKeyOffer, PskOfferRef<'a>);
    accessor_ref!(/// renegotiation_info.
        renegotiation_info, RenegotiationInfo, RenegotiationInfo, &'a [u8]);
    accessor_ref!(/// session_ticket.
        session_ticket, SessionTicket, SessionTicket, &'a [u8]);
    accessor_ref!(/// cookie.
        cookie, Cookie, Cookie, &'a [u8]);
    accessor_ref!(/// supported_versions (ServerHello).
        supported_version_selected, SupportedVersions, SupportedVersionSelected, ProtocolVersion);
    accessor_ref!(/// key_share (ServerHello).
        key_share_entry, KeyShare, KeyShareEntry, KeyShareRef<'a>);
    accessor_ref!(/// key_share (HelloRetryRequest).
        key_share_retry, KeyShare, KeyShareRetry, NamedGroup);
    accessor_ref!(/// pre_shared_key (ServerHello).
        psk_selected, PreSharedKey, PreSharedKeySelected, u16);
}
