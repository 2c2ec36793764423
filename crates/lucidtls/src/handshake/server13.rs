//! The TLS 1.3 server, in the order of the steps (RFC 8446 §2):
//! ClientHello → (HelloRetryRequest → ClientHello) → ServerHello, EncryptedExtensions,
//! CertificateRequest?, Certificate, CertificateVerify, CertificateVerifyRef, Finished → the client's
//! Certificate and CertificateVerify (when asked) → the client's Finished.

use super::client_auth::{
    acceptable_authorities, handle_client_certificate, ClientChain, ClientIdentity,
};
use super::tls13::{install_decrypter, install_encrypter};
use super::traffic13::Traffic13;
use super::transcript::Transcript;
use super::{decode_sent, unexpected, verify_finished, HandshakeMessage, State};
use crate::config::ServerConfig;
use crate::conn::Common;
use crate::crypto::Secret;
use crate::enums::{
    CipherSuite, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion, PskKeyExchangeMode,
    SignatureScheme,
};
use crate::error::Error;
use crate::keys::tls13::{
    resumption_psk, EarlySecret, HandshakeSecret, MasterSecret, TrafficSecret,
};
use crate::msgs::{
    Certificate13, CertificateRequest13, CertificateVerify, CertificateVerifyRef, ClientHello,
    ClientHelloRef, EncryptedExtensions, Extension, Extensions, ExtensionsWriter, Finished,
    HandshakeBody, KeyShareRef, NewSessionTicket13, PskIdentityRef, ServerHello, WireList,
    HELLO_RETRY_REQUEST_RANDOM,
};
use crate::session::server::{cache_key, ServerSession, CACHE_USED_TICKET};
use crate::session::Ticketer;
use crate::suites::{tls13_suite, Tls13Suite};
use crate::trace::{ResumptionMechanism, Side, TraceEvent};
use crate::verify;
use crate::verify::certinfo::{trace_chain, trace_names};
use rustls_pki_types::CertificateDer;
use std::sync::Arc;

/// How far the client's idea of a ticket's age may be from ours (RFC 8446 §8.3
/// leaves the window to the server). Ages are counted in whole seconds on both
/// sides, and the client's view lags ours by a round trip.
const TICKET_AGE_TOLERANCE_MS: i64 = 10_000;

/// Most PSK identities we try to open, whatever the client offers.
const MAX_PSK_IDENTITIES: usize = 4;

/// A PSK the server accepted: which identity, the session it opens, and whether an
/// (EC)DHE exchange goes with it (psk_dhe_ke) or not (psk_ke).
struct AcceptedPsk {
    index: u16,
    session: ServerSession,
    dhe: bool,
    /// The early secret from the binder check, kept for the key schedule.
    early: EarlySecret,
}

/// Begins a server handshake: wait for a ClientHello.
pub(crate) fn start(config: Arc<ServerConfig>) -> Box<dyn State> {
    Box::new(ExpectClientHello {
        config,
        retry: None,
    })
}

/// What a HelloRetryRequest committed us to.
struct RetryState {
    transcript: Transcript,
    suite: Tls13Suite,
    group: NamedGroup,
    first_hello: ClientHello,
}

struct ExpectClientHello {
    config: Arc<ServerConfig>,
    retry: Option<RetryState>,
}

/// The choices made from a ClientHello.
struct Choices {
    suite: Tls13Suite,
    scheme: SignatureScheme,
    alpn: Option<Vec<u8>>,
}

impl State for ExpectClientHello {
    /// Step 1: the ClientHello — pick version, suite, group, signature scheme and ALPN.
    fn handle(
        self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage<'_>,
    ) -> Result<Box<dyn State>, Error> {
        if msg.typ != HandshakeType::ClientHello {
            return Err(unexpected("ClientHello", &msg));
        }
        let ch = ClientHelloRef::decode(msg.body())?;
        cx.client_random = ch.random;
        cx.tracer.emit(|| TraceEvent::ClientHello {
            from: Side::Client,
            versions: match ch.extensions.supported_versions_offer() {
                Some(versions) if !versions.is_empty() => versions.to_vec(),
                _ => vec![ProtocolVersion::from_wire(ch.legacy_version)],
            },
            random: ch.random,
            session_id: ch.session_id.to_vec(),
            cipher_suites: ch.cipher_suites.to_vec(),
            extensions: ch.extensions.types(),
            server_name: ch.extensions.server_name().map(str::to_string),
            key_shares: ch
                .extensions
                .key_share_offer()
                .map(|k| k.iter().map(|e| e.group).collect())
                .unwrap_or_default(),
            compression_methods: ch.compression_methods.to_vec(),
        });
        (*self).handle_client_hello(cx, ch, msg.bytes)
    }
}

impl ExpectClientHello {
    fn handle_client_hello(
        self,
        cx: &mut Common,
        ch: ClientHelloRef<'_>,
        ch_bytes: &[u8],
    ) -> Result<Box<dyn State>, Error> {
        let version = choose_version(&self.config.common, &ch)?;
        if version == ProtocolVersion::Tls12 {
            if self.retry.is_some() {
                return Err(Error::IllegalParameter(
                    "second ClientHello dropped TLS 1.3",
                ));
            }
            return super::server12::handle_client_hello(cx, self.config, ch, ch_bytes);
        }
        // RFC 8446 §4.1.2: for TLS 1.3 exactly one compression method, null.
        if ch.compression_methods != [0] {
            return Err(Error::IllegalParameter(
                "TLS 1.3 ClientHello offers compression",
            ));
        }
        if let Some(retry) = &self.retry {
            check_second_hello(&retry.first_hello, &ch.to_owned())?;
        }
        let choices = self.choose(&ch)?;
        let offered_shares = ch
            .extensions
            .key_share_offer()
            .ok_or(Error::MissingExtension("key_share"))?;
        check_key_shares(&ch, offered_shares)?;

        // Our preferred group among the client's shares; else ask for a better one.
        let common = &self.config.common;
        let share = common
            .groups
            .iter()
            .find_map(|g| offered_shares.iter().find(|s| s.group == *g));
        let share = match (share, &self.retry) {
            (Some(s), Some(r)) if s.group == r.group => s,
            (_, Some(_)) => {
                return Err(Error::IllegalParameter(
                    "second ClientHello lacks the requested key share",
                ))
            }
            (Some(s), None) => s,
            (None, None) => return self.send_hello_retry_request(cx, ch, ch_bytes, choices.suite),
        };
        if let Some(name) = ch.extensions.server_name() {
            cx.negotiated.server_name = Some(name.to_string());
        }
        let hash = common.provider.hash(choices.suite.hash);
        let mut transcript = match self.retry {
            Some(r) => r.transcript,
            None => Transcript::new(hash),
        };
        let psk =
            handle_pre_shared_key(cx, &self.config, &ch, ch_bytes, &transcript, choices.suite)?;
        transcript.add(ch_bytes);
        let config = self.config.clone();
        send_server_hello(cx, config, &ch, share, choices, transcript, psk)
    }

    /// Version and compression checks (RFC 8446 §4.1.2, §4.2.1).
    fn choose(&self, ch: &ClientHelloRef<'_>) -> Result<Choices, Error> {
        let common = &self.config.common;
        let suite = choose_suite(
            &common.cipher_suites,
            ch.cipher_suites,
            self.config.prefer_server_order,
        )
        .ok_or(Error::NoCommonCipherSuite)?;
        if let Some(r) = &self.retry {
            if r.suite.suite != suite.suite {
                return Err(Error::IllegalParameter(
                    "second ClientHello changed the cipher suites",
                ));
            }
        }
        let offered_schemes = ch
            .extensions
            .signature_algorithms()
            .ok_or(Error::MissingExtension("signature_algorithms"))?;
        let scheme = self
            .config
            .certified_key
            .key
            .schemes()
            .iter()
            .copied()
            .find(|s| {
                s.allowed_in_tls13()
                    && offered_schemes.contains(s)
                    && common.signature_schemes.contains(s)
            })
            .ok_or(Error::NoCommonSignatureScheme)?;
        let alpn = match ch.extensions.alpn() {
            Some(theirs) if !common.alpn_protocols.is_empty() => Some(
                common
                    .alpn_protocols
                    .iter()
                    .find(|p| theirs.contains(&p.as_slice()))
                    .cloned()
                    .ok_or(Error::NoApplicationProtocol)?,
            ),
            _ => None,
        };
        Ok(Choices {
            suite,
            scheme,
            alpn,
        })
    }

    /// Step 1b: HelloRetryRequest — none of the client's key shares is for a group we take.
    fn send_hello_retry_request(
        self,
        cx: &mut Common,
        ch: ClientHelloRef<'_>,
        ch_bytes: &[u8],
        suite: Tls13Suite,
    ) -> Result<Box<dyn State>, Error> {
        let theirs = ch
            .extensions
            .supported_groups()
            .ok_or(Error::MissingExtension("supported_groups"))?;
        let group = self
            .config
            .common
            .groups
            .iter()
            .copied()
            .find(|g| theirs.contains(g))
            .ok_or(Error::NoCommonGroup)?;
        let hrr = ServerHello {
            legacy_version: ProtocolVersion::Tls12.to_wire(),
            random: HELLO_RETRY_REQUEST_RANDOM,
            session_id: ch.session_id.to_vec(),
            cipher_suite: suite.suite,
            compression_method: 0,
            extensions: Extensions(vec![
                Extension::SupportedVersionSelected(ProtocolVersion::Tls13),
                Extension::KeyShareRetry(group),
            ]),
        };
        let hash = self.config.common.provider.hash(suite.hash);
        let mut transcript = Transcript::new_after_retry(hash, ch_bytes);
        cx.send_message(&hrr, Some(&mut transcript))?;
        cx.tracer.emit(|| TraceEvent::HelloRetryRequest {
            from: Side::Server,
            group,
        });
        cx.negotiated.hello_retry = true;
        if !ch.session_id.is_empty() {
            cx.send_change_cipher_spec()?;
        }
        Ok(Box::new(ExpectClientHello {
            config: self.config,
            retry: Some(RetryState {
                transcript,
                suite,
                group,
                first_hello: ch.to_owned(),
            }),
        }))
    }
}

/// Step 1c: pre_shared_key — a ticket from an earlier connection. Its binder is
/// verified before anything the ticket says is believed (a wrong binder aborts with
/// decrypt_error); a ticket we cannot use — not ours, from a retired key, for
/// another hash, expired, of the wrong age, for another server name, without the
/// client identity we require, already used — means a full handshake, silently.
/// `transcript` is empty, or after a HelloRetryRequest holds message_hash(ClientHello1)
/// and the HelloRetryRequest, which the binder covers too.
fn handle_pre_shared_key(
    cx: &mut Common,
    config: &ServerConfig,
    ch: &ClientHelloRef<'_>,
    ch_bytes: &[u8],
    transcript: &Transcript,
    suite: Tls13Suite,
) -> Result<Option<AcceptedPsk>, Error> {
    let Some(offer) = ch.psk_offer_last() else {
        return Ok(None);
    };
    // RFC 8446 §4.2.9: a PSK offer without psk_key_exchange_modes is refused outright.
    let modes = ch
        .extensions
        .psk_modes()
        .ok_or(Error::MissingExtension("psk_key_exchange_modes"))?;
    let outcome = |cx: &mut Common, reason: Option<&'static str>| {
        cx.tracer.emit(|| TraceEvent::Resumption {
            version: ProtocolVersion::Tls13,
            mechanism: ResumptionMechanism::Psk,
            accepted: reason.is_none(),
            reason,
        });
    };
    let dhe = if config.psk_ke_allowed && modes.contains(&PskKeyExchangeMode::PskKe) {
        false
    } else if modes.contains(&PskKeyExchangeMode::PskDheKe) {
        true
    } else {
        outcome(cx, Some("no PSK key exchange mode in common"));
        return Ok(None);
    };
    let Some(ticketer) = &config.ticketer else {
        outcome(cx, Some("tickets are disabled"));
        return Ok(None);
    };
    let now = (config.common.time)();
    let mut reason = "no ticket of ours";
    for (index, identity) in offer.identities.iter().enumerate().take(MAX_PSK_IDENTITIES) {
        let Some(session) = open_ticket(ticketer, identity.identity, now) else {
            continue;
        };
        if tls13_suite(session.cipher_suite).map(|s| s.hash) != Some(suite.hash) {
            reason = "the ticket's hash differs from the chosen suite's";
            continue;
        }
        let early = verify_binder(config, ch, ch_bytes, transcript, suite, &session, index)?;
        if let Some(why) = unusable_ticket(config, ch, &identity, &session, now.as_secs()) {
            outcome(cx, Some(why));
            return Ok(None);
        }
        if config.single_use_tickets {
            let id = Ticketer::ticket_id(identity.identity).unwrap_or(identity.identity);
            let first = config.session_cache.as_ref().is_some_and(|cache| {
                cache.first_use(cache_key(CACHE_USED_TICKET, id), now, session.expires())
            });
            if !first {
                outcome(cx, Some("the ticket was already used"));
                return Ok(None);
            }
        }
        outcome(cx, None);
        return Ok(Some(AcceptedPsk {
            index: index as u16,
            session,
            dhe,
            early,
        }));
    }
    outcome(cx, Some(reason));
    Ok(None)
}

/// A TLS 1.3 session from one of our tickets; `None` when it is not one.
fn open_ticket(
    ticketer: &Ticketer,
    ticket: &[u8],
    now: rustls_pki_types::UnixTime,
) -> Option<ServerSession> {
    let plain = ticketer.decrypt(ticket, now)?;
    ServerSession::from_bytes(plain.expose())
        .ok()
        .filter(|s| s.version == ProtocolVersion::Tls13)
}

/// The binder of identity `index` (RFC 8446 §4.2.11.2), over the transcript through
/// the ClientHello as it arrived, cut before the binders list.
fn verify_binder(
    config: &ServerConfig,
    ch: &ClientHelloRef<'_>,
    ch_bytes: &[u8],
    transcript: &Transcript,
    suite: Tls13Suite,
    session: &ServerSession,
    index: usize,
) -> Result<EarlySecret, Error> {
    let offer = ch
        .psk_offer_last()
        .ok_or(Error::Internal("PSK offer vanished"))?;
    let received = offer.binders.iter().nth(index).ok_or(Error::BadPskBinder)?;
    let truncated = ch
        .binder_prefix(ch_bytes)
        .ok_or(Error::Internal("ClientHello shorter than its binders"))?;
    let hash = config.common.provider.hash(suite.hash);
    let early = EarlySecret::new(hash, Some(session.secret.expose()));
    let expected = early.resumption_binder(&transcript.hash_with(truncated));
    if super::constant_time_eq(expected.as_ref(), received) {
        Ok(early)
    } else {
        Err(Error::BadPskBinder)
    }
}

/// Why a ticket whose binder verified still cannot be used, if it cannot.
fn unusable_ticket(
    config: &ServerConfig,
    ch: &ClientHelloRef<'_>,
    identity: &PskIdentityRef<'_>,
    session: &ServerSession,
    now: u64,
) -> Option<&'static str> {
    if session.is_expired(now) {
        return Some("the ticket has expired");
    }
    // RFC 8446 §4.2.11.1: the client's age is the obfuscated age minus age_add.
    let client_age = i64::from(identity.obfuscated_ticket_age.wrapping_sub(session.age_add));
    let our_age =
        i64::try_from(now.saturating_sub(session.created).saturating_mul(1000)).unwrap_or(i64::MAX);
    if (client_age - our_age).abs() > TICKET_AGE_TOLERANCE_MS {
        return Some("the client's ticket age is far from ours");
    }
    if session.server_name.as_deref() != ch.extensions.server_name() {
        return Some("the ticket was issued for another server name");
    }
    if config.client_auth.is_required() && session.client_chain.is_empty() {
        return Some("a client certificate is required and the ticket's session had none");
    }
    None
}

/// Step 1a: the version — the highest both sides enable (RFC 8446 §4.2.1, RFC 5246
/// Appendix E). Compression is refused whatever the version (CRIME).
fn choose_version(
    common: &crate::config::CommonConfig,
    ch: &ClientHelloRef<'_>,
) -> Result<ProtocolVersion, Error> {
    if !ch.compression_methods.contains(&0) {
        return Err(Error::CompressionRefused);
    }
    let listed = ch.extensions.supported_versions_offer();
    if listed.is_none() && ch.legacy_version < ProtocolVersion::Tls10.to_wire() {
        return Err(Error::VersionRefused(ProtocolVersion::from_wire(
            ch.legacy_version,
        )));
    }
    // Without supported_versions, legacy_version says it all: TLS 1.2, or older.
    let offered = |v: ProtocolVersion| match listed {
        Some(list) => list.contains(&v),
        None => {
            v == ProtocolVersion::Tls12 && ch.legacy_version >= ProtocolVersion::Tls12.to_wire()
        }
    };
    [ProtocolVersion::Tls13, ProtocolVersion::Tls12]
        .into_iter()
        .find(|v| offered(*v) && common.supports(*v))
        .ok_or(Error::NoCommonVersion)
}

/// RFC 8446 §4.2.8: no two shares for one group, and each share's group must be offered.
fn check_key_shares(
    ch: &ClientHelloRef<'_>,
    shares: WireList<'_, KeyShareRef<'_>>,
) -> Result<(), Error> {
    let groups = ch
        .extensions
        .supported_groups()
        .ok_or(Error::MissingExtension("supported_groups"))?;
    for (i, s) in shares.iter().enumerate() {
        if shares.iter().take(i).any(|t| t.group == s.group) {
            return Err(Error::IllegalParameter("two key shares for one group"));
        }
        if !groups.contains(&s.group) {
            return Err(Error::IllegalParameter(
                "key share for a group not in supported_groups",
            ));
        }
    }
    Ok(())
}

/// The second ClientHello must equal the first but for key_share, cookie, padding,
/// early_data, and pre_shared_key, whose ages and binders are recomputed (RFC 8446 §4.1.2).
fn check_second_hello(first: &ClientHello, second: &ClientHello) -> Result<(), Error> {
    let strip = |e: &Extensions| -> Vec<Extension> {
        e.0.iter()
            .filter(|x| {
                !matches!(
                    x.typ(),
                    ExtensionType::KeyShare
                        | ExtensionType::Cookie
                        | ExtensionType::Padding
                        | ExtensionType::EarlyData
                        | ExtensionType::PreSharedKey
                )
            })
            .cloned()
            .collect()
    };
    if first.random != second.random
        || first.session_id != second.session_id
        || first.cipher_suites != second.cipher_suites
        || strip(&first.extensions) != strip(&second.extensions)
    {
        return Err(Error::IllegalParameter(
            "second ClientHello differs from the first",
        ));
    }
    Ok(())
}

fn choose_suite(
    ours: &[CipherSuite],
    theirs: WireList<'_, CipherSuite>,
    server_order: bool,
) -> Option<Tls13Suite> {
    if server_order {
        ours.iter()
            .copied()
            .filter_map(tls13_suite)
            .find(|s| theirs.contains(&s.suite))
    } else {
        theirs
            .iter()
            .filter_map(tls13_suite)
            .find(|s| ours.contains(&s.suite))
    }
}

/// Step 2: ServerHello with our key share (and, resuming, the PSK we took), then
/// switch to handshake keys.
fn send_server_hello(
    cx: &mut Common,
    config: Arc<ServerConfig>,
    ch: &ClientHelloRef<'_>,
    client_share: KeyShareRef<'_>,
    choices: Choices,
    mut transcript: Transcript,
    psk: Option<AcceptedPsk>,
) -> Result<Box<dyn State>, Error> {
    let provider = config.common.provider.clone();
    let dhe = psk.as_ref().is_none_or(|p| p.dhe);
    let (our_share, shared) = if dhe {
        let group = client_share.group;
        let kx = provider
            .kx_group(group)
            .ok_or(Error::Internal("configured group missing"))?;
        let (our_share, shared) = kx.respond(client_share.share)?;
        (Some((group, our_share)), Some(shared))
    } else {
        (None, None)
    };
    let group = our_share.as_ref().map(|(group, _)| *group);
    let mut random = [0u8; 32];
    provider.fill_random(&mut random)?;
    cx.send_handshake_with(HandshakeType::ServerHello, Some(&mut transcript), |out| {
        let mut ext = ServerHello::body_writer(
            out,
            ProtocolVersion::Tls12.to_wire(),
            &random,
            ch.session_id,
            choices.suite.suite,
            0,
        );
        ext.supported_version_selected(ProtocolVersion::Tls13);
        if let Some((group, share)) = &our_share {
            ext.key_share_entry(*group, share);
        }
        if let Some(p) = &psk {
            ext.psk_selected(p.index);
        }
        ext.finish();
    })?;
    cx.negotiated.version = Some(ProtocolVersion::Tls13);
    cx.negotiated.cipher_suite = Some(choices.suite.suite);
    cx.negotiated.group = group;
    cx.negotiated.alpn = choices.alpn.clone();
    cx.negotiated.resumed = psk.is_some();
    cx.tracer.emit(|| TraceEvent::ServerHello {
        from: Side::Server,
        version: ProtocolVersion::Tls13,
        random,
        session_id: ch.session_id.to_vec(),
        cipher_suite: choices.suite.suite,
        group,
        extensions: decode_sent::<ServerHello>(cx.last_sent_message())
            .map(|sh| sh.extensions.types())
            .unwrap_or_default(),
        compression_method: 0,
    });
    if let Some(group) = group {
        cx.tracer.emit(|| TraceEvent::KeyExchange { group });
    }
    if !ch.session_id.is_empty() && !cx.negotiated.hello_retry {
        cx.send_change_cipher_spec()?;
    }

    let hash = provider.hash(choices.suite.hash);
    // Resuming, the early secret is the one the binder check computed from the PSK.
    let (early, resumed) = match psk {
        Some(p) => (p.early, Some(p.session)),
        None => (EarlySecret::new(hash, None), None),
    };
    let handshake_secret = match &shared {
        Some(shared) => early.into_handshake(shared),
        None => early.into_handshake_without_dhe(),
    };
    let hello_hash = transcript.current();
    let client_hs = handshake_secret.client_traffic(&hello_hash);
    let server_hs = handshake_secret.server_traffic(&hello_hash);
    cx.log_secret(
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        client_hs.secret().expose(),
    );
    cx.log_secret(
        "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        server_hs.secret().expose(),
    );
    install_encrypter(
        cx,
        &provider,
        choices.suite,
        &server_hs,
        "server handshake traffic",
    )?;
    install_decrypter(
        cx,
        &provider,
        choices.suite,
        &client_hs,
        "client handshake traffic",
    )?;

    // Tickets are only worth sending when we would accept one of the client's
    // psk_key_exchange_modes (RFC 8446 §4.2.9).
    let modes = ch.extensions.psk_modes();
    let offers = |m: PskKeyExchangeMode| modes.is_some_and(|modes| modes.contains(&m));
    let send_tickets = offers(PskKeyExchangeMode::PskDheKe)
        || (config.psk_ke_allowed && offers(PskKeyExchangeMode::PskKe));
    let mut flight = ServerFlight {
        config,
        suite: choices.suite,
        transcript,
        handshake_secret,
        client_hs,
        server_hs,
        client_auth_requested: false,
        send_tickets,
    };
    flight.send_encrypted_extensions(cx, ch, choices.alpn)?;
    if let Some(session) = resumed {
        // RFC 8446 §2.2: resuming, the PSK authenticates the server; the client's
        // identity, if any, is the one from the session.
        let identity = ClientIdentity::Resumed(session.client_chain);
        return flight.send_finished(cx, identity);
    }
    flight.send_certificate_request(cx)?;
    flight.send_certificate(cx)?;
    flight.send_certificate_verify(cx, choices.scheme)?;
    flight.send_finished(cx, ClientIdentity::Anonymous)
}

/// The server's encrypted first flight.
struct ServerFlight {
    config: Arc<ServerConfig>,
    suite: Tls13Suite,
    transcript: Transcript,
    handshake_secret: HandshakeSecret,
    client_hs: TrafficSecret,
    server_hs: TrafficSecret,
    client_auth_requested: bool,
    /// Whether the client can use tickets (its psk_key_exchange_modes).
    send_tickets: bool,
}

impl ServerFlight {
    /// Step 3: EncryptedExtensions — ALPN, and an empty server_name acknowledgement.
    fn send_encrypted_extensions(
        &mut self,
        cx: &mut Common,
        ch: &ClientHelloRef<'_>,
        alpn: Option<Vec<u8>>,
    ) -> Result<(), Error> {
        let transcript = Some(&mut self.transcript);
        cx.send_handshake_with(HandshakeType::EncryptedExtensions, transcript, |out| {
            let mut ext = ExtensionsWriter::new(out);
            if ch.extensions.server_name().is_some() {
                ext.server_name_ack();
            }
            if let Some(p) = &alpn {
                ext.alpn(std::iter::once(p.as_slice()));
            }
            ext.finish();
        })?;
        cx.tracer.emit(|| TraceEvent::EncryptedExtensions {
            from: Side::Server,
            extensions: decode_sent::<EncryptedExtensions>(cx.last_sent_message())
                .map(|ee| ee.extensions.types())
                .unwrap_or_default(),
            alpn: alpn.map(|a| String::from_utf8_lossy(&a).into_owned()),
        });
        Ok(())
    }

    /// Step 3a (mutual TLS): CertificateRequest — the schemes we accept for the
    /// client's CertificateVerify and the authorities its chain may lead to.
    fn send_certificate_request(&mut self, cx: &mut Common) -> Result<(), Error> {
        if self.config.client_auth.roots().is_none() {
            return Ok(());
        }
        let schemes = self.config.common.signature_schemes.clone();
        let mut extensions = Extensions::default();
        extensions.push(Extension::SignatureAlgorithms(schemes.clone()));
        let authorities = acceptable_authorities(&self.config);
        if !authorities.is_empty() {
            extensions.push(Extension::CertificateAuthorities(authorities));
        }
        let request = CertificateRequest13 {
            context: Vec::new(),
            extensions,
        };
        cx.send_message(&request, Some(&mut self.transcript))?;
        cx.negotiated.client_auth_requested = true;
        cx.tracer.emit(|| TraceEvent::CertificateRequest {
            from: Side::Server,
            schemes,
            certificate_types: Vec::new(),
            ca_names: trace_names(
                request
                    .extensions
                    .certificate_authorities()
                    .map_or(&[][..], |a| &a[..]),
            ),
        });
        self.client_auth_requested = true;
        Ok(())
    }

    /// Step 4: Certificate — our chain.
    fn send_certificate(&mut self, cx: &mut Common) -> Result<(), Error> {
        let chain = &self.config.certified_key.chain;
        cx.send_handshake_with(
            HandshakeType::Certificate,
            Some(&mut self.transcript),
            |out| Certificate13::encode_chain_body(&[], chain, out),
        )?;
        cx.tracer.emit(|| TraceEvent::Certificate {
            from: Side::Server,
            chain: super::client::summarize_chain(chain),
            certificates: trace_chain(chain, &*self.config.common.provider),
        });
        Ok(())
    }

    /// Step 5: CertificateVerify — our signature over the transcript.
    fn send_certificate_verify(
        &mut self,
        cx: &mut Common,
        scheme: SignatureScheme,
    ) -> Result<(), Error> {
        let content = verify::tls13_signed_content(true, self.transcript.current().as_ref());
        let signature = self.config.certified_key.key.sign(scheme, &content)?;
        let cv = CertificateVerify { scheme, signature };
        cx.send_message(&cv, Some(&mut self.transcript))?;
        cx.tracer.emit(|| TraceEvent::CertificateVerify {
            from: Side::Server,
            scheme,
            verified: false,
        });
        Ok(())
    }

    /// Step 6: our Finished; the application keys follow from the transcript through it.
    /// `identity` is the client's when resuming a session that had one.
    fn send_finished(
        mut self,
        cx: &mut Common,
        identity: ClientIdentity,
    ) -> Result<Box<dyn State>, Error> {
        let verify_data = self
            .server_hs
            .finished_verify_data(&self.transcript.current());
        cx.send_handshake_with(HandshakeType::Finished, Some(&mut self.transcript), |out| {
            Finished::encode_verify_data(verify_data.as_ref(), out)
        })?;
        cx.tracer.emit(|| TraceEvent::Finished {
            from: Side::Server,
            verified: false,
        });

        let provider = self.config.common.provider.clone();
        let through_server_finished = self.transcript.current();
        let master = self.handshake_secret.into_master();
        let client_ap = master.client_traffic(&through_server_finished);
        let server_ap = master.server_traffic(&through_server_finished);
        cx.log_secret("CLIENT_TRAFFIC_SECRET_0", client_ap.secret().expose());
        cx.log_secret("SERVER_TRAFFIC_SECRET_0", server_ap.secret().expose());
        // Only the key log uses the exporter secret (there is no exporter API yet).
        if cx.logs_keys() {
            cx.log_secret(
                "EXPORTER_SECRET",
                master.exporter(&through_server_finished).expose(),
            );
        }
        install_encrypter(
            cx,
            &provider,
            self.suite,
            &server_ap,
            "server application traffic",
        )?;
        let send_tickets = self.send_tickets;
        let next = ExpectFinished {
            config: self.config,
            suite: self.suite,
            transcript: self.transcript,
            client_hs: self.client_hs,
            client_ap,
            server_ap,
            identity,
            master,
            send_tickets,
        };
        Ok(if self.client_auth_requested {
            Box::new(ExpectClientCertificate { next })
        } else {
            Box::new(next)
        })
    }
}

/// Mutual TLS: waiting for the client's Certificate.
struct ExpectClientCertificate {
    next: ExpectFinished,
}

impl State for ExpectClientCertificate {
    /// Step 7a: the client's Certificate — empty (allowed unless required), or a
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
        let cert = Certificate13::decode(msg.body())?;
        // We sent an empty certificate_request_context; it must come back (RFC 8446 §4.4.2).
        if !cert.context.is_empty() {
            return Err(Error::IllegalParameter(
                "client Certificate has a request context we did not send",
            ));
        }
        let mut next = self.next;
        next.transcript.add(msg.bytes);
        let chain = cert.into_chain();
        match handle_client_certificate(cx, &next.config, ProtocolVersion::Tls13, chain)? {
            Some(chain) => Ok(Box::new(ExpectClientCertificateVerify { next, chain })),
            None => Ok(Box::new(next)),
        }
    }
}

/// Mutual TLS: the client's chain verified; waiting for proof that it holds the key.
struct ExpectClientCertificateVerify {
    next: ExpectFinished,
    chain: ClientChain,
}

impl State for ExpectClientCertificateVerify {
    /// Step 7b: the client's CertificateVerify, over the transcript through its Certificate.
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
        let mut next = self.next;
        let content = verify::tls13_signed_content(false, next.transcript.current().as_ref());
        next.identity = self.chain.verify_signature(
            cx,
            &next.config,
            ProtocolVersion::Tls13,
            cv.scheme,
            &content,
            cv.signature,
        )?;
        next.transcript.add(msg.bytes);
        Ok(Box::new(next))
    }
}

struct ExpectFinished {
    config: Arc<ServerConfig>,
    suite: Tls13Suite,
    transcript: Transcript,
    client_hs: TrafficSecret,
    client_ap: TrafficSecret,
    server_ap: TrafficSecret,
    /// Who the client proved to be (mutual TLS), published once its Finished verifies.
    identity: ClientIdentity,
    /// For the resumption secret, which covers the client's Finished.
    master: MasterSecret,
    /// Whether the client can use tickets (its psk_key_exchange_modes).
    send_tickets: bool,
}

impl State for ExpectFinished {
    /// Step 7: the client's Finished; then our NewSessionTickets (step 8), and
    /// application data flows both ways.
    fn handle(
        self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage<'_>,
    ) -> Result<Box<dyn State>, Error> {
        if msg.typ != HandshakeType::Finished {
            return Err(unexpected("Finished", &msg));
        }
        let verify_data = Finished::decode_verify_data(msg.body())?;
        let expected = self
            .client_hs
            .finished_verify_data(&self.transcript.current());
        let verified = verify_finished(expected.as_ref(), verify_data);
        cx.tracer.emit(|| TraceEvent::Finished {
            from: Side::Client,
            verified: verified.is_ok(),
        });
        let _proof = verified?;
        cx.peer_finished_seen = true;
        let mut transcript = self.transcript;
        transcript.add(msg.bytes);
        self.identity.publish(&mut cx.negotiated);
        let provider = self.config.common.provider.clone();
        install_decrypter(
            cx,
            &provider,
            self.suite,
            &self.client_ap,
            "client application traffic",
        )?;
        if self.send_tickets {
            let resumption_master = self.master.resumption(&transcript.current());
            send_new_session_tickets(cx, &self.config, self.suite, &resumption_master)?;
        }
        let alpn = cx
            .negotiated
            .alpn
            .as_ref()
            .map(|a| String::from_utf8_lossy(a).into_owned());
        let (suite, group) = (self.suite.suite, cx.negotiated.group);
        cx.tracer.emit(|| TraceEvent::HandshakeComplete {
            version: ProtocolVersion::Tls13,
            cipher_suite: suite,
            group,
            alpn,
        });
        cx.start_traffic()?;
        Ok(Box::new(Traffic13::new(
            Side::Server,
            provider,
            self.suite,
            self.client_ap,
            self.server_ap,
        )))
    }
}

/// Step 8: NewSessionTicket, as many as configured (RFC 8446 §4.6.1). Each ticket
/// seals, under the ticketer's current key, the PSK
/// HKDF-Expand-Label(resumption_master_secret, "resumption", nonce, Hash.length) with
/// what resumption must check (suite, age, SNI, the client's identity). A session
/// too large to seal (a huge client chain) simply gets no tickets.
fn send_new_session_tickets(
    cx: &mut Common,
    config: &ServerConfig,
    suite: Tls13Suite,
    resumption_master: &Secret,
) -> Result<(), Error> {
    let Some(ticketer) = &config.ticketer else {
        return Ok(());
    };
    let provider = &config.common.provider;
    let hash = provider.hash(suite.hash);
    let now = (config.common.time)();
    let lifetime = ticketer.lifetime_secs();
    let client_chain: Vec<CertificateDer<'static>> = if cx.negotiated.client_identity_verified {
        cx.negotiated.peer_certificates.clone()
    } else {
        Vec::new()
    };
    for n in 0..config.tls13_tickets {
        let nonce = (n as u64).to_be_bytes().to_vec();
        let mut age_add = [0u8; 4];
        provider.fill_random(&mut age_add)?;
        let age_add = u32::from_be_bytes(age_add);
        let session = ServerSession {
            version: ProtocolVersion::Tls13,
            cipher_suite: suite.suite,
            secret: resumption_psk(hash, resumption_master, &nonce),
            extended_master_secret: false,
            encrypt_then_mac: false,
            created: now.as_secs(),
            lifetime,
            age_add,
            server_name: cx.negotiated.server_name.clone(),
            alpn: cx.negotiated.alpn.clone(),
            client_chain: client_chain.clone(),
        };
        let Ok(ticket) = ticketer.encrypt(session.to_bytes().expose(), now) else {
            return Ok(());
        };
        let nst = NewSessionTicket13 {
            lifetime,
            age_add,
            nonce,
            ticket,
            extensions: Extensions::default(),
        };
        cx.send_message(&nst, None)?;
        cx.tracer.emit(|| TraceEvent::NewSessionTicket {
            from: Side::Server,
            lifetime,
            ticket_len: nst.ticket.len(),
            index: u32::try_from(n + 1).ok(),
            count: u32::try_from(config.tls13_tickets).ok(),
        });
    }
    Ok(())
}
