//! The client's opening, shared by both versions: the ClientHello, and the
//! ServerHello that decides whether TLS 1.3 or TLS 1.2 follows. Certificate
//! validation, which both versions perform the same way, lives here too.

use super::traffic12::Binding;
use super::transcript::Transcript;
use super::{decode_sent, unexpected, HandshakeMessage, State};
use crate::config::{ClientConfig, ServerVerification};
use crate::conn::Common;
use crate::crypto::ActiveKx;
use crate::enums::{CipherSuite, HandshakeType, ProtocolVersion, PskKeyExchangeMode};
use crate::error::{CertificateCheck, Error};
use crate::keys::tls13::EarlySecret;
use crate::msgs::server_hello::{DOWNGRADE_TLS11, DOWNGRADE_TLS12};
use crate::msgs::{ClientHello, OfferedHello, ServerHelloRef};
use crate::session::{Tls12Session, Tls13Ticket};
use crate::suites::{tls12_suite, tls13_suite, Bulk};
use crate::trace::{Side, TraceEvent};
use crate::verify::{self, SignatureVerified, VerifiedServerChain};
use rustls_pki_types::{CertificateDer, ServerName};
use std::sync::Arc;

/// What the client remembers between its hello and the server's answer.
pub(crate) struct HelloState {
    pub(crate) config: Arc<ClientConfig>,
    pub(crate) server_name: ServerName<'static>,
    pub(crate) random: [u8; 32],
    pub(crate) session_id: Vec<u8>,
    pub(crate) key_shares: Vec<Box<dyn ActiveKx>>,
    /// The ClientHello last sent, as sent (header included): what the transcript
    /// starts with, and what the server's answer is checked against.
    pub(crate) hello_bytes: Vec<u8>,
    /// The name sessions are stored under: the DNS name, or the IP address as text.
    pub(crate) store_name: String,
    /// The TLS 1.2 session we offer to resume (by session id, or by its ticket).
    pub(crate) resuming12: Option<Tls12Session>,
    /// The TLS 1.3 ticket we offer as a PSK.
    pub(crate) resuming13: Option<Tls13Ticket>,
    /// The early secret of that ticket's PSK, computed for the binder of the
    /// ClientHello last sent and kept for the key schedule if the server takes it.
    pub(crate) psk_early: Option<EarlySecret>,
    /// A renegotiation (RFC 5746): the last handshake's Finished values, which our
    /// renegotiation_info carries and the server's must repeat.
    pub(crate) renegotiation: Option<Binding>,
}

impl HelloState {
    /// What the ClientHello last sent offered, read from its encoding.
    pub(crate) fn offered(&self) -> Result<OfferedHello<'_>, Error> {
        OfferedHello::read(&self.hello_bytes)
            .map_err(|_| Error::Internal("our own ClientHello does not parse"))
    }
}

/// Begins the handshake: sends the first ClientHello.
pub(crate) fn start(
    cx: &mut Common,
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
) -> Result<Box<dyn State>, Error> {
    let provider = &config.common.provider;
    let mut random = [0u8; 32];
    provider.fill_random(&mut random)?;
    let store_name = store_name(&config, &server_name);
    let (resuming12, resuming13) = sessions_to_offer(&config, &store_name);
    // A TLS 1.2 session resumed by id puts its id here (RFC 5246 §7.4.1.2; RFC 8446
    // §4.1.2 asks the same of a TLS 1.3 client). Otherwise a random id: with a ticket
    // it is how we recognise that the server accepted it (RFC 5077 §3.4), and a
    // non-empty id puts TLS 1.3 in middlebox-compatibility mode (RFC 8446 D.4).
    let session_id = match &resuming12 {
        Some(s) if s.ticket().is_empty() => s.session_id().to_vec(),
        _ => {
            let mut id = vec![0u8; 32];
            provider.fill_random(&mut id)?;
            id
        }
    };
    let mut key_shares = Vec::new();
    // Key shares exist only in TLS 1.3; a TLS 1.2-only client makes its key later.
    let shares = if config.common.supports(ProtocolVersion::Tls13) {
        config.key_shares.max(1)
    } else {
        0
    };
    for group in config.common.groups.iter().take(shares) {
        let kx = provider
            .kx_group(*group)
            .ok_or(Error::Internal("configured group missing"))?;
        key_shares.push(kx.start()?);
    }
    cx.client_random = random;
    let mut state = HelloState {
        config,
        server_name,
        random,
        session_id,
        key_shares,
        hello_bytes: Vec::new(),
        store_name,
        resuming12,
        resuming13,
        psk_early: None,
        renegotiation: None,
    };
    send_client_hello(cx, &mut state, None, None)?;
    Ok(Box::new(ExpectServerHello {
        hello: state,
        retried: None,
    }))
}

/// Renegotiation (RFC 5746 §3.5), on the established TLS 1.2 connection: a new
/// ClientHello under the current keys, offering TLS 1.2 only (the version cannot
/// change) and no session (always a full handshake), with renegotiation_info
/// carrying our last Finished value and no SCSV. `initiator` is the side that asked.
pub(crate) fn start_renegotiation(
    cx: &mut Common,
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
    initiator: Side,
) -> Result<Box<dyn State>, Error> {
    let mut random = [0u8; 32];
    config.common.provider.fill_random(&mut random)?;
    let store_name = store_name(&config, &server_name);
    let binding = cx.renegotiation.binding();
    let mut state = HelloState {
        config,
        server_name,
        random,
        session_id: Vec::new(),
        key_shares: Vec::new(),
        hello_bytes: Vec::new(),
        store_name,
        resuming12: None,
        resuming13: None,
        psk_early: None,
        renegotiation: Some(binding),
    };
    cx.renegotiation.begin(initiator);
    cx.renegotiation.awaiting_peer = true;
    // The key log names this handshake's master secret by its client random.
    cx.client_random = random;
    send_client_hello(cx, &mut state, None, None)?;
    Ok(Box::new(ExpectServerHello {
        hello: state,
        retried: None,
    }))
}

/// The name sessions are stored under: the DNS name, or the IP address as text. Only
/// a client that stores sessions needs one; others get an empty name.
fn store_name(config: &ClientConfig, server_name: &ServerName<'_>) -> String {
    if config.resumption && config.session_store.is_some() {
        server_name.to_str().into_owned()
    } else {
        String::new()
    }
}

/// Step 0: the sessions we can offer — the TLS 1.2 session and the newest TLS 1.3
/// ticket stored for this server, still fresh, and usable with the suites we offer
/// (TLS 1.2: the session's own suite; TLS 1.3: any suite with the ticket's hash).
/// Expired or unusable tickets are dropped: each is taken out of the store.
fn sessions_to_offer(
    config: &ClientConfig,
    name: &str,
) -> (Option<Tls12Session>, Option<Tls13Ticket>) {
    let common = &config.common;
    let Some(store) = config.session_store.as_ref().filter(|_| config.resumption) else {
        return (None, None);
    };
    let now = (common.time)();
    let tls12 = if common.supports(ProtocolVersion::Tls12) {
        store.get_tls12(name).filter(|s| {
            !s.is_expired(now)
                && s.extended_master_secret()
                && common.cipher_suites.contains(&s.cipher_suite())
        })
    } else {
        None
    };
    let mut tls13 = None;
    if common.supports(ProtocolVersion::Tls13) {
        while let Some(t) = store.take_tls13(name) {
            let hash = tls13_suite(t.cipher_suite()).map(|s| s.hash);
            let usable = common
                .cipher_suites
                .iter()
                .filter_map(|s| tls13_suite(*s))
                .any(|s| Some(s.hash) == hash);
            if usable && !t.is_expired(now) {
                tls13 = Some(t);
                break;
            }
        }
    }
    (tls12, tls13)
}

/// Step 1: ClientHello — versions, random, suites, and the extensions that carry
/// our key shares and capabilities; the session or ticket we offer to resume, and
/// for a TLS 1.3 PSK its binder. After a HelloRetryRequest, `retry_transcript` is
/// the transcript so far (message_hash(ClientHello1), HelloRetryRequest), which the
/// new binder covers too. The hello is written straight from the configuration and
/// our state into its message.
pub(crate) fn send_client_hello(
    cx: &mut Common,
    st: &mut HelloState,
    cookie: Option<&[u8]>,
    retry_transcript: Option<&Transcript>,
) -> Result<(), Error> {
    let common = &st.config.common;
    let renegotiating = st.renegotiation.is_some();
    // A renegotiation stays on TLS 1.2, which the first handshake chose.
    let tls13 = common.supports(ProtocolVersion::Tls13) && !renegotiating;
    let tls12 = common.supports(ProtocolVersion::Tls12) || renegotiating;
    let mut bytes = std::mem::take(&mut st.hello_bytes);
    bytes.clear();
    bytes.reserve(HELLO_CAPACITY);
    let mut ext = ClientHello::writer(
        &mut bytes,
        ProtocolVersion::Tls12.to_wire(),
        &st.random,
        &st.session_id,
        offered_suites(&common.cipher_suites, tls13, tls12),
    );
    if st.config.enable_sni {
        if let ServerName::DnsName(name) = &st.server_name {
            ext.server_name(name.as_ref());
        }
    }
    if tls13 {
        ext.supported_versions_offer(&common.versions);
    }
    ext.supported_groups(&common.groups);
    ext.signature_algorithms(&common.signature_schemes);
    if tls13 {
        ext.key_share_offer(st.key_shares.iter().map(|k| (k.group(), k.public_share())));
        let modes: &[PskKeyExchangeMode] = if st.config.psk_ke_allowed {
            &[PskKeyExchangeMode::PskDheKe, PskKeyExchangeMode::PskKe]
        } else {
            &[PskKeyExchangeMode::PskDheKe]
        };
        ext.psk_modes(modes);
    }
    if tls12 {
        // TLS 1.2 capabilities: uncompressed points only (RFC 8422 §5.1.2), the
        // extended master secret (RFC 7627), secure renegotiation (RFC 5746), and
        // Encrypt-then-MAC when a CBC suite is on offer (RFC 7366). Renegotiating,
        // renegotiation_info carries our last Finished value (RFC 5746 §3.5).
        ext.ec_point_formats(&[0]);
        ext.extended_master_secret();
        let ri = st.renegotiation.as_ref().map(|b| &b.client_verify_data[..]);
        ext.renegotiation_info(ri.unwrap_or_default());
        let offers_cbc = common
            .cipher_suites
            .iter()
            .any(|s| tls12_suite(*s).is_some_and(|s| matches!(s.bulk, Bulk::Cbc(_))));
        if common.encrypt_then_mac && offers_cbc {
            ext.encrypt_then_mac();
        }
        // RFC 5077 §3.2: empty to ask for a ticket, or the ticket we resume with.
        if st.config.resumption && st.config.session_store.is_some() {
            let ticket = st.resuming12.as_ref().map(|s| s.ticket());
            ext.session_ticket(ticket.unwrap_or_default());
        }
    }
    // ALPN is chosen once per connection: a renegotiation does not offer it again
    // (as OpenSSL does not), so the protocol cannot change under the application.
    if !common.alpn_protocols.is_empty() && !renegotiating {
        ext.alpn(common.alpn_protocols.iter().map(Vec::as_slice));
    }
    if let Some(cookie) = cookie {
        ext.cookie(cookie);
    }
    // RFC 8446 §4.2.11: pre_shared_key goes last; its binder is filled in below.
    let psk = match &st.resuming13 {
        Some(t) if tls13 => {
            let hash = common.provider.hash(
                tls13_suite(t.cipher_suite())
                    .ok_or(Error::Internal("stored ticket with a non-TLS 1.3 suite"))?
                    .hash,
            );
            let binders_len = ext.psk_offer_placeholder(
                t.ticket(),
                t.obfuscated_age((common.time)()),
                hash.algorithm().output_len(),
            );
            Some((hash, t, binders_len))
        }
        _ => None,
    };
    ext.finish();
    st.psk_early = None;
    if let Some((hash, ticket, binders_len)) = psk {
        let (binder, early) = psk_binder(hash, &ticket.psk, &bytes, binders_len, retry_transcript)?;
        // The binder is the last thing in the message: it takes the place of the
        // zeros it was encoded with.
        let tail = bytes
            .len()
            .checked_sub(binder.as_ref().len())
            .and_then(|start| bytes.get_mut(start..))
            .ok_or(Error::Internal("ClientHello shorter than its binder"))?;
        tail.copy_from_slice(binder.as_ref());
        st.psk_early = Some(early);
    }
    cx.send_handshake(&bytes)?;
    cx.tracer.emit(|| {
        // Only for an observer: the hello read back from what was sent.
        let hello = decode_sent::<ClientHello>(&bytes);
        let hello = hello.as_ref();
        TraceEvent::ClientHello {
            from: Side::Client,
            versions: if renegotiating {
                vec![ProtocolVersion::Tls12]
            } else {
                common.versions.clone()
            },
            random: st.random,
            session_id: st.session_id.clone(),
            cipher_suites: hello.map(|h| h.cipher_suites.clone()).unwrap_or_default(),
            extensions: hello.map(|h| h.extensions.types()).unwrap_or_default(),
            server_name: hello.and_then(|h| h.extensions.server_name().cloned().flatten()),
            key_shares: if tls13 {
                st.key_shares.iter().map(|k| k.group()).collect()
            } else {
                Vec::new()
            },
            compression_methods: vec![0],
        }
    });
    st.hello_bytes = bytes;
    Ok(())
}

/// Room for a usual ClientHello, taken at once.
const HELLO_CAPACITY: usize = 512;

/// The suites a hello offers: the configured ones, in order, of the versions offered.
pub(crate) fn offered_suites(
    suites: &[CipherSuite],
    tls13: bool,
    tls12: bool,
) -> impl Iterator<Item = CipherSuite> + '_ {
    suites.iter().copied().filter(move |s| {
        (tls13 && tls13_suite(*s).is_some()) || (tls12 && tls12_suite(*s).is_some())
    })
}

/// The PSK binder (RFC 8446 §4.2.11.2): an HMAC keyed from the PSK over the
/// transcript through this ClientHello (`encoded`, with zeros for the binder), cut
/// before the binders list (the last `binders_len` bytes); with the early secret it
/// was keyed from, for the schedule.
fn psk_binder(
    hash: &'static dyn crate::crypto::Hash,
    psk: &crate::crypto::Secret,
    encoded: &[u8],
    binders_len: usize,
    retry_transcript: Option<&Transcript>,
) -> Result<(crate::crypto::Digest, EarlySecret), Error> {
    let truncated = encoded
        .len()
        .checked_sub(binders_len)
        .and_then(|end| encoded.get(..end))
        .ok_or(Error::Internal("ClientHello shorter than its binders"))?;
    let digest = match retry_transcript {
        Some(t) => t.hash_with(truncated),
        None => hash.hash(truncated),
    };
    let early = EarlySecret::new(hash, Some(psk.expose()));
    let binder = early.resumption_binder(&digest);
    Ok((binder, early))
}

pub(crate) struct ExpectServerHello {
    pub(crate) hello: HelloState,
    /// After a HelloRetryRequest: the transcript so far and the suite it named.
    pub(crate) retried: Option<(Transcript, CipherSuite)>,
}

impl State for ExpectServerHello {
    fn handle(
        self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage<'_>,
    ) -> Result<Box<dyn State>, Error> {
        if msg.typ != HandshakeType::ServerHello {
            return Err(unexpected("ServerHello", &msg));
        }
        let sh = ServerHelloRef::decode(msg.body())?;
        if self.hello.renegotiation.is_some() {
            // A renegotiation offered TLS 1.2 alone: anything else is not an answer to it.
            if sh.is_hello_retry_request()
                || sh.extensions.supported_version_selected().is_some()
                || sh.legacy_version != ProtocolVersion::Tls12.to_wire()
            {
                return Err(Error::IllegalParameter(
                    "server changed the protocol version on renegotiation",
                ));
            }
            return super::client12::handle_server_hello(cx, self.hello, sh, msg);
        }
        if sh.is_hello_retry_request() {
            return self.handle_hello_retry_request(cx, sh, msg.bytes);
        }
        match negotiated_version(&self.hello, &sh)? {
            ProtocolVersion::Tls13 => self.handle_server_hello(cx, sh, msg.bytes),
            _ => super::client12::handle_server_hello(cx, self.hello, sh, msg),
        }
    }
}

/// Which version the ServerHello chose, checked against what we offered; a TLS 1.2
/// answer from a server that could do TLS 1.3 must not carry the downgrade
/// sentinel (RFC 8446 §4.1.3).
fn negotiated_version(
    hello: &HelloState,
    sh: &ServerHelloRef<'_>,
) -> Result<ProtocolVersion, Error> {
    let common = &hello.config.common;
    let version = match sh.extensions.supported_version_selected() {
        // RFC 8446 §4.2.1: supported_versions may only select TLS 1.3.
        Some(ProtocolVersion::Tls13) => ProtocolVersion::Tls13,
        Some(_) => {
            return Err(Error::IllegalParameter(
                "supported_versions selected a version other than TLS 1.3",
            ))
        }
        None => ProtocolVersion::from_wire(sh.legacy_version),
    };
    match version {
        ProtocolVersion::Tls13 if common.supports(ProtocolVersion::Tls13) => {}
        ProtocolVersion::Tls13 => {
            return Err(Error::IllegalParameter(
                "server chose TLS 1.3, which we did not offer",
            ))
        }
        ProtocolVersion::Tls12 if common.supports(ProtocolVersion::Tls12) => {
            if sh.extensions.supported_version_selected().is_some() {
                // RFC 8446 §4.2.1: supported_versions may only select TLS 1.3.
                return Err(Error::IllegalParameter(
                    "supported_versions selected TLS 1.2",
                ));
            }
            let tail = &sh.random[24..];
            if common.supports(ProtocolVersion::Tls13)
                && (tail == DOWNGRADE_TLS12 || tail == DOWNGRADE_TLS11)
            {
                return Err(Error::Downgrade);
            }
        }
        ProtocolVersion::Ssl3 => return Err(Error::VersionRefused(version)),
        _ => return Err(Error::NoCommonVersion),
    }
    Ok(version)
}

/// One-line summaries of a chain for the trace.
pub(crate) fn summarize_chain(chain: &[CertificateDer<'static>]) -> Vec<String> {
    chain
        .iter()
        .map(|c| match verify::describe_certificate(c) {
            Ok(i) => format!(
                "subject {}; issuer {}; valid {} to {}; key {}",
                i.subject,
                i.issuer,
                i.not_before_utc(),
                i.not_after_utc(),
                i.public_key
            ),
            Err(_) => format!("unparseable certificate ({} bytes)", c.as_ref().len()),
        })
        .collect()
}

/// Proof that the server's chain was checked, or that the user disabled checking.
/// It is only carried, never read: holding it is the point.
#[allow(dead_code)]
pub(crate) enum ServerIdentity {
    Verified(Box<VerifiedServerChain>),
    Unverified,
}

/// How the server proved who it is in this handshake; the TLS 1.3 Finished state
/// holds one, so it cannot be reached without either.
#[allow(dead_code)]
pub(crate) enum ServerAuthenticated {
    /// Its chain was checked and its key signed the transcript (CertificateVerify).
    Signed(ServerIdentity, SignatureVerified),
    /// Resumption: it selected our PSK, which only the server authenticated when the
    /// session began can hold; its Finished, checked next, proves it does.
    Resumed,
}

/// Step: certificate validation — chain, validity, usage, name — each check traced.
pub(crate) fn verify_server_certificate(
    cx: &mut Common,
    config: &ClientConfig,
    server_name: &ServerName<'static>,
    chain: &[CertificateDer<'static>],
) -> Result<ServerIdentity, Error> {
    let roots = match &config.verification {
        ServerVerification::Roots(r) => r,
        ServerVerification::DangerousDisabled => {
            cx.tracer.emit(|| TraceEvent::CertificateCheck {
                check: CertificateCheck::ChainToTrustAnchor,
                passed: false,
                checked: false,
                detail: "verification disabled by configuration (--no-verify)".into(),
            });
            return Ok(ServerIdentity::Unverified);
        }
    };
    let now = (config.common.time)();
    let result = verify::verify_server_chain(
        &*config.common.provider,
        roots,
        chain,
        server_name,
        None,
        now,
    );
    match result {
        Ok(v) => {
            // Reports are written on demand: only when someone listens.
            if cx.tracer.is_observed() {
                for r in v.reports() {
                    cx.tracer.emit(|| TraceEvent::CertificateCheck {
                        check: r.check,
                        passed: r.passed,
                        checked: r.checked,
                        detail: r.detail.clone(),
                    });
                }
            }
            Ok(ServerIdentity::Verified(Box::new(v)))
        }
        Err(e) => {
            if let Error::Certificate { check, detail } = &e {
                cx.tracer.emit(|| TraceEvent::CertificateCheck {
                    check: *check,
                    passed: false,
                    checked: true,
                    detail: detail.clone(),
                });
            }
            Err(e)
        }
    }
}
