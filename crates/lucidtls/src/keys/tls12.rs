//! The TLS 1.2 key schedule: the PRF (RFC 5246 §5), the master secret (RFC 5246 §8.1,
//! extended: RFC 7627 §4), the key block (RFC 5246 §6.3) and Finished's verify_data
//! (RFC 5246 §7.4.9).
//!
//! Everything is built on the provider's HMAC ([`Hash::hmac`]) so that exact secret
//! bytes can go to the key log and the tests; the hash is the cipher suite's PRF hash
//! (SHA-256, or SHA-384 for `_SHA384` suites).

use crate::crypto::{sign_lists, Digest, Hash, HmacKey, Secret};
use crate::error::Error;

/// Length of a TLS 1.2 master secret.
pub const MASTER_SECRET_LEN: usize = 48;

/// Length of Finished.verify_data for every TLS 1.2 cipher suite we support.
pub const VERIFY_DATA_LEN: usize = 12;

/// The Finished label of the client's Finished message.
pub const CLIENT_FINISHED_LABEL: &[u8] = b"client finished";

/// The Finished label of the server's Finished message.
pub const SERVER_FINISHED_LABEL: &[u8] = b"server finished";

/// PRF(secret, label, seed) = P_hash(secret, label || seed), truncated to `len` bytes
/// (RFC 5246 §5). The seed is given in parts, which are concatenated.
///
/// ```text
/// A(0) = label || seed,  A(i) = HMAC(secret, A(i-1))
/// P_hash = HMAC(secret, A(1) || label || seed) || HMAC(secret, A(2) || label || seed) || ...
/// ```
///
/// The secret is prepared once ([`Hash::hmac_key`]) for all the HMACs of the call.
pub fn prf(hash: &dyn Hash, secret: &[u8], label: &[u8], seed: &[&[u8]], len: usize) -> Secret {
    prf_with_key(&*hash.hmac_key(secret), label, seed, len)
}

/// [`prf`] with the secret already prepared as an HMAC key, for a secret that feeds
/// several PRF calls: a session's master secret gives the key block and both
/// Finished values, so it is keyed once per connection rather than once per call.
pub fn prf_with_key(key: &dyn HmacKey, label: &[u8], seed: &[&[u8]], len: usize) -> Secret {
    // Short outputs (the master secret, AEAD key blocks, verify_data) are built on the
    // stack and end up inline in the `Secret`: no allocation.
    let mut short = zeroize::Zeroizing::new([0u8; SHORT_PRF_LEN]);
    if let Some(out) = short.get_mut(..len) {
        prf_into(key, label, seed, out);
        return Secret::from_slice(out);
    }
    let mut out = vec![0u8; len];
    prf_into(key, label, seed, &mut out);
    Secret::new(out)
}

/// Longest PRF output built on the stack (a master secret).
const SHORT_PRF_LEN: usize = 48;

/// P_hash into `out`, filling it.
fn prf_into(key: &dyn HmacKey, label: &[u8], seed: &[&[u8]], out: &mut [u8]) {
    // A(1) = HMAC(secret, A(0)), A(0) = label || seed.
    let mut a: Digest = sign_lists(key, &[&[label], seed]);
    let mut rest = out;
    while !rest.is_empty() {
        let block = sign_lists(key, &[&[a.as_ref(), label], seed]);
        let bytes = block.as_ref();
        let n = bytes.len().min(rest.len());
        if n == 0 {
            // An empty MAC (a broken provider): stop rather than loop forever.
            break;
        }
        let (dst, tail) = rest.split_at_mut(n);
        dst.copy_from_slice(bytes.get(..n).unwrap_or_default());
        rest = tail;
        if !rest.is_empty() {
            // A(i+1), only when another block follows.
            a = key.sign(&[a.as_ref()]);
        }
    }
}

/// master_secret = PRF(pre_master_secret, "master secret",
/// ClientHello.random || ServerHello.random)[0..47] (RFC 5246 §8.1).
pub fn master_secret(
    hash: &dyn Hash,
    pre_master_secret: &Secret,
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> Secret {
    prf(
        hash,
        pre_master_secret.expose(),
        b"master secret",
        &[client_random, server_random],
        MASTER_SECRET_LEN,
    )
}

/// master_secret = PRF(pre_master_secret, "extended master secret", session_hash)[0..47]
/// (RFC 7627 §4), where `session_hash` is the transcript hash up to and including
/// ClientKeyExchange.
pub fn extended_master_secret(
    hash: &dyn Hash,
    pre_master_secret: &Secret,
    session_hash: &[u8],
) -> Secret {
    prf(
        hash,
        pre_master_secret.expose(),
        b"extended master secret",
        &[session_hash],
        MASTER_SECRET_LEN,
    )
}

/// key_block = PRF(master_secret, "key expansion",
/// ServerHello.random || ClientHello.random) (RFC 5246 §6.3). Note the order of the
/// randoms: server first, unlike the master secret.
pub fn key_block(
    hash: &dyn Hash,
    master_secret: &Secret,
    server_random: &[u8; 32],
    client_random: &[u8; 32],
    len: usize,
) -> Secret {
    prf(
        hash,
        master_secret.expose(),
        b"key expansion",
        &[server_random, client_random],
        len,
    )
}

/// The key block cut into its six parts, in the order of RFC 5246 §6.3. Any part may
/// be empty: AEAD suites have no MAC keys, CBC suites no fixed IVs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyBlock {
    /// client_write_MAC_key
    pub client_mac_key: Secret,
    /// server_write_MAC_key
    pub server_mac_key: Secret,
    /// client_write_key
    pub client_key: Secret,
    /// server_write_key
    pub server_key: Secret,
    /// client_write_IV (the implicit nonce part of AEAD suites)
    pub client_iv: Secret,
    /// server_write_IV
    pub server_iv: Secret,
}

impl KeyBlock {
    /// How many key block bytes the given part sizes need.
    pub const fn len_for(mac_key_len: usize, enc_key_len: usize, fixed_iv_len: usize) -> usize {
        2 * (mac_key_len + enc_key_len + fixed_iv_len)
    }

    /// Derives the key block and splits it (see [`key_block`]).
    pub fn derive(
        hash: &dyn Hash,
        master_secret: &Secret,
        server_random: &[u8; 32],
        client_random: &[u8; 32],
        mac_key_len: usize,
        enc_key_len: usize,
        fixed_iv_len: usize,
    ) -> Self {
        let len = Self::len_for(mac_key_len, enc_key_len, fixed_iv_len);
        let block = key_block(hash, master_secret, server_random, client_random, len);
        // The block has exactly the length split needs, so this cannot fail.
        Self::cut(block.expose(), mac_key_len, enc_key_len, fixed_iv_len)
    }

    /// As [`KeyBlock::derive`], with the master secret prepared as an HMAC key (see
    /// [`prf_with_key`]).
    pub fn derive_with_key(
        master_key: &dyn HmacKey,
        server_random: &[u8; 32],
        client_random: &[u8; 32],
        mac_key_len: usize,
        enc_key_len: usize,
        fixed_iv_len: usize,
    ) -> Self {
        let len = Self::len_for(mac_key_len, enc_key_len, fixed_iv_len);
        let block = prf_with_key(
            master_key,
            b"key expansion",
            &[server_random, client_random],
            len,
        );
        Self::cut(block.expose(), mac_key_len, enc_key_len, fixed_iv_len)
    }

    /// Splits a key block into its parts. A block shorter than
    /// [`KeyBlock::len_for`] is [`Error::Internal`] (our bug); extra bytes are ignored.
    pub fn split(
        block: &Secret,
        mac_key_len: usize,
        enc_key_len: usize,
        fixed_iv_len: usize,
    ) -> Result<Self, Error> {
        if block.len() < Self::len_for(mac_key_len, enc_key_len, fixed_iv_len) {
            return Err(Error::Internal("TLS 1.2 key block too short"));
        }
        Ok(Self::cut(
            block.expose(),
            mac_key_len,
            enc_key_len,
            fixed_iv_len,
        ))
    }

    /// Cuts `block` into parts; parts past its end come out short (callers check).
    fn cut(block: &[u8], mac_key_len: usize, enc_key_len: usize, fixed_iv_len: usize) -> Self {
        let mut rest = block;
        let mut take = |n: usize| {
            let (part, tail) = rest.split_at(n.min(rest.len()));
            rest = tail;
            Secret::from_slice(part)
        };
        Self {
            client_mac_key: take(mac_key_len),
            server_mac_key: take(mac_key_len),
            client_key: take(enc_key_len),
            server_key: take(enc_key_len),
            client_iv: take(fixed_iv_len),
            server_iv: take(fixed_iv_len),
        }
    }
}

/// verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..11]
/// (RFC 5246 §7.4.9). `label` is [`CLIENT_FINISHED_LABEL`] or [`SERVER_FINISHED_LABEL`];
/// `handshake_hash` is the transcript hash of all handshake messages before this
/// Finished.
pub fn finished_verify_data(
    hash: &dyn Hash,
    master_secret: &Secret,
    label: &[u8],
    handshake_hash: &[u8],
) -> [u8; VERIFY_DATA_LEN] {
    finished_verify_data_with_key(
        &*hash.hmac_key(master_secret.expose()),
        label,
        handshake_hash,
    )
}

/// As [`finished_verify_data`], with the master secret prepared as an HMAC key (see
/// [`prf_with_key`]).
pub fn finished_verify_data_with_key(
    master_key: &dyn HmacKey,
    label: &[u8],
    handshake_hash: &[u8],
) -> [u8; VERIFY_DATA_LEN] {
    let out = prf_with_key(master_key, label, &[handshake_hash], VERIFY_DATA_LEN);
    let mut verify_data = [0u8; VERIFY_DATA_LEN];
    verify_data.copy_from_slice(out.expose());
    verify_data
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::HashContext;
    use crate::enums::HashAlgorithm;
    use aws_lc_rs::{digest, hmac};

    /// SHA-256/384 and HMAC from aws-lc-rs, standing in for the provider (which lives in
    /// another crate and implements this crate's traits only as a dependency).
    #[derive(Debug)]
    struct TestHash(HashAlgorithm);

    struct TestContext(digest::Context);

    impl HashContext for TestContext {
        fn update(&mut self, data: &[u8]) {
            self.0.update(data);
        }
        fn current(&self) -> Digest {
            Digest::new(self.0.clone().finish().as_ref())
        }
        fn fork(&self) -> Box<dyn HashContext> {
            Box::new(Self(self.0.clone()))
        }
    }

    impl Hash for TestHash {
        fn algorithm(&self) -> HashAlgorithm {
            self.0
        }
        fn start(&self) -> Box<dyn HashContext> {
            Box::new(TestContext(digest::Context::new(match self.0 {
                HashAlgorithm::Sha256 => &digest::SHA256,
                HashAlgorithm::Sha384 => &digest::SHA384,
            })))
        }
        fn hmac(&self, key: &[u8], parts: &[&[u8]]) -> Digest {
            let alg = match self.0 {
                HashAlgorithm::Sha256 => hmac::HMAC_SHA256,
                HashAlgorithm::Sha384 => hmac::HMAC_SHA384,
            };
            let mut ctx = hmac::Context::with_key(&hmac::Key::new(alg, key));
            for p in parts {
                ctx.update(p);
            }
            Digest::new(ctx.sign().as_ref())
        }
    }

    const SHA256: TestHash = TestHash(HashAlgorithm::Sha256);
    const SHA384: TestHash = TestHash(HashAlgorithm::Sha384);

    fn unhex(s: &str) -> Vec<u8> {
        let s: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        s.chunks(2)
            .map(|c| u8::from_str_radix(core::str::from_utf8(c).unwrap(), 16).unwrap())
            .collect()
    }

    /// The widely used TLS 1.2 PRF vectors, posted to the IETF TLS WG list
    /// (mail-archive/web/tls/current/msg03416.html) and used by GnuTLS, BearSSL and
    /// others; recomputed here with Python's hmac/hashlib before being written down.
    const PRF_SHA256_OUT: &str = "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a\
        6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab\
        4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701\
        87347b66";
    const PRF_SHA384_OUT: &str = "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd\
        e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd\
        8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425\
        9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6\
        91c8f3a26854308d5eaa3be85e0990703d73e56f";

    #[test]
    fn prf_sha256_known_answer() {
        let out = prf(
            &SHA256,
            &unhex("9bbe436ba940f017b17652849a71db35"),
            b"test label",
            &[&unhex("a0ba9f936cda311827a6f796ffd5198c")],
            100,
        );
        assert_eq!(out.expose(), unhex(PRF_SHA256_OUT));
    }

    #[test]
    fn prf_sha384_known_answer() {
        let out = prf(
            &SHA384,
            &unhex("b80b733d6ceefcdc71566ea48e5567df"),
            b"test label",
            &[&unhex("cd665cf6a8447dd6ff8b27555edb7465")],
            148,
        );
        assert_eq!(out.expose(), unhex(PRF_SHA384_OUT));
    }

    #[test]
    fn prf_is_a_stream_and_seed_parts_concatenate() {
        let secret = unhex("9bbe436ba940f017b17652849a71db35");
        let seed = unhex("a0ba9f936cda311827a6f796ffd5198c");
        let full = unhex(PRF_SHA256_OUT);
        for len in [0, 1, 12, 31, 32, 33, 48, 64, 99] {
            let out = prf(&SHA256, &secret, b"test label", &[&seed], len);
            assert_eq!(out.expose(), &full[..len], "len {len}");
        }
        // The label is just the first part of the seed.
        let split = prf(
            &SHA256,
            &secret,
            b"test",
            &[b" label", &seed[..3], &seed[3..]],
            100,
        );
        assert_eq!(split.expose(), &full[..]);
        // A different label gives different output.
        let other = prf(&SHA256, &secret, b"test labem", &[&seed], 100);
        assert_ne!(other.expose(), &full[..]);
    }

    // Inputs for the schedule tests below; expected values computed with Python's
    // hmac/hashlib from the RFC 5246 / RFC 7627 definitions (not by this code).
    fn inputs() -> (Secret, [u8; 32], [u8; 32]) {
        let pms = Secret::new((1..=48).collect());
        let mut client_random = [0u8; 32];
        let mut server_random = [0u8; 32];
        for i in 0..32 {
            client_random[i] = 0x20 + i as u8;
            server_random[i] = 0x40 + i as u8;
        }
        (pms, client_random, server_random)
    }

    struct Expected {
        hash: TestHash,
        master: &'static str,
        extended: &'static str,
        key_block: &'static str,
        client_finished: &'static str,
        server_finished: &'static str,
    }

    /// session_hash = H("session hash"), handshake hash = H("transcript").
    const EXPECTED: [Expected; 2] = [
        Expected {
            hash: SHA256,
            master: "a348a95d5cbf70b6e290c62a19bdcedb28db46c6a050bccde8bbe8a5dc843479\
                     a575328134e85ef32bf00544d59e646c",
            extended: "6a2dfb14adb48f6ae978b2780ca365b7927179ef8ba4e68fb51a108c2f2e818f\
                       0646f393d74a64dfa3ccbb24cf30811c",
            key_block: "3c704f25d8a5790f56eaf6e4d623a2ca46ca2256b82b9f62b4c14f8a068546d7\
                        449fa61a1cc4f13701e5f182bc83705e06d34d56e5c19351f265c691d08870ec\
                        e9880e20cb7ad4d42cdc3594e3f700a7a04ce743b9df517172201a05612d7635\
                        18e849cf6520b0bdf42a6bf812b564fda3301008a779defe28a2fb49c958ccad",
            client_finished: "5117c1c4d956cfa084df39cd",
            server_finished: "09d0a823c7dfcda0c8a9223e",
        },
        Expected {
            hash: SHA384,
            master: "b902a1b0301dfa3468e148bf135ff93f8eaf9c68d61fb32e25b730fb650e4d65\
                     f9cc579e5c62f526e027e6a6f345c95e",
            extended: "34acad4b88234551ccdc5dc04fb2ff4c4892c510efe7c1cc26d9f6b6e5853847\
                       2895a69ab424e33866527336c73d41e4",
            key_block: "c29a3445b4a926b6b3e7d16618f454197ff383adcccbbbe156d31e3fadd13ee7\
                        5feffac9f664fb478f24b1c5dc6f488d3ca4eb121d5686cacd3bae614217433f\
                        6f332ea69b19f66d71f10f5fc3e65847bd3962f3178f4cb20b5c68e2c697eade\
                        0c8ac26bfc202c66f7e7c0a923ed882bdd38e0c43f143950c89e3b89e4b95b9b",
            client_finished: "b521a59d56242d46c152b52a",
            server_finished: "05949a37cf79b785d5432850",
        },
    ];

    #[test]
    fn master_secret_matches_python() {
        let (pms, cr, sr) = inputs();
        for e in &EXPECTED {
            let ms = master_secret(&e.hash, &pms, &cr, &sr);
            assert_eq!(ms.expose(), unhex(e.master), "{:?}", e.hash);
            // The randoms are not interchangeable.
            assert_ne!(master_secret(&e.hash, &pms, &sr, &cr), ms);
        }
    }

    #[test]
    fn extended_master_secret_matches_python() {
        let (pms, _, _) = inputs();
        for e in &EXPECTED {
            let session_hash = e.hash.hash(b"session hash");
            let ems = extended_master_secret(&e.hash, &pms, session_hash.as_ref());
            assert_eq!(ems.expose(), unhex(e.extended), "{:?}", e.hash);
            assert_eq!(ems.len(), MASTER_SECRET_LEN);
        }
    }

    #[test]
    fn key_block_matches_python_and_splits_in_rfc_order() {
        let (_, cr, sr) = inputs();
        for e in &EXPECTED {
            let ms = Secret::new(unhex(e.master));
            let want = unhex(e.key_block);
            // CBC-style layout: 32-byte MAC keys, 16-byte keys, 16 bytes of IV each.
            let block = key_block(&e.hash, &ms, &sr, &cr, want.len());
            assert_eq!(block.expose(), want, "{:?}", e.hash);
            assert_ne!(key_block(&e.hash, &ms, &cr, &sr, want.len()), block);

            assert_eq!(KeyBlock::len_for(32, 16, 16), want.len());
            let kb = KeyBlock::derive(&e.hash, &ms, &sr, &cr, 32, 16, 16);
            assert_eq!(kb, KeyBlock::split(&block, 32, 16, 16).unwrap());
            assert_eq!(kb.client_mac_key.expose(), &want[0..32]);
            assert_eq!(kb.server_mac_key.expose(), &want[32..64]);
            assert_eq!(kb.client_key.expose(), &want[64..80]);
            assert_eq!(kb.server_key.expose(), &want[80..96]);
            assert_eq!(kb.client_iv.expose(), &want[96..112]);
            assert_eq!(kb.server_iv.expose(), &want[112..128]);

            // AES-128-GCM layout: no MAC keys, 16-byte keys, 4-byte salts.
            let kb = KeyBlock::derive(&e.hash, &ms, &sr, &cr, 0, 16, 4);
            assert!(kb.client_mac_key.is_empty() && kb.server_mac_key.is_empty());
            assert_eq!(kb.client_key.expose(), &want[0..16]);
            assert_eq!(kb.server_key.expose(), &want[16..32]);
            assert_eq!(kb.client_iv.expose(), &want[32..36]);
            assert_eq!(kb.server_iv.expose(), &want[36..40]);

            // The same from a prepared key, which stays usable for further calls.
            let key = e.hash.hmac_key(ms.expose());
            assert_eq!(KeyBlock::derive_with_key(&*key, &sr, &cr, 0, 16, 4), kb);
            let cbc = KeyBlock::derive_with_key(&*key, &sr, &cr, 32, 16, 16);
            assert_eq!(cbc, KeyBlock::split(&block, 32, 16, 16).unwrap());
        }
    }

    #[test]
    fn split_refuses_short_block() {
        let block = Secret::new(vec![1; 39]);
        assert_eq!(
            KeyBlock::split(&block, 0, 16, 4),
            Err(Error::Internal("TLS 1.2 key block too short"))
        );
        let kb = KeyBlock::split(&Secret::new((0..41).collect()), 0, 16, 4).unwrap();
        assert_eq!(kb.server_iv.expose(), &[36, 37, 38, 39]);
    }

    #[test]
    fn finished_matches_python() {
        for e in &EXPECTED {
            let ms = Secret::new(unhex(e.master));
            let th = e.hash.hash(b"transcript");
            let c = finished_verify_data(&e.hash, &ms, CLIENT_FINISHED_LABEL, th.as_ref());
            let s = finished_verify_data(&e.hash, &ms, SERVER_FINISHED_LABEL, th.as_ref());
            assert_eq!(c.to_vec(), unhex(e.client_finished), "{:?}", e.hash);
            assert_eq!(s.to_vec(), unhex(e.server_finished), "{:?}", e.hash);
            let key = e.hash.hmac_key(ms.expose());
            for (label, want) in [(CLIENT_FINISHED_LABEL, c), (SERVER_FINISHED_LABEL, s)] {
                let got = finished_verify_data_with_key(&*key, label, th.as_ref());
                assert_eq!(got, want, "{:?}", e.hash);
            }
        }
    }

    #[test]
    fn secrets_do_not_print() {
        let (_, cr, sr) = inputs();
        let ms = Secret::new(unhex(EXPECTED[0].master));
        let kb = KeyBlock::derive(&SHA256, &ms, &sr, &cr, 0, 16, 4);
        let shown = format!("{kb:?}");
        assert!(shown.contains("redacted"));
        assert!(!shown.contains("3c") && !shown.contains("60"), "{shown}");
    }
}
