//! ClientKeyExchange (RFC 5246 §7.4.7; ECDHE: RFC 8422 §5.7).
//!
//! As with ServerKeyExchange, the layout depends on the negotiated key exchange, so
//! each kind has its own type; all three decode the same handshake type.

use super::codec::{put_u16_len, put_u8_len, Reader};
use super::handshake::HandshakeBody;
use crate::enums::HandshakeType;
use crate::error::Error;

/// ECDHE: the client's ephemeral public point (`ECPoint ecdh_Yc<1..2^8-1>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientKeyExchangeEcdhe {
    /// The client's public share, as it goes on the wire.
    pub public: Vec<u8>,
}

/// DHE: the client's public value (`opaque dh_Yc<1..2^16-1>`, RFC 5246 §7.4.7.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientKeyExchangeDhe {
    /// g^X mod p, big-endian.
    pub yc: Vec<u8>,
}

/// RSA key transport: the pre-master secret encrypted to the server's RSA key
/// (`opaque EncryptedPreMasterSecret<0..2^16-1>`, RFC 5246 §7.4.7.1; empty is refused
/// since it can never be a valid RSA ciphertext).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientKeyExchangeRsa {
    /// The RSA PKCS#1 v1.5 ciphertext.
    pub encrypted_pms: Vec<u8>,
}

fn non_empty<'a>(v: &'a [u8], what: &'static str) -> Result<&'a [u8], Error> {
    if v.is_empty() {
        Err(Error::decode(what))
    } else {
        Ok(v)
    }
}

impl ClientKeyExchangeEcdhe {
    /// The public point of a body, lent from it; checked as [`HandshakeBody::decode`]
    /// checks it.
    pub fn decode_public(body: &[u8]) -> Result<&[u8], Error> {
        Reader::read_all(body, "ClientKeyExchange", Self::read_public)
    }

    fn read_public<'a>(r: &mut Reader<'a>) -> Result<&'a [u8], Error> {
        non_empty(r.bytes_u8()?, "ClientKeyExchange ECDH public value")
    }
}

impl ClientKeyExchangeDhe {
    /// The public value of a body, lent from it; checked as [`HandshakeBody::decode`]
    /// checks it.
    pub fn decode_yc(body: &[u8]) -> Result<&[u8], Error> {
        Reader::read_all(body, "ClientKeyExchange", Self::read_yc)
    }

    fn read_yc<'a>(r: &mut Reader<'a>) -> Result<&'a [u8], Error> {
        non_empty(r.bytes_u16()?, "ClientKeyExchange dh_Yc")
    }
}

impl HandshakeBody for ClientKeyExchangeEcdhe {
    const TYPE: HandshakeType = HandshakeType::ClientKeyExchange;

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        Ok(Self {
            public: Self::read_public(r)?.to_vec(),
        })
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        put_u8_len(out, |o| o.extend_from_slice(&self.public));
    }
}

impl HandshakeBody for ClientKeyExchangeDhe {
    const TYPE: HandshakeType = HandshakeType::ClientKeyExchange;

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        Ok(Self {
            yc: Self::read_yc(r)?.to_vec(),
        })
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        put_u16_len(out, |o| o.extend_from_slice(&self.yc));
    }
}

impl HandshakeBody for ClientKeyExchangeRsa {
    const TYPE: HandshakeType = HandshakeType::ClientKeyExchange;

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        Ok(Self {
            encrypted_pms: non_empty(
                r.bytes_u16()?,
                "ClientKeyExchange encrypted pre-master secret",
            )?
            .to_vec(),
        })
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        put_u16_len(out, |o| o.extend_from_slice(&self.encrypted_pms));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_strict<T: HandshakeBody + PartialEq + core::fmt::Debug>(msg: &T) -> Vec<u8> {
        let mut body = Vec::new();
        msg.encode_body(&mut body);
        assert_eq!(&T::decode(&body).unwrap(), msg);
        for n in 0..body.len() {
            assert!(T::decode(&body[..n]).is_err(), "prefix {n}");
        }
        let mut long = body.clone();
        long.push(0);
        assert!(T::decode(&long).is_err(), "trailing byte");
        let whole = msg.encode();
        assert_eq!(whole[0], 16);
        assert_eq!(&whole[4..], &body[..]);
        body
    }

    #[test]
    fn ecdhe_round_trip() {
        let body = check_strict(&ClientKeyExchangeEcdhe {
            public: vec![4; 65],
        });
        assert_eq!(body[0], 65);
        assert_eq!(body.len(), 66);
    }

    #[test]
    fn dhe_round_trip() {
        let body = check_strict(&ClientKeyExchangeDhe { yc: vec![9; 256] });
        assert_eq!(&body[..2], &[1, 0]);
    }

    #[test]
    fn rsa_round_trip() {
        let body = check_strict(&ClientKeyExchangeRsa {
            encrypted_pms: vec![0xaa; 384],
        });
        assert_eq!(&body[..2], &[1, 128]);
    }

    #[test]
    fn empty_values_are_rejected() {
        assert!(ClientKeyExchangeEcdhe::decode(&[0]).is_err());
        assert!(ClientKeyExchangeDhe::decode(&[0, 0]).is_err());
        assert_eq!(
            ClientKeyExchangeRsa::decode(&[0, 0]),
            Err(Error::decode(
                "ClientKeyExchange encrypted pre-master secret"
            ))
        );
    }

    #[test]
    fn values_read_in_place_agree() {
        let mut body = Vec::new();
        ClientKeyExchangeEcdhe {
            public: vec![4; 65],
        }
        .encode_body(&mut body);
        assert_eq!(
            ClientKeyExchangeEcdhe::decode_public(&body),
            Ok(&[4; 65][..])
        );
        assert!(ClientKeyExchangeEcdhe::decode_public(&body[..10]).is_err());
        let mut body = Vec::new();
        ClientKeyExchangeDhe { yc: vec![9; 256] }.encode_body(&mut body);
        assert_eq!(ClientKeyExchangeDhe::decode_yc(&body), Ok(&[9; 256][..]));
        body.push(0);
        assert_eq!(
            ClientKeyExchangeDhe::decode_yc(&body).err(),
            ClientKeyExchangeDhe::decode(&body).err()
        );
    }

    #[test]
    fn length_widths_differ() {
        // A u16-prefixed value is not an ECDHE (u8-prefixed) one.
        let mut body = Vec::new();
        ClientKeyExchangeDhe { yc: vec![1, 2] }.encode_body(&mut body);
        assert!(ClientKeyExchangeEcdhe::decode(&body).is_err());
    }
}
