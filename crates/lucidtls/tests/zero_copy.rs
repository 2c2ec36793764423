//! The copy-free data path: `write_plaintext_into` (records sealed from the caller's
//! data straight into the caller's output), `read_tls_buf`/`read_tls_commit` (bytes
//! read straight into the record's buffer) and `fill_plaintext`/`consume_plaintext`
//! (plaintext lent where it was decrypted), against the copying calls, with
//! KeyUpdate, close_notify, TLS 1.2 and the blocking `Stream`'s `BufRead`.

mod common;

use common::pair::{connect, transfer};
use common::tls12::{client12, ecdsa_pki as pki, server12};
use lucidtls::enums::CipherSuite;
use lucidtls::{Connection, Error, Stream};
use std::io::{BufRead, Read, Write};

/// Deterministic, position-dependent bytes, so that reordering or loss shows.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(29).wrapping_add(seed) ^ (i >> 9) as u8)
        .collect()
}

/// Encrypts all of `data` with `write_plaintext_into` into an `out` of `out_len`
/// bytes at a time; returns the wire bytes.
fn seal_all(a: &mut Connection, data: &[u8], out_len: usize) -> Vec<u8> {
    let mut wire = Vec::new();
    let mut out = vec![0u8; out_len];
    let mut consumed = 0;
    loop {
        let (c, w) = a.write_plaintext_into(&data[consumed..], &mut out).unwrap();
        wire.extend_from_slice(&out[..w]);
        consumed += c;
        if consumed == data.len() && !a.wants_write() {
            return wire;
        }
        assert!(c > 0 || w > 0, "no progress with {out_len} bytes of room");
    }
}

/// Feeds `wire` to `b` through `read_tls_buf`/`read_tls_commit`, at most `step`
/// bytes per read, and reads the plaintext with `fill_plaintext`/`consume_plaintext`,
/// consuming at most `take` bytes at a time.
fn receive_lent(b: &mut Connection, wire: &[u8], step: usize, take: usize) -> Vec<u8> {
    let mut got = Vec::new();
    let mut rest = wire;
    while !rest.is_empty() {
        let buf = b.read_tls_buf();
        assert!(!buf.is_empty());
        let n = buf.len().min(step).min(rest.len());
        buf[..n].copy_from_slice(&rest[..n]);
        assert_eq!(b.read_tls_commit(n), n);
        rest = &rest[n..];
        b.process_new_packets().unwrap();
        loop {
            let chunk = b.fill_plaintext();
            if chunk.is_empty() {
                break;
            }
            let n = chunk.len().min(take);
            got.extend_from_slice(&chunk[..n]);
            let before = b.plaintext_available();
            b.consume_plaintext(n);
            assert_eq!(b.plaintext_available(), before - n);
        }
    }
    assert_eq!(b.plaintext_available(), 0);
    got
}

/// The same bytes through the copying calls.
fn receive_copied(b: &mut Connection, wire: &[u8]) -> Vec<u8> {
    let mut got = Vec::new();
    let mut offset = 0;
    while offset < wire.len() {
        offset += b.read_tls(&wire[offset..]);
        b.process_new_packets().unwrap();
        let mut buf = vec![0u8; b.plaintext_available()];
        let n = b.read_plaintext(&mut buf);
        got.extend_from_slice(&buf[..n]);
    }
    got
}

fn data() -> Vec<u8> {
    let mut d = Vec::new();
    for (i, len) in [1usize, 100, 16384, 16385, 40000, 3, 70000]
        .into_iter()
        .enumerate()
    {
        d.extend(pattern(len, i as u8));
    }
    d
}

fn check_pair(client: &mut Connection, server: &mut Connection) {
    let data = data();
    // Output buffers from one full record to tiny ones (short records).
    for (out_len, step, take) in [(17_000, 100_000, usize::MAX), (4096, 7, 1000), (96, 1, 3)] {
        let wire = seal_all(client, &data, out_len);
        let lent = receive_lent(server, &wire, step, take);
        assert!(lent == data, "lent path, out {out_len}");

        // The same data through the copying path delivers the same bytes.
        client.write_plaintext(&data).unwrap();
        let wire = client.take_tls();
        assert!(receive_copied(server, &wire) == data, "copying path");

        // And the other way round.
        let wire = seal_all(server, &data, out_len);
        assert!(receive_copied(client, &wire) == data, "server to client");
    }
}

#[test]
fn tls13_lent_paths_deliver_what_the_copying_ones_do() {
    for suite in [
        CipherSuite::TLS13_AES_128_GCM_SHA256,
        CipherSuite::TLS13_AES_256_GCM_SHA384,
        CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
    ] {
        let mut cc = pki().client_config();
        cc.common.cipher_suites = vec![suite];
        let (mut client, mut server) = connect(cc, pki().server_config());
        check_pair(&mut client, &mut server);
    }
}

#[test]
fn tls12_lent_paths_deliver_what_the_copying_ones_do() {
    for suite in [
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        // CBC goes through the encrypter's default (sealed aside, then copied).
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
    ] {
        let (mut client, mut server) = connect(client12(pki(), &[suite]), server12(pki()));
        assert_eq!(client.negotiated().cipher_suite, Some(suite));
        check_pair(&mut client, &mut server);
    }
}

#[test]
fn sealed_into_is_what_write_plaintext_sends() {
    // Two clients with the same keys cannot exist, but a record sealed into a slice
    // must be byte-for-byte a record: same length as the Vec path's, and accepted.
    let (mut client, mut server) = connect(pki().client_config(), pki().server_config());
    client.write_plaintext(b"via vec").unwrap();
    let via_vec = client.take_tls();
    let mut out = [0u8; 64];
    let (c, w) = client.write_plaintext_into(b"via out", &mut out).unwrap();
    assert_eq!((c, w), (7, via_vec.len()));
    assert_eq!(out[..3], via_vec[..3], "same header fields");
    let mut wire = via_vec;
    wire.extend_from_slice(&out[..w]);
    assert_eq!(receive_copied(&mut server, &wire), b"via vecvia out");

    // Too little room for even one byte of data: nothing sealed, nothing lost.
    let (c, w) = client.write_plaintext_into(b"x", &mut out[..22]).unwrap();
    assert_eq!((c, w), (0, 0));
    let (c, w) = client.write_plaintext_into(b"xy", &mut out[..23]).unwrap();
    assert_eq!((c, w), (1, 23), "a record shortened to what fits");
    assert_eq!(receive_copied(&mut server, &out[..w]), b"x");
    let (c, w) = client.write_plaintext_into(&[], &mut out).unwrap();
    assert_eq!((c, w), (0, 0), "no record for no data");
}

#[test]
fn waiting_handshake_bytes_go_first_then_data() {
    let (mut client, mut server) = connect(pki().client_config(), pki().server_config());
    // A KeyUpdate is queued; it must precede the data sealed under the new key.
    client.update_keys(true).unwrap();
    assert!(client.wants_write());
    let waiting = client.take_tls();
    client.update_keys(false).unwrap();
    let mut out = vec![0u8; 20_000];
    // Room for only part of what waits: nothing of the data is consumed yet.
    let (c, w) = client
        .write_plaintext_into(b"after", &mut out[..10])
        .unwrap();
    assert_eq!((c, w), (0, 10));
    let mut wire = waiting;
    wire.extend_from_slice(&out[..10]);
    let (c, w) = client.write_plaintext_into(b"after", &mut out).unwrap();
    assert_eq!(c, 5);
    wire.extend_from_slice(&out[..w]);
    assert_eq!(receive_lent(&mut server, &wire, 100_000, 2), b"after");

    // The server answers the requested update; its data then flows under new keys,
    // and the client reads it lent, before and after its own key change.
    let answer = seal_all(&mut server, b"under new keys", 20_000);
    assert_eq!(receive_lent(&mut client, &answer, 3, 5), b"under new keys");
    let more = seal_all(&mut client, &pattern(30_000, 9), 17_000);
    assert_eq!(
        receive_lent(&mut server, &more, 4096, 1000),
        pattern(30_000, 9)
    );
}

#[test]
fn close_notify_after_lent_data() {
    let (mut client, mut server) = connect(pki().client_config(), pki().server_config());
    let mut wire = seal_all(&mut client, &pattern(20_000, 1), 17_000);
    client.send_close_notify();
    wire.extend(client.take_tls());
    // Data and close_notify arrive together: the data stays readable after the
    // alert, partly consumed.
    let mut rest = &wire[..];
    while !rest.is_empty() {
        let buf = server.read_tls_buf();
        let n = buf.len().min(rest.len());
        buf[..n].copy_from_slice(&rest[..n]);
        assert_eq!(server.read_tls_commit(n), n);
        rest = &rest[n..];
        if n == 0 {
            // A complete record fills the receive buffer: process it (the
            // plaintext stays queued, unread).
            server.process_new_packets().unwrap();
        }
    }
    server.process_new_packets().unwrap();
    assert!(server.received_close_notify());
    assert_eq!(server.plaintext_available(), 20_000);
    let first = server.fill_plaintext().to_vec();
    assert_eq!(first.len(), 16384);
    server.consume_plaintext(10);
    let mut got = first[..10].to_vec();
    let mut buf = vec![0u8; 100];
    let n = server.read_plaintext(&mut buf);
    got.extend_from_slice(&buf[..n]);
    while !server.fill_plaintext().is_empty() {
        let chunk = server.fill_plaintext().to_vec();
        got.extend_from_slice(&chunk);
        server.consume_plaintext(chunk.len());
    }
    assert_eq!(got, pattern(20_000, 1));

    // Nothing may be sealed after our own close_notify.
    let mut out = [0u8; 100];
    assert!(matches!(
        client.write_plaintext_into(b"late", &mut out),
        Err(Error::ConnectionClosed)
    ));
    // Records after the peer's close_notify are refused as before.
    let mut c2 = client;
    let _ = &mut c2;
    server.send_close_notify();
    transfer(&mut server, &mut c2).unwrap();
    assert!(c2.received_close_notify());
}

#[test]
fn nothing_is_consumed_during_the_handshake() {
    let mut client =
        Connection::client(pki().client_config().into(), common::pair::localhost()).unwrap();
    let mut out = vec![0u8; 4096];
    // The ClientHello waits: it is what comes out, and no data is taken.
    let (c, w) = client.write_plaintext_into(b"early", &mut out).unwrap();
    assert_eq!(c, 0);
    assert!(w > 0 && out[0] == 22, "a handshake record");
    let (c, w) = client.write_plaintext_into(b"early", &mut out).unwrap();
    assert_eq!((c, w), (0, 0));
}

/// An in-memory duplex transport for `Stream`: reads from one buffer, writes to another.
struct Pipe {
    input: std::io::Cursor<Vec<u8>>,
    output: Vec<u8>,
}

impl Read for Pipe {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.input.read(buf)
    }
}

impl Write for Pipe {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.output.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn stream_buf_read_lends_plaintext() {
    let (mut client, server) = connect(pki().client_config(), pki().server_config());
    let text = b"first line\nsecond line\nno newline at the end".repeat(500);
    client.write_plaintext(&text).unwrap();
    client.send_close_notify();
    let wire = client.take_tls();
    let mut stream = Stream::new(
        server,
        Pipe {
            input: std::io::Cursor::new(wire),
            output: Vec::new(),
        },
    );
    let mut lines = Vec::new();
    let mut line = Vec::new();
    while stream.read_until(b'\n', &mut line).unwrap() > 0 {
        lines.extend_from_slice(&line);
        line.clear();
    }
    assert!(lines == text);
    assert!(stream.fill_buf().unwrap().is_empty(), "clean close: empty");

    // EOF without close_notify is an error, not an empty buffer.
    let (mut client, server) = connect(pki().client_config(), pki().server_config());
    client.write_plaintext(b"cut").unwrap();
    let wire = client.take_tls();
    let mut stream = Stream::new(
        server,
        Pipe {
            input: std::io::Cursor::new(wire),
            output: Vec::new(),
        },
    );
    assert_eq!(stream.fill_buf().unwrap(), b"cut");
    stream.consume(3);
    let err = stream.fill_buf().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
}
