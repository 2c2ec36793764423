//! The running hash of the handshake messages.

use crate::crypto::{Digest, Hash, HashContext};
use crate::enums::HandshakeType;

/// The transcript hash, fed message by message.
pub(crate) struct Transcript {
    ctx: Box<dyn HashContext>,
}

impl Transcript {
    /// Starts empty.
    pub fn new(hash: &'static dyn Hash) -> Self {
        Self { ctx: hash.start() }
    }

    /// Adds a whole handshake message (header included).
    pub fn add(&mut self, message: &[u8]) {
        self.ctx.update(message);
    }

    /// The hash of everything so far.
    pub fn current(&self) -> Digest {
        self.ctx.current()
    }

    /// After a HelloRetryRequest, ClientHello1 is replaced by a synthetic
    /// message_hash message holding its hash (RFC 8446 §4.4.1).
    pub fn new_after_retry(hash: &'static dyn Hash, client_hello1: &[u8]) -> Self {
        let digest = hash.hash(client_hello1);
        let mut t = Self::new(hash);
        let len = digest.as_ref().len() as u8;
        t.add(&[HandshakeType::MessageHash.to_wire(), 0, 0, len]);
        t.add(digest.as_ref());
        t
    }
}
