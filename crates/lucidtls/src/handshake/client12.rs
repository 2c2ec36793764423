//! The TLS 1.2 client, in the order of the steps (RFC 5246 §7.3).

use super::client::HelloState;
use super::{HandshakeMessage, State};
use crate::conn::Common;
use crate::error::Error;
use crate::msgs::ServerHello;

/// Step 2 (TLS 1.2): the ServerHello.
pub(crate) fn handle_server_hello(
    _cx: &mut Common,
    _hello: HelloState,
    _sh: ServerHello,
    _msg: HandshakeMessage,
) -> Result<Box<dyn State>, Error> {
    Err(Error::NoCommonVersion)
}
