//! Cutting outgoing plaintext into record-sized fragments.

use super::MAX_PLAINTEXT;
use crate::error::Error;

/// The smallest record_size_limit a peer may announce (RFC 8449 §4).
const MIN_RECORD_SIZE_LIMIT: u16 = 64;

/// Splits a plaintext buffer into fragments of at most [`Fragmenter::max_fragment`] bytes,
/// each of which becomes one record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fragmenter {
    max_fragment: usize,
}

impl Default for Fragmenter {
    fn default() -> Self {
        Self::new()
    }
}

impl Fragmenter {
    /// A fragmenter producing fragments of up to [`MAX_PLAINTEXT`] (2^14) bytes.
    pub const fn new() -> Self {
        Self {
            max_fragment: MAX_PLAINTEXT,
        }
    }

    /// The largest fragment this produces.
    pub const fn max_fragment(&self) -> usize {
        self.max_fragment
    }

    /// Sets the largest fragment: between 1 and [`MAX_PLAINTEXT`] bytes, otherwise
    /// [`Error::Internal`] (the caller's bug; a peer's value goes through
    /// [`Fragmenter::apply_record_size_limit`]).
    pub fn set_max_fragment(&mut self, max: usize) -> Result<(), Error> {
        if max == 0 || max > MAX_PLAINTEXT {
            return Err(Error::Internal("fragment size outside 1..=2^14"));
        }
        self.max_fragment = max;
        Ok(())
    }

    /// Applies the peer's record_size_limit (RFC 8449 §4). In TLS 1.3 the limit counts
    /// the inner content type byte (and any padding), so fragments get `limit - 1` bytes;
    /// in TLS 1.2 they get `limit` bytes. Limits above the protocol maximum are clamped to
    /// 2^14; a limit below 64 is [`Error::IllegalParameter`].
    pub fn apply_record_size_limit(&mut self, limit: u16, tls13: bool) -> Result<(), Error> {
        if limit < MIN_RECORD_SIZE_LIMIT {
            return Err(Error::IllegalParameter("record_size_limit below 64"));
        }
        let limit = usize::from(limit);
        let fragment = if tls13 { limit - 1 } else { limit };
        self.max_fragment = fragment.min(MAX_PLAINTEXT);
        Ok(())
    }

    /// The fragments of `data`, in order. Empty input gives no fragments.
    pub fn fragments<'a>(&self, data: &'a [u8]) -> core::slice::Chunks<'a, u8> {
        data.chunks(self.max_fragment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_splits_at_2_14() {
        let data = vec![1u8; 2 * MAX_PLAINTEXT + 5];
        let f = Fragmenter::new();
        let lens: Vec<usize> = f.fragments(&data).map(<[u8]>::len).collect();
        assert_eq!(lens, vec![16384, 16384, 5]);
        assert_eq!(f.fragments(&[]).count(), 0);
        assert_eq!(f.fragments(&data[..MAX_PLAINTEXT]).count(), 1);
    }

    #[test]
    fn fragments_reassemble_in_order() {
        let data: Vec<u8> = (0..1000u16).map(|i| i as u8).collect();
        let mut f = Fragmenter::new();
        f.set_max_fragment(7).unwrap();
        let parts: Vec<&[u8]> = f.fragments(&data).collect();
        assert!(parts.iter().all(|p| !p.is_empty() && p.len() <= 7));
        assert_eq!(parts.concat(), data);
        assert_eq!(parts.len(), 143);
    }

    #[test]
    fn set_max_fragment_bounds() {
        let mut f = Fragmenter::new();
        assert!(f.set_max_fragment(0).is_err());
        assert!(f.set_max_fragment(MAX_PLAINTEXT + 1).is_err());
        assert_eq!(f.max_fragment(), MAX_PLAINTEXT);
        f.set_max_fragment(1).unwrap();
        assert_eq!(f.fragments(&[1, 2, 3]).count(), 3);
    }

    #[test]
    fn record_size_limit() {
        let mut f = Fragmenter::new();
        f.apply_record_size_limit(512, true).unwrap();
        assert_eq!(f.max_fragment(), 511);
        f.apply_record_size_limit(512, false).unwrap();
        assert_eq!(f.max_fragment(), 512);
        // 2^14 + 1 is the largest meaningful TLS 1.3 value: full-size fragments.
        f.apply_record_size_limit(16385, true).unwrap();
        assert_eq!(f.max_fragment(), MAX_PLAINTEXT);
        f.apply_record_size_limit(u16::MAX, false).unwrap();
        assert_eq!(f.max_fragment(), MAX_PLAINTEXT);
        f.apply_record_size_limit(64, true).unwrap();
        assert_eq!(f.max_fragment(), 63);
        assert_eq!(
            f.apply_record_size_limit(63, true),
            Err(Error::IllegalParameter("record_size_limit below 64"))
        );
        assert_eq!(f.max_fragment(), 63);
    }
}
