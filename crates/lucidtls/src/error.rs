//! The one error type, and the one place that maps each error to its alert.

use crate::enums::{AlertDescription, ContentType, HandshakeType, NamedGroup, ProtocolVersion};
use core::fmt;

/// Which certificate check failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertificateCheck {
    /// The certificate could not be parsed.
    Encoding,
    /// The chain does not lead to a trust anchor.
    ChainToTrustAnchor,
    /// The name (DNS or IP) does not match the certificate.
    Name,
    /// The current time is outside the validity period (expired).
    Expired,
    /// The current time is before the validity period.
    NotYetValid,
    /// Key usage or extended key usage forbids this use.
    KeyUsage,
    /// The certificate was revoked.
    Revocation,
    /// A signature in the chain uses an algorithm we do not accept.
    SignatureAlgorithm,
    /// The peer sent no certificate.
    Missing,
    /// Any other reason webpki gives.
    Other,
}

impl fmt::Display for CertificateCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Encoding => "certificate encoding",
            Self::ChainToTrustAnchor => "chain to a trust anchor",
            Self::Name => "host name",
            Self::Expired => "validity period (not after)",
            Self::NotYetValid => "validity period (not before)",
            Self::KeyUsage => "key usage",
            Self::Revocation => "revocation",
            Self::SignatureAlgorithm => "signature algorithm",
            Self::Missing => "presence",
            Self::Other => "certificate",
        })
    }
}

/// Every way a connection can fail. Each variant maps to exactly one alert in
/// [`Error::alert`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A message could not be decoded: truncated, overlong, or malformed.
    Decode {
        /// What was being decoded.
        what: &'static str,
    },
    /// A message arrived that is not allowed in the current state.
    UnexpectedMessage {
        /// What we were waiting for.
        expected: &'static str,
        /// What arrived.
        got: String,
    },
    /// A record's content type is not allowed here (or is unknown).
    UnexpectedContentType(ContentType),
    /// A record or message exceeds the protocol's size limits.
    RecordOverflow {
        /// The length that was seen.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// Record decryption failed (bad tag, bad padding, bad MAC).
    BadRecordMac,
    /// A parameter has a value the protocol forbids.
    IllegalParameter(&'static str),
    /// The same extension appeared twice in one message.
    DuplicateExtension(u16),
    /// An extension we did not offer came back (RFC 8446 §4.2: unsupported_extension).
    UnsupportedExtension(u16),
    /// A recognised extension appeared in a message that may not carry it.
    ExtensionNotAllowed {
        /// The extension's code point.
        typ: u16,
        /// The message that carried it.
        message: HandshakeType,
    },
    /// A required extension is missing.
    MissingExtension(&'static str),
    /// No protocol version in common.
    NoCommonVersion,
    /// A version we refuse by design (SSL 3 and older).
    VersionRefused(ProtocolVersion),
    /// No cipher suite in common.
    NoCommonCipherSuite,
    /// No key-exchange group in common.
    NoCommonGroup,
    /// No signature scheme in common.
    NoCommonSignatureScheme,
    /// No application protocol (ALPN) in common.
    NoApplicationProtocol,
    /// A key share was invalid (point off the curve, wrong length, zero result).
    InvalidKeyShare(NamedGroup),
    /// The peer's Finished did not verify.
    BadFinished,
    /// The peer's signature (CertificateVerify) did not verify.
    BadSignature,
    /// A TLS 1.3 PSK binder did not verify (RFC 8446 §4.2.11: decrypt_error).
    BadPskBinder,
    /// A certificate check failed.
    Certificate {
        /// Which check.
        check: CertificateCheck,
        /// Details.
        detail: String,
    },
    /// The peer sent us a fatal alert.
    AlertReceived(AlertDescription),
    /// The peer closed the TCP connection without close_notify.
    UnexpectedEof,
    /// The connection was already closed or failed.
    ConnectionClosed,
    /// A downgrade was detected (RFC 8446 §4.1.3 sentinel).
    Downgrade,
    /// Compression other than null was the only choice (refused by design, CRIME).
    CompressionRefused,
    /// We were asked to do something the configuration does not permit.
    Config(String),
    /// A handshake message is not one we handle.
    UnexpectedHandshake(HandshakeType),
    /// Handshake flow would never finish (e.g. a second HelloRetryRequest).
    HandshakeFailure(&'static str),
    /// The provider failed, or our own bug.
    Internal(&'static str),
    /// Too many messages of some kind (KeyUpdate floods, empty records...).
    PeerMisbehaving(&'static str),
    /// The server name or ServerName given by the user is invalid.
    InvalidServerName(String),
    /// The supplied certificate or key could not be used.
    BadKeyMaterial(String),
    /// The peer's parameters are too weak (e.g. a DH prime under 2048 bits).
    InsufficientSecurity(&'static str),
    /// A client signalled a fallback (TLS_FALLBACK_SCSV) to a version below our best (RFC 7507).
    InappropriateFallback,
    /// The peer does not support something our configuration requires (e.g. the
    /// extended master secret).
    PeerIncompatible(&'static str),
    /// The server requires a client certificate and the client sent none. The alert
    /// depends on the version: certificate_required in TLS 1.3 (RFC 8446 §4.4.2.4),
    /// handshake_failure in TLS 1.2 (RFC 5246 §7.4.6), which has no better one.
    ClientCertificateRequired(ProtocolVersion),
    /// `Connection::renegotiate` cannot start a renegotiation now: not TLS 1.2, the
    /// handshake or a renegotiation is still running, renegotiation is disabled, the
    /// peer did not negotiate secure renegotiation (RFC 5746), or the limit is
    /// reached. Local only: the connection goes on and no alert is sent.
    CannotRenegotiate(&'static str),
}

impl Error {
    /// The alert this error sends to the peer. This is the only place errors map to alerts.
    pub fn alert(&self) -> AlertDescription {
        use AlertDescription as A;
        match self {
            Self::Decode { .. } => A::DecodeError,
            Self::UnexpectedMessage { .. } | Self::UnexpectedHandshake(_) => A::UnexpectedMessage,
            Self::UnexpectedContentType(_) => A::UnexpectedMessage,
            Self::RecordOverflow { .. } => A::RecordOverflow,
            Self::BadRecordMac => A::BadRecordMac,
            Self::IllegalParameter(_) | Self::DuplicateExtension(_) => A::IllegalParameter,
            Self::ExtensionNotAllowed { .. } => A::IllegalParameter,
            Self::InvalidKeyShare(_) | Self::Downgrade => A::IllegalParameter,
            Self::UnsupportedExtension(_) => A::UnsupportedExtension,
            Self::MissingExtension(_) => A::MissingExtension,
            Self::NoCommonVersion | Self::VersionRefused(_) => A::ProtocolVersion,
            Self::NoCommonCipherSuite | Self::NoCommonGroup | Self::NoCommonSignatureScheme => {
                A::HandshakeFailure
            }
            Self::HandshakeFailure(_) | Self::PeerIncompatible(_) => A::HandshakeFailure,
            Self::ClientCertificateRequired(ProtocolVersion::Tls13) => A::CertificateRequired,
            Self::ClientCertificateRequired(_) => A::HandshakeFailure,
            Self::InsufficientSecurity(_) => A::InsufficientSecurity,
            Self::InappropriateFallback => A::InappropriateFallback,
            Self::NoApplicationProtocol => A::NoApplicationProtocol,
            Self::BadFinished | Self::BadSignature | Self::BadPskBinder => A::DecryptError,
            Self::Certificate { check, .. } => match check {
                CertificateCheck::Encoding => A::BadCertificate,
                CertificateCheck::ChainToTrustAnchor => A::UnknownCa,
                CertificateCheck::Expired | CertificateCheck::NotYetValid => A::CertificateExpired,
                CertificateCheck::Revocation => A::CertificateRevoked,
                CertificateCheck::SignatureAlgorithm => A::UnsupportedCertificate,
                CertificateCheck::Missing => A::CertificateRequired,
                CertificateCheck::Name | CertificateCheck::KeyUsage | CertificateCheck::Other => {
                    A::BadCertificate
                }
            },
            Self::CompressionRefused => A::IllegalParameter,
            Self::PeerMisbehaving(_) => A::UnexpectedMessage,
            Self::AlertReceived(_)
            | Self::UnexpectedEof
            | Self::ConnectionClosed
            | Self::Config(_)
            | Self::Internal(_)
            | Self::InvalidServerName(_)
            | Self::BadKeyMaterial(_)
            | Self::CannotRenegotiate(_) => A::InternalError,
        }
    }

    /// Whether we should tell the peer with an alert (we never answer an alert with an alert).
    pub fn sends_alert(&self) -> bool {
        !matches!(
            self,
            Self::AlertReceived(_) | Self::UnexpectedEof | Self::ConnectionClosed
        )
    }

    /// A decode error for `what`.
    pub const fn decode(what: &'static str) -> Self {
        Self::Decode { what }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Decode { what } => write!(f, "malformed {what}"),
            Self::UnexpectedMessage { expected, got } => {
                write!(f, "unexpected message: expected {expected}, got {got}")
            }
            Self::UnexpectedContentType(t) => write!(f, "unexpected record type {t}"),
            Self::RecordOverflow { len, limit } => {
                write!(f, "record too large: {len} bytes (limit {limit})")
            }
            Self::BadRecordMac => f.write_str("record failed to decrypt (bad_record_mac)"),
            Self::IllegalParameter(what) => write!(f, "illegal parameter: {what}"),
            Self::DuplicateExtension(t) => write!(
                f,
                "duplicate extension {}",
                crate::enums::ExtensionType::from_wire(*t)
            ),
            Self::UnsupportedExtension(t) => write!(
                f,
                "extension {} was not offered",
                crate::enums::ExtensionType::from_wire(*t)
            ),
            Self::ExtensionNotAllowed { typ, message } => write!(
                f,
                "extension {} is not allowed in {message}",
                crate::enums::ExtensionType::from_wire(*typ)
            ),
            Self::MissingExtension(what) => write!(f, "missing extension {what}"),
            Self::NoCommonVersion => f.write_str("no protocol version in common"),
            Self::VersionRefused(v) => write!(f, "{v} is refused by design"),
            Self::NoCommonCipherSuite => f.write_str("no cipher suite in common"),
            Self::NoCommonGroup => f.write_str("no key-exchange group in common"),
            Self::NoCommonSignatureScheme => f.write_str("no signature scheme in common"),
            Self::NoApplicationProtocol => f.write_str("no application protocol (ALPN) in common"),
            Self::InvalidKeyShare(g) => write!(f, "invalid {g} key share"),
            Self::BadFinished => f.write_str("peer's Finished did not verify"),
            Self::BadSignature => f.write_str("peer's handshake signature did not verify"),
            Self::BadPskBinder => f.write_str("the PSK binder in the ClientHello did not verify"),
            Self::Certificate { check, detail } => {
                write!(f, "certificate check failed: {check}: {detail}")
            }
            Self::AlertReceived(a) => write!(f, "peer sent fatal alert {a}"),
            Self::UnexpectedEof => f.write_str("peer closed the connection without close_notify"),
            Self::ConnectionClosed => f.write_str("connection already closed"),
            Self::Downgrade => f.write_str("downgrade detected (RFC 8446 §4.1.3 sentinel)"),
            Self::CompressionRefused => {
                f.write_str("compression is refused by design (CRIME); peer offered no null method")
            }
            Self::Config(msg) => write!(f, "configuration: {msg}"),
            Self::UnexpectedHandshake(t) => write!(f, "unexpected handshake message {t}"),
            Self::HandshakeFailure(why) => write!(f, "handshake failure: {why}"),
            Self::Internal(why) => write!(f, "internal error: {why}"),
            Self::PeerMisbehaving(why) => write!(f, "peer misbehaving: {why}"),
            Self::InvalidServerName(n) => write!(f, "invalid server name {n:?}"),
            Self::BadKeyMaterial(why) => write!(f, "unusable certificate or key: {why}"),
            Self::InsufficientSecurity(why) => write!(f, "insufficient security: {why}"),
            Self::InappropriateFallback => f.write_str(
                "client signalled a version fallback although we support a higher version (RFC 7507)",
            ),
            Self::PeerIncompatible(why) => write!(f, "peer incompatible: {why}"),
            Self::ClientCertificateRequired(v) => write!(
                f,
                "client sent no certificate, but this server requires one ({v})"
            ),
            Self::CannotRenegotiate(why) => write!(f, "cannot renegotiate: {why}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<Error> for std::io::Error {
    fn from(e: Error) -> Self {
        std::io::Error::other(e)
    }
}
