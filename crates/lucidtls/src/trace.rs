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

impl core::fmt::Display for Side {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Client => "client",
            Self::Server => "server",
        })
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
    },
    /// A Certificate message.
    Certificate {
        /// Who sent it.
        from: Side,
        /// Each certificate, end entity first: a one-line summary (subject, issuer, validity, key).
        chain: Vec<String>,
    },
    /// One certificate check and its outcome.
    CertificateCheck {
        /// Which check.
        check: CertificateCheck,
        /// Whether it passed.
        passed: bool,
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
    },
    /// A KeyUpdate.
    KeyUpdate {
        /// Who sent it.
        from: Side,
        /// Whether the sender asked for an update in return.
        update_requested: bool,
    },
    /// Application data records.
    ApplicationData {
        /// Who sent it.
        from: Side,
        /// Plaintext bytes.
        bytes: usize,
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

    /// Whether someone listens: work done only for events (describing certificates,
    /// say) can be skipped when not.
    #[inline]
    pub fn is_observed(&self) -> bool {
        self.observer.is_some()
    }

    /// Builds and delivers an event, only if someone listens.
    #[inline]
    pub fn emit(&self, event: impl FnOnce() -> TraceEvent) {
        if let Some(obs) = &self.observer {
            let ev = event();
            tracing::debug!(target: "lucidtls::trace", event = ?ev);
            obs.on_event(&ev);
        }
    }
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
