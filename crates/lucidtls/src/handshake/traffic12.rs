//! After the TLS 1.2 handshake: application data, and secure renegotiation
//! (RFC 5746), off unless `CommonConfig::allow_renegotiation` is set.
//!
//! How a renegotiation runs here:
//! - It starts with a HelloRequest (server) or a new ClientHello (client), and is a
//!   full handshake, never a resumption; the version stays TLS 1.2 and the server
//!   must present the same certificate.
//! - Its messages travel under the current keys; each side switches to the new
//!   keys at its ChangeCipherSpec, as in the first handshake.
//! - Application data keeps flowing both ways in the meantime (RFC 5246 §6.2.1:
//!   recipients MUST process application data interleaved with later handshakes);
//!   writes are never blocked. Received data is delivered in arrival order, which
//!   puts what was protected under the old keys before what came after the peer's
//!   ChangeCipherSpec. Only between the peer's ChangeCipherSpec and its Finished is
//!   application data refused: the Finished must come next (RFC 5246 §7.4.9).
//! - renegotiation_info binds the new handshake to the last one: the ClientHello
//!   carries the client's last Finished value, the ServerHello both (RFC 5746 §3.5,
//!   §3.7); both are compared in constant time, and a mismatch or a missing
//!   extension is handshake_failure.
//! - A peer that did not signal RFC 5746 support in the initial handshake, a
//!   disabled configuration, or a spent `max_renegotiations` gets a no_renegotiation
//!   warning and the connection goes on.

use super::{unexpected, HandshakeMessage, State};
use crate::config::{ClientConfig, CommonConfig, ServerConfig};
use crate::conn::{Common, Negotiated};
use crate::enums::{AlertDescription, HandshakeType};
use crate::error::Error;
use crate::msgs::{ClientHelloRef, HandshakeBody, HelloRequest};
use crate::trace::{Side, TraceEvent};
use rustls_pki_types::ServerName;
use std::sync::Arc;

/// The Finished values of the latest handshake, which the next one's
/// renegotiation_info must repeat (RFC 5746 §3.1).
#[derive(Clone)]
pub(crate) struct Binding {
    pub client_verify_data: Vec<u8>,
    pub server_verify_data: Vec<u8>,
}

impl Binding {
    /// What a ServerHello carries: client_verify_data || server_verify_data.
    pub fn server_hello_info(&self) -> Vec<u8> {
        [&self.client_verify_data[..], &self.server_verify_data[..]].concat()
    }
}

/// Renegotiation bookkeeping for one connection, kept across its handshakes.
pub(crate) struct RenegotiationState {
    allowed: bool,
    max: u32,
    /// The peer signalled RFC 5746 support in the initial handshake
    /// (renegotiation_info, or the SCSV from a client).
    pub secure: bool,
    /// The Finished values of the latest handshake.
    latest: Binding,
    /// A renegotiation handshake is running: hello sent (client) or accepted (server).
    pub in_progress: bool,
    /// We asked and the peer has not answered yet: our ClientHello waits for a
    /// ServerHello, or our HelloRequest for a ClientHello.
    pub awaiting_peer: bool,
    /// Who started the running (or awaited) renegotiation.
    pub initiator: Side,
    /// The peer's ChangeCipherSpec of the running renegotiation arrived: its
    /// Finished must come next, with nothing in between.
    pub peer_ccs_seen: bool,
}

impl RenegotiationState {
    pub fn new(config: &CommonConfig) -> Self {
        Self {
            allowed: config.allow_renegotiation,
            max: config.max_renegotiations,
            secure: false,
            latest: Binding {
                client_verify_data: Vec::new(),
                server_verify_data: Vec::new(),
            },
            in_progress: false,
            awaiting_peer: false,
            initiator: Side::Client,
            peer_ccs_seen: false,
        }
    }

    /// Why a renegotiation cannot start now; `None` when it can.
    pub fn refusal(&self, negotiated: &Negotiated) -> Option<&'static str> {
        if !self.allowed {
            Some("renegotiation is disabled (allow_renegotiation)")
        } else if !self.secure {
            Some("the peer did not negotiate secure renegotiation (RFC 5746) in the initial handshake")
        } else if self.in_progress || self.awaiting_peer {
            Some("a renegotiation is already under way")
        } else if negotiated.renegotiations >= self.max {
            Some("this connection has used up its renegotiations (max_renegotiations)")
        } else {
            None
        }
    }

    /// The binding the next handshake must carry.
    pub fn binding(&self) -> Binding {
        self.latest.clone()
    }

    /// A renegotiation handshake begins (client: its ClientHello goes out; server:
    /// it accepted one).
    pub fn begin(&mut self, initiator: Side) {
        self.in_progress = true;
        self.initiator = initiator;
    }

    /// The peer took the new handshake up (server: ClientHello accepted; client:
    /// ServerHello received): the per-handshake facts of the last one stop applying,
    /// and the new one sets them again.
    pub fn forget_last_handshake(negotiated: &mut Negotiated) {
        negotiated.resumed = false;
        negotiated.client_auth_requested = false;
        negotiated.client_identity_sent = None;
    }

    /// Records a Finished value of the running handshake (sent or verified).
    pub fn record_finished(&mut self, sender: Side, verify_data: &[u8]) {
        let slot = match sender {
            Side::Client => &mut self.latest.client_verify_data,
            Side::Server => &mut self.latest.server_verify_data,
        };
        *slot = verify_data.to_vec();
    }

    /// A handshake completed; a renegotiation is counted.
    pub fn complete(&mut self, negotiated: &mut Negotiated) {
        if self.in_progress {
            negotiated.renegotiations += 1;
        }
        self.in_progress = false;
        self.awaiting_peer = false;
        self.peer_ccs_seen = false;
    }
}

/// Whose traffic phase this is, with what it needs to start a new handshake.
enum Role {
    Client {
        config: Arc<ClientConfig>,
        server_name: ServerName<'static>,
    },
    Server {
        config: Arc<ServerConfig>,
    },
}

/// The TLS 1.2 traffic phase.
pub(crate) struct Traffic12 {
    role: Role,
}

impl Traffic12 {
    pub(crate) fn client(config: Arc<ClientConfig>, server_name: ServerName<'static>) -> Self {
        Self {
            role: Role::Client {
                config,
                server_name,
            },
        }
    }

    pub(crate) fn server(config: Arc<ServerConfig>) -> Self {
        Self {
            role: Role::Server { config },
        }
    }

    /// Refuses the peer's request politely: a no_renegotiation warning (RFC 5246
    /// §7.2.2), and the connection goes on under the current keys.
    fn refuse(self: Box<Self>, cx: &mut Common) -> Result<Box<dyn State>, Error> {
        cx.count_idle_message()?;
        let from = cx.side.peer();
        cx.tracer.emit(|| TraceEvent::Renegotiation {
            from,
            accepted: false,
        });
        cx.send_warning(AlertDescription::NoRenegotiation);
        Ok(self)
    }

    /// Client: the server's HelloRequest — a new handshake if we may, else a warning.
    fn handle_hello_request(
        self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage<'_>,
    ) -> Result<Box<dyn State>, Error> {
        HelloRequest::decode(msg.body())?;
        cx.tracer.emit(|| TraceEvent::HelloRequest {
            from: Side::Server,
            ignored: false,
        });
        if cx.renegotiation.refusal(&cx.negotiated).is_some() {
            return self.refuse(cx);
        }
        let Role::Client {
            config,
            server_name,
        } = self.role
        else {
            return Err(Error::Internal("HelloRequest reached a server"));
        };
        cx.tracer.emit(|| TraceEvent::Renegotiation {
            from: Side::Server,
            accepted: true,
        });
        super::client::start_renegotiation(cx, config, server_name, Side::Server)
    }

    /// Server: a ClientHello on the established connection — the client's own
    /// renegotiation, or its answer to our HelloRequest.
    fn handle_client_hello(
        self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage<'_>,
    ) -> Result<Box<dyn State>, Error> {
        // Our HelloRequest is answered either way.
        let initiator = if std::mem::take(&mut cx.renegotiation.awaiting_peer) {
            Side::Server
        } else {
            Side::Client
        };
        if cx.renegotiation.refusal(&cx.negotiated).is_some() {
            return self.refuse(cx);
        }
        let Role::Server { config } = self.role else {
            return Err(Error::Internal("ClientHello reached a client"));
        };
        let ch = ClientHelloRef::decode(msg.body())?;
        cx.tracer.emit(|| TraceEvent::Renegotiation {
            from: initiator,
            accepted: true,
        });
        super::server12::handle_renegotiation_client_hello(cx, config, ch, msg.bytes, initiator)
    }
}

/// Server side of `Connection::renegotiate`: a HelloRequest (RFC 5246 §7.4.1.1); the
/// client answers with a ClientHello, or refuses with a warning.
pub(crate) fn send_hello_request(cx: &mut Common) -> Result<(), Error> {
    cx.send_message(&HelloRequest, None)?;
    cx.tracer.emit(|| TraceEvent::HelloRequest {
        from: Side::Server,
        ignored: false,
    });
    cx.renegotiation.awaiting_peer = true;
    cx.renegotiation.initiator = Side::Server;
    Ok(())
}

impl State for Traffic12 {
    fn handle(
        self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage<'_>,
    ) -> Result<Box<dyn State>, Error> {
        match (&self.role, msg.typ) {
            (Role::Client { .. }, HandshakeType::HelloRequest) => {
                self.handle_hello_request(cx, msg)
            }
            (Role::Server { .. }, HandshakeType::ClientHello) => self.handle_client_hello(cx, msg),
            _ => Err(unexpected("application data", &msg)),
        }
    }

    fn update_keys(&mut self, _cx: &mut Common, _request_peer: bool) -> Result<(), Error> {
        Err(Error::Config("KeyUpdate exists only in TLS 1.3".into()))
    }
}
