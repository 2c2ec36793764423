//! rustls 0.23 with its aws-lc-rs provider, over in-memory buffers.

use crate::measure::{idle_memory, rate, timed, Run};
use crate::pki::{Pki, HOST};
use crate::scenario::{Dir, Group, Resume, Setup, Suite, BULK_BATCH, BULK_WRITE};
use rustls::client::Resumption;
use rustls::crypto::aws_lc_rs as provider;
use rustls::server::{NoServerSessionStorage, ServerSessionMemoryCache};
use rustls::{ClientConfig, ClientConnection, ConnectionCommon, HandshakeKind, RootCertStore};
use rustls::{ServerConfig, ServerConnection, SupportedCipherSuite};
use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use std::hint::black_box;
use std::io::{BufRead, Write};
use std::sync::Arc;

fn suite(s: Suite) -> Option<SupportedCipherSuite> {
    use provider::cipher_suite as cs;
    Some(match s {
        Suite::Tls13Aes128Gcm => cs::TLS13_AES_128_GCM_SHA256,
        Suite::Tls13Aes256Gcm => cs::TLS13_AES_256_GCM_SHA384,
        Suite::Tls13Chacha20 => cs::TLS13_CHACHA20_POLY1305_SHA256,
        Suite::Tls12EcdheEcdsaAes128Gcm => cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        Suite::Tls12EcdheRsaAes128Gcm => cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        // rustls implements neither RSA key transport nor CBC.
        Suite::Tls12RsaAes128Gcm | Suite::Tls12EcdheEcdsaAes128CbcSha256 => return None,
    })
}

fn e(err: impl std::fmt::Display) -> String {
    err.to_string()
}

/// Client and server configurations that allow exactly `setup`, with no
/// resumption of any kind (full handshakes only).
fn configs(pki: &Pki, setup: Setup) -> Result<Option<(ClientConfig, ServerConfig)>, String> {
    let Some(cs) = suite(setup.suite) else {
        return Ok(None);
    };
    let id = pki.get(setup.cert);
    let mut p = provider::default_provider();
    p.cipher_suites = vec![cs];
    p.kx_groups = vec![match setup.group {
        Group::X25519 => provider::kx_group::X25519,
        Group::X25519MlKem768 => provider::kx_group::X25519MLKEM768,
    }];
    let p = Arc::new(p);
    let versions: &[&rustls::SupportedProtocolVersion] = if setup.suite.is_tls13() {
        &[&rustls::version::TLS13]
    } else {
        &[&rustls::version::TLS12]
    };
    let mut roots = RootCertStore::empty();
    roots.add(id.ca.clone()).map_err(e)?;
    let mut client = ClientConfig::builder_with_provider(p.clone())
        .with_protocol_versions(versions)
        .map_err(e)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    client.resumption = Resumption::disabled();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(id.key_pkcs8.clone()));
    let mut server = ServerConfig::builder_with_provider(p)
        .with_protocol_versions(versions)
        .map_err(e)?
        .with_no_client_auth()
        .with_single_cert(vec![id.leaf.clone()], key)
        .map_err(e)?;
    server.send_tls13_tickets = 0;
    server.session_storage = Arc::new(NoServerSessionStorage {});
    Ok(Some((client, server)))
}

/// Moves everything `from` has to send into `to` and processes it.
fn transfer<A, B>(
    from: &mut ConnectionCommon<A>,
    to: &mut ConnectionCommon<B>,
    buf: &mut Vec<u8>,
) -> Result<(), String> {
    buf.clear();
    while from.wants_write() {
        from.write_tls(buf).map_err(e)?;
    }
    let mut rd = &buf[..];
    while !rd.is_empty() {
        to.read_tls(&mut rd).map_err(e)?;
        to.process_new_packets().map_err(e)?;
    }
    Ok(())
}

fn handshake(c: &mut ClientConnection, s: &mut ServerConnection) -> Result<(), String> {
    let mut buf = Vec::new();
    for _ in 0..32 {
        transfer(c, s, &mut buf).map_err(|e| format!("server: {e}"))?;
        transfer(s, c, &mut buf).map_err(|e| format!("client: {e}"))?;
        if !c.is_handshaking() && !s.is_handshaking() && !c.wants_write() && !s.wants_write() {
            return Ok(());
        }
    }
    Err("handshake did not finish in 32 flights".into())
}

fn connect(
    client: &Arc<ClientConfig>,
    server: &Arc<ServerConfig>,
) -> Result<(ClientConnection, ServerConnection), String> {
    let name = ServerName::try_from(HOST).map_err(e)?;
    let mut c = ClientConnection::new(client.clone(), name).map_err(e)?;
    let mut s = ServerConnection::new(server.clone()).map_err(e)?;
    handshake(&mut c, &mut s)?;
    Ok((c, s))
}

pub(crate) fn handshakes(pki: &Pki, setup: Setup, run: Run) -> Result<Option<f64>, String> {
    let Some((client, server)) = configs(pki, setup)? else {
        return Ok(None);
    };
    let (client, server) = (Arc::new(client), Arc::new(server));
    rate(run, || {
        let ((c, s), t) = timed(|| connect(&client, &server))?;
        if c.handshake_kind() != Some(HandshakeKind::Full) {
            return Err(format!(
                "expected a full handshake, got {:?}",
                c.handshake_kind()
            ));
        }
        drop((c, s));
        Ok((1, t))
    })
    .map(Some)
}

pub(crate) fn resumed(pki: &Pki, resume: Resume, run: Run) -> Result<Option<f64>, String> {
    let Some((mut client, mut server)) = configs(pki, resume.setup())? else {
        return Ok(None);
    };
    client.resumption = Resumption::in_memory_sessions(256);
    match resume {
        Resume::Tls12SessionId => {
            server.session_storage = ServerSessionMemoryCache::new(1024);
        }
        Resume::Tls12Ticket => {
            server.ticketer = provider::Ticketer::new().map_err(e)?;
        }
        Resume::Tls13Psk => {
            server.ticketer = provider::Ticketer::new().map_err(e)?;
            server.send_tls13_tickets = 1;
        }
    }
    let (client, server) = (Arc::new(client), Arc::new(server));
    // The first, full handshake gives the client something to resume.
    connect(&client, &server)?;
    rate(run, || {
        let ((c, s), t) = timed(|| connect(&client, &server))?;
        if c.handshake_kind() != Some(HandshakeKind::Resumed) {
            return Err(format!("did not resume: {:?}", c.handshake_kind()));
        }
        drop((c, s));
        Ok((1, t))
    })
    .map(Some)
}

pub(crate) fn bulk(pki: &Pki, s: Suite, dir: Dir, run: Run) -> Result<Option<f64>, String> {
    let Some((client, server)) = configs(pki, Setup::bulk(s))? else {
        return Ok(None);
    };
    let (mut c, mut srv) = connect(&Arc::new(client), &Arc::new(server))?;
    let data = vec![0x5au8; BULK_WRITE];
    let mut wire = Vec::with_capacity(BULK_BATCH * (BULK_WRITE + 64));
    let batch_bytes = (BULK_BATCH * BULK_WRITE) as u64;
    let rate = match dir {
        Dir::Send => rate(run, || {
            let ((), t) = timed(|| {
                for _ in 0..BULK_BATCH {
                    c.writer().write_all(&data).map_err(e)?;
                    wire.clear();
                    while c.wants_write() {
                        c.write_tls(&mut wire).map_err(e)?;
                    }
                    black_box(&wire);
                }
                Ok(())
            })?;
            Ok((batch_bytes, t))
        })?,
        Dir::Receive => rate(run, || {
            wire.clear();
            for _ in 0..BULK_BATCH {
                c.writer().write_all(&data).map_err(e)?;
                while c.wants_write() {
                    c.write_tls(&mut wire).map_err(e)?;
                }
            }
            // The whole batch is timed: the socket read (`read_tls`, which copies the
            // ciphertext into rustls's buffer; at most 4 KiB per call, so several calls
            // per record), `process_new_packets` and `reader().fill_buf`/`consume`
            // (rustls's `Reader` is `BufRead`: no copy out), record by record.
            let (got, t) = timed(|| {
                let mut got = 0usize;
                let mut rest = &wire[..];
                while let Some(len) = rest
                    .get(3..5)
                    .map(|l| 5 + usize::from(u16::from_be_bytes([l[0], l[1]])))
                {
                    let (mut record, after) = rest.split_at(len.min(rest.len()));
                    rest = after;
                    while !record.is_empty() {
                        srv.read_tls(&mut record).map_err(e)?;
                    }
                    srv.process_new_packets().map_err(e)?;
                    let mut reader = srv.reader();
                    loop {
                        match reader.fill_buf() {
                            Ok([]) => break,
                            Ok(chunk) => {
                                let n = chunk.len();
                                black_box(chunk);
                                reader.consume(n);
                                got += n;
                            }
                            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => break,
                            Err(err) => return Err(e(err)),
                        }
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

pub(crate) fn memory(
    pki: &Pki,
    n: usize,
    probe: &dyn Fn() -> usize,
) -> Result<Option<(f64, f64)>, String> {
    let Some((client, server)) = configs(pki, Setup::bulk(Suite::Tls13Aes128Gcm))? else {
        return Ok(None);
    };
    let (client, server) = (Arc::new(client), Arc::new(server));
    idle_memory(n, || connect(&client, &server), probe).map(Some)
}
