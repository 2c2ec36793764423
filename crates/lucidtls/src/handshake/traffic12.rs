//! After the TLS 1.2 handshake. Renegotiation is refused politely for now: a
//! HelloRequest (or a new ClientHello) is answered with a no_renegotiation warning.

use super::{unexpected, HandshakeMessage, State};
use crate::conn::Common;
use crate::enums::{AlertDescription, HandshakeType};
use crate::error::Error;
use crate::msgs::{HandshakeBody, HelloRequest};
use crate::trace::{Side, TraceEvent};

/// The TLS 1.2 traffic phase.
pub(crate) struct Traffic12 {
    side: Side,
}

impl Traffic12 {
    pub(crate) fn new(side: Side) -> Self {
        Self { side }
    }

    fn refuse_renegotiation(self: Box<Self>, cx: &mut Common) -> Result<Box<dyn State>, Error> {
        cx.count_idle_message()?;
        let from = self.side.peer();
        cx.tracer.emit(|| TraceEvent::Renegotiation {
            from,
            accepted: false,
        });
        cx.send_warning(AlertDescription::NoRenegotiation);
        Ok(self)
    }
}

impl State for Traffic12 {
    fn handle(
        self: Box<Self>,
        cx: &mut Common,
        msg: HandshakeMessage,
    ) -> Result<Box<dyn State>, Error> {
        match (self.side, msg.typ) {
            (Side::Client, HandshakeType::HelloRequest) => {
                HelloRequest::decode(msg.body())?;
                self.refuse_renegotiation(cx)
            }
            (Side::Server, HandshakeType::ClientHello) => self.refuse_renegotiation(cx),
            _ => Err(unexpected("application data", &msg)),
        }
    }

    fn update_keys(&mut self, _cx: &mut Common, _request_peer: bool) -> Result<(), Error> {
        Err(Error::Config("KeyUpdate exists only in TLS 1.3".into()))
    }
}
