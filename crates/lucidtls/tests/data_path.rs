//! The application-data path end to end: records sealed straight into the output,
//! payload buffers reused by the deframer, received records queued without a copy
//! and read out in pieces of any size, and `take_tls_into`.

mod common;

use common::pair::connect;
use common::tls12::{client12, ecdsa_pki as pki, server12};
use lucidtls::enums::{CipherSuite, ProtocolVersion};
use lucidtls::Connection;

/// Deterministic, position-dependent bytes, so that reordering or loss shows.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 8) as u8)
        .collect()
}

/// Sends `writes` from `a`, hands the wire bytes to `b` in `chunk`-byte pieces, reads
/// with buffers cycling through `read_sizes`, and returns what `b` read.
fn stream(
    a: &mut Connection,
    b: &mut Connection,
    writes: &[Vec<u8>],
    chunk: usize,
    read_sizes: &[usize],
) -> Vec<u8> {
    let mut wire = Vec::new();
    for w in writes {
        assert_eq!(a.write_plaintext(w).unwrap(), w.len());
        let before = wire.len();
        let pending = a.take_tls_into(&mut wire);
        assert_eq!(wire.len(), before + pending);
        assert!(!a.wants_write());
    }
    let mut got = Vec::new();
    let mut sizes = read_sizes.iter().cycle();
    let mut offset = 0;
    while offset < wire.len() {
        let end = (offset + chunk).min(wire.len());
        let n = b.read_tls(&wire[offset..end]);
        b.process_new_packets().unwrap();
        offset += n;
        while b.plaintext_available() > 0 {
            let mut buf = vec![0u8; *sizes.next().unwrap()];
            let available = b.plaintext_available();
            let n = b.read_plaintext(&mut buf);
            assert_eq!(n, buf.len().min(available));
            assert_eq!(b.plaintext_available(), available - n);
            got.extend_from_slice(&buf[..n]);
        }
    }
    assert_eq!(b.read_plaintext(&mut [0u8; 8]), 0);
    got
}

fn writes() -> Vec<Vec<u8>> {
    let mut w = vec![
        pattern(1, 1),
        pattern(100, 2),
        pattern(16384, 3),
        pattern(16385, 4),
        pattern(40000, 5),
    ];
    // Tiny records, which the receiver packs together.
    w.extend((0..50).map(|i| pattern(1 + i % 3, 6 + i as u8)));
    w.push(pattern(70000, 7));
    w
}

fn check_both_ways(mut client: Connection, mut server: Connection) {
    let writes = writes();
    let expect: Vec<u8> = writes.concat();
    for (chunk, reads) in [
        (100_000, &[16384][..]),
        (4096, &[7, 4096, 1][..]),
        (1, &[100_000][..]),
    ] {
        let got = stream(&mut client, &mut server, &writes, chunk, reads);
        assert!(got == expect, "client to server, chunk {chunk}");
        let got = stream(&mut server, &mut client, &writes, chunk, reads);
        assert!(got == expect, "server to client, chunk {chunk}");
    }
}

#[test]
fn tls13_data_arrives_whole_in_any_pieces() {
    for suite in [
        CipherSuite::TLS13_AES_128_GCM_SHA256,
        CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
    ] {
        let mut cc = pki().client_config();
        cc.common.cipher_suites = vec![suite];
        let (client, server) = connect(cc, pki().server_config());
        assert_eq!(client.negotiated().version, Some(ProtocolVersion::Tls13));
        check_both_ways(client, server);
    }
}

#[test]
fn tls12_data_arrives_whole_in_any_pieces() {
    for suite in [
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
    ] {
        let (client, server) = connect(client12(pki(), &[suite]), server12(pki()));
        assert_eq!(client.negotiated().cipher_suite, Some(suite));
        check_both_ways(client, server);
    }
}

#[test]
fn take_tls_into_appends_or_swaps() {
    let (mut client, mut server) = connect(pki().client_config(), pki().server_config());
    client.write_plaintext(b"first").unwrap();
    let mut out = b"kept".to_vec();
    let n = client.take_tls_into(&mut out);
    assert_eq!(n, 5 + 5 + 1 + 16);
    assert_eq!(out.len(), 4 + n);
    assert_eq!(&out[..4], b"kept");
    assert_eq!(client.take_tls_into(&mut out), 0, "nothing left");
    server.read_tls(&out[4..]);
    server.process_new_packets().unwrap();
    let mut first = [0u8; 16];
    assert_eq!(server.read_plaintext(&mut first), 5);
    assert_eq!(&first[..5], b"first");

    // Clearing and passing the same buffer again, record after record.
    let mut out = Vec::new();
    let mut got = Vec::new();
    for i in 0..5u8 {
        client.write_plaintext(&[i; 1000]).unwrap();
        out.clear();
        let n = client.take_tls_into(&mut out);
        assert_eq!(out.len(), n);
        assert_eq!(server.read_tls(&out), n);
        server.process_new_packets().unwrap();
        let mut buf = [0u8; 1000];
        assert_eq!(server.read_plaintext(&mut buf), 1000);
        got.push(buf);
        assert!(!client.wants_write());
    }
    let mut buf = [0u8; 5];
    assert_eq!(server.read_plaintext(&mut buf), 0);
    assert!(got
        .iter()
        .enumerate()
        .all(|(i, b)| b.iter().all(|&x| x == i as u8)));
}
