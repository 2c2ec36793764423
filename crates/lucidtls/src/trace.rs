//! Typed trace events: one per handshake step, in the language of the classic
//! descriptions. Secrets never appear here; keys are named with their sizes only.
//!
//! Events are built only when an [`Observer`] is registered (the handshake calls
//! [`Tracer::emit`] with a closure), so an unobserved connection pays nothing.

use crate::enums::{
    AlertDescription, CipherSuite, ExtensionType, NamedGroup, ProtocolVersion, SignatureScheme,
};
use crate::error::CertificateCheck;
use std::sync::Arc;

/// Which side of the connection did something.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The client.
    Client,
    /// The server.
    Server,
}

impl Side {
    /// The other side.
    pub fn peer(self) -> Self {
        match self {
            Self::Client => Self::Server,
            Self::Server => Self::Client,
        }
    }
}

impl Side {
    /// `"client"` or `"server"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::Server => "server",
        }
    }
}

impl core::fmt::Display for Side {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// How a session was (or would have been) resumed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResumptionMechanism {
    /// TLS 1.2: the server's session cache, by session id (RFC 5246 §7.3).
    SessionId,
    /// TLS 1.2: a session ticket (RFC 5077).
    Ticket,
    /// TLS 1.3: a pre-shared key from a NewSessionTicket (RFC 8446 §2.2).
    Psk,
}

impl ResumptionMechanism {
    /// "session id", "ticket" or "psk".
    pub fn name(self) -> &'static str {
        match self {
            Self::SessionId => "session id",
            Self::Ticket => "ticket",
            Self::Psk => "psk",
        }
    }
}

impl core::fmt::Display for ResumptionMechanism {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// One certificate of a chain, field by field, for traces. Built by
/// [`crate::verify::certinfo::trace_certificate`]; it decides nothing (the checks are
/// reported by [`TraceEvent::CertificateCheck`]).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct CertificateInfo {
    /// The subject distinguished name, e.g. `"O=Example, CN=localhost"` (RDNs in
    /// encoded order).
    pub subject: String,
    /// The issuer distinguished name, in the same form.
    pub issuer: String,
    /// The serial number, lowercase hex as encoded.
    pub serial: String,
    /// Start of the validity period, seconds since the Unix epoch.
    pub not_before: i64,
    /// End of the validity period, seconds since the Unix epoch.
    pub not_after: i64,
    /// subjectAltName entries in order, as `"DNS:localhost"`, `"IP:127.0.0.1"`,
    /// `"email:a@b"`, `"URI:…"`.
    pub subject_alt_names: Vec<String>,
    /// The public key's algorithm: `"RSA"`, `"RSA-PSS"`, `"ECDSA"`, `"Ed25519"`,
    /// `"Ed448"`, `"ML-DSA-65"`, … (or the dotted OID when unknown).
    pub key_type: String,
    /// The key size in bits: the RSA modulus, the curve size for ECDSA (256, 384, 521),
    /// 256 for Ed25519, 456 for Ed448 (as OpenSSL counts them); `None` when unknown.
    pub key_bits: Option<u32>,
    /// The named curve for ECDSA keys (`"P-256"`), `None` otherwise.
    pub curve: Option<String>,
    /// The algorithm the issuer signed with, e.g. `"sha256WithRSAEncryption"`.
    pub signature_algorithm: String,
    /// SHA-256 of the DER certificate, lowercase hex (what `openssl x509 -fingerprint
    /// -sha256` prints, without the colons).
    pub fingerprint_sha256: String,
    /// Whether basicConstraints marks it as a CA.
    pub is_ca: bool,
    /// Size of the DER encoding in bytes.
    pub der_len: usize,
    /// Set when the certificate could not be parsed: the other fields (but the
    /// fingerprint and length) are then empty.
    pub parse_error: Option<String>,
}

/// The name of a TLS 1.2 ClientCertificateType code (RFC 5246 §7.4.4, RFC 8422 §5.5):
/// `"rsa_sign"`, `"ecdsa_sign"`, …, or `"unknown(N)"`.
pub fn certificate_type_name(code: u8) -> String {
    match code {
        1 => "rsa_sign".into(),
        2 => "dss_sign".into(),
        3 => "rsa_fixed_dh".into(),
        4 => "dss_fixed_dh".into(),
        64 => "ecdsa_sign".into(),
        65 => "rsa_fixed_ecdh".into(),
        66 => "ecdsa_fixed_ecdh".into(),
        other => format!("unknown({other})"),
    }
}

/// One step of a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TraceEvent {
    /// A ClientHello was sent or received.
    ClientHello {
        /// Who sent it.
        from: Side,
        /// Versions offered (supported_versions, else legacy_version).
        versions: Vec<ProtocolVersion>,
        /// The client random.
        random: [u8; 32],
        /// The legacy session id.
        session_id: Vec<u8>,
        /// Offered suites, in order.
        cipher_suites: Vec<CipherSuite>,
        /// Extensions, in order.
        extensions: Vec<ExtensionType>,
        /// Server name (SNI).
        server_name: Option<String>,
        /// Groups of the key shares sent.
        key_shares: Vec<NamedGroup>,
        /// Compression methods offered, in order (RFC 5246 §7.4.1.2): `[0]`, null only,
        /// from any sane client; TLS 1.3 requires exactly that.
        compression_methods: Vec<u8>,
    },
    /// The server asked for another key share.
    HelloRetryRequest {
        /// Who sent it.
        from: Side,
        /// The group the server wants.
        group: NamedGroup,
    },
    /// A ServerHello was sent or received.
    ServerHello {
        /// Who sent it.
        from: Side,
        /// The chosen version.
        version: ProtocolVersion,
        /// The server random.
        random: [u8; 32],
        /// The session id echoed or assigned.
        session_id: Vec<u8>,
        /// The chosen suite.
        cipher_suite: CipherSuite,
        /// The key-exchange group.
        group: Option<NamedGroup>,
        /// Extensions, in order.
        extensions: Vec<ExtensionType>,
        /// The chosen compression method: always 0 (null); lucidtls refuses compression
        /// (CRIME), and TLS 1.3 fixes the field to 0.
        compression_method: u8,
    },
    /// The (EC)DHE exchange finished and the handshake secret was derived.
    KeyExchange {
        /// The group.
        group: NamedGroup,
    },
    /// Traffic keys were derived and installed.
    KeysDerived {
        /// Which keys (e.g. "client handshake traffic").
        name: &'static str,
        /// Key length in bytes.
        key_len: usize,
        /// IV length in bytes.
        iv_len: usize,
    },
    /// A (middlebox-compatibility) ChangeCipherSpec.
    ChangeCipherSpec {
        /// Who sent it.
        from: Side,
    },
    /// EncryptedExtensions.
    EncryptedExtensions {
        /// Who sent it.
        from: Side,
        /// Extensions, in order.
        extensions: Vec<ExtensionType>,
        /// The selected ALPN protocol.
        alpn: Option<String>,
    },
    /// A CertificateRequest.
    CertificateRequest {
        /// Who sent it.
        from: Side,
        /// Acceptable signature schemes.
        schemes: Vec<SignatureScheme>,
        /// TLS 1.2 `certificate_types` (ClientCertificateType codes: 1 rsa_sign,
        /// 64 ecdsa_sign; see [`certificate_type_name`]); empty in TLS 1.3, which has none.
        certificate_types: Vec<u8>,
        /// The certificate authorities the client's chain should lead to, each
        /// distinguished name as text (`"CN=Client CA, O=Example"`); empty when the
        /// server names none (any authority it trusts).
        ca_names: Vec<String>,
    },
    /// A Certificate message.
    Certificate {
        /// Who sent it.
        from: Side,
        /// Each certificate, end entity first: a one-line summary (subject, issuer, validity, key).
        chain: Vec<String>,
        /// The same certificates, end entity first, field by field.
        certificates: Vec<CertificateInfo>,
    },
    /// One certificate check and its outcome.
    CertificateCheck {
        /// Which check.
        check: CertificateCheck,
        /// Whether it passed. True for a check that did not run (`checked` false) and
        /// fails nothing, such as revocation without CRLs.
        passed: bool,
        /// Whether the check ran: false means "not checked", neither passed nor failed
        /// (`detail` says why). False with `passed` false: verification was switched off.
        checked: bool,
        /// What was checked against what.
        detail: String,
    },
    /// CertificateVerify.
    CertificateVerify {
        /// Who sent it.
        from: Side,
        /// The scheme.
        scheme: SignatureScheme,
        /// Whether we verified it (false for the one we sent).
        verified: bool,
    },
    /// Finished.
    Finished {
        /// Who sent it.
        from: Side,
        /// Whether we verified it (false for the one we sent).
        verified: bool,
    },
    /// The handshake completed.
    HandshakeComplete {
        /// The version.
        version: ProtocolVersion,
        /// The suite.
        cipher_suite: CipherSuite,
        /// The key-exchange group.
        group: Option<NamedGroup>,
        /// The ALPN protocol.
        alpn: Option<String>,
    },
    /// TLS 1.2 ServerKeyExchange: the server's signed (EC)DHE parameters.
    ServerKeyExchange {
        /// Who sent it.
        from: Side,
        /// ECDHE or DHE.
        kx: crate::suites::KeyExchange,
        /// The ECDHE group or FFDHE named group (if named).
        group: Option<NamedGroup>,
        /// Size of the DH prime in bits (DHE only).
        dh_bits: Option<usize>,
        /// The signature scheme.
        scheme: SignatureScheme,
        /// Whether we verified the signature (false for the one we sent).
        verified: bool,
    },
    /// TLS 1.2 ServerHelloDone.
    ServerHelloDone {
        /// Who sent it.
        from: Side,
    },
    /// TLS 1.2 ClientKeyExchange.
    ClientKeyExchange {
        /// Who sent it.
        from: Side,
        /// How the pre-master secret travels.
        kx: crate::suites::KeyExchange,
    },
    /// TLS 1.2: pre-master secret → master secret.
    MasterSecret {
        /// Whether the extended master secret (RFC 7627) was used.
        extended: bool,
    },
    /// TLS 1.2 HelloRequest: the server asks the client to start a new handshake
    /// (RFC 5246 §7.4.1.1). A [`TraceEvent::Renegotiation`] follows, saying whether the
    /// client went along, unless the client ignored the request.
    HelloRequest {
        /// Who sent it (always the server).
        from: Side,
        /// Whether the client ignored it, as it must when it arrives during a handshake.
        ignored: bool,
    },
    /// A renegotiation attempt and what we did about it.
    Renegotiation {
        /// Who asked.
        from: Side,
        /// Whether it was accepted.
        accepted: bool,
    },
    /// An offer to resume a session, and its outcome: on the server when it decides,
    /// on the client when the ServerHello tells.
    Resumption {
        /// The version of the resumed session.
        version: ProtocolVersion,
        /// Session id, ticket or PSK.
        mechanism: ResumptionMechanism,
        /// Whether the session was resumed (an abbreviated handshake follows).
        accepted: bool,
        /// Why not, when not accepted (for instance "the ticket has expired").
        reason: Option<&'static str>,
    },
    /// A NewSessionTicket.
    NewSessionTicket {
        /// Who sent it.
        from: Side,
        /// Its lifetime in seconds.
        lifetime: u32,
        /// Length of the opaque ticket in bytes (its content is never traced).
        ticket_len: usize,
        /// Which ticket this is on this connection, from 1 (TLS 1.3 servers send several
        /// after the handshake; TLS 1.2 has one per handshake).
        index: Option<u32>,
        /// How many tickets the server sends after this handshake: known to the server,
        /// and to a TLS 1.2 client (always 1); `None` for a TLS 1.3 client, which cannot
        /// know whether more will come.
        count: Option<u32>,
    },
    /// A KeyUpdate.
    KeyUpdate {
        /// Who sent it.
        from: Side,
        /// Whether the sender asked for an update in return.
        update_requested: bool,
    },
    /// Application data: one write of the application (split into as many records as
    /// the record size limit needs) or one record received.
    ApplicationData {
        /// Who sent it.
        from: Side,
        /// Plaintext bytes.
        bytes: usize,
        /// How many records carried them (always 1 on the receiving side).
        records: usize,
    },
    /// An alert.
    Alert {
        /// Who sent it.
        from: Side,
        /// The alert.
        description: AlertDescription,
        /// Whether it was fatal.
        fatal: bool,
    },
}

impl TraceEvent {
    /// The step's name, as the variant is called: `"ClientHello"`, `"Finished"`, …
    pub fn name(&self) -> &'static str {
        match self {
            Self::ClientHello { .. } => "ClientHello",
            Self::HelloRetryRequest { .. } => "HelloRetryRequest",
            Self::ServerHello { .. } => "ServerHello",
            Self::KeyExchange { .. } => "KeyExchange",
            Self::KeysDerived { .. } => "KeysDerived",
            Self::ChangeCipherSpec { .. } => "ChangeCipherSpec",
            Self::EncryptedExtensions { .. } => "EncryptedExtensions",
            Self::CertificateRequest { .. } => "CertificateRequest",
            Self::Certificate { .. } => "Certificate",
            Self::CertificateCheck { .. } => "CertificateCheck",
            Self::CertificateVerify { .. } => "CertificateVerify",
            Self::Finished { .. } => "Finished",
            Self::HandshakeComplete { .. } => "HandshakeComplete",
            Self::ServerKeyExchange { .. } => "ServerKeyExchange",
            Self::ServerHelloDone { .. } => "ServerHelloDone",
            Self::ClientKeyExchange { .. } => "ClientKeyExchange",
            Self::MasterSecret { .. } => "MasterSecret",
            Self::HelloRequest { .. } => "HelloRequest",
            Self::Renegotiation { .. } => "Renegotiation",
            Self::Resumption { .. } => "Resumption",
            Self::NewSessionTicket { .. } => "NewSessionTicket",
            Self::KeyUpdate { .. } => "KeyUpdate",
            Self::ApplicationData { .. } => "ApplicationData",
            Self::Alert { .. } => "Alert",
        }
    }

    /// The side that sent the message, for events that are messages (or asked, for
    /// Renegotiation); `None` for local steps (key derivation, checks, completion).
    pub fn sender(&self) -> Option<Side> {
        match self {
            Self::ClientHello { from, .. }
            | Self::HelloRetryRequest { from, .. }
            | Self::ServerHello { from, .. }
            | Self::ChangeCipherSpec { from }
            | Self::EncryptedExtensions { from, .. }
            | Self::CertificateRequest { from, .. }
            | Self::Certificate { from, .. }
            | Self::CertificateVerify { from, .. }
            | Self::Finished { from, .. }
            | Self::ServerKeyExchange { from, .. }
            | Self::ServerHelloDone { from }
            | Self::ClientKeyExchange { from, .. }
            | Self::HelloRequest { from, .. }
            | Self::Renegotiation { from, .. }
            | Self::NewSessionTicket { from, .. }
            | Self::KeyUpdate { from, .. }
            | Self::ApplicationData { from, .. }
            | Self::Alert { from, .. } => Some(*from),
            Self::KeyExchange { .. }
            | Self::KeysDerived { .. }
            | Self::CertificateCheck { .. }
            | Self::HandshakeComplete { .. }
            | Self::MasterSecret { .. }
            | Self::Resumption { .. } => None,
        }
    }

    /// Logs the event to `tracing` (target `lucidtls::trace`, level DEBUG), its values
    /// as separate fields: `step`, `from` (when a message), then the step's own values.
    fn log(&self) {
        use tracing::debug;
        const T: &str = "lucidtls::trace";
        let step = self.name();
        let from = self.sender().map(Side::name).unwrap_or("");
        match self {
            Self::ClientHello {
                versions,
                random,
                session_id,
                cipher_suites,
                extensions,
                server_name,
                key_shares,
                compression_methods,
                ..
            } => debug!(target: T, step, from,
                versions = %List(versions), random = %Hex(random), session_id = %Hex(session_id),
                cipher_suites = %List(cipher_suites), extensions = %List(extensions),
                server_name = server_name.as_deref().unwrap_or(""), key_shares = %List(key_shares),
                compression_methods = ?compression_methods),
            Self::HelloRetryRequest { group, .. } => debug!(target: T, step, from, group = %group),
            Self::ServerHello {
                version,
                random,
                session_id,
                cipher_suite,
                group,
                extensions,
                compression_method,
                ..
            } => debug!(target: T, step, from, version = %version, random = %Hex(random),
                session_id = %Hex(session_id), cipher_suite = %cipher_suite,
                group = %Opt(group.as_ref()), extensions = %List(extensions), compression_method),
            Self::KeyExchange { group } => debug!(target: T, step, group = %group),
            Self::KeysDerived {
                name,
                key_len,
                iv_len,
            } => debug!(target: T, step, name, key_len, iv_len),
            Self::ChangeCipherSpec { .. } | Self::ServerHelloDone { .. } => {
                debug!(target: T, step, from)
            }
            Self::EncryptedExtensions {
                extensions, alpn, ..
            } => debug!(target: T, step, from, extensions = %List(extensions),
                alpn = alpn.as_deref().unwrap_or("")),
            Self::CertificateRequest {
                schemes,
                certificate_types,
                ca_names,
                ..
            } => debug!(target: T, step, from, schemes = %List(schemes),
                certificate_types = ?certificate_types, ca_names = ?ca_names),
            Self::Certificate { certificates, .. } => {
                let leaf = certificates.first();
                debug!(target: T, step, from, count = certificates.len(),
                    subject = leaf.map_or("", |c| c.subject.as_str()),
                    issuer = leaf.map_or("", |c| c.issuer.as_str()),
                    key_type = leaf.map_or("", |c| c.key_type.as_str()),
                    key_bits = leaf.and_then(|c| c.key_bits).unwrap_or(0),
                    fingerprint_sha256 = leaf.map_or("", |c| c.fingerprint_sha256.as_str()))
            }
            Self::CertificateCheck {
                check,
                passed,
                checked,
                detail,
            } => debug!(target: T, step, check = ?check, passed, checked,
                detail = detail.as_str()),
            Self::CertificateVerify {
                scheme, verified, ..
            } => debug!(target: T, step, from, scheme = %scheme, verified),
            Self::Finished { verified, .. } => debug!(target: T, step, from, verified),
            Self::HandshakeComplete {
                version,
                cipher_suite,
                group,
                alpn,
            } => debug!(target: T, step, version = %version, cipher_suite = %cipher_suite,
                group = %Opt(group.as_ref()), alpn = alpn.as_deref().unwrap_or("")),
            Self::ServerKeyExchange {
                kx,
                group,
                dh_bits,
                scheme,
                verified,
                ..
            } => debug!(target: T, step, from, kx = ?kx, group = %Opt(group.as_ref()),
                dh_bits = dh_bits.unwrap_or(0), scheme = %scheme, verified),
            Self::ClientKeyExchange { kx, .. } => debug!(target: T, step, from, kx = ?kx),
            Self::MasterSecret { extended } => debug!(target: T, step, extended),
            Self::HelloRequest { ignored, .. } => debug!(target: T, step, from, ignored),
            Self::Renegotiation { accepted, .. } => debug!(target: T, step, from, accepted),
            Self::Resumption {
                version,
                mechanism,
                accepted,
                reason,
            } => debug!(target: T, step, version = %version, mechanism = %mechanism, accepted,
                reason = reason.unwrap_or("")),
            Self::NewSessionTicket {
                lifetime,
                ticket_len,
                index,
                count,
                ..
            } => debug!(target: T, step, from, lifetime, ticket_len,
                index = index.unwrap_or(0), count = count.unwrap_or(0)),
            Self::KeyUpdate {
                update_requested, ..
            } => debug!(target: T, step, from, update_requested),
            Self::ApplicationData { bytes, records, .. } => {
                debug!(target: T, step, from, bytes, records)
            }
            Self::Alert {
                description, fatal, ..
            } => debug!(target: T, step, from, description = %description, fatal),
        }
    }
}

/// Formats a list as `a,b,c` for a tracing field.
struct List<'a, T>(&'a [T]);

impl<T: core::fmt::Display> core::fmt::Display for List<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for (i, item) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{item}")?;
        }
        Ok(())
    }
}

/// Formats public bytes (randoms, session ids) as lowercase hex for a tracing field.
struct Hex<'a>(&'a [u8]);

impl core::fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// Formats an optional value, empty when absent, for a tracing field.
struct Opt<'a, T>(Option<&'a T>);

impl<T: core::fmt::Display> core::fmt::Display for Opt<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            Some(v) => write!(f, "{v}"),
            None => Ok(()),
        }
    }
}

/// Receives trace events.
pub trait Observer: Send + Sync {
    /// Called once per event, in order.
    fn on_event(&self, event: &TraceEvent);
}

/// The per-connection emitter; free when no observer is registered.
#[derive(Clone, Default)]
pub struct Tracer {
    observer: Option<Arc<dyn Observer>>,
}

impl Tracer {
    /// A tracer that reports to `observer`, if any.
    pub fn new(observer: Option<Arc<dyn Observer>>) -> Self {
        Self { observer }
    }

    /// Whether someone listens (the observer, or a `tracing` subscriber that wants
    /// `lucidtls::trace` at DEBUG): work done only for events (describing
    /// certificates, say) can be skipped when not.
    #[inline]
    pub fn is_observed(&self) -> bool {
        self.observer.is_some() || tracing_wants_events()
    }

    /// Builds and delivers an event, only if someone listens: the closure is not even
    /// called otherwise.
    #[inline]
    pub fn emit(&self, event: impl FnOnce() -> TraceEvent) {
        let logged = tracing_wants_events();
        if self.observer.is_none() && !logged {
            return;
        }
        let ev = event();
        if logged {
            ev.log();
        }
        if let Some(obs) = &self.observer {
            obs.on_event(&ev);
        }
    }
}

/// Whether a `tracing` subscriber listens to `lucidtls::trace` at DEBUG. The answer is
/// cached per call site by `tracing` (and compiled out when the static max level is
/// below DEBUG), so asking costs a load and a compare.
#[inline]
fn tracing_wants_events() -> bool {
    tracing::enabled!(target: "lucidtls::trace", tracing::Level::DEBUG)
}

impl core::fmt::Debug for Tracer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(if self.observer.is_some() {
            "Tracer(observed)"
        } else {
            "Tracer(off)"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Count(AtomicUsize);

    impl Observer for Count {
        fn on_event(&self, _: &TraceEvent) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn unobserved_tracer_never_builds_events() {
        // No observer and no tracing subscriber: the closure must not even run.
        let tracer = Tracer::default();
        assert!(!tracer.is_observed());
        tracer.emit(|| panic!("built an event nobody listens to"));
        assert_eq!(format!("{tracer:?}"), "Tracer(off)");
    }

    #[test]
    fn observed_tracer_delivers_each_event_once() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let tracer = Tracer::new(Some(count.clone()));
        assert!(tracer.is_observed());
        let mut built = 0;
        for _ in 0..3 {
            tracer.emit(|| {
                built += 1;
                TraceEvent::MasterSecret { extended: true }
            });
        }
        assert_eq!((built, count.0.load(Ordering::Relaxed)), (3, 3));
    }

    #[test]
    fn names_senders_and_certificate_types() {
        let hr = TraceEvent::HelloRequest {
            from: Side::Server,
            ignored: true,
        };
        assert_eq!(hr.name(), "HelloRequest");
        assert_eq!(hr.sender(), Some(Side::Server));
        let ms = TraceEvent::MasterSecret { extended: false };
        assert_eq!((ms.name(), ms.sender()), ("MasterSecret", None));
        assert_eq!(certificate_type_name(1), "rsa_sign");
        assert_eq!(certificate_type_name(64), "ecdsa_sign");
        assert_eq!(certificate_type_name(200), "unknown(200)");
        assert_eq!(Side::Client.name(), "client");
    }
}
