//! Test payloads and a SHA-256 to compare what was sent with what came back.
//!
//! The SHA-256 here is a plain implementation of FIPS 180-4 for test bookkeeping only (so this
//! crate needs no dependencies); it is not used for anything secret.

use std::io::Read;

/// `len` random bytes (from `/dev/urandom`; a time-seeded generator where that is missing —
/// test data need not be unpredictable).
pub fn random_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    let filled = std::fs::File::open("/dev/urandom")
        .and_then(|mut file| file.read_exact(&mut bytes))
        .is_ok();
    if !filled {
        let mut state = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9E37_79B9_7F4A_7C15)
            | 1;
        for byte in &mut bytes {
            // xorshift64
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *byte = (state >> 24) as u8;
        }
    }
    bytes
}

/// Random bytes that `gnutls-serv --echo` echoes faithfully: no NUL, CR or LF inside, a
/// newline every `line_len` bytes and at the end. (`gnutls-serv --echo` handles text lines:
/// it echoes only once it has a newline and cuts at a NUL byte.)
pub fn line_safe(len: usize, line_len: usize) -> Vec<u8> {
    let line_len = line_len.max(2);
    let mut bytes = random_bytes(len);
    for (index, byte) in bytes.iter_mut().enumerate() {
        if index % line_len == line_len - 1 {
            *byte = b'\n';
        } else if matches!(*byte, 0 | b'\n' | b'\r') {
            *byte = b'.';
        }
    }
    if let Some(last) = bytes.last_mut() {
        *last = b'\n';
    }
    bytes
}

/// Lower-case hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    sha256(data).iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares sent and received payloads by SHA-256 and length; `Err` describes the difference
/// (including the first differing offset).
pub fn compare(sent: &[u8], received: &[u8]) -> Result<(), String> {
    let (a, b) = (sha256_hex(sent), sha256_hex(received));
    if a == b {
        return Ok(());
    }
    let first_difference = sent
        .iter()
        .zip(received)
        .position(|(x, y)| x != y)
        .unwrap_or(sent.len().min(received.len()));
    Err(format!(
        "payload mismatch: sent {} bytes (sha256 {a}), received {} bytes (sha256 {b}), first difference at offset {first_difference}",
        sent.len(),
        received.len()
    ))
}

const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// SHA-256 (FIPS 180-4) of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let mut state: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    // Padding: 0x80, zeros, then the bit length as a big-endian u64, to a multiple of 64 bytes.
    let mut message = data.to_vec();
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&((data.len() as u64).wrapping_mul(8)).to_be_bytes());
    for block in message.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (word, bytes) in w.iter_mut().zip(block.chunks_exact(4)) {
            *word = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        }
        for t in 16..64 {
            let s0 = w[t - 15].rotate_right(7) ^ w[t - 15].rotate_right(18) ^ (w[t - 15] >> 3);
            let s1 = w[t - 2].rotate_right(17) ^ w[t - 2].rotate_right(19) ^ (w[t - 2] >> 10);
            w[t] = w[t - 16]
                .wrapping_add(s0)
                .wrapping_add(w[t - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = state;
        for (k, w) in K.iter().zip(w) {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let choice = (e & f) ^ (!e & g);
            let t1 = h
                .wrapping_add(s1)
                .wrapping_add(choice)
                .wrapping_add(*k)
                .wrapping_add(w);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let majority = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(majority);
            h = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (s, v) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
            *s = s.wrapping_add(v);
        }
    }
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_known_answers() {
        // FIPS 180-2, Appendix B.1 and B.2; the empty string from NIST's SHA-256 examples.
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            sha256_hex(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        // FIPS 180-2 B.3: one million 'a'.
        assert_eq!(
            sha256_hex(&vec![b'a'; 1_000_000]),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        );
    }

    #[test]
    fn line_safe_has_no_nul_and_ends_in_newline() {
        let data = line_safe(10_000, 100);
        assert_eq!(data.len(), 10_000);
        assert!(!data.contains(&0) && !data.contains(&b'\r'));
        assert_eq!(data.last(), Some(&b'\n'));
        assert_eq!(data.iter().filter(|&&b| b == b'\n').count(), 100);
    }

    #[test]
    fn random_bytes_differ() {
        assert_ne!(random_bytes(32), random_bytes(32));
    }

    #[test]
    fn compare_reports_offset() {
        assert!(compare(b"abc", b"abc").is_ok());
        let err = compare(b"abcd", b"abxd").unwrap_err();
        assert!(err.contains("offset 2"), "{err}");
        let err = compare(b"abcd", b"abc").unwrap_err();
        assert!(err.contains("offset 3"), "{err}");
    }
}
