//! The TLS 1.3 server, in the order of the steps (RFC 8446 §2):
//! ClientHello → (HelloRetryRequest → ClientHello) → ServerHello, EncryptedExtensions,
//! CertificateRequest?, Certificate, CertificateVerify, Finished → the client's
//! Certificate and CertificateVerify (when asked) → the client's Finished.

use super::client13::{install_decrypter, install_encrypter};
use super::client_auth::{
    acceptable_authorities, handle_client_certificate, ClientChain, ClientIdentity,
};
use super::traffic13::Traffic13;
use super::transcript::Transcript;
use super::{unexpected, verify_finished, HandshakeMessage, State};
use crate::config::ServerConfig;
use crate::conn::Common;
use crate::enums::{
    CipherSuite, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion, SignatureScheme,
};
use crate::error::Error;
use crate::keys::tls13::{EarlySecret, HandshakeSecret, TrafficSecret};
use crate::msgs::{
    Certificate13, CertificateRequest13, CertificateVerify, ClientHello, EncryptedExtensions,
    Extension, Extensions, Finished, HandshakeBody, KeyShareEntry, ServerHello,
    HELLO_RETRY_REQUEST_RANDOM,
};
use crate::suites::{tls13_suite, Tls13Suite};
use crate::trace::{Side, TraceEvent};
use crate::verify;
use std::sync::Arc;

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
        msg: HandshakeMessage,
    ) -> Result<Box<dyn State>, Error> {
        if msg.typ != HandshakeType::ClientHello {
            return Err(unexpected("ClientHello", &msg));
        }
        let ch = ClientHello::decode(msg.body())?;
        cx.client_random = ch.random;
        let versions = ch
            .extensions
            .supported_versions_offer()
            .cloned()
            .unwrap_or_default();
        cx.tracer.emit(|| TraceEvent::ClientHello {
            from: Side::Client,
            versions: if versions.is_empty() {
                vec![ProtocolVersion::from_wire(ch.legacy_version)]
            } else {
                versions.clone()
            },
            random: ch.random,
            session_id: ch.session_id.clone(),
            cipher_suites: ch.cipher_suites.clone(),
            extensions: ch.extensions.types(),
            server_name: ch.extensions.server_name().cloned().flatten(),
            key_shares: ch
                .extensions
                .key_share_offer()
                .map(|k| k.iter().map(|e| e.group).collect())
                .unwrap_or_default(),
        });
        (*self).handle_client_hello(cx, ch, &msg.bytes)
    }
}

impl ExpectClientHello {
    fn handle_client_hello(
        self,
        cx: &mut Common,
        ch: ClientHello,
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
            check_second_hello(&retry.first_hello, &ch)?;
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
            .find_map(|g| offered_shares.iter().find(|s| s.group == *g))
            .cloned();
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
        if let Some(name) = ch.extensions.server_name().cloned().flatten() {
            cx.negotiated.server_name = Some(name);
        }
        let hash = common.provider.hash(choices.suite.hash);
        let mut transcript = match self.retry {
            Some(r) => r.transcript,
            None => Transcript::new(hash),
        };
        transcript.add(ch_bytes);
        let config = self.config.clone();
        send_server_hello(cx, config, ch, share, choices, transcript)
    }

    /// Version and compression checks (RFC 8446 §4.1.2, §4.2.1).
    fn choose(&self, ch: &ClientHello) -> Result<Choices, Error> {
        let common = &self.config.common;
        let suite = choose_suite(
            &common.cipher_suites,
            &ch.cipher_suites,
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
                    .find(|p| theirs.contains(p))
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
        ch: ClientHello,
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
            session_id: ch.session_id.clone(),
            cipher_suite: suite.suite,
            compression_method: 0,
            extensions: Extensions(vec![
                Extension::SupportedVersionSelected(ProtocolVersion::Tls13),
                Extension::KeyShareRetry(group),
            ]),
        };
        let hash = self.config.common.provider.hash(suite.hash);
        let mut transcript = Transcript::new_after_retry(hash, ch_bytes);
        let bytes = hrr.encode();
        transcript.add(&bytes);
        cx.send_handshake(&bytes)?;
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
                first_hello: ch,
            }),
        }))
    }
}

/// Step 1a: the version — the highest both sides enable (RFC 8446 §4.2.1, RFC 5246
/// Appendix E). Compression is refused whatever the version (CRIME).
fn choose_version(
    common: &crate::config::CommonConfig,
    ch: &ClientHello,
) -> Result<ProtocolVersion, Error> {
    if !ch.compression_methods.contains(&0) {
        return Err(Error::CompressionRefused);
    }
    let offered: Vec<ProtocolVersion> = match ch.extensions.supported_versions_offer() {
        Some(v) => v.clone(),
        None if ch.legacy_version >= ProtocolVersion::Tls12.to_wire() => {
            vec![ProtocolVersion::Tls12]
        }
        None if ch.legacy_version < ProtocolVersion::Tls10.to_wire() => {
            return Err(Error::VersionRefused(ProtocolVersion::from_wire(
                ch.legacy_version,
            )))
        }
        None => Vec::new(),
    };
    [ProtocolVersion::Tls13, ProtocolVersion::Tls12]
        .into_iter()
        .find(|v| offered.contains(v) && common.supports(*v))
        .ok_or(Error::NoCommonVersion)
}

/// RFC 8446 §4.2.8: no two shares for one group, and each share's group must be offered.
fn check_key_shares(ch: &ClientHello, shares: &[KeyShareEntry]) -> Result<(), Error> {
    let groups = ch
        .extensions
        .supported_groups()
        .ok_or(Error::MissingExtension("supported_groups"))?;
    for (i, s) in shares.iter().enumerate() {
        if shares[..i].iter().any(|t| t.group == s.group) {
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

/// The second ClientHello must equal the first but for key_share, cookie and padding
/// (RFC 8446 §4.1.2).
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
    theirs: &[CipherSuite],
    server_order: bool,
) -> Option<Tls13Suite> {
    let pick = |a: &[CipherSuite], b: &[CipherSuite]| {
        a.iter()
            .copied()
            .filter_map(tls13_suite)
            .find(|s| b.contains(&s.suite))
    };
    if server_order {
        pick(ours, theirs)
    } else {
        pick(theirs, ours)
    }
}

/// Step 2: ServerHello with our key share, then switch to handshake keys.
fn send_server_hello(
    cx: &mut Common,
    config: Arc<ServerConfig>,
    ch: ClientHello,
    client_share: KeyShareEntry,
    choices: Choices,
    mut transcript: Transcript,
) -> Result<Box<dyn State>, Error> {
    let provider = config.common.provider.clone();
    let group = client_share.group;
    let kx = provider
        .kx_group(group)
        .ok_or(Error::Internal("configured group missing"))?;
    let (our_share, shared) = kx.respond(&client_share.share)?;
    let mut random = [0u8; 32];
    provider.fill_random(&mut random)?;
    let sh = ServerHello {
        legacy_version: ProtocolVersion::Tls12.to_wire(),
        random,
        session_id: ch.session_id.clone(),
        cipher_suite: choices.suite.suite,
        compression_method: 0,
        extensions: Extensions(vec![
            Extension::SupportedVersionSelected(ProtocolVersion::Tls13),
            Extension::KeyShareEntry(KeyShareEntry {
                group,
                share: our_share,
            }),
        ]),
    };
    let bytes = sh.encode();
    transcript.add(&bytes);
    cx.send_handshake(&bytes)?;
    cx.negotiated.version = Some(ProtocolVersion::Tls13);
    cx.negotiated.cipher_suite = Some(choices.suite.suite);
    cx.negotiated.group = Some(group);
    cx.negotiated.alpn = choices.alpn.clone();
    cx.tracer.emit(|| TraceEvent::ServerHello {
        from: Side::Server,
        version: ProtocolVersion::Tls13,
        random,
        session_id: sh.session_id.clone(),
        cipher_suite: choices.suite.suite,
        group: Some(group),
        extensions: sh.extensions.types(),
    });
    cx.tracer.emit(|| TraceEvent::KeyExchange { group });
    if !ch.session_id.is_empty() && !cx.negotiated.hello_retry {
        cx.send_change_cipher_spec()?;
    }

    let hash = provider.hash(choices.suite.hash);
    let handshake_secret = EarlySecret::new(hash, None).into_handshake(&shared);
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

    let mut flight = ServerFlight {
        config,
        suite: choices.suite,
        transcript,
        handshake_secret,
        client_hs,
        server_hs,
        client_auth_requested: false,
    };
    flight.send_encrypted_extensions(cx, &ch, choices.alpn)?;
    flight.send_certificate_request(cx)?;
    flight.send_certificate(cx)?;
    flight.send_certificate_verify(cx, choices.scheme)?;
    flight.send_finished(cx)
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
}

impl ServerFlight {
    /// Step 3: EncryptedExtensions — ALPN, and an empty server_name acknowledgement.
    fn send_encrypted_extensions(
        &mut self,
        cx: &mut Common,
        ch: &ClientHello,
        alpn: Option<Vec<u8>>,
    ) -> Result<(), Error> {
        let mut ext = Extensions::default();
        if ch.extensions.server_name().is_some_and(|n| n.is_some()) {
            ext.push(Extension::ServerName(None));
        }
        if let Some(p) = &alpn {
            ext.push(Extension::Alpn(vec![p.clone()]));
        }
        let ee = EncryptedExtensions { extensions: ext };
        let bytes = ee.encode();
        self.transcript.add(&bytes);
        cx.send_handshake(&bytes)?;
        cx.tracer.emit(|| TraceEvent::EncryptedExtensions {
            from: Side::Server,
            extensions: ee.extensions.types(),
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
        let bytes = CertificateRequest13 {
            context: Vec::new(),
            extensions,
        }
        .encode();
        self.transcript.add(&bytes);
        cx.send_handshake(&bytes)?;
        cx.negotiated.client_auth_requested = true;
        cx.tracer.emit(|| TraceEvent::CertificateRequest {
            from: Side::Server,
            schemes,
        });
        self.client_auth_requested = true;
        Ok(())
    }

    /// Step 4: Certificate — our chain.
    fn send_certificate(&mut self, cx: &mut Common) -> Result<(), Error> {
        let chain = &self.config.certified_key.chain;
        let bytes = Certificate13::from_chain(Vec::new(), chain).encode();
        self.transcript.add(&bytes);
        cx.send_handshake(&bytes)?;
        cx.tracer.emit(|| TraceEvent::Certificate {
            from: Side::Server,
            chain: super::client::summarize_chain(chain),
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
        let bytes = CertificateVerify { scheme, signature }.encode();
        self.transcript.add(&bytes);
        cx.send_handshake(&bytes)?;
        cx.tracer.emit(|| TraceEvent::CertificateVerify {
            from: Side::Server,
            scheme,
            verified: false,
        });
        Ok(())
    }

    /// Step 6: our Finished; the application keys follow from the transcript through it.
    fn send_finished(mut self, cx: &mut Common) -> Result<Box<dyn State>, Error> {
        let verify_data = self
            .server_hs
            .finished_verify_data(&self.transcript.current());
        let bytes = Finished {
            verify_data: verify_data.as_ref().to_vec(),
        }
        .encode();
        self.transcript.add(&bytes);
        cx.send_handshake(&bytes)?;
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
        cx.log_secret(
            "EXPORTER_SECRET",
            master.exporter(&through_server_finished).expose(),
        );
        install_encrypter(
            cx,
            &provider,
            self.suite,
            &server_ap,
            "server application traffic",
        )?;
        let next = ExpectFinished {
            config: self.config,
            suite: self.suite,
            transcript: self.transcript,
            client_hs: self.client_hs,
            client_ap,
            server_ap,
            identity: ClientIdentity::Anonymous,
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
        let cert = Certificate13::decode(msg.body())?;
        // We sent an empty certificate_request_context; it must come back (RFC 8446 §4.4.2).
        if !cert.context.is_empty() {
            return Err(Error::IllegalParameter(
                "client Certificate has a request context we did not send",
            ));
        }
        let mut next = self.next;
        next.transcript.add(&msg.bytes);
        let chain = cert.chain();
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
        let mut next = self.next;
        let content = verify::tls13_signed_content(false, next.transcript.current().as_ref());
        next.identity = self.chain.verify_signature(
            cx,
            &next.config,
            ProtocolVersion::Tls13,
            cv.scheme,
            &content,
            &cv.signature,
        )?;
        next.transcript.add(&msg.bytes);
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
}

impl State for ExpectFinished {
    /// Step 7: the client's Finished; then application data flows both ways.
    fn handle(
        self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage,
    ) -> Result<Box<dyn State>, Error> {
        if msg.typ != HandshakeType::Finished {
            return Err(unexpected("Finished", &msg));
        }
        let fin = Finished::decode(msg.body())?;
        let expected = self
            .client_hs
            .finished_verify_data(&self.transcript.current());
        let verified = verify_finished(expected.as_ref(), &fin.verify_data);
        cx.tracer.emit(|| TraceEvent::Finished {
            from: Side::Client,
            verified: verified.is_ok(),
        });
        let _proof = verified?;
        cx.peer_finished_seen = true;
        self.identity.publish(&mut cx.negotiated);
        let provider = self.config.common.provider.clone();
        install_decrypter(
            cx,
            &provider,
            self.suite,
            &self.client_ap,
            "client application traffic",
        )?;
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
