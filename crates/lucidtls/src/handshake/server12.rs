//! The TLS 1.2 server, in the order of the classic handshake (RFC 5246 §7.3):
//! ClientHello → ServerHello, Certificate, ServerKeyExchange, CertificateRequest?,
//! ServerHelloDone → the client's Certificate?, ClientKeyExchange,
//! CertificateVerify?, ChangeCipherSpec, Finished → our NewSessionTicket?,
//! ChangeCipherSpec and Finished. Resuming a session (by session id, RFC 5246 §7.3, or
//! ticket, RFC 5077 §3.1): ClientHello → ServerHello, NewSessionTicket?,
//! ChangeCipherSpec, Finished → the client's ChangeCipherSpec and Finished.

use super::client_auth::{
    acceptable_authorities, handle_client_certificate, ClientChain, ClientIdentity,
};
use super::kx12::ServerKx;
use super::tls12::Session12;
use super::traffic12::{Binding, RenegotiationState, Traffic12};
use super::transcript::Transcript;
use super::{constant_time_eq, decode_sent, unexpected, verify_finished, HandshakeMessage, State};
use crate::config::ServerConfig;
use crate::conn::Common;
use crate::enums::{
    CipherSuite, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion, SignatureScheme,
};
use crate::error::Error;
use crate::msgs::certificate_request12::{ECDSA_SIGN, RSA_SIGN};
use crate::msgs::server_hello::DOWNGRADE_TLS12;
use crate::msgs::{
    tls12_ske_signed_content, Certificate12, CertificateRequest12, CertificateVerifyRef,
    ClientHelloRef, Finished, HandshakeBody, NewSessionTicket12, ServerHello, ServerHelloDone,
    ServerKeyExchange,
};
use crate::session::server::{cache_key, ServerSession, CACHE_SESSION_ID};
use crate::suites::{tls12_suite, Authentication, Bulk, KeyExchange, Policy, Tls12Suite};
use crate::trace::{ResumptionMechanism, Side, TraceEvent};
use std::sync::Arc;

/// What the server decided from the ClientHello.
struct Choices {
    suite: Tls12Suite,
    group: Option<NamedGroup>,
    scheme: Option<SignatureScheme>,
    alpn: Option<Vec<u8>>,
    extended_master_secret: bool,
    encrypt_then_mac: bool,
    /// The session id for the ServerHello: new (empty when the session will not be
    /// cached), or the client's when resuming.
    session_id: Vec<u8>,
    /// Send a NewSessionTicket (the client asked with session_ticket; tickets are on).
    issue_ticket: bool,
    /// This is an abbreviated handshake.
    resumed: bool,
}

/// The kind of key the server holds, from the schemes it can sign with.
fn key_authentication(schemes: &[SignatureScheme]) -> Authentication {
    if schemes.iter().any(|s| {
        matches!(
            s,
            SignatureScheme::RSA_PSS_RSAE_SHA256 | SignatureScheme::RSA_PKCS1_SHA256
        )
    }) {
        Authentication::Rsa
    } else {
        Authentication::Ecdsa
    }
}

/// Step 1 (TLS 1.2): the ClientHello, once TLS 1.2 has been chosen.
pub(crate) fn handle_client_hello(
    cx: &mut Common,
    config: Arc<ServerConfig>,
    ch: ClientHelloRef<'_>,
    ch_bytes: &[u8],
) -> Result<Box<dyn State>, Error> {
    // RFC 7507: a fallback retry while we could have done better means an attacker
    // interfered with the first attempt.
    if ch.cipher_suites.contains(&CipherSuite::TLS_FALLBACK_SCSV)
        && config.common.supports(ProtocolVersion::Tls13)
    {
        return Err(Error::InappropriateFallback);
    }
    // RFC 5746 §3.6: on an initial handshake renegotiation_info must be empty; it
    // or the SCSV tells that the client supports secure renegotiation.
    if ch
        .extensions
        .renegotiation_info()
        .is_some_and(|ri| !ri.is_empty())
    {
        return Err(Error::HandshakeFailure(
            "non-empty renegotiation_info on the initial handshake",
        ));
    }
    cx.renegotiation.secure = ch.extensions.renegotiation_info().is_some()
        || ch
            .cipher_suites
            .contains(&CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
    if let Some(session) = find_session(cx, &config, &ch) {
        return resume_session(cx, config, ch, ch_bytes, session);
    }
    cx.allow_tls12_records();
    if let Some(name) = ch.extensions.server_name() {
        cx.negotiated.server_name = Some(name.to_string());
    }
    full_handshake(cx, config, ch, ch_bytes, None)
}

/// Renegotiation (RFC 5746 §3.7): a ClientHello on the established TLS 1.2
/// connection, which `Traffic12` accepted (enabled, peer secure, under the limit).
/// It must not carry the SCSV, must carry renegotiation_info equal to the client's
/// last Finished value (constant-time compare; all three are handshake_failure), and
/// must offer TLS 1.2, which cannot change (RFC 8446 §4.1.2: not even to TLS 1.3).
/// Then a full handshake under the current keys, never a resumption.
pub(crate) fn handle_renegotiation_client_hello(
    cx: &mut Common,
    config: Arc<ServerConfig>,
    ch: ClientHelloRef<'_>,
    ch_bytes: &[u8],
    initiator: Side,
) -> Result<Box<dyn State>, Error> {
    cx.tracer.emit(|| TraceEvent::ClientHello {
        from: Side::Client,
        versions: ch
            .extensions
            .supported_versions_offer()
            .map(|v| v.to_vec())
            .unwrap_or_else(|| vec![ProtocolVersion::from_wire(ch.legacy_version)]),
        random: ch.random,
        session_id: ch.session_id.to_vec(),
        cipher_suites: ch.cipher_suites.to_vec(),
        extensions: ch.extensions.types(),
        server_name: ch.extensions.server_name().map(str::to_string),
        key_shares: Vec::new(),
        compression_methods: ch.compression_methods.to_vec(),
    });
    if ch
        .cipher_suites
        .contains(&CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV)
    {
        return Err(Error::HandshakeFailure(
            "renegotiation ClientHello carries the SCSV (RFC 5746 §3.7)",
        ));
    }
    let binding = cx.renegotiation.binding();
    match ch.extensions.renegotiation_info() {
        None => {
            return Err(Error::HandshakeFailure(
                "renegotiation ClientHello lacks renegotiation_info (RFC 5746 §3.7)",
            ))
        }
        Some(ri) if !constant_time_eq(ri, &binding.client_verify_data) => {
            return Err(Error::HandshakeFailure(
                "renegotiation_info does not match the previous handshake (RFC 5746 §3.7)",
            ))
        }
        Some(_) => {}
    }
    let offers_tls12 = match ch.extensions.supported_versions_offer() {
        Some(versions) => versions.contains(&ProtocolVersion::Tls12),
        None => ch.legacy_version >= ProtocolVersion::Tls12.to_wire(),
    };
    if !offers_tls12 {
        return Err(Error::NoCommonVersion);
    }
    if !ch.compression_methods.contains(&0) {
        return Err(Error::CompressionRefused);
    }
    let name = ch.extensions.server_name();
    if name.is_some() && name != cx.negotiated.server_name.as_deref() {
        return Err(Error::IllegalParameter(
            "server name changed on renegotiation",
        ));
    }
    cx.renegotiation.begin(initiator);
    RenegotiationState::forget_last_handshake(&mut cx.negotiated);
    // The key log names this handshake's master secret by its client random.
    cx.client_random = ch.random;
    full_handshake(cx, config, ch, ch_bytes, Some(binding))
}

/// Steps 2-5, a full handshake: ServerHello, Certificate, ServerKeyExchange,
/// CertificateRequest?, ServerHelloDone. `renegotiation`: the binding of the
/// handshake this one renegotiates.
fn full_handshake(
    cx: &mut Common,
    config: Arc<ServerConfig>,
    ch: ClientHelloRef<'_>,
    ch_bytes: &[u8],
    renegotiation: Option<Binding>,
) -> Result<Box<dyn State>, Error> {
    let choices = choose(&config, &ch, renegotiation.is_some())?;
    let mut transcript = Transcript::new(config.common.provider.hash(choices.suite.prf));
    if config.client_auth.roots().is_some() {
        // The client's CertificateVerify will sign the messages themselves.
        transcript.keep_messages();
    }
    transcript.add(ch_bytes);
    let renegotiating = renegotiation.is_some();
    let renegotiation_info = match renegotiation {
        Some(b) => Some(b.server_hello_info()),
        None => cx.renegotiation.secure.then(Vec::new),
    };
    let mut flight = Flight {
        config,
        transcript,
        client_random: ch.random,
        server_random: [0; 32],
        renegotiation_info,
        renegotiating,
    };
    flight.send_server_hello(cx, &ch, &choices)?;
    flight.send_certificate(cx)?;
    let kx = flight.send_server_key_exchange(cx, &choices)?;
    let client_auth_requested = flight.send_certificate_request(cx)?;
    flight.send_server_hello_done(cx)?;
    let next = ExpectClientKeyExchange {
        flight,
        choices,
        kx,
        client_version: ch.legacy_version,
        client_chain: None,
    };
    Ok(if client_auth_requested {
        Box::new(ExpectClientCertificate { next })
    } else {
        Box::new(next)
    })
}

/// Step 1b: the session the client offers to resume — a ticket (RFC 5077 §3.4),
/// else a session id — if we still hold it and may resume it: the same server name,
/// a suite the client still offers and we still enable, the extended master secret
/// then and now (RFC 7627 §5.3), the same Encrypt-then-MAC choice, and a client
/// identity when we require one. Anything else: a full handshake, silently.
fn find_session(
    cx: &mut Common,
    config: &ServerConfig,
    ch: &ClientHelloRef<'_>,
) -> Option<ServerSession> {
    let now = (config.common.time)();
    let offered_ticket = ch.extensions.session_ticket().filter(|t| !t.is_empty());
    let (mechanism, found) = if let Some(ticket) = offered_ticket {
        let found = match &config.ticketer {
            None => Err("tickets are disabled"),
            Some(t) => t
                .decrypt(ticket, now)
                .and_then(|plain| ServerSession::from_bytes(plain.expose()).ok())
                .ok_or("the ticket is not one of ours, or its key has retired"),
        };
        (ResumptionMechanism::Ticket, found)
    } else if !ch.session_id.is_empty() {
        let cache = config.session_cache.as_ref()?;
        let session = cache
            .get(&cache_key(CACHE_SESSION_ID, ch.session_id), now)
            .and_then(|plain| ServerSession::from_bytes(plain.expose()).ok());
        // A TLS 1.3-capable client sends a random id with every hello: only an id we
        // know (and that has not expired) counts as an offer.
        (ResumptionMechanism::SessionId, Ok(session?))
    } else {
        return None;
    };
    let verdict = found.and_then(|s| resumable(config, ch, &s, now.as_secs()).map(|()| s));
    cx.tracer.emit(|| TraceEvent::Resumption {
        version: ProtocolVersion::Tls12,
        mechanism,
        accepted: verdict.is_ok(),
        reason: verdict.as_ref().err().copied(),
    });
    verdict.ok()
}

/// Whether `session` may be resumed with this ClientHello; why not, if not.
fn resumable(
    config: &ServerConfig,
    ch: &ClientHelloRef<'_>,
    session: &ServerSession,
    now: u64,
) -> Result<(), &'static str> {
    if session.version != ProtocolVersion::Tls12 {
        return Err("the ticket is not a TLS 1.2 session");
    }
    if session.is_expired(now) {
        return Err("the session has expired");
    }
    if session.server_name.as_deref() != ch.extensions.server_name() {
        return Err("the session was for another server name");
    }
    // RFC 5246 §7.4.1.2: the client must offer the session's suite again.
    if !ch.cipher_suites.contains(&session.cipher_suite)
        || !config.common.cipher_suites.contains(&session.cipher_suite)
    {
        return Err("the session's cipher suite is not offered or not enabled");
    }
    if !session.extended_master_secret || !ch.extensions.has(ExtensionType::ExtendedMasterSecret) {
        return Err("resumption needs the extended master secret (RFC 7627 §5.3)");
    }
    let etm_offered =
        config.common.encrypt_then_mac && ch.extensions.has(ExtensionType::EncryptThenMac);
    if session.encrypt_then_mac && !etm_offered {
        return Err("the session used Encrypt-then-MAC and the client does not offer it");
    }
    if config.client_auth.is_required() && session.client_chain.is_empty() {
        return Err("a client certificate is required and the session had none");
    }
    Ok(())
}

/// The abbreviated handshake (RFC 5246 §7.3): ServerHello echoing the client's
/// session id, NewSessionTicket when the client takes tickets, then our
/// ChangeCipherSpec and Finished at once; the client's pair comes last.
fn resume_session(
    cx: &mut Common,
    config: Arc<ServerConfig>,
    ch: ClientHelloRef<'_>,
    ch_bytes: &[u8],
    session: ServerSession,
) -> Result<Box<dyn State>, Error> {
    let suite = tls12_suite(session.cipher_suite).ok_or(Error::Internal("resumed suite"))?;
    let choices = Choices {
        suite,
        group: None,
        scheme: None,
        alpn: choose_alpn(&config, &ch)?,
        extended_master_secret: true,
        encrypt_then_mac: session.encrypt_then_mac,
        session_id: ch.session_id.to_vec(),
        issue_ticket: config.ticketer.is_some() && ch.extensions.has(ExtensionType::SessionTicket),
        resumed: true,
    };
    cx.allow_tls12_records();
    if let Some(name) = ch.extensions.server_name() {
        cx.negotiated.server_name = Some(name.to_string());
    }
    let mut transcript = Transcript::new(config.common.provider.hash(suite.prf));
    transcript.add(ch_bytes);
    let mut flight = Flight {
        config: config.clone(),
        transcript,
        client_random: ch.random,
        server_random: [0; 32],
        renegotiation_info: cx.renegotiation.secure.then(Vec::new),
        renegotiating: false,
    };
    flight.send_server_hello(cx, &ch, &choices)?;
    cx.negotiated.resumed = true;
    let keys = Session12::resume(
        cx,
        config.common.provider.clone(),
        suite,
        (flight.client_random, flight.server_random),
        session.secret.clone(),
        session.encrypt_then_mac,
    );
    if choices.issue_ticket {
        // The same session in a fresh ticket (under the current key), keeping its age.
        flight.send_new_session_ticket(cx, &session)?;
    }
    flight.send_finished(cx, &keys)?;
    Ok(Box::new(ExpectChangeCipherSpec {
        flight,
        session: keys,
        identity: ClientIdentity::Resumed(session.client_chain),
        choices,
    }))
}

/// ALPN (RFC 7301 §3.2): our first protocol the client offers; no overlap is fatal.
fn choose_alpn(config: &ServerConfig, ch: &ClientHelloRef<'_>) -> Result<Option<Vec<u8>>, Error> {
    let common = &config.common;
    Ok(match ch.extensions.alpn() {
        Some(theirs) if !common.alpn_protocols.is_empty() => Some(
            common
                .alpn_protocols
                .iter()
                .find(|p| theirs.contains(&p.as_slice()))
                .cloned()
                .ok_or(Error::NoApplicationProtocol)?,
        ),
        _ => None,
    })
}

/// The suite, group, signature scheme and extensions for this client. Renegotiating,
/// ALPN is left as the first handshake chose it (OpenSSL does the same).
fn choose(
    config: &ServerConfig,
    ch: &ClientHelloRef<'_>,
    renegotiating: bool,
) -> Result<Choices, Error> {
    let common = &config.common;
    let our_schemes = config.certified_key.key.schemes();
    let auth = key_authentication(our_schemes);
    let client_groups = ch.extensions.supported_groups();
    // RFC 8422 §5.1.1: without supported_groups any curve will do; we take P-256.
    let ecdhe_group = match client_groups {
        Some(theirs) => common
            .groups
            .iter()
            .copied()
            .find(|g| theirs.contains(g) && *g != NamedGroup::X25519MLKEM768),
        None => Some(NamedGroup::secp256r1),
    };
    // RFC 7919 §4: a client listing FFDHE groups gets one of them; one listing only
    // FFDHE groups we lack gets no DHE; one listing none gets ffdhe2048.
    const OURS: [NamedGroup; 3] = [
        NamedGroup::FFDHE2048,
        NamedGroup::FFDHE3072,
        NamedGroup::FFDHE4096,
    ];
    let is_ffdhe = |g: &NamedGroup| (0x0100..0x0200).contains(&g.to_wire());
    let ffdhe_group = match client_groups {
        Some(theirs) if theirs.iter().any(|g| is_ffdhe(&g)) => {
            OURS.into_iter().find(|g| theirs.contains(g))
        }
        _ => Some(NamedGroup::FFDHE2048),
    };
    // RFC 5246 §7.4.1.4.1: no signature_algorithms means SHA-1 (legacy policy only).
    let default_schemes = [
        SignatureScheme::RSA_PKCS1_SHA1,
        SignatureScheme::ECDSA_SHA1_Legacy,
    ];
    let client_schemes = ch.extensions.signature_algorithms();
    let client_offers = |s: &SignatureScheme| match client_schemes {
        Some(theirs) => theirs.contains(s),
        None => common.policy >= Policy::Legacy && default_schemes.contains(s),
    };
    let scheme = our_schemes
        .iter()
        .copied()
        .find(|s| client_offers(s) && common.signature_schemes.contains(s));

    let usable = |s: &Tls12Suite| -> bool {
        let kx_ok = match s.kx {
            KeyExchange::Ecdhe => ecdhe_group.is_some(),
            KeyExchange::Dhe => ffdhe_group.is_some(),
            KeyExchange::Rsa => true,
        };
        let sig_ok = s.kx == KeyExchange::Rsa || scheme.is_some();
        s.auth == auth && kx_ok && sig_ok
    };
    let ours = common.cipher_suites.iter().filter_map(|s| tls12_suite(*s));
    let suite = if config.prefer_server_order {
        ours.clone()
            .find(|s| ch.cipher_suites.contains(&s.suite) && usable(s))
    } else {
        ch.cipher_suites
            .iter()
            .filter_map(tls12_suite)
            .find(|s| common.cipher_suites.contains(&s.suite) && usable(s))
    };
    let suite = suite.ok_or(Error::NoCommonCipherSuite)?;
    if suite.kx == KeyExchange::Rsa && key_authentication(our_schemes) != Authentication::Rsa {
        return Err(Error::NoCommonCipherSuite);
    }
    let extended_master_secret = ch.extensions.has(ExtensionType::ExtendedMasterSecret);
    if common.require_extended_master_secret && !extended_master_secret {
        return Err(Error::PeerIncompatible(
            "client does not support the extended master secret",
        ));
    }
    let encrypt_then_mac = common.encrypt_then_mac
        && ch.extensions.has(ExtensionType::EncryptThenMac)
        && matches!(suite.bulk, Bulk::Cbc(_));
    let alpn = if renegotiating {
        None
    } else {
        choose_alpn(config, ch)?
    };
    let group = match suite.kx {
        KeyExchange::Ecdhe => ecdhe_group,
        KeyExchange::Dhe => ffdhe_group,
        KeyExchange::Rsa => None,
    };
    // RFC 5077 §3.4: issuing a ticket, the session id stays empty. A session without
    // the extended master secret is never resumed (RFC 7627 §5.3), so it gets no id
    // and no ticket.
    let issue_ticket = extended_master_secret
        && config.ticketer.is_some()
        && ch.extensions.has(ExtensionType::SessionTicket);
    let mut session_id = Vec::new();
    if extended_master_secret && !issue_ticket && config.session_cache.is_some() {
        session_id = vec![0u8; 32];
        common.provider.fill_random(&mut session_id)?;
    }
    Ok(Choices {
        suite,
        group,
        scheme,
        alpn,
        extended_master_secret,
        encrypt_then_mac,
        session_id,
        issue_ticket,
        resumed: false,
    })
}

/// The server's first flight.
struct Flight {
    config: Arc<ServerConfig>,
    transcript: Transcript,
    client_random: [u8; 32],
    server_random: [u8; 32],
    /// The renegotiation_info for our ServerHello: empty on an initial handshake with
    /// a client that signalled RFC 5746, both Finished values on a renegotiation;
    /// `None` for a client that did not signal it.
    renegotiation_info: Option<Vec<u8>>,
    /// This handshake is a renegotiation.
    renegotiating: bool,
}

impl Flight {
    fn send(&mut self, cx: &mut Common, msg: &impl HandshakeBody) -> Result<(), Error> {
        cx.send_message(msg, Some(&mut self.transcript))
    }

    /// Step 2: ServerHello — the chosen suite, our random (with the downgrade
    /// sentinel when we could have done TLS 1.3), and the extensions we accept.
    fn send_server_hello(
        &mut self,
        cx: &mut Common,
        ch: &ClientHelloRef<'_>,
        c: &Choices,
    ) -> Result<(), Error> {
        let provider = &self.config.common.provider;
        provider.fill_random(&mut self.server_random)?;
        // The sentinel guards the choice of version; a renegotiation has none to
        // guard: it keeps the version chosen before (RFC 8446 §4.1.2).
        if self.config.common.supports(ProtocolVersion::Tls13) && !self.renegotiating {
            self.server_random[24..].copy_from_slice(&DOWNGRADE_TLS12);
        }
        let ec_point_formats = c.suite.kx == KeyExchange::Ecdhe
            && ch.extensions.has(ExtensionType::EcPointFormats)
            && !c.resumed;
        // RFC 6066 §3: no server_name acknowledgement when resuming.
        let server_name_ack = ch.extensions.server_name().is_some() && !c.resumed;
        let random = self.server_random;
        let renegotiation_info = self.renegotiation_info.as_deref();
        cx.send_handshake_with(
            HandshakeType::ServerHello,
            Some(&mut self.transcript),
            |out| {
                let mut ext = ServerHello::body_writer(
                    out,
                    ProtocolVersion::Tls12.to_wire(),
                    &random,
                    &c.session_id,
                    c.suite.suite,
                    0,
                );
                if let Some(ri) = renegotiation_info {
                    ext.renegotiation_info(ri);
                }
                if c.extended_master_secret {
                    ext.extended_master_secret();
                }
                if c.encrypt_then_mac {
                    ext.encrypt_then_mac();
                }
                if ec_point_formats {
                    ext.ec_point_formats(&[0]);
                }
                if server_name_ack {
                    ext.server_name_ack();
                }
                if let Some(p) = &c.alpn {
                    ext.alpn(std::iter::once(p.as_slice()));
                }
                if c.issue_ticket {
                    ext.session_ticket(&[]);
                }
                ext.finish();
            },
        )?;
        cx.negotiated.version = Some(ProtocolVersion::Tls12);
        cx.negotiated.cipher_suite = Some(c.suite.suite);
        cx.negotiated.group = c.group;
        if !self.renegotiating {
            cx.negotiated.alpn = c.alpn.clone();
        }
        cx.tracer.emit(|| TraceEvent::ServerHello {
            from: Side::Server,
            version: ProtocolVersion::Tls12,
            random,
            session_id: c.session_id.clone(),
            cipher_suite: c.suite.suite,
            group: c.group,
            extensions: decode_sent::<ServerHello>(cx.last_sent_message())
                .map(|sh| sh.extensions.types())
                .unwrap_or_default(),
            compression_method: 0,
        });
        Ok(())
    }

    /// Step 3: Certificate — our chain.
    fn send_certificate(&mut self, cx: &mut Common) -> Result<(), Error> {
        // The config is shared (an `Arc`): holding it keeps the chain borrowed
        // while `self` records the message.
        let config = self.config.clone();
        let chain = &config.certified_key.chain;
        cx.send_handshake_with(
            HandshakeType::Certificate,
            Some(&mut self.transcript),
            |out| Certificate12::encode_chain_body(chain, out),
        )?;
        cx.tracer.emit(|| TraceEvent::Certificate {
            from: Side::Server,
            chain: super::client::summarize_chain(chain),
            certificates: crate::verify::certinfo::trace_chain(
                chain,
                &*self.config.common.provider,
            ),
        });
        Ok(())
    }

    /// Step 4: ServerKeyExchange — our ephemeral (EC)DHE share, signed; RSA key
    /// transport sends none.
    fn send_server_key_exchange(
        &mut self,
        cx: &mut Common,
        c: &Choices,
    ) -> Result<ServerKx, Error> {
        let provider = self.config.common.provider.clone();
        let (kx, params) = ServerKx::start(&*provider, c.suite.kx, c.group)?;
        let Some(params_bytes) = params else {
            return Ok(kx);
        };
        let scheme = c.scheme.ok_or(Error::NoCommonSignatureScheme)?;
        let content =
            tls12_ske_signed_content(&self.client_random, &self.server_random, &params_bytes);
        let signature = self.config.certified_key.key.sign(scheme, &content)?;
        let ske = ServerKeyExchange {
            params_bytes,
            scheme,
            signature,
        };
        cx.send_handshake_with(
            HandshakeType::ServerKeyExchange,
            Some(&mut self.transcript),
            |out| ske.encode_body(out),
        )?;
        let dh_bits = match c.suite.kx {
            KeyExchange::Dhe => Some(match c.group {
                Some(NamedGroup::FFDHE3072) => 3072,
                Some(NamedGroup::FFDHE4096) => 4096,
                _ => 2048,
            }),
            _ => None,
        };
        let (kind, group) = (c.suite.kx, c.group);
        cx.tracer.emit(|| TraceEvent::ServerKeyExchange {
            from: Side::Server,
            kx: kind,
            group,
            dh_bits,
            scheme,
            verified: false,
        });
        Ok(kx)
    }

    /// Step 4a (mutual TLS): CertificateRequest — the key types and signature schemes
    /// we accept, and the authorities the client's chain may lead to. Returns whether
    /// we asked.
    fn send_certificate_request(&mut self, cx: &mut Common) -> Result<bool, Error> {
        if self.config.client_auth.roots().is_none() {
            return Ok(false);
        }
        let schemes = self.config.common.signature_schemes.clone();
        let request = CertificateRequest12 {
            certificate_types: vec![RSA_SIGN, ECDSA_SIGN],
            schemes: schemes.clone(),
            authorities: acceptable_authorities(&self.config),
        };
        self.send(cx, &request)?;
        cx.negotiated.client_auth_requested = true;
        cx.tracer.emit(|| TraceEvent::CertificateRequest {
            from: Side::Server,
            schemes,
            certificate_types: request.certificate_types.clone(),
            ca_names: crate::verify::certinfo::trace_names(&request.authorities),
        });
        Ok(true)
    }

    /// Step 5: ServerHelloDone — the client's turn.
    fn send_server_hello_done(&mut self, cx: &mut Common) -> Result<(), Error> {
        self.send(cx, &ServerHelloDone)?;
        cx.tracer
            .emit(|| TraceEvent::ServerHelloDone { from: Side::Server });
        Ok(())
    }

    /// Step 9a: NewSessionTicket (RFC 5077 §3.3) — the session sealed under our
    /// ticket key, before our ChangeCipherSpec. A session too large to seal gets an
    /// empty ticket, which RFC 5077 allows once the ServerHello promised one.
    fn send_new_session_ticket(
        &mut self,
        cx: &mut Common,
        session: &ServerSession,
    ) -> Result<(), Error> {
        let ticketer = self
            .config
            .ticketer
            .clone()
            .ok_or(Error::Internal("ticket promised without a ticketer"))?;
        let now = (self.config.common.time)();
        let ticket = ticketer
            .encrypt(session.to_bytes().expose(), now)
            .unwrap_or_default();
        let lifetime_hint = if ticket.is_empty() {
            0
        } else {
            ticketer.lifetime_secs()
        };
        let ticket_len = ticket.len();
        self.send(
            cx,
            &NewSessionTicket12 {
                lifetime_hint,
                ticket,
            },
        )?;
        cx.tracer.emit(|| TraceEvent::NewSessionTicket {
            from: Side::Server,
            lifetime: lifetime_hint,
            ticket_len,
            index: Some(1),
            count: Some(1),
        });
        Ok(())
    }

    /// Step 9b: our ChangeCipherSpec, then our Finished under the new keys.
    fn send_finished(&mut self, cx: &mut Common, session: &Session12) -> Result<(), Error> {
        cx.send_change_cipher_spec()?;
        session.install_encrypter(cx)?;
        let verify_data = session.verify_data(Side::Server, self.transcript.current().as_ref());
        cx.renegotiation.record_finished(Side::Server, &verify_data);
        cx.send_handshake_with(HandshakeType::Finished, Some(&mut self.transcript), |out| {
            Finished::encode_verify_data(&verify_data, out)
        })?;
        cx.tracer.emit(|| TraceEvent::Finished {
            from: Side::Server,
            verified: false,
        });
        Ok(())
    }
}

/// Mutual TLS: waiting for the client's Certificate, which comes first in its flight.
struct ExpectClientCertificate {
    next: ExpectClientKeyExchange,
}

impl State for ExpectClientCertificate {
    /// Step 6a: the client's Certificate — empty (allowed unless required), or a
    /// chain checked against the client CAs.
    fn handle(
        self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage<'_>,
    ) -> Result<Box<dyn State>, Error> {
        if msg.typ != HandshakeType::Certificate {
            return Err(unexpected("Certificate", &msg));
        }
        (*self).handle_client_certificate(cx, msg)
    }
}

impl ExpectClientCertificate {
    fn handle_client_certificate(
        self,
        cx: &mut Common,
        msg: HandshakeMessage<'_>,
    ) -> Result<Box<dyn State>, Error> {
        let cert = Certificate12::decode(msg.body())?;
        let mut next = self.next;
        next.flight.transcript.add(msg.bytes);
        let config = next.flight.config.clone();
        next.client_chain =
            handle_client_certificate(cx, &config, ProtocolVersion::Tls12, cert.chain)?;
        if next.client_chain.is_none() {
            // No CertificateVerify will follow.
            next.flight.transcript.drop_messages();
        }
        Ok(Box::new(next))
    }
}

struct ExpectClientKeyExchange {
    flight: Flight,
    choices: Choices,
    kx: ServerKx,
    client_version: u16,
    /// Mutual TLS: the client's verified chain, whose CertificateVerify follows.
    client_chain: Option<ClientChain>,
}

impl State for ExpectClientKeyExchange {
    /// Step 6: ClientKeyExchange — the pre-master secret, and from it the master secret.
    fn handle(
        self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage<'_>,
    ) -> Result<Box<dyn State>, Error> {
        if msg.typ != HandshakeType::ClientKeyExchange {
            return Err(unexpected("ClientKeyExchange", &msg));
        }
        let me = *self;
        let mut flight = me.flight;
        let provider = flight.config.common.provider.clone();
        let pre_master_secret = me.kx.finish(
            &*provider,
            &*flight.config.certified_key.key,
            me.client_version,
            msg.body(),
        )?;
        flight.transcript.add(msg.bytes);
        let kind = me.choices.suite.kx;
        cx.tracer.emit(|| TraceEvent::ClientKeyExchange {
            from: Side::Client,
            kx: kind,
        });
        let session_hash = flight.transcript.current();
        let session = Session12::derive(
            cx,
            provider,
            me.choices.suite,
            (flight.client_random, flight.server_random),
            &pre_master_secret,
            me.choices
                .extended_master_secret
                .then_some(session_hash.as_ref()),
            me.choices.encrypt_then_mac,
        );
        Ok(match me.client_chain {
            Some(chain) => Box::new(ExpectClientCertificateVerify {
                flight,
                session,
                chain,
                choices: me.choices,
            }),
            None => Box::new(ExpectChangeCipherSpec {
                flight,
                session,
                identity: ClientIdentity::Anonymous,
                choices: me.choices,
            }),
        })
    }
}

/// Mutual TLS: the client's chain verified; waiting for proof that it holds the key.
struct ExpectClientCertificateVerify {
    flight: Flight,
    session: Session12,
    chain: ClientChain,
    choices: Choices,
}

impl State for ExpectClientCertificateVerify {
    /// Step 6b: the client's CertificateVerify, a signature over every handshake
    /// message so far (RFC 5246 §7.4.8).
    fn handle(
        self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage<'_>,
    ) -> Result<Box<dyn State>, Error> {
        if msg.typ != HandshakeType::CertificateVerify {
            return Err(unexpected("CertificateVerify", &msg));
        }
        (*self).handle_client_certificate_verify(cx, msg)
    }
}

impl ExpectClientCertificateVerify {
    fn handle_client_certificate_verify(
        self,
        cx: &mut Common,
        msg: HandshakeMessage<'_>,
    ) -> Result<Box<dyn State>, Error> {
        let cv = CertificateVerifyRef::decode(msg.body())?;
        let mut flight = self.flight;
        let config = flight.config.clone();
        let messages = flight
            .transcript
            .messages()
            .ok_or(Error::Internal("handshake messages were not kept"))?;
        let identity = self.chain.verify_signature(
            cx,
            &config,
            ProtocolVersion::Tls12,
            cv.scheme,
            messages,
            cv.signature,
        )?;
        flight.transcript.drop_messages();
        flight.transcript.add(msg.bytes);
        Ok(Box::new(ExpectChangeCipherSpec {
            flight,
            session: self.session,
            identity,
            choices: self.choices,
        }))
    }
}

struct ExpectChangeCipherSpec {
    flight: Flight,
    session: Session12,
    identity: ClientIdentity,
    choices: Choices,
}

impl State for ExpectChangeCipherSpec {
    fn handle(
        self: Box<Self>,
        _cx: &mut Common,
        msg: HandshakeMessage<'_>,
    ) -> Result<Box<dyn State>, Error> {
        Err(unexpected("ChangeCipherSpec", &msg))
    }

    /// Step 7: the client's ChangeCipherSpec — its records are protected from here on.
    fn handle_change_cipher_spec(
        self: Box<Self>,
        cx: &mut Common,
    ) -> Result<Box<dyn State>, Error> {
        self.session.install_decrypter(cx)?;
        Ok(Box::new(ExpectFinished {
            flight: self.flight,
            session: self.session,
            identity: self.identity,
            choices: self.choices,
        }))
    }
}

struct ExpectFinished {
    flight: Flight,
    session: Session12,
    /// Who the client proved to be (mutual TLS), published once its Finished verifies.
    identity: ClientIdentity,
    choices: Choices,
}

impl State for ExpectFinished {
    /// Step 8: the client's Finished; then (full handshake) the session goes into our
    /// cache or a NewSessionTicket, and our ChangeCipherSpec and Finished follow.
    fn handle(
        self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage<'_>,
    ) -> Result<Box<dyn State>, Error> {
        if msg.typ != HandshakeType::Finished {
            return Err(unexpected("Finished", &msg));
        }
        let verify_data = Finished::decode_verify_data(msg.body())?;
        let mut flight = self.flight;
        let expected = self
            .session
            .verify_data(Side::Client, flight.transcript.current().as_ref());
        let verified = verify_finished(&expected, verify_data);
        cx.tracer.emit(|| TraceEvent::Finished {
            from: Side::Client,
            verified: verified.is_ok(),
        });
        let _proof = verified?;
        cx.peer_finished_seen = true;
        cx.renegotiation.record_finished(Side::Client, verify_data);
        if flight.renegotiating {
            // Who the client is now is what this handshake proved, nothing older.
            cx.negotiated.peer_certificates.clear();
            cx.negotiated.client_identity_verified = false;
        }
        self.identity.publish(&mut cx.negotiated);
        flight.transcript.add(msg.bytes);

        if !self.choices.resumed {
            // The session is kept in a ticket, or in the cache under its id; with
            // neither, there is nothing to keep.
            if self.choices.issue_ticket {
                let state = session_state(cx, &flight.config, &self.session, true);
                flight.send_new_session_ticket(cx, &state)?;
            } else if let Some(cache) = flight.config.session_cache.as_ref() {
                if !self.choices.session_id.is_empty() {
                    let state = session_state(cx, &flight.config, &self.session, false);
                    let now = (flight.config.common.time)();
                    let key = cache_key(CACHE_SESSION_ID, &self.choices.session_id);
                    cache.insert(key, state.to_bytes(), now);
                }
            }
            flight.send_finished(cx, &self.session)?;
        }
        let alpn = cx
            .negotiated
            .alpn
            .as_ref()
            .map(|a| String::from_utf8_lossy(a).into_owned());
        let (suite, group) = (self.session.suite.suite, cx.negotiated.group);
        cx.tracer.emit(|| TraceEvent::HandshakeComplete {
            version: ProtocolVersion::Tls12,
            cipher_suite: suite,
            group,
            alpn,
        });
        cx.renegotiation.complete(&mut cx.negotiated);
        cx.start_traffic()?;
        Ok(Box::new(Traffic12::server(flight.config)))
    }
}

/// What we keep of a session once the client's Finished verified: the master secret,
/// suite and options that resumption must match, the SNI, and the client's identity.
/// `in_ticket`: it goes into a ticket (the ticketer's lifetime), else into the cache.
fn session_state(
    cx: &Common,
    config: &ServerConfig,
    session: &Session12,
    in_ticket: bool,
) -> ServerSession {
    let lifetime = match (&config.ticketer, &config.session_cache) {
        (Some(t), _) if in_ticket => t.lifetime_secs(),
        (_, Some(c)) => u32::try_from(c.lifetime().as_secs()).unwrap_or(u32::MAX),
        _ => 0,
    };
    ServerSession {
        version: ProtocolVersion::Tls12,
        cipher_suite: session.suite.suite,
        secret: session.master_secret.clone(),
        extended_master_secret: true,
        encrypt_then_mac: session.encrypt_then_mac,
        created: (config.common.time)().as_secs(),
        lifetime,
        age_add: 0,
        server_name: cx.negotiated.server_name.clone(),
        alpn: cx.negotiated.alpn.clone(),
        client_chain: if cx.negotiated.client_identity_verified {
            cx.negotiated.peer_certificates.clone()
        } else {
            Vec::new()
        },
    }
}
