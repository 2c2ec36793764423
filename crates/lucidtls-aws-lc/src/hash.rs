//! SHA-256 / SHA-384 and HMAC over them.

use crate::ffi::{hmac_once, DigestCtx, HmacContext, HmacHash, MAX_HMAC_LEN};
use aws_lc_rs::hmac;
use lucidtls::crypto::{Digest, Hash, HashContext, HmacKey, Secret};
use lucidtls::enums::HashAlgorithm;
use std::sync::Mutex;

/// One hash function: the digest and the matching HMAC algorithm.
#[derive(Debug)]
pub(crate) struct AwsHash {
    alg: HashAlgorithm,
    hmac: hmac::Algorithm,
}

pub(crate) static SHA256: AwsHash = AwsHash {
    alg: HashAlgorithm::Sha256,
    hmac: hmac::HMAC_SHA256,
};

pub(crate) static SHA384: AwsHash = AwsHash {
    alg: HashAlgorithm::Sha384,
    hmac: hmac::HMAC_SHA384,
};

/// The implementation for `alg`.
pub(crate) fn for_algorithm(alg: HashAlgorithm) -> &'static dyn Hash {
    match alg {
        HashAlgorithm::Sha256 => &SHA256,
        HashAlgorithm::Sha384 => &SHA384,
    }
}

impl Hash for AwsHash {
    fn algorithm(&self) -> HashAlgorithm {
        self.alg
    }

    fn start(&self) -> Box<dyn HashContext> {
        Box::new(Context(DigestCtx::new(self.ffi_hash())))
    }

    fn hash(&self, data: &[u8]) -> Digest {
        let mut ctx = Context(DigestCtx::new(self.ffi_hash()));
        ctx.update(data);
        ctx.current()
    }

    fn hmac(&self, key: &[u8], parts: &[&[u8]]) -> Digest {
        let mut out = [0u8; MAX_HMAC_LEN];
        let signed = hmac_once(self.ffi_hash(), key, parts, &mut out);
        match signed.and_then(|n| out.get(..n)) {
            Some(mac) => Digest::new(mac),
            None => self.hmac_slow(key, parts),
        }
    }

    fn hmac_key<'a>(&'a self, key: &[u8]) -> Box<dyn HmacKey + 'a> {
        let this: &'static AwsHash = match self.alg {
            HashAlgorithm::Sha256 => &SHA256,
            HashAlgorithm::Sha384 => &SHA384,
        };
        // The context is keyed where it stays (see `HmacContext`).
        let mut prepared = Box::new(Key {
            ctx: Mutex::new(HmacContext::unkeyed(self.ffi_hash())),
            hash: this,
            key: Secret::from_slice(key),
        });
        let keyed = prepared.ctx.get_mut().is_ok_and(|ctx| ctx.set_key(key));
        if keyed {
            prepared
        } else {
            Box::new(SlowKey(hmac::Key::new(self.hmac, key)))
        }
    }
}

impl AwsHash {
    fn ffi_hash(&self) -> HmacHash {
        match self.alg {
            HashAlgorithm::Sha256 => HmacHash::Sha256,
            HashAlgorithm::Sha384 => HmacHash::Sha384,
        }
    }

    /// Through `aws-lc-rs`, should AWS-LC refuse the reusable context (it does not
    /// for these hashes; this keeps `hmac` infallible without a panic).
    fn hmac_slow(&self, key: &[u8], parts: &[&[u8]]) -> Digest {
        SlowKey(hmac::Key::new(self.hmac, key)).sign(parts)
    }
}

fn sign_with(ctx: &mut HmacContext, parts: &[&[u8]]) -> Option<Digest> {
    let mut out = [0u8; MAX_HMAC_LEN];
    let n = ctx.sign(parts, &mut out)?;
    out.get(..n).map(Digest::new)
}

/// An HMAC key with the padded keys absorbed once, in one AWS-LC context reused for
/// every MAC (see [`HmacContext`]). The context is the key's working state, so one
/// MAC at a time uses it; a MAC that finds it busy (a key shared between threads,
/// such as the key schedule's process-wide constants) does not wait but keys a
/// context of its own from the key bytes, as it also does should the context ever
/// fail (AWS-LC does not fail for these hashes).
struct Key {
    ctx: Mutex<HmacContext>,
    hash: &'static AwsHash,
    /// For MACs that cannot use the context (busy, or failed).
    key: Secret,
}

impl HmacKey for Key {
    fn sign(&self, parts: &[&[u8]]) -> Digest {
        let signed = self
            .ctx
            .try_lock()
            .ok()
            .and_then(|mut ctx| sign_with(&mut ctx, parts));
        signed.unwrap_or_else(|| self.hash.hmac(self.key.expose(), parts))
    }
}

/// The same through `aws-lc-rs` (a copy of the keyed context per MAC).
struct SlowKey(hmac::Key);

impl HmacKey for SlowKey {
    fn sign(&self, parts: &[&[u8]]) -> Digest {
        let mut ctx = hmac::Context::with_key(&self.0);
        for part in parts {
            ctx.update(part);
        }
        Digest::new(ctx.sign().as_ref())
    }
}

/// A running digest, held inline (see [`DigestCtx`]). `current` finishes a copy, so
/// the context stays usable.
struct Context(DigestCtx);

impl HashContext for Context {
    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    fn current(&self) -> Digest {
        let mut out = [0u8; MAX_HMAC_LEN];
        let n = self.0.current(&mut out);
        Digest::new(out.get(..n).unwrap_or(&out))
    }

    fn fork(&self) -> Box<dyn HashContext> {
        Box::new(Context(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::digest;

    #[test]
    fn prepared_key_gives_the_same_macs() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let expect256 = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        for (hash, long_key) in [(&SHA256, [0xaa; 131]), (&SHA384, [0xbb; 131])] {
            let key = hash.hmac_key(b"Jefe");
            let parts: [&[u8]; 3] = [b"what do ya", b" want for ", b"nothing?"];
            let mac = key.sign(&parts);
            assert_eq!(mac, hash.hmac(b"Jefe", &parts));
            assert_eq!(key.sign(&parts), mac, "the key is reusable");
            if hash.alg == HashAlgorithm::Sha256 {
                assert_eq!(format!("{mac:?}"), expect256);
            }
            // Keys longer than a block are hashed first; still the same MACs.
            let key = hash.hmac_key(&long_key);
            assert_eq!(key.sign(&[b"x"]), hash.hmac(&long_key, &[b"x"]));
            assert_ne!(key.sign(&[b"x"]), key.sign(&[b"y"]));
        }
    }

    fn hex(d: &[u8]) -> String {
        d.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn key_schedule_constants_match_known_values() {
        use lucidtls::keys::tls13::EarlySecret;
        // RFC 8448 §3: the shared X25519 secret, and the early and handshake secrets.
        // The SHA-384 values were computed independently (Python's hmac module) from
        // RFC 8446 §7.1 with the same shared secret.
        let shared = "8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d";
        let shared: Vec<u8> = (0..32)
            .map(|i| u8::from_str_radix(&shared[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        let expect: [(&'static AwsHash, &str, &str); 2] = [
            (
                &SHA256,
                "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a",
                "1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac",
            ),
            (
                &SHA384,
                "7ee8206f5570023e6dc7519eb1073bc4e791ad37b5c382aa10ba18e2357e716971f9362f2c2fe2a76bfd78dfec4ea9b5",
                "984e65f4ea6ac0dece14762ac3752b71867a045c60d3fe7808b31949d2ce27d3142e6da6d92a68437f77c26509ce0b2b",
            ),
        ];
        for _ in 0..2 {
            // Twice: computed on first use, then from the process-wide cache.
            for (hash, early, handshake) in expect {
                let e = EarlySecret::new(hash, None);
                assert_eq!(hex(e.secret().expose()), early);
                let h = e.into_handshake(&Secret::from_slice(&shared));
                assert_eq!(hex(h.secret().expose()), handshake);
            }
        }
    }

    #[test]
    fn running_hash_matches_one_shot_digest() {
        for hash in [&SHA256, &SHA384] {
            let mut ctx = hash.start();
            let mut all = Vec::new();
            for i in 0..300u32 {
                let piece = vec![i as u8; (i % 70) as usize];
                ctx.update(&piece);
                all.extend_from_slice(&piece);
                if i % 37 == 0 {
                    let alg = match hash.alg {
                        HashAlgorithm::Sha256 => &digest::SHA256,
                        HashAlgorithm::Sha384 => &digest::SHA384,
                    };
                    let want = digest::digest(alg, &all);
                    assert_eq!(ctx.current().as_ref(), want.as_ref());
                    let fork = ctx.fork();
                    assert_eq!(fork.current(), ctx.current());
                }
            }
            assert_eq!(ctx.current(), hash.hash(&all));
        }
    }

    #[test]
    fn busy_key_still_gives_the_mac() {
        for hash in [&SHA256, &SHA384] {
            let ctx = HmacContext::new(hash.ffi_hash(), b"Jefe").unwrap();
            let key = Key {
                ctx: Mutex::new(ctx),
                hash,
                key: Secret::from_slice(b"Jefe"),
            };
            let expect = hash.hmac(b"Jefe", &[b"what do ya want for nothing?"]);
            let busy = key.ctx.lock().unwrap();
            assert_eq!(key.sign(&[b"what do ya want for nothing?"]), expect);
            drop(busy);
            assert_eq!(key.sign(&[b"what do ya want for nothing?"]), expect);
            // Shared between threads: every MAC right, whichever path it took.
            std::thread::scope(|s| {
                for _ in 0..4 {
                    s.spawn(|| {
                        for _ in 0..200 {
                            assert_eq!(key.sign(&[b"what do ya want for nothing?"]), expect);
                        }
                    });
                }
            });
        }
    }
}
