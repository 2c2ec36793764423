//! The TLS 1.2 server, in the order of the classic handshake (RFC 5246 §7.3):
//! ClientHello → ServerHello, Certificate, ServerKeyExchange, CertificateRequest?,
//! ServerHelloDone → the client's Certificate?, ClientKeyExchange,
//! CertificateVerify?, ChangeCipherSpec, Finished → our ChangeCipherSpec and Finished.

use super::client_auth::{
    acceptable_authorities, handle_client_certificate, ClientChain, ClientIdentity,
};
use super::kx12::ServerKx;
use super::tls12::Session12;
use super::traffic12::Traffic12;
use super::transcript::Transcript;
use super::{unexpected, verify_finished, HandshakeMessage, State};
use crate::config::ServerConfig;
use crate::conn::Common;
use crate::enums::{
    CipherSuite, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion, SignatureScheme,
};
use crate::error::Error;
use crate::msgs::certificate_request12::{ECDSA_SIGN, RSA_SIGN};
use crate::msgs::server_hello::DOWNGRADE_TLS12;
use crate::msgs::{
    tls12_ske_signed_content, Certificate12, CertificateRequest12, CertificateVerify, ClientHello,
    Extension, Extensions, Finished, HandshakeBody, ServerHello, ServerHelloDone,
    ServerKeyExchange,
};
use crate::suites::{tls12_suite, Authentication, Bulk, KeyExchange, Policy, Tls12Suite};
use crate::trace::{Side, TraceEvent};
use std::sync::Arc;

/// What the server decided from the ClientHello.
struct Choices {
    suite: Tls12Suite,
    group: Option<NamedGroup>,
    scheme: Option<SignatureScheme>,
    alpn: Option<Vec<u8>>,
    extended_master_secret: bool,
    encrypt_then_mac: bool,
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
    ch: ClientHello,
    ch_bytes: &[u8],
) -> Result<Box<dyn State>, Error> {
    // RFC 7507: a fallback retry while we could have done better means an attacker
    // interfered with the first attempt.
    if ch.cipher_suites.contains(&CipherSuite::TLS_FALLBACK_SCSV)
        && config.common.supports(ProtocolVersion::Tls13)
    {
        return Err(Error::InappropriateFallback);
    }
    // RFC 5746 §3.6: on an initial handshake renegotiation_info must be empty.
    if ch
        .extensions
        .renegotiation_info()
        .is_some_and(|ri| !ri.is_empty())
    {
        return Err(Error::HandshakeFailure(
            "non-empty renegotiation_info on the initial handshake",
        ));
    }
    let choices = choose(&config, &ch)?;
    cx.allow_tls12_records();
    if let Some(name) = ch.extensions.server_name().cloned().flatten() {
        cx.negotiated.server_name = Some(name);
    }
    let mut transcript = Transcript::new(config.common.provider.hash(choices.suite.prf));
    if config.client_auth.roots().is_some() {
        // The client's CertificateVerify will sign the messages themselves.
        transcript.keep_messages();
    }
    transcript.add(ch_bytes);
    let mut flight = Flight {
        config,
        transcript,
        client_random: ch.random,
        server_random: [0; 32],
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

/// The suite, group, signature scheme and extensions for this client.
fn choose(config: &ServerConfig, ch: &ClientHello) -> Result<Choices, Error> {
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
        Some(theirs) if theirs.iter().any(is_ffdhe) => {
            OURS.into_iter().find(|g| theirs.contains(g))
        }
        _ => Some(NamedGroup::FFDHE2048),
    };
    // RFC 5246 §7.4.1.4.1: no signature_algorithms means SHA-1 (legacy policy only).
    let default_schemes = [
        SignatureScheme::RSA_PKCS1_SHA1,
        SignatureScheme::ECDSA_SHA1_Legacy,
    ];
    let client_schemes: &[SignatureScheme] = match ch.extensions.signature_algorithms() {
        Some(s) => s,
        None if common.policy >= Policy::Legacy => &default_schemes,
        None => &[],
    };
    let scheme = our_schemes
        .iter()
        .copied()
        .find(|s| client_schemes.contains(s) && common.signature_schemes.contains(s));

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
            .filter_map(|s| tls12_suite(*s))
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
    let alpn = match ch.extensions.alpn() {
        Some(theirs) if !common.alpn_protocols.is_empty() => Some(
            common
                .alpn_protocols
                .iter()
                .find(|p| theirs.contains(p))
                .cloned()
                .ok_or(Error::NoApplicationProtocol)?,
        ),
        _ => None,
    };
    let group = match suite.kx {
        KeyExchange::Ecdhe => ecdhe_group,
        KeyExchange::Dhe => ffdhe_group,
        KeyExchange::Rsa => None,
    };
    Ok(Choices {
        suite,
        group,
        scheme,
        alpn,
        extended_master_secret,
        encrypt_then_mac,
    })
}

/// The server's first flight.
struct Flight {
    config: Arc<ServerConfig>,
    transcript: Transcript,
    client_random: [u8; 32],
    server_random: [u8; 32],
}

impl Flight {
    fn send(&mut self, cx: &mut Common, bytes: &[u8]) -> Result<(), Error> {
        self.transcript.add(bytes);
        cx.send_handshake(bytes)
    }

    /// Step 2: ServerHello — the chosen suite, our random (with the downgrade
    /// sentinel when we could have done TLS 1.3), and the extensions we accept.
    fn send_server_hello(
        &mut self,
        cx: &mut Common,
        ch: &ClientHello,
        c: &Choices,
    ) -> Result<(), Error> {
        let provider = &self.config.common.provider;
        provider.fill_random(&mut self.server_random)?;
        if self.config.common.supports(ProtocolVersion::Tls13) {
            self.server_random[24..].copy_from_slice(&DOWNGRADE_TLS12);
        }
        let mut session_id = vec![0u8; 32];
        provider.fill_random(&mut session_id)?;
        let mut ext = Extensions::default();
        let secure_renegotiation = ch.extensions.renegotiation_info().is_some()
            || ch
                .cipher_suites
                .contains(&CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
        if secure_renegotiation {
            ext.push(Extension::RenegotiationInfo(Vec::new()));
        }
        if c.extended_master_secret {
            ext.push(Extension::ExtendedMasterSecret);
        }
        if c.encrypt_then_mac {
            ext.push(Extension::EncryptThenMac);
        }
        if c.suite.kx == KeyExchange::Ecdhe && ch.extensions.has(ExtensionType::EcPointFormats) {
            ext.push(Extension::EcPointFormats(vec![0]));
        }
        if ch.extensions.server_name().is_some_and(|n| n.is_some()) {
            ext.push(Extension::ServerName(None));
        }
        if let Some(p) = &c.alpn {
            ext.push(Extension::Alpn(vec![p.clone()]));
        }
        let sh = ServerHello {
            legacy_version: ProtocolVersion::Tls12.to_wire(),
            random: self.server_random,
            session_id,
            cipher_suite: c.suite.suite,
            compression_method: 0,
            extensions: ext,
        };
        let bytes = sh.encode();
        self.send(cx, &bytes)?;
        cx.negotiated.version = Some(ProtocolVersion::Tls12);
        cx.negotiated.cipher_suite = Some(c.suite.suite);
        cx.negotiated.group = c.group;
        cx.negotiated.alpn = c.alpn.clone();
        cx.tracer.emit(|| TraceEvent::ServerHello {
            from: Side::Server,
            version: ProtocolVersion::Tls12,
            random: sh.random,
            session_id: sh.session_id.clone(),
            cipher_suite: c.suite.suite,
            group: c.group,
            extensions: sh.extensions.types(),
        });
        Ok(())
    }

    /// Step 3: Certificate — our chain.
    fn send_certificate(&mut self, cx: &mut Common) -> Result<(), Error> {
        let chain = self.config.certified_key.chain.clone();
        self.send(cx, &Certificate12::from_chain(&chain).encode())?;
        cx.tracer.emit(|| TraceEvent::Certificate {
            from: Side::Server,
            chain: super::client::summarize_chain(&chain),
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
        self.send(cx, &ske.encode())?;
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
        self.send(cx, &request.encode())?;
        cx.negotiated.client_auth_requested = true;
        cx.tracer.emit(|| TraceEvent::CertificateRequest {
            from: Side::Server,
            schemes,
        });
        Ok(true)
    }

    /// Step 5: ServerHelloDone — the client's turn.
    fn send_server_hello_done(&mut self, cx: &mut Common) -> Result<(), Error> {
        self.send(cx, &ServerHelloDone.encode())?;
        cx.tracer
            .emit(|| TraceEvent::ServerHelloDone { from: Side::Server });
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
        msg: HandshakeMessage,
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
        msg: HandshakeMessage,
    ) -> Result<Box<dyn State>, Error> {
        let cert = Certificate12::decode(msg.body())?;
        let mut next = self.next;
        next.flight.transcript.add(&msg.bytes);
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
        msg: HandshakeMessage,
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
        flight.transcript.add(&msg.bytes);
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
            }),
            None => Box::new(ExpectChangeCipherSpec {
                flight,
                session,
                identity: ClientIdentity::Anonymous,
            }),
        })
    }
}

/// Mutual TLS: the client's chain verified; waiting for proof that it holds the key.
struct ExpectClientCertificateVerify {
    flight: Flight,
    session: Session12,
    chain: ClientChain,
}

impl State for ExpectClientCertificateVerify {
    /// Step 6b: the client's CertificateVerify, a signature over every handshake
    /// message so far (RFC 5246 §7.4.8).
    fn handle(
        self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage,
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
        msg: HandshakeMessage,
    ) -> Result<Box<dyn State>, Error> {
        let cv = CertificateVerify::decode(msg.body())?;
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
            &cv.signature,
        )?;
        flight.transcript.drop_messages();
        flight.transcript.add(&msg.bytes);
        Ok(Box::new(ExpectChangeCipherSpec {
            flight,
            session: self.session,
            identity,
        }))
    }
}

struct ExpectChangeCipherSpec {
    flight: Flight,
    session: Session12,
    identity: ClientIdentity,
}

impl State for ExpectChangeCipherSpec {
    fn handle(
        self: Box<Self>,
        _cx: &mut Common,
        msg: HandshakeMessage,
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
        }))
    }
}

struct ExpectFinished {
    flight: Flight,
    session: Session12,
    /// Who the client proved to be (mutual TLS), published once its Finished verifies.
    identity: ClientIdentity,
}

impl State for ExpectFinished {
    /// Step 8: the client's Finished; then our ChangeCipherSpec and Finished.
    fn handle(
        self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage,
    ) -> Result<Box<dyn State>, Error> {
        if msg.typ != HandshakeType::Finished {
            return Err(unexpected("Finished", &msg));
        }
        let fin = Finished::decode(msg.body())?;
        let mut flight = self.flight;
        let expected = self
            .session
            .verify_data(Side::Client, flight.transcript.current().as_ref());
        let verified = verify_finished(&expected, &fin.verify_data);
        cx.tracer.emit(|| TraceEvent::Finished {
            from: Side::Client,
            verified: verified.is_ok(),
        });
        let _proof = verified?;
        cx.peer_finished_seen = true;
        self.identity.publish(&mut cx.negotiated);
        flight.transcript.add(&msg.bytes);

        cx.send_change_cipher_spec()?;
        self.session.install_encrypter(cx)?;
        let verify_data = self
            .session
            .verify_data(Side::Server, flight.transcript.current().as_ref());
        cx.send_handshake(
            &Finished {
                verify_data: verify_data.to_vec(),
            }
            .encode(),
        )?;
        cx.tracer.emit(|| TraceEvent::Finished {
            from: Side::Server,
            verified: false,
        });
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
        cx.start_traffic()?;
        Ok(Box::new(Traffic12::new(Side::Server)))
    }
}
