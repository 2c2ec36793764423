//! Secret byte strings that wipe themselves and never print.

use zeroize::Zeroize;

/// Longest secret held inline, without an allocation: every hash output and traffic
/// key, the TLS 1.2 master secret and most pre-master and (EC)DH shared secrets.
const INLINE_LEN: usize = 48;

/// A secret value (traffic secret, key, IV): zeroized on drop, redacted in `Debug`.
///
/// Up to 48 bytes are held inline, so the key schedule allocates nothing for its
/// secrets; longer ones (TLS 1.2 key blocks, finite-field DH and hybrid shared
/// secrets) go to the heap. Either way the bytes are wiped on drop.
#[derive(Clone)]
pub struct Secret(Repr);

#[derive(Clone)]
enum Repr {
    Inline { bytes: [u8; INLINE_LEN], len: u8 },
    Heap(Vec<u8>),
}

impl Secret {
    /// Takes ownership of `bytes` (a short secret is moved inline and the vector
    /// wiped).
    pub fn new(mut bytes: Vec<u8>) -> Self {
        if bytes.len() <= INLINE_LEN {
            let this = Self::from_slice(&bytes);
            bytes.zeroize();
            this
        } else {
            Self(Repr::Heap(bytes))
        }
    }

    /// Copies `bytes`.
    pub fn from_slice(bytes: &[u8]) -> Self {
        let mut inline = [0u8; INLINE_LEN];
        match (inline.get_mut(..bytes.len()), u8::try_from(bytes.len())) {
            (Some(dst), Ok(len)) => {
                dst.copy_from_slice(bytes);
                Self(Repr::Inline { bytes: inline, len })
            }
            _ => Self(Repr::Heap(bytes.to_vec())),
        }
    }

    /// The secret bytes. Callers must not log them.
    pub fn expose(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { bytes, len } => bytes.get(..usize::from(*len)).unwrap_or(bytes),
            Repr::Heap(v) => v,
        }
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.expose().len()
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for Secret {}

impl Drop for Secret {
    fn drop(&mut self) {
        match &mut self.0 {
            Repr::Inline { bytes, .. } => bytes.zeroize(),
            Repr::Heap(v) => v.zeroize(),
        }
    }
}

impl core::fmt::Debug for Secret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Secret(<{} bytes redacted>)", self.len())
    }
}

/// The output of a key exchange.
pub type SharedSecret = Secret;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_secrets_behave_the_same() {
        for len in [0, 1, 12, 32, 47, 48, 49, 64, 200] {
            let bytes: Vec<u8> = (0..len).map(|i| i as u8 ^ 0x5a).collect();
            let a = Secret::from_slice(&bytes);
            let b = Secret::new(bytes.clone());
            assert_eq!(a.expose(), &bytes[..]);
            assert_eq!(b.expose(), &bytes[..]);
            assert_eq!((a.len(), a.is_empty()), (len, len == 0));
            assert!(a == b && a.clone() == b);
            assert_eq!(
                matches!(a.0, Repr::Inline { .. }),
                len <= INLINE_LEN,
                "{len}"
            );
            assert_eq!(format!("{a:?}"), format!("Secret(<{len} bytes redacted>)"));
        }
        // Same prefix, different length: not equal (the inline padding is not compared).
        assert!(Secret::from_slice(&[1, 2]) != Secret::from_slice(&[1, 2, 0]));
        assert!(Secret::from_slice(&[1, 2]) != Secret::from_slice(&[1, 3]));
    }

    #[test]
    fn drop_wipes_the_bytes() {
        let mut s = Secret::from_slice(&[0xaa; 32]);
        // What Drop does, observed in place.
        if let Repr::Inline { bytes, .. } = &mut s.0 {
            bytes.zeroize();
        }
        assert_eq!(s.expose(), &[0u8; 32][..]);
        let mut s = Secret::from_slice(&[0xbb; 64]);
        if let Repr::Heap(v) = &mut s.0 {
            v.zeroize();
        }
        assert!(s.is_empty(), "zeroize clears and truncates the vector");
    }
}
