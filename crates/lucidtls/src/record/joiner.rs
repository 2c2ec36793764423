//! Joining handshake record payloads into whole handshake messages.

use crate::enums::HandshakeType;
use crate::error::Error;
use std::borrow::Cow;

/// A whole message from [`HandshakeJoiner::pop_from`]: its type and its encoding
/// (header included), lent from the record or, when it came in pieces, owned.
pub type JoinedMessage<'p> = (HandshakeType, Cow<'p, [u8]>);

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
    /// Bytes of the record being read in place ([`HandshakeJoiner::pop_from`]) that
    /// are not yet taken: they count as pending, like buffered ones.
    record_rest: usize,
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
            record_rest: 0,
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
        self.start == self.buf.len() && self.record_rest == 0
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
        self.check_lengths(self.buf.as_slice())
    }

    /// Checks the size limit of every message whose header lies in `bytes`.
    fn check_lengths(&self, mut bytes: &[u8]) -> Result<(), Error> {
        while let Some(total) = self.message_len(bytes)? {
            match bytes.get(total..) {
                Some(next) => bytes = next,
                None => break,
            }
        }
        Ok(())
    }

    /// Starts on the plaintext of one handshake record, to be read with
    /// [`HandshakeJoiner::pop_from`]. Checks as [`HandshakeJoiner::push`] does. Returns
    /// the part of `payload` whose messages can be read where they lie: all of it,
    /// unless a message begun in an earlier record is waiting for the rest, in which
    /// case the payload joins the buffer and nothing is returned.
    pub fn push_record<'p>(&mut self, payload: &'p [u8]) -> Result<&'p [u8], Error> {
        if !self.is_empty() || payload.is_empty() {
            self.push(payload)?;
            return Ok(&[]);
        }
        self.check_lengths(payload)?;
        self.record_rest = payload.len();
        Ok(payload)
    }

    /// Returns the next whole message, as [`HandshakeJoiner::pop`] does, from `record`
    /// (what [`HandshakeJoiner::push_record`] returned, advanced past each message
    /// taken) or from the buffer. A message lying whole in `record` is lent from there,
    /// not copied; a trailing part of one goes to the buffer to wait for the next record.
    pub fn pop_from<'p>(
        &mut self,
        record: &mut &'p [u8],
    ) -> Result<Option<JoinedMessage<'p>>, Error> {
        if record.is_empty() {
            self.record_rest = 0;
            return Ok(self.pop()?.map(|(typ, message)| (typ, Cow::Owned(message))));
        }
        let whole = self
            .message_len(record)?
            .filter(|total| *total <= record.len());
        let (Some(total), Some(&typ)) = (whole, record.first()) else {
            // Only the start of a message: it waits in the buffer.
            self.buf.extend_from_slice(record);
            *record = &[];
            self.record_rest = 0;
            return Ok(None);
        };
        let (message, rest) = record.split_at(total);
        *record = rest;
        self.record_rest = rest.len();
        Ok(Some((
            HandshakeType::from_wire(typ),
            Cow::Borrowed(message),
        )))
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

    /// Every message of `records`, read in place with `push_record`/`pop_from`, with
    /// whether each was lent from its record.
    fn read_in_place(j: &mut HandshakeJoiner, records: &[&[u8]]) -> Vec<(Vec<u8>, bool)> {
        let mut got = Vec::new();
        for record in records {
            let mut rest = j.push_record(record).unwrap();
            while let Some((_, m)) = j.pop_from(&mut rest).unwrap() {
                got.push((m.to_vec(), matches!(m, Cow::Borrowed(_))));
            }
        }
        got
    }

    #[test]
    fn whole_messages_are_lent_from_their_record() {
        let (a, b) = (message(2, &[1; 40]), message(8, &[]));
        let mut record = a.clone();
        record.extend(&b);
        let mut j = HandshakeJoiner::new();
        let mut rest = j.push_record(&record).unwrap();
        let (typ, first) = j.pop_from(&mut rest).unwrap().unwrap();
        assert_eq!((typ, &first[..]), (HandshakeType::ServerHello, &a[..]));
        // The rest of the record is pending: no key change may happen here.
        assert!(!j.is_empty());
        let (_, second) = j.pop_from(&mut rest).unwrap().unwrap();
        assert!(matches!(second, Cow::Borrowed(m) if m == &b[..]));
        assert!(j.is_empty());
        assert_eq!(j.pop_from(&mut rest), Ok(None));
    }

    #[test]
    fn split_messages_are_joined_in_place_too() {
        let (a, b) = (message(2, &[5; 40]), message(24, &[0]));
        let mut all = a.clone();
        all.extend(&b);
        for cut in 1..all.len() {
            let mut j = HandshakeJoiner::new();
            let got = read_in_place(&mut j, &[&all[..cut], &all[cut..]]);
            let messages: Vec<&[u8]> = got.iter().map(|(m, _)| &m[..]).collect();
            assert_eq!(messages, [&a[..], &b[..]], "cut at {cut}");
            // A message cut in two is copied, and so is what follows it in the
            // record that completes it; the rest is lent.
            let copied = got.iter().filter(|(_, lent)| !lent).count();
            let expected = match cut.cmp(&a.len()) {
                std::cmp::Ordering::Less => 2,
                std::cmp::Ordering::Equal => 0,
                std::cmp::Ordering::Greater => 1,
            };
            assert_eq!(copied, expected, "cut at {cut}");
            assert!(j.is_empty());
        }
    }

    #[test]
    fn in_place_reading_checks_as_push_does() {
        let mut j = HandshakeJoiner::new();
        assert_eq!(
            j.push_record(&[]),
            Err(Error::decode("empty handshake record"))
        );
        let mut j = HandshakeJoiner::with_max_message_len(10);
        let mut record = message(1, &[0; 10]);
        record.extend([1, 0, 0, 11]);
        assert_eq!(
            j.push_record(&record),
            Err(Error::decode("handshake message too large"))
        );
        // A message begun in an earlier record: the next record joins the buffer.
        let mut j = HandshakeJoiner::new();
        let msg = message(11, &[3; 100]);
        let got = read_in_place(&mut j, &[&msg[..2], &msg[2..50], &msg[50..]]);
        assert_eq!(got, vec![(msg, false)]);
        assert!(j.is_empty());
    }
}
