//! The crate's only `unsafe` code: small owned wrappers over the few AWS-LC
//! functions that `aws-lc-rs` does not expose (through `aws-lc-sys`, the same
//! build of AWS-LC that `aws-lc-rs` links).
//!
//! | wrapper | AWS-LC | used for |
//! |---|---|---|
//! | [`RsaPrivateKey`] | `RSA_private_key_from_bytes`, `RSA_size`, `RSA_decrypt(RSA_NO_PADDING)`, `RSA_free` | TLS 1.2 RSA key transport (the padding check is ours, constant time, in safe Rust) |
//! | [`TlsCbcContext`] | `EVP_aead_aes_*_cbc_sha*_tls`, `EVP_AEAD_CTX_init_with_direction`, `_seal`, `_open`, `_cleanup` | MAC-then-encrypt CBC records, opened in constant time (Lucky13) |
//! | [`HmacContext`] | `HMAC_CTX_init`, `HMAC_Init_ex`, `HMAC_Update`, `HMAC_Final`, `HMAC_CTX_cleanup` | HMAC keyed once and reused for every MAC (HKDF, the TLS 1.2 PRF) |
//! | [`DigestCtx`] | `SHA256_Init`/`_Update`/`_Final`, `SHA384_*` | transcript hashes copied without allocating |
//! | [`ecdsa_verify_digest`] | `EC_group_p256`/`p384`, `EC_POINT_*`, `EC_KEY_*`, `ECDSA_SIG_from_bytes`, `ECDSA_do_verify` | ECDSA verification without `EVP` objects |
//! | [`x25519_keypair`], [`x25519`] | `X25519_keypair`, `X25519` | X25519 key shares without `EVP_PKEY` objects |
//! | [`DhKey`] | `DH_new`, `DH_set0_pqg`, `DH_set_length`, `DH_generate_key`, `DH_compute_key_padded`, `DH_free`, `BN_*` | finite-field DHE |
//!
//! Every handle owns its AWS-LC object and frees it in `Drop`; no raw pointer
//! leaves this module. Each `unsafe` block states why it is sound.

#![allow(unsafe_code)]
// Clippy enforces the rule: every `unsafe` block and impl carries a `SAFETY:` comment.
#![deny(clippy::undocumented_unsafe_blocks)]

use aws_lc_sys as sys;
use core::ptr::{self, NonNull};
use zeroize::Zeroizing;

// ---------------------------------------------------------------------------
// RSA
// ---------------------------------------------------------------------------

/// An RSA private key in AWS-LC form, for the raw private-key operation.
pub(crate) struct RsaPrivateKey(NonNull<sys::RSA>);

// SAFETY: the `RSA` object is owned by this handle alone (the pointer never leaves
// it), so moving it to another thread is fine. The only operation reachable through
// `&self` is `RSA_decrypt` (plus `RSA_size`, a read of the modulus), which rsa.h
// documents as "non-mutating for thread-safety purposes and may be used
// concurrently" (section "Encryption / Decryption"); AWS-LC locks its blinding cache
// internally.
unsafe impl Send for RsaPrivateKey {}
// SAFETY: see `Send` above: every `&self` method is a documented concurrent-safe call.
unsafe impl Sync for RsaPrivateKey {}

impl RsaPrivateKey {
    /// Parses a DER PKCS#1 `RSAPrivateKey`. `None` if AWS-LC rejects it.
    pub(crate) fn from_pkcs1_der(der: &[u8]) -> Option<Self> {
        // SAFETY: `der` is a live slice readable for `der.len()` bytes during the call;
        // AWS-LC reads only that range (an empty slice is rejected without a read) and
        // keeps no pointer into it. The result is null or a fresh `RSA` we now own.
        let rsa = unsafe { sys::RSA_private_key_from_bytes(der.as_ptr(), der.len()) };
        NonNull::new(rsa).map(Self)
    }

    /// The modulus length in bytes (= ciphertext length).
    pub(crate) fn modulus_len(&self) -> usize {
        // SAFETY: `self.0` is a valid `RSA` for as long as `self` lives.
        let len = unsafe { sys::RSA_size(self.0.as_ptr()) };
        len as usize
    }

    /// The raw private-key operation `c^d mod n` (`RSA_decrypt` with `RSA_NO_PADDING`),
    /// written to `out`, which must be exactly [`Self::modulus_len`] bytes.
    ///
    /// Returns false, with `out` zeroed, when AWS-LC refuses: `ciphertext` is not
    /// exactly the modulus length, or is not less than the modulus. Both conditions
    /// depend only on public values, so the early refusal leaks nothing.
    pub(crate) fn decrypt_raw(&self, ciphertext: &[u8], out: &mut [u8]) -> bool {
        let mut written = 0usize;
        // SAFETY: `self.0` is a valid RSA key (see type). `out` is writable for
        // `out.len()` bytes and AWS-LC writes at most `max_out` = `out.len()` bytes;
        // `ciphertext` is readable for `ciphertext.len()` bytes (a wrong length is
        // rejected before any read). `written` is a valid `size_t` out-parameter. The
        // two buffers cannot overlap (one is `&mut`). Nothing is retained after the call.
        let rc = unsafe {
            sys::RSA_decrypt(
                self.0.as_ptr(),
                &mut written,
                out.as_mut_ptr(),
                out.len(),
                ciphertext.as_ptr(),
                ciphertext.len(),
                sys::RSA_NO_PADDING,
            )
        };
        let ok = rc == 1 && written == out.len();
        if !ok {
            out.fill(0);
        }
        ok
    }
}

impl Drop for RsaPrivateKey {
    fn drop(&mut self) {
        // SAFETY: we own the `RSA` (created by `RSA_private_key_from_bytes`) and free
        // it exactly once; `RSA_free` wipes the private components.
        unsafe { sys::RSA_free(self.0.as_ptr()) }
    }
}

// ---------------------------------------------------------------------------
// TLS CBC "AEADs" (MAC-then-encrypt, constant-time open)
// ---------------------------------------------------------------------------

/// The TLS 1.1+ (explicit IV) CBC-HMAC record ciphers AWS-LC implements.
/// (There is no AES-256 + HMAC-SHA256 variant; see `cbc.rs` for how that one is built.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TlsCbcAead {
    /// `EVP_aead_aes_128_cbc_sha1_tls`
    Aes128Sha1,
    /// `EVP_aead_aes_256_cbc_sha1_tls`
    Aes256Sha1,
    /// `EVP_aead_aes_128_cbc_sha256_tls`
    Aes128Sha256,
    /// `EVP_aead_aes_256_cbc_sha384_tls`
    Aes256Sha384,
}

impl TlsCbcAead {
    fn evp(self) -> *const sys::EVP_AEAD {
        // SAFETY: each function takes no arguments and returns a pointer to a static,
        // immutable `EVP_AEAD` description that lives for the whole program.
        unsafe {
            match self {
                Self::Aes128Sha1 => sys::EVP_aead_aes_128_cbc_sha1_tls(),
                Self::Aes256Sha1 => sys::EVP_aead_aes_256_cbc_sha1_tls(),
                Self::Aes128Sha256 => sys::EVP_aead_aes_128_cbc_sha256_tls(),
                Self::Aes256Sha384 => sys::EVP_aead_aes_256_cbc_sha384_tls(),
            }
        }
    }
}

/// Which way a [`TlsCbcContext`] works: AWS-LC's TLS AEADs are one-directional.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Encrypting (MAC, pad, CBC-encrypt).
    Seal,
    /// Decrypting (CBC-decrypt, constant-time padding and MAC check).
    Open,
}

/// A keyed AWS-LC TLS CBC context for one direction.
///
/// Seal and open take `&mut self`: aead.h says these AEADs "are stateful, and may not
/// be used concurrently", so exclusive access is enforced by the borrow checker
/// (callers that share a key put it behind a `Mutex`).
pub(crate) struct TlsCbcContext {
    /// Boxed so the context never moves while AWS-LC state points at it.
    ctx: Box<sys::EVP_AEAD_CTX>,
    /// `EVP_AEAD_max_overhead`: MAC plus at most one block of padding.
    max_overhead: usize,
}

// SAFETY: the context and the heap state it points to are owned by this handle alone
// and carry no thread affinity; moving them to another thread is fine. (Not `Sync`:
// every operation needs `&mut self`.)
unsafe impl Send for TlsCbcContext {}

/// The additional data these AEADs take: `seq_num || type || version`.
const TLS_AD_LEN: usize = 11;
/// The explicit IV (the AEAD's nonce).
const TLS_IV_LEN: usize = 16;

impl TlsCbcContext {
    /// Keys a context. `key` is `mac_key || enc_key`. `None` if AWS-LC refuses
    /// (wrong key length).
    pub(crate) fn new(aead: TlsCbcAead, key: &[u8], direction: Direction) -> Option<Self> {
        let evp = aead.evp();
        let dir = match direction {
            Direction::Seal => sys::evp_aead_direction_t_evp_aead_seal,
            Direction::Open => sys::evp_aead_direction_t_evp_aead_open,
        };
        // A zeroed context is the documented "zero state": safe to clean up at any time.
        let mut ctx = Box::new(sys::EVP_AEAD_CTX::default());
        // SAFETY: `ctx` points to a live, exclusively owned, zero-state context;
        // `evp` is a static AEAD; `key` is readable for `key.len()` bytes and is copied,
        // not retained (AWS-LC checks the length first). Tag length 0 = the default.
        let rc = unsafe {
            sys::EVP_AEAD_CTX_init_with_direction(&mut *ctx, evp, key.as_ptr(), key.len(), 0, dir)
        };
        // `ctx` is dropped (and cleaned up, a no-op in the zero state) on failure.
        let this = Self {
            ctx,
            // SAFETY: `evp` is a valid static AEAD description; this only reads it.
            max_overhead: unsafe { sys::EVP_AEAD_max_overhead(evp) },
        };
        (rc == 1).then_some(this)
    }

    /// MAC-then-encrypt: appends `CBC(plaintext || MAC || padding)` to `out` (the IV
    /// itself is not written). False if AWS-LC refuses (wrong direction, oversized
    /// input); `out` is then left as it was.
    pub(crate) fn seal(
        &mut self,
        iv: &[u8; TLS_IV_LEN],
        ad: &[u8; TLS_AD_LEN],
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) -> bool {
        let start = out.len();
        let Some(max) = plaintext.len().checked_add(self.max_overhead) else {
            return false;
        };
        out.resize(start + max, 0);
        let dst = &mut out[start..];
        let mut written = 0usize;
        // SAFETY: `self.ctx` is an initialised context we hold exclusively (`&mut self`).
        // `dst` is writable for `dst.len()` = `max` bytes, passed as `max_out_len`, so
        // AWS-LC writes within it. `iv`, `ad` and `plaintext` are readable for the
        // lengths given; `plaintext` cannot overlap `dst` (`out` is borrowed mutably).
        // `written` is a valid out-parameter. Nothing is retained.
        let rc = unsafe {
            sys::EVP_AEAD_CTX_seal(
                &*self.ctx,
                dst.as_mut_ptr(),
                &mut written,
                dst.len(),
                iv.as_ptr(),
                iv.len(),
                plaintext.as_ptr(),
                plaintext.len(),
                ad.as_ptr(),
                ad.len(),
            )
        };
        if rc == 1 && written <= max {
            out.truncate(start + written);
            true
        } else {
            out.truncate(start);
            false
        }
    }

    /// Opens a record in place: on success the plaintext is at the front of `in_out`
    /// and its length is returned. Padding and MAC are checked in constant time by
    /// AWS-LC; any failure is `None` (and AWS-LC zeroes the buffer).
    pub(crate) fn open(
        &mut self,
        iv: &[u8; TLS_IV_LEN],
        ad: &[u8; TLS_AD_LEN],
        in_out: &mut [u8],
    ) -> Option<usize> {
        let len = in_out.len();
        let buf = in_out.as_mut_ptr();
        let mut written = 0usize;
        // SAFETY: `self.ctx` is an initialised context we hold exclusively. `buf` is
        // readable and writable for `len` bytes; input and output are the *same*
        // pointer, which aead.h permits ("may work in-place if |out| and |in| are
        // equal"). `max_out_len` = `len`, and AWS-LC writes at most `in_len` bytes.
        // `iv` and `ad` are readable for their lengths; `written` is a valid
        // out-parameter. Nothing is retained.
        let rc = unsafe {
            sys::EVP_AEAD_CTX_open(
                &*self.ctx,
                buf,
                &mut written,
                len,
                iv.as_ptr(),
                iv.len(),
                buf.cast_const(),
                len,
                ad.as_ptr(),
                ad.len(),
            )
        };
        (rc == 1 && written <= len).then_some(written)
    }
}

impl Drop for TlsCbcContext {
    fn drop(&mut self) {
        // SAFETY: `self.ctx` is either initialised or in the zero state; cleanup frees
        // (and AWS-LC wipes) the key state exactly once and leaves the zero state.
        unsafe { sys::EVP_AEAD_CTX_cleanup(&mut *self.ctx) }
    }
}

// ---------------------------------------------------------------------------
// HMAC, keyed once
// ---------------------------------------------------------------------------

/// The hash functions an [`HmacContext`] can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HmacHash {
    /// `EVP_sha256`
    Sha256,
    /// `EVP_sha384`
    Sha384,
}

impl HmacHash {
    /// The MAC length.
    fn out_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
        }
    }

    fn evp(self) -> *const sys::EVP_MD {
        // SAFETY: each function takes no arguments and returns a pointer to a static,
        // immutable `EVP_MD` description that lives for the whole program.
        unsafe {
            match self {
                Self::Sha256 => sys::EVP_sha256(),
                Self::Sha384 => sys::EVP_sha384(),
            }
        }
    }
}

/// Largest HMAC output (SHA-384).
pub(crate) const MAX_HMAC_LEN: usize = 48;

/// A keyed `HMAC_CTX`, reused for every MAC under its key.
///
/// AWS-LC keeps the keyed inner and outer states in the context, and `HMAC_Final`
/// rewinds the working state to the keyed inner state; `HMAC_Init_ex` with a NULL key
/// and the same hash then only marks it ready (hmac.c). So each MAC costs its own
/// compressions and no copy of the whole context, unlike `aws-lc-rs`'s
/// `hmac::Context::with_key`, which copies the key's context for every MAC. Needs
/// `&mut self` (the working state is shared); callers that share a key lock it.
///
/// The context (1.2 KiB: three hash states sized for any digest) is allocated once
/// and keyed where it stays ([`HmacContext::unkeyed`], [`HmacContext::set_key`]): the
/// handle moves cheaply, and no copy of the keyed state is left behind unwiped;
/// `Drop` wipes it. For a single MAC, [`hmac_once`] keeps the context on the stack.
pub(crate) struct HmacContext {
    ctx: Box<sys::HMAC_CTX>,
    md: *const sys::EVP_MD,
    out_len: usize,
    keyed: bool,
}

// SAFETY: the context holds only plain hash state and pointers to static method and
// `EVP_MD` tables (as does `md`); it is owned by this handle alone and has no thread
// affinity. (Not `Sync`: every operation needs `&mut self`.)
unsafe impl Send for HmacContext {}

impl HmacContext {
    /// A context for `hash` in AWS-LC's zero state, holding no key yet: every
    /// [`HmacContext::sign`] fails until [`HmacContext::set_key`] succeeds.
    pub(crate) fn unkeyed(hash: HmacHash) -> Self {
        let mut ctx = Box::<sys::HMAC_CTX>::new_uninit();
        // SAFETY: `ctx` is a live, exclusively owned allocation of the right size and
        // alignment; `HMAC_CTX_init` writes every field (the zero state) without
        // reading any.
        unsafe { sys::HMAC_CTX_init(ctx.as_mut_ptr()) };
        // SAFETY: initialised just above.
        let ctx = unsafe { ctx.assume_init() };
        let md = hash.evp();
        Self {
            ctx,
            md,
            out_len: hash.out_len(),
            keyed: false,
        }
    }

    /// Keys the context in place (keys longer than a block are hashed first, as HMAC
    /// says). `false` if AWS-LC fails; the context is then unkeyed.
    pub(crate) fn set_key(&mut self, key: &[u8]) -> bool {
        self.keyed = init_key(&mut self.ctx, self.md, key) && self.out_len <= MAX_HMAC_LEN;
        self.keyed
    }

    /// An unkeyed context keyed with `key` (see [`HmacContext::set_key`]); `None` if
    /// AWS-LC fails. For tests.
    #[cfg(test)]
    pub(crate) fn new(hash: HmacHash, key: &[u8]) -> Option<Self> {
        let mut this = Self::unkeyed(hash);
        this.set_key(key).then_some(this)
    }

    /// HMAC over the concatenation of `parts`, written to the front of `out`; returns
    /// the length. `None` if the context is unkeyed or AWS-LC fails (the context is
    /// then unusable and every later call fails too).
    pub(crate) fn sign(&mut self, parts: &[&[u8]], out: &mut [u8; MAX_HMAC_LEN]) -> Option<usize> {
        if !self.keyed {
            return None;
        }
        let written = sign_keyed(&mut self.ctx, parts, out);
        if written.is_none() {
            // AWS-LC has reset the context to the zero state; keep it refusing.
            self.keyed = false;
        }
        written.filter(|&n| n == self.out_len)
    }
}

impl Drop for HmacContext {
    fn drop(&mut self) {
        // SAFETY: `self.ctx` was initialised by `HMAC_CTX_init`; cleanup wipes the key
        // state and leaves the zero state, exactly once.
        unsafe { sys::HMAC_CTX_cleanup(&mut *self.ctx) }
    }
}

/// One HMAC with a context on the stack: no allocation, and the context wiped
/// before returning. `None` if AWS-LC fails.
pub(crate) fn hmac_once(
    hash: HmacHash,
    key: &[u8],
    parts: &[&[u8]],
    out: &mut [u8; MAX_HMAC_LEN],
) -> Option<usize> {
    let mut ctx = core::mem::MaybeUninit::<sys::HMAC_CTX>::uninit();
    // SAFETY: `ctx` is live, exclusively owned storage of the right size and
    // alignment; `HMAC_CTX_init` writes every field (the zero state) without reading
    // any.
    unsafe { sys::HMAC_CTX_init(ctx.as_mut_ptr()) };
    // SAFETY: initialised just above.
    let mut ctx = unsafe { ctx.assume_init() };
    let written = if init_key(&mut ctx, hash.evp(), key) && hash.out_len() <= MAX_HMAC_LEN {
        sign_keyed(&mut ctx, parts, out).filter(|&n| n == hash.out_len())
    } else {
        None
    };
    // SAFETY: `ctx` is initialised (keyed, or back in the zero state after a failure);
    // cleanup wipes it once, before it goes out of scope.
    unsafe { sys::HMAC_CTX_cleanup(&mut ctx) };
    written
}

/// `HMAC_Init_ex` with a key on an initialised context (any state). On failure AWS-LC
/// returns the context to the zero state.
fn init_key(ctx: &mut sys::HMAC_CTX, md: *const sys::EVP_MD, key: &[u8]) -> bool {
    // SAFETY: `ctx` is an initialised context (it only exists after `HMAC_CTX_init`
    // in this module) borrowed exclusively; `key` is readable for `key.len()` bytes (a
    // dangling but non-null pointer for an empty key, which AWS-LC then does not read)
    // and is not retained; `md` is a static `EVP_MD` from `HmacHash::evp`; the engine
    // must be NULL.
    let rc = unsafe { sys::HMAC_Init_ex(ctx, key.as_ptr().cast(), key.len(), md, ptr::null_mut()) };
    rc == 1
}

/// One MAC on a keyed context; returns the length written. On failure AWS-LC resets
/// the context to the zero state, where every later call fails cleanly.
fn sign_keyed(
    ctx: &mut sys::HMAC_CTX,
    parts: &[&[u8]],
    out: &mut [u8; MAX_HMAC_LEN],
) -> Option<usize> {
    // SAFETY: `ctx` is an initialised context borrowed exclusively. A NULL key with a
    // NULL `EVP_MD` reuses the key (and hash) of the previous call; on an unkeyed
    // context it fails without touching anything.
    let mut ok =
        unsafe { sys::HMAC_Init_ex(ctx, ptr::null(), 0, ptr::null(), ptr::null_mut()) } == 1;
    for part in parts {
        // SAFETY: as above; `part` is readable for `part.len()` bytes and is not
        // retained.
        ok = ok && unsafe { sys::HMAC_Update(ctx, part.as_ptr(), part.len()) } == 1;
    }
    let mut written: core::ffi::c_uint = 0;
    // SAFETY: as above; `out` is writable for `MAX_HMAC_LEN` bytes, which callers
    // have checked is at least the hash's output length; `written` is a valid
    // out-parameter.
    ok = ok && unsafe { sys::HMAC_Final(ctx, out.as_mut_ptr(), &mut written) } == 1;
    let written = usize::try_from(written).ok()?;
    ok.then_some(written)
}

// ---------------------------------------------------------------------------
// SHA-256 / SHA-384, inline
// ---------------------------------------------------------------------------

/// A running SHA-256 or SHA-384 hash held inline: AWS-LC's plain `SHA256_CTX` /
/// `SHA512_CTX` (integer state and a block buffer, no pointers), so that copying it —
/// for every transcript hash taken while the transcript goes on — is a plain copy,
/// with no `EVP_MD_CTX` allocated and freed as `aws-lc-rs`'s `digest::Context`
/// clone does.
#[derive(Clone, Copy)]
pub(crate) enum DigestCtx {
    /// `SHA256_CTX`
    Sha256(sys::SHA256_CTX),
    /// `SHA512_CTX`, initialised for SHA-384
    Sha384(sys::SHA512_CTX),
}

impl DigestCtx {
    /// A fresh hash.
    pub(crate) fn new(hash: HmacHash) -> Self {
        match hash {
            HmacHash::Sha256 => {
                let mut ctx = core::mem::MaybeUninit::<sys::SHA256_CTX>::uninit();
                // SAFETY: `ctx` is writable storage of the right size and alignment;
                // `SHA256_Init` writes every field and always returns 1.
                unsafe { sys::SHA256_Init(ctx.as_mut_ptr()) };
                // SAFETY: initialised just above.
                Self::Sha256(unsafe { ctx.assume_init() })
            }
            HmacHash::Sha384 => {
                let mut ctx = core::mem::MaybeUninit::<sys::SHA512_CTX>::uninit();
                // SAFETY: as above, with `SHA384_Init`.
                unsafe { sys::SHA384_Init(ctx.as_mut_ptr()) };
                // SAFETY: initialised just above.
                Self::Sha384(unsafe { ctx.assume_init() })
            }
        }
    }

    /// Adds data.
    pub(crate) fn update(&mut self, data: &[u8]) {
        // SAFETY: the context is initialised (by `new`) and borrowed exclusively;
        // `data` is readable for `data.len()` bytes and is not retained. Both functions
        // always return 1.
        unsafe {
            match self {
                Self::Sha256(ctx) => sys::SHA256_Update(ctx, data.as_ptr().cast(), data.len()),
                Self::Sha384(ctx) => sys::SHA384_Update(ctx, data.as_ptr().cast(), data.len()),
            };
        }
    }

    /// The digest of everything so far, from a copy: `self` goes on. Returns the
    /// length written to the front of `out`.
    pub(crate) fn current(&self, out: &mut [u8; MAX_HMAC_LEN]) -> usize {
        let mut copy = *self;
        // SAFETY: `copy` is an initialised context of our own; `out` is writable for
        // 48 bytes, enough for either digest (32 or 48 bytes). Both functions always
        // return 1.
        unsafe {
            match &mut copy {
                Self::Sha256(ctx) => {
                    sys::SHA256_Final(out.as_mut_ptr(), ctx);
                    32
                }
                Self::Sha384(ctx) => {
                    sys::SHA384_Final(out.as_mut_ptr(), ctx);
                    48
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// X25519, without EVP objects
// ---------------------------------------------------------------------------

/// X25519 private keys, public values and shared secrets are all 32 bytes.
pub(crate) const X25519_LEN: usize = 32;

/// A fresh X25519 key pair, (private key, public value), from AWS-LC's generator:
/// the same computation as `aws-lc-rs`'s X25519 keys, without the `EVP_PKEY` and
/// `EVP_PKEY_CTX` objects (and their allocations) around it.
pub(crate) fn x25519_keypair() -> (Zeroizing<[u8; X25519_LEN]>, [u8; X25519_LEN]) {
    let mut private = Zeroizing::new([0u8; X25519_LEN]);
    let mut public = [0u8; X25519_LEN];
    // SAFETY: both pointers are writable for exactly the 32 bytes the function
    // writes (curve25519.h: `out_public_value[32]`, `out_private_key[32]`) and are not
    // retained.
    unsafe { sys::X25519_keypair(public.as_mut_ptr(), private.as_mut_ptr()) };
    (private, public)
}

/// X25519(private, peer): the shared secret, or `None` when AWS-LC rejects the result
/// (an all-zero output, from a small-order peer value; RFC 7748 §6.1).
pub(crate) fn x25519(
    private: &[u8; X25519_LEN],
    peer: &[u8; X25519_LEN],
) -> Option<Zeroizing<[u8; X25519_LEN]>> {
    let mut shared = Zeroizing::new([0u8; X25519_LEN]);
    // SAFETY: `shared` is writable and `private` and `peer` readable for exactly the 32
    // bytes each that the function uses (curve25519.h); none is retained.
    let rc = unsafe { sys::X25519(shared.as_mut_ptr(), private.as_ptr(), peer.as_ptr()) };
    (rc == 1).then_some(shared)
}

// ---------------------------------------------------------------------------
// ECDSA verification, without EVP objects
// ---------------------------------------------------------------------------

/// The curves [`ecdsa_verify_digest`] handles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EcCurve {
    /// P-256 (`EC_group_p256`)
    P256,
    /// P-384 (`EC_group_p384`)
    P384,
}

/// An owned `EC_POINT`.
struct EcPoint(NonNull<sys::EC_POINT>);

impl Drop for EcPoint {
    fn drop(&mut self) {
        // SAFETY: the point was returned by `EC_POINT_new` and is owned by this
        // handle alone; freed exactly once.
        unsafe { sys::EC_POINT_free(self.0.as_ptr()) }
    }
}

/// An owned `EC_KEY`.
struct EcKey(NonNull<sys::EC_KEY>);

impl Drop for EcKey {
    fn drop(&mut self) {
        // SAFETY: the key was returned by `EC_KEY_new` and is owned by this handle
        // alone; freed exactly once.
        unsafe { sys::EC_KEY_free(self.0.as_ptr()) }
    }
}

/// An owned `ECDSA_SIG`.
struct EcdsaSig(NonNull<sys::ECDSA_SIG>);

impl Drop for EcdsaSig {
    fn drop(&mut self) {
        // SAFETY: the signature was returned by `ECDSA_SIG_from_bytes` and is owned by
        // this handle alone; freed exactly once.
        unsafe { sys::ECDSA_SIG_free(self.0.as_ptr()) }
    }
}

/// Verifies the DER `ECDSA-Sig-Value` `signature` over `digest` with the SEC1-encoded
/// public point `public_point` (compressed or uncompressed) on `curve`.
///
/// The same checks as `aws-lc-rs`'s ECDSA verification (which goes through
/// `EVP_DigestVerify` and `ECDSA_verify`): the point must decode and lie on the curve
/// and not be the point at infinity; the signature must be strict DER with nothing
/// after it (`ECDSA_SIG_from_bytes`: DER lengths, minimal non-negative INTEGERs,
/// which is what `ECDSA_verify`'s re-encoding comparison re-checks); then
/// `ECDSA_do_verify`. What it leaves out is the `EVP_PKEY`, `EVP_PKEY_CTX` and
/// `EVP_MD_CTX` objects around them, and the re-encoding.
pub(crate) fn ecdsa_verify_digest(
    curve: EcCurve,
    public_point: &[u8],
    digest: &[u8],
    signature: &[u8],
) -> bool {
    // SAFETY: each function takes no arguments and returns a pointer to a static,
    // immutable group that lives for the whole program.
    let group = unsafe {
        match curve {
            EcCurve::P256 => sys::EC_group_p256(),
            EcCurve::P384 => sys::EC_group_p384(),
        }
    };
    // SAFETY: `group` is a valid static group; the result is owned by the handle.
    let Some(point) = NonNull::new(unsafe { sys::EC_POINT_new(group) }).map(EcPoint) else {
        return false;
    };
    // SAFETY: `point` is a live point of `group`, exclusively ours; `public_point` is
    // readable for its length and not retained; a NULL `BN_CTX` is allowed.
    let decoded = unsafe {
        sys::EC_POINT_oct2point(
            group,
            point.0.as_ptr(),
            public_point.as_ptr(),
            public_point.len(),
            ptr::null_mut(),
        )
    };
    if decoded != 1 {
        return false;
    }
    // SAFETY: no arguments; the result is owned by the handle.
    let Some(key) = NonNull::new(unsafe { sys::EC_KEY_new() }).map(EcKey) else {
        return false;
    };
    // SAFETY: `key` is a live key, exclusively ours; `group` is static (the key keeps
    // a reference to it, which stays valid); `point` is a live point of that group,
    // which `EC_KEY_set_public_key` copies (it rejects the point at infinity).
    let keyed = unsafe {
        sys::EC_KEY_set_group(key.0.as_ptr(), group) == 1
            && sys::EC_KEY_set_public_key(key.0.as_ptr(), point.0.as_ptr()) == 1
    };
    if !keyed {
        return false;
    }
    // SAFETY: `signature` is readable for its length and not retained; the result is
    // owned by the handle.
    let sig = unsafe { sys::ECDSA_SIG_from_bytes(signature.as_ptr(), signature.len()) };
    let Some(sig) = NonNull::new(sig).map(EcdsaSig) else {
        return false;
    };
    // SAFETY: `digest` is readable for its length; `sig` and `key` are live objects we
    // own, only read here.
    unsafe {
        sys::ECDSA_do_verify(
            digest.as_ptr(),
            digest.len(),
            sig.0.as_ptr(),
            key.0.as_ptr(),
        ) == 1
    }
}

// ---------------------------------------------------------------------------
// Finite-field Diffie-Hellman
// ---------------------------------------------------------------------------

/// An owned `BIGNUM`, freed on drop unless handed over with [`Bn::into_raw`].
struct Bn(NonNull<sys::BIGNUM>);

impl Bn {
    /// A new `BIGNUM` holding the big-endian unsigned integer `bytes`.
    fn from_be_bytes(bytes: &[u8]) -> Option<Self> {
        // SAFETY: `bytes` is readable for `bytes.len()` bytes (none are read when it
        // is empty); a null `ret` asks AWS-LC to allocate a new `BIGNUM`, which we own.
        let bn = unsafe { sys::BN_bin2bn(bytes.as_ptr(), bytes.len(), ptr::null_mut()) };
        NonNull::new(bn).map(Self)
    }

    fn as_ptr(&self) -> *mut sys::BIGNUM {
        self.0.as_ptr()
    }

    /// Gives up ownership (after a function that takes it, such as `DH_set0_pqg`).
    fn into_raw(self) -> *mut sys::BIGNUM {
        let raw = self.0.as_ptr();
        core::mem::forget(self);
        raw
    }
}

impl Drop for Bn {
    fn drop(&mut self) {
        // SAFETY: we own this `BIGNUM` (from `BN_bin2bn`, not handed over) and free it
        // once. Only public values (p, g, peer Y) live in a `Bn`.
        unsafe { sys::BN_free(self.0.as_ptr()) }
    }
}

/// A finite-field DH key pair over explicit parameters `(p, g)`.
pub(crate) struct DhKey {
    dh: NonNull<sys::DH>,
    /// Our public value, big-endian, left-padded to the length of p.
    public: Vec<u8>,
}

// SAFETY: the `DH` object is owned by this handle alone. No `&self` method touches it
// (the public value is a Rust copy), and the only operation on it, `compute_shared`,
// consumes `self`; so sharing `&DhKey` across threads or moving it is sound.
unsafe impl Send for DhKey {}
// SAFETY: see `Send` above.
unsafe impl Sync for DhKey {}

impl DhKey {
    /// Generates a key pair for the group `(p, g)` (big-endian). `private_bits` > 0
    /// draws the private exponent below `2^private_bits` (RFC 7919 §5.2 short
    /// exponents for the safe-prime named groups); 0 draws it from `[1, (p-1)/2)`.
    /// `None` if AWS-LC rejects the parameters (p even or too large, g not in
    /// `[1, p)`) or fails.
    pub(crate) fn generate(p: &[u8], g: &[u8], private_bits: u32) -> Option<Self> {
        // SAFETY: `DH_new` has no preconditions; the result is null or a new `DH` we own.
        let dh = NonNull::new(unsafe { sys::DH_new() })?;
        // From here on, `key`'s Drop frees `dh` on every early return.
        let mut key = Self {
            dh,
            public: Vec::new(),
        };
        let p = Bn::from_be_bytes(p)?;
        let g = Bn::from_be_bytes(g)?;
        // SAFETY: `dh` is a valid `DH` we own; `p` and `g` are valid `BIGNUM`s we own.
        // On success (1) the `DH` takes ownership of both, so we release our handles
        // below without freeing; on failure ownership stays with us and `Bn`'s Drop
        // frees them. q is null (not set).
        let rc = unsafe { sys::DH_set0_pqg(dh.as_ptr(), p.as_ptr(), ptr::null_mut(), g.as_ptr()) };
        if rc != 1 {
            return None;
        }
        let _owned_by_dh = (p.into_raw(), g.into_raw());
        if private_bits > 0 {
            // SAFETY: `dh` is valid and exclusively ours; this sets a plain field.
            unsafe { sys::DH_set_length(dh.as_ptr(), private_bits) };
        }
        // SAFETY: `dh` is valid and exclusively ours, with p and g set. AWS-LC checks
        // the parameters (p odd and bounded, 0 < g < p) before using them.
        if unsafe { sys::DH_generate_key(dh.as_ptr()) } != 1 {
            return None;
        }
        // SAFETY: `dh` is valid with p set; this reads its size.
        let size = usize::try_from(unsafe { sys::DH_size(dh.as_ptr()) }).ok()?;
        // SAFETY: `dh` is valid; the key was generated, so the public key is set. The
        // pointer is borrowed (owned by `dh`) and used only before `dh` changes.
        let public_bn = unsafe { sys::DH_get0_pub_key(dh.as_ptr()) };
        if size == 0 || public_bn.is_null() {
            return None;
        }
        let mut public = vec![0u8; size];
        // SAFETY: `public` is writable for `size` bytes, the length passed; `public_bn`
        // is a valid `BIGNUM` owned by `dh`, which is alive.
        if unsafe { sys::BN_bn2bin_padded(public.as_mut_ptr(), size, public_bn) } != 1 {
            return None;
        }
        key.public = public;
        Some(key)
    }

    /// Our public value, left-padded to the byte length of p.
    pub(crate) fn public_value(&self) -> &[u8] {
        &self.public
    }

    /// `peer^x mod p`, left-padded to the byte length of p. `None` if AWS-LC rejects
    /// the peer value (not in `[2, p-2]`) or the result (1 or p-1).
    pub(crate) fn compute_shared(self, peer: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let peer = Bn::from_be_bytes(peer)?;
        let mut out = Zeroizing::new(vec![0u8; self.public.len()]);
        // SAFETY: `self.dh` is a valid `DH` with a private key, exclusively ours (we
        // consume `self`). `out` is writable for `DH_size(dh)` bytes — its length was
        // taken from `DH_size` at generation and p has not changed — which is exactly
        // what `DH_compute_key_padded` writes. `peer` is a valid `BIGNUM` we own.
        let rc = unsafe {
            sys::DH_compute_key_padded(out.as_mut_ptr(), peer.as_ptr(), self.dh.as_ptr())
        };
        (usize::try_from(rc).ok() == Some(out.len())).then_some(out)
    }
}

impl Drop for DhKey {
    fn drop(&mut self) {
        // SAFETY: we own the `DH` (from `DH_new`) and free it once; `DH_free` frees p
        // and g and clears the private key.
        unsafe { sys::DH_free(self.dh.as_ptr()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // ---- RSA ----

    /// A fresh RSA-2048 key: (PKCS#1 private DER, SPKI DER).
    fn rsa_key() -> (Vec<u8>, Vec<u8>) {
        let kp = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
        let pkcs8 = kp.serialize_der();
        let pkcs1 = crate::sign::pkcs8_private_key(&pkcs8).unwrap().to_vec();
        (pkcs1, rcgen::PublicKeyData::subject_public_key_info(&kp))
    }

    fn pkcs1_encrypt(spki: &[u8], plaintext: &[u8]) -> Vec<u8> {
        use aws_lc_rs::rsa::{Pkcs1PublicEncryptingKey, PublicEncryptingKey};
        let key =
            Pkcs1PublicEncryptingKey::new(PublicEncryptingKey::from_der(spki).unwrap()).unwrap();
        let mut out = vec![0u8; key.ciphertext_size()];
        let n = key.encrypt(plaintext, &mut out).unwrap().len();
        out.truncate(n);
        out
    }

    #[test]
    fn rsa_parse_size_and_raw_decrypt() {
        let (pkcs1, spki) = rsa_key();
        assert!(RsaPrivateKey::from_pkcs1_der(&[]).is_none());
        assert!(RsaPrivateKey::from_pkcs1_der(&pkcs1[..pkcs1.len() - 1]).is_none());
        assert!(RsaPrivateKey::from_pkcs1_der(&spki).is_none());
        let key = RsaPrivateKey::from_pkcs1_der(&pkcs1).unwrap();
        assert_eq!(key.modulus_len(), 256);

        // Raw decryption of a PKCS#1 v1.5 ciphertext shows the type-2 block.
        let message = [0x5au8; 48];
        let ct = pkcs1_encrypt(&spki, &message);
        let mut em = vec![0xffu8; 256];
        assert!(key.decrypt_raw(&ct, &mut em));
        assert_eq!(&em[..2], &[0x00, 0x02]);
        assert!(em[2..256 - 49].iter().all(|&b| b != 0));
        assert_eq!(em[256 - 49], 0);
        assert_eq!(&em[256 - 48..], &message);

        // Wrong lengths and an out-of-range value are refused, with `out` zeroed.
        let mut out = vec![0xffu8; 256];
        assert!(!key.decrypt_raw(&ct[1..], &mut out));
        assert!(out.iter().all(|&b| b == 0));
        assert!(!key.decrypt_raw(&[], &mut out));
        let mut out = vec![0xffu8; 256];
        assert!(!key.decrypt_raw(&[0xff; 256], &mut out), "c >= n");
        assert!(out.iter().all(|&b| b == 0));
        let mut short = vec![0u8; 255];
        assert!(!key.decrypt_raw(&ct, &mut short), "output too small");
    }

    #[test]
    fn rsa_key_is_usable_from_several_threads() {
        let (pkcs1, spki) = rsa_key();
        let key = std::sync::Arc::new(RsaPrivateKey::from_pkcs1_der(&pkcs1).unwrap());
        let handles: Vec<_> = (0..4u8)
            .map(|i| {
                let key = key.clone();
                let ct = pkcs1_encrypt(&spki, &[i; 48]);
                std::thread::spawn(move || {
                    let mut em = vec![0u8; 256];
                    assert!(key.decrypt_raw(&ct, &mut em));
                    em[208..].to_vec()
                })
            })
            .collect();
        for (i, h) in handles.into_iter().enumerate() {
            assert_eq!(h.join().unwrap(), vec![i as u8; 48]);
        }
    }

    // ---- TLS CBC ----

    const ALL_TLS_CBC: [(TlsCbcAead, usize, usize); 4] = [
        (TlsCbcAead::Aes128Sha1, 20, 16),
        (TlsCbcAead::Aes256Sha1, 20, 32),
        (TlsCbcAead::Aes128Sha256, 32, 16),
        (TlsCbcAead::Aes256Sha384, 48, 32),
    ];

    #[test]
    fn tls_cbc_contexts_seal_and_open() {
        let iv = [9u8; 16];
        let ad = *b"\0\0\0\0\0\0\0\x01\x17\x03\x03";
        for (aead, mac_len, enc_len) in ALL_TLS_CBC {
            let key: Vec<u8> = (0..(mac_len + enc_len) as u8).collect();
            assert!(TlsCbcContext::new(aead, &key[1..], Direction::Seal).is_none());
            let mut seal = TlsCbcContext::new(aead, &key, Direction::Seal).unwrap();
            let mut open = TlsCbcContext::new(aead, &key, Direction::Open).unwrap();
            assert_eq!(seal.max_overhead, mac_len + 16);
            for len in [0usize, 1, 15, 16, 100] {
                let plaintext = vec![0x61u8; len];
                let mut out = b"prefix".to_vec();
                assert!(seal.seal(&iv, &ad, &plaintext, &mut out));
                assert_eq!(&out[..6], b"prefix");
                let record = &mut out[6..];
                // plaintext + MAC + padding (1..=16 bytes), a whole number of blocks.
                assert_eq!(record.len() % 16, 0);
                assert!(record.len() > len + mac_len && record.len() <= len + mac_len + 16);
                let n = open.open(&iv, &ad, record).unwrap();
                assert_eq!(&record[..n], &plaintext[..]);
            }
            // One direction only.
            let mut out = Vec::new();
            assert!(!open.seal(&iv, &ad, b"x", &mut out));
            assert!(out.is_empty());
            let mut sealed = Vec::new();
            assert!(seal.seal(&iv, &ad, b"hello", &mut sealed));
            assert_eq!(seal.open(&iv, &ad, &mut sealed.clone()), None);
            // Tampering anywhere fails, and the buffer is wiped.
            let mut bad = sealed.clone();
            bad[0] ^= 1;
            assert_eq!(open.open(&iv, &ad, &mut bad), None);
            assert!(bad.iter().all(|&b| b == 0));
            let mut bad_ad = ad;
            bad_ad[7] = 2;
            assert_eq!(open.open(&iv, &bad_ad, &mut sealed.clone()), None);
            assert_eq!(open.open(&[8u8; 16], &ad, &mut sealed.clone()), None);
            assert_eq!(open.open(&iv, &ad, &mut sealed[..16].to_vec()), None);
            assert_eq!(open.open(&iv, &ad, &mut []), None);
            // The context still works after failures.
            assert_eq!(open.open(&iv, &ad, &mut sealed), Some(5));
        }
    }

    // ---- DH ----

    const P_23: [u8; 1] = [23];

    #[test]
    fn hmac_context_is_reusable_and_matches_rfc_4231() {
        // RFC 4231 test case 2 (key "Jefe") and test case 6 (a 131-byte key).
        let case2 = b"what do ya want for nothing?";
        let case6: &[u8] = b"Test Using Larger Than Block-Size Key - Hash Key First";
        let expect: [(HmacHash, &[u8], &[u8], &str); 4] = [
            (HmacHash::Sha256, b"Jefe", case2, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            (HmacHash::Sha384, b"Jefe", case2, "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649"),
            (HmacHash::Sha256, &[0xaa; 131], case6, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
            (HmacHash::Sha384, &[0xaa; 131], case6, "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952"),
        ];
        for (hash, key, msg, want) in expect {
            let mut ctx = HmacContext::new(hash, key).unwrap();
            let mut out = [0u8; MAX_HMAC_LEN];
            for round in 0..3 {
                // Split differently each time; the same MAC every time.
                let (a, b) = msg.split_at(round * 5);
                let n = ctx.sign(&[a, &[], b], &mut out).unwrap();
                let hex: String = out[..n].iter().map(|b| format!("{b:02x}")).collect();
                assert_eq!(hex, want, "{hash:?} round {round}");
                // Another message in between must not disturb the next one.
                let m = ctx.sign(&[b"other"], &mut out).unwrap();
                assert_eq!(m, n);
            }
        }
        // An empty key and an empty message are fine.
        let mut ctx = HmacContext::new(HmacHash::Sha256, &[]).unwrap();
        let mut out = [0u8; MAX_HMAC_LEN];
        assert_eq!(ctx.sign(&[], &mut out), Some(32));
        // An unkeyed context refuses to sign; keyed in place it works, and re-keying
        // replaces the key.
        let mut ctx = HmacContext::unkeyed(HmacHash::Sha384);
        assert_eq!(ctx.sign(&[b"x"], &mut out), None);
        assert!(ctx.set_key(b"Jefe"));
        assert_eq!(ctx.sign(&[case2], &mut out), Some(48));
        assert_eq!(out[..4], [0xaf, 0x45, 0xd2, 0xe3]);
        assert!(ctx.set_key(b"other"));
        assert_eq!(ctx.sign(&[case2], &mut out), Some(48));
        assert_ne!(out[..4], [0xaf, 0x45, 0xd2, 0xe3]);
        // The one-shot form gives the same MACs.
        for (hash, key, msg, want) in expect {
            let n = hmac_once(hash, key, &[msg], &mut out).unwrap();
            let hex: String = out[..n].iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(hex, want, "{hash:?} one-shot");
        }
        assert_eq!(hmac_once(HmacHash::Sha256, &[], &[], &mut out), Some(32));
    }

    #[test]
    fn digest_ctx_matches_known_answers_and_copies() {
        // FIPS 180-2 "abc" examples.
        let want256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        let want384 = "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7";
        let hex = |b: &[u8]| -> String { b.iter().map(|x| format!("{x:02x}")).collect() };
        for (hash, want) in [(HmacHash::Sha256, want256), (HmacHash::Sha384, want384)] {
            let mut ctx = DigestCtx::new(hash);
            let mut out = [0u8; MAX_HMAC_LEN];
            ctx.update(b"a");
            let fork = ctx;
            ctx.update(b"bc");
            let n = ctx.current(&mut out);
            assert_eq!(hex(&out[..n]), want);
            // Taking the digest leaves the context going on, and the copy apart.
            assert_eq!(ctx.current(&mut out), n);
            assert_eq!(hex(&out[..n]), want);
            let mut fork = fork;
            fork.update(b"b");
            fork.update(b"c");
            fork.current(&mut out);
            assert_eq!(hex(&out[..n]), want);
            ctx.update(b"d");
            ctx.current(&mut out);
            assert_ne!(hex(&out[..n]), want);
        }
    }

    #[test]
    fn ecdsa_verify_digest_accepts_good_and_refuses_bad() {
        use aws_lc_rs::digest;
        use aws_lc_rs::rand::SystemRandom;
        use aws_lc_rs::signature::{self as sig, EcdsaKeyPair, KeyPair};
        let rng = SystemRandom::new();
        for (curve, alg, other, md) in [
            (
                EcCurve::P256,
                &sig::ECDSA_P256_SHA256_ASN1_SIGNING,
                EcCurve::P384,
                &digest::SHA256,
            ),
            (
                EcCurve::P384,
                &sig::ECDSA_P384_SHA384_ASN1_SIGNING,
                EcCurve::P256,
                &digest::SHA384,
            ),
        ] {
            let key = EcdsaKeyPair::generate(alg).unwrap();
            let public = key.public_key().as_ref().to_vec();
            let message = b"TLS 1.3, server CertificateVerify";
            let signature = key.sign(&rng, message).unwrap().as_ref().to_vec();
            let d = digest::digest(md, message);
            assert!(ecdsa_verify_digest(curve, &public, d.as_ref(), &signature));
            // Wrong message, signature, key, curve: refused.
            let d2 = digest::digest(md, b"another message");
            assert!(!ecdsa_verify_digest(
                curve,
                &public,
                d2.as_ref(),
                &signature
            ));
            let mut bad = signature.clone();
            let last = bad.len() - 1;
            bad[last] ^= 1;
            assert!(!ecdsa_verify_digest(curve, &public, d.as_ref(), &bad));
            let other_key = EcdsaKeyPair::generate(alg).unwrap();
            assert!(!ecdsa_verify_digest(
                curve,
                other_key.public_key().as_ref(),
                d.as_ref(),
                &signature
            ));
            assert!(!ecdsa_verify_digest(other, &public, d.as_ref(), &signature));
            // Malformed points and encodings: refused, never a crash.
            let mut off_curve = public.clone();
            off_curve[10] ^= 1;
            assert!(!ecdsa_verify_digest(
                curve,
                &off_curve,
                d.as_ref(),
                &signature
            ));
            assert!(!ecdsa_verify_digest(curve, &[], d.as_ref(), &signature));
            assert!(!ecdsa_verify_digest(curve, &[0], d.as_ref(), &signature));
            assert!(!ecdsa_verify_digest(
                curve,
                &public[..public.len() - 1],
                d.as_ref(),
                &signature
            ));
            assert!(!ecdsa_verify_digest(curve, &public, d.as_ref(), &[]));
            // Trailing data, or a non-minimal INTEGER (a leading zero byte): not DER.
            let trailing = [&signature[..], &[0]].concat();
            assert!(!ecdsa_verify_digest(curve, &public, d.as_ref(), &trailing));
            let (r_len, r) = (
                signature[3] as usize,
                &signature[4..4 + signature[3] as usize],
            );
            let s_part = &signature[4 + r_len..];
            let mut padded = vec![0x30, (signature[1] + 1), 0x02, (r_len + 1) as u8, 0x00];
            padded.extend_from_slice(r);
            padded.extend_from_slice(s_part);
            if signature[1] < 0x7f {
                assert!(!ecdsa_verify_digest(curve, &public, d.as_ref(), &padded));
            }
            // The compressed form of the same point is accepted, as SEC1 allows.
            let coord = (public.len() - 1) / 2;
            let mut compressed = vec![0x02 | (public[public.len() - 1] & 1)];
            compressed.extend_from_slice(&public[1..1 + coord]);
            assert!(ecdsa_verify_digest(
                curve,
                &compressed,
                d.as_ref(),
                &signature
            ));
        }
    }

    #[test]
    fn x25519_agrees_and_matches_rfc_7748() {
        let (a_private, a_public) = x25519_keypair();
        let (b_private, b_public) = x25519_keypair();
        assert_ne!(a_public, b_public);
        let ab = x25519(&a_private, &b_public).unwrap();
        let ba = x25519(&b_private, &a_public).unwrap();
        assert_eq!(*ab, *ba);
        // RFC 7748 §6.1: Alice's private key and Bob's public key give K.
        let unhex = |h: &str| -> [u8; 32] {
            let mut out = [0u8; 32];
            for (i, b) in out.iter_mut().enumerate() {
                *b = u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap();
            }
            out
        };
        let alice = unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        let bob_public = unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
        let k = unhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
        assert_eq!(*x25519(&alice, &bob_public).unwrap(), k);
        // A small-order peer value (zero) gives the all-zero secret: refused.
        assert!(x25519(&alice, &[0; 32]).is_none());
    }

    #[test]
    fn dh_generate_and_agree() {
        let p = crate::ffdhe::FFDHE2048_P;
        let a = DhKey::generate(&p, &[2], 225).unwrap();
        let b = DhKey::generate(&p, &[2], 0).unwrap();
        assert_eq!(a.public_value().len(), 256);
        assert_eq!(b.public_value().len(), 256);
        assert_ne!(a.public_value(), b.public_value());
        let a_pub = a.public_value().to_vec();
        let s1 = a.compute_shared(b.public_value()).unwrap();
        let s2 = b.compute_shared(&a_pub).unwrap();
        assert_eq!(s1.len(), 256);
        assert_eq!(*s1, *s2);

        // A tiny group shows padding: p = 23 (safe prime), g = 5.
        let x = DhKey::generate(&P_23, &[5], 0).unwrap();
        assert_eq!(x.public_value().len(), 1);
    }

    #[test]
    fn dh_rejects_bad_parameters_and_peer_values() {
        // p even, g = 0, g >= p.
        assert!(DhKey::generate(&[24], &[5], 0).is_none());
        assert!(DhKey::generate(&P_23, &[0], 0).is_none());
        assert!(DhKey::generate(&P_23, &[23], 0).is_none());
        assert!(DhKey::generate(&[], &[2], 0).is_none());
        for peer in [&[][..], &[0], &[1], &[22], &[23], &[200]] {
            let key = DhKey::generate(&P_23, &[5], 0).unwrap();
            assert!(key.compute_shared(peer).is_none(), "{peer:?}");
        }
    }

    /// AWS-LC's own copies of the RFC 7919 primes (it has 2048 and 4096), read only
    /// to check the constants in `ffdhe.rs`.
    fn aws_lc_rfc7919_prime(bits: u32) -> Vec<u8> {
        // SAFETY: these take no arguments and return a new `DH` (or null) that we own.
        let dh = unsafe {
            match bits {
                2048 => sys::DH_get_rfc7919_2048(),
                _ => sys::DH_get_rfc7919_4096(),
            }
        };
        assert!(!dh.is_null());
        // SAFETY: `dh` is valid; `DH_get0_p` borrows its p, which stays alive until
        // `DH_free` below; `out` is writable for `BN_num_bytes(p)` bytes, exactly what
        // `BN_bn2bin` writes. `dh` is freed once.
        unsafe {
            let p = sys::DH_get0_p(dh);
            let mut out = vec![0u8; sys::BN_num_bytes(p) as usize];
            let n = sys::BN_bn2bin(p, out.as_mut_ptr());
            sys::DH_free(dh);
            out.truncate(n);
            out
        }
    }

    #[test]
    fn embedded_primes_match_aws_lc() {
        assert_eq!(aws_lc_rfc7919_prime(2048), crate::ffdhe::FFDHE2048_P);
        assert_eq!(aws_lc_rfc7919_prime(4096), crate::ffdhe::FFDHE4096_P);
    }
}
