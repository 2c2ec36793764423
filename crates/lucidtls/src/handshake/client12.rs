//! The TLS 1.2 client, in the order of the classic handshake (RFC 5246 §7.3):
//! ServerHello → Certificate → ServerKeyExchange → CertificateRequest? →
//! ServerHelloDone → Certificate? → ClientKeyExchange → CertificateVerify? →
//! ChangeCipherSpec → Finished → the server's NewSessionTicket?, ChangeCipherSpec and
//! Finished. Resuming (RFC 5246 §7.3, RFC 5077 §3.1), the server answers the
//! ServerHello with NewSessionTicket?, ChangeCipherSpec and Finished at once, and our
//! ChangeCipherSpec and Finished come last.

use super::client::{summarize_chain, verify_server_certificate, HelloState, ServerIdentity};
use super::client_auth::{certificate_type, choose_client_identity, ChosenIdentity};
use super::kx12::{bit_length, ClientKx};
use super::tls12::Session12;
use super::traffic12::{RenegotiationState, Traffic12};
use super::transcript::Transcript;
use super::{constant_time_eq, unexpected, verify_finished, HandshakeMessage, State};
use crate::config::{CertifiedKey, ClientConfig};
use crate::conn::Common;
use crate::enums::{ExtensionType, HandshakeType, ProtocolVersion, SignatureScheme};
use crate::error::{CertificateCheck, Error};
use crate::msgs::{
    tls12_ske_signed_content, Certificate12, CertificateRequest12, CertificateVerify, ExtensionRef,
    Finished, HandshakeBody, NewSessionTicket12, ServerHelloDone, ServerHelloRef,
    ServerKeyExchange,
};
use crate::session::{Tls12Session, DEFAULT_TLS12_LIFETIME};
use crate::suites::{tls12_suite, Authentication, Bulk, KeyExchange, Tls12Suite};
use crate::trace::{ResumptionMechanism, Side, TraceEvent};
use crate::verify::{self, SignatureVerified};
use rustls_pki_types::{CertificateDer, ServerName};
use std::sync::Arc;

/// What the client carries through the TLS 1.2 handshake.
struct Handshake12 {
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
    suite: Tls12Suite,
    transcript: Transcript,
    client_random: [u8; 32],
    server_random: [u8; 32],
    extended_master_secret: bool,
    encrypt_then_mac: bool,
    /// The session id in the ServerHello.
    session_id: Vec<u8>,
    /// The name sessions are stored under.
    store_name: String,
    /// The server announced a NewSessionTicket (empty session_ticket in its hello).
    ticket_expected: bool,
    /// The NewSessionTicket it sent.
    new_ticket: Option<NewSessionTicket12>,
    /// The session being resumed (abbreviated handshake).
    resumed: Option<Tls12Session>,
    /// This handshake is a renegotiation (RFC 5746).
    renegotiating: bool,
}

/// Step 2 (TLS 1.2): the ServerHello — suite, random, and which extensions the
/// server accepted.
pub(crate) fn handle_server_hello(
    cx: &mut Common,
    hello: HelloState,
    sh: ServerHelloRef<'_>,
    msg: HandshakeMessage<'_>,
) -> Result<Box<dyn State>, Error> {
    let config = hello.config.clone();
    let offered = hello.offered()?;
    if !offered.offers_suite(sh.cipher_suite) {
        return Err(Error::IllegalParameter(
            "server chose a cipher suite we did not offer",
        ));
    }
    let suite = tls12_suite(sh.cipher_suite).ok_or(Error::IllegalParameter(
        "server chose a suite that is not a TLS 1.2 suite",
    ))?;
    if sh.compression_method != 0 {
        return Err(Error::CompressionRefused);
    }
    let mut extended_master_secret = false;
    let mut encrypt_then_mac = false;
    let mut ticket_expected = false;
    let mut renegotiation_info = false;
    for (typ, e) in sh.extensions.iter() {
        match e {
            ExtensionRef::ExtendedMasterSecret => extended_master_secret = true,
            ExtensionRef::SessionTicket(ticket)
                if offered.has_extension(ExtensionType::SessionTicket) =>
            {
                // RFC 5077 §3.2: the server's is empty; a NewSessionTicket will follow.
                if !ticket.is_empty() {
                    return Err(Error::IllegalParameter(
                        "non-empty session_ticket in ServerHello",
                    ));
                }
                ticket_expected = true;
            }
            ExtensionRef::EncryptThenMac if offered.has_extension(typ) => {
                // RFC 7366 §2: meaningful only for CBC; an AEAD suite ignores it.
                encrypt_then_mac = matches!(suite.bulk, Bulk::Cbc(_));
            }
            ExtensionRef::RenegotiationInfo(data) => {
                check_renegotiation_info(&hello, data)?;
                renegotiation_info = true;
            }
            ExtensionRef::EcPointFormats(formats) => {
                if !formats.contains(&0) {
                    return Err(Error::IllegalParameter(
                        "server does not accept uncompressed points",
                    ));
                }
            }
            ExtensionRef::ServerName(None) => {}
            ExtensionRef::Alpn(p) => {
                let chosen = p.iter().next().ok_or(Error::decode("ALPN"))?;
                if !config.common.alpn_protocols.iter().any(|a| a == chosen) {
                    return Err(Error::IllegalParameter(
                        "server chose an ALPN protocol we did not offer",
                    ));
                }
                cx.negotiated.alpn = Some(chosen.to_vec());
            }
            _ if offered.has_extension(typ) => {}
            _ => return Err(Error::UnsupportedExtension(typ.to_wire())),
        }
    }
    if config.common.require_extended_master_secret && !extended_master_secret {
        return Err(Error::PeerIncompatible(
            "server does not support the extended master secret",
        ));
    }
    let renegotiating = hello.renegotiation.is_some();
    if renegotiating {
        // RFC 5746 §3.5: a renegotiation ServerHello must carry the extension.
        if !renegotiation_info {
            return Err(Error::HandshakeFailure(
                "server's renegotiation ServerHello lacks renegotiation_info (RFC 5746 §3.5)",
            ));
        }
        cx.renegotiation.awaiting_peer = false;
        RenegotiationState::forget_last_handshake(&mut cx.negotiated);
        if cx.renegotiation.initiator == Side::Client {
            cx.tracer.emit(|| TraceEvent::Renegotiation {
                from: Side::Client,
                accepted: true,
            });
        }
    } else {
        // RFC 5746 §3.4: the server supports secure renegotiation if it answered.
        cx.renegotiation.secure = renegotiation_info;
    }
    let resumed = check_resumption(cx, &hello, &sh, extended_master_secret, encrypt_then_mac)?;
    cx.allow_tls12_records();
    cx.negotiated.version = Some(ProtocolVersion::Tls12);
    cx.negotiated.cipher_suite = Some(suite.suite);
    if let ServerName::DnsName(n) = &hello.server_name {
        cx.negotiated.server_name = Some(n.as_ref().to_string());
    }
    cx.tracer.emit(|| TraceEvent::ServerHello {
        from: Side::Server,
        version: ProtocolVersion::Tls12,
        random: sh.random,
        session_id: sh.session_id.to_vec(),
        cipher_suite: suite.suite,
        group: None,
        extensions: sh.extensions.types(),
        compression_method: sh.compression_method,
    });
    let mut transcript = Transcript::new(config.common.provider.hash(suite.prf));
    if !config.client_identities.is_empty() && resumed.is_none() {
        // Should the server ask for our certificate, CertificateVerify signs the
        // messages themselves; dropped once we know it did not.
        transcript.keep_messages();
    }
    transcript.add(&hello.hello_bytes);
    transcript.add(msg.bytes);
    let hs = Handshake12 {
        config,
        server_name: hello.server_name,
        suite,
        transcript,
        client_random: hello.random,
        server_random: sh.random,
        extended_master_secret,
        encrypt_then_mac,
        session_id: sh.session_id.to_vec(),
        store_name: hello.store_name,
        ticket_expected,
        new_ticket: None,
        resumed,
        renegotiating,
    };
    match &hs.resumed {
        Some(stored) => {
            // The abbreviated handshake: the session's master secret, fresh keys.
            let session = Session12::resume(
                cx,
                hs.config.common.provider.clone(),
                suite,
                (hs.client_random, hs.server_random),
                stored.master_secret.clone(),
                encrypt_then_mac,
            );
            cx.negotiated.resumed = true;
            cx.negotiated.peer_certificates = stored.peer_certificates().to_vec();
            Ok(Box::new(ExpectChangeCipherSpec { hs, session }))
        }
        None => Ok(Box::new(ExpectCertificate { hs })),
    }
}

/// Step 2 (renegotiation_info): empty on the initial handshake (RFC 5746 §3.4); on a
/// renegotiation, our last Finished value then the server's (§3.5), compared in
/// constant time. Anything else is handshake_failure.
fn check_renegotiation_info(hello: &HelloState, data: &[u8]) -> Result<(), Error> {
    match &hello.renegotiation {
        None if data.is_empty() => Ok(()),
        None => Err(Error::HandshakeFailure(
            "non-empty renegotiation_info on the initial handshake",
        )),
        Some(binding) if constant_time_eq(&binding.server_hello_info(), data) => Ok(()),
        Some(_) => Err(Error::HandshakeFailure(
            "renegotiation_info does not match the previous handshake (RFC 5746 §3.5)",
        )),
    }
}

/// Step 2a: did the server resume the session we offered? It did when it echoed the
/// session id we sent (RFC 5246 §7.4.1.3; with a ticket, the random id we sent along,
/// RFC 5077 §3.4). A resumption must keep the session's suite and Encrypt-then-MAC
/// setting (illegal_parameter otherwise) and, the session having used the extended
/// master secret, must use it again (RFC 7627 §5.3: handshake_failure).
fn check_resumption(
    cx: &mut Common,
    hello: &HelloState,
    sh: &ServerHelloRef<'_>,
    extended_master_secret: bool,
    encrypt_then_mac: bool,
) -> Result<Option<Tls12Session>, Error> {
    let Some(offered) = &hello.resuming12 else {
        return Ok(None);
    };
    let accepted = !sh.session_id.is_empty() && sh.session_id == &hello.session_id[..];
    let mechanism = if offered.ticket().is_empty() {
        ResumptionMechanism::SessionId
    } else {
        ResumptionMechanism::Ticket
    };
    cx.tracer.emit(|| TraceEvent::Resumption {
        version: ProtocolVersion::Tls12,
        mechanism,
        accepted,
        reason: (!accepted).then_some("the server began a new session"),
    });
    if !accepted {
        return Ok(None);
    }
    if sh.cipher_suite != offered.cipher_suite() {
        return Err(Error::IllegalParameter(
            "server resumed the session with another cipher suite",
        ));
    }
    if !extended_master_secret {
        return Err(Error::HandshakeFailure(
            "server resumed without the extended master secret (RFC 7627 §5.3)",
        ));
    }
    if encrypt_then_mac != offered.encrypt_then_mac() {
        return Err(Error::IllegalParameter(
            "server changed Encrypt-then-MAC when resuming",
        ));
    }
    Ok(Some(offered.clone()))
}

struct ExpectCertificate {
    hs: Handshake12,
}

impl State for ExpectCertificate {
    /// Step 3: Certificate — the server's chain, then certificate validation.
    fn handle(
        mut self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage<'_>,
    ) -> Result<Box<dyn State>, Error> {
        if msg.typ != HandshakeType::Certificate {
            return Err(unexpected("Certificate", &msg));
        }
        let cert = Certificate12::decode(msg.body())?;
        if cert.chain.is_empty() {
            return Err(Error::decode("empty server Certificate"));
        }
        self.hs.transcript.add(msg.bytes);
        let chain = cert.chain;
        cx.tracer.emit(|| TraceEvent::Certificate {
            from: Side::Server,
            chain: summarize_chain(&chain),
            certificates: verify::certinfo::trace_chain(&chain, &*self.hs.config.common.provider),
        });
        if self.hs.renegotiating && cx.negotiated.peer_certificates.first() != chain.first() {
            // The peer cannot turn into another mid-connection (Go and NSS refuse
            // this too): the application trusted the identity of the first handshake.
            return Err(Error::Certificate {
                check: CertificateCheck::Other,
                detail: "the server's certificate changed during renegotiation".into(),
            });
        }
        let identity =
            verify_server_certificate(cx, &self.hs.config, &self.hs.server_name, &chain)?;
        // The next steps need only the end entity; the chain itself moves to the
        // connection's record of the peer.
        let end_entity = chain
            .first()
            .cloned()
            .ok_or(Error::Internal("chain vanished"))?;
        cx.negotiated.peer_certificates = chain;
        let next = ExpectServerHelloDone {
            hs: self.hs,
            end_entity,
            _identity: identity,
            kx: None,
            certificate_request: None,
        };
        Ok(match next.hs.suite.kx {
            KeyExchange::Rsa => Box::new(ExpectServerHelloDone {
                kx: Some((ClientKx::Rsa, None)),
                ..next
            }),
            _ => Box::new(ExpectServerKeyExchange { next }),
        })
    }
}

struct ExpectServerKeyExchange {
    next: ExpectServerHelloDone,
}

/// Whether `scheme` can sign for a suite that authenticates with `auth`.
fn scheme_fits(scheme: SignatureScheme, auth: Authentication) -> bool {
    use SignatureScheme as S;
    match auth {
        Authentication::Rsa => matches!(
            scheme,
            S::RSA_PKCS1_SHA1
                | S::RSA_PKCS1_SHA256
                | S::RSA_PKCS1_SHA384
                | S::RSA_PKCS1_SHA512
                | S::RSA_PSS_RSAE_SHA256
                | S::RSA_PSS_RSAE_SHA384
                | S::RSA_PSS_RSAE_SHA512
        ),
        Authentication::Ecdsa => matches!(
            scheme,
            S::ECDSA_SHA1_Legacy
                | S::ECDSA_NISTP256_SHA256
                | S::ECDSA_NISTP384_SHA384
                | S::ECDSA_NISTP521_SHA512
                | S::ED25519
        ),
    }
}

impl State for ExpectServerKeyExchange {
    /// Step 4: ServerKeyExchange — the server's (EC)DHE parameters, signed with its
    /// certificate key over both randoms.
    fn handle(
        self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage<'_>,
    ) -> Result<Box<dyn State>, Error> {
        if msg.typ != HandshakeType::ServerKeyExchange {
            return Err(unexpected("ServerKeyExchange", &msg));
        }
        let mut next = self.next;
        let hs = &mut next.hs;
        let common = &hs.config.common;
        let (kx, params, signed, group, dh_bits) = match hs.suite.kx {
            KeyExchange::Ecdhe => {
                let (p, raw, signed) = ServerKeyExchange::decode_ecdhe_in_place(msg.body())?;
                // A TLS 1.3-only hybrid has no TLS 1.2 definition.
                if !common.groups.contains(&p.group)
                    || p.group == crate::enums::NamedGroup::X25519MLKEM768
                {
                    return Err(Error::IllegalParameter(
                        "server chose a curve we did not offer",
                    ));
                }
                let group = p.group;
                (ClientKx::Ecdhe(p), raw, signed, Some(group), None)
            }
            KeyExchange::Dhe => {
                let (p, raw, signed) = ServerKeyExchange::decode_dhe_in_place(msg.body())?;
                let bits = bit_length(&p.p);
                ClientKx::check_dhe(&p)?;
                (ClientKx::Dhe(p), raw, signed, None, Some(bits))
            }
            KeyExchange::Rsa => return Err(unexpected("ServerHelloDone", &msg)),
        };
        if !common.signature_schemes.contains(&signed.scheme)
            || !scheme_fits(signed.scheme, hs.suite.auth)
        {
            return Err(Error::IllegalParameter(
                "ServerKeyExchange signed with a scheme we did not offer",
            ));
        }
        let content = tls12_ske_signed_content(&hs.client_random, &hs.server_random, params);
        let end_entity = &next.end_entity;
        let verified = verify::verify_tls12_signature(
            &*common.provider,
            end_entity,
            signed.scheme,
            &content,
            signed.signature,
        );
        let kind = hs.suite.kx;
        cx.tracer.emit(|| TraceEvent::ServerKeyExchange {
            from: Side::Server,
            kx: kind,
            group,
            dh_bits,
            scheme: signed.scheme,
            verified: verified.is_ok(),
        });
        let proof = verified?;
        cx.negotiated.group = group;
        hs.transcript.add(msg.bytes);
        Ok(Box::new(ExpectServerHelloDone {
            kx: Some((kx, Some(proof))),
            ..next
        }))
    }
}

struct ExpectServerHelloDone {
    hs: Handshake12,
    /// The server's end-entity certificate: its key signs ServerKeyExchange (or,
    /// for RSA key transport, encrypts the pre-master secret).
    end_entity: CertificateDer<'static>,
    _identity: ServerIdentity,
    /// The key agreement, with the proof that its parameters were signed (None for RSA).
    kx: Option<(ClientKx, Option<SignatureVerified>)>,
    certificate_request: Option<CertificateRequest12>,
}

impl State for ExpectServerHelloDone {
    fn handle(
        self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage<'_>,
    ) -> Result<Box<dyn State>, Error> {
        match msg.typ {
            HandshakeType::CertificateRequest if self.certificate_request.is_none() => {
                self.handle_certificate_request(cx, msg)
            }
            HandshakeType::ServerHelloDone => self.handle_server_hello_done(cx, msg),
            _ => Err(unexpected("ServerHelloDone", &msg)),
        }
    }
}

impl ExpectServerHelloDone {
    /// Step 5 (optional): CertificateRequest — the server wants a client certificate.
    fn handle_certificate_request(
        mut self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage<'_>,
    ) -> Result<Box<dyn State>, Error> {
        let cr = CertificateRequest12::decode(msg.body())?;
        self.hs.transcript.add(msg.bytes);
        cx.tracer.emit(|| TraceEvent::CertificateRequest {
            from: Side::Server,
            schemes: cr.schemes.clone(),
            certificate_types: cr.certificate_types.clone(),
            ca_names: verify::certinfo::trace_names(&cr.authorities),
        });
        cx.negotiated.client_auth_requested = true;
        self.certificate_request = Some(cr);
        Ok(self)
    }

    /// Step 6: ServerHelloDone — our turn: Certificate (when asked), ClientKeyExchange,
    /// CertificateVerify (when we sent a certificate), ChangeCipherSpec, Finished.
    fn handle_server_hello_done(
        self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage<'_>,
    ) -> Result<Box<dyn State>, Error> {
        ServerHelloDone::decode(msg.body())?;
        let me = *self;
        let mut hs = me.hs;
        hs.transcript.add(msg.bytes);
        cx.tracer
            .emit(|| TraceEvent::ServerHelloDone { from: Side::Server });
        let (kx, _signature) = me.kx.ok_or(Error::Internal("no key agreement"))?;

        let config = hs.config.clone();
        let identity = match &me.certificate_request {
            Some(request) => send_client_certificate(cx, &config, &mut hs.transcript, request)?,
            None => None,
        };

        let provider = hs.config.common.provider.clone();
        let end_entity = &me.end_entity;
        let (ckx, pre_master_secret) = kx.finish(&*provider, end_entity)?;
        let transcript = Some(&mut hs.transcript);
        cx.send_handshake_with(HandshakeType::ClientKeyExchange, transcript, |out| {
            ckx.encode_body(out)
        })?;
        let kind = hs.suite.kx;
        cx.tracer.emit(|| TraceEvent::ClientKeyExchange {
            from: Side::Client,
            kx: kind,
        });

        // RFC 7627 §3: the session hash runs through ClientKeyExchange only.
        let session_hash = hs.transcript.current();
        if let Some(chosen) = identity {
            send_client_certificate_verify(cx, &mut hs.transcript, chosen.identity, chosen.scheme)?;
        }
        hs.transcript.drop_messages();
        let session = Session12::derive(
            cx,
            provider,
            hs.suite,
            (hs.client_random, hs.server_random),
            &pre_master_secret,
            hs.extended_master_secret.then_some(session_hash.as_ref()),
            hs.encrypt_then_mac,
        );
        send_finished(cx, &mut hs, &session)?;
        Ok(Box::new(ExpectChangeCipherSpec { hs, session }))
    }
}

/// Step 7: our ChangeCipherSpec, then our Finished under the new keys.
fn send_finished(cx: &mut Common, hs: &mut Handshake12, session: &Session12) -> Result<(), Error> {
    cx.send_change_cipher_spec()?;
    session.install_encrypter(cx)?;
    let verify_data = session.verify_data(Side::Client, hs.transcript.current().as_ref());
    cx.renegotiation.record_finished(Side::Client, &verify_data);
    cx.send_handshake_with(HandshakeType::Finished, Some(&mut hs.transcript), |out| {
        Finished::encode_verify_data(&verify_data, out)
    })?;
    cx.tracer.emit(|| TraceEvent::Finished {
        from: Side::Client,
        verified: false,
    });
    Ok(())
}

/// Step 6a (when asked): our Certificate — the identity issued by an authority the
/// server named, whose key type and signature scheme it accepts; or, when none fits,
/// an empty Certificate (RFC 5246 §7.4.6) and the server decides.
fn send_client_certificate<'a>(
    cx: &mut Common,
    config: &'a ClientConfig,
    transcript: &mut Transcript,
    request: &CertificateRequest12,
) -> Result<Option<ChosenIdentity<'a>>, Error> {
    let chosen = choose_client_identity(config, &request.authorities, |s| {
        request.schemes.contains(&s)
            && certificate_type(s).is_some_and(|t| request.certificate_types.contains(&t))
    });
    let chain = chosen.as_ref().map_or(&[][..], |c| &c.identity.chain[..]);
    cx.send_handshake_with(HandshakeType::Certificate, Some(transcript), |out| {
        Certificate12::encode_chain_body(chain, out)
    })?;
    cx.tracer.emit(|| TraceEvent::Certificate {
        from: Side::Client,
        chain: summarize_chain(chain),
        certificates: verify::certinfo::trace_chain(chain, &*config.common.provider),
    });
    cx.negotiated.client_identity_sent = chosen.as_ref().map(|c| c.index);
    Ok(chosen)
}

/// Step 6b: our CertificateVerify — a signature over every handshake message so far,
/// ClientKeyExchange included (RFC 5246 §7.4.8).
fn send_client_certificate_verify(
    cx: &mut Common,
    transcript: &mut Transcript,
    identity: &CertifiedKey,
    scheme: SignatureScheme,
) -> Result<(), Error> {
    let messages = transcript
        .messages()
        .ok_or(Error::Internal("handshake messages were not kept"))?;
    let signature = identity.key.sign(scheme, messages)?;
    let cv = CertificateVerify { scheme, signature };
    cx.send_message(&cv, Some(transcript))?;
    cx.tracer.emit(|| TraceEvent::CertificateVerify {
        from: Side::Client,
        scheme,
        verified: false,
    });
    Ok(())
}

struct ExpectChangeCipherSpec {
    hs: Handshake12,
    session: Session12,
}

impl State for ExpectChangeCipherSpec {
    fn handle(
        self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage<'_>,
    ) -> Result<Box<dyn State>, Error> {
        if msg.typ == HandshakeType::NewSessionTicket
            && self.hs.ticket_expected
            && self.hs.new_ticket.is_none()
        {
            return self.handle_new_session_ticket(cx, msg);
        }
        Err(unexpected("ChangeCipherSpec", &msg))
    }

    /// Step 8: the server's ChangeCipherSpec — its records are protected from here on.
    fn handle_change_cipher_spec(
        self: Box<Self>,
        cx: &mut Common,
    ) -> Result<Box<dyn State>, Error> {
        if self.hs.ticket_expected && self.hs.new_ticket.is_none() {
            // RFC 5077 §3.3: announced in the ServerHello, so it must come.
            return Err(Error::UnexpectedMessage {
                expected: "NewSessionTicket",
                got: "change_cipher_spec".into(),
            });
        }
        self.session.install_decrypter(cx)?;
        Ok(Box::new(ExpectFinished {
            hs: self.hs,
            session: self.session,
        }))
    }
}

impl ExpectChangeCipherSpec {
    /// Step 7a: NewSessionTicket (RFC 5077 §3.3) — the ticket to resume with next
    /// time. It is part of the transcript the server's Finished covers.
    fn handle_new_session_ticket(
        mut self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage<'_>,
    ) -> Result<Box<dyn State>, Error> {
        let nst = NewSessionTicket12::decode(msg.body())?;
        self.hs.transcript.add(msg.bytes);
        cx.tracer.emit(|| TraceEvent::NewSessionTicket {
            from: Side::Server,
            lifetime: nst.lifetime_hint,
            ticket_len: nst.ticket.len(),
            // TLS 1.2 has one ticket per handshake (RFC 5077 §3.3).
            index: Some(1),
            count: Some(1),
        });
        self.hs.new_ticket = Some(nst);
        Ok(self)
    }
}

struct ExpectFinished {
    hs: Handshake12,
    session: Session12,
}

impl State for ExpectFinished {
    /// Step 9: the server's Finished, proving it derived the same master secret;
    /// resuming, our ChangeCipherSpec and Finished follow.
    fn handle(
        self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage<'_>,
    ) -> Result<Box<dyn State>, Error> {
        if msg.typ != HandshakeType::Finished {
            return Err(unexpected("Finished", &msg));
        }
        let verify_data = Finished::decode_verify_data(msg.body())?;
        let mut hs = self.hs;
        let expected = self
            .session
            .verify_data(Side::Server, hs.transcript.current().as_ref());
        let verified = verify_finished(&expected, verify_data);
        cx.tracer.emit(|| TraceEvent::Finished {
            from: Side::Server,
            verified: verified.is_ok(),
        });
        let _proof = verified?;
        cx.peer_finished_seen = true;
        cx.renegotiation.record_finished(Side::Server, verify_data);
        hs.transcript.add(msg.bytes);
        if hs.resumed.is_some() {
            send_finished(cx, &mut hs, &self.session)?;
        }
        remember_session(cx, &hs, &self.session);
        let alpn = cx
            .negotiated
            .alpn
            .as_ref()
            .map(|a| String::from_utf8_lossy(a).into_owned());
        let (suite, group) = (hs.suite.suite, cx.negotiated.group);
        cx.tracer.emit(|| TraceEvent::HandshakeComplete {
            version: ProtocolVersion::Tls12,
            cipher_suite: suite,
            group,
            alpn,
        });
        cx.renegotiation.complete(&mut cx.negotiated);
        cx.start_traffic()?;
        Ok(Box::new(Traffic12::client(hs.config, hs.server_name)))
    }
}

/// After the handshake: keep the session for next time — its id, its ticket (a new
/// one replaces the old, RFC 5077 §3.3) — but only if it used the extended master
/// secret (RFC 7627 §5.3) and the server gave a way back (an id or a ticket).
fn remember_session(cx: &Common, hs: &Handshake12, session: &Session12) {
    let config = &hs.config;
    let Some(store) = config.session_store.as_ref().filter(|_| config.resumption) else {
        return;
    };
    let now = (config.common.time)().as_secs();
    let (ticket, lifetime, created) = match (&hs.new_ticket, &hs.resumed) {
        (Some(nst), _) if !nst.ticket.is_empty() => {
            let hint = match nst.lifetime_hint {
                0 => DEFAULT_TLS12_LIFETIME,
                hint => hint,
            };
            (nst.ticket.clone(), hint, now)
        }
        (_, Some(old)) => (old.ticket().to_vec(), old.lifetime, old.created),
        _ => (Vec::new(), DEFAULT_TLS12_LIFETIME, now),
    };
    if !hs.extended_master_secret || (ticket.is_empty() && hs.session_id.is_empty()) {
        store.remove_tls12(&hs.store_name);
        return;
    }
    store.put_tls12(
        &hs.store_name,
        Tls12Session {
            server_name: hs.store_name.clone(),
            session_id: hs.session_id.clone(),
            ticket,
            master_secret: session.master_secret.clone(),
            cipher_suite: session.suite.suite,
            extended_master_secret: true,
            encrypt_then_mac: session.encrypt_then_mac,
            created,
            lifetime,
            peer_certificates: cx.negotiated.peer_certificates.clone(),
        },
    );
}
