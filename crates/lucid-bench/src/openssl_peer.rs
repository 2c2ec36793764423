//! OpenSSL through the `openssl` crate (the system libssl), over an in-memory duplex
//! pipe, both ends driven in this thread.
//!
//! No resumed handshakes: a client offers a session only through `SSL_set_session`,
//! which the `openssl` crate exposes only as an unchecked call (`SslRef::set_session`, because
//! the session must come from the same context), and OpenSSL's client-side session
//! cache never offers sessions by itself (`SSL_SESS_CACHE_CLIENT` only stores them).
//! This workspace allows unchecked (non-memory-safe) code only in lucidtls-aws-lc's FFI module, so the
//! OpenSSL column of the resumed rows is "—" (see [`RESUMED_NOTE`]).

use crate::measure::{idle_memory, rate, timed, Run};
use crate::pki::{Pki, HOST};
use crate::scenario::{Dir, Group, Resume, Setup, Suite, BULK_BATCH, BULK_WRITE};
use openssl::pkey::PKey;
use openssl::ssl::{
    ErrorCode, ShutdownState, Ssl, SslContext, SslContextBuilder, SslMethod, SslOptions,
    SslSessionCacheMode, SslStream, SslVerifyMode, SslVersion,
};
use openssl::x509::X509;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::hint::black_box;
use std::io::{self, Read, Write};
use std::rc::Rc;

type Shared = Rc<RefCell<VecDeque<u8>>>;

/// One end of the pipe: reads what the other end wrote; `WouldBlock` when empty.
pub(crate) struct End {
    rx: Shared,
    tx: Shared,
}

impl End {
    /// Releases the pipe buffers' spare capacity (for the memory rows).
    fn shrink(&self) {
        self.rx.borrow_mut().shrink_to_fit();
        self.tx.borrow_mut().shrink_to_fit();
    }
}

impl Read for End {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let mut rx = self.rx.borrow_mut();
        if rx.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        rx.read(out)
    }
}

impl Write for End {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.tx.borrow_mut().extend(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn pipe() -> (End, End) {
    let a: Shared = Rc::default();
    let b: Shared = Rc::default();
    (
        End {
            rx: a.clone(),
            tx: b.clone(),
        },
        End { rx: b, tx: a },
    )
}

fn e(err: impl std::fmt::Display) -> String {
    err.to_string()
}

type Stream = SslStream<End>;

struct Contexts {
    client: SslContext,
    server: SslContext,
}

/// OpenSSL's names for a suite: TLS 1.3 ciphersuite or TLS 1.2 cipher list.
fn suite_name(s: Suite) -> &'static str {
    match s {
        Suite::Tls13Aes128Gcm => "TLS_AES_128_GCM_SHA256",
        Suite::Tls13Aes256Gcm => "TLS_AES_256_GCM_SHA384",
        Suite::Tls13Chacha20 => "TLS_CHACHA20_POLY1305_SHA256",
        Suite::Tls12EcdheEcdsaAes128Gcm => "ECDHE-ECDSA-AES128-GCM-SHA256",
        Suite::Tls12EcdheRsaAes128Gcm => "ECDHE-RSA-AES128-GCM-SHA256",
        Suite::Tls12RsaAes128Gcm => "AES128-GCM-SHA256",
        Suite::Tls12EcdheEcdsaAes128CbcSha256 => "ECDHE-ECDSA-AES128-SHA256",
    }
}

fn common(b: &mut SslContextBuilder, setup: Setup) -> Result<bool, String> {
    let version = if setup.suite.is_tls13() {
        SslVersion::TLS1_3
    } else {
        SslVersion::TLS1_2
    };
    b.set_min_proto_version(Some(version)).map_err(e)?;
    b.set_max_proto_version(Some(version)).map_err(e)?;
    if setup.suite.is_tls13() {
        b.set_ciphersuites(suite_name(setup.suite)).map_err(e)?;
    } else {
        b.set_cipher_list(suite_name(setup.suite)).map_err(e)?;
    }
    let group = match setup.group {
        // TLS 1.2 with an ECDSA certificate: OpenSSL's server insists (RFC 4492 §5.1)
        // that the client lists the certificate's curve, so P-256 comes second; the
        // key exchange still uses X25519, the first.
        Group::X25519 if !setup.suite.is_tls13() => "X25519:P-256",
        Group::X25519 => "X25519",
        Group::X25519MlKem768 => "X25519MLKEM768",
    };
    // OpenSSL before 3.5 has no X25519MLKEM768: the scenario is then "—".
    Ok(b.set_groups_list(group).is_ok())
}

/// Client and server contexts that allow exactly `setup`, with nothing cached: no
/// session cache, no TLS 1.2 or TLS 1.3 tickets.
fn contexts(pki: &Pki, setup: Setup) -> Result<Option<Contexts>, String> {
    let id = pki.get(setup.cert);
    let mut c = SslContextBuilder::new(SslMethod::tls_client()).map_err(e)?;
    if !common(&mut c, setup)? {
        return Ok(None);
    }
    c.set_verify(SslVerifyMode::PEER);
    c.cert_store_mut()
        .add_cert(X509::from_der(&id.ca).map_err(e)?)
        .map_err(e)?;
    c.set_session_cache_mode(SslSessionCacheMode::OFF);

    let mut s = SslContextBuilder::new(SslMethod::tls_server()).map_err(e)?;
    if !common(&mut s, setup)? {
        return Ok(None);
    }
    let leaf = X509::from_der(&id.leaf).map_err(e)?;
    s.set_certificate(&leaf).map_err(e)?;
    let key = PKey::private_key_from_der(&id.key_pkcs8).map_err(e)?;
    s.set_private_key(&key).map_err(e)?;
    s.check_private_key().map_err(e)?;
    s.set_session_id_context(b"lucid-bench").map_err(e)?;
    s.set_options(SslOptions::NO_TICKET);
    s.set_num_tickets(0).map_err(e)?;
    s.set_session_cache_mode(SslSessionCacheMode::OFF);
    Ok(Some(Contexts {
        client: c.build(),
        server: s.build(),
    }))
}

/// A fresh client/server pair.
fn pair(ctx: &Contexts) -> Result<(Stream, Stream), String> {
    let mut c = Ssl::new(&ctx.client).map_err(e)?;
    c.set_connect_state();
    c.set_hostname(HOST).map_err(e)?;
    c.param_mut().set_host(HOST).map_err(e)?;
    let mut s = Ssl::new(&ctx.server).map_err(e)?;
    s.set_accept_state();
    let (a, b) = pipe();
    Ok((
        SslStream::new(c, a).map_err(e)?,
        SslStream::new(s, b).map_err(e)?,
    ))
}

fn wants_io(err: &openssl::ssl::Error) -> bool {
    err.code() == ErrorCode::WANT_READ || err.code() == ErrorCode::WANT_WRITE
}

fn handshake(c: &mut Stream, s: &mut Stream) -> Result<(), String> {
    let (mut c_done, mut s_done) = (false, false);
    for _ in 0..32 {
        if !c_done {
            match c.do_handshake() {
                Ok(()) => c_done = true,
                Err(err) if wants_io(&err) => {}
                Err(err) => return Err(format!("client: {err}")),
            }
        }
        if !s_done {
            match s.do_handshake() {
                Ok(()) => s_done = true,
                Err(err) if wants_io(&err) => {}
                Err(err) => return Err(format!("server: {err}")),
            }
        }
        if c_done && s_done {
            return Ok(());
        }
    }
    Err("handshake did not finish in 32 flights".into())
}

/// Marks both ends as cleanly shut down, as after an exchange of close_notify
/// alerts, so that freeing them does no error bookkeeping (`ssl_clear_bad_session`).
fn close(mut pair: (Stream, Stream)) {
    let both = ShutdownState::SENT | ShutdownState::RECEIVED;
    pair.0.set_shutdown(both);
    pair.1.set_shutdown(both);
}

fn connect(ctx: &Contexts) -> Result<(Stream, Stream), String> {
    let (mut c, mut s) = pair(ctx)?;
    handshake(&mut c, &mut s)?;
    Ok((c, s))
}

pub(crate) fn handshakes(pki: &Pki, setup: Setup, run: Run) -> Result<Option<f64>, String> {
    let Some(ctx) = contexts(pki, setup)? else {
        return Ok(None);
    };
    rate(run, || {
        let ((c, s), t) = timed(|| connect(&ctx))?;
        if c.ssl().session_reused() {
            return Err("resumed where a full handshake was expected".into());
        }
        close((c, s));
        Ok((1, t))
    })
    .map(Some)
}

/// Why the OpenSSL column of the resumed rows is empty.
pub(crate) const RESUMED_NOTE: &str = "OpenSSL: \"—\" on resumed rows: a client offers a \
     session only through SSL_set_session, which the openssl crate exposes only as an unchecked call, \
     and this workspace forbids such code outside lucidtls-aws-lc's FFI module";

/// Resumed handshakes: not measured for OpenSSL (see the module documentation).
pub(crate) fn resumed(_pki: &Pki, _resume: Resume, _run: Run) -> Result<Option<f64>, String> {
    Ok(None)
}

pub(crate) fn bulk(pki: &Pki, s: Suite, dir: Dir, run: Run) -> Result<Option<f64>, String> {
    let Some(ctx) = contexts(pki, Setup::bulk(s))? else {
        return Ok(None);
    };
    let (mut c, mut srv) = connect(&ctx)?;
    let to_server = c.get_ref().tx.clone();
    let data = vec![0x5au8; BULK_WRITE];
    let mut sink = vec![0u8; BULK_WRITE];
    let batch_bytes = (BULK_BATCH * BULK_WRITE) as u64;
    let rate = match dir {
        Dir::Send => rate(run, || {
            let ((), t) = timed(|| {
                for _ in 0..BULK_BATCH {
                    c.write_all(&data).map_err(e)?;
                    black_box(to_server.borrow().len());
                    to_server.borrow_mut().clear();
                }
                Ok(())
            })?;
            Ok((batch_bytes, t))
        })?,
        Dir::Receive => rate(run, || {
            for _ in 0..BULK_BATCH {
                c.write_all(&data).map_err(e)?;
            }
            let (got, t) = timed(|| {
                let mut got = 0usize;
                while got < BULK_BATCH * BULK_WRITE {
                    got += srv.read(&mut sink).map_err(e)?;
                }
                Ok(got)
            })?;
            if got != BULK_BATCH * BULK_WRITE {
                return Err(format!("received {got} bytes, expected {batch_bytes}"));
            }
            Ok((batch_bytes, t))
        })?,
    };
    Ok(Some(rate))
}

/// Memory per idle connection as `probe` sees it. OpenSSL allocates with `malloc`,
/// which no Rust global allocator sees, so the caller passes resident memory
/// (see [`idle_memory`]). The pipe buffers of kept connections are shrunk to nothing.
pub(crate) fn memory(
    pki: &Pki,
    n: usize,
    probe: &dyn Fn() -> usize,
) -> Result<Option<(f64, f64)>, String> {
    let Some(ctx) = contexts(pki, Setup::bulk(Suite::Tls13Aes128Gcm))? else {
        return Ok(None);
    };
    let pair = || {
        let (c, s) = connect(&ctx)?;
        c.get_ref().shrink();
        Ok((c, s))
    };
    idle_memory(n, pair, probe).map(Some)
}
