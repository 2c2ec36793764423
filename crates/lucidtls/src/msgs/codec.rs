//! Byte-level reading and writing: big-endian integers and length-prefixed vectors.
//!
//! Reading is strict: every read is bounds-checked and a message must be consumed
//! exactly, so truncated and overlong inputs both fail with `decode_error`.

use crate::error::Error;

/// A cursor over a byte slice. Every read is bounds-checked.
#[derive(Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    /// Reads `buf`, describing it as `what` in errors.
    pub fn new(buf: &'a [u8], what: &'static str) -> Self {
        Self { buf, pos: 0, what }
    }

    fn err(&self) -> Error {
        Error::decode(self.what)
    }

    /// Takes the next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        let end = self.pos.checked_add(n).ok_or_else(|| self.err())?;
        let out = self.buf.get(self.pos..end).ok_or_else(|| self.err())?;
        self.pos = end;
        Ok(out)
    }

    /// Takes exactly `N` bytes as an array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    /// Reads one byte.
    pub fn u8(&mut self) -> Result<u8, Error> {
        Ok(self.take(1)?[0])
    }

    /// Reads a big-endian u16.
    pub fn u16(&mut self) -> Result<u16, Error> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    /// Reads a big-endian 24-bit integer.
    pub fn u24(&mut self) -> Result<u32, Error> {
        let b: [u8; 3] = self.array()?;
        Ok(u32::from_be_bytes([0, b[0], b[1], b[2]]))
    }

    /// Reads a big-endian u32.
    pub fn u32(&mut self) -> Result<u32, Error> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    /// A sub-reader over a vector with a 1-byte length prefix.
    pub fn sub_u8(&mut self) -> Result<Reader<'a>, Error> {
        let n = self.u8()? as usize;
        Ok(Reader::new(self.take(n)?, self.what))
    }

    /// A sub-reader over a vector with a 2-byte length prefix.
    pub fn sub_u16(&mut self) -> Result<Reader<'a>, Error> {
        let n = self.u16()? as usize;
        Ok(Reader::new(self.take(n)?, self.what))
    }

    /// A sub-reader over a vector with a 3-byte length prefix.
    pub fn sub_u24(&mut self) -> Result<Reader<'a>, Error> {
        let n = self.u24()? as usize;
        Ok(Reader::new(self.take(n)?, self.what))
    }

    /// Bytes of a vector with a 1-byte length prefix.
    pub fn bytes_u8(&mut self) -> Result<&'a [u8], Error> {
        Ok(self.sub_u8()?.rest())
    }

    /// Bytes of a vector with a 2-byte length prefix.
    pub fn bytes_u16(&mut self) -> Result<&'a [u8], Error> {
        Ok(self.sub_u16()?.rest())
    }

    /// Bytes of a vector with a 3-byte length prefix.
    pub fn bytes_u24(&mut self) -> Result<&'a [u8], Error> {
        Ok(self.sub_u24()?.rest())
    }

    /// Everything not yet read, left unread.
    pub fn remaining(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    /// Everything not yet read.
    pub fn rest(&mut self) -> &'a [u8] {
        let out = &self.buf[self.pos..];
        self.pos = self.buf.len();
        out
    }

    /// Whether everything has been read.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// Reads all of `buf` with `read`: an error (named `what`) if `read` fails or
    /// leaves bytes over.
    pub fn read_all<T>(
        buf: &'a [u8],
        what: &'static str,
        read: impl FnOnce(&mut Reader<'a>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut r = Reader::new(buf, what);
        let value = read(&mut r)?;
        r.finish()?;
        Ok(value)
    }

    /// Fails unless everything has been read (no trailing bytes).
    pub fn finish(&self) -> Result<(), Error> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self.err())
        }
    }

    /// A sub-reader over a non-empty list of u16 code points in a 2-byte-length vector.
    pub fn sub_u16_codes(&mut self) -> Result<Reader<'a>, Error> {
        let sub = self.sub_u16()?;
        if sub.buf.len() % 2 != 0 || sub.buf.is_empty() {
            return Err(self.err());
        }
        Ok(sub)
    }

    /// Reads a non-empty list of u16 code points from a 2-byte-length vector.
    pub fn u16_list<T>(&mut self, from: impl Fn(u16) -> T) -> Result<Vec<T>, Error> {
        let mut sub = self.sub_u16_codes()?;
        let mut out = Vec::with_capacity(sub.buf.len() / 2);
        while !sub.is_empty() {
            out.push(from(sub.u16()?));
        }
        Ok(out)
    }
}

/// Writes a length-prefixed vector: reserves the prefix, runs `body`, then fills the length in.
/// Panics only on our own bug (a body longer than the prefix allows), never on peer input.
fn with_len(out: &mut Vec<u8>, width: usize, body: impl FnOnce(&mut Vec<u8>)) {
    let prefix = LenPrefix::open(out, width);
    body(out);
    prefix.close(out);
}

/// A length prefix written ahead of its vector and filled in once the vector is
/// written: for vectors written piece by piece, outside one closure.
#[derive(Debug)]
#[must_use = "a prefix stays zero until it is closed"]
pub struct LenPrefix {
    start: usize,
    width: usize,
}

impl LenPrefix {
    /// Writes a zero prefix of `width` (1 to 3) bytes at the end of `out`.
    pub fn open(out: &mut Vec<u8>, width: usize) -> Self {
        let start = out.len();
        out.extend_from_slice(&[0u8; 3][..width]);
        Self { start, width }
    }

    /// Fills the prefix in with the length of everything written after it. Panics only
    /// on our own bug (a vector longer than the prefix allows), never on peer input.
    pub fn close(self, out: &mut [u8]) {
        let Self { start, width } = self;
        let len = out.len() - start - width;
        assert!(
            len < (1usize << (8 * width)),
            "encoded vector exceeds its length prefix"
        );
        let bytes = (len as u32).to_be_bytes();
        out[start..start + width].copy_from_slice(&bytes[4 - width..]);
    }
}

/// Writes a vector with a 1-byte length prefix.
pub fn put_u8_len(out: &mut Vec<u8>, body: impl FnOnce(&mut Vec<u8>)) {
    with_len(out, 1, body)
}

/// Writes a vector with a 2-byte length prefix.
pub fn put_u16_len(out: &mut Vec<u8>, body: impl FnOnce(&mut Vec<u8>)) {
    with_len(out, 2, body)
}

/// Writes a vector with a 3-byte length prefix.
pub fn put_u24_len(out: &mut Vec<u8>, body: impl FnOnce(&mut Vec<u8>)) {
    with_len(out, 3, body)
}

/// Writes a big-endian u16.
pub fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// Writes a big-endian 24-bit integer.
pub fn put_u24(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes()[1..]);
}

/// Writes a big-endian u32.
pub fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_reads_fail() {
        let mut r = Reader::new(&[0, 5, 1, 2], "test");
        assert!(r.bytes_u16().is_err());
        let mut r = Reader::new(&[1], "test");
        assert!(r.u16().is_err());
        assert_eq!(Reader::new(&[], "t").u8(), Err(Error::decode("t")));
    }

    #[test]
    fn lengths_round_trip() {
        let mut out = Vec::new();
        put_u24_len(&mut out, |o| {
            put_u16_len(o, |o| o.extend_from_slice(b"abc"))
        });
        assert_eq!(out, [0, 0, 5, 0, 3, b'a', b'b', b'c']);
        let mut r = Reader::new(&out, "t");
        let mut inner = r.sub_u24().unwrap();
        assert_eq!(inner.bytes_u16().unwrap(), b"abc");
        inner.finish().unwrap();
        r.finish().unwrap();
    }

    #[test]
    fn trailing_bytes_are_rejected() {
        let mut r = Reader::new(&[0, 1, 9, 9], "t");
        r.bytes_u16().unwrap();
        assert!(r.finish().is_err());
    }

    #[test]
    fn odd_or_empty_u16_lists_are_rejected() {
        assert!(Reader::new(&[0, 3, 0, 1, 2], "t").u16_list(|v| v).is_err());
        assert!(Reader::new(&[0, 0], "t").u16_list(|v| v).is_err());
        assert_eq!(
            Reader::new(&[0, 2, 0, 7], "t").u16_list(|v| v).unwrap(),
            [7]
        );
    }
}
