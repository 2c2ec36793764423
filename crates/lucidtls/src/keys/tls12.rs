//! The TLS 1.2 key schedule: the PRF (RFC 5246 §5), the master secret (RFC 5246 §8.1,
//! extended: RFC 7627 §4), the key block (RFC 5246 §6.3) and Finished's verify_data
//! (RFC 5246 §7.4.9).
//!
//! Everything is built on the provider's HMAC ([`Hash::hmac`]) so that exact secret
//! bytes can go to the key log and the tests; the hash is the cipher suite's PRF hash
//! (SHA-256, or SHA-384 for `_SHA384` suites).

use crate::crypto::{Digest, Hash, Secret};
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
pub fn prf(hash: &dyn Hash, secret: &[u8], label: &[u8], seed: &[&[u8]], len: usize) -> Secret {
    let mut label_seed: Vec<&[u8]> = Vec::with_capacity(seed.len() + 2);
    label_seed.push(label);
    label_seed.extend_from_slice(seed);

    let mut out = Vec::with_capacity(len);
    // A(1) = HMAC(secret, A(0))
    let mut a: Digest = hash.hmac(secret, &label_seed);
    while out.len() < len {
        let mut parts: Vec<&[u8]> = Vec::with_capacity(label_seed.len() + 1);
        parts.push(a.as_ref());
        parts.extend_from_slice(&label_seed);
        let block = hash.hmac(secret, &parts);
        let take = (len - out.len()).min(block.as_ref().len());
        out.extend_from_slice(&block.as_ref()[..take]);
        a = hash.hmac(secret, &[a.as_ref()]);
    }
    Secret::new(out)
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
    let out = prf(
        hash,
        master_secret.expose(),
        label,
        &[handshake_hash],
        VERIFY_DATA_LEN,
    );
    let mut verify_data = [0u8; VERIFY_DATA_LEN];
    verify_data.copy_from_slice(out.expose());
    verify_data
}
