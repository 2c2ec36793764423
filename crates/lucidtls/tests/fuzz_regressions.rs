//! Regression tests for inputs the cargo-fuzz targets (`fuzz/`, run by `scripts/fuzz`)
//! found. Each test names the target and holds the minimised input.

use lucidtls::msgs::codec::Reader;
use lucidtls::msgs::{ClientHello, ExtContext, Extension, Extensions, HandshakeBody};

fn read_extensions(block: &[u8], ctx: ExtContext) -> Result<Extensions, lucidtls::Error> {
    let mut r = Reader::new(block, "test");
    let exts = Extensions::read(&mut r, ctx)?;
    r.finish()?;
    Ok(exts)
}

/// Target `messages`, selector 19 (`Extensions::read` in the ClientHello context).
/// Minimised input: `13 00 09 00 00 00 05 00 03 01 00 00`, a server_name extension whose
/// list holds one entry of name_type 1 (not host_name) with an empty name.
///
/// It used to decode to `ServerName(None)`, whose encoding (an empty body) does not
/// decode: encode(decode(x)) failed. Found first inside a whole recorded ClientHello
/// (selector 28) whose server_name entry type had been flipped from 0 to 1. A list
/// without a host_name is now a decode_error, so no such value exists.
#[test]
fn server_name_without_host_name_is_a_decode_error() {
    let block = [
        0x00, 0x09, 0x00, 0x00, 0x00, 0x05, 0x00, 0x03, 0x01, 0x00, 0x00,
    ];
    let err = read_extensions(&block, ExtContext::ClientHello).unwrap_err();
    assert_eq!(err.alert(), lucidtls::enums::AlertDescription::DecodeError);
    // The host_name form still decodes and round-trips.
    let ok = Extensions(vec![Extension::ServerName(Some("example.com".into()))]);
    let mut encoded = Vec::new();
    ok.encode(&mut encoded);
    assert_eq!(read_extensions(&encoded, ExtContext::ClientHello), Ok(ok));
}

/// Same finding, the other half: RFC 6066 §3 declares `server_name_list<1..2^16-1>`, so
/// an empty list is a decode_error; today it is accepted as `ServerName(None)`.
/// Input (selector 19): `13 00 06 00 00 00 02 00 00`.
#[test]
fn empty_server_name_list_is_a_decode_error() {
    let block = [0x00, 0x06, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00];
    assert!(read_extensions(&block, ExtContext::ClientHello).is_err());
}

/// The whole-ClientHello form of the first finding: a ClientHello carrying that
/// extension is refused instead of decoding to something that cannot be encoded again.
#[test]
fn client_hello_with_non_host_server_name_is_refused() {
    let mut body = vec![0x03, 0x03];
    body.extend_from_slice(&[0x11; 32]); // random
    body.push(0); // session id
    body.extend_from_slice(&[0x00, 0x02, 0x13, 0x01]); // TLS_AES_128_GCM_SHA256
    body.extend_from_slice(&[0x01, 0x00]); // null compression
    body.extend_from_slice(&[
        0x00, 0x09, 0x00, 0x00, 0x00, 0x05, 0x00, 0x03, 0x01, 0x00, 0x00,
    ]);
    assert!(ClientHello::decode(&body).is_err());
}
