//! After the TLS 1.3 handshake: NewSessionTicket and KeyUpdate (RFC 8446 §4.6).

use super::client13::{install_decrypter, install_encrypter};
use super::{unexpected, HandshakeMessage, State};
use crate::conn::Common;
use crate::crypto::CryptoProvider;
use crate::enums::HandshakeType;
use crate::error::Error;
use crate::keys::tls13::TrafficSecret;
use crate::msgs::{HandshakeBody, KeyUpdate, NewSessionTicket13};
use crate::suites::Tls13Suite;
use crate::trace::{Side, TraceEvent};
use std::sync::Arc;

/// The traffic phase: both application secrets, ready to be updated.
pub(crate) struct Traffic13 {
    side: Side,
    provider: Arc<dyn CryptoProvider>,
    suite: Tls13Suite,
    sending: TrafficSecret,
    receiving: TrafficSecret,
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
        }
    }

    /// KeyUpdate: send the message under the old key, then switch.
    fn send_key_update(&mut self, cx: &mut Common, update_requested: bool) -> Result<(), Error> {
        cx.send_handshake(&KeyUpdate { update_requested }.encode())?;
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
        msg: HandshakeMessage,
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

    /// A session ticket from the server (stored by the resumption work; noted for now).
    fn handle_new_session_ticket(
        self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage,
    ) -> Result<Box<dyn State>, Error> {
        let ticket = NewSessionTicket13::decode(msg.body())?;
        if ticket.lifetime > 7 * 24 * 3600 {
            return Err(Error::IllegalParameter("ticket lifetime over seven days"));
        }
        cx.count_idle_message()?;
        cx.tracer.emit(|| TraceEvent::NewSessionTicket {
            from: Side::Server,
            lifetime: ticket.lifetime,
        });
        Ok(self)
    }
}

impl State for Traffic13 {
    fn handle(
        self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage,
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
