//! Record protection: the encrypter/decrypter traits and their implementations.
//!
//! One direction of one connection holds one [`RecordEncrypter`] (writing) or one
//! [`RecordDecrypter`] (reading) at a time; the handshake replaces them when keys change.
//! Each owns its sequence number, which starts at zero with every new key (RFC 8446 §5.3).

use super::{
    encode_header, OpaqueRecord, PlainRecord, HEADER_LEN, LEGACY_RECORD_VERSION,
    MAX_CIPHERTEXT_TLS13, MAX_INNER_PLAINTEXT_TLS13, MAX_PLAINTEXT,
};
use crate::crypto::AeadKey;
use crate::enums::ContentType;
use crate::error::Error;
use core::fmt;
use core::num::NonZeroUsize;
use zeroize::Zeroize;

/// Protects outgoing records.
pub trait RecordEncrypter: Send + Sync {
    /// Protects one fragment of type `typ` (at most [`MAX_PLAINTEXT`] bytes, see
    /// [`super::Fragmenter`]) and appends the whole record, header included, to `out`.
    /// A fragment that is too large is [`Error::Internal`]: the caller's bug.
    fn encrypt(
        &mut self,
        typ: ContentType,
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error>;

    /// As [`RecordEncrypter::encrypt`], but writes the record to the front of `out`
    /// and returns its length. `out` must have room for `plaintext.len() +`
    /// [`RecordEncrypter::overhead`] bytes, otherwise this is [`Error::Internal`] and
    /// nothing is sealed (the sequence number does not move). On any failure the bytes
    /// written so far are wiped.
    ///
    /// AEAD encrypters override it to seal from `plaintext` where it is straight into
    /// `out` ([`crate::crypto::AeadKey::seal_into`]): the record costs no copy of its
    /// data. The default seals into a temporary buffer and copies.
    fn encrypt_into(
        &mut self,
        typ: ContentType,
        plaintext: &[u8],
        out: &mut [u8],
    ) -> Result<usize, Error> {
        if out.len() < plaintext.len() + self.overhead() {
            return Err(Error::Internal("output too small for a record"));
        }
        let mut record = Vec::with_capacity(plaintext.len() + self.overhead());
        self.encrypt(typ, plaintext, &mut record)?;
        let n = record.len();
        let copied = out.get_mut(..n).map(|dst| dst.copy_from_slice(&record));
        record.zeroize();
        copied.ok_or(Error::Internal(
            "record larger than the encrypter's overhead",
        ))?;
        Ok(n)
    }

    /// The most bytes a record adds to its fragment (header, tag, padding, ...), for
    /// sizing output buffers.
    fn overhead(&self) -> usize;

    /// The sequence number of the next record, which is the number of records protected
    /// under this key so far (saturating at 2^64 - 1 once all are used).
    fn sequence(&self) -> u64;
}

/// Removes protection from incoming records.
pub trait RecordDecrypter: Send + Sync {
    /// Checks and decrypts one record. A record that fails authentication is
    /// [`Error::BadRecordMac`]; the sequence number only advances on success.
    fn decrypt(&mut self, rec: OpaqueRecord) -> Result<PlainRecord, Error>;

    /// As [`RecordDecrypter::decrypt`], but the plaintext stays where it was decrypted,
    /// in the record's own buffer, which may begin with bytes that are not plaintext (a
    /// TLS 1.2 explicit nonce or IV): nothing is moved. The connection reads records
    /// this way. The default calls `decrypt`.
    fn decrypt_in_place(&mut self, rec: OpaqueRecord) -> Result<OpenedRecord, Error> {
        let plain = self.decrypt(rec)?;
        Ok(OpenedRecord {
            typ: plain.typ,
            buf: plain.payload,
            start: 0,
        })
    }

    /// The sequence number of the next record, which is the number of records accepted
    /// under this key so far (saturating at 2^64 - 1 once all are used).
    fn sequence(&self) -> u64;
}

/// A record opened in place by [`RecordDecrypter::decrypt_in_place`]: its content type
/// and its buffer, whose bytes from `start` on are the plaintext.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenedRecord {
    /// The content type (for TLS 1.3, the inner content type).
    pub typ: ContentType,
    /// The record's buffer; the plaintext is `buf[start..]`.
    pub buf: Vec<u8>,
    /// Where the plaintext starts in `buf`.
    pub start: usize,
}

impl OpenedRecord {
    /// The plaintext.
    pub fn plaintext(&self) -> &[u8] {
        self.buf.get(self.start..).unwrap_or_default()
    }

    /// Moves the plaintext to the front of the buffer and makes a [`PlainRecord`].
    pub fn into_plain(self) -> PlainRecord {
        let mut payload = self.buf;
        payload.drain(..self.start.min(payload.len()));
        PlainRecord {
            typ: self.typ,
            payload,
        }
    }
}

/// The null protection in force before the first key change: records pass as they are.
#[derive(Clone, Debug)]
pub struct PlaintextEncrypter {
    version: u16,
    seq: u64,
}

impl Default for PlaintextEncrypter {
    fn default() -> Self {
        Self::new()
    }
}

impl PlaintextEncrypter {
    /// Writes records with legacy version 0x0303.
    pub const fn new() -> Self {
        Self::with_version(LEGACY_RECORD_VERSION)
    }

    /// Writes records with the given legacy version; for example 0x0301 on the record of
    /// an initial ClientHello, as RFC 8446 §5.1 permits for compatibility.
    pub const fn with_version(version: u16) -> Self {
        Self { version, seq: 0 }
    }
}

impl RecordEncrypter for PlaintextEncrypter {
    fn encrypt(
        &mut self,
        typ: ContentType,
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        if plaintext.len() > MAX_PLAINTEXT {
            return Err(Error::Internal("record fragment larger than 2^14"));
        }
        let header = encode_header(typ, self.version, plaintext.len())?;
        out.reserve(HEADER_LEN + plaintext.len());
        out.extend_from_slice(&header);
        out.extend_from_slice(plaintext);
        self.seq = self.seq.saturating_add(1);
        Ok(())
    }

    fn overhead(&self) -> usize {
        HEADER_LEN
    }

    fn sequence(&self) -> u64 {
        self.seq
    }
}

/// The null protection for incoming records: checks the plaintext size limit (2^14,
/// RFC 8446 §5.1) and passes the record through.
#[derive(Clone, Debug, Default)]
pub struct PlaintextDecrypter {
    seq: u64,
}

impl PlaintextDecrypter {
    /// A new null decrypter.
    pub const fn new() -> Self {
        Self { seq: 0 }
    }
}

impl RecordDecrypter for PlaintextDecrypter {
    fn decrypt(&mut self, rec: OpaqueRecord) -> Result<PlainRecord, Error> {
        if rec.payload.len() > MAX_PLAINTEXT {
            return Err(Error::RecordOverflow {
                len: rec.payload.len(),
                limit: MAX_PLAINTEXT,
            });
        }
        self.seq = self.seq.saturating_add(1);
        Ok(PlainRecord {
            typ: rec.typ,
            payload: rec.payload,
        })
    }

    fn sequence(&self) -> u64 {
        self.seq
    }
}

/// How TLS 1.3 records are padded (RFC 8446 §5.4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Padding {
    /// No padding (the default).
    #[default]
    None,
    /// Zero-pad the inner plaintext (content, type byte and padding) up to a multiple of
    /// this many bytes, but never beyond the record size limit. Hides lengths to that
    /// granularity at the cost of bandwidth.
    ToMultipleOf(NonZeroUsize),
}

impl Padding {
    /// The padded inner plaintext length for an unpadded one of `len` bytes, at most `max`.
    fn padded_len(self, len: usize, max: usize) -> usize {
        match self {
            Self::None => len,
            Self::ToMultipleOf(m) => len.div_ceil(m.get()).saturating_mul(m.get()).min(max),
        }
    }

    /// The most padding bytes this policy adds.
    fn max_added(self) -> usize {
        match self {
            Self::None => 0,
            Self::ToMultipleOf(m) => m.get() - 1,
        }
    }
}

/// The AEAD tag length of every TLS 1.3 cipher suite we support.
const TAG_LEN: usize = crate::crypto::AEAD_TAG_LEN;

/// The longest TLS 1.3 trailer (content type and padding) `encrypt_into` keeps on the
/// stack; a padding policy asking for more gets a heap buffer.
const SMALL_TRAILER: usize = 256;

/// Computes the per-record nonce: the IV XORed with the sequence number, left-padded to
/// the IV length (RFC 8446 §5.3).
fn nonce_for(iv: &[u8; 12], seq: u64) -> [u8; 12] {
    let mut nonce = *iv;
    for (n, s) in nonce.iter_mut().skip(4).zip(seq.to_be_bytes()) {
        *n ^= s;
    }
    nonce
}

/// Wipes and removes what a failed seal left in `out` after `base`, so that nothing is
/// written on failure and no plaintext lingers in the spare capacity.
pub(super) fn discard_from(out: &mut Vec<u8>, base: usize) {
    if let Some(tail) = out.get_mut(base..) {
        tail.zeroize();
    }
    out.truncate(base);
}

/// Clamps a TLS 1.3 record_size_limit to the inner plaintext range it may govern.
fn inner_limit(limit: u16) -> usize {
    usize::from(limit).clamp(1, MAX_INNER_PLAINTEXT_TLS13)
}

/// TLS 1.3 record protection for writing (RFC 8446 §5.2–5.4).
///
/// Each record is `opaque_type = application_data`, `legacy_record_version = 0x0303`,
/// and an AEAD-sealed `TLSInnerPlaintext` (content, real content type, zero padding),
/// with the 5-byte header as additional data.
pub struct Tls13Encrypter {
    key: Box<dyn AeadKey>,
    iv: [u8; 12],
    /// The next sequence number; `None` once all 2^64 have been used.
    seq: Option<u64>,
    padding: Padding,
    /// Largest inner plaintext (content + type + padding) we may send.
    max_inner: usize,
}

impl Tls13Encrypter {
    /// An encrypter for a traffic key and IV as derived by the key schedule.
    pub fn new(key: Box<dyn AeadKey>, iv: [u8; 12]) -> Self {
        Self {
            key,
            iv,
            seq: Some(0),
            padding: Padding::None,
            max_inner: MAX_INNER_PLAINTEXT_TLS13,
        }
    }

    /// Sets the padding policy.
    pub fn set_padding(&mut self, padding: Padding) {
        self.padding = padding;
    }

    /// Applies the peer's record_size_limit (RFC 8449): in TLS 1.3 it bounds the whole
    /// inner plaintext, type byte and padding included. Clamped to 1..=2^14+1.
    pub fn set_record_size_limit(&mut self, limit: u16) {
        self.max_inner = inner_limit(limit);
    }

    #[cfg(test)]
    fn set_sequence(&mut self, seq: u64) {
        self.seq = Some(seq);
    }
}

impl fmt::Debug for Tls13Encrypter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tls13Encrypter")
            .field("seq", &self.seq)
            .field("padding", &self.padding)
            .field("max_inner", &self.max_inner)
            .finish_non_exhaustive()
    }
}

impl Drop for Tls13Encrypter {
    fn drop(&mut self) {
        self.iv.zeroize();
    }
}

/// What sealing one record takes, decided before any byte is written.
struct Sealing {
    seq: u64,
    /// Inner plaintext: content, type byte, padding.
    inner_len: usize,
    /// Inner plaintext plus tag: the record's length field.
    sealed_len: usize,
    header: [u8; HEADER_LEN],
}

impl Tls13Encrypter {
    /// Checks a fragment of `len` bytes against the limits and plans its record; both
    /// seal paths ([`RecordEncrypter::encrypt`], [`RecordEncrypter::encrypt_into`])
    /// start here.
    fn plan(&self, len: usize) -> Result<Sealing, Error> {
        let unpadded = len + 1;
        if unpadded > self.max_inner {
            return Err(Error::Internal(
                "record fragment larger than the record size limit",
            ));
        }
        let seq = self
            .seq
            .ok_or(Error::Internal("write sequence number exhausted"))?;
        let inner_len = self.padding.padded_len(unpadded, self.max_inner);
        let sealed_len = inner_len + TAG_LEN;
        let header = encode_header(
            ContentType::ApplicationData,
            LEGACY_RECORD_VERSION,
            sealed_len,
        )?;
        Ok(Sealing {
            seq,
            inner_len,
            sealed_len,
            header,
        })
    }
}

impl RecordEncrypter for Tls13Encrypter {
    fn encrypt(
        &mut self,
        typ: ContentType,
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let Sealing {
            seq,
            inner_len,
            sealed_len,
            header,
        } = self.plan(plaintext.len())?;

        // Sealed where it goes: header, then the inner plaintext, encrypted in place,
        // then the tag. One copy of the plaintext, none of the ciphertext.
        let base = out.len();
        out.reserve(HEADER_LEN + sealed_len);
        out.extend_from_slice(&header);
        let start = out.len();
        out.extend_from_slice(plaintext);
        out.push(typ.to_wire());
        out.resize(start + inner_len, 0);
        let sealed =
            self.key
                .seal_in_place_append_tag(&nonce_for(&self.iv, seq), &header, out, start);
        let sealed = match sealed {
            Ok(()) if out.len() == start + sealed_len => Ok(()),
            Ok(()) => Err(Error::Internal("AEAD tag is not 16 bytes")),
            Err(e) => Err(e),
        };
        if let Err(e) = sealed {
            discard_from(out, base);
            return Err(e);
        }
        self.seq = seq.checked_add(1);
        Ok(())
    }

    /// Sealed from `plaintext` where it is: the content type and padding are the
    /// AEAD's trailer, so no byte of the data is copied before it is encrypted.
    fn encrypt_into(
        &mut self,
        typ: ContentType,
        plaintext: &[u8],
        out: &mut [u8],
    ) -> Result<usize, Error> {
        let Sealing {
            seq,
            inner_len,
            sealed_len,
            header,
        } = self.plan(plaintext.len())?;
        let record = out
            .get_mut(..HEADER_LEN + sealed_len)
            .ok_or(Error::Internal("output too small for a record"))?;
        // The trailer: the content type, then the padding zeros (on the stack unless a
        // padding policy asks for more than fits).
        let trailer_len = inner_len - plaintext.len();
        let mut small = [0u8; SMALL_TRAILER];
        let mut large = Vec::new();
        let trailer = match small.get_mut(..trailer_len) {
            Some(t) => t,
            None => {
                large.resize(trailer_len, 0);
                &mut large[..]
            }
        };
        if let Some(first) = trailer.first_mut() {
            *first = typ.to_wire();
        }
        let (head, body) = record.split_at_mut(HEADER_LEN);
        head.copy_from_slice(&header);
        let sealed =
            self.key
                .seal_into(&nonce_for(&self.iv, seq), &header, plaintext, trailer, body);
        if let Err(e) = sealed {
            record.zeroize();
            return Err(e);
        }
        self.seq = seq.checked_add(1);
        Ok(HEADER_LEN + sealed_len)
    }

    fn overhead(&self) -> usize {
        HEADER_LEN + 1 + self.padding.max_added() + TAG_LEN
    }

    fn sequence(&self) -> u64 {
        self.seq.unwrap_or(u64::MAX)
    }
}

/// TLS 1.3 record protection for reading (RFC 8446 §5.2–5.4).
///
/// Checks, in order: the outer type is application_data
/// ([`Error::UnexpectedContentType`]); the ciphertext is at most 2^14 + 256 bytes
/// ([`Error::RecordOverflow`]); the AEAD opens ([`Error::BadRecordMac`]); the inner
/// plaintext is at most 2^14 + 1 bytes or the record size limit we announced
/// ([`Error::RecordOverflow`]); it has a non-zero byte ([`Error::UnexpectedMessage`]);
/// and the inner type is handshake, alert or application_data
/// ([`Error::UnexpectedContentType`]; a protected change_cipher_spec is refused too).
pub struct Tls13Decrypter {
    key: Box<dyn AeadKey>,
    iv: [u8; 12],
    /// The next sequence number; `None` once all 2^64 have been used.
    seq: Option<u64>,
    /// Largest inner plaintext (content + type + padding) we accept.
    max_inner: usize,
}

impl Tls13Decrypter {
    /// A decrypter for a traffic key and IV as derived by the key schedule.
    pub fn new(key: Box<dyn AeadKey>, iv: [u8; 12]) -> Self {
        Self {
            key,
            iv,
            seq: Some(0),
            max_inner: MAX_INNER_PLAINTEXT_TLS13,
        }
    }

    /// Enforces the record_size_limit we announced (RFC 8449 §4): a larger inner
    /// plaintext is [`Error::RecordOverflow`]. Clamped to 1..=2^14+1.
    pub fn set_record_size_limit(&mut self, limit: u16) {
        self.max_inner = inner_limit(limit);
    }

    #[cfg(test)]
    fn set_sequence(&mut self, seq: u64) {
        self.seq = Some(seq);
    }
}

impl fmt::Debug for Tls13Decrypter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tls13Decrypter")
            .field("seq", &self.seq)
            .field("max_inner", &self.max_inner)
            .finish_non_exhaustive()
    }
}

impl Drop for Tls13Decrypter {
    fn drop(&mut self) {
        self.iv.zeroize();
    }
}

impl RecordDecrypter for Tls13Decrypter {
    fn decrypt(&mut self, rec: OpaqueRecord) -> Result<PlainRecord, Error> {
        if rec.typ != ContentType::ApplicationData {
            return Err(Error::UnexpectedContentType(rec.typ));
        }
        let len = rec.payload.len();
        if len > MAX_CIPHERTEXT_TLS13 {
            return Err(Error::RecordOverflow {
                len,
                limit: MAX_CIPHERTEXT_TLS13,
            });
        }
        if len < TAG_LEN {
            return Err(Error::BadRecordMac);
        }
        let seq = self
            .seq
            .ok_or(Error::Internal("read sequence number exhausted"))?;
        // The additional data is the header as received.
        let aad = encode_header(rec.typ, rec.version, len)?;
        let mut payload = rec.payload;
        let inner_len = self
            .key
            .open(&nonce_for(&self.iv, seq), &aad, &mut payload)
            .map_err(|_| Error::BadRecordMac)?;
        if inner_len > len {
            return Err(Error::Internal("AEAD open reported a bad length"));
        }
        self.seq = seq.checked_add(1);
        payload.truncate(inner_len);

        if inner_len > self.max_inner {
            return Err(Error::RecordOverflow {
                len: inner_len,
                limit: self.max_inner,
            });
        }
        // The real content type is the last non-zero byte; zeros after it are padding.
        let Some(type_at) = payload.iter().rposition(|&b| b != 0) else {
            return Err(Error::UnexpectedMessage {
                expected: "content type",
                got: "all-zero inner plaintext".into(),
            });
        };
        let typ = payload
            .get(type_at)
            .map_or(ContentType::Unknown(0), |&b| ContentType::from_wire(b));
        payload.truncate(type_at);
        match typ {
            ContentType::Handshake | ContentType::Alert | ContentType::ApplicationData => {
                Ok(PlainRecord { typ, payload })
            }
            other => Err(Error::UnexpectedContentType(other)),
        }
    }

    fn sequence(&self) -> u64 {
        self.seq.unwrap_or(u64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::RecordDeframer;
    use std::sync::{Arc, Mutex};

    /// What a [`ToyAead`] was called with: (nonce, additional data).
    type CallLog = Arc<Mutex<Vec<([u8; 12], Vec<u8>)>>>;

    /// TEST ONLY, NOT AN AEAD: an XOR keystream with a non-cryptographic 16-byte checksum
    /// as "tag". Enough to test framing: wrong nonce, AAD, key or any flipped ciphertext bit
    /// all make `open` fail, and the ciphertext differs from the plaintext.
    struct ToyAead {
        key: [u8; 16],
        log: CallLog,
    }

    impl ToyAead {
        fn boxed(key: [u8; 16]) -> (Box<dyn AeadKey>, CallLog) {
            let log = CallLog::default();
            (
                Box::new(Self {
                    key,
                    log: log.clone(),
                }),
                log,
            )
        }

        fn keystream(&self, nonce: &[u8; 12], buf: &mut [u8]) {
            for (i, b) in buf.iter_mut().enumerate() {
                *b ^=
                    self.key[i % 16] ^ nonce[i % 12] ^ (i as u8).wrapping_mul(31) ^ (i >> 8) as u8;
            }
        }

        fn checksum(&self, nonce: &[u8; 12], aad: &[u8], ct: &[u8]) -> [u8; 16] {
            let mut a: u64 = 0xcbf2_9ce4_8422_2325;
            let mut b: u64 = 0x6a09_e667_f3bc_c908;
            let len = (aad.len() as u64) << 32 | ct.len() as u64;
            for &x in self
                .key
                .iter()
                .chain(nonce)
                .chain(aad)
                .chain(&len.to_be_bytes())
                .chain(ct)
            {
                a = (a ^ u64::from(x)).wrapping_mul(0x0100_0000_01b3);
                b = (b.rotate_left(7) ^ u64::from(x)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            }
            let mut tag = [0; 16];
            tag[..8].copy_from_slice(&a.to_be_bytes());
            tag[8..].copy_from_slice(&b.to_be_bytes());
            tag
        }
    }

    impl AeadKey for ToyAead {
        fn seal(&self, nonce: &[u8; 12], aad: &[u8], buf: &mut Vec<u8>) -> Result<(), Error> {
            self.log.lock().unwrap().push((*nonce, aad.to_vec()));
            self.keystream(nonce, buf);
            let tag = self.checksum(nonce, aad, buf);
            buf.extend_from_slice(&tag);
            Ok(())
        }

        fn open(&self, nonce: &[u8; 12], aad: &[u8], buf: &mut [u8]) -> Result<usize, Error> {
            self.log.lock().unwrap().push((*nonce, aad.to_vec()));
            let ct_len = buf.len().checked_sub(16).ok_or(Error::BadRecordMac)?;
            let (ct, tag) = buf.split_at_mut(ct_len);
            if self.checksum(nonce, aad, ct) != *tag {
                return Err(Error::BadRecordMac);
            }
            self.keystream(nonce, ct);
            Ok(ct_len)
        }
    }

    const KEY: [u8; 16] = *b"toy key, no AEAD";
    const IV: [u8; 12] = [
        0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab,
    ];

    fn pair() -> (Tls13Encrypter, CallLog, Tls13Decrypter, CallLog) {
        let (ek, elog) = ToyAead::boxed(KEY);
        let (dk, dlog) = ToyAead::boxed(KEY);
        (
            Tls13Encrypter::new(ek, IV),
            elog,
            Tls13Decrypter::new(dk, IV),
            dlog,
        )
    }

    fn deframe(wire: &[u8]) -> Vec<OpaqueRecord> {
        let mut d = RecordDeframer::new();
        let mut rest = wire;
        let mut out = Vec::new();
        loop {
            rest = &rest[d.push(rest)..];
            while let Some(r) = d.pop().unwrap() {
                out.push(r);
            }
            if rest.is_empty() {
                break;
            }
        }
        assert!(d.is_empty());
        out
    }

    /// Seals an arbitrary inner plaintext the way a (possibly misbehaving) peer would.
    fn forge(inner: &[u8], seq: u64) -> OpaqueRecord {
        let (key, _) = ToyAead::boxed(KEY);
        let header = encode_header(ContentType::ApplicationData, 0x0303, inner.len() + 16).unwrap();
        let mut payload = inner.to_vec();
        key.seal(&nonce_for(&IV, seq), &header, &mut payload)
            .unwrap();
        OpaqueRecord {
            typ: ContentType::ApplicationData,
            version: 0x0303,
            payload,
        }
    }

    #[test]
    fn encrypt_into_writes_what_encrypt_appends() {
        let (mut by_vec, _, mut dec, _) = pair();
        let (mut by_slice, _, _, _) = pair();
        let paddings = [
            Padding::None,
            Padding::ToMultipleOf(NonZeroUsize::new(32).unwrap()),
            // More padding than the stack trailer holds.
            Padding::ToMultipleOf(NonZeroUsize::new(1000).unwrap()),
        ];
        for padding in paddings {
            by_vec.set_padding(padding);
            by_slice.set_padding(padding);
            for len in [0usize, 1, 255, 256, 4000, MAX_PLAINTEXT] {
                let data: Vec<u8> = (0..len).map(|i| (i * 13) as u8).collect();
                let mut expect = Vec::new();
                by_vec
                    .encrypt(ContentType::ApplicationData, &data, &mut expect)
                    .unwrap();
                let mut out = vec![0xee; len + by_slice.overhead()];
                // Too small: refused, nothing sealed, the sequence number unmoved.
                let seq = by_slice.sequence();
                let short = expect.len() - 1;
                assert_eq!(
                    by_slice.encrypt_into(ContentType::ApplicationData, &data, &mut out[..short]),
                    Err(Error::Internal("output too small for a record"))
                );
                assert_eq!(by_slice.sequence(), seq);
                let n = by_slice
                    .encrypt_into(ContentType::ApplicationData, &data, &mut out)
                    .unwrap();
                assert_eq!(&out[..n], &expect[..], "{padding:?} {len}");
                assert_eq!(by_slice.sequence(), seq + 1);
                let mut d = RecordDeframer::new();
                d.push(&out[..n]);
                let plain = dec.decrypt(d.pop().unwrap().unwrap()).unwrap();
                assert_eq!(plain.payload, data);
            }
        }
    }

    #[test]
    fn round_trip() {
        let (mut enc, _, mut dec, _) = pair();
        let sent = [
            (ContentType::Handshake, b"hello".to_vec()),
            (
                ContentType::ApplicationData,
                (0..1000u16).map(|i| i as u8).collect(),
            ),
            (ContentType::Alert, vec![1, 0]),
            (ContentType::Handshake, vec![20, 0, 0, 1, 0, 0, 0]), // trailing zeros are content
            (ContentType::ApplicationData, vec![]),
            (ContentType::ApplicationData, vec![0x55; MAX_PLAINTEXT]),
        ];
        let mut wire = Vec::new();
        for (typ, data) in &sent {
            enc.encrypt(*typ, data, &mut wire).unwrap();
        }
        assert_eq!(enc.sequence(), sent.len() as u64);
        let records = deframe(&wire);
        assert_eq!(records.len(), sent.len());
        for ((typ, data), rec) in sent.iter().zip(records) {
            assert_eq!(rec.typ, ContentType::ApplicationData);
            assert_eq!(rec.version, 0x0303);
            assert_eq!(rec.payload.len(), data.len() + 1 + 16);
            if data.len() > 4 {
                assert_ne!(
                    &rec.payload[..data.len()],
                    &data[..],
                    "content must be encrypted"
                );
            }
            let plain = dec.decrypt(rec).unwrap();
            assert_eq!((&plain.typ, &plain.payload), (typ, data));
        }
        assert_eq!(dec.sequence(), sent.len() as u64);
    }

    #[test]
    fn nonce_and_additional_data() {
        let (mut enc, log, _, _) = pair();
        let mut wire = Vec::new();
        for n in 0..3 {
            let start = wire.len();
            enc.encrypt(ContentType::Handshake, &vec![7; 100 * n], &mut wire)
                .unwrap();
            let calls = log.lock().unwrap();
            let (nonce, aad) = calls.last().unwrap();
            // The AAD is exactly the record header that went on the wire.
            assert_eq!(aad, &wire[start..start + 5]);
            let len = (100 * n + 17) as u16;
            assert_eq!(aad, &[23, 3, 3, (len >> 8) as u8, len as u8]);
            let mut expect = IV;
            expect[11] ^= n as u8;
            assert_eq!(nonce, &expect);
        }

        // The sequence number is big-endian in the last 8 bytes of the nonce.
        enc.set_sequence(0x0102_0304_0506_0708);
        enc.encrypt(ContentType::ApplicationData, b"x", &mut wire)
            .unwrap();
        let calls = log.lock().unwrap();
        assert_eq!(
            calls.last().unwrap().0,
            [0xa0, 0xa1, 0xa2, 0xa3, 0xa5, 0xa7, 0xa5, 0xa3, 0xad, 0xaf, 0xad, 0xa3]
        );
    }

    #[test]
    fn decrypt_uses_received_header_as_aad() {
        let (mut enc, _, mut dec, dlog) = pair();
        let mut wire = Vec::new();
        enc.encrypt(ContentType::ApplicationData, b"abc", &mut wire)
            .unwrap();
        let mut rec = deframe(&wire).remove(0);
        rec.version = 0x0301;
        assert_eq!(dec.decrypt(rec), Err(Error::BadRecordMac));
        assert_eq!(dlog.lock().unwrap()[0].1, vec![23, 3, 1, 0, 20]);
        assert_eq!(dec.sequence(), 0);
    }

    #[test]
    fn padding() {
        let (mut enc, _, mut dec, _) = pair();
        enc.set_padding(Padding::ToMultipleOf(NonZeroUsize::new(64).unwrap()));
        assert_eq!(enc.overhead(), 5 + 1 + 63 + 16);
        let mut wire = Vec::new();
        enc.encrypt(ContentType::ApplicationData, &[1, 0, 0], &mut wire)
            .unwrap();
        enc.encrypt(ContentType::ApplicationData, &[2; 63], &mut wire)
            .unwrap();
        enc.encrypt(ContentType::ApplicationData, &[3; 64], &mut wire)
            .unwrap();
        // Padding never pushes the inner plaintext past 2^14 + 1.
        enc.set_padding(Padding::ToMultipleOf(NonZeroUsize::new(1000).unwrap()));
        enc.encrypt(ContentType::ApplicationData, &[4; MAX_PLAINTEXT], &mut wire)
            .unwrap();
        let records = deframe(&wire);
        let lens: Vec<usize> = records.iter().map(|r| r.payload.len()).collect();
        assert_eq!(
            lens,
            vec![64 + 16, 64 + 16, 128 + 16, MAX_PLAINTEXT + 1 + 16]
        );
        let plain: Vec<Vec<u8>> = records
            .into_iter()
            .map(|r| dec.decrypt(r).unwrap().payload)
            .collect();
        assert_eq!(
            plain,
            vec![
                vec![1, 0, 0],
                vec![2; 63],
                vec![3; 64],
                vec![4; MAX_PLAINTEXT]
            ]
        );
    }

    #[test]
    fn peer_padding_is_stripped() {
        let (_, _, mut dec, _) = pair();
        let mut inner = b"data".to_vec();
        inner.push(23);
        inner.extend([0; 500]);
        let plain = dec.decrypt(forge(&inner, 0)).unwrap();
        assert_eq!(
            plain,
            PlainRecord {
                typ: ContentType::ApplicationData,
                payload: b"data".to_vec()
            }
        );
    }

    #[test]
    fn all_zero_inner_plaintext() {
        let expect = Error::UnexpectedMessage {
            expected: "content type",
            got: "all-zero inner plaintext".into(),
        };
        let (_, _, mut dec, _) = pair();
        assert_eq!(dec.decrypt(forge(&[0; 10], 0)), Err(expect.clone()));
        // An empty inner plaintext (ciphertext is only the tag) has no type either.
        let (_, _, mut dec, _) = pair();
        assert_eq!(dec.decrypt(forge(&[], 0)), Err(expect.clone()));
        assert_eq!(expect.alert().to_wire(), 10);
    }

    #[test]
    fn inner_content_type_checked() {
        let (_, _, mut dec, _) = pair();
        assert_eq!(
            dec.decrypt(forge(&[1, 20], 0)),
            Err(Error::UnexpectedContentType(ContentType::ChangeCipherSpec))
        );
        let (_, _, mut dec, _) = pair();
        assert_eq!(
            dec.decrypt(forge(&[1, 0x42, 0, 0], 0)),
            Err(Error::UnexpectedContentType(ContentType::Unknown(0x42)))
        );
    }

    #[test]
    fn outer_type_must_be_application_data() {
        let (mut enc, _, mut dec, dlog) = pair();
        let mut wire = Vec::new();
        enc.encrypt(ContentType::Handshake, b"abc", &mut wire)
            .unwrap();
        let mut rec = deframe(&wire).remove(0);
        rec.typ = ContentType::Handshake;
        assert_eq!(
            dec.decrypt(rec),
            Err(Error::UnexpectedContentType(ContentType::Handshake))
        );
        assert!(dlog.lock().unwrap().is_empty(), "no decryption attempted");
    }

    #[test]
    fn overflow() {
        let (_, _, mut dec, dlog) = pair();
        let rec = OpaqueRecord {
            typ: ContentType::ApplicationData,
            version: 0x0303,
            payload: vec![0; MAX_CIPHERTEXT_TLS13 + 1],
        };
        assert_eq!(
            dec.decrypt(rec),
            Err(Error::RecordOverflow {
                len: 16641,
                limit: 16640
            })
        );
        assert!(dlog.lock().unwrap().is_empty(), "no decryption attempted");

        // Inner plaintext one byte over 2^14 + 1, in a ciphertext within 2^14 + 256.
        let mut inner = vec![0x61; MAX_PLAINTEXT + 1];
        inner.push(23);
        assert_eq!(
            dec.decrypt(forge(&inner, 0)),
            Err(Error::RecordOverflow {
                len: 16386,
                limit: 16385
            })
        );

        // Exactly at the limit is fine.
        let (_, _, mut dec, _) = pair();
        inner.remove(0);
        assert_eq!(
            dec.decrypt(forge(&inner, 0)).unwrap().payload.len(),
            MAX_PLAINTEXT
        );

        // Our announced record_size_limit.
        let (_, _, mut dec, _) = pair();
        dec.set_record_size_limit(100);
        assert_eq!(
            dec.decrypt(forge(&[[1; 99].as_slice(), &[23]].concat(), 0))
                .unwrap()
                .payload
                .len(),
            99
        );
        assert_eq!(
            dec.decrypt(forge(&[[1; 100].as_slice(), &[23]].concat(), 1)),
            Err(Error::RecordOverflow {
                len: 101,
                limit: 100
            })
        );
    }

    #[test]
    fn encrypt_refuses_oversized_fragment() {
        let (mut enc, _, _, _) = pair();
        let mut out = Vec::new();
        assert!(matches!(
            enc.encrypt(
                ContentType::ApplicationData,
                &[0; MAX_PLAINTEXT + 1],
                &mut out
            ),
            Err(Error::Internal(_))
        ));
        enc.set_record_size_limit(100);
        enc.encrypt(ContentType::ApplicationData, &[0; 99], &mut out)
            .unwrap();
        assert_eq!(out.len(), 5 + 100 + 16);
        assert!(enc
            .encrypt(ContentType::ApplicationData, &[0; 100], &mut out)
            .is_err());
        assert_eq!(out.len(), 5 + 100 + 16, "nothing written on failure");
        assert_eq!(enc.sequence(), 1, "no sequence number used on failure");
    }

    #[test]
    fn sequence_numbers_advance_per_record() {
        let (mut enc, _, mut dec, _) = pair();
        let mut wire = Vec::new();
        enc.encrypt(ContentType::ApplicationData, b"first", &mut wire)
            .unwrap();
        enc.encrypt(ContentType::ApplicationData, b"second", &mut wire)
            .unwrap();
        let mut records = deframe(&wire);
        let second = records.pop().unwrap();
        let first = records.pop().unwrap();
        // Out of order: the second record does not open with sequence number 0,
        // and the failure does not use up the sequence number.
        assert_eq!(dec.decrypt(second.clone()), Err(Error::BadRecordMac));
        assert_eq!(dec.sequence(), 0);
        assert_eq!(dec.decrypt(first.clone()).unwrap().payload, b"first");
        assert_eq!(dec.decrypt(second).unwrap().payload, b"second");
        // Replay is refused.
        assert_eq!(dec.decrypt(first), Err(Error::BadRecordMac));
    }

    #[test]
    fn tamper_is_bad_record_mac() {
        let (mut enc, _, _, _) = pair();
        let mut wire = Vec::new();
        enc.encrypt(ContentType::ApplicationData, b"attack at dawn", &mut wire)
            .unwrap();
        let rec = deframe(&wire).remove(0);
        for i in 0..rec.payload.len() {
            let mut bad = rec.clone();
            bad.payload[i] ^= 0x01;
            let (_, _, mut dec, _) = pair();
            assert_eq!(
                dec.decrypt(bad),
                Err(Error::BadRecordMac),
                "flipped byte {i}"
            );
        }
        // Shorter than a tag.
        let (_, _, mut dec, dlog) = pair();
        let mut short = rec.clone();
        short.payload.truncate(15);
        assert_eq!(dec.decrypt(short), Err(Error::BadRecordMac));
        assert!(dlog.lock().unwrap().is_empty());
        // Wrong key.
        let (other, _) = ToyAead::boxed(*b"another toy key!");
        let mut dec = Tls13Decrypter::new(other, IV);
        assert_eq!(dec.decrypt(rec.clone()), Err(Error::BadRecordMac));
        // Untouched, it opens.
        let (_, _, mut dec, _) = pair();
        assert_eq!(dec.decrypt(rec).unwrap().payload, b"attack at dawn");
    }

    #[test]
    fn sequence_numbers_never_wrap() {
        let (mut enc, _, mut dec, _) = pair();
        enc.set_sequence(u64::MAX);
        dec.set_sequence(u64::MAX);
        let mut wire = Vec::new();
        enc.encrypt(ContentType::ApplicationData, b"last", &mut wire)
            .unwrap();
        assert_eq!(
            enc.encrypt(ContentType::ApplicationData, b"one too many", &mut wire),
            Err(Error::Internal("write sequence number exhausted"))
        );
        let rec = deframe(&wire).remove(0);
        assert_eq!(dec.decrypt(rec.clone()).unwrap().payload, b"last");
        assert_eq!(
            dec.decrypt(rec),
            Err(Error::Internal("read sequence number exhausted"))
        );
    }

    #[test]
    fn overhead_bounds_output() {
        let (mut enc, _, _, _) = pair();
        assert_eq!(enc.overhead(), 22);
        let mut out = Vec::new();
        enc.encrypt(ContentType::Handshake, &[9; 300], &mut out)
            .unwrap();
        assert_eq!(out.len(), 300 + enc.overhead());
    }

    #[test]
    fn encrypt_appends() {
        let (mut enc, _, _, _) = pair();
        let mut out = b"already here".to_vec();
        enc.encrypt(ContentType::Handshake, b"more", &mut out)
            .unwrap();
        assert_eq!(&out[..12], b"already here");
        assert_eq!(&out[12..15], &[23, 3, 3]);
        assert_eq!(out.len(), 12 + 5 + 4 + 1 + 16);
    }

    #[test]
    fn plaintext_protection() {
        let mut enc = PlaintextEncrypter::with_version(0x0301);
        let mut wire = Vec::new();
        enc.encrypt(ContentType::Handshake, &[1, 0, 0, 0], &mut wire)
            .unwrap();
        assert_eq!(wire, vec![22, 3, 1, 0, 4, 1, 0, 0, 0]);
        let mut enc = PlaintextEncrypter::new();
        enc.encrypt(ContentType::Alert, &[2, 40], &mut wire)
            .unwrap();
        assert_eq!(&wire[9..], &[21, 3, 3, 0, 2, 2, 40]);
        assert_eq!(enc.overhead(), 5);
        assert_eq!(enc.sequence(), 1);
        assert!(enc
            .encrypt(ContentType::Handshake, &[0; MAX_PLAINTEXT + 1], &mut wire)
            .is_err());

        let mut dec = PlaintextDecrypter::new();
        let records = deframe(&wire);
        let plain: Vec<PlainRecord> = records
            .into_iter()
            .map(|r| dec.decrypt(r).unwrap())
            .collect();
        assert_eq!(
            plain,
            vec![
                PlainRecord {
                    typ: ContentType::Handshake,
                    payload: vec![1, 0, 0, 0]
                },
                PlainRecord {
                    typ: ContentType::Alert,
                    payload: vec![2, 40]
                },
            ]
        );
        assert_eq!(dec.sequence(), 2);
        let big = OpaqueRecord {
            typ: ContentType::Handshake,
            version: 0x0303,
            payload: vec![0; 16385],
        };
        assert_eq!(
            dec.decrypt(big),
            Err(Error::RecordOverflow {
                len: 16385,
                limit: 16384
            })
        );
    }

    #[test]
    fn traits_are_object_safe() {
        let (enc, _, dec, _) = pair();
        let mut e: Box<dyn RecordEncrypter> = Box::new(enc);
        let mut d: Box<dyn RecordDecrypter> = Box::new(dec);
        let mut wire = Vec::new();
        e.encrypt(ContentType::ApplicationData, b"dyn", &mut wire)
            .unwrap();
        let rec = deframe(&wire).remove(0);
        assert_eq!(d.decrypt(rec).unwrap().payload, b"dyn");
        // Debug shows state, never the key or IV.
        assert_eq!(
            format!("{:?}", Tls13Encrypter::new(ToyAead::boxed(KEY).0, IV)),
            "Tls13Encrypter { seq: Some(0), padding: None, max_inner: 16385, .. }"
        );
    }
}
