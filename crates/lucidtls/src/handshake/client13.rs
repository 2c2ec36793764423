//! The TLS 1.3 client, in the order of the steps (RFC 8446 §2):
//! ClientHello → ServerHello (or HelloRetryRequest) → EncryptedExtensions →
//! CertificateRequest? → Certificate → CertificateVerify → Finished → our Finished.

use super::client::{
    send_client_hello, summarize_chain, verify_server_certificate, ExpectServerHello, HelloState,
    ServerAuthenticated, ServerIdentity,
};
use super::client_auth::choose_client_identity;
use super::tls13::{install_decrypter, install_encrypter};
use super::traffic13::{TicketSink, Traffic13};
use super::transcript::Transcript;
use super::{unexpected, verify_finished, HandshakeMessage, State};
use crate::config::{CertifiedKey, ClientConfig};
use crate::conn::Common;
use crate::enums::{ExtensionType, HandshakeType, NamedGroup, ProtocolVersion, SignatureScheme};
use crate::error::Error;
use crate::keys::tls13::{EarlySecret, HandshakeSecret, TrafficSecret};
use crate::msgs::{
    Certificate13, CertificateRequest13, CertificateVerify, CertificateVerifyRef,
    EncryptedExtensions, ExtensionRef, Finished, HandshakeBody, ServerHelloRef,
};
use crate::suites::{tls13_suite, Tls13Suite};
use crate::trace::{ResumptionMechanism, Side, TraceEvent};
use crate::verify;
use crate::verify::certinfo::{trace_chain, trace_names};
use rustls_pki_types::{CertificateDer, ServerName};
use std::sync::Arc;

impl ExpectServerHello {
    /// Checks shared by ServerHello and HelloRetryRequest (RFC 8446 §4.1.3–4.1.4).
    fn check_common(&self, sh: &ServerHelloRef<'_>) -> Result<Tls13Suite, Error> {
        match sh.extensions.supported_version_selected() {
            Some(ProtocolVersion::Tls13) => {}
            Some(_) => {
                return Err(Error::IllegalParameter(
                    "server selected a version we did not offer",
                ))
            }
            None => return Err(Error::NoCommonVersion),
        }
        if sh.legacy_version != ProtocolVersion::Tls12.to_wire() {
            return Err(Error::IllegalParameter(
                "ServerHello legacy_version is not 0x0303",
            ));
        }
        if sh.session_id != &self.hello.session_id[..] {
            return Err(Error::IllegalParameter(
                "ServerHello does not echo our session id",
            ));
        }
        if sh.compression_method != 0 {
            return Err(Error::IllegalParameter(
                "ServerHello chose a compression method",
            ));
        }
        let offered = self.hello.offered()?;
        if !offered.offers_suite(sh.cipher_suite) {
            return Err(Error::IllegalParameter(
                "server chose a cipher suite we did not offer",
            ));
        }
        let suite = tls13_suite(sh.cipher_suite)
            .ok_or(Error::IllegalParameter("server chose a non-TLS 1.3 suite"))?;
        if let Some((_, hrr_suite)) = &self.retried {
            if *hrr_suite != sh.cipher_suite {
                return Err(Error::IllegalParameter(
                    "suite differs from the HelloRetryRequest",
                ));
            }
        }
        for (typ, e) in sh.extensions.iter() {
            match e {
                ExtensionRef::SupportedVersionSelected(_)
                | ExtensionRef::KeyShareEntry(_)
                | ExtensionRef::KeyShareRetry(_)
                | ExtensionRef::Cookie(_) => {}
                ExtensionRef::PreSharedKeySelected(_)
                    if offered.has_extension(ExtensionType::PreSharedKey) => {}
                // RFC 8446 §4.2: never offered → unsupported_extension; a known one
                // that a TLS 1.3 ServerHello may not carry → illegal_parameter.
                _ if !offered.has_extension(typ) => {
                    return Err(Error::UnsupportedExtension(typ.to_wire()))
                }
                _ => {
                    return Err(Error::ExtensionNotAllowed {
                        typ: typ.to_wire(),
                        message: HandshakeType::ServerHello,
                    })
                }
            }
        }
        Ok(suite)
    }

    /// Step 2a: HelloRetryRequest — the server wants a key share for another group.
    pub(super) fn handle_hello_retry_request(
        mut self: Box<Self>,
        cx: &mut Common,
        hrr: ServerHelloRef<'_>,
        hrr_bytes: &[u8],
    ) -> Result<Box<dyn State>, Error> {
        if self.retried.is_some() {
            return Err(Error::UnexpectedMessage {
                expected: "ServerHello",
                got: "a second HelloRetryRequest".into(),
            });
        }
        let suite = self.check_common(&hrr)?;
        let cookie = hrr.extensions.cookie();
        let group = hrr.extensions.key_share_retry();
        if cookie.is_none() && group.is_none() {
            return Err(Error::IllegalParameter(
                "HelloRetryRequest would not change the ClientHello",
            ));
        }
        cx.tracer.emit(|| TraceEvent::HelloRetryRequest {
            from: Side::Server,
            group: group.unwrap_or(NamedGroup::Unknown(0)),
        });
        let config = self.hello.config.clone();
        if let Some(group) = group {
            if !config.common.groups.contains(&group) {
                return Err(Error::IllegalParameter(
                    "HelloRetryRequest names a group we did not offer",
                ));
            }
            if self.hello.key_shares.iter().any(|k| k.group() == group) {
                return Err(Error::IllegalParameter(
                    "HelloRetryRequest names a group we already sent",
                ));
            }
            let kx = config
                .common
                .provider
                .kx_group(group)
                .ok_or(Error::Internal("group vanished"))?;
            self.hello.key_shares = vec![kx.start()?];
        }
        let provider = &config.common.provider;
        let mut transcript =
            Transcript::new_after_retry(provider.hash(suite.hash), &self.hello.hello_bytes);
        transcript.add(hrr_bytes);
        cx.negotiated.hello_retry = true;
        // RFC 8446 §4.1.2: the second ClientHello keeps only a PSK whose hash fits
        // the suite the server named; its binder is recomputed over the new transcript.
        if let Some(t) = &self.hello.resuming13 {
            if tls13_suite(t.cipher_suite()).map(|s| s.hash) != Some(suite.hash) {
                self.hello.resuming13 = None;
            }
        }
        // Middlebox compatibility: a CCS before the second flight.
        cx.send_change_cipher_spec()?;
        send_client_hello(cx, &mut self.hello, cookie, Some(&transcript))?;
        transcript.add(&self.hello.hello_bytes);
        self.retried = Some((transcript, hrr.cipher_suite));
        Ok(self)
    }

    /// Step 2: ServerHello — the chosen suite and the server's key share; from here
    /// on everything is encrypted under the handshake traffic keys.
    pub(super) fn handle_server_hello(
        self: Box<Self>,
        cx: &mut Common,
        sh: ServerHelloRef<'_>,
        sh_bytes: &[u8],
    ) -> Result<Box<dyn State>, Error> {
        let suite = self.check_common(&sh)?;
        if sh.extensions.has(ExtensionType::Cookie) {
            return Err(Error::ExtensionNotAllowed {
                typ: 44,
                message: HandshakeType::ServerHello,
            });
        }
        let me = *self;
        let psk_taken = me.check_psk_selected(cx, &sh, suite)?;
        let server_share = match (sh.extensions.key_share_entry(), psk_taken) {
            (Some(share), _) => Some(share),
            // psk_ke: resumption without (EC)DHE, only if we offered it.
            (None, true) if me.hello.config.psk_ke_allowed => None,
            (None, true) => {
                return Err(Error::IllegalParameter(
                    "PSK without key_share, but we offered only psk_dhe_ke",
                ))
            }
            (None, false) => return Err(Error::MissingExtension("key_share in ServerHello")),
        };
        let HelloState {
            config,
            server_name,
            key_shares,
            hello_bytes,
            store_name,
            psk_early,
            resuming13,
            ..
        } = me.hello;
        // The ticket the server took, if it did: moved out of the hello state.
        let resumed = resuming13.filter(|_| psk_taken);
        let kx = match server_share {
            Some(share) => Some((
                key_shares
                    .into_iter()
                    .find(|k| k.group() == share.group)
                    .ok_or(Error::IllegalParameter(
                        "server key share is for a group we did not send",
                    ))?,
                share.share,
            )),
            None => None,
        };
        let group = kx.as_ref().map(|(k, _)| k.group());
        let provider = config.common.provider.clone();
        let hash = provider.hash(suite.hash);
        let mut transcript = match me.retried {
            Some((t, _)) => t,
            None => {
                let mut t = Transcript::new(hash);
                t.add(&hello_bytes);
                t
            }
        };
        transcript.add(sh_bytes);
        cx.negotiated.version = Some(ProtocolVersion::Tls13);
        cx.negotiated.cipher_suite = Some(suite.suite);
        cx.negotiated.group = group;
        cx.tracer.emit(|| TraceEvent::ServerHello {
            from: Side::Server,
            version: ProtocolVersion::Tls13,
            random: sh.random,
            session_id: sh.session_id.to_vec(),
            cipher_suite: suite.suite,
            group,
            extensions: sh.extensions.types(),
            compression_method: sh.compression_method,
        });

        // The key schedule starts from the PSK when the server took it.
        // The binder's early secret is the same value: keep it rather than recompute.
        let early = match (&resumed, psk_early) {
            (Some(_), Some(early)) => early,
            (resumed, _) => EarlySecret::new(hash, resumed.as_ref().map(|t| t.psk.expose())),
        };
        let handshake_secret = match kx {
            Some((kx, share)) => {
                let group = kx.group();
                let shared = kx.complete(share)?;
                cx.tracer.emit(|| TraceEvent::KeyExchange { group });
                early.into_handshake(&shared)
            }
            None => early.into_handshake_without_dhe(),
        };
        if let Some(t) = &resumed {
            cx.negotiated.resumed = true;
            cx.negotiated.peer_certificates = t.peer_certificates().to_vec();
        }
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
        install_decrypter(cx, &provider, suite, &server_hs, "server handshake traffic")?;
        if !cx.negotiated.hello_retry {
            // Middlebox compatibility: CCS right before our first encrypted message.
            cx.send_change_cipher_spec()?;
        }
        install_encrypter(cx, &provider, suite, &client_hs, "client handshake traffic")?;
        Ok(Box::new(ExpectEncryptedExtensions {
            hs: Handshake13 {
                config,
                server_name,
                store_name,
                suite,
                transcript,
                handshake_secret,
                client_hs,
                server_hs,
                resumed: resumed.is_some(),
            },
        }))
    }

    /// Step 2b: pre_shared_key in the ServerHello — the server resumes with our
    /// ticket. RFC 8446 §4.2.11: the index must be one we offered and the suite's hash
    /// the PSK's (else illegal_parameter). Returns whether the ticket was taken.
    fn check_psk_selected(
        &self,
        cx: &mut Common,
        sh: &ServerHelloRef<'_>,
        suite: Tls13Suite,
    ) -> Result<bool, Error> {
        let offered = match &self.hello.resuming13 {
            Some(t)
                if self
                    .hello
                    .offered()?
                    .has_extension(ExtensionType::PreSharedKey) =>
            {
                t
            }
            _ => return Ok(false),
        };
        let selected = sh.extensions.psk_selected();
        cx.tracer.emit(|| TraceEvent::Resumption {
            version: ProtocolVersion::Tls13,
            mechanism: ResumptionMechanism::Psk,
            accepted: selected.is_some(),
            reason: selected
                .is_none()
                .then_some("the server did not select our PSK"),
        });
        let Some(index) = selected else {
            return Ok(false);
        };
        // We offer exactly one identity.
        if index != 0 {
            return Err(Error::IllegalParameter(
                "server selected a PSK identity we did not offer",
            ));
        }
        if tls13_suite(offered.cipher_suite()).map(|s| s.hash) != Some(suite.hash) {
            return Err(Error::IllegalParameter(
                "server selected a suite whose hash is not the PSK's",
            ));
        }
        Ok(true)
    }
}

/// Everything the encrypted part of the client handshake carries along.
struct Handshake13 {
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
    /// The name tickets are stored under.
    store_name: String,
    suite: Tls13Suite,
    transcript: Transcript,
    handshake_secret: HandshakeSecret,
    client_hs: TrafficSecret,
    server_hs: TrafficSecret,
    /// The server took our PSK: no Certificate or CertificateVerify follow.
    resumed: bool,
}

struct ExpectEncryptedExtensions {
    hs: Handshake13,
}

impl State for ExpectEncryptedExtensions {
    /// Step 3: EncryptedExtensions — ALPN and the other negotiated extras.
    fn handle(
        mut self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage<'_>,
    ) -> Result<Box<dyn State>, Error> {
        if msg.typ != HandshakeType::EncryptedExtensions {
            return Err(unexpected("EncryptedExtensions", &msg));
        }
        let extensions = EncryptedExtensions::decode_in_place(msg.body())?;
        self.hs.transcript.add(msg.bytes);
        let offered = &self.hs.config.common.alpn_protocols;
        for (typ, e) in extensions.iter() {
            match e {
                ExtensionRef::ServerName(None) | ExtensionRef::SupportedGroups(_) => {}
                ExtensionRef::RecordSizeLimit(_) => {}
                ExtensionRef::Alpn(p) => {
                    let chosen = p.iter().next().ok_or(Error::decode("ALPN"))?;
                    if !offered.iter().any(|o| o == chosen) {
                        return Err(Error::IllegalParameter(
                            "server chose an ALPN protocol we did not offer",
                        ));
                    }
                    cx.negotiated.alpn = Some(chosen.to_vec());
                }
                _ => return Err(Error::UnsupportedExtension(typ.to_wire())),
            }
        }
        if let ServerName::DnsName(n) = &self.hs.server_name {
            cx.negotiated.server_name = Some(n.as_ref().to_string());
        }
        let alpn = cx
            .negotiated
            .alpn
            .as_ref()
            .map(|a| String::from_utf8_lossy(a).into_owned());
        cx.tracer.emit(|| TraceEvent::EncryptedExtensions {
            from: Side::Server,
            extensions: extensions.types(),
            alpn,
        });
        if self.hs.resumed {
            // RFC 8446 §2.2: a PSK handshake has no Certificate, CertificateVerify or
            // CertificateRequest; the server's Finished comes next.
            return Ok(Box::new(ExpectFinished {
                hs: self.hs,
                _server: ServerAuthenticated::Resumed,
                client_auth_requested: None,
            }));
        }
        Ok(Box::new(ExpectCertificate {
            hs: self.hs,
            client_auth_requested: None,
        }))
    }
}

struct ExpectCertificate {
    hs: Handshake13,
    client_auth_requested: Option<CertificateRequest13>,
}

impl State for ExpectCertificate {
    fn handle(
        self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage<'_>,
    ) -> Result<Box<dyn State>, Error> {
        match msg.typ {
            HandshakeType::CertificateRequest if self.client_auth_requested.is_none() => {
                self.handle_certificate_request(cx, msg)
            }
            HandshakeType::Certificate => self.handle_certificate(cx, msg),
            _ => Err(unexpected("Certificate or CertificateRequest", &msg)),
        }
    }
}

impl ExpectCertificate {
    /// Step 4 (optional): CertificateRequest — the server asks for our certificate.
    fn handle_certificate_request(
        mut self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage<'_>,
    ) -> Result<Box<dyn State>, Error> {
        let cr = CertificateRequest13::decode(msg.body())?;
        if !cr.context.is_empty() {
            return Err(Error::IllegalParameter(
                "non-empty certificate_request_context in handshake",
            ));
        }
        self.hs.transcript.add(msg.bytes);
        let schemes = cr
            .extensions
            .signature_algorithms()
            .cloned()
            .unwrap_or_default();
        cx.tracer.emit(|| TraceEvent::CertificateRequest {
            from: Side::Server,
            schemes,
            certificate_types: Vec::new(),
            ca_names: trace_names(
                cr.extensions
                    .certificate_authorities()
                    .map_or(&[][..], |a| &a[..]),
            ),
        });
        cx.negotiated.client_auth_requested = true;
        self.client_auth_requested = Some(cr);
        Ok(self)
    }

    /// Step 5: Certificate — the server's chain, checked against our trust anchors.
    fn handle_certificate(
        mut self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage<'_>,
    ) -> Result<Box<dyn State>, Error> {
        let cert = Certificate13::decode(msg.body())?;
        if !cert.context.is_empty() {
            return Err(Error::IllegalParameter(
                "server Certificate has a request context",
            ));
        }
        if cert.entries.is_empty() {
            // RFC 8446 §4.4.2.4: an empty server Certificate is a decode_error.
            return Err(Error::decode("empty server Certificate"));
        }
        self.hs.transcript.add(msg.bytes);
        let chain = cert.into_chain();
        cx.tracer.emit(|| TraceEvent::Certificate {
            from: Side::Server,
            chain: summarize_chain(&chain),
            certificates: trace_chain(&chain, &*self.hs.config.common.provider),
        });
        let verified =
            verify_server_certificate(cx, &self.hs.config, &self.hs.server_name, &chain)?;
        // The next step needs only the end entity; the chain itself moves to the
        // connection's record of the peer.
        let end_entity = chain
            .first()
            .cloned()
            .ok_or(Error::Internal("chain vanished"))?;
        cx.negotiated.peer_certificates = chain;
        Ok(Box::new(ExpectCertificateVerify {
            hs: self.hs,
            end_entity,
            verified,
            client_auth_requested: self.client_auth_requested,
        }))
    }
}

struct ExpectCertificateVerify {
    hs: Handshake13,
    /// The server's end-entity certificate, whose key signs CertificateVerify.
    end_entity: CertificateDer<'static>,
    verified: ServerIdentity,
    client_auth_requested: Option<CertificateRequest13>,
}

impl State for ExpectCertificateVerify {
    /// Step 6: CertificateVerify — the server proves it holds the certificate's key.
    fn handle(
        mut self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage<'_>,
    ) -> Result<Box<dyn State>, Error> {
        if msg.typ != HandshakeType::CertificateVerify {
            return Err(unexpected("CertificateVerify", &msg));
        }
        let cv = CertificateVerifyRef::decode(msg.body())?;
        if !self.hs.config.common.signature_schemes.contains(&cv.scheme) {
            return Err(Error::IllegalParameter(
                "server signed with a scheme we did not offer",
            ));
        }
        let content = verify::tls13_signed_content(true, self.hs.transcript.current().as_ref());
        let signature = verify::verify_tls13_signature(
            &*self.hs.config.common.provider,
            &self.end_entity,
            cv.scheme,
            &content,
            cv.signature,
        );
        cx.tracer.emit(|| TraceEvent::CertificateVerify {
            from: Side::Server,
            scheme: cv.scheme,
            verified: signature.is_ok(),
        });
        let signature = signature?;
        self.hs.transcript.add(msg.bytes);
        Ok(Box::new(ExpectFinished {
            hs: self.hs,
            _server: ServerAuthenticated::Signed(self.verified, signature),
            client_auth_requested: self.client_auth_requested,
        }))
    }
}

struct ExpectFinished {
    hs: Handshake13,
    _server: ServerAuthenticated,
    client_auth_requested: Option<CertificateRequest13>,
}

impl State for ExpectFinished {
    /// Step 7: the server's Finished; then our own (step 8) and the application keys.
    fn handle(
        self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage<'_>,
    ) -> Result<Box<dyn State>, Error> {
        if msg.typ != HandshakeType::Finished {
            return Err(unexpected("Finished", &msg));
        }
        let verify_data = Finished::decode_verify_data(msg.body())?;
        let me = *self;
        let mut hs = me.hs;
        let expected = hs.server_hs.finished_verify_data(&hs.transcript.current());
        let verified = verify_finished(expected.as_ref(), verify_data);
        cx.tracer.emit(|| TraceEvent::Finished {
            from: Side::Server,
            verified: verified.is_ok(),
        });
        let _proof = verified?;
        cx.peer_finished_seen = true;
        hs.transcript.add(msg.bytes);

        let provider = hs.config.common.provider.clone();
        let through_server_finished = hs.transcript.current();
        let master = hs.handshake_secret.into_master();
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
        install_decrypter(
            cx,
            &provider,
            hs.suite,
            &server_ap,
            "server application traffic",
        )?;

        if let Some(request) = me.client_auth_requested {
            send_client_certificate(cx, &hs.config, &mut hs.transcript, request)?;
        }
        send_finished(cx, &mut hs.transcript, &hs.client_hs)?;
        // NewSessionTickets will come from the resumption secret, which covers our Finished.
        let resumption_master = master.resumption(&hs.transcript.current());
        install_encrypter(
            cx,
            &provider,
            hs.suite,
            &client_ap,
            "client application traffic",
        )?;
        let alpn = cx
            .negotiated
            .alpn
            .as_ref()
            .map(|a| String::from_utf8_lossy(a).into_owned());
        let (suite, group) = (hs.suite.suite, cx.negotiated.group);
        cx.tracer.emit(|| TraceEvent::HandshakeComplete {
            version: ProtocolVersion::Tls13,
            cipher_suite: suite,
            group,
            alpn,
        });
        cx.start_traffic()?;
        let traffic = Traffic13::new(Side::Client, provider, hs.suite, client_ap, server_ap);
        // The resumption secret and the peer's chain are kept only if tickets can be stored.
        if !hs.config.resumption || hs.config.session_store.is_none() {
            return Ok(Box::new(traffic));
        }
        let tickets = TicketSink {
            config: hs.config.clone(),
            store_name: hs.store_name,
            resumption_master,
            alpn: cx.negotiated.alpn.clone(),
            peer_certificates: cx.negotiated.peer_certificates.clone(),
        };
        Ok(Box::new(traffic.with_ticket_sink(tickets)))
    }
}

/// Step 8a (when asked): our Certificate — the identity issued by an authority the
/// server named whose key can sign with a scheme it listed, then its
/// CertificateVerify; or, when none fits, an empty Certificate.
fn send_client_certificate(
    cx: &mut Common,
    config: &ClientConfig,
    transcript: &mut Transcript,
    request: CertificateRequest13,
) -> Result<(), Error> {
    let offered = request
        .extensions
        .signature_algorithms()
        .cloned()
        .unwrap_or_default();
    let authorities = request
        .extensions
        .certificate_authorities()
        .cloned()
        .unwrap_or_default();
    let chosen = choose_client_identity(config, &authorities, |s| {
        s.allowed_in_tls13() && offered.contains(&s)
    });
    let chain = chosen.as_ref().map_or(&[][..], |c| &c.identity.chain[..]);
    cx.send_handshake_with(HandshakeType::Certificate, Some(transcript), |out| {
        Certificate13::encode_chain_body(&request.context, chain, out)
    })?;
    cx.tracer.emit(|| TraceEvent::Certificate {
        from: Side::Client,
        chain: summarize_chain(chain),
        certificates: trace_chain(chain, &*config.common.provider),
    });
    if let Some(chosen) = chosen {
        cx.negotiated.client_identity_sent = Some(chosen.index);
        send_client_certificate_verify(cx, transcript, chosen.identity, chosen.scheme)?;
    }
    Ok(())
}

/// Step 8b: our CertificateVerify — the client context string and the transcript
/// through our Certificate, signed with the identity's key.
fn send_client_certificate_verify(
    cx: &mut Common,
    transcript: &mut Transcript,
    identity: &CertifiedKey,
    scheme: SignatureScheme,
) -> Result<(), Error> {
    let content = verify::tls13_signed_content(false, transcript.current().as_ref());
    let signature = identity.key.sign(scheme, &content)?;
    let cv = CertificateVerify { scheme, signature };
    cx.send_message(&cv, Some(transcript))?;
    cx.tracer.emit(|| TraceEvent::CertificateVerify {
        from: Side::Client,
        scheme,
        verified: false,
    });
    Ok(())
}

/// Step 8: our Finished, a MAC over the whole transcript.
fn send_finished(
    cx: &mut Common,
    transcript: &mut Transcript,
    client_hs: &TrafficSecret,
) -> Result<(), Error> {
    let verify_data = client_hs.finished_verify_data(&transcript.current());
    cx.send_handshake_with(HandshakeType::Finished, Some(transcript), |out| {
        Finished::encode_verify_data(verify_data.as_ref(), out)
    })?;
    cx.tracer.emit(|| TraceEvent::Finished {
        from: Side::Client,
        verified: false,
    });
    Ok(())
}
