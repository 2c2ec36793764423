//! Joining handshake record payloads into whole handshake messages.

use crate::enums::HandshakeType;
use crate::error::Error;

/// Length of a handshake message header: type (1), length (3).
const HANDSHAKE_HEADER_LEN: usize = 4;

/// Reassembles handshake messages from the plaintext payloads of handshake records.
///
/// One message may span many records and one record may hold several messages. Each
/// message comes out whole, header included, as the transcript hash needs it; the body
/// is not parsed here (that is `msgs/`).
///
/// Limits: a message whose declared body length exceeds
/// [`HandshakeJoiner::max_message_len`] (default [`HandshakeJoiner::DEFAULT_MAX_MESSAGE_LEN`])
/// is refused with [`Error::Decode`] as soon as its header arrives, and a zero-length
/// handshake record is refused with [`Error::Decode`] (RFC 8446 §5.1).
///
/// Handshake messages must not span a key change (RFC 8446 §5.1): before installing new
/// keys, the caller checks [`HandshakeJoiner::is_empty`].
#[derive(Debug)]
pub struct HandshakeJoiner {
    /// Buffered bytes; the unread ones are `buf[start..]`.
    buf: Vec<u8>,
    /// Offset of the first unread byte in `buf`.
    start: usize,
    /// Largest accepted message body length.
    max_message_len: usize,
}

impl Default for HandshakeJoiner {
    fn default() -> Self {
        Self::new()
    }
}

impl HandshakeJoiner {
    /// The default largest message body: 64 KiB.
    pub const DEFAULT_MAX_MESSAGE_LEN: usize = 64 * 1024;

    /// A joiner with the default message size limit.
    pub fn new() -> Self {
        Self::with_max_message_len(Self::DEFAULT_MAX_MESSAGE_LEN)
    }

    /// A joiner accepting message bodies up to `max` bytes.
    pub fn with_max_message_len(max: usize) -> Self {
        Self {
            buf: Vec::new(),
            start: 0,
            max_message_len: max,
        }
    }

    /// The largest accepted message body length (the 24-bit length field's value).
    pub fn max_message_len(&self) -> usize {
        self.max_message_len
    }

    /// Whether no bytes are buffered: no message, complete or partial, is pending. A key
    /// change is only allowed when this holds.
    pub fn is_empty(&self) -> bool {
        self.start == self.buf.len()
    }

    /// Adds the plaintext payload of one handshake record.
    pub fn push(&mut self, payload: &[u8]) -> Result<(), Error> {
        if payload.is_empty() {
            return Err(Error::decode("empty handshake record"));
        }
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(payload);
        // Refuse an oversized message now, rather than buffering towards it.
        let mut rest = self.buf.as_slice();
        while let Some(total) = self.message_len(rest)? {
            match rest.get(total..) {
                Some(next) => rest = next,
                None => break,
            }
        }
        Ok(())
    }

    /// Returns the next whole message as its type and its encoding (4-byte header
    /// included), or `Ok(None)` if more records are needed.
    pub fn pop(&mut self) -> Result<Option<(HandshakeType, Vec<u8>)>, Error> {
        let avail = self.buf.get(self.start..).unwrap_or_default();
        let Some(total) = self.message_len(avail)? else {
            return Ok(None);
        };
        let (Some(&typ), Some(message)) = (avail.first(), avail.get(..total)) else {
            return Ok(None);
        };
        let message = message.to_vec();
        self.start += total;
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
        Ok(Some((HandshakeType::from_wire(typ), message)))
    }

    /// The total length (header included) of the message starting `bytes`, once its
    /// header is complete; checks the size limit.
    fn message_len(&self, bytes: &[u8]) -> Result<Option<usize>, Error> {
        let [_, l0, l1, l2, ..] = *bytes else {
            return Ok(None);
        };
        let len = usize::from(l0) << 16 | usize::from(l1) << 8 | usize::from(l2);
        if len > self.max_message_len {
            return Err(Error::decode("handshake message too large"));
        }
        Ok(Some(HANDSHAKE_HEADER_LEN + len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(typ: u8, body: &[u8]) -> Vec<u8> {
        let len = u32::try_from(body.len()).unwrap().to_be_bytes();
        let mut out = vec![typ, len[1], len[2], len[3]];
        out.extend_from_slice(body);
        out
    }

    #[test]
    fn message_spanning_one_byte_records() {
        let msg = message(11, &(0..=255u8).cycle().take(1000).collect::<Vec<_>>());
        let mut j = HandshakeJoiner::new();
        let (last, most) = msg.split_last().unwrap();
        for b in most {
            j.push(std::slice::from_ref(b)).unwrap();
            assert_eq!(j.pop(), Ok(None));
            assert!(!j.is_empty());
        }
        j.push(std::slice::from_ref(last)).unwrap();
        assert_eq!(j.pop(), Ok(Some((HandshakeType::Certificate, msg))));
        assert!(j.is_empty());
        assert_eq!(j.pop(), Ok(None));
    }

    #[test]
    fn several_messages_in_one_record() {
        let a = message(2, &[1, 2, 3]);
        let b = message(8, &[]);
        let c = message(20, &[9; 32]);
        let mut record = a.clone();
        record.extend(&b);
        record.extend(&c);
        let mut j = HandshakeJoiner::new();
        j.push(&record).unwrap();
        assert_eq!(j.pop(), Ok(Some((HandshakeType::ServerHello, a))));
        assert!(!j.is_empty());
        assert_eq!(j.pop(), Ok(Some((HandshakeType::EncryptedExtensions, b))));
        assert_eq!(j.pop(), Ok(Some((HandshakeType::Finished, c))));
        assert!(j.is_empty());
        assert_eq!(j.pop(), Ok(None));
    }

    #[test]
    fn messages_straddling_records() {
        let a = message(2, &[5; 40]);
        let b = message(24, &[0]);
        let mut all = a.clone();
        all.extend(&b);
        for cut in 1..all.len() {
            let mut j = HandshakeJoiner::new();
            j.push(&all[..cut]).unwrap();
            let mut got = Vec::new();
            while let Some(m) = j.pop().unwrap() {
                got.push(m);
            }
            assert_eq!(j.is_empty(), cut == a.len(), "cut at {cut}");
            j.push(&all[cut..]).unwrap();
            while let Some(m) = j.pop().unwrap() {
                got.push(m);
            }
            assert_eq!(
                got,
                vec![
                    (HandshakeType::ServerHello, a.clone()),
                    (HandshakeType::KeyUpdate, b.clone())
                ]
            );
            assert!(j.is_empty());
        }
    }

    #[test]
    fn unknown_type_is_passed_up() {
        let mut j = HandshakeJoiner::new();
        j.push(&message(99, &[1])).unwrap();
        assert_eq!(j.pop().unwrap().unwrap().0, HandshakeType::Unknown(99));
    }

    #[test]
    fn oversize_refused_on_header() {
        let mut j = HandshakeJoiner::new();
        // 65537-byte body announced: refused before the body arrives.
        assert_eq!(
            j.push(&[11, 0x01, 0x00, 0x01]),
            Err(Error::decode("handshake message too large"))
        );

        // Exactly the limit is fine.
        let mut j = HandshakeJoiner::new();
        let msg = message(11, &vec![3; HandshakeJoiner::DEFAULT_MAX_MESSAGE_LEN]);
        for chunk in msg.chunks(16384) {
            j.push(chunk).unwrap();
        }
        assert_eq!(j.pop().unwrap().unwrap().1.len(), 4 + 65536);

        // A configured limit, and an oversized message behind a good one in the same record.
        let mut j = HandshakeJoiner::with_max_message_len(10);
        let mut record = message(1, &[0; 10]);
        record.extend([1, 0, 0, 11]);
        assert_eq!(
            j.push(&record),
            Err(Error::decode("handshake message too large"))
        );
    }

    #[test]
    fn empty_record_refused() {
        let mut j = HandshakeJoiner::new();
        assert_eq!(j.push(&[]), Err(Error::decode("empty handshake record")));
        // Also in the middle of a message.
        j.push(&[1, 0]).unwrap();
        assert_eq!(j.push(&[]), Err(Error::decode("empty handshake record")));
    }
}
