//! lucidtls, over its sans-IO `Connection`.

use crate::measure::{idle_memory, rate, timed, Run};
use crate::pki::{Pki, HOST};
use crate::scenario::{Dir, Group, Resume, Setup, Suite, BULK_BATCH, BULK_WRITE};
use lucidtls::enums::{CipherSuite, NamedGroup, ProtocolVersion};
use lucidtls::session::{InMemorySessionStore, ServerSessionCache, Ticketer};
use lucidtls::suites::Policy;
use lucidtls::verify::RootStore;
use lucidtls::{
    CertifiedKey, ClientConfig, Connection, Observer, PrivateKeyDer, ServerConfig, ServerName,
    TraceEvent,
};
use rustls_pki_types::PrivatePkcs8KeyDer;
use std::hint::black_box;
use std::sync::Arc;

fn suite(s: Suite) -> CipherSuite {
    match s {
        Suite::Tls13Aes128Gcm => CipherSuite::TLS13_AES_128_GCM_SHA256,
        Suite::Tls13Aes256Gcm => CipherSuite::TLS13_AES_256_GCM_SHA384,
        Suite::Tls13Chacha20 => CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
        Suite::Tls12EcdheEcdsaAes128Gcm => CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        Suite::Tls12EcdheRsaAes128Gcm => CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        Suite::Tls12RsaAes128Gcm => CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256,
        Suite::Tls12EcdheEcdsaAes128CbcSha256 => {
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256
        }
    }
}

/// Client and server configurations that allow exactly `setup`, with no resumption
/// of any kind (full handshakes only): no client session store, no server session
/// cache, no tickets.
fn configs(pki: &Pki, setup: Setup) -> Result<(Arc<ClientConfig>, Arc<ServerConfig>), String> {
    let (client, server) = full_configs(pki, setup)?;
    Ok((Arc::new(client), Arc::new(server)))
}

fn full_configs(pki: &Pki, setup: Setup) -> Result<(ClientConfig, ServerConfig), String> {
    let id = pki.get(setup.cert);
    let provider = lucidtls_aws_lc::provider();
    let mut roots = RootStore::empty();
    roots.add_der(&id.ca).map_err(|e| e.to_string())?;
    let mut client = ClientConfig::with_roots(provider.clone(), Arc::new(roots));
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(id.key_pkcs8.clone()));
    let certified =
        CertifiedKey::new(&*provider, vec![id.leaf.clone()], &key).map_err(|e| e.to_string())?;
    let mut server = ServerConfig::new(provider, certified);
    client.resumption = false;
    client.session_store = None;
    server.session_cache = None;
    server.ticketer = None;
    server.tls13_tickets = 0;
    let version = if setup.suite.is_tls13() {
        ProtocolVersion::Tls13
    } else {
        ProtocolVersion::Tls12
    };
    let group = match setup.group {
        Group::X25519 => NamedGroup::X25519,
        Group::X25519MlKem768 => NamedGroup::X25519MLKEM768,
    };
    for common in [&mut client.common, &mut server.common] {
        if setup.traced {
            common.observer = Some(Arc::new(NoopObserver));
        }
        if matches!(
            setup.suite,
            Suite::Tls12RsaAes128Gcm | Suite::Tls12EcdheEcdsaAes128CbcSha256
        ) {
            // RSA key transport and CBC are opt-in.
            common.set_policy(Policy::Compatible);
        }
        common.versions = vec![version];
        common.cipher_suites = vec![suite(setup.suite)];
        common.groups = vec![group];
    }
    Ok((client, server))
}

/// A trace observer that looks at nothing: what remains is the cost of building
/// and delivering the events.
struct NoopObserver;

impl Observer for NoopObserver {
    fn on_event(&self, event: &TraceEvent) {
        black_box(event);
    }
}

fn host() -> ServerName<'static> {
    ServerName::try_from(HOST).expect("a valid DNS name")
}

/// Moves everything `from` has to send into `to` and processes it.
fn transfer(from: &mut Connection, to: &mut Connection, buf: &mut Vec<u8>) -> Result<(), String> {
    buf.clear();
    from.take_tls_into(buf);
    let bytes = &buf[..];
    let mut offset = 0;
    while offset < bytes.len() {
        let rest = bytes.get(offset..).unwrap_or_default();
        let n = to.read_tls(rest);
        to.process_new_packets().map_err(|e| e.to_string())?;
        if n == 0 && to.read_tls(rest) == 0 {
            return Err("peer accepts no more bytes".into());
        }
        offset += n;
    }
    Ok(())
}

fn handshake(client: &mut Connection, server: &mut Connection) -> Result<(), String> {
    let mut buf = Vec::new();
    for _ in 0..32 {
        transfer(client, server, &mut buf).map_err(|e| format!("server: {e}"))?;
        transfer(server, client, &mut buf).map_err(|e| format!("client: {e}"))?;
        if !client.is_handshaking()
            && !server.is_handshaking()
            && !client.wants_write()
            && !server.wants_write()
        {
            return Ok(());
        }
    }
    Err("handshake did not finish in 32 flights".into())
}

fn connect(
    client: &Arc<ClientConfig>,
    server: &Arc<ServerConfig>,
) -> Result<(Connection, Connection), String> {
    let mut c = Connection::client(client.clone(), host()).map_err(|e| e.to_string())?;
    let mut s = Connection::server(server.clone()).map_err(|e| e.to_string())?;
    handshake(&mut c, &mut s)?;
    Ok((c, s))
}

/// Full handshakes per second, connection objects included.
pub(crate) fn handshakes(pki: &Pki, setup: Setup, run: Run) -> Result<Option<f64>, String> {
    let (client, server) = configs(pki, setup)?;
    rate(run, || {
        let ((c, s), t) = timed(|| connect(&client, &server))?;
        if c.negotiated().cipher_suite != Some(suite(setup.suite)) {
            return Err("negotiated another suite".into());
        }
        if c.negotiated().resumed {
            return Err("resumed where a full handshake was expected".into());
        }
        drop((c, s));
        Ok((1, t))
    })
    .map(Some)
}

/// Resumed handshakes per second, as the rustls peer measures them: the client keeps
/// sessions in an in-memory store; the server resumes by its session cache (TLS 1.2
/// session id), by tickets only (TLS 1.2 ticket), or by TLS 1.3 PSK from one ticket
/// per connection (psk_dhe_ke, X25519), the client taking the newest. One full
/// handshake first; every timed one must have resumed.
pub(crate) fn resumed(pki: &Pki, resume: Resume, run: Run) -> Result<Option<f64>, String> {
    let (mut client, mut server) = full_configs(pki, resume.setup())?;
    client.resumption = true;
    client.session_store = Some(Arc::new(InMemorySessionStore::default()));
    let ticketer = || Some(Arc::new(Ticketer::new(lucidtls_aws_lc::provider())));
    match resume {
        Resume::Tls12SessionId => {
            server.session_cache = Some(Arc::new(ServerSessionCache::new(
                ServerSessionCache::DEFAULT_CAPACITY,
                ServerSessionCache::DEFAULT_LIFETIME,
            )));
        }
        Resume::Tls12Ticket => server.ticketer = ticketer(),
        Resume::Tls13Psk => {
            server.ticketer = ticketer();
            server.tls13_tickets = 1;
        }
    }
    let (client, server) = (Arc::new(client), Arc::new(server));
    // The first, full handshake gives the client something to resume.
    let (c, _) = connect(&client, &server)?;
    if c.negotiated().resumed {
        return Err("the first handshake resumed".into());
    }
    rate(run, || {
        let ((c, s), t) = timed(|| connect(&client, &server))?;
        if !c.negotiated().resumed || !s.negotiated().resumed {
            return Err("did not resume".into());
        }
        drop((c, s));
        Ok((1, t))
    })
    .map(Some)
}

/// Bulk transfer, in bytes per second, on the copy-free calls a socket loop uses.
///
/// Send: `write_plaintext_into` seals each 16 KiB write from the caller's buffer
/// straight into a reused output buffer (what a socket writer then sends), timed.
///
/// Receive: the client seals a batch untimed; then, timed as a whole, record by
/// record, the "socket" puts the bytes where `read_tls_buf` says (the header, then
/// the payload, straight into the record's own buffer: the copy a socket read makes,
/// as the raw AEAD row copies its ciphertext), and `read_tls_commit` (framing,
/// header checks) + `process_new_packets` + `fill_plaintext`/`consume_plaintext`
/// (the plaintext lent where it was decrypted).
pub(crate) fn bulk(pki: &Pki, s: Suite, dir: Dir, run: Run) -> Result<Option<f64>, String> {
    let (client, server) = configs(pki, Setup::bulk(s))?;
    let (mut c, mut srv) = connect(&client, &server)?;
    let data = vec![0x5au8; BULK_WRITE];
    let batch_bytes = (BULK_BATCH * BULK_WRITE) as u64;
    let rate = match dir {
        Dir::Send => {
            // The output buffer is reused from record to record, as a socket writer's.
            let mut out = vec![0u8; BULK_WRITE + 256];
            rate(run, || {
                let ((), t) = timed(|| {
                    for _ in 0..BULK_BATCH {
                        let (consumed, written) = c
                            .write_plaintext_into(&data, &mut out)
                            .map_err(|e| e.to_string())?;
                        if consumed != BULK_WRITE {
                            return Err(format!("sealed {consumed} of {BULK_WRITE} bytes"));
                        }
                        black_box(out.get(..written));
                    }
                    Ok(())
                })?;
                Ok((batch_bytes, t))
            })?
        }
        Dir::Receive => rate(run, || {
            for _ in 0..BULK_BATCH {
                c.write_plaintext(&data).map_err(|e| e.to_string())?;
            }
            let wire = c.take_tls();
            // The whole batch is timed, the transport's copy of the ciphertext into the
            // buffer `read_tls_buf` lends included (a socket read would make that copy),
            // as every stack's receive row and the raw AEAD row include theirs.
            let (got, t) = timed(|| {
                let mut got = 0usize;
                let mut rest = &wire[..];
                while !rest.is_empty() {
                    let buf = srv.read_tls_buf();
                    let n = buf.len().min(rest.len());
                    if n == 0 {
                        return Err("server accepts no more bytes".into());
                    }
                    if let (Some(dst), Some(src)) = (buf.get_mut(..n), rest.get(..n)) {
                        dst.copy_from_slice(src);
                    }
                    rest = rest.get(n..).unwrap_or_default();
                    srv.read_tls_commit(n);
                    srv.process_new_packets().map_err(|e| e.to_string())?;
                    loop {
                        let chunk = srv.fill_plaintext();
                        if chunk.is_empty() {
                            break;
                        }
                        let len = chunk.len();
                        black_box(chunk);
                        srv.consume_plaintext(len);
                        got += len;
                    }
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

/// The copying calls, for comparison (`--drive lucid-copying`, profiling only):
/// send by `write_plaintext` + `take_tls_into`, receive by `read_tls` of the whole
/// batch + `process_new_packets` + `read_plaintext`, all timed.
pub(crate) fn bulk_copying(pki: &Pki, s: Suite, dir: Dir, run: Run) -> Result<Option<f64>, String> {
    let (client, server) = configs(pki, Setup::bulk(s))?;
    let (mut c, mut srv) = connect(&client, &server)?;
    let data = vec![0x5au8; BULK_WRITE];
    let mut sink = vec![0u8; BULK_WRITE];
    let batch_bytes = (BULK_BATCH * BULK_WRITE) as u64;
    let mut wire = Vec::new();
    let rate = match dir {
        Dir::Send => rate(run, || {
            let ((), t) = timed(|| {
                for _ in 0..BULK_BATCH {
                    c.write_plaintext(&data).map_err(|e| e.to_string())?;
                    wire.clear();
                    c.take_tls_into(&mut wire);
                    black_box(&wire);
                }
                Ok(())
            })?;
            Ok((batch_bytes, t))
        })?,
        Dir::Receive => rate(run, || {
            for _ in 0..BULK_BATCH {
                c.write_plaintext(&data).map_err(|e| e.to_string())?;
            }
            let wire = c.take_tls();
            let (got, t) = timed(|| {
                let mut got = 0usize;
                let mut offset = 0;
                while offset < wire.len() {
                    let n = srv.read_tls(wire.get(offset..).unwrap_or_default());
                    srv.process_new_packets().map_err(|e| e.to_string())?;
                    while srv.plaintext_available() > 0 {
                        got += srv.read_plaintext(&mut sink);
                    }
                    if n == 0 && srv.read_tls(wire.get(offset..).unwrap_or_default()) == 0 {
                        return Err("server accepts no more bytes".into());
                    }
                    offset += n;
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

/// Opens `n` connections and keeps them idle; returns live bytes per client and
/// per server connection as `probe` counts them (see [`idle_memory`]).
pub(crate) fn memory(
    pki: &Pki,
    n: usize,
    probe: &dyn Fn() -> usize,
) -> Result<Option<(f64, f64)>, String> {
    let (client, server) = configs(pki, Setup::bulk(Suite::Tls13Aes128Gcm))?;
    idle_memory(n, || connect(&client, &server), probe).map(Some)
}
