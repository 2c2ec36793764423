//! HKDF (RFC 5869) over the provider's HMAC, and TLS 1.3's HKDF-Expand-Label.
//!
//! Built here rather than taken opaque from the provider so that the key
//! schedule can hand exact secret bytes to the key log and the RFC 8448 tests.

use super::{Digest, Hash, Secret};

/// HKDF-Extract(salt, ikm) = HMAC(salt, ikm).
pub fn hkdf_extract(hash: &dyn Hash, salt: &[u8], ikm: &[u8]) -> Secret {
    Secret::from_slice(hash.hmac(salt, &[ikm]).as_ref())
}

/// HKDF-Expand(prk, info, len). `len` is at most 255 hash lengths (always true in TLS).
pub fn hkdf_expand(hash: &dyn Hash, prk: &[u8], info: &[&[u8]], len: usize) -> Secret {
    let mut out = Vec::with_capacity(len);
    let mut previous: Option<Digest> = None;
    let mut counter = 1u8;
    while out.len() < len {
        let mut parts: Vec<&[u8]> = Vec::with_capacity(info.len() + 2);
        if let Some(prev) = &previous {
            parts.push(prev.as_ref());
        }
        parts.extend_from_slice(info);
        let counter_byte = [counter];
        parts.push(&counter_byte);
        let block = hash.hmac(prk, &parts);
        let take = (len - out.len()).min(block.as_ref().len());
        out.extend_from_slice(&block.as_ref()[..take]);
        previous = Some(block);
        counter = counter.wrapping_add(1);
    }
    Secret::new(out)
}

/// HKDF-Expand-Label (RFC 8446 §7.1): the label gets the "tls13 " prefix.
pub fn hkdf_expand_label(
    hash: &dyn Hash,
    secret: &[u8],
    label: &[u8],
    context: &[u8],
    len: usize,
) -> Secret {
    const PREFIX: &[u8] = b"tls13 ";
    let length = (len as u16).to_be_bytes();
    let label_len = [(PREFIX.len() + label.len()) as u8];
    let context_len = [context.len() as u8];
    hkdf_expand(
        hash,
        secret,
        &[&length, &label_len, PREFIX, label, &context_len, context],
        len,
    )
}
