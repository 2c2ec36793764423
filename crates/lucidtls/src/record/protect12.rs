//! TLS 1.2 record protection: AEAD (AES-GCM, RFC 5288; ChaCha20-Poly1305, RFC 7905)
//! and CBC with HMAC (RFC 5246 §6.2.3.2, encrypt-then-MAC: RFC 7366).
//!
//! These implement the same [`RecordEncrypter`]/[`RecordDecrypter`] traits as TLS 1.3.
//! Unlike TLS 1.3 the record's outer content type is the real one and the record
//! header is not the additional data: the MAC/AAD covers
//! `seq_num(8) || type(1) || version(2) [|| length(2)]`. Each direction keeps its own
//! sequence number, starting at zero with every ChangeCipherSpec.

use super::protect::discard_from;
use super::{
    encode_header, OpaqueRecord, OpenedRecord, PlainRecord, RecordDecrypter, RecordEncrypter,
    HEADER_LEN, LEGACY_RECORD_VERSION, MAX_CIPHERTEXT_TLS12, MAX_PLAINTEXT,
};
use crate::crypto::{AeadKey, CbcAlgorithm, CbcKey, CryptoProvider};
use crate::enums::{AeadAlgorithm, ContentType};
use crate::error::Error;
use core::fmt;
use std::sync::Arc;
use zeroize::Zeroize;

/// The AEAD tag length of every TLS 1.2 AEAD suite we support.
const TAG_LEN: usize = 16;

/// Length of the explicit nonce AES-GCM records carry (RFC 5288 §3).
const GCM_EXPLICIT_NONCE_LEN: usize = 8;

/// AES block size, which is also the length of a CBC record's explicit IV.
const CBC_BLOCK: usize = 16;

/// How a TLS 1.2 AEAD suite builds its per-record nonce.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tls12AeadKind {
    /// AES-GCM (RFC 5288): nonce = 4-byte salt from the key block || 8-byte explicit
    /// nonce carried at the front of each record. We send the sequence number as the
    /// explicit part (RFC 9325 §7.2.1); on receipt, whatever the peer sent is used.
    AesGcm,
    /// ChaCha20-Poly1305 (RFC 7905 §2): nonce = 12-byte IV from the key block XOR the
    /// left-padded sequence number, nothing explicit on the wire.
    ChaCha20Poly1305,
}

impl Tls12AeadKind {
    /// The kind for an AEAD algorithm.
    pub const fn for_algorithm(alg: AeadAlgorithm) -> Self {
        match alg {
            AeadAlgorithm::Aes128Gcm | AeadAlgorithm::Aes256Gcm => Self::AesGcm,
            AeadAlgorithm::ChaCha20Poly1305 => Self::ChaCha20Poly1305,
        }
    }

    /// The fixed IV length the key block supplies per direction (`fixed_iv_length`).
    pub const fn fixed_iv_len(self) -> usize {
        match self {
            Self::AesGcm => 4,
            Self::ChaCha20Poly1305 => 12,
        }
    }

    /// The explicit nonce length each record carries (`record_iv_length`).
    pub const fn explicit_nonce_len(self) -> usize {
        match self {
            Self::AesGcm => GCM_EXPLICIT_NONCE_LEN,
            Self::ChaCha20Poly1305 => 0,
        }
    }

    /// Builds the 12-byte base IV: the GCM salt followed by zeros, or the ChaCha IV.
    fn base_iv(self, fixed_iv: &[u8]) -> Result<[u8; 12], Error> {
        if fixed_iv.len() != self.fixed_iv_len() {
            return Err(Error::Internal(
                "TLS 1.2 AEAD fixed IV has the wrong length",
            ));
        }
        let mut iv = [0u8; 12];
        iv[..fixed_iv.len()].copy_from_slice(fixed_iv);
        Ok(iv)
    }
}

/// `iv` XOR the big-endian sequence number, left-padded to 12 bytes. For GCM, whose
/// base IV is salt || zeros, this is salt || seq, i.e. the sequence number as the
/// explicit nonce.
fn xor_nonce(iv: &[u8; 12], seq: u64) -> [u8; 12] {
    let mut nonce = *iv;
    for (n, s) in nonce.iter_mut().skip(4).zip(seq.to_be_bytes()) {
        *n ^= s;
    }
    nonce
}

/// `seq_num || type || version`: the start of what the MAC or AEAD authenticates.
fn seq_header(seq: u64, typ: ContentType, version: u16) -> [u8; 11] {
    let mut out = [0u8; 11];
    out[..8].copy_from_slice(&seq.to_be_bytes());
    out[8] = typ.to_wire();
    out[9..].copy_from_slice(&version.to_be_bytes());
    out
}

/// The AEAD additional data: `seq_num || type || version || plaintext length`
/// (RFC 5246 §6.2.3.3).
fn aead_aad(seq: u64, typ: ContentType, version: u16, len: usize) -> Result<[u8; 13], Error> {
    let len = u16::try_from(len).map_err(|_| Error::Internal("record length exceeds 2^16"))?;
    let mut out = [0u8; 13];
    out[..11].copy_from_slice(&seq_header(seq, typ, version));
    out[11..].copy_from_slice(&len.to_be_bytes());
    Ok(out)
}

/// Refuses content types that may never arrive protected (unknown ones, heartbeat).
/// The deframer already refuses them; this keeps the decrypters safe on their own.
fn check_type(typ: ContentType) -> Result<(), Error> {
    match typ {
        ContentType::ChangeCipherSpec
        | ContentType::Alert
        | ContentType::Handshake
        | ContentType::ApplicationData => Ok(()),
        other => Err(Error::UnexpectedContentType(other)),
    }
}

/// Refuses protected records longer than 2^14 + 2048 bytes (RFC 5246 §6.2.3).
fn check_ciphertext_len(len: usize) -> Result<(), Error> {
    if len > MAX_CIPHERTEXT_TLS12 {
        return Err(Error::RecordOverflow {
            len,
            limit: MAX_CIPHERTEXT_TLS12,
        });
    }
    Ok(())
}

/// Refuses decrypted plaintexts over the limit (2^14, or our record_size_limit).
fn check_plaintext_len(len: usize, limit: usize) -> Result<(), Error> {
    if len > limit {
        return Err(Error::RecordOverflow { len, limit });
    }
    Ok(())
}

/// Clamps a TLS 1.2 record_size_limit (RFC 8449 §4: it bounds the plaintext) to 1..=2^14.
fn plaintext_limit(limit: u16) -> usize {
    usize::from(limit).clamp(1, MAX_PLAINTEXT)
}

/// TLS 1.2 AEAD record protection for writing.
///
/// Each record is the real content type, version 0x0303, and
/// `explicit_nonce || AEAD-Seal(plaintext)` (GCM) or `AEAD-Seal(plaintext)` (ChaCha),
/// with `seq_num || type || version || plaintext length` as additional data.
pub struct Tls12AeadEncrypter {
    key: Box<dyn AeadKey>,
    kind: Tls12AeadKind,
    iv: [u8; 12],
    /// The next sequence number; `None` once all 2^64 have been used.
    seq: Option<u64>,
    max_plaintext: usize,
}

impl Tls12AeadEncrypter {
    /// An encrypter for a write key and the fixed IV from the key block (4 bytes for
    /// GCM, 12 for ChaCha20-Poly1305; any other length is [`Error::Internal`]).
    pub fn new(key: Box<dyn AeadKey>, fixed_iv: &[u8], kind: Tls12AeadKind) -> Result<Self, Error> {
        Ok(Self {
            key,
            kind,
            iv: kind.base_iv(fixed_iv)?,
            seq: Some(0),
            max_plaintext: MAX_PLAINTEXT,
        })
    }

    /// Applies the peer's record_size_limit (RFC 8449): in TLS 1.2 it bounds the
    /// plaintext. Clamped to 1..=2^14. Larger fragments are then [`Error::Internal`].
    pub fn set_record_size_limit(&mut self, limit: u16) {
        self.max_plaintext = plaintext_limit(limit);
    }

    #[cfg(test)]
    fn set_sequence(&mut self, seq: u64) {
        self.seq = Some(seq);
    }
}

impl fmt::Debug for Tls12AeadEncrypter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tls12AeadEncrypter")
            .field("kind", &self.kind)
            .field("seq", &self.seq)
            .field("max_plaintext", &self.max_plaintext)
            .finish_non_exhaustive()
    }
}

impl Drop for Tls12AeadEncrypter {
    fn drop(&mut self) {
        self.iv.zeroize();
    }
}

impl RecordEncrypter for Tls12AeadEncrypter {
    fn encrypt(
        &mut self,
        typ: ContentType,
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        if plaintext.len() > self.max_plaintext {
            return Err(Error::Internal(
                "record fragment larger than the record size limit",
            ));
        }
        let seq = self
            .seq
            .ok_or(Error::Internal("write sequence number exhausted"))?;
        let explicit_len = self.kind.explicit_nonce_len();
        let sealed_len = plaintext.len() + TAG_LEN;
        let header = encode_header(typ, LEGACY_RECORD_VERSION, explicit_len + sealed_len)?;
        let aad = aead_aad(seq, typ, LEGACY_RECORD_VERSION, plaintext.len())?;

        // Sealed where it goes: header, explicit nonce, then the plaintext, encrypted
        // in place, then the tag.
        let base = out.len();
        out.reserve(HEADER_LEN + explicit_len + sealed_len);
        out.extend_from_slice(&header);
        if explicit_len > 0 {
            out.extend_from_slice(&seq.to_be_bytes());
        }
        let start = out.len();
        out.extend_from_slice(plaintext);
        let sealed = self
            .key
            .seal_in_place_append_tag(&xor_nonce(&self.iv, seq), &aad, out, start);
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

    /// Sealed from `plaintext` where it is, straight after the header and explicit
    /// nonce in `out`.
    fn encrypt_into(
        &mut self,
        typ: ContentType,
        plaintext: &[u8],
        out: &mut [u8],
    ) -> Result<usize, Error> {
        if plaintext.len() > self.max_plaintext {
            return Err(Error::Internal(
                "record fragment larger than the record size limit",
            ));
        }
        let seq = self
            .seq
            .ok_or(Error::Internal("write sequence number exhausted"))?;
        let explicit_len = self.kind.explicit_nonce_len();
        let sealed_len = plaintext.len() + TAG_LEN;
        let total = HEADER_LEN + explicit_len + sealed_len;
        let header = encode_header(typ, LEGACY_RECORD_VERSION, explicit_len + sealed_len)?;
        let aad = aead_aad(seq, typ, LEGACY_RECORD_VERSION, plaintext.len())?;
        let record = out
            .get_mut(..total)
            .ok_or(Error::Internal("output too small for a record"))?;
        let (head, body) = record.split_at_mut(HEADER_LEN + explicit_len);
        let (hdr, explicit) = head.split_at_mut(HEADER_LEN);
        hdr.copy_from_slice(&header);
        // GCM: the explicit nonce is the sequence number (8 bytes); ChaCha: none.
        let seq_bytes = seq.to_be_bytes();
        if let Some(src) = seq_bytes.get(..explicit_len) {
            explicit.copy_from_slice(src);
        }
        let sealed = self
            .key
            .seal_into(&xor_nonce(&self.iv, seq), &aad, plaintext, &[], body);
        if let Err(e) = sealed {
            record.zeroize();
            return Err(e);
        }
        self.seq = seq.checked_add(1);
        Ok(total)
    }

    fn overhead(&self) -> usize {
        HEADER_LEN + self.kind.explicit_nonce_len() + TAG_LEN
    }

    fn sequence(&self) -> u64 {
        self.seq.unwrap_or(u64::MAX)
    }
}

/// TLS 1.2 AEAD record protection for reading.
///
/// Checks, in order: the content type is one that may be protected
/// ([`Error::UnexpectedContentType`]); the payload is at most 2^14 + 2048 bytes
/// ([`Error::RecordOverflow`]); it holds at least the explicit nonce and a tag, and the
/// AEAD opens ([`Error::BadRecordMac`]); the plaintext is at most 2^14 bytes or the
/// record size limit we announced ([`Error::RecordOverflow`]).
pub struct Tls12AeadDecrypter {
    key: Box<dyn AeadKey>,
    kind: Tls12AeadKind,
    iv: [u8; 12],
    /// The next sequence number; `None` once all 2^64 have been used.
    seq: Option<u64>,
    max_plaintext: usize,
}

impl Tls12AeadDecrypter {
    /// A decrypter for a read key and the fixed IV from the key block (4 bytes for
    /// GCM, 12 for ChaCha20-Poly1305; any other length is [`Error::Internal`]).
    pub fn new(key: Box<dyn AeadKey>, fixed_iv: &[u8], kind: Tls12AeadKind) -> Result<Self, Error> {
        Ok(Self {
            key,
            kind,
            iv: kind.base_iv(fixed_iv)?,
            seq: Some(0),
            max_plaintext: MAX_PLAINTEXT,
        })
    }

    /// Enforces the record_size_limit we announced (RFC 8449 §4): a larger plaintext
    /// is [`Error::RecordOverflow`]. Clamped to 1..=2^14.
    pub fn set_record_size_limit(&mut self, limit: u16) {
        self.max_plaintext = plaintext_limit(limit);
    }

    #[cfg(test)]
    fn set_sequence(&mut self, seq: u64) {
        self.seq = Some(seq);
    }
}

impl fmt::Debug for Tls12AeadDecrypter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tls12AeadDecrypter")
            .field("kind", &self.kind)
            .field("seq", &self.seq)
            .field("max_plaintext", &self.max_plaintext)
            .finish_non_exhaustive()
    }
}

impl Drop for Tls12AeadDecrypter {
    fn drop(&mut self) {
        self.iv.zeroize();
    }
}

impl RecordDecrypter for Tls12AeadDecrypter {
    fn decrypt(&mut self, rec: OpaqueRecord) -> Result<PlainRecord, Error> {
        self.decrypt_in_place(rec).map(OpenedRecord::into_plain)
    }

    /// The plaintext is left after the explicit nonce, where it was decrypted.
    fn decrypt_in_place(&mut self, rec: OpaqueRecord) -> Result<OpenedRecord, Error> {
        let OpaqueRecord {
            typ,
            version,
            mut payload,
        } = rec;
        check_type(typ)?;
        let len = payload.len();
        check_ciphertext_len(len)?;
        let explicit_len = self.kind.explicit_nonce_len();
        let Some(plain_len) = len.checked_sub(explicit_len + TAG_LEN) else {
            return Err(Error::BadRecordMac);
        };
        let seq = self
            .seq
            .ok_or(Error::Internal("read sequence number exhausted"))?;
        let nonce = match self.kind {
            Tls12AeadKind::AesGcm => {
                let mut nonce = self.iv;
                let explicit = payload.get(..explicit_len).ok_or(Error::BadRecordMac)?;
                nonce[4..].copy_from_slice(explicit);
                nonce
            }
            Tls12AeadKind::ChaCha20Poly1305 => xor_nonce(&self.iv, seq),
        };
        let aad = aead_aad(seq, typ, version, plain_len)?;
        let sealed = payload.get_mut(explicit_len..).ok_or(Error::BadRecordMac)?;
        let n = self
            .key
            .open(&nonce, &aad, sealed)
            .map_err(|_| Error::BadRecordMac)?;
        if n > plain_len {
            return Err(Error::Internal("AEAD open reported a bad length"));
        }
        self.seq = seq.checked_add(1);
        payload.truncate(explicit_len + n);
        check_plaintext_len(n, self.max_plaintext)?;
        Ok(OpenedRecord {
            typ,
            buf: payload,
            start: explicit_len,
        })
    }

    fn sequence(&self) -> u64 {
        self.seq.unwrap_or(u64::MAX)
    }
}

/// Where a CBC encrypter gets its per-record explicit IVs: fills the buffer with
/// unpredictable bytes (a CSPRNG), or fails.
pub type RandomSource = Box<dyn FnMut(&mut [u8]) -> Result<(), Error> + Send + Sync>;

/// TLS 1.2 CBC record protection for writing (opt-in suites only).
///
/// Each record is the real content type, version 0x0303, and `IV(16) || ...` where
/// the rest is `CBC(plaintext || MAC || padding)` (MAC-then-encrypt, RFC 5246) or
/// `CBC(plaintext || padding) || MAC` (encrypt-then-MAC, RFC 7366). The IV is fresh
/// and random for every record; the cipher and MAC are the provider's [`CbcKey`].
pub struct Tls12CbcEncrypter {
    key: Box<dyn CbcKey>,
    alg: CbcAlgorithm,
    etm: bool,
    random: RandomSource,
    /// The next sequence number; `None` once all 2^64 have been used.
    seq: Option<u64>,
    max_plaintext: usize,
}

impl Tls12CbcEncrypter {
    /// An encrypter for a keyed CBC cipher; IVs come from `provider`'s generator.
    /// `etm` selects encrypt-then-MAC (when both sides negotiated it).
    pub fn new(
        key: Box<dyn CbcKey>,
        alg: CbcAlgorithm,
        etm: bool,
        provider: Arc<dyn CryptoProvider>,
    ) -> Self {
        Self::with_random_source(
            key,
            alg,
            etm,
            Box::new(move |buf: &mut [u8]| provider.fill_random(buf)),
        )
    }

    /// As [`Tls12CbcEncrypter::new`], with IVs from `random`.
    pub fn with_random_source(
        key: Box<dyn CbcKey>,
        alg: CbcAlgorithm,
        etm: bool,
        random: RandomSource,
    ) -> Self {
        Self {
            key,
            alg,
            etm,
            random,
            seq: Some(0),
            max_plaintext: MAX_PLAINTEXT,
        }
    }

    /// Applies the peer's record_size_limit (RFC 8449): in TLS 1.2 it bounds the
    /// plaintext. Clamped to 1..=2^14. Larger fragments are then [`Error::Internal`].
    pub fn set_record_size_limit(&mut self, limit: u16) {
        self.max_plaintext = plaintext_limit(limit);
    }

    #[cfg(test)]
    fn set_sequence(&mut self, seq: u64) {
        self.seq = Some(seq);
    }
}

impl fmt::Debug for Tls12CbcEncrypter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tls12CbcEncrypter")
            .field("alg", &self.alg)
            .field("etm", &self.etm)
            .field("seq", &self.seq)
            .field("max_plaintext", &self.max_plaintext)
            .finish_non_exhaustive()
    }
}

impl Tls12CbcEncrypter {
    /// What both seal paths start with: the fragment's size checked, this record's
    /// sequence number, a fresh explicit IV and the MAC's sequence/type/version header.
    fn begin(
        &mut self,
        typ: ContentType,
        len: usize,
    ) -> Result<(u64, [u8; CBC_BLOCK], [u8; 11]), Error> {
        if len > self.max_plaintext {
            return Err(Error::Internal(
                "record fragment larger than the record size limit",
            ));
        }
        let seq = self
            .seq
            .ok_or(Error::Internal("write sequence number exhausted"))?;
        let mut iv = [0u8; CBC_BLOCK];
        (self.random)(&mut iv)?;
        Ok((seq, iv, seq_header(seq, typ, LEGACY_RECORD_VERSION)))
    }
}

impl RecordEncrypter for Tls12CbcEncrypter {
    fn encrypt(
        &mut self,
        typ: ContentType,
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let (seq, iv, mac_header) = self.begin(typ, plaintext.len())?;

        // Sealed where it goes: the provider appends after the IV, and the header,
        // written first with a zero length, gets the length once it is known.
        let base = out.len();
        out.reserve(self.overhead() + plaintext.len());
        out.extend_from_slice(&[0; HEADER_LEN]);
        let body = out.len();
        out.extend_from_slice(&iv);
        let sealed = if self.etm {
            self.key
                .seal_encrypt_then_mac(&iv, &mac_header, plaintext, out)
        } else {
            self.key
                .seal_mac_then_encrypt(&iv, &mac_header, plaintext, out)
        };
        // IV || whole blocks [|| MAC], within the protocol's limit.
        let len = out.len().saturating_sub(body);
        let mac_after = if self.etm { self.alg.mac_len() } else { 0 };
        let blocks = len.saturating_sub(CBC_BLOCK + mac_after);
        let sealed = sealed.and_then(|()| {
            if blocks == 0 || blocks % CBC_BLOCK != 0 || len > MAX_CIPHERTEXT_TLS12 {
                return Err(Error::Internal("CBC seal produced a bad length"));
            }
            encode_header(typ, LEGACY_RECORD_VERSION, len)
        });
        match (sealed, out.get_mut(base..body)) {
            (Ok(header), Some(slot)) => slot.copy_from_slice(&header),
            (Ok(_), None) => {
                discard_from(out, base);
                return Err(Error::Internal("CBC seal shortened the output"));
            }
            (Err(e), _) => {
                discard_from(out, base);
                return Err(e);
            }
        }
        self.seq = seq.checked_add(1);
        Ok(())
    }

    /// Encrypt-then-MAC is sealed in `out` by the provider
    /// ([`CbcKey::seal_encrypt_then_mac_into`]: one copy of the data, as the Vec path
    /// makes). MAC-then-encrypt goes through AWS-LC's constant-time TLS CBC code,
    /// which only appends to a buffer: it is sealed aside and copied.
    fn encrypt_into(
        &mut self,
        typ: ContentType,
        plaintext: &[u8],
        out: &mut [u8],
    ) -> Result<usize, Error> {
        if out.len() < plaintext.len() + self.overhead() {
            return Err(Error::Internal("output too small for a record"));
        }
        if !self.etm {
            let mut record = Vec::with_capacity(plaintext.len() + self.overhead());
            self.encrypt(typ, plaintext, &mut record)?;
            let n = record.len();
            out.get_mut(..n)
                .ok_or(Error::Internal("CBC seal produced a bad length"))?
                .copy_from_slice(&record);
            return Ok(n);
        }
        let (seq, iv, mac_header) = self.begin(typ, plaintext.len())?;
        let (head, rest) = out.split_at_mut(HEADER_LEN.min(out.len()));
        let (iv_slot, body) = rest.split_at_mut(CBC_BLOCK.min(rest.len()));
        let sealed = self
            .key
            .seal_encrypt_then_mac_into(&iv, &mac_header, plaintext, body);
        // IV || whole blocks || MAC, within the protocol's limit.
        let checked = sealed.and_then(|n| {
            let blocks = n.saturating_sub(self.alg.mac_len());
            let len = CBC_BLOCK + n;
            if blocks == 0 || blocks % CBC_BLOCK != 0 || len > MAX_CIPHERTEXT_TLS12 {
                return Err(Error::Internal("CBC seal produced a bad length"));
            }
            Ok(len)
        });
        let len = match checked
            .and_then(|len| Ok((len, encode_header(typ, LEGACY_RECORD_VERSION, len)?)))
        {
            Ok((len, header)) => {
                head.copy_from_slice(&header);
                iv_slot.copy_from_slice(&iv);
                len
            }
            Err(e) => {
                out.iter_mut().for_each(|b| *b = 0);
                return Err(e);
            }
        };
        self.seq = seq.checked_add(1);
        Ok(HEADER_LEN + len)
    }

    /// Header, IV, MAC and at most one block of padding (assuming the provider pads
    /// minimally, as AWS-LC does).
    fn overhead(&self) -> usize {
        HEADER_LEN + CBC_BLOCK + self.alg.mac_len() + CBC_BLOCK
    }

    fn sequence(&self) -> u64 {
        self.seq.unwrap_or(u64::MAX)
    }
}

/// TLS 1.2 CBC record protection for reading (opt-in suites only).
///
/// Checks, in order: the content type is one that may be protected
/// ([`Error::UnexpectedContentType`]); the payload is at most 2^14 + 2048 bytes
/// ([`Error::RecordOverflow`]); its length is possible (an IV, then a non-empty whole
/// number of blocks, with room for the MAC) and the provider's constant-time open
/// accepts padding and MAC ([`Error::BadRecordMac`] for all of these, so that nothing
/// tells which); the plaintext is at most 2^14 bytes or the record size limit we
/// announced ([`Error::RecordOverflow`]).
pub struct Tls12CbcDecrypter {
    key: Box<dyn CbcKey>,
    alg: CbcAlgorithm,
    etm: bool,
    /// The next sequence number; `None` once all 2^64 have been used.
    seq: Option<u64>,
    max_plaintext: usize,
}

impl Tls12CbcDecrypter {
    /// A decrypter for a keyed CBC cipher. `etm` selects encrypt-then-MAC.
    pub fn new(key: Box<dyn CbcKey>, alg: CbcAlgorithm, etm: bool) -> Self {
        Self {
            key,
            alg,
            etm,
            seq: Some(0),
            max_plaintext: MAX_PLAINTEXT,
        }
    }

    /// Enforces the record_size_limit we announced (RFC 8449 §4): a larger plaintext
    /// is [`Error::RecordOverflow`]. Clamped to 1..=2^14.
    pub fn set_record_size_limit(&mut self, limit: u16) {
        self.max_plaintext = plaintext_limit(limit);
    }

    /// Whether a payload of `len` bytes can be a record of this cipher at all.
    fn possible_len(&self, len: usize) -> bool {
        let mac_len = self.alg.mac_len();
        if self.etm {
            // IV || blocks || MAC, at least one block.
            len.checked_sub(CBC_BLOCK + mac_len)
                .is_some_and(|blocks| blocks >= CBC_BLOCK && blocks % CBC_BLOCK == 0)
        } else {
            // IV || blocks, the blocks holding at least the MAC and one padding byte.
            len.checked_sub(CBC_BLOCK).is_some_and(|blocks| {
                blocks >= CBC_BLOCK && blocks % CBC_BLOCK == 0 && blocks > mac_len
            })
        }
    }

    #[cfg(test)]
    fn set_sequence(&mut self, seq: u64) {
        self.seq = Some(seq);
    }
}

impl fmt::Debug for Tls12CbcDecrypter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tls12CbcDecrypter")
            .field("alg", &self.alg)
            .field("etm", &self.etm)
            .field("seq", &self.seq)
            .field("max_plaintext", &self.max_plaintext)
            .finish_non_exhaustive()
    }
}

impl RecordDecrypter for Tls12CbcDecrypter {
    fn decrypt(&mut self, rec: OpaqueRecord) -> Result<PlainRecord, Error> {
        self.decrypt_in_place(rec).map(OpenedRecord::into_plain)
    }

    /// The plaintext is left after the IV, where it was decrypted.
    fn decrypt_in_place(&mut self, rec: OpaqueRecord) -> Result<OpenedRecord, Error> {
        let OpaqueRecord {
            typ,
            version,
            mut payload,
        } = rec;
        check_type(typ)?;
        let len = payload.len();
        check_ciphertext_len(len)?;
        if !self.possible_len(len) {
            return Err(Error::BadRecordMac);
        }
        let seq = self
            .seq
            .ok_or(Error::Internal("read sequence number exhausted"))?;
        let mac_header = seq_header(seq, typ, version);
        let (iv, body) = payload.split_at_mut(CBC_BLOCK);
        let iv: [u8; CBC_BLOCK] = (&*iv).try_into().map_err(|_| Error::BadRecordMac)?;
        let opened = if self.etm {
            self.key.open_encrypt_then_mac(&iv, &mac_header, body)
        } else {
            self.key.open_mac_then_encrypt(&iv, &mac_header, body)
        };
        let n = opened.map_err(|_| Error::BadRecordMac)?;
        if n > body.len() {
            return Err(Error::Internal("CBC open reported a bad length"));
        }
        self.seq = seq.checked_add(1);
        payload.truncate(CBC_BLOCK + n);
        check_plaintext_len(n, self.max_plaintext)?;
        Ok(OpenedRecord {
            typ,
            buf: payload,
            start: CBC_BLOCK,
        })
    }

    fn sequence(&self) -> u64 {
        self.seq.unwrap_or(u64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::RecordDeframer;
    use std::sync::Mutex;

    /// What a toy cipher was called with: (nonce or IV, additional data or MAC header).
    type CallLog = Arc<Mutex<Vec<(Vec<u8>, Vec<u8>)>>>;

    /// A keyed, non-cryptographic 64-bit mixing function, stretched to `n` bytes.
    fn toy_mac(key: &[u8], parts: &[&[u8]], n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n + 8);
        let mut counter = 0u64;
        while out.len() < n {
            let mut a: u64 = 0xcbf2_9ce4_8422_2325 ^ counter;
            let lens = parts.iter().flat_map(|p| (p.len() as u64).to_be_bytes());
            let bytes = parts.iter().flat_map(|p| p.iter().copied());
            for x in key.iter().copied().chain(lens).chain(bytes) {
                a = (a ^ u64::from(x)).wrapping_mul(0x0100_0000_01b3);
                a = a.rotate_left(5) ^ (a >> 29);
            }
            out.extend_from_slice(&a.to_be_bytes());
            counter += 1;
        }
        out.truncate(n);
        out
    }

    /// TEST ONLY, NOT AN AEAD: an XOR keystream with a non-cryptographic 16-byte
    /// checksum as "tag". Wrong nonce, AAD, key or any flipped bit makes `open` fail.
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
            let stream = toy_mac(&self.key, &[nonce, b"stream"], buf.len());
            for (b, k) in buf.iter_mut().zip(stream) {
                *b ^= k;
            }
        }
    }

    impl AeadKey for ToyAead {
        fn seal(&self, nonce: &[u8; 12], aad: &[u8], buf: &mut Vec<u8>) -> Result<(), Error> {
            self.log
                .lock()
                .unwrap()
                .push((nonce.to_vec(), aad.to_vec()));
            self.keystream(nonce, buf);
            let tag = toy_mac(&self.key, &[nonce, aad, buf], 16);
            buf.extend_from_slice(&tag);
            Ok(())
        }

        fn open(&self, nonce: &[u8; 12], aad: &[u8], buf: &mut [u8]) -> Result<usize, Error> {
            self.log
                .lock()
                .unwrap()
                .push((nonce.to_vec(), aad.to_vec()));
            let ct_len = buf.len().checked_sub(16).ok_or(Error::BadRecordMac)?;
            let (ct, tag) = buf.split_at_mut(ct_len);
            if toy_mac(&self.key, &[nonce, aad, ct], 16) != *tag {
                return Err(Error::BadRecordMac);
            }
            self.keystream(nonce, ct);
            Ok(ct_len)
        }
    }

    /// TEST ONLY, NOT A CIPHER: block chaining with XOR as the "block cipher" and the toy
    /// MAC, with TLS padding and both MAC orders, enough to test the record framing
    /// around [`CbcKey`]. Not constant time.
    struct ToyCbc {
        key: [u8; 16],
        mac_len: usize,
        log: CallLog,
    }

    impl ToyCbc {
        fn boxed(key: [u8; 16], alg: CbcAlgorithm) -> (Box<dyn CbcKey>, CallLog) {
            let log = CallLog::default();
            (
                Box::new(Self {
                    key,
                    mac_len: alg.mac_len(),
                    log: log.clone(),
                }),
                log,
            )
        }

        fn encrypt(&self, iv: &[u8; 16], data: &mut [u8]) {
            let mut prev = *iv;
            for block in data.chunks_mut(16) {
                for (i, b) in block.iter_mut().enumerate() {
                    *b ^= self.key[i] ^ prev[i];
                }
                prev.copy_from_slice(block);
            }
        }

        fn decrypt(&self, iv: &[u8; 16], data: &mut [u8]) {
            let mut prev = *iv;
            for block in data.chunks_mut(16) {
                let this: [u8; 16] = (&*block).try_into().unwrap();
                for (i, b) in block.iter_mut().enumerate() {
                    *b ^= self.key[i] ^ prev[i];
                }
                prev = this;
            }
        }

        fn pad(data: &mut Vec<u8>) {
            let p = 15 - data.len() % 16;
            data.extend(std::iter::repeat_n(p as u8, p + 1));
        }

        /// The content length after removing valid padding from `data`, if valid.
        fn unpad(data: &[u8], min: usize) -> Result<usize, Error> {
            let p = usize::from(*data.last().ok_or(Error::BadRecordMac)?);
            let content = data
                .len()
                .checked_sub(p + 1)
                .filter(|&c| c >= min)
                .ok_or(Error::BadRecordMac)?;
            if data[content..].iter().any(|&b| usize::from(b) != p) {
                return Err(Error::BadRecordMac);
            }
            Ok(content)
        }

        fn mac(&self, header: &[u8; 11], len: usize, rest: &[&[u8]]) -> Vec<u8> {
            let mut parts: Vec<&[u8]> = vec![header];
            let len = (len as u16).to_be_bytes();
            parts.push(&len);
            parts.extend_from_slice(rest);
            toy_mac(&self.key, &parts, self.mac_len)
        }
    }

    impl CbcKey for ToyCbc {
        fn seal_mac_then_encrypt(
            &self,
            iv: &[u8; 16],
            header: &[u8; 11],
            plaintext: &[u8],
            out: &mut Vec<u8>,
        ) -> Result<(), Error> {
            self.log
                .lock()
                .unwrap()
                .push((iv.to_vec(), header.to_vec()));
            let mut data = plaintext.to_vec();
            data.extend(self.mac(header, plaintext.len(), &[plaintext]));
            Self::pad(&mut data);
            self.encrypt(iv, &mut data);
            out.extend_from_slice(&data);
            Ok(())
        }

        fn open_mac_then_encrypt(
            &self,
            iv: &[u8; 16],
            header: &[u8; 11],
            ciphertext: &mut [u8],
        ) -> Result<usize, Error> {
            self.log
                .lock()
                .unwrap()
                .push((iv.to_vec(), header.to_vec()));
            self.decrypt(iv, ciphertext);
            let content = Self::unpad(ciphertext, self.mac_len)?;
            let n = content - self.mac_len;
            let (pt, mac) = ciphertext[..content].split_at(n);
            if self.mac(header, n, &[pt]) != mac {
                return Err(Error::BadRecordMac);
            }
            Ok(n)
        }

        fn seal_encrypt_then_mac(
            &self,
            iv: &[u8; 16],
            header: &[u8; 11],
            plaintext: &[u8],
            out: &mut Vec<u8>,
        ) -> Result<(), Error> {
            self.log
                .lock()
                .unwrap()
                .push((iv.to_vec(), header.to_vec()));
            let mut data = plaintext.to_vec();
            Self::pad(&mut data);
            self.encrypt(iv, &mut data);
            let mac = self.mac(header, 16 + data.len(), &[iv, &data]);
            out.extend_from_slice(&data);
            out.extend_from_slice(&mac);
            Ok(())
        }

        fn open_encrypt_then_mac(
            &self,
            iv: &[u8; 16],
            header: &[u8; 11],
            record: &mut [u8],
        ) -> Result<usize, Error> {
            self.log
                .lock()
                .unwrap()
                .push((iv.to_vec(), header.to_vec()));
            let ct_len = record
                .len()
                .checked_sub(self.mac_len)
                .ok_or(Error::BadRecordMac)?;
            let (ct, mac) = record.split_at_mut(ct_len);
            if self.mac(header, 16 + ct_len, &[iv, ct]) != *mac {
                return Err(Error::BadRecordMac);
            }
            self.decrypt(iv, ct);
            Self::unpad(ct, 0)
        }
    }

    const KEY: [u8; 16] = *b"toy key, no AEAD";
    const SALT: [u8; 4] = [0xa0, 0xa1, 0xa2, 0xa3];
    const CHACHA_IV: [u8; 12] = [
        0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb,
    ];

    fn fixed_iv(kind: Tls12AeadKind) -> &'static [u8] {
        match kind {
            Tls12AeadKind::AesGcm => &SALT,
            Tls12AeadKind::ChaCha20Poly1305 => &CHACHA_IV,
        }
    }

    fn aead_pair(
        kind: Tls12AeadKind,
    ) -> (Tls12AeadEncrypter, CallLog, Tls12AeadDecrypter, CallLog) {
        let (ek, elog) = ToyAead::boxed(KEY);
        let (dk, dlog) = ToyAead::boxed(KEY);
        (
            Tls12AeadEncrypter::new(ek, fixed_iv(kind), kind).unwrap(),
            elog,
            Tls12AeadDecrypter::new(dk, fixed_iv(kind), kind).unwrap(),
            dlog,
        )
    }

    /// A deterministic IV source: 0x00.., then 0x01.., ...
    fn counting_ivs() -> RandomSource {
        let mut n = 0u8;
        Box::new(move |buf: &mut [u8]| {
            buf.fill(n);
            n = n.wrapping_add(1);
            Ok(())
        })
    }

    fn cbc_pair(
        alg: CbcAlgorithm,
        etm: bool,
    ) -> (Tls12CbcEncrypter, CallLog, Tls12CbcDecrypter, CallLog) {
        let (ek, elog) = ToyCbc::boxed(KEY, alg);
        let (dk, dlog) = ToyCbc::boxed(KEY, alg);
        (
            Tls12CbcEncrypter::with_random_source(ek, alg, etm, counting_ivs()),
            elog,
            Tls12CbcDecrypter::new(dk, alg, etm),
            dlog,
        )
    }

    fn deframe(wire: &[u8]) -> Vec<OpaqueRecord> {
        let mut d = RecordDeframer::new();
        d.set_max_record_len(MAX_CIPHERTEXT_TLS12);
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

    fn samples() -> Vec<(ContentType, Vec<u8>)> {
        vec![
            (ContentType::Handshake, b"hello".to_vec()),
            (
                ContentType::ApplicationData,
                (0..1000u16).map(|i| i as u8).collect(),
            ),
            (ContentType::Alert, vec![1, 0]),
            (ContentType::ChangeCipherSpec, vec![1]),
            (ContentType::ApplicationData, vec![]),
            (ContentType::ApplicationData, vec![0x55; 15]),
            (ContentType::ApplicationData, vec![0x66; 16]),
            (ContentType::ApplicationData, vec![0x77; MAX_PLAINTEXT]),
        ]
    }

    const AEAD_KINDS: [Tls12AeadKind; 2] = [Tls12AeadKind::AesGcm, Tls12AeadKind::ChaCha20Poly1305];

    // ---- AEAD

    #[test]
    fn kinds() {
        use AeadAlgorithm as A;
        assert_eq!(
            Tls12AeadKind::for_algorithm(A::Aes128Gcm),
            Tls12AeadKind::AesGcm
        );
        assert_eq!(
            Tls12AeadKind::for_algorithm(A::Aes256Gcm),
            Tls12AeadKind::AesGcm
        );
        assert_eq!(
            Tls12AeadKind::for_algorithm(A::ChaCha20Poly1305),
            Tls12AeadKind::ChaCha20Poly1305
        );
        assert_eq!(Tls12AeadKind::AesGcm.fixed_iv_len(), 4);
        assert_eq!(Tls12AeadKind::ChaCha20Poly1305.fixed_iv_len(), 12);
        // A fixed IV of the other kind's length is refused.
        for kind in AEAD_KINDS {
            let other = if kind == Tls12AeadKind::AesGcm {
                &CHACHA_IV[..]
            } else {
                &SALT[..]
            };
            assert!(matches!(
                Tls12AeadEncrypter::new(ToyAead::boxed(KEY).0, other, kind),
                Err(Error::Internal(_))
            ));
            assert!(matches!(
                Tls12AeadDecrypter::new(ToyAead::boxed(KEY).0, other, kind),
                Err(Error::Internal(_))
            ));
        }
    }

    #[test]
    fn aead_round_trip() {
        for kind in AEAD_KINDS {
            let (mut enc, _, mut dec, _) = aead_pair(kind);
            let sent = samples();
            let mut wire = Vec::new();
            for (typ, data) in &sent {
                enc.encrypt(*typ, data, &mut wire).unwrap();
            }
            assert_eq!(enc.sequence(), sent.len() as u64);
            let records = deframe(&wire);
            assert_eq!(records.len(), sent.len());
            let explicit = kind.explicit_nonce_len();
            for (seq, ((typ, data), rec)) in sent.iter().zip(records).enumerate() {
                assert_eq!(rec.typ, *typ, "TLS 1.2 records carry the real type");
                assert_eq!(rec.version, 0x0303);
                assert_eq!(rec.payload.len(), explicit + data.len() + 16);
                // GCM: the explicit nonce is the sequence number, in the clear.
                assert_eq!(
                    &rec.payload[..explicit],
                    &(seq as u64).to_be_bytes()[..explicit]
                );
                if data.len() > 4 {
                    assert_ne!(&rec.payload[explicit..explicit + data.len()], &data[..]);
                }
                if seq % 2 == 0 {
                    let plain = dec.decrypt(rec).unwrap();
                    assert_eq!((&plain.typ, &plain.payload), (typ, data), "{kind:?}");
                } else {
                    // Opened in place: the plaintext stays after the explicit nonce.
                    let opened = dec.decrypt_in_place(rec).unwrap();
                    assert_eq!(opened.start, explicit);
                    assert_eq!(opened.buf.len(), explicit + data.len());
                    assert_eq!((&opened.typ, opened.plaintext()), (typ, &data[..]));
                    assert_eq!(opened.into_plain().payload, *data);
                }
            }
            assert_eq!(dec.sequence(), sent.len() as u64);
        }
    }

    #[test]
    fn aead_encrypt_into_writes_what_encrypt_appends() {
        for kind in [Tls12AeadKind::AesGcm, Tls12AeadKind::ChaCha20Poly1305] {
            let (mut by_vec, _, mut dec, _) = aead_pair(kind);
            let (mut by_slice, _, _, _) = aead_pair(kind);
            for (i, len) in [0usize, 1, 100, MAX_PLAINTEXT].into_iter().enumerate() {
                let data = vec![i as u8 + 1; len];
                let mut expect = Vec::new();
                by_vec
                    .encrypt(ContentType::ApplicationData, &data, &mut expect)
                    .unwrap();
                let mut out = vec![0xee; len + by_slice.overhead()];
                let seq = by_slice.sequence();
                assert!(by_slice
                    .encrypt_into(
                        ContentType::ApplicationData,
                        &data,
                        &mut out[..expect.len() - 1]
                    )
                    .is_err());
                assert_eq!(by_slice.sequence(), seq, "nothing sealed");
                let n = by_slice
                    .encrypt_into(ContentType::ApplicationData, &data, &mut out)
                    .unwrap();
                assert_eq!(&out[..n], &expect[..], "{kind:?} {len}");
                let mut d = RecordDeframer::new();
                d.push(&out[..n]);
                let plain = dec.decrypt(d.pop().unwrap().unwrap()).unwrap();
                assert_eq!(plain.payload, data);
            }
        }
        // CBC goes through the trait's default: the same record (same IV source).
        let (mut by_vec, _, mut dec, _) = cbc_pair(CbcAlgorithm::Aes128Sha256, true);
        let (mut by_slice, _, _, _) = cbc_pair(CbcAlgorithm::Aes128Sha256, true);
        let mut expect = Vec::new();
        by_vec
            .encrypt(ContentType::ApplicationData, b"cbc data", &mut expect)
            .unwrap();
        let mut out = vec![0; 8 + by_slice.overhead()];
        let n = by_slice
            .encrypt_into(ContentType::ApplicationData, b"cbc data", &mut out)
            .unwrap();
        assert_eq!(&out[..n], &expect[..]);
        let mut d = RecordDeframer::new();
        d.push(&out[..n]);
        assert_eq!(
            dec.decrypt(d.pop().unwrap().unwrap()).unwrap().payload,
            b"cbc data"
        );
    }

    #[test]
    fn gcm_nonce_and_additional_data() {
        let (mut enc, log, _, _) = aead_pair(Tls12AeadKind::AesGcm);
        let mut wire = Vec::new();
        for n in 0..3u8 {
            let start = wire.len();
            let len = 100 * usize::from(n);
            enc.encrypt(ContentType::Handshake, &vec![7; len], &mut wire)
                .unwrap();
            let calls = log.lock().unwrap();
            let (nonce, aad) = calls.last().unwrap();
            assert_eq!(nonce, &[0xa0, 0xa1, 0xa2, 0xa3, 0, 0, 0, 0, 0, 0, 0, n]);
            assert_eq!(
                aad,
                &[
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    n,
                    22,
                    3,
                    3,
                    (len >> 8) as u8,
                    len as u8
                ]
            );
            let rec_len = len + 24;
            assert_eq!(
                &wire[start..start + 13],
                &[
                    22,
                    3,
                    3,
                    (rec_len >> 8) as u8,
                    rec_len as u8,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    n
                ]
            );
        }
        enc.set_sequence(0x0102_0304_0506_0708);
        enc.encrypt(ContentType::ApplicationData, b"x", &mut wire)
            .unwrap();
        let calls = log.lock().unwrap();
        let (nonce, aad) = calls.last().unwrap();
        assert_eq!(nonce, &[0xa0, 0xa1, 0xa2, 0xa3, 1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(aad, &[1, 2, 3, 4, 5, 6, 7, 8, 23, 3, 3, 0, 1]);
        assert_eq!(
            &wire[wire.len() - 25..wire.len() - 17],
            &[1, 2, 3, 4, 5, 6, 7, 8]
        );
    }

    #[test]
    fn chacha_nonce_and_additional_data() {
        let (mut enc, log, _, _) = aead_pair(Tls12AeadKind::ChaCha20Poly1305);
        let mut wire = Vec::new();
        enc.encrypt(ContentType::Alert, &[1, 0], &mut wire).unwrap();
        assert_eq!(&wire[..5], &[21, 3, 3, 0, 18]);
        enc.set_sequence(0x0102_0304_0506_0708);
        enc.encrypt(ContentType::ApplicationData, b"abc", &mut wire)
            .unwrap();
        let calls = log.lock().unwrap();
        assert_eq!(calls[0].0, CHACHA_IV);
        assert_eq!(calls[0].1, [0, 0, 0, 0, 0, 0, 0, 0, 21, 3, 3, 0, 2]);
        assert_eq!(
            calls[1].0,
            [0xb0, 0xb1, 0xb2, 0xb3, 0xb5, 0xb7, 0xb5, 0xb3, 0xbd, 0xbf, 0xbd, 0xb3]
        );
        assert_eq!(calls[1].1, [1, 2, 3, 4, 5, 6, 7, 8, 23, 3, 3, 0, 3]);
        assert_eq!(&wire[23..28], &[23, 3, 3, 0, 19]);
    }

    /// Seals `plaintext` as a peer would, with any explicit nonce.
    fn forge_gcm(typ: ContentType, plaintext: &[u8], seq: u64, explicit: [u8; 8]) -> OpaqueRecord {
        let (key, _) = ToyAead::boxed(KEY);
        let mut nonce = [0u8; 12];
        nonce[..4].copy_from_slice(&SALT);
        nonce[4..].copy_from_slice(&explicit);
        let aad = aead_aad(seq, typ, 0x0303, plaintext.len()).unwrap();
        let mut sealed = plaintext.to_vec();
        key.seal(&nonce, &aad, &mut sealed).unwrap();
        let mut payload = explicit.to_vec();
        payload.extend(sealed);
        OpaqueRecord {
            typ,
            version: 0x0303,
            payload,
        }
    }

    #[test]
    fn gcm_uses_the_received_explicit_nonce() {
        let (_, _, mut dec, dlog) = aead_pair(Tls12AeadKind::AesGcm);
        // Any explicit nonce is fine; the sequence number only enters the AAD.
        let rec = forge_gcm(
            ContentType::ApplicationData,
            b"hi",
            0,
            *b"\xde\xad\xbe\xef\0\0\0\x01",
        );
        assert_eq!(dec.decrypt(rec).unwrap().payload, b"hi");
        assert_eq!(
            dlog.lock().unwrap()[0].0,
            [0xa0, 0xa1, 0xa2, 0xa3, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1]
        );
        // The right explicit nonce under the wrong sequence number fails.
        let rec = forge_gcm(ContentType::ApplicationData, b"hi", 5, [0; 8]);
        assert_eq!(dec.decrypt(rec), Err(Error::BadRecordMac));
        assert_eq!(dec.sequence(), 1);
    }

    #[test]
    fn aead_additional_data_uses_received_type_and_version() {
        for kind in AEAD_KINDS {
            let (mut enc, _, mut dec, dlog) = aead_pair(kind);
            let mut wire = Vec::new();
            enc.encrypt(ContentType::ApplicationData, b"abc", &mut wire)
                .unwrap();
            let rec = deframe(&wire).remove(0);
            let mut bad = rec.clone();
            bad.version = 0x0301;
            assert_eq!(dec.decrypt(bad), Err(Error::BadRecordMac));
            assert_eq!(
                dlog.lock().unwrap()[0].1,
                [0, 0, 0, 0, 0, 0, 0, 0, 23, 3, 1, 0, 3]
            );
            let mut bad = rec.clone();
            bad.typ = ContentType::Handshake;
            assert_eq!(dec.decrypt(bad), Err(Error::BadRecordMac));
            assert_eq!(dec.sequence(), 0);
            assert_eq!(dec.decrypt(rec).unwrap().payload, b"abc");
        }
    }

    #[test]
    fn aead_sequence_numbers_and_replay() {
        for kind in AEAD_KINDS {
            let (mut enc, _, mut dec, _) = aead_pair(kind);
            let mut wire = Vec::new();
            enc.encrypt(ContentType::ApplicationData, b"first", &mut wire)
                .unwrap();
            enc.encrypt(ContentType::ApplicationData, b"second", &mut wire)
                .unwrap();
            let mut records = deframe(&wire);
            let second = records.pop().unwrap();
            let first = records.pop().unwrap();
            assert_eq!(dec.decrypt(second.clone()), Err(Error::BadRecordMac));
            assert_eq!(dec.sequence(), 0);
            assert_eq!(dec.decrypt(first.clone()).unwrap().payload, b"first");
            assert_eq!(dec.decrypt(second).unwrap().payload, b"second");
            assert_eq!(
                dec.decrypt(first),
                Err(Error::BadRecordMac),
                "{kind:?} replay"
            );
        }
    }

    #[test]
    fn aead_tamper_and_short_records() {
        for kind in AEAD_KINDS {
            let (mut enc, _, _, _) = aead_pair(kind);
            let mut wire = Vec::new();
            enc.encrypt(ContentType::ApplicationData, b"attack at dawn", &mut wire)
                .unwrap();
            let rec = deframe(&wire).remove(0);
            for i in 0..rec.payload.len() {
                let mut bad = rec.clone();
                bad.payload[i] ^= 0x01;
                let (_, _, mut dec, _) = aead_pair(kind);
                assert_eq!(
                    dec.decrypt(bad),
                    Err(Error::BadRecordMac),
                    "{kind:?} byte {i}"
                );
            }
            let min = kind.explicit_nonce_len() + 16;
            for len in 0..min {
                let (_, _, mut dec, dlog) = aead_pair(kind);
                let mut short = rec.clone();
                short.payload.truncate(len);
                assert_eq!(dec.decrypt(short), Err(Error::BadRecordMac));
                assert!(dlog.lock().unwrap().is_empty(), "no open attempted");
            }
            // Wrong key.
            let mut dec = Tls12AeadDecrypter::new(
                ToyAead::boxed(*b"another toy key!").0,
                fixed_iv(kind),
                kind,
            )
            .unwrap();
            assert_eq!(dec.decrypt(rec.clone()), Err(Error::BadRecordMac));
            let (_, _, mut dec, _) = aead_pair(kind);
            assert_eq!(dec.decrypt(rec).unwrap().payload, b"attack at dawn");
        }
    }

    #[test]
    fn aead_overflow() {
        for kind in AEAD_KINDS {
            let (_, _, mut dec, dlog) = aead_pair(kind);
            let rec = OpaqueRecord {
                typ: ContentType::ApplicationData,
                version: 0x0303,
                payload: vec![0; MAX_CIPHERTEXT_TLS12 + 1],
            };
            assert_eq!(
                dec.decrypt(rec),
                Err(Error::RecordOverflow {
                    len: 18433,
                    limit: 18432
                })
            );
            assert!(dlog.lock().unwrap().is_empty(), "no open attempted");
        }
        // A plaintext over 2^14 in a ciphertext within 2^14 + 2048.
        let (_, _, mut dec, _) = aead_pair(Tls12AeadKind::AesGcm);
        let rec = forge_gcm(
            ContentType::ApplicationData,
            &[1; MAX_PLAINTEXT + 1],
            0,
            [0; 8],
        );
        assert_eq!(
            dec.decrypt(rec),
            Err(Error::RecordOverflow {
                len: 16385,
                limit: 16384
            })
        );
        let (_, _, mut dec, _) = aead_pair(Tls12AeadKind::AesGcm);
        let rec = forge_gcm(ContentType::ApplicationData, &[1; MAX_PLAINTEXT], 0, [0; 8]);
        assert_eq!(dec.decrypt(rec).unwrap().payload.len(), MAX_PLAINTEXT);
        // Our announced record_size_limit.
        let (_, _, mut dec, _) = aead_pair(Tls12AeadKind::AesGcm);
        dec.set_record_size_limit(100);
        let rec = forge_gcm(ContentType::ApplicationData, &[1; 100], 0, [0; 8]);
        assert_eq!(dec.decrypt(rec).unwrap().payload.len(), 100);
        let rec = forge_gcm(ContentType::ApplicationData, &[1; 101], 1, [0; 8]);
        assert_eq!(
            dec.decrypt(rec),
            Err(Error::RecordOverflow {
                len: 101,
                limit: 100
            })
        );
    }

    #[test]
    fn aead_encrypt_limits() {
        for kind in AEAD_KINDS {
            let (mut enc, _, _, _) = aead_pair(kind);
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
            enc.encrypt(ContentType::ApplicationData, &[0; 100], &mut out)
                .unwrap();
            assert_eq!(out.len(), 100 + enc.overhead());
            assert!(enc
                .encrypt(ContentType::ApplicationData, &[0; 101], &mut out)
                .is_err());
            assert_eq!(
                out.len(),
                100 + enc.overhead(),
                "nothing written on failure"
            );
            assert_eq!(enc.sequence(), 1);
        }
        assert_eq!(aead_pair(Tls12AeadKind::AesGcm).0.overhead(), 5 + 8 + 16);
        assert_eq!(
            aead_pair(Tls12AeadKind::ChaCha20Poly1305).0.overhead(),
            5 + 16
        );
    }

    #[test]
    fn aead_sequence_numbers_never_wrap() {
        for kind in AEAD_KINDS {
            let (mut enc, _, mut dec, _) = aead_pair(kind);
            enc.set_sequence(u64::MAX);
            dec.set_sequence(u64::MAX);
            let mut wire = Vec::new();
            enc.encrypt(ContentType::ApplicationData, b"last", &mut wire)
                .unwrap();
            assert_eq!(
                enc.encrypt(ContentType::ApplicationData, b"more", &mut wire),
                Err(Error::Internal("write sequence number exhausted"))
            );
            let rec = deframe(&wire).remove(0);
            assert_eq!(dec.decrypt(rec.clone()).unwrap().payload, b"last");
            assert_eq!(
                dec.decrypt(rec),
                Err(Error::Internal("read sequence number exhausted"))
            );
        }
    }

    #[test]
    fn unprotectable_types_are_refused() {
        let rec = |typ| OpaqueRecord {
            typ,
            version: 0x0303,
            payload: vec![0; 64],
        };
        for typ in [ContentType::Heartbeat, ContentType::Unknown(99)] {
            let (_, _, mut dec, dlog) = aead_pair(Tls12AeadKind::AesGcm);
            assert_eq!(
                dec.decrypt(rec(typ)),
                Err(Error::UnexpectedContentType(typ))
            );
            assert!(dlog.lock().unwrap().is_empty());
            let (_, _, mut dec, dlog) = cbc_pair(CbcAlgorithm::Aes128Sha1, false);
            assert_eq!(
                dec.decrypt(rec(typ)),
                Err(Error::UnexpectedContentType(typ))
            );
            assert!(dlog.lock().unwrap().is_empty());
        }
    }

    // ---- CBC

    const CBC_ALGS: [CbcAlgorithm; 5] = [
        CbcAlgorithm::Aes128Sha1,
        CbcAlgorithm::Aes256Sha1,
        CbcAlgorithm::Aes128Sha256,
        CbcAlgorithm::Aes256Sha256,
        CbcAlgorithm::Aes256Sha384,
    ];

    #[test]
    fn cbc_round_trip() {
        for alg in CBC_ALGS {
            for etm in [false, true] {
                let (mut enc, elog, mut dec, dlog) = cbc_pair(alg, etm);
                let sent = samples();
                let mut wire = Vec::new();
                for (typ, data) in &sent {
                    enc.encrypt(*typ, data, &mut wire).unwrap();
                }
                assert_eq!(enc.sequence(), sent.len() as u64);
                let records = deframe(&wire);
                let mac = alg.mac_len();
                for (seq, ((typ, data), rec)) in sent.iter().zip(records).enumerate() {
                    assert_eq!(rec.typ, *typ);
                    assert_eq!(rec.version, 0x0303);
                    // Fresh IV per record, in the clear at the front.
                    assert_eq!(rec.payload[..16], [seq as u8; 16]);
                    let expect_len = if etm {
                        16 + (data.len() / 16 + 1) * 16 + mac
                    } else {
                        16 + ((data.len() + mac) / 16 + 1) * 16
                    };
                    assert_eq!(rec.payload.len(), expect_len, "{alg:?} etm={etm}");
                    assert!(rec.payload.len() + 5 <= data.len() + enc.overhead());
                    if seq % 2 == 0 {
                        let plain = dec.decrypt(rec).unwrap();
                        assert_eq!((&plain.typ, &plain.payload), (typ, data));
                    } else {
                        // Opened in place: the plaintext stays after the IV.
                        let opened = dec.decrypt_in_place(rec).unwrap();
                        assert_eq!(opened.start, 16);
                        assert_eq!(opened.buf.len(), 16 + data.len());
                        assert_eq!((&opened.typ, opened.plaintext()), (typ, &data[..]));
                    }
                }
                assert_eq!(dec.sequence(), sent.len() as u64);
                // The cipher saw the IV it was given and seq || type || version.
                for log in [elog, dlog] {
                    let calls = log.lock().unwrap();
                    assert_eq!(calls.len(), sent.len());
                    for (seq, ((typ, _), (iv, header))) in sent.iter().zip(calls.iter()).enumerate()
                    {
                        assert_eq!(iv, &[seq as u8; 16]);
                        let mut want = (seq as u64).to_be_bytes().to_vec();
                        want.extend([typ.to_wire(), 3, 3]);
                        assert_eq!(header, &want);
                    }
                }
            }
        }
    }

    #[test]
    fn cbc_impossible_lengths_are_bad_record_mac_without_decrypting() {
        for alg in CBC_ALGS {
            for etm in [false, true] {
                let mac = alg.mac_len();
                let min_ok = if etm {
                    16 + 16 + mac
                } else {
                    16 + (mac / 16 + 1) * 16
                };
                for len in 0..min_ok + 40 {
                    let (_, _, mut dec, dlog) = cbc_pair(alg, etm);
                    // For EtM, (len + 64 - mac) % 16 is (len - 16 - mac) % 16 without underflow.
                    let aligned = if etm {
                        (len + 64 - mac) % 16 == 0
                    } else {
                        len % 16 == 0
                    };
                    let rec = OpaqueRecord {
                        typ: ContentType::ApplicationData,
                        version: 0x0303,
                        payload: vec![0x5a; len],
                    };
                    assert_eq!(dec.decrypt(rec), Err(Error::BadRecordMac));
                    let tried = !dlog.lock().unwrap().is_empty();
                    assert_eq!(
                        tried,
                        len >= min_ok && aligned,
                        "{alg:?} etm={etm} len={len}"
                    );
                    assert_eq!(dec.sequence(), 0);
                }
            }
        }
    }

    #[test]
    fn cbc_tamper_is_bad_record_mac() {
        for alg in [CbcAlgorithm::Aes128Sha1, CbcAlgorithm::Aes256Sha384] {
            for etm in [false, true] {
                let (mut enc, _, _, _) = cbc_pair(alg, etm);
                let mut wire = Vec::new();
                enc.encrypt(ContentType::ApplicationData, b"attack at dawn", &mut wire)
                    .unwrap();
                let rec = deframe(&wire).remove(0);
                for i in 0..rec.payload.len() {
                    let mut bad = rec.clone();
                    bad.payload[i] ^= 0x80;
                    let (_, _, mut dec, _) = cbc_pair(alg, etm);
                    assert_eq!(dec.decrypt(bad), Err(Error::BadRecordMac), "byte {i}");
                    assert_eq!(dec.sequence(), 0);
                }
                // Wrong MAC order.
                let (_, _, mut dec, _) = cbc_pair(alg, !etm);
                assert_eq!(dec.decrypt(rec.clone()), Err(Error::BadRecordMac));
                // Received header goes into the MAC.
                let (_, _, mut dec, _) = cbc_pair(alg, etm);
                let mut bad = rec.clone();
                bad.version = 0x0302;
                assert_eq!(dec.decrypt(bad), Err(Error::BadRecordMac));
                assert_eq!(dec.decrypt(rec).unwrap().payload, b"attack at dawn");
            }
        }
    }

    #[test]
    fn cbc_sequence_numbers() {
        for etm in [false, true] {
            let (mut enc, _, mut dec, _) = cbc_pair(CbcAlgorithm::Aes128Sha256, etm);
            let mut wire = Vec::new();
            enc.encrypt(ContentType::ApplicationData, b"first", &mut wire)
                .unwrap();
            enc.encrypt(ContentType::ApplicationData, b"second", &mut wire)
                .unwrap();
            let mut records = deframe(&wire);
            let second = records.pop().unwrap();
            let first = records.pop().unwrap();
            assert_eq!(dec.decrypt(second.clone()), Err(Error::BadRecordMac));
            assert_eq!(dec.decrypt(first.clone()).unwrap().payload, b"first");
            assert_eq!(dec.decrypt(second).unwrap().payload, b"second");
            assert_eq!(dec.decrypt(first), Err(Error::BadRecordMac));

            let (mut enc, _, mut dec, _) = cbc_pair(CbcAlgorithm::Aes128Sha256, etm);
            enc.set_sequence(u64::MAX);
            dec.set_sequence(u64::MAX);
            let mut wire = Vec::new();
            enc.encrypt(ContentType::ApplicationData, b"last", &mut wire)
                .unwrap();
            assert!(enc
                .encrypt(ContentType::ApplicationData, b"more", &mut wire)
                .is_err());
            let rec = deframe(&wire).remove(0);
            assert_eq!(dec.decrypt(rec.clone()).unwrap().payload, b"last");
            assert_eq!(
                dec.decrypt(rec),
                Err(Error::Internal("read sequence number exhausted"))
            );
        }
    }

    #[test]
    fn cbc_plaintext_overflow() {
        // A peer packing 2^14 + 1 plaintext bytes into a record within 2^14 + 2048.
        for etm in [false, true] {
            let alg = CbcAlgorithm::Aes128Sha1;
            let (mut key, _) = ToyCbc::boxed(KEY, alg);
            let header = seq_header(0, ContentType::ApplicationData, 0x0303);
            let mut payload = vec![9u8; 16];
            let iv = [9u8; 16];
            let big = vec![1u8; MAX_PLAINTEXT + 1];
            if etm {
                key.seal_encrypt_then_mac(&iv, &header, &big, &mut payload)
            } else {
                key.seal_mac_then_encrypt(&iv, &header, &big, &mut payload)
            }
            .unwrap();
            key = ToyCbc::boxed(KEY, alg).0;
            let mut dec = Tls12CbcDecrypter::new(key, alg, etm);
            let rec = OpaqueRecord {
                typ: ContentType::ApplicationData,
                version: 0x0303,
                payload,
            };
            assert_eq!(
                dec.decrypt(rec),
                Err(Error::RecordOverflow {
                    len: 16385,
                    limit: 16384
                })
            );
        }
    }

    #[test]
    fn cbc_random_failure_writes_nothing() {
        let (key, _) = ToyCbc::boxed(KEY, CbcAlgorithm::Aes128Sha1);
        let mut enc = Tls12CbcEncrypter::with_random_source(
            key,
            CbcAlgorithm::Aes128Sha1,
            false,
            Box::new(|_: &mut [u8]| Err(Error::Internal("no entropy"))),
        );
        let mut out = b"before".to_vec();
        assert_eq!(
            enc.encrypt(ContentType::ApplicationData, b"data", &mut out),
            Err(Error::Internal("no entropy"))
        );
        assert_eq!(out, b"before");
        assert_eq!(enc.sequence(), 0);
    }

    #[test]
    fn cbc_encrypt_limits_and_overhead() {
        let (mut enc, _, _, _) = cbc_pair(CbcAlgorithm::Aes256Sha384, false);
        assert_eq!(enc.overhead(), 5 + 16 + 48 + 16);
        let mut out = Vec::new();
        assert!(matches!(
            enc.encrypt(
                ContentType::ApplicationData,
                &[0; MAX_PLAINTEXT + 1],
                &mut out
            ),
            Err(Error::Internal(_))
        ));
        assert!(out.is_empty());
        enc.set_record_size_limit(64);
        assert!(enc
            .encrypt(ContentType::ApplicationData, &[0; 65], &mut out)
            .is_err());
        enc.encrypt(ContentType::ApplicationData, &[0; 64], &mut out)
            .unwrap();
        assert!(out.len() <= 64 + enc.overhead());
    }

    #[test]
    fn debug_shows_no_key_material() {
        let (enc, _, dec, _) = aead_pair(Tls12AeadKind::AesGcm);
        assert_eq!(
            format!("{enc:?}"),
            "Tls12AeadEncrypter { kind: AesGcm, seq: Some(0), max_plaintext: 16384, .. }"
        );
        assert_eq!(
            format!("{dec:?}"),
            "Tls12AeadDecrypter { kind: AesGcm, seq: Some(0), max_plaintext: 16384, .. }"
        );
        let (enc, _, dec, _) = cbc_pair(CbcAlgorithm::Aes128Sha1, true);
        assert_eq!(
            format!("{enc:?}"),
            "Tls12CbcEncrypter { alg: Aes128Sha1, etm: true, seq: Some(0), max_plaintext: 16384, .. }"
        );
        assert!(format!("{dec:?}").starts_with("Tls12CbcDecrypter { alg: Aes128Sha1, etm: true"));
        // Usable as trait objects.
        let _: Box<dyn RecordEncrypter> = Box::new(enc);
        let _: Box<dyn RecordDecrypter> = Box::new(dec);
    }
}
