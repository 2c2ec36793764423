//! Cutting a byte stream into records.

use super::{OpaqueRecord, HEADER_LEN, MAX_CIPHERTEXT_TLS13};
use crate::enums::ContentType;
use crate::error::Error;
use std::collections::VecDeque;

/// How far [`RecordDeframer::read_from`] reads past the end of the record it is filling,
/// so that one read call usually also brings the next record's header (the overshoot
/// is copied into the next record; at most this many bytes).
const READ_AHEAD: usize = 2048;

/// Cuts the incoming byte stream into [`OpaqueRecord`]s.
///
/// Bytes may arrive split or coalesced at any boundary. The header of each record is
/// checked as soon as enough of it has arrived:
///
/// - the content type must be change_cipher_spec, alert, handshake or application_data,
///   otherwise [`Error::UnexpectedContentType`] (heartbeat is refused too);
/// - if the very first record starts with a byte with the high bit set, it looks like an
///   SSLv2 ClientHello and is refused with [`Error::Decode`];
/// - the major version byte must be 3, otherwise [`Error::Decode`];
/// - the length must not exceed [`RecordDeframer::max_record_len`] (by default
///   [`MAX_CIPHERTEXT_TLS13`]), otherwise [`Error::RecordOverflow`].
///
/// Records are assembled where they will be decrypted: once a header is complete, the
/// payload bytes go straight into that record's own buffer (copied once from the
/// caller's slice by [`RecordDeframer::push`], or read into it by
/// [`RecordDeframer::read_from`]), and [`RecordDeframer::pop`] hands the buffer out
/// without copying. Give buffers back with [`RecordDeframer::recycle`] once read, and
/// a later record reuses one instead of allocating.
///
/// The deframer never holds more than one maximum-size record plus its header
/// (complete records not yet popped included): [`RecordDeframer::push`] takes only what
/// fits, and the caller pops records to make room. Whenever the buffer is full,
/// [`RecordDeframer::pop`] yields a record or an error, so a caller that alternates
/// push and pop always makes progress.
///
/// Errors are fatal for the connection: bytes after a bad header are taken and
/// discarded (so that a caller feeding the rest never stalls), and once `pop` fails
/// (after the records before the bad header) it keeps failing.
#[derive(Debug)]
pub struct RecordDeframer {
    /// The header of the next record, as far as it has arrived.
    header: [u8; HEADER_LEN],
    /// How many bytes of `header` have arrived.
    header_len: usize,
    /// The record whose payload is arriving.
    partial: Option<Partial>,
    /// Complete records, not yet popped.
    ready: Option<OpaqueRecord>,
    /// Further complete records, when several arrived at once (a handshake flight).
    /// Freed once empty, so that an idle connection holds no queue.
    more: VecDeque<OpaqueRecord>,
    /// Bytes held, headers included: ready records, the partial record and header.
    held: usize,
    /// Largest accepted record payload length.
    max_record_len: usize,
    /// Whether a record header was complete already (the SSLv2 guard only applies before).
    seen_record: bool,
    /// The error for a bad header; returned by `pop` once the records before it are out.
    error: Option<Error>,
    /// A buffer handed back by [`RecordDeframer::recycle`], for the next payload.
    spare: Vec<u8>,
}

/// A record whose header is complete and whose payload is arriving.
#[derive(Debug)]
struct Partial {
    typ: ContentType,
    version: u16,
    /// The payload length from the header.
    len: usize,
    /// `len` bytes (or more, while `read_from` reads ahead); the first `filled` are
    /// received, the rest are stale bytes of a recycled buffer or zeros.
    payload: Vec<u8>,
    filled: usize,
}

impl Default for RecordDeframer {
    fn default() -> Self {
        Self::new()
    }
}

impl RecordDeframer {
    /// A deframer accepting records up to [`MAX_CIPHERTEXT_TLS13`] bytes of payload.
    pub fn new() -> Self {
        Self {
            header: [0; HEADER_LEN],
            header_len: 0,
            partial: None,
            ready: None,
            more: VecDeque::new(),
            held: 0,
            max_record_len: MAX_CIPHERTEXT_TLS13,
            seen_record: false,
            error: None,
            spare: Vec::new(),
        }
    }

    /// Sets the largest accepted record payload length. TLS 1.2 CBC records may use up to
    /// [`super::MAX_CIPHERTEXT_TLS12`]; values above 2^16 - 1 are clamped to it.
    pub fn set_max_record_len(&mut self, len: usize) {
        self.max_record_len = len.min(usize::from(u16::MAX));
    }

    /// The largest accepted record payload length.
    pub fn max_record_len(&self) -> usize {
        self.max_record_len
    }

    /// The most bytes the deframer will hold: one maximum-size record with its header.
    pub fn capacity(&self) -> usize {
        HEADER_LEN + self.max_record_len
    }

    /// Number of buffered bytes not yet returned as records.
    pub fn buffered_len(&self) -> usize {
        self.held
    }

    /// Whether no bytes are buffered.
    pub fn is_empty(&self) -> bool {
        self.held == 0
    }

    /// How many bytes [`RecordDeframer::push`] would accept right now.
    pub fn space(&self) -> usize {
        self.capacity().saturating_sub(self.held)
    }

    /// Takes as many bytes of `data` as fit and returns how many were taken. The
    /// caller keeps the rest and pushes it again after popping records. Payload bytes
    /// are copied once, into the buffer their record is decrypted in. After a bad
    /// header everything is taken and dropped: `pop` reports the error.
    pub fn push(&mut self, data: &[u8]) -> usize {
        let mut taken = 0;
        while let Some(rest) = data.get(taken..).filter(|r| !r.is_empty()) {
            if self.error.is_some() {
                return data.len();
            }
            let space = self.space();
            if space == 0 {
                break;
            }
            let n = match &mut self.partial {
                Some(p) => {
                    let n = (p.len - p.filled).min(rest.len()).min(space);
                    if let (Some(dst), Some(src)) =
                        (p.payload.get_mut(p.filled..p.filled + n), rest.get(..n))
                    {
                        dst.copy_from_slice(src);
                    }
                    p.filled += n;
                    n
                }
                None => {
                    let n = (HEADER_LEN - self.header_len).min(rest.len()).min(space);
                    if let (Some(dst), Some(src)) = (
                        self.header.get_mut(self.header_len..self.header_len + n),
                        rest.get(..n),
                    ) {
                        dst.copy_from_slice(src);
                    }
                    self.header_len += n;
                    n
                }
            };
            taken += n;
            self.held += n;
            self.advance();
        }
        taken
    }

    /// Reads once from `rd` and returns the number of bytes read; `Ok(0)` means end of
    /// stream. Payload bytes are read straight into their record's buffer (and a little
    /// beyond, to catch the next header in the same call). Fails with
    /// [`std::io::ErrorKind::Other`] if there is no free space (pop records first).
    pub fn read_from<R: std::io::Read + ?Sized>(&mut self, rd: &mut R) -> std::io::Result<usize> {
        let space = self.space();
        if space == 0 {
            return Err(std::io::Error::other(
                "record buffer full: pop records before reading",
            ));
        }
        let Some(p) = &mut self.partial else {
            // Between records: the header and the start of the payload go through a
            // small buffer on the stack. (After a bad header the bytes are dropped; the
            // error comes out of `pop`.)
            let mut stage = [0u8; READ_AHEAD];
            let want = space.min(READ_AHEAD);
            let got = rd.read(stage.get_mut(..want).unwrap_or_default())?;
            let got = got.min(want);
            self.push(stage.get(..got).unwrap_or_default());
            return Ok(got);
        };
        let remaining = p.len - p.filled;
        let want = remaining + space.saturating_sub(remaining).min(READ_AHEAD);
        let want = want.min(space);
        if p.payload.len() < p.filled + want {
            p.payload.resize(p.filled + want, 0);
        }
        let free = p
            .payload
            .get_mut(p.filled..p.filled + want)
            .unwrap_or_default();
        let got = rd.read(free)?.min(want);
        let own = got.min(remaining);
        let mut over = [0u8; READ_AHEAD];
        let extra = got - own;
        if let (Some(dst), Some(src)) = (
            over.get_mut(..extra),
            p.payload.get(p.filled + own..p.filled + got),
        ) {
            dst.copy_from_slice(src);
        }
        p.filled += own;
        self.held += own;
        self.advance();
        // Bytes read past the record's end start the next one.
        let pushed = self.push(over.get(..extra).unwrap_or_default());
        debug_assert_eq!(pushed, extra);
        Ok(got)
    }

    /// Lends the buffer the next bytes of the stream belong in, for the caller to read
    /// into directly (then [`RecordDeframer::commit`] how many arrived): the rest of the
    /// pending header, or the rest of the current record's payload in that record's own
    /// buffer. Never more than the record still needs, so every byte read there is
    /// where it will be decrypted and none is copied, at the price of one read for
    /// each header ([`RecordDeframer::read_from`] reads ahead instead and copies the
    /// overshoot). Empty when the deframer is full: pop records first.
    pub fn recv_buf(&mut self) -> &mut [u8] {
        let space = self.space();
        if space == 0 {
            return &mut [];
        }
        if self.error.is_some() {
            // Whatever arrives now is dropped by `commit`.
            return &mut self.header;
        }
        match &mut self.partial {
            Some(p) => {
                let n = (p.len - p.filled).min(space);
                p.payload
                    .get_mut(p.filled..p.filled + n)
                    .unwrap_or_default()
            }
            None => {
                let n = (HEADER_LEN - self.header_len).min(space);
                self.header
                    .get_mut(self.header_len..self.header_len + n)
                    .unwrap_or_default()
            }
        }
    }

    /// Takes `n` bytes the caller wrote at the front of [`RecordDeframer::recv_buf`]
    /// (clamped to its length) and returns how many were taken. Headers are checked,
    /// and records completed, exactly as [`RecordDeframer::push`] does.
    pub fn commit(&mut self, n: usize) -> usize {
        if self.error.is_some() {
            return n;
        }
        let space = self.space();
        let taken = match &mut self.partial {
            Some(p) => {
                let n = n.min(p.len - p.filled).min(space);
                p.filled += n;
                n
            }
            None => {
                let n = n.min(HEADER_LEN - self.header_len).min(space);
                self.header_len += n;
                n
            }
        };
        self.held += taken;
        self.advance();
        taken
    }

    /// Whether the buffered bytes end in an incomplete record. At end of stream this
    /// means the peer truncated the connection mid-record.
    pub fn has_partial(&self) -> bool {
        self.header_len > 0 || self.partial.is_some()
    }

    /// Returns the next complete record, `Ok(None)` if more bytes are needed, or the
    /// error for an invalid header.
    pub fn pop(&mut self) -> Result<Option<OpaqueRecord>, Error> {
        if let Some(record) = self.ready.take() {
            self.ready = self.more.pop_front();
            if self.more.is_empty() && self.more.capacity() > 0 {
                self.more = VecDeque::new();
            }
            self.held -= HEADER_LEN + record.payload.len();
            return Ok(Some(record));
        }
        match &self.error {
            Some(e) => Err(e.clone()),
            None => Ok(None),
        }
    }

    /// Takes back a payload buffer the caller is done with, to hold a later record's
    /// payload. Keeps one: the larger, as long as it is no larger than a maximum
    /// record (and read-ahead). The contents are not read again, only overwritten.
    pub fn recycle(&mut self, buf: Vec<u8>) {
        if buf.capacity() > self.spare.capacity()
            && buf.capacity() <= self.max_record_len + READ_AHEAD
        {
            self.spare = buf;
        }
    }

    /// Moves on after bytes arrived: checks a header as far as it has come and starts
    /// its record once complete; queues a record once its payload is complete.
    fn advance(&mut self) {
        if self.partial.is_none() && self.header_len > 0 {
            match self.check_header() {
                Err(e) => self.error = Some(e),
                Ok(None) => {}
                Ok(Some((typ, version, len))) => {
                    self.header_len = 0;
                    self.seen_record = true;
                    // A recycled buffer keeps its length, so only growth is zeroed.
                    let mut payload = std::mem::take(&mut self.spare);
                    payload.truncate(len);
                    payload.resize(len, 0);
                    self.partial = Some(Partial {
                        typ,
                        version,
                        len,
                        payload,
                        filled: 0,
                    });
                }
            }
        }
        if let Some(p) = self.partial.take_if(|p| p.filled == p.len) {
            let mut payload = p.payload;
            payload.truncate(p.len);
            let record = OpaqueRecord {
                typ: p.typ,
                version: p.version,
                payload,
            };
            if self.ready.is_none() {
                self.ready = Some(record);
            } else {
                self.more.push_back(record);
            }
        }
    }

    /// Checks as much of the pending header as has arrived. Returns the header fields
    /// once all five bytes are there.
    fn check_header(&self) -> Result<Option<(ContentType, u16, usize)>, Error> {
        let avail = self.header.get(..self.header_len).unwrap_or_default();
        let Some(&first) = avail.first() else {
            return Ok(None);
        };
        if !self.seen_record && first & 0x80 != 0 {
            return Err(Error::decode("SSLv2-style record"));
        }
        let typ = ContentType::from_wire(first);
        if !matches!(
            typ,
            ContentType::ChangeCipherSpec
                | ContentType::Alert
                | ContentType::Handshake
                | ContentType::ApplicationData
        ) {
            return Err(Error::UnexpectedContentType(typ));
        }
        if let Some(&major) = avail.get(1) {
            if major != 0x03 {
                return Err(Error::decode("record version"));
            }
        }
        let [_, v0, v1, l0, l1] = *avail else {
            return Ok(None);
        };
        let len = usize::from(u16::from_be_bytes([l0, l1]));
        if len > self.max_record_len {
            return Err(Error::RecordOverflow {
                len,
                limit: self.max_record_len,
            });
        }
        Ok(Some((typ, u16::from_be_bytes([v0, v1]), len)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::MAX_CIPHERTEXT_TLS12;

    fn record(typ: u8, version: u16, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![typ];
        out.extend_from_slice(&version.to_be_bytes());
        out.extend_from_slice(&u16::try_from(payload.len()).unwrap().to_be_bytes());
        out.extend_from_slice(payload);
        out
    }

    /// Three records of different types and sizes, plus what the deframer should yield.
    fn three_records() -> (Vec<u8>, Vec<OpaqueRecord>) {
        let payloads: [(u8, u16, Vec<u8>); 3] = [
            (22, 0x0301, (0..10u8).collect()),
            (20, 0x0303, vec![1]),
            (23, 0x0303, (0..300u16).map(|i| (i % 251) as u8).collect()),
        ];
        let mut wire = Vec::new();
        let mut expect = Vec::new();
        for (typ, version, payload) in payloads {
            wire.extend(record(typ, version, &payload));
            expect.push(OpaqueRecord {
                typ: ContentType::from_wire(typ),
                version,
                payload,
            });
        }
        (wire, expect)
    }

    fn pop_all(d: &mut RecordDeframer, into: &mut Vec<OpaqueRecord>) {
        while let Some(r) = d.pop().unwrap() {
            into.push(r);
        }
    }

    #[test]
    fn every_split_point() {
        let (wire, expect) = three_records();
        let boundaries = [0, 15, 21, wire.len()];
        for i in 0..=wire.len() {
            let mut d = RecordDeframer::new();
            let mut got = Vec::new();
            let (a, b) = wire.split_at(i);
            assert_eq!(d.push(a), a.len());
            pop_all(&mut d, &mut got);
            assert_eq!(d.has_partial(), !boundaries.contains(&i), "split at {i}");
            assert_eq!(d.push(b), b.len());
            pop_all(&mut d, &mut got);
            assert_eq!(got, expect, "split at {i}");
            assert!(!d.has_partial());
            assert!(d.is_empty());
        }
    }

    #[test]
    fn every_pair_of_split_points() {
        let (wire, expect) = three_records();
        for i in 0..=wire.len() {
            for j in i..=wire.len() {
                let mut d = RecordDeframer::new();
                let mut got = Vec::new();
                for part in [&wire[..i], &wire[i..j], &wire[j..]] {
                    assert_eq!(d.push(part), part.len());
                    pop_all(&mut d, &mut got);
                }
                assert_eq!(got, expect, "split at {i}, {j}");
            }
        }
    }

    #[test]
    fn one_byte_at_a_time() {
        let (wire, expect) = three_records();
        let mut d = RecordDeframer::new();
        let mut got = Vec::new();
        for b in &wire {
            assert_eq!(d.push(std::slice::from_ref(b)), 1);
            pop_all(&mut d, &mut got);
        }
        assert_eq!(got, expect);
    }

    #[test]
    fn coalesced() {
        let (wire, expect) = three_records();
        let mut d = RecordDeframer::new();
        assert_eq!(d.push(&wire), wire.len());
        assert!(!d.has_partial());
        let mut got = Vec::new();
        pop_all(&mut d, &mut got);
        assert_eq!(got, expect);
        assert_eq!(d.pop(), Ok(None));
    }

    #[test]
    fn truncation_is_visible() {
        let (wire, _) = three_records();
        let mut d = RecordDeframer::new();
        d.push(&wire[..wire.len() - 1]);
        let mut got = Vec::new();
        pop_all(&mut d, &mut got);
        assert_eq!(got.len(), 2);
        assert!(d.has_partial());
        assert!(!d.is_empty());
    }

    #[test]
    fn recycled_buffers_carry_later_records() {
        let (wire, expect) = three_records();
        let mut d = RecordDeframer::new();
        d.push(&wire[..15]);
        let first = d.pop().unwrap().unwrap();
        assert_eq!(first, expect[0]);
        let mut big = Vec::with_capacity(4000);
        big.extend_from_slice(&[0xee; 3000]);
        let at = big.as_ptr();
        d.recycle(first.payload);
        d.recycle(big);
        // The larger buffer is kept, and the next payload is assembled in it, with
        // nothing of its old contents left.
        d.push(&wire[15..21]);
        let second = d.pop().unwrap().unwrap();
        assert_eq!(second, expect[1]);
        assert_eq!(second.payload.as_ptr(), at);
        // Nothing larger than a maximum record (and read-ahead) is kept.
        d.recycle(Vec::with_capacity(MAX_CIPHERTEXT_TLS13 + READ_AHEAD + 1));
        d.push(&wire[21..]);
        let third = d.pop().unwrap().unwrap();
        assert_eq!(third, expect[2]);
        assert!(third.payload.capacity() < 4000);
    }

    #[test]
    fn bytes_after_a_bad_header_are_dropped() {
        let mut wire = record(22, 0x0303, &[1, 2]);
        wire.extend([0x19, 3, 3, 0, 1, 9]);
        wire.extend(record(22, 0x0303, &[3]));
        let mut d = RecordDeframer::new();
        assert_eq!(d.push(&wire), wire.len());
        assert_eq!(d.push(&[1, 2, 3]), 3, "a caller feeding more never stalls");
        assert_eq!(d.buffered_len(), 12, "the good record and the bad header");
        assert_eq!(d.pop().unwrap().unwrap().payload, vec![1, 2]);
        let bad = Err(Error::UnexpectedContentType(ContentType::Unknown(0x19)));
        assert_eq!(d.pop(), bad);
        assert_eq!(d.pop(), bad);
    }

    #[test]
    fn read_from_reads_payload_in_place_and_ahead() {
        // Records of 20 000 bytes in total, read by a reader that returns at most
        // 3000 bytes per call, so reads end mid-header and mid-payload.
        struct Chunky(std::io::Cursor<Vec<u8>>);
        impl std::io::Read for Chunky {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = buf.len().min(3000);
                self.0.read(&mut buf[..n])
            }
        }
        let mut wire = Vec::new();
        let mut expect = Vec::new();
        for (i, len) in [16000usize, 1, 0, 3, 2500, 1200].into_iter().enumerate() {
            let payload: Vec<u8> = (0..len).map(|j| (i * 7 + j) as u8).collect();
            wire.extend(record(23, 0x0303, &payload));
            expect.push(payload);
        }
        let mut rd = Chunky(std::io::Cursor::new(wire));
        let mut d = RecordDeframer::new();
        let mut got = Vec::new();
        loop {
            let n = d.read_from(&mut rd).unwrap();
            assert!(d.buffered_len() <= d.capacity());
            while let Some(r) = d.pop().unwrap() {
                got.push(r.payload.clone());
                d.recycle(r.payload);
            }
            if n == 0 {
                break;
            }
        }
        assert_eq!(got, expect);
        assert!(d.is_empty());
        assert!(!d.has_partial());
    }

    #[test]
    fn lent_buffers_frame_like_push() {
        // Every record arrives through `recv_buf`/`commit` in reads of at most
        // `step` bytes; the records and the payload buffers are the deframer's own.
        let (wire, expect) = three_records();
        for step in [1usize, 2, 4, 5, 7, 300, 10_000] {
            let mut d = RecordDeframer::new();
            let mut got = Vec::new();
            let mut rest = &wire[..];
            while !rest.is_empty() {
                let buf = d.recv_buf();
                assert!(!buf.is_empty());
                let n = buf.len().min(step).min(rest.len());
                buf[..n].copy_from_slice(&rest[..n]);
                assert_eq!(d.commit(n), n);
                rest = &rest[n..];
                pop_all(&mut d, &mut got);
            }
            assert_eq!(got, expect, "step {step}");
            assert!(!d.has_partial());
        }

        // Lent buffers never reach past the record, and the payload lands in place.
        let mut d = RecordDeframer::new();
        assert_eq!(d.recv_buf().len(), HEADER_LEN);
        d.recv_buf().copy_from_slice(&[23, 3, 3, 0, 3]);
        assert_eq!(d.commit(5), 5);
        assert_eq!(d.recv_buf().len(), 3);
        d.recv_buf().copy_from_slice(&[7, 8, 9]);
        assert_eq!(d.commit(10), 3, "clamped to what was lent");
        assert_eq!(d.pop().unwrap().unwrap().payload, vec![7, 8, 9]);

        // A full deframer lends nothing; a bad header is reported by `pop`.
        let mut d = RecordDeframer::new();
        d.push(&record(23, 0x0303, &vec![0; MAX_CIPHERTEXT_TLS13]));
        assert!(d.recv_buf().is_empty());
        assert_eq!(d.commit(1), 0);
        let mut d = RecordDeframer::new();
        d.recv_buf()[0] = 0x19;
        d.commit(1);
        assert_eq!(d.commit(3), 3, "dropped after the error");
        assert_eq!(
            d.pop(),
            Err(Error::UnexpectedContentType(ContentType::Unknown(0x19)))
        );
    }

    #[test]
    fn empty_payload_record_is_framed() {
        let mut d = RecordDeframer::new();
        d.push(&record(23, 0x0303, &[]));
        let r = d.pop().unwrap().unwrap();
        assert_eq!(r.payload, Vec::<u8>::new());
        assert!(d.is_empty());
    }

    #[test]
    fn overflow() {
        let mut d = RecordDeframer::new();
        d.push(&[22, 3, 3, 0x41, 0x01]); // 16641
        assert_eq!(
            d.pop(),
            Err(Error::RecordOverflow {
                len: 16641,
                limit: 16640
            })
        );
        // Sticky: the same error again.
        assert_eq!(
            d.pop(),
            Err(Error::RecordOverflow {
                len: 16641,
                limit: 16640
            })
        );

        // Exactly the limit is accepted, and fits the buffer in one push.
        let mut d = RecordDeframer::new();
        let max = record(23, 0x0303, &vec![7; MAX_CIPHERTEXT_TLS13]);
        assert_eq!(d.push(&max), max.len());
        assert_eq!(d.space(), 0);
        assert_eq!(d.push(&[23]), 0);
        assert_eq!(
            d.pop().unwrap().unwrap().payload.len(),
            MAX_CIPHERTEXT_TLS13
        );

        // A larger limit for TLS 1.2.
        let mut d = RecordDeframer::new();
        d.set_max_record_len(MAX_CIPHERTEXT_TLS12);
        d.push(&[23, 3, 3, 0x41, 0x01]);
        assert_eq!(d.pop(), Ok(None));
    }

    #[test]
    fn bad_content_type() {
        let mut d = RecordDeframer::new();
        // Detected from the first byte alone.
        d.push(&[0x19]);
        assert_eq!(
            d.pop(),
            Err(Error::UnexpectedContentType(ContentType::Unknown(0x19)))
        );

        let mut d = RecordDeframer::new();
        d.push(&record(24, 0x0303, &[1, 2, 3]));
        assert_eq!(
            d.pop(),
            Err(Error::UnexpectedContentType(ContentType::Heartbeat))
        );

        // An HTTP request sent to a TLS port.
        let mut d = RecordDeframer::new();
        d.push(b"GET / HTTP/1.1\r\n");
        assert_eq!(
            d.pop(),
            Err(Error::UnexpectedContentType(ContentType::Unknown(b'G')))
        );

        // A bad type after good records.
        let mut d = RecordDeframer::new();
        let mut wire = record(22, 0x0303, &[1]);
        wire.extend(record(0x80, 0x0303, &[1]));
        d.push(&wire);
        assert!(d.pop().unwrap().is_some());
        assert_eq!(
            d.pop(),
            Err(Error::UnexpectedContentType(ContentType::Unknown(0x80)))
        );
    }

    #[test]
    fn bad_version() {
        let mut d = RecordDeframer::new();
        d.push(&[22, 0x02]);
        assert_eq!(d.pop(), Err(Error::decode("record version")));

        let mut d = RecordDeframer::new();
        d.push(&record(22, 0x0403, &[1]));
        assert_eq!(d.pop(), Err(Error::decode("record version")));

        // Any minor version is framed; the version is reported as sent.
        let mut d = RecordDeframer::new();
        d.push(&record(22, 0x0300, &[1]));
        assert_eq!(d.pop().unwrap().unwrap().version, 0x0300);
    }

    #[test]
    fn sslv2_hello_refused() {
        // Start of an SSLv2-compatible ClientHello: 2-byte length with the high bit, type 1.
        let mut d = RecordDeframer::new();
        d.push(&[0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15]);
        assert_eq!(d.pop(), Err(Error::decode("SSLv2-style record")));
        assert_eq!(Error::decode("SSLv2-style record").alert().to_wire(), 50);
    }

    #[test]
    fn buffer_stays_bounded() {
        let mut wire = Vec::new();
        let mut count = 0;
        while wire.len() < 100_000 {
            wire.extend(record(23, 0x0303, &[count as u8; 1000]));
            count += 1;
        }
        let mut d = RecordDeframer::new();
        let mut rest = &wire[..];
        let mut got = 0;
        while !rest.is_empty() {
            let n = d.push(rest);
            assert!(d.buffered_len() <= d.capacity());
            rest = &rest[n..];
            while let Some(r) = d.pop().unwrap() {
                assert_eq!(r.payload, vec![got as u8; 1000]);
                got += 1;
            }
        }
        assert_eq!(got, count);
        assert!(d.is_empty());
    }

    #[test]
    fn read_from_reader() {
        let (wire, expect) = three_records();
        let mut reader = std::io::Cursor::new(wire.clone());
        let mut d = RecordDeframer::new();
        let mut got = Vec::new();
        loop {
            let n = d.read_from(&mut reader).unwrap();
            pop_all(&mut d, &mut got);
            if n == 0 {
                break;
            }
        }
        assert_eq!(got, expect);
        assert!(!d.has_partial());

        // A full buffer refuses to read rather than report a false end of stream.
        let mut d = RecordDeframer::new();
        d.push(&record(23, 0x0303, &vec![0; MAX_CIPHERTEXT_TLS13]));
        let mut reader = std::io::Cursor::new(wire);
        assert!(d.read_from(&mut reader).is_err());
        assert_eq!(reader.position(), 0);
    }
}
