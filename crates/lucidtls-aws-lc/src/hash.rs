//! SHA-256 / SHA-384 and HMAC over them.

use crate::ffi::{HmacContext, HmacHash, MAX_HMAC_LEN};
use aws_lc_rs::{digest, hmac};
use lucidtls::crypto::{Digest, Hash, HashContext, HmacKey};
use lucidtls::enums::HashAlgorithm;
use std::sync::Mutex;
use zeroize::Zeroizing;

/// One hash function: the digest and the matching HMAC algorithm.
#[derive(Debug)]
pub(crate) struct AwsHash {
    alg: HashAlgorithm,
    digest: &'static digest::Algorithm,
    hmac: hmac::Algorithm,
}

pub(crate) static SHA256: AwsHash = AwsHash {
    alg: HashAlgorithm::Sha256,
    digest: &digest::SHA256,
    hmac: hmac::HMAC_SHA256,
};

pub(crate) static SHA384: AwsHash = AwsHash {
    alg: HashAlgorithm::Sha384,
    digest: &digest::SHA384,
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
        Box::new(Context(digest::Context::new(self.digest)))
    }

    fn hash(&self, data: &[u8]) -> Digest {
        Digest::new(digest::digest(self.digest, data).as_ref())
    }

    fn hmac(&self, key: &[u8], parts: &[&[u8]]) -> Digest {
        match HmacContext::new(self.ffi_hash(), key) {
            Some(mut ctx) => {
                sign_with(&mut ctx, parts).unwrap_or_else(|| self.hmac_slow(key, parts))
            }
            None => self.hmac_slow(key, parts),
        }
    }

    fn hmac_key<'a>(&'a self, key: &[u8]) -> Box<dyn HmacKey + 'a> {
        let this: &'static AwsHash = match self.alg {
            HashAlgorithm::Sha256 => &SHA256,
            HashAlgorithm::Sha384 => &SHA384,
        };
        match HmacContext::new(self.ffi_hash(), key) {
            Some(ctx) => Box::new(Key {
                ctx: Mutex::new(ctx),
                hash: this,
                key: Zeroizing::new(key.to_vec()),
            }),
            None => Box::new(SlowKey(hmac::Key::new(self.hmac, key))),
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
/// every MAC (see [`HmacContext`]); the lock serialises MACs under the same key,
/// which TLS never computes concurrently.
struct Key {
    ctx: Mutex<HmacContext>,
    hash: &'static AwsHash,
    /// Only for the fallback, should the context ever fail (AWS-LC does not fail for
    /// these hashes): the MAC is then computed through `aws-lc-rs` from the key.
    key: Zeroizing<Vec<u8>>,
}

impl HmacKey for Key {
    fn sign(&self, parts: &[&[u8]]) -> Digest {
        let signed = self
            .ctx
            .lock()
            .ok()
            .and_then(|mut ctx| sign_with(&mut ctx, parts));
        signed.unwrap_or_else(|| self.hash.hmac_slow(&self.key, parts))
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

/// A running digest. `current` finishes a clone, so the context stays usable.
struct Context(digest::Context);

impl HashContext for Context {
    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    fn current(&self) -> Digest {
        Digest::new(self.0.clone().finish().as_ref())
    }

    fn fork(&self) -> Box<dyn HashContext> {
        Box::new(Context(self.0.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
