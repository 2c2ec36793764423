//! SHA-256 / SHA-384 and HMAC over them.

use aws_lc_rs::{digest, hmac};
use lucidtls::crypto::{Digest, Hash, HashContext};
use lucidtls::enums::HashAlgorithm;

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
        let key = hmac::Key::new(self.hmac, key);
        let mut ctx = hmac::Context::with_key(&key);
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
