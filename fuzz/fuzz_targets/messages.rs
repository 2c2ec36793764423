//! Every message decoder, with round-trip checks.
//!
//! Input: a selector byte, then the bytes to decode. The selector picks the decoder: each
//! handshake body type (`HandshakeBody::decode`), the three ClientKeyExchange forms, the
//! ECDHE and DHE ServerKeyExchange forms, `Extensions::read` in each `ExtContext`,
//! `Alert::decode` and `split_handshake`. Whenever a decode succeeds, its value is encoded
//! again and the encoding must decode to the same value (encode(decode(x)) re-decodes to
//! decode(x)); encoding must not panic.
#![no_main]

use core::fmt::Debug;
use libfuzzer_sys::fuzz_target;
use lucidtls::msgs::codec::Reader;
use lucidtls::msgs::{
    encode_handshake, split_handshake, Alert, Certificate12, Certificate13, CertificateRequest12,
    CertificateRequest13, CertificateVerify, ClientHello, ClientKeyExchangeDhe,
    ClientKeyExchangeEcdhe, ClientKeyExchangeRsa, EncryptedExtensions, ExtContext, Extensions,
    Finished, HandshakeBody, HelloRequest, KeyUpdate, NewSessionTicket12, NewSessionTicket13,
    ServerHello, ServerHelloDone, ServerKeyExchange,
};

fn round_trip<T: HandshakeBody + PartialEq + Debug>(body: &[u8]) {
    let Ok(value) = T::decode(body) else {
        return;
    };
    let mut encoded = Vec::new();
    value.encode_body(&mut encoded);
    match T::decode(&encoded) {
        Ok(again) => assert_eq!(
            value, again,
            "round trip changed the value; input {body:02x?}, re-encoding {encoded:02x?}"
        ),
        Err(e) => panic!(
            "re-encoding does not decode: {e:?}\nvalue {value:?}\ninput {body:02x?}\nre-encoding {encoded:02x?}"
        ),
    }
    // The whole message: header, then the same body.
    let whole = value.encode();
    let (typ, b) = split_handshake(&whole).expect("our own header splits");
    assert_eq!(typ, T::TYPE);
    assert_eq!(b, encoded.as_slice());
}

fn extensions(ctx: ExtContext, body: &[u8]) {
    let mut r = Reader::new(body, "fuzz");
    let Ok(value) = Extensions::read(&mut r, ctx) else {
        return;
    };
    if r.finish().is_err() {
        return;
    }
    let mut encoded = Vec::new();
    value.encode(&mut encoded);
    let mut r = Reader::new(&encoded, "fuzz");
    match Extensions::read(&mut r, ctx) {
        Ok(again) => {
            assert_eq!(value, again, "{ctx:?}: input {body:02x?}, re-encoding {encoded:02x?}");
            assert!(r.finish().is_ok());
        }
        Err(e) => panic!(
            "{ctx:?}: re-encoding does not decode: {e:?}\nvalue {value:?}\ninput {body:02x?}\nre-encoding {encoded:02x?}"
        ),
    }
    // Lookups on what was decoded.
    for e in &value.0 {
        assert!(value.has(e.typ()));
    }
    std::hint::black_box(value.types());
}

fn server_key_exchange(ecdhe: bool, body: &[u8]) {
    let decoded = if ecdhe {
        ServerKeyExchange::decode_ecdhe(body).map(|(p, raw, s)| (p.to_bytes(), raw, s))
    } else {
        ServerKeyExchange::decode_dhe(body).map(|(p, raw, s)| (p.to_bytes(), raw, s))
    };
    let Ok((params, raw, signed)) = decoded else {
        return;
    };
    // The parameters re-encode to exactly the signed bytes.
    assert_eq!(
        params, raw,
        "parameters do not re-encode to the bytes that were signed"
    );
    let msg = ServerKeyExchange {
        params_bytes: raw,
        scheme: signed.scheme,
        signature: signed.signature.clone(),
    };
    let mut encoded = Vec::new();
    msg.encode_body(&mut encoded);
    assert_eq!(
        encoded, body,
        "ServerKeyExchange does not re-encode exactly"
    );
    assert_eq!(msg.signed(), signed);
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    match selector % 30 {
        0 => round_trip::<ClientHello>(body),
        1 => round_trip::<ServerHello>(body),
        2 => round_trip::<EncryptedExtensions>(body),
        3 => round_trip::<Certificate13>(body),
        4 => round_trip::<Certificate12>(body),
        5 => round_trip::<CertificateRequest13>(body),
        6 => round_trip::<CertificateRequest12>(body),
        7 => round_trip::<CertificateVerify>(body),
        8 => round_trip::<Finished>(body),
        9 => round_trip::<HelloRequest>(body),
        10 => round_trip::<KeyUpdate>(body),
        11 => round_trip::<NewSessionTicket13>(body),
        12 => round_trip::<NewSessionTicket12>(body),
        13 => round_trip::<ServerHelloDone>(body),
        14 => round_trip::<ClientKeyExchangeEcdhe>(body),
        15 => round_trip::<ClientKeyExchangeDhe>(body),
        16 => round_trip::<ClientKeyExchangeRsa>(body),
        17 => server_key_exchange(true, body),
        18 => server_key_exchange(false, body),
        19 => extensions(ExtContext::ClientHello, body),
        20 => extensions(ExtContext::ServerHello, body),
        21 => extensions(ExtContext::HelloRetryRequest, body),
        22 => extensions(ExtContext::EncryptedExtensions, body),
        23 => extensions(ExtContext::Certificate, body),
        24 => extensions(ExtContext::CertificateRequest, body),
        25 => extensions(ExtContext::NewSessionTicket, body),
        26 => {
            if let Ok(alert) = Alert::decode(body) {
                assert_eq!(Alert::decode(&alert.encode()), Ok(alert));
                assert_eq!(alert.encode().as_slice(), body);
            }
        }
        27 => {
            if let Ok((typ, b)) = split_handshake(body) {
                let mut out = Vec::new();
                encode_handshake(typ, &mut out, |o| o.extend_from_slice(b));
                assert_eq!(out, body);
            }
        }
        // A whole handshake message: split, then decode with the decoder its type names
        // (both forms where TLS 1.2 and 1.3 share a type).
        _ => {
            let Ok((typ, b)) = split_handshake(body) else {
                return;
            };
            use lucidtls::enums::HandshakeType as H;
            match typ {
                H::ClientHello => round_trip::<ClientHello>(b),
                H::ServerHello => round_trip::<ServerHello>(b),
                H::EncryptedExtensions => round_trip::<EncryptedExtensions>(b),
                H::Certificate => {
                    round_trip::<Certificate13>(b);
                    round_trip::<Certificate12>(b);
                }
                H::CertificateRequest => {
                    round_trip::<CertificateRequest13>(b);
                    round_trip::<CertificateRequest12>(b);
                }
                H::CertificateVerify => round_trip::<CertificateVerify>(b),
                H::Finished => round_trip::<Finished>(b),
                H::NewSessionTicket => {
                    round_trip::<NewSessionTicket13>(b);
                    round_trip::<NewSessionTicket12>(b);
                }
                H::KeyUpdate => round_trip::<KeyUpdate>(b),
                H::ServerKeyExchange => {
                    server_key_exchange(true, b);
                    server_key_exchange(false, b);
                }
                H::ClientKeyExchange => {
                    round_trip::<ClientKeyExchangeEcdhe>(b);
                    round_trip::<ClientKeyExchangeDhe>(b);
                    round_trip::<ClientKeyExchangeRsa>(b);
                }
                _ => {}
            }
        }
    }
});
