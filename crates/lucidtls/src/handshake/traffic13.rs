//! After the TLS 1.3 handshake: NewSessionTicket and KeyUpdate (RFC 8446 §4.6).

use super::tls13::{install_decrypter, install_encrypter};
use super::{unexpected, HandshakeMessage, State};
use crate::config::ClientConfig;
use crate::conn::Common;
use crate::crypto::{CryptoProvider, Secret};
use crate::enums::HandshakeType;
use crate::error::Error;
use crate::keys::tls13::{resumption_psk, TrafficSecret};
use crate::msgs::{Extension, HandshakeBody, KeyUpdate, NewSessionTicket13};
use crate::session::{Tls13Ticket, MAX_TLS13_LIFETIME};
use crate::suites::Tls13Suite;
use crate::trace::{Side, TraceEvent};
use rustls_pki_types::CertificateDer;
use std::sync::Arc;

/// Client: what turns a NewSessionTicket into a stored [`Tls13Ticket`].
pub(crate) struct TicketSink {
    pub config: Arc<ClientConfig>,
    /// The name tickets are stored under.
    pub store_name: String,
    /// resumption_master_secret (RFC 8446 §7.1).
    pub resumption_master: Secret,
    pub alpn: Option<Vec<u8>>,
    /// The server's chain, verified in this handshake or the one it resumed.
    pub peer_certificates: Vec<CertificateDer<'static>>,
}

/// The traffic phase: both application secrets, ready to be updated.
pub(crate) struct Traffic13 {
    side: Side,
    provider: Arc<dyn CryptoProvider>,
    suite: Tls13Suite,
    sending: TrafficSecret,
    receiving: TrafficSecret,
    /// Client: where tickets go.
    tickets: Option<TicketSink>,
    /// Client: NewSessionTickets received so far, for the trace.
    tickets_received: u32,
}

impl Traffic13 {
    pub(crate) fn new(
        side: Side,
        provider: Arc<dyn CryptoProvider>,
        suite: Tls13Suite,
        client: TrafficSecret,
        server: TrafficSecret,
    ) -> Self {
        let (sending, receiving) = match side {
            Side::Client => (client, server),
            Side::Server => (server, client),
        };
        Self {
            side,
            provider,
            suite,
            sending,
            receiving,
            tickets: None,
            tickets_received: 0,
        }
    }

    /// Client: store the NewSessionTickets that arrive.
    pub(crate) fn with_ticket_sink(mut self, sink: TicketSink) -> Self {
        self.tickets = Some(sink);
        self
    }

    /// KeyUpdate: send the message under the old key, then switch.
    fn send_key_update(&mut self, cx: &mut Common, update_requested: bool) -> Result<(), Error> {
        cx.send_message(&KeyUpdate { update_requested }, None)?;
        self.sending = self.sending.next();
        let name = match self.side {
            Side::Client => "client application traffic (updated)",
            Side::Server => "server application traffic (updated)",
        };
        install_encrypter(cx, &self.provider, self.suite, &self.sending, name)?;
        let from = self.side;
        cx.tracer.emit(|| TraceEvent::KeyUpdate {
            from,
            update_requested,
        });
        Ok(())
    }

    /// The peer's KeyUpdate: switch our receiving key, and answer if asked.
    fn handle_key_update(
        mut self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage<'_>,
    ) -> Result<Box<dyn State>, Error> {
        let ku = KeyUpdate::decode(msg.body())?;
        cx.count_idle_message()?;
        let from = self.side.peer();
        cx.tracer.emit(|| TraceEvent::KeyUpdate {
            from,
            update_requested: ku.update_requested,
        });
        self.receiving = self.receiving.next();
        let name = match self.side {
            Side::Client => "server application traffic (updated)",
            Side::Server => "client application traffic (updated)",
        };
        install_decrypter(cx, &self.provider, self.suite, &self.receiving, name)?;
        if ku.update_requested {
            self.send_key_update(cx, false)?;
        }
        Ok(self)
    }

    /// A NewSessionTicket from the server: the PSK it stands for is
    /// HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce,
    /// Hash.length) (RFC 8446 §4.6.1); ticket and PSK go to the session store.
    fn handle_new_session_ticket(
        mut self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage<'_>,
    ) -> Result<Box<dyn State>, Error> {
        let ticket = NewSessionTicket13::decode(msg.body())?;
        if ticket.lifetime > MAX_TLS13_LIFETIME {
            return Err(Error::IllegalParameter("ticket lifetime over seven days"));
        }
        cx.count_idle_message()?;
        self.tickets_received = self.tickets_received.saturating_add(1);
        let index = self.tickets_received;
        cx.tracer.emit(|| TraceEvent::NewSessionTicket {
            from: Side::Server,
            lifetime: ticket.lifetime,
            ticket_len: ticket.ticket.len(),
            index: Some(index),
            count: None,
        });
        if let Some(sink) = &self.tickets {
            self.store_ticket(sink, ticket);
        }
        Ok(self)
    }

    /// Keeps a ticket, unless resumption is off or the ticket is already dead
    /// (lifetime 0: RFC 8446 §4.6.1 says to discard it).
    fn store_ticket(&self, sink: &TicketSink, nst: NewSessionTicket13) {
        let config = &sink.config;
        let Some(store) = config.session_store.as_ref().filter(|_| config.resumption) else {
            return;
        };
        if nst.lifetime == 0 {
            return;
        }
        let hash = self.provider.hash(self.suite.hash);
        let psk = resumption_psk(hash, &sink.resumption_master, &nst.nonce);
        let max_early_data = nst
            .extensions
            .0
            .iter()
            .find_map(|e| match e {
                Extension::EarlyData(Some(max)) => Some(*max),
                _ => None,
            })
            .unwrap_or(0);
        store.push_tls13(
            &sink.store_name,
            Tls13Ticket {
                server_name: sink.store_name.clone(),
                ticket: nst.ticket,
                psk,
                cipher_suite: self.suite.suite,
                age_add: nst.age_add,
                lifetime: nst.lifetime,
                received: (config.common.time)().as_secs(),
                max_early_data,
                alpn: sink.alpn.clone(),
                peer_certificates: sink.peer_certificates.clone(),
            },
        );
    }
}

impl State for Traffic13 {
    fn handle(
        self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage<'_>,
    ) -> Result<Box<dyn State>, Error> {
        match msg.typ {
            HandshakeType::KeyUpdate => self.handle_key_update(cx, msg),
            HandshakeType::NewSessionTicket if self.side == Side::Client => {
                self.handle_new_session_ticket(cx, msg)
            }
            _ => Err(unexpected("KeyUpdate or NewSessionTicket", &msg)),
        }
    }

    fn update_keys(&mut self, cx: &mut Common, request_peer: bool) -> Result<(), Error> {
        self.send_key_update(cx, request_peer)
    }
}
