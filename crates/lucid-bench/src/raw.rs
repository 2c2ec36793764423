//! The limit: aws-lc-rs's own seal/open speed on the same 16 KiB buffers, with no
//! TLS around it. AEAD suites use `LessSafeKey` in place, on what each record's AEAD
//! operation covers (TLS 1.3: the data and its inner content type byte; TLS 1.2: the
//! data, after the explicit nonce, with TLS 1.2's 13-byte additional data), the
//! receive side copying each record's payload from a batch laid out as on the wire;
//! the CBC suite uses what
//! TLS 1.2 encrypt-then-MAC needs (RFC 7366): AES-128-CBC over the padded record,
//! then HMAC-SHA256 over header, IV and ciphertext (open: verify, then decrypt).

use crate::measure::{rate, timed, Run};
use crate::scenario::{Dir, Suite, BULK_BATCH, BULK_WRITE};
use aws_lc_rs::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::cipher::{
    DecryptingKey, DecryptionContext, EncryptingKey, EncryptionContext, UnboundCipherKey, AES_128,
};
use aws_lc_rs::hmac;
use aws_lc_rs::iv::FixedLength;
use std::hint::black_box;

fn e(_: aws_lc_rs::error::Unspecified) -> String {
    "aws-lc-rs: unspecified error".into()
}

fn nonce(counter: u64) -> Nonce {
    let mut n = [0u8; 12];
    n[4..].copy_from_slice(&counter.to_be_bytes());
    Nonce::assume_unique_for_key(n)
}

/// What one record's AEAD operation works on, as the TLS rows' records have it.
struct Layout {
    /// The AEAD input: a TLS 1.3 record seals the data and its inner content type
    /// (16 KiB + 1); a TLS 1.2 record the data alone.
    body: usize,
    /// Bytes of the record payload before the ciphertext: TLS 1.2's explicit nonce.
    prefix: usize,
    /// The additional data: TLS 1.3's record header, or TLS 1.2's sequence number,
    /// header fields and length (RFC 5246 §6.2.3.3).
    aad: &'static [u8],
}

const TLS13_AAD: [u8; 5] = [23, 3, 3, 0x40, 0x11];
const TLS12_AAD: [u8; 13] = [0, 0, 0, 0, 0, 0, 0, 1, 23, 3, 3, 0x40, 0x00];

impl Layout {
    fn of(s: Suite) -> Self {
        if s.is_tls13() {
            Self {
                body: BULK_WRITE + 1,
                prefix: 0,
                aad: &TLS13_AAD,
            }
        } else {
            Self {
                body: BULK_WRITE,
                prefix: 8,
                aad: &TLS12_AAD,
            }
        }
    }
}

/// Bytes (of application data) per second of raw seal (`Send`) or open (`Receive`),
/// each record's AEAD operation as [`Layout`] says.
pub(crate) fn bulk(s: Suite, dir: Dir, run: Run) -> Result<f64, String> {
    let alg = match s {
        Suite::Tls13Aes128Gcm | Suite::Tls12EcdheEcdsaAes128Gcm => &aead::AES_128_GCM,
        Suite::Tls13Aes256Gcm => &aead::AES_256_GCM,
        Suite::Tls13Chacha20 => &aead::CHACHA20_POLY1305,
        Suite::Tls12EcdheEcdsaAes128CbcSha256 => return cbc(dir, run),
        Suite::Tls12EcdheRsaAes128Gcm | Suite::Tls12RsaAes128Gcm => {
            return Err("no bulk row for this suite".into())
        }
    };
    let layout = Layout::of(s);
    let key_bytes = vec![0x42u8; alg.key_len()];
    let key = LessSafeKey::new(UnboundKey::new(alg, &key_bytes).map_err(e)?);
    let batch_bytes = (BULK_BATCH * BULK_WRITE) as u64;
    let mut counter = 0u64;
    let seal = |n: u64, body: &mut [u8]| {
        key.seal_in_place_separate_tag(nonce(n), Aad::from(layout.aad), body)
            .map_err(e)
    };
    match dir {
        Dir::Send => {
            let mut buf = vec![0x5au8; layout.body];
            rate(run, || {
                let ((), t) = timed(|| {
                    for _ in 0..BULK_BATCH {
                        counter += 1;
                        let _ = black_box(seal(counter, &mut buf)?);
                    }
                    Ok(())
                })?;
                Ok((batch_bytes, t))
            })
        }
        Dir::Receive => {
            // The batch as the TLS rows' transport holds it: records back to back,
            // each a 5-byte header, the prefix, the ciphertext and the tag.
            let payload = layout.prefix + layout.body + alg.tag_len();
            let record = 5 + payload;
            let mut wire = vec![0x5au8; BULK_BATCH * record];
            let mut work = vec![0u8; payload];
            rate(run, || {
                // Sealed anew (untimed) before each timed batch, as the TLS rows'
                // client does, so the ciphertext is as fresh in the caches.
                for (i, rec) in wire.chunks_exact_mut(record).enumerate() {
                    let (body, tag_space) = rec
                        .get_mut(5 + layout.prefix..)
                        .unwrap_or_default()
                        .split_at_mut(layout.body);
                    let tag = seal(i as u64, body)?;
                    tag_space.copy_from_slice(tag.as_ref());
                }
                timed(|| {
                    for (i, rec) in wire.chunks_exact(record).enumerate() {
                        // The transport's copy of the payload, as in the TLS rows.
                        work.copy_from_slice(rec.get(5..).unwrap_or_default());
                        let sealed = work.get_mut(layout.prefix..).unwrap_or_default();
                        let n = key
                            .open_in_place(nonce(i as u64), Aad::from(layout.aad), sealed)
                            .map(|p| p.len())
                            .map_err(e)?;
                        black_box(n);
                    }
                    Ok(batch_bytes)
                })
            })
        }
    }
}

/// AES-128-CBC + HMAC-SHA256, encrypt-then-MAC, as TLS 1.2 does it.
fn cbc(dir: Dir, run: Run) -> Result<f64, String> {
    const BLOCK: usize = 16;
    let enc_key = [0x42u8; 16];
    let mac_key = hmac::Key::new(hmac::HMAC_SHA256, &[0x24u8; 32]);
    let encrypting =
        EncryptingKey::cbc(UnboundCipherKey::new(&AES_128, &enc_key).map_err(e)?).map_err(e)?;
    let decrypting =
        DecryptingKey::cbc(UnboundCipherKey::new(&AES_128, &enc_key).map_err(e)?).map_err(e)?;
    // The record body: 16 KiB of data and a full block of padding.
    let padded = BULK_WRITE + BLOCK;
    let header = [0u8, 0, 0, 0, 0, 0, 0, 1, 23, 3, 3];
    let length = ((BLOCK + padded) as u16).to_be_bytes();
    let batch_bytes = (BULK_BATCH * BULK_WRITE) as u64;
    let iv_for = |i: u64| {
        let mut iv = [0u8; 16];
        iv[8..].copy_from_slice(&i.to_be_bytes());
        iv
    };
    let seal = |iv: [u8; 16], body: &mut [u8]| -> Result<hmac::Tag, String> {
        encrypting
            .less_safe_encrypt(body, EncryptionContext::Iv128(FixedLength::from(iv)))
            .map_err(e)?;
        let mut ctx = hmac::Context::with_key(&mac_key);
        ctx.update(&header);
        ctx.update(&length);
        ctx.update(&iv);
        ctx.update(body);
        Ok(ctx.sign())
    };
    match dir {
        Dir::Send => {
            let mut body = vec![0x5au8; padded];
            let mut counter = 0u64;
            rate(run, || {
                let ((), t) = timed(|| {
                    for _ in 0..BULK_BATCH {
                        counter += 1;
                        black_box(seal(iv_for(counter), &mut body)?);
                    }
                    Ok(())
                })?;
                Ok((batch_bytes, t))
            })
        }
        Dir::Receive => {
            let mut sealed = Vec::with_capacity(BULK_BATCH);
            for i in 0..BULK_BATCH as u64 {
                let mut body = vec![0x5au8; padded];
                let tag = seal(iv_for(i), &mut body)?;
                sealed.push((body, tag));
            }
            let mut work = vec![0u8; padded];
            rate(run, || {
                // Sealed anew before each timed batch, as in the AEAD rows above.
                for (i, (body, tag)) in sealed.iter_mut().enumerate() {
                    *tag = seal(iv_for(i as u64), body)?;
                }
                timed(|| {
                    for (i, (body, tag)) in sealed.iter().enumerate() {
                        // The transport's copy, as in the TLS rows.
                        work.copy_from_slice(body);
                        let iv = iv_for(i as u64);
                        let mut ctx = hmac::Context::with_key(&mac_key);
                        ctx.update(&header);
                        ctx.update(&length);
                        ctx.update(&iv);
                        ctx.update(&work);
                        let ours = ctx.sign();
                        aws_lc_rs::constant_time::verify_slices_are_equal(
                            ours.as_ref(),
                            tag.as_ref(),
                        )
                        .map_err(|_| "MAC mismatch".to_string())?;
                        let n = decrypting
                            .decrypt(&mut work, DecryptionContext::Iv128(FixedLength::from(iv)))
                            .map(|p| p.len())
                            .map_err(e)?;
                        black_box(n);
                    }
                    Ok(batch_bytes)
                })
            })
        }
    }
}
