//! TLS 1.2 CBC record protection (AES-CBC with HMAC), in both arrangements:
//!
//! - **MAC-then-encrypt** (RFC 5246 §6.2.3.2): sealed and opened by AWS-LC's TLS CBC
//!   "AEADs" (`EVP_aead_aes_*_cbc_sha*_tls`), whose open checks padding and MAC in
//!   constant time (the Lucky13 countermeasure). AWS-LC has no AES-256 + HMAC-SHA256
//!   one, so for that algorithm we decrypt with AES-256-CBC, re-encrypt the (still
//!   unchecked) result under a throwaway AES-128 key and the same IV, and hand that to
//!   the AES-128 + HMAC-SHA256 AEAD, which then does the same constant-time padding
//!   and MAC check with our MAC key. Both CBC passes take time independent of the data.
//! - **Encrypt-then-MAC** (RFC 7366): raw AES-CBC plus an HMAC over
//!   `seq_num || type || version || length || IV || ciphertext`, where `length` is
//!   that of IV + ciphertext (without the MAC). The MAC is compared in constant time
//!   before anything is decrypted.
//!
//! Every open failure is [`Error::BadRecordMac`].

use crate::ffi::{Direction, TlsCbcAead, TlsCbcContext};
use aws_lc_rs::cipher::{
    Algorithm, DecryptingKey, DecryptionContext, EncryptingKey, EncryptionContext,
    UnboundCipherKey, AES_128, AES_256,
};
use aws_lc_rs::hmac;
use aws_lc_rs::iv::FixedLength;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use lucidtls::crypto::{CbcAlgorithm, CbcCipher, CbcKey};
use lucidtls::Error;
use std::sync::{Mutex, MutexGuard};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// AES block (and explicit IV) length.
const BLOCK: usize = 16;

/// One CBC algorithm.
#[derive(Debug)]
pub(crate) struct AwsCbc {
    alg: CbcAlgorithm,
}

pub(crate) static AES_128_SHA1: AwsCbc = AwsCbc {
    alg: CbcAlgorithm::Aes128Sha1,
};
pub(crate) static AES_256_SHA1: AwsCbc = AwsCbc {
    alg: CbcAlgorithm::Aes256Sha1,
};
pub(crate) static AES_128_SHA256: AwsCbc = AwsCbc {
    alg: CbcAlgorithm::Aes128Sha256,
};
pub(crate) static AES_256_SHA256: AwsCbc = AwsCbc {
    alg: CbcAlgorithm::Aes256Sha256,
};
pub(crate) static AES_256_SHA384: AwsCbc = AwsCbc {
    alg: CbcAlgorithm::Aes256Sha384,
};

/// The implementation for `alg`.
pub(crate) fn for_algorithm(alg: CbcAlgorithm) -> &'static dyn CbcCipher {
    match alg {
        CbcAlgorithm::Aes128Sha1 => &AES_128_SHA1,
        CbcAlgorithm::Aes256Sha1 => &AES_256_SHA1,
        CbcAlgorithm::Aes128Sha256 => &AES_128_SHA256,
        CbcAlgorithm::Aes256Sha256 => &AES_256_SHA256,
        CbcAlgorithm::Aes256Sha384 => &AES_256_SHA384,
    }
}

fn aes(alg: CbcAlgorithm) -> &'static Algorithm {
    match alg.enc_key_len() {
        16 => &AES_128,
        _ => &AES_256,
    }
}

fn hmac_algorithm(alg: CbcAlgorithm) -> hmac::Algorithm {
    match alg {
        CbcAlgorithm::Aes128Sha1 | CbcAlgorithm::Aes256Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        CbcAlgorithm::Aes128Sha256 | CbcAlgorithm::Aes256Sha256 => hmac::HMAC_SHA256,
        CbcAlgorithm::Aes256Sha384 => hmac::HMAC_SHA384,
    }
}

/// AWS-LC's native TLS AEAD for `alg`, if there is one.
fn native_aead(alg: CbcAlgorithm) -> Option<TlsCbcAead> {
    match alg {
        CbcAlgorithm::Aes128Sha1 => Some(TlsCbcAead::Aes128Sha1),
        CbcAlgorithm::Aes256Sha1 => Some(TlsCbcAead::Aes256Sha1),
        CbcAlgorithm::Aes128Sha256 => Some(TlsCbcAead::Aes128Sha256),
        CbcAlgorithm::Aes256Sha384 => Some(TlsCbcAead::Aes256Sha384),
        CbcAlgorithm::Aes256Sha256 => None,
    }
}

fn key_setup_failed() -> Error {
    Error::Internal("CBC key setup failed")
}

fn concat(a: &[u8], b: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(a.len() + b.len()));
    out.extend_from_slice(a);
    out.extend_from_slice(b);
    out
}

fn tls_context(
    aead: TlsCbcAead,
    key: &[u8],
    dir: Direction,
) -> Result<Mutex<TlsCbcContext>, Error> {
    TlsCbcContext::new(aead, key, dir)
        .map(Mutex::new)
        .ok_or_else(key_setup_failed)
}

/// A poisoned lock only means another thread panicked while holding it; the AWS-LC
/// context has no invariant a panic could break (FFI calls do not unwind), so we
/// keep using it.
fn lock(ctx: &Mutex<TlsCbcContext>) -> MutexGuard<'_, TlsCbcContext> {
    ctx.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl CbcCipher for AwsCbc {
    fn algorithm(&self) -> CbcAlgorithm {
        self.alg
    }

    fn key(&self, enc_key: &[u8], mac_key: &[u8]) -> Result<Box<dyn CbcKey>, Error> {
        if enc_key.len() != self.alg.enc_key_len() || mac_key.len() != self.alg.mac_len() {
            return Err(Error::Internal("CBC key has the wrong length"));
        }
        let unbound =
            || UnboundCipherKey::new(aes(self.alg), enc_key).map_err(|_| key_setup_failed());
        let enc = EncryptingKey::cbc(unbound()?).map_err(|_| key_setup_failed())?;
        let dec = DecryptingKey::cbc(unbound()?).map_err(|_| key_setup_failed())?;
        let mac = hmac::Key::new(hmac_algorithm(self.alg), mac_key);

        let mte = match native_aead(self.alg) {
            Some(aead) => {
                let key = concat(mac_key, enc_key);
                MacThenEncrypt::Native {
                    seal: tls_context(aead, &key, Direction::Seal)?,
                    open: tls_context(aead, &key, Direction::Open)?,
                }
            }
            None => {
                // AES-256 + HMAC-SHA256: see the module comment.
                let mut bridge_key = Zeroizing::new([0u8; 16]);
                SystemRandom::new()
                    .fill(&mut bridge_key[..])
                    .map_err(|_| Error::Internal("random number generator failed"))?;
                let bridge = EncryptingKey::cbc(
                    UnboundCipherKey::new(&AES_128, &bridge_key[..])
                        .map_err(|_| key_setup_failed())?,
                )
                .map_err(|_| key_setup_failed())?;
                let key = concat(mac_key, &bridge_key[..]);
                MacThenEncrypt::Bridged {
                    bridge: Box::new(bridge),
                    open: tls_context(TlsCbcAead::Aes128Sha256, &key, Direction::Open)?,
                }
            }
        };
        Ok(Box::new(Key {
            alg: self.alg,
            enc,
            dec,
            mac,
            mte,
        }))
    }
}

/// How MAC-then-encrypt is done for one key.
enum MacThenEncrypt {
    /// AWS-LC has a TLS AEAD for the algorithm: one context per direction.
    Native {
        seal: Mutex<TlsCbcContext>,
        open: Mutex<TlsCbcContext>,
    },
    /// AES-256 + HMAC-SHA256: sealed in Rust (nothing secret-dependent about
    /// sealing), opened through the AES-128 + HMAC-SHA256 AEAD via `bridge`.
    Bridged {
        /// AES-128-CBC under the throwaway key the AEAD was given.
        bridge: Box<EncryptingKey>,
        open: Mutex<TlsCbcContext>,
    },
}

struct Key {
    alg: CbcAlgorithm,
    enc: EncryptingKey,
    dec: DecryptingKey,
    mac: hmac::Key,
    mte: MacThenEncrypt,
}

fn iv_context(iv: &[u8; BLOCK]) -> EncryptionContext {
    EncryptionContext::Iv128(FixedLength::from(iv))
}

/// Appends TLS CBC padding: `n + 1` bytes of value `n`, making `len + n + 1` a
/// multiple of the block size (the shortest padding).
fn pad(out: &mut Vec<u8>, len: usize) {
    let n = BLOCK - 1 - len % BLOCK;
    out.resize(out.len() + n + 1, n as u8);
}

impl Key {
    /// HMAC over `parts`.
    fn mac(&self, parts: &[&[u8]]) -> hmac::Tag {
        let mut ctx = hmac::Context::with_key(&self.mac);
        for part in parts {
            ctx.update(part);
        }
        ctx.sign()
    }

    /// CBC-encrypts `buf` (a whole number of blocks) in place.
    fn encrypt(&self, key: &EncryptingKey, iv: &[u8; BLOCK], buf: &mut [u8]) -> Result<(), Error> {
        key.less_safe_encrypt(buf, iv_context(iv))
            .map(|_| ())
            .map_err(|_| Error::Internal("AES-CBC encryption failed"))
    }

    /// CBC-decrypts `buf` in place; `BadRecordMac` if it is not whole blocks.
    fn decrypt(&self, iv: &[u8; BLOCK], buf: &mut [u8]) -> Result<(), Error> {
        self.dec
            .decrypt(buf, DecryptionContext::Iv128(FixedLength::from(iv)))
            .map(|_| ())
            .map_err(|_| Error::BadRecordMac)
    }
}

impl CbcKey for Key {
    fn seal_mac_then_encrypt(
        &self,
        iv: &[u8; 16],
        header: &[u8; 11],
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        match &self.mte {
            MacThenEncrypt::Native { seal, .. } => {
                if lock(seal).seal(iv, header, plaintext, out) {
                    Ok(())
                } else {
                    Err(Error::Internal("CBC seal failed"))
                }
            }
            MacThenEncrypt::Bridged { .. } => {
                let length = u16::try_from(plaintext.len())
                    .map_err(|_| Error::Internal("CBC record too long"))?
                    .to_be_bytes();
                let tag = self.mac(&[&header[..], &length[..], plaintext]);
                let start = out.len();
                out.extend_from_slice(plaintext);
                out.extend_from_slice(tag.as_ref());
                pad(out, plaintext.len() + tag.as_ref().len());
                let result = self.encrypt(&self.enc, iv, &mut out[start..]);
                if result.is_err() {
                    out.truncate(start);
                }
                result
            }
        }
    }

    fn open_mac_then_encrypt(
        &self,
        iv: &[u8; 16],
        header: &[u8; 11],
        ciphertext: &mut [u8],
    ) -> Result<usize, Error> {
        match &self.mte {
            MacThenEncrypt::Native { open, .. } => lock(open).open(iv, header, ciphertext),
            MacThenEncrypt::Bridged { bridge, open } => {
                // Both passes depend only on the (public) length. The padding and
                // MAC are then checked by AWS-LC in constant time.
                self.decrypt(iv, ciphertext)?;
                self.encrypt(bridge, iv, ciphertext)
                    .map_err(|_| Error::BadRecordMac)?;
                lock(open).open(iv, header, ciphertext)
            }
        }
        .ok_or(Error::BadRecordMac)
    }

    fn seal_encrypt_then_mac(
        &self,
        iv: &[u8; 16],
        header: &[u8; 11],
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let start = out.len();
        out.extend_from_slice(plaintext);
        pad(out, plaintext.len());
        let ciphertext = &mut out[start..];
        let length = u16::try_from(BLOCK + ciphertext.len());
        let result = match length {
            Ok(length) => self.encrypt(&self.enc, iv, ciphertext).map(|()| {
                self.mac(&[&header[..], &length.to_be_bytes(), &iv[..], &ciphertext[..]])
            }),
            Err(_) => Err(Error::Internal("CBC record too long")),
        };
        match result {
            Ok(tag) => {
                out.extend_from_slice(tag.as_ref());
                Ok(())
            }
            Err(e) => {
                out.truncate(start);
                Err(e)
            }
        }
    }

    /// In `out`: the plaintext is copied in once (AES-CBC here works in place), padded,
    /// encrypted there and MACed; no temporary buffer.
    fn seal_encrypt_then_mac_into(
        &self,
        iv: &[u8; 16],
        header: &[u8; 11],
        plaintext: &[u8],
        out: &mut [u8],
    ) -> Result<usize, Error> {
        let pad_len = BLOCK - 1 - plaintext.len() % BLOCK;
        let padded = plaintext.len() + pad_len + 1;
        let mac_len = self.alg.mac_len();
        let length =
            u16::try_from(BLOCK + padded).map_err(|_| Error::Internal("CBC record too long"))?;
        let record = out
            .get_mut(..padded + mac_len)
            .ok_or(Error::Internal("output too small for a CBC record"))?;
        let (body, mac) = record.split_at_mut(padded);
        let (data, padding) = body.split_at_mut(plaintext.len());
        data.copy_from_slice(plaintext);
        padding.fill(pad_len as u8);
        if let Err(e) = self.encrypt(&self.enc, iv, body) {
            body.fill(0);
            return Err(e);
        }
        let tag = self.mac(&[&header[..], &length.to_be_bytes(), &iv[..], &body[..]]);
        if tag.as_ref().len() != mac_len {
            return Err(Error::Internal("CBC MAC has the wrong length"));
        }
        mac.copy_from_slice(tag.as_ref());
        Ok(padded + mac_len)
    }

    fn open_encrypt_then_mac(
        &self,
        iv: &[u8; 16],
        header: &[u8; 11],
        record: &mut [u8],
    ) -> Result<usize, Error> {
        let mac_len = self.alg.mac_len();
        let ciphertext_len = record
            .len()
            .checked_sub(mac_len)
            .filter(|&n| n > 0 && n % BLOCK == 0)
            .ok_or(Error::BadRecordMac)?;
        let (ciphertext, received) = record.split_at_mut(ciphertext_len);
        let length = u16::try_from(BLOCK + ciphertext_len).map_err(|_| Error::BadRecordMac)?;
        let expected = self.mac(&[&header[..], &length.to_be_bytes(), &iv[..], &ciphertext[..]]);
        if !bool::from(expected.as_ref().ct_eq(received)) {
            return Err(Error::BadRecordMac);
        }
        // Authentic: from here on, failures are the peer's encoding bugs, not an oracle.
        self.decrypt(iv, ciphertext)?;
        let padding = usize::from(*ciphertext.last().ok_or(Error::BadRecordMac)?);
        let plaintext_len = ciphertext_len
            .checked_sub(padding + 1)
            .ok_or(Error::BadRecordMac)?;
        let padding_ok = ciphertext
            .get(plaintext_len..)
            .is_some_and(|p| p.iter().all(|&b| usize::from(b) == padding));
        if padding_ok {
            Ok(plaintext_len)
        } else {
            Err(Error::BadRecordMac)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_is_shortest_and_fills_blocks() {
        for len in 0..40usize {
            let mut v = vec![0xeeu8; len];
            pad(&mut v, len);
            assert_eq!(v.len() % BLOCK, 0);
            let n = *v.last().unwrap() as usize;
            assert!(n < BLOCK);
            assert_eq!(v.len(), len + n + 1);
            assert!(v[len..].iter().all(|&b| b as usize == n));
        }
    }

    #[test]
    fn encrypt_then_mac_into_matches_appending_and_opens() {
        let iv = [3u8; 16];
        let header = [0, 0, 0, 0, 0, 0, 0, 9, 23, 3, 3];
        for alg in [
            CbcAlgorithm::Aes128Sha1,
            CbcAlgorithm::Aes128Sha256,
            CbcAlgorithm::Aes256Sha384,
        ] {
            let cipher = for_algorithm(alg);
            let key = cipher
                .key(&vec![0x11; alg.enc_key_len()], &vec![0x22; alg.mac_len()])
                .unwrap();
            for len in [0usize, 1, 15, 16, 17, 16384] {
                let plaintext: Vec<u8> = (0..len).map(|i| (i * 3) as u8).collect();
                let mut appended = Vec::new();
                key.seal_encrypt_then_mac(&iv, &header, &plaintext, &mut appended)
                    .unwrap();
                let mut out = vec![0xee; len + BLOCK + alg.mac_len()];
                let n = key
                    .seal_encrypt_then_mac_into(&iv, &header, &plaintext, &mut out)
                    .unwrap();
                assert_eq!(&out[..n], &appended[..], "{alg:?} {len}");
                let opened = key
                    .open_encrypt_then_mac(&iv, &header, &mut out[..n])
                    .unwrap();
                assert_eq!(&out[..opened], &plaintext[..]);
                // Too short an output is refused.
                let mut short = vec![0; n - 1];
                assert!(key
                    .seal_encrypt_then_mac_into(&iv, &header, &plaintext, &mut short)
                    .is_err());
            }
        }
    }

    #[test]
    fn native_aead_exists_for_all_but_aes256_sha256() {
        assert_eq!(native_aead(CbcAlgorithm::Aes256Sha256), None);
        assert_eq!(
            native_aead(CbcAlgorithm::Aes128Sha1),
            Some(TlsCbcAead::Aes128Sha1)
        );
        assert_eq!(
            native_aead(CbcAlgorithm::Aes256Sha384),
            Some(TlsCbcAead::Aes256Sha384)
        );
    }
}
