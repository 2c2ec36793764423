//! The running hash of the handshake messages, and — for TLS 1.2 client
//! authentication only — the messages themselves.

use crate::crypto::{Digest, Hash, HashContext};
use crate::enums::HandshakeType;

/// The transcript hash, fed message by message.
pub(crate) struct Transcript {
    ctx: Box<dyn HashContext>,
    /// The messages so far, kept only while a TLS 1.2 CertificateVerify may need
    /// them: its signature covers the messages themselves, hashed by the signature
    /// scheme's own hash, which need not be the PRF hash (RFC 5246 §7.4.8).
    messages: Option<Vec<u8>>,
}

impl Transcript {
    /// Starts empty.
    pub fn new(hash: &'static dyn Hash) -> Self {
        Self {
            ctx: hash.start(),
            messages: None,
        }
    }

    /// Starts keeping the messages too (TLS 1.2 with client authentication possible).
    /// Call before the first [`Transcript::add`]: the buffer holds what is added after.
    pub fn keep_messages(&mut self) {
        self.messages.get_or_insert_with(Vec::new);
    }

    /// Stops keeping the messages and frees them.
    pub fn drop_messages(&mut self) {
        self.messages = None;
    }

    /// The messages added since [`Transcript::keep_messages`], if they were kept.
    pub fn messages(&self) -> Option<&[u8]> {
        self.messages.as_deref()
    }

    /// Adds a whole handshake message (header included).
    pub fn add(&mut self, message: &[u8]) {
        self.ctx.update(message);
        if let Some(buf) = &mut self.messages {
            buf.extend_from_slice(message);
        }
    }

    /// The hash of everything so far.
    pub fn current(&self) -> Digest {
        self.ctx.current()
    }

    /// The hash of everything so far followed by `extra`, leaving the transcript as
    /// it is: for PSK binders, computed over a truncated ClientHello (RFC 8446 §4.2.11.2).
    pub fn hash_with(&self, extra: &[u8]) -> Digest {
        let mut ctx = self.ctx.fork();
        ctx.update(extra);
        ctx.current()
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
