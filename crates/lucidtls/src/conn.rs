//! The sans-IO connection: bytes in, bytes out, no sockets.
//!
//! Feed received TLS bytes with [`Connection::read_tls`], call
//! [`Connection::process_new_packets`], send what [`Connection::take_tls`] returns,
//! and exchange application data with [`Connection::write_plaintext`] and
//! [`Connection::read_plaintext`].
//!
//! The copy-free calls do the same without moving application data around:
//! [`Connection::read_tls_buf`] + [`Connection::read_tls_commit`] (the transport reads
//! into the buffer a record is decrypted in), [`Connection::fill_plaintext`] +
//! [`Connection::consume_plaintext`] (plaintext lent where it was decrypted), and
//! [`Connection::write_plaintext_into`] (records sealed from the caller's data straight
//! into the caller's output buffer).

use crate::config::{ClientConfig, ServerConfig};
use crate::enums::{
    AlertDescription, AlertLevel, CipherSuite, ContentType, HandshakeType, NamedGroup,
    ProtocolVersion,
};
use crate::error::Error;
use crate::handshake::traffic12::{self, RenegotiationState, Traffic12};
use crate::handshake::transcript::Transcript;
use crate::handshake::{HandshakeMessage, State};
use crate::keys::KeyLog;
use crate::msgs::{encode_handshake, Alert, HandshakeBody};
use crate::record::{
    Fragmenter, HandshakeJoiner, PlaintextDecrypter, PlaintextEncrypter, RecordDecrypter,
    RecordDeframer, RecordEncrypter,
};
use crate::trace::{Side, TraceEvent, Tracer};
use rustls_pki_types::{CertificateDer, ServerName};
use std::collections::VecDeque;
use std::sync::Arc;

/// What the handshake agreed on.
#[derive(Clone, Debug, Default)]
pub struct Negotiated {
    /// The protocol version.
    pub version: Option<ProtocolVersion>,
    /// The cipher suite.
    pub cipher_suite: Option<CipherSuite>,
    /// The key-exchange group.
    pub group: Option<NamedGroup>,
    /// The ALPN protocol.
    pub alpn: Option<Vec<u8>>,
    /// The server name the client asked for (SNI).
    pub server_name: Option<String>,
    /// The peer's certificate chain, end entity first. On a server, the client's chain
    /// once it has been verified (see `client_identity_verified`); empty otherwise.
    pub peer_certificates: Vec<CertificateDer<'static>>,
    /// Whether a HelloRetryRequest happened.
    pub hello_retry: bool,
    /// Whether this connection resumed an earlier session (TLS 1.2 abbreviated
    /// handshake by session id or ticket, TLS 1.3 PSK): no certificate was sent, and
    /// `peer_certificates` is the chain verified when the session began.
    pub resumed: bool,
    /// Whether the server asked for a client certificate (CertificateRequest).
    pub client_auth_requested: bool,
    /// Server: the client presented a chain that verified against the configured
    /// client CAs and proved it holds the key (CertificateVerify), and the handshake
    /// completed. `peer_certificates` then holds that chain. False when the client sent
    /// no certificate (allowed under `ClientAuth::Optional`) or was not asked.
    pub client_identity_verified: bool,
    /// Client: the index in `ClientConfig::client_identities` of the identity we
    /// presented; `None` when not asked or when no identity fitted the request.
    pub client_identity_sent: Option<usize>,
    /// TLS 1.2: how many renegotiations (RFC 5746) completed on this connection. The
    /// other fields describe the latest handshake.
    pub renegotiations: u32,
}

/// Most consecutive KeyUpdates or empty records we accept without application data.
const MAX_IDLE_MESSAGES: u32 = 64;

/// The first size of the handshake message buffer: a usual Certificate message fits.
const MESSAGE_BUF_CAPACITY: usize = 1024;

/// The connection state the handshake states act on.
pub struct Common {
    pub(crate) side: Side,
    pub(crate) tracer: Tracer,
    pub(crate) key_log: Option<Arc<dyn KeyLog>>,
    pub(crate) negotiated: Negotiated,
    encrypter: Box<dyn RecordEncrypter>,
    decrypter: Box<dyn RecordDecrypter>,
    fragmenter: Fragmenter,
    deframer: RecordDeframer,
    joiner: HandshakeJoiner,
    sendable: Vec<u8>,
    /// Where outgoing handshake messages are encoded before they are protected:
    /// reused message after message, so a message needs no allocation of its own.
    message_buf: Vec<u8>,
    received: Received,
    pending_plaintext: Vec<u8>,
    pub(crate) traffic: bool,
    pub(crate) peer_finished_seen: bool,
    /// A ClientHello has been sent (client) or received (server).
    pub(crate) hello_seen: bool,
    received_close_notify: bool,
    sent_close_notify: bool,
    error: Option<Error>,
    idle_messages: u32,
    pub(crate) client_random: [u8; 32],
    /// TLS 1.2 renegotiation, across handshakes.
    pub(crate) renegotiation: RenegotiationState,
}

impl Common {
    fn new(side: Side, config: &crate::config::CommonConfig) -> Self {
        Self {
            side,
            tracer: Tracer::new(config.observer.clone()),
            key_log: config.key_log.clone(),
            negotiated: Negotiated::default(),
            encrypter: Box::new(PlaintextEncrypter::new()),
            decrypter: Box::new(PlaintextDecrypter::new()),
            fragmenter: Fragmenter::new(),
            deframer: RecordDeframer::new(),
            joiner: HandshakeJoiner::with_max_message_len(config.max_handshake_message),
            sendable: Vec::new(),
            message_buf: Vec::new(),
            received: Received::default(),
            pending_plaintext: Vec::new(),
            traffic: false,
            peer_finished_seen: false,
            hello_seen: side == Side::Client,
            received_close_notify: false,
            sent_close_notify: false,
            error: None,
            idle_messages: 0,
            client_random: [0; 32],
            renegotiation: RenegotiationState::new(config),
        }
    }

    /// Sends a handshake message (already encoded with its header).
    pub(crate) fn send_handshake(&mut self, message: &[u8]) -> Result<(), Error> {
        self.send(ContentType::Handshake, message)
    }

    /// Sends a handshake message of type `typ` whose body `body` encodes, after
    /// adding it to `transcript` when given. It is encoded in the connection's message
    /// buffer, not a buffer of its own.
    pub(crate) fn send_handshake_with(
        &mut self,
        typ: HandshakeType,
        transcript: Option<&mut Transcript>,
        body: impl FnOnce(&mut Vec<u8>),
    ) -> Result<(), Error> {
        let mut message = std::mem::take(&mut self.message_buf);
        message.clear();
        // Room for the messages of a usual flight at once, not grown step by step.
        message.reserve(MESSAGE_BUF_CAPACITY);
        encode_handshake(typ, &mut message, body);
        if let Some(transcript) = transcript {
            transcript.add(&message);
        }
        let sent = self.send(ContentType::Handshake, &message);
        self.message_buf = message;
        sent
    }

    /// The last message [`Common::send_handshake_with`] sent, as sent (header
    /// included): for a trace, which describes what went out.
    pub(crate) fn last_sent_message(&self) -> &[u8] {
        &self.message_buf
    }

    /// Sends `msg` (after adding it to `transcript` when given), encoded in the
    /// connection's message buffer.
    pub(crate) fn send_message<M: HandshakeBody>(
        &mut self,
        msg: &M,
        transcript: Option<&mut Transcript>,
    ) -> Result<(), Error> {
        self.send_handshake_with(M::TYPE, transcript, |out| msg.encode_body(out))
    }

    /// Sends a middlebox-compatibility ChangeCipherSpec (RFC 8446 Appendix D.4).
    pub(crate) fn send_change_cipher_spec(&mut self) -> Result<(), Error> {
        if self.negotiated.version == Some(ProtocolVersion::Tls12) {
            // TLS 1.2: a record like any other, protected by the current keys
            // (none in the first handshake; the old ones when renegotiating).
            self.encrypter
                .encrypt(ContentType::ChangeCipherSpec, &[1], &mut self.sendable)?;
        } else {
            // TLS 1.3 (middlebox compatibility): always unprotected, written with the
            // null encrypter whatever is installed.
            PlaintextEncrypter::new().encrypt(
                ContentType::ChangeCipherSpec,
                &[1],
                &mut self.sendable,
            )?;
        }
        let side = self.side;
        self.tracer
            .emit(|| TraceEvent::ChangeCipherSpec { from: side });
        Ok(())
    }

    fn send(&mut self, typ: ContentType, data: &[u8]) -> Result<(), Error> {
        if data.is_empty() {
            return self.encrypter.encrypt(typ, data, &mut self.sendable);
        }
        for fragment in self.fragmenter.fragments(data) {
            self.encrypter.encrypt(typ, fragment, &mut self.sendable)?;
        }
        Ok(())
    }

    /// Installs new sending protection.
    pub(crate) fn set_encrypter(&mut self, enc: Box<dyn RecordEncrypter>) {
        self.encrypter = enc;
    }

    /// Installs new receiving protection. A handshake message may not straddle a
    /// key change (RFC 8446 §5.1).
    pub(crate) fn set_decrypter(&mut self, dec: Box<dyn RecordDecrypter>) -> Result<(), Error> {
        if !self.joiner.is_empty() {
            return Err(Error::UnexpectedMessage {
                expected: "key change on a record boundary",
                got: "handshake data spanning a key change".into(),
            });
        }
        self.decrypter = dec;
        Ok(())
    }

    /// Writes a secret to the key log, if one is enabled.
    /// Whether a key log is set, so that secrets only it needs are computed at all.
    pub(crate) fn logs_keys(&self) -> bool {
        self.key_log.is_some()
    }

    pub(crate) fn log_secret(&self, label: &str, secret: &[u8]) {
        if let Some(log) = &self.key_log {
            log.log(label, &self.client_random, secret);
        }
    }

    /// Marks the handshake complete and sends any data the application queued.
    pub(crate) fn start_traffic(&mut self) -> Result<(), Error> {
        self.traffic = true;
        let pending = std::mem::take(&mut self.pending_plaintext);
        if !pending.is_empty() {
            self.send_application_data(&pending)?;
        }
        Ok(())
    }

    fn send_application_data(&mut self, data: &[u8]) -> Result<(), Error> {
        self.send(ContentType::ApplicationData, data)?;
        let side = self.side;
        let max_fragment = self.fragmenter.max_fragment();
        self.tracer.emit(|| TraceEvent::ApplicationData {
            from: side,
            bytes: data.len(),
            // As `send` splits it (an empty write still takes one record).
            records: data.len().div_ceil(max_fragment).max(1),
        });
        Ok(())
    }

    /// Seals `data` as application-data records straight into `out`, as many as fit
    /// (the last one shortened to fit, if at least one byte does); returns (bytes of
    /// `data` consumed, bytes of `out` written).
    fn seal_application_data_into(
        &mut self,
        data: &[u8],
        out: &mut [u8],
    ) -> Result<(usize, usize), Error> {
        let max_fragment = self.fragmenter.max_fragment();
        let overhead = self.encrypter.overhead();
        let (mut consumed, mut written, mut records) = (0, 0, 0);
        while let Some(rest) = data.get(consumed..).filter(|r| !r.is_empty()) {
            let dst = out.get_mut(written..).unwrap_or_default();
            let room = dst.len().saturating_sub(overhead).min(max_fragment);
            let Some(fragment) = rest.get(..room.min(rest.len())).filter(|f| !f.is_empty()) else {
                break;
            };
            written += self
                .encrypter
                .encrypt_into(ContentType::ApplicationData, fragment, dst)?;
            consumed += fragment.len();
            records += 1;
        }
        if records > 0 {
            let side = self.side;
            self.tracer.emit(|| TraceEvent::ApplicationData {
                from: side,
                bytes: consumed,
                records,
            });
        }
        Ok((consumed, written))
    }

    /// Sends a warning alert (TLS 1.2 no_renegotiation, say).
    pub(crate) fn send_warning(&mut self, description: AlertDescription) {
        self.send_alert(AlertLevel::Warning, description);
    }

    /// Accepts TLS 1.2's larger protected records (2^14 + 2048).
    pub(crate) fn allow_tls12_records(&mut self) {
        self.deframer
            .set_max_record_len(crate::record::MAX_CIPHERTEXT_TLS12);
    }

    fn send_alert(&mut self, level: AlertLevel, description: AlertDescription) {
        let alert = Alert { level, description }.encode();
        // Best effort: if even the alert cannot be protected there is nothing more to do.
        let _ = self
            .encrypter
            .encrypt(ContentType::Alert, &alert, &mut self.sendable);
        let side = self.side;
        self.tracer.emit(|| TraceEvent::Alert {
            from: side,
            description,
            fatal: level == AlertLevel::Fatal,
        });
    }

    /// Counts a message that carries no application data, to stop floods.
    pub(crate) fn count_idle_message(&mut self) -> Result<(), Error> {
        self.idle_messages += 1;
        if self.idle_messages > MAX_IDLE_MESSAGES {
            return Err(Error::PeerMisbehaving(
                "too many messages without application data",
            ));
        }
        Ok(())
    }
}

/// A TLS connection, client or server, without I/O.
pub struct Connection {
    common: Common,
    state: Option<Box<dyn State>>,
    /// Client: what a renegotiation's ClientHello is built from.
    client: Option<(Arc<ClientConfig>, ServerName<'static>)>,
}

impl core::fmt::Debug for Connection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Connection")
            .field("side", &self.common.side)
            .field("handshaking", &self.is_handshaking())
            .field("negotiated", &self.common.negotiated)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// Starts a client connection to `server_name`; the ClientHello is queued at once.
    pub fn client(
        config: Arc<ClientConfig>,
        server_name: ServerName<'static>,
    ) -> Result<Self, Error> {
        config.common.validate()?;
        let mut common = Common::new(Side::Client, &config.common);
        let client = Some((config.clone(), server_name.clone()));
        let state = crate::handshake::client::start(&mut common, config, server_name)?;
        Ok(Self {
            common,
            state: Some(state),
            client,
        })
    }

    /// Starts a server connection, waiting for a ClientHello.
    pub fn server(config: Arc<ServerConfig>) -> Result<Self, Error> {
        config.common.validate()?;
        if config.single_use_tickets && config.session_cache.is_none() {
            return Err(Error::Config(
                "single-use tickets need a session cache to remember used tickets".into(),
            ));
        }
        let common = Common::new(Side::Server, &config.common);
        let state = crate::handshake::server13::start(config);
        Ok(Self {
            common,
            state: Some(state),
            client: None,
        })
    }

    /// Which side this is.
    pub fn side(&self) -> Side {
        self.common.side
    }

    /// Buffers received TLS bytes; returns how many were taken (fewer when the buffer
    /// is full: call [`Connection::process_new_packets`] and offer the rest again).
    pub fn read_tls(&mut self, data: &[u8]) -> usize {
        self.common.deframer.push(data)
    }

    /// Reads TLS bytes from `rd` into the buffer (one read call).
    pub fn read_tls_from(&mut self, rd: &mut dyn std::io::Read) -> std::io::Result<usize> {
        self.common.deframer.read_from(rd)
    }

    /// Lends the buffer the next received TLS bytes belong in, so that a transport can
    /// read straight into it; then call [`Connection::read_tls_commit`] with how many
    /// it wrote there. It is the rest of the next record header, or the rest of the
    /// current record's payload in the buffer that record is decrypted in (and whose
    /// plaintext [`Connection::fill_plaintext`] later lends out), never past the
    /// record's end: no received byte is copied, at the price of one read per header.
    /// [`Connection::read_tls_from`] reads ahead instead. Empty when the receive
    /// buffer is full: call [`Connection::process_new_packets`] first.
    pub fn read_tls_buf(&mut self) -> &mut [u8] {
        self.common.deframer.recv_buf()
    }

    /// Accepts `n` bytes written at the front of [`Connection::read_tls_buf`] (at most
    /// its length); returns how many were taken. Records are checked as by
    /// [`Connection::read_tls`].
    pub fn read_tls_commit(&mut self, n: usize) -> usize {
        self.common.deframer.commit(n)
    }

    /// Processes every complete record received so far.
    pub fn process_new_packets(&mut self) -> Result<(), Error> {
        if let Some(e) = &self.common.error {
            return Err(e.clone());
        }
        match self.process_records() {
            Ok(()) => {
                if self.common.traffic {
                    // An established connection sends handshake messages seldom
                    // (tickets, KeyUpdate): an idle one keeps no message buffer.
                    self.common.message_buf = Vec::new();
                }
                Ok(())
            }
            Err(e) => {
                if e.sends_alert() {
                    self.common.send_alert(AlertLevel::Fatal, e.alert());
                }
                self.common.error = Some(e.clone());
                self.state = None;
                Err(e)
            }
        }
    }

    fn process_records(&mut self) -> Result<(), Error> {
        while let Some(record) = self.common.deframer.pop()? {
            if self.common.received_close_notify {
                return Err(Error::UnexpectedMessage {
                    expected: "nothing after close_notify",
                    got: record.typ.to_string(),
                });
            }
            if record.typ == ContentType::Alert && self.peer_alert_may_be_plaintext() {
                self.check_no_partial_handshake(ContentType::Alert)?;
                self.handle_alert(&record.payload)?;
                continue;
            }
            if record.typ == ContentType::ChangeCipherSpec && !self.change_cipher_spec_protected() {
                self.check_no_partial_handshake(ContentType::ChangeCipherSpec)?;
                self.handle_change_cipher_spec(&record.payload)?;
                continue;
            }
            // Opened where it arrived; application data is queued in that buffer.
            let plain = self.common.decrypter.decrypt_in_place(record)?;
            if plain.typ != ContentType::Handshake {
                self.check_no_partial_handshake(plain.typ)?;
            }
            match plain.typ {
                ContentType::Alert => self.handle_alert(plain.plaintext())?,
                ContentType::Handshake => self.handle_handshake_payload(plain.plaintext())?,
                ContentType::ApplicationData => {
                    self.handle_application_data(plain.buf, plain.start)?
                }
                ContentType::ChangeCipherSpec if self.change_cipher_spec_protected() => {
                    self.handle_change_cipher_spec(plain.plaintext())?
                }
                other => return Err(Error::UnexpectedContentType(other)),
            }
        }
        Ok(())
    }

    /// TLS 1.2 renegotiation: the peer's ChangeCipherSpec is protected by the current
    /// keys, like every record of its. Outside one none is due, so a record of that
    /// type is refused (unexpected_message) without being opened.
    fn change_cipher_spec_protected(&self) -> bool {
        self.common.negotiated.version == Some(ProtocolVersion::Tls12)
            && self.common.traffic
            && self.common.renegotiation.in_progress
    }

    /// A TLS 1.3 server whose peer never got usable keys (it could not process our
    /// ServerHello) receives that peer's alert in plaintext; it is accepted until the
    /// first protected record arrives.
    fn peer_alert_may_be_plaintext(&self) -> bool {
        self.common.side == Side::Server
            && self.common.negotiated.version == Some(ProtocolVersion::Tls13)
            && !self.common.traffic
            && self.common.decrypter.sequence() == 0
    }

    /// RFC 8446 §5.1: nothing may come between the fragments of a handshake message.
    fn check_no_partial_handshake(&self, got: ContentType) -> Result<(), Error> {
        if self.common.joiner.is_empty() {
            Ok(())
        } else {
            Err(Error::UnexpectedMessage {
                expected: "the rest of a handshake message",
                got: got.to_string(),
            })
        }
    }

    fn handle_change_cipher_spec(&mut self, payload: &[u8]) -> Result<(), Error> {
        if self.common.negotiated.version == Some(ProtocolVersion::Tls12) {
            // TLS 1.2: a real protocol step; the state decides whether it is due.
            // After the handshake there is none due, unless a renegotiation runs.
            if self.common.traffic && !self.common.renegotiation.in_progress {
                return Err(Error::UnexpectedMessage {
                    expected: "application data",
                    got: "change_cipher_spec".into(),
                });
            }
            if payload != [1] {
                return Err(Error::decode("ChangeCipherSpec"));
            }
            let from = self.common.side.peer();
            self.common
                .tracer
                .emit(|| TraceEvent::ChangeCipherSpec { from });
            let state = self.state.take().ok_or(Error::ConnectionClosed)?;
            self.state = Some(state.handle_change_cipher_spec(&mut self.common)?);
            // Renegotiating, the peer's Finished must follow at once (RFC 5246 §7.4.9).
            self.common.renegotiation.peer_ccs_seen = self.common.traffic;
            return Ok(());
        }
        // RFC 8446 §5: one unprotected byte 0x01, only after a ClientHello and
        // before the peer's Finished.
        if payload != [1] || self.common.peer_finished_seen || !self.common.hello_seen {
            return Err(Error::UnexpectedMessage {
                expected: "no ChangeCipherSpec here",
                got: "change_cipher_spec".into(),
            });
        }
        self.common.count_idle_message()?;
        let from = self.common.side.peer();
        self.common
            .tracer
            .emit(|| TraceEvent::ChangeCipherSpec { from });
        Ok(())
    }

    fn handle_alert(&mut self, payload: &[u8]) -> Result<(), Error> {
        let alert = Alert::decode(payload)?;
        let from = self.common.side.peer();
        self.common.tracer.emit(|| TraceEvent::Alert {
            from,
            description: alert.description,
            fatal: alert.level == AlertLevel::Fatal,
        });
        match alert.description {
            AlertDescription::CloseNotify if !self.common.traffic => {
                // The peer gave up before the handshake finished: answer in kind and end.
                self.common.received_close_notify = true;
                self.send_close_notify();
                Err(Error::AlertReceived(AlertDescription::CloseNotify))
            }
            AlertDescription::CloseNotify => {
                self.common.received_close_notify = true;
                Ok(())
            }
            // The peer declined the renegotiation we asked for (RFC 5246 §7.2.2: the
            // requester decides): we go on under the current keys.
            AlertDescription::NoRenegotiation
                if alert.level == AlertLevel::Warning
                    && self.common.renegotiation.awaiting_peer =>
            {
                self.renegotiation_refused()
            }
            // RFC 8446 §6: in TLS 1.3 only user_canceled may be a warning; ignore it.
            AlertDescription::UserCanceled => self.common.count_idle_message(),
            // TLS 1.2 warnings (no_renegotiation, say) are informational.
            _ if alert.level == AlertLevel::Warning
                && self.common.negotiated.version == Some(ProtocolVersion::Tls12) =>
            {
                self.common.count_idle_message()
            }
            other => Err(Error::AlertReceived(other)),
        }
    }

    fn handle_handshake_payload(&mut self, payload: &[u8]) -> Result<(), Error> {
        // Messages lying whole in this record are handled where they lie.
        let mut record = self.common.joiner.push_record(payload)?;
        while let Some((typ, bytes)) = self.common.joiner.pop_from(&mut record)? {
            self.common.hello_seen = true;
            if self.ignores_hello_request(typ, &bytes)? {
                let from = self.common.side.peer();
                self.common.tracer.emit(|| TraceEvent::HelloRequest {
                    from,
                    ignored: true,
                });
                continue;
            }
            let state = self.state.take().ok_or(Error::ConnectionClosed)?;
            let msg = HandshakeMessage { typ, bytes: &bytes };
            self.state = Some(state.handle(&mut self.common, msg)?);
        }
        Ok(())
    }

    /// Our renegotiation request (ClientHello or HelloRequest) got a no_renegotiation
    /// warning: a client takes up the traffic state its ClientHello left.
    fn renegotiation_refused(&mut self) -> Result<(), Error> {
        self.common.count_idle_message()?;
        let reneg = &mut self.common.renegotiation;
        reneg.awaiting_peer = false;
        reneg.in_progress = false;
        if let Some((config, name)) = &self.client {
            self.state = Some(Box::new(Traffic12::client(config.clone(), name.clone())));
        }
        let from = self.common.side;
        self.common.tracer.emit(|| TraceEvent::Renegotiation {
            from,
            accepted: false,
        });
        Ok(())
    }

    /// RFC 5246 §7.4.1.1: a TLS 1.2 client mid-handshake (the first, or a
    /// renegotiation) ignores HelloRequest, and it stays out of the transcript.
    fn ignores_hello_request(&self, typ: HandshakeType, bytes: &[u8]) -> Result<bool, Error> {
        let ignore = typ == HandshakeType::HelloRequest
            && self.common.side == Side::Client
            && (!self.common.traffic || self.common.renegotiation.in_progress)
            && self.common.negotiated.version == Some(ProtocolVersion::Tls12);
        if ignore && bytes.len() != 4 {
            return Err(Error::decode("HelloRequest"));
        }
        Ok(ignore)
    }

    /// Queues a record's plaintext, `payload[start..]`, in the buffer it was opened in.
    fn handle_application_data(&mut self, payload: Vec<u8>, start: usize) -> Result<(), Error> {
        if !self.common.traffic {
            return Err(Error::UnexpectedContentType(ContentType::ApplicationData));
        }
        if self.common.renegotiation.peer_ccs_seen {
            return Err(Error::UnexpectedMessage {
                expected: "Finished right after ChangeCipherSpec",
                got: "application data".into(),
            });
        }
        let len = payload.len().saturating_sub(start);
        if len == 0 {
            return self.common.count_idle_message();
        }
        self.common.idle_messages = 0;
        let from = self.common.side.peer();
        self.common.tracer.emit(|| TraceEvent::ApplicationData {
            from,
            bytes: len,
            records: 1,
        });
        self.common.received.push(payload, start);
        Ok(())
    }

    /// Whether TLS bytes are waiting to be sent.
    pub fn wants_write(&self) -> bool {
        !self.common.sendable.is_empty()
    }

    /// Whether the connection wants more bytes from the peer.
    pub fn wants_read(&self) -> bool {
        self.common.error.is_none() && !self.common.received_close_notify
    }

    /// Takes every TLS byte waiting to be sent. The next record then needs a new
    /// buffer; [`Connection::take_tls_into`] and [`Connection::write_tls`] avoid that.
    pub fn take_tls(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.common.sendable)
    }

    /// Moves every TLS byte waiting to be sent to the end of `out`; returns how many.
    ///
    /// When `out` is empty the two buffers are swapped instead of copied: a caller
    /// that clears `out` after sending and passes it again costs neither a copy nor an
    /// allocation per record, as both buffers keep their capacity.
    pub fn take_tls_into(&mut self, out: &mut Vec<u8>) -> usize {
        let sendable = &mut self.common.sendable;
        let n = sendable.len();
        if out.is_empty() {
            std::mem::swap(out, sendable);
        } else {
            out.append(sendable);
        }
        n
    }

    /// Writes waiting TLS bytes to `wr`; returns how many were written.
    pub fn write_tls(&mut self, wr: &mut dyn std::io::Write) -> std::io::Result<usize> {
        if self.common.sendable.is_empty() {
            return Ok(0);
        }
        let n = wr.write(&self.common.sendable)?;
        self.common.sendable.drain(..n);
        Ok(n)
    }

    /// Whether the handshake is still running.
    pub fn is_handshaking(&self) -> bool {
        !self.common.traffic
    }

    /// Queues application data. Before the handshake completes it is held and sent
    /// as soon as the traffic keys exist.
    pub fn write_plaintext(&mut self, data: &[u8]) -> Result<usize, Error> {
        if let Some(e) = &self.common.error {
            return Err(e.clone());
        }
        if self.common.sent_close_notify {
            return Err(Error::ConnectionClosed);
        }
        if self.common.traffic {
            self.common.send_application_data(data)?;
        } else {
            self.common.pending_plaintext.extend_from_slice(data);
        }
        Ok(data.len())
    }

    /// Encrypts application data straight into `out`, for a caller that sends from
    /// its own buffer: first the TLS bytes already waiting (handshake messages, alerts,
    /// a KeyUpdate; as many as fit), then, once all of those are out, `data` as
    /// records sealed from where it lies into `out` (no copy of the data; the last
    /// record is shortened to what fits). Returns (bytes of `data` consumed, bytes of
    /// `out` to send); call again with the rest of `data` and a fresh `out`. A failure
    /// to seal (the provider's, or the sequence numbers used up) ends the connection.
    ///
    /// `out` needs [`MAX_PLAINTEXT`](crate::record::MAX_PLAINTEXT) plus a few dozen bytes
    /// (header, tag) for a full record. While the handshake runs nothing of `data` is
    /// consumed ([`Connection::write_plaintext`] queues it instead); an empty `data`
    /// sends no record. Fails as [`Connection::write_plaintext`] does.
    pub fn write_plaintext_into(
        &mut self,
        data: &[u8],
        out: &mut [u8],
    ) -> Result<(usize, usize), Error> {
        if let Some(e) = &self.common.error {
            return Err(e.clone());
        }
        if self.common.sent_close_notify {
            return Err(Error::ConnectionClosed);
        }
        let sendable = &mut self.common.sendable;
        let waiting = sendable.len().min(out.len());
        if let (Some(dst), Some(src)) = (out.get_mut(..waiting), sendable.get(..waiting)) {
            dst.copy_from_slice(src);
        }
        sendable.drain(..waiting);
        if !sendable.is_empty() || !self.common.traffic {
            return Ok((0, waiting));
        }
        let rest = out.get_mut(waiting..).unwrap_or_default();
        match self.common.seal_application_data_into(data, rest) {
            Ok((consumed, written)) => Ok((consumed, waiting + written)),
            // Only the provider or an exhausted sequence number fails here, perhaps
            // after records already sealed into `out` that the caller never learns
            // of: the connection cannot go on.
            Err(e) => {
                self.common.error = Some(e.clone());
                self.state = None;
                Err(e)
            }
        }
    }

    /// Lends the received application data that comes next, where it was decrypted
    /// (no copy); empty when none is waiting. It is one record's worth or less: after
    /// [`Connection::consume_plaintext`] of all of it, the next call lends the next.
    /// Shaped like [`std::io::BufRead::fill_buf`]; [`Connection::read_plaintext`] is
    /// the copying alternative, and both may be mixed.
    pub fn fill_plaintext(&self) -> &[u8] {
        self.common.received.front()
    }

    /// Marks the first `n` bytes lent by [`Connection::fill_plaintext`] as read (at
    /// most what it lent). A buffer read to its end goes back to the receive path for
    /// a later record.
    pub fn consume_plaintext(&mut self, n: usize) {
        let deframer = &mut self.common.deframer;
        self.common
            .received
            .consume(n, |chunk| deframer.recycle(chunk));
    }

    /// Copies received application data into `buf`; returns the number of bytes.
    pub fn read_plaintext(&mut self, buf: &mut [u8]) -> usize {
        let deframer = &mut self.common.deframer;
        self.common
            .received
            .read(buf, |chunk| deframer.recycle(chunk))
    }

    /// How many received plaintext bytes wait to be read.
    pub fn plaintext_available(&self) -> usize {
        self.common.received.len()
    }

    /// Sends close_notify; no more data may be written afterwards.
    pub fn send_close_notify(&mut self) {
        if !self.common.sent_close_notify && self.common.error.is_none() {
            self.common.sent_close_notify = true;
            self.common
                .send_alert(AlertLevel::Warning, AlertDescription::CloseNotify);
        }
    }

    /// Whether the peer sent close_notify.
    pub fn received_close_notify(&self) -> bool {
        self.common.received_close_notify
    }

    /// Sends a KeyUpdate and switches to the next sending key; with `request_peer`
    /// the peer is asked to do the same.
    pub fn update_keys(&mut self, request_peer: bool) -> Result<(), Error> {
        let state = self.state.as_mut().ok_or(Error::ConnectionClosed)?;
        state.update_keys(&mut self.common, request_peer)
    }

    /// TLS 1.2: starts a secure renegotiation (RFC 5746) — on a client, a new
    /// ClientHello carrying renegotiation_info (no SCSV); on a server, a HelloRequest,
    /// which the client answers with a ClientHello or declines. The new handshake runs
    /// under the current keys as the peer's messages arrive, through the usual
    /// [`Connection::read_tls`] / [`Connection::process_new_packets`] loop, and
    /// [`Negotiated::renegotiations`] counts it when it completes.
    ///
    /// Application data may be written and read throughout: [`Connection::is_handshaking`]
    /// stays false (see [`Connection::is_renegotiating`]). Mind that OpenSSL accepts
    /// application data during a renegotiation only until the ServerHello.
    ///
    /// Fails with [`Error::CannotRenegotiate`], and the connection goes on, when the
    /// connection is not TLS 1.2, the handshake or a renegotiation is still running,
    /// `allow_renegotiation` is off, the peer did not negotiate secure renegotiation,
    /// or `max_renegotiations` are used up. A peer that declines (no_renegotiation
    /// warning) leaves the connection as it was.
    pub fn renegotiate(&mut self) -> Result<(), Error> {
        if let Some(e) = &self.common.error {
            return Err(e.clone());
        }
        if self.common.sent_close_notify || self.common.received_close_notify {
            return Err(Error::ConnectionClosed);
        }
        if self.common.negotiated.version != Some(ProtocolVersion::Tls12) && self.common.traffic {
            return Err(Error::CannotRenegotiate(
                "renegotiation exists only in TLS 1.2 (TLS 1.3 updates keys with update_keys)",
            ));
        }
        if !self.common.traffic {
            return Err(Error::CannotRenegotiate("the handshake is still running"));
        }
        if let Some(why) = self.common.renegotiation.refusal(&self.common.negotiated) {
            return Err(Error::CannotRenegotiate(why));
        }
        // Here the state is TLS 1.2's traffic state, which holds nothing the new
        // handshake does not rebuild.
        match &self.client {
            None => traffic12::send_hello_request(&mut self.common),
            Some((config, name)) => {
                match crate::handshake::client::start_renegotiation(
                    &mut self.common,
                    config.clone(),
                    name.clone(),
                    Side::Client,
                ) {
                    Ok(state) => self.state = Some(state),
                    // Only the provider can fail here (randomness, protection): the
                    // connection cannot go on.
                    Err(e) => {
                        self.common.error = Some(e.clone());
                        self.state = None;
                        return Err(e);
                    }
                }
                Ok(())
            }
        }
    }

    /// Whether a TLS 1.2 renegotiation is under way: asked for and not yet declined,
    /// or running and not yet finished.
    pub fn is_renegotiating(&self) -> bool {
        let r = &self.common.renegotiation;
        r.in_progress || r.awaiting_peer
    }

    /// What the handshake agreed on so far.
    pub fn negotiated(&self) -> &Negotiated {
        &self.common.negotiated
    }

    /// The error that ended the connection, if any.
    pub fn error(&self) -> Option<&Error> {
        self.common.error.as_ref()
    }

    /// Whether a partial record is buffered (the peer stopped mid-record if EOF follows).
    pub fn has_partial_record(&self) -> bool {
        self.common.deframer.has_partial()
    }
}

/// Received application data, not yet read: the decrypted records' own buffers,
/// queued as they are (no copy), then copied out front to back by `read`.
#[derive(Default)]
struct Received {
    /// Each buffer with the offset of its first unread byte (a TLS 1.2 record's
    /// plaintext starts after its explicit nonce or IV).
    chunks: VecDeque<(Vec<u8>, usize)>,
    /// Unread bytes in all chunks.
    len: usize,
}

impl Received {
    /// Queues a record's plaintext, `chunk[start..]`. A small one is appended to the
    /// last chunk when it fits the spare capacity there, so that floods of tiny records
    /// cost no more than their bytes.
    fn push(&mut self, chunk: Vec<u8>, start: usize) {
        let plain = chunk.get(start..).unwrap_or_default();
        if plain.is_empty() {
            return;
        }
        self.len += plain.len();
        match self.chunks.back_mut() {
            Some((last, _)) if last.capacity() - last.len() >= plain.len() => {
                last.extend_from_slice(plain);
            }
            _ => self.chunks.push_back((chunk, start)),
        }
    }

    /// Unread bytes.
    fn len(&self) -> usize {
        self.len
    }

    /// The unread bytes of the first chunk.
    fn front(&self) -> &[u8] {
        self.chunks
            .front()
            .and_then(|(chunk, offset)| chunk.get(*offset..))
            .unwrap_or_default()
    }

    /// Marks `n` bytes of [`Received::front`] read (at most all of them); hands the
    /// chunk to `done_with` once read to its end.
    fn consume(&mut self, n: usize, done_with: impl FnOnce(Vec<u8>)) {
        let Some((front, offset)) = self.chunks.front_mut() else {
            return;
        };
        let n = n.min(front.len().saturating_sub(*offset));
        *offset += n;
        self.len -= n;
        if *offset >= front.len() {
            if let Some((chunk, _)) = self.chunks.pop_front() {
                done_with(chunk);
            }
        }
    }

    /// Copies as much as fits into `buf`, with one `copy_from_slice` per chunk, and
    /// hands each chunk read to the end to `done_with` (the deframer reuses it);
    /// returns how many bytes.
    fn read(&mut self, buf: &mut [u8], mut done_with: impl FnMut(Vec<u8>)) -> usize {
        let mut done = 0;
        while let Some((front, offset)) = self.chunks.front_mut() {
            let src = front.get(*offset..).unwrap_or_default();
            let dst = buf.get_mut(done..).unwrap_or_default();
            let n = src.len().min(dst.len());
            if let (Some(d), Some(s)) = (dst.get_mut(..n), src.get(..n)) {
                d.copy_from_slice(s);
            }
            done += n;
            *offset += n;
            if *offset < front.len() {
                break;
            }
            if let Some((chunk, _)) = self.chunks.pop_front() {
                done_with(chunk);
            }
        }
        self.len -= done;
        done
    }
}

#[cfg(test)]
mod received_tests {
    use super::Received;

    #[test]
    fn reads_across_chunks_in_order() {
        let mut r = Received::default();
        r.push(b"hello ".to_vec(), 0);
        r.push(Vec::new(), 0);
        r.push(b"IVbig world".to_vec(), 2);
        assert_eq!(r.len(), 15);
        let mut buf = [0u8; 4];
        assert_eq!(r.read(&mut buf, drop), 4);
        assert_eq!(&buf, b"hell");
        let mut buf = [0u8; 8];
        assert_eq!(r.read(&mut buf, drop), 8);
        assert_eq!(&buf, b"o big wo");
        assert_eq!(r.len(), 3);
        assert_eq!(r.read(&mut [], drop), 0);
        let mut buf = [0u8; 10];
        let mut back = Vec::new();
        assert_eq!(r.read(&mut buf, |c| back.push(c)), 3);
        assert_eq!(&buf[..3], b"rld");
        assert_eq!(
            back,
            vec![b"IVbig world".to_vec()],
            "read chunks are handed back"
        );
        assert_eq!(r.read(&mut buf, drop), 0);
        assert_eq!(r.len(), 0);
        assert!(r.chunks.is_empty());
    }

    #[test]
    fn lends_front_chunk_and_consumes_partly() {
        let mut r = Received::default();
        assert!(r.front().is_empty());
        r.consume(5, |_| panic!("nothing to hand back"));
        r.push(b"IVhello".to_vec(), 2);
        r.push(vec![b'w'; 40], 0);
        assert_eq!(r.front(), b"hello");
        let mut back = Vec::new();
        r.consume(2, |c| back.push(c));
        assert_eq!(r.front(), b"llo");
        assert_eq!(r.len(), 43);
        // Consuming more than lent stops at the chunk's end.
        r.consume(100, |c| back.push(c));
        assert_eq!(back, vec![b"IVhello".to_vec()]);
        assert_eq!(r.front(), &[b'w'; 40][..]);
        assert_eq!(r.len(), 40);
        // Mixed with copying reads.
        let mut buf = [0u8; 10];
        assert_eq!(r.read(&mut buf, drop), 10);
        assert_eq!(r.front().len(), 30);
        r.consume(30, drop);
        assert_eq!(r.len(), 0);
        assert!(r.chunks.is_empty());
    }

    #[test]
    fn tiny_chunks_share_spare_capacity() {
        let mut r = Received::default();
        let mut first = Vec::with_capacity(64);
        first.extend_from_slice(b"abc");
        r.push(first, 0);
        for b in b"defgh" {
            r.push(vec![0, 0, *b], 2);
        }
        assert_eq!(r.chunks.len(), 1, "appended to the first chunk's spare");
        r.push(vec![b'x'; 100], 0);
        assert_eq!(r.chunks.len(), 2);
        let mut buf = [0u8; 108];
        assert_eq!(r.read(&mut buf, drop), 108);
        assert_eq!(&buf[..8], b"abcdefgh");
        assert!(buf[8..].iter().all(|&b| b == b'x'));
    }
}
