//! HKDF (RFC 5869) over the provider's HMAC, and TLS 1.3's HKDF-Expand-Label.
//!
//! Built here rather than taken opaque from the provider so that the key
//! schedule can hand exact secret bytes to the key log and the RFC 8448 tests.

use super::{Digest, Hash, HmacKey, Secret};

/// HKDF-Extract(salt, ikm) = HMAC(salt, ikm).
pub fn hkdf_extract(hash: &dyn Hash, salt: &[u8], ikm: &[u8]) -> Secret {
    Secret::from_slice(hash.hmac(salt, &[ikm]).as_ref())
}

/// HKDF-Expand(prk, info, len). `len` is at most 255 hash lengths (always true in TLS).
///
/// With more than one output block, the key is prepared once ([`Hash::hmac_key`])
/// for all of them.
pub fn hkdf_expand(hash: &dyn Hash, prk: &[u8], info: &[&[u8]], len: usize) -> Secret {
    if len <= hash.algorithm().output_len() {
        // One block, T(1) = HMAC(prk, info || 0x01): nothing to gain from preparing.
        let block = with_parts(&[info, &[&[1]]], |parts| hash.hmac(prk, parts));
        return Secret::from_slice(block.as_ref().get(..len).unwrap_or_default());
    }
    let key = hash.hmac_key(prk);
    let mut out = Vec::with_capacity(len);
    // T(0) is empty; T(i) = HMAC(prk, T(i-1) || info || i).
    let mut previous = Digest::new(&[]);
    let mut counter = 1u8;
    while out.len() < len {
        let block = sign_lists(&*key, &[&[previous.as_ref()], info, &[&[counter]]]);
        let bytes = block.as_ref();
        out.extend_from_slice(bytes.get(..len - out.len()).unwrap_or(bytes));
        previous = block;
        counter = counter.wrapping_add(1);
    }
    Secret::new(out)
}

/// Most parts [`with_parts`] passes without allocating.
const INLINE_PARTS: usize = 12;

/// Calls `f` with the parts of all `lists`, concatenated in order, as one list. The
/// list is built on the stack when there are at most [`INLINE_PARTS`] parts (always
/// so in TLS), so that no MAC allocates.
fn with_parts<R>(lists: &[&[&[u8]]], f: impl FnOnce(&[&[u8]]) -> R) -> R {
    let count: usize = lists.iter().map(|l| l.len()).sum();
    if count > INLINE_PARTS {
        return f(&lists.concat());
    }
    let mut parts: [&[u8]; INLINE_PARTS] = [&[]; INLINE_PARTS];
    for (slot, part) in parts.iter_mut().zip(lists.iter().flat_map(|l| l.iter())) {
        *slot = part;
    }
    f(parts.get(..count).unwrap_or(&parts))
}

/// `key.sign` over the parts of all `lists`, concatenated in order, without
/// allocating (see [`with_parts`]).
pub(crate) fn sign_lists(key: &dyn HmacKey, lists: &[&[&[u8]]]) -> Digest {
    with_parts(lists, |parts| key.sign(parts))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Not a MAC: the first bytes of the concatenated message, and its length.
    struct Echo;

    impl HmacKey for Echo {
        fn sign(&self, parts: &[&[u8]]) -> Digest {
            let message = parts.concat();
            let mut out = vec![message.len() as u8];
            out.extend(message.iter().take(40));
            Digest::new(&out)
        }
    }

    #[test]
    fn sign_lists_concatenates_in_order() {
        let few = sign_lists(&Echo, &[&[b"ab"], &[b"c", b""], &[b"de"]]);
        assert_eq!(few.as_ref(), b"\x05abcde");
        // More parts than fit on the stack take the allocating path, same result.
        let many: Vec<&[u8]> = (0..20).map(|_| &b"xy"[..]).collect();
        let d = sign_lists(&Echo, &[&[b"<"], &many, &[b">"]]);
        assert_eq!(d.as_ref()[0], 42);
        assert_eq!(&d.as_ref()[1..4], b"<xy");
        assert_eq!(sign_lists(&Echo, &[]).as_ref(), &[0]);
    }
}
