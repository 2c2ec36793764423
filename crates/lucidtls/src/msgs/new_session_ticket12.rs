//! NewSessionTicket, TLS 1.2 form (RFC 5077 §3.3).

use super::codec::{put_u16_len, put_u32, Reader};
use super::handshake::HandshakeBody;
use crate::enums::HandshakeType;
use crate::error::Error;

/// A TLS 1.2 NewSessionTicket. An empty ticket is well-formed: a server that
/// announced the session_ticket extension but changed its mind sends one (RFC 5077 §3.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSessionTicket12 {
    /// Seconds the ticket should be kept; 0 means unspecified.
    pub lifetime_hint: u32,
    /// The opaque ticket (`opaque ticket<0..2^16-1>`).
    pub ticket: Vec<u8>,
}

impl HandshakeBody for NewSessionTicket12 {
    const TYPE: HandshakeType = HandshakeType::NewSessionTicket;

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let lifetime_hint = r.u32()?;
        let ticket = r.bytes_u16()?.to_vec();
        Ok(Self {
            lifetime_hint,
            ticket,
        })
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        put_u32(out, self.lifetime_hint);
        put_u16_len(out, |o| o.extend_from_slice(&self.ticket));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_strict(msg: &NewSessionTicket12) -> Vec<u8> {
        let mut body = Vec::new();
        msg.encode_body(&mut body);
        assert_eq!(&NewSessionTicket12::decode(&body).unwrap(), msg);
        for n in 0..body.len() {
            assert!(
                NewSessionTicket12::decode(&body[..n]).is_err(),
                "prefix {n}"
            );
        }
        let mut long = body.clone();
        long.push(0);
        assert!(NewSessionTicket12::decode(&long).is_err());
        body
    }

    #[test]
    fn round_trip() {
        let msg = NewSessionTicket12 {
            lifetime_hint: 0x0001_5180,
            ticket: (0..=255).collect(),
        };
        let body = check_strict(&msg);
        assert_eq!(&body[..7], &[0, 1, 0x51, 0x80, 1, 0, 0]);
        assert_eq!(body.len(), 4 + 2 + 256);
        let whole = msg.encode();
        assert_eq!(&whole[..4], &[4, 0, 1, 6]);
    }

    #[test]
    fn empty_ticket_is_allowed() {
        let msg = NewSessionTicket12 {
            lifetime_hint: 0,
            ticket: vec![],
        };
        assert_eq!(check_strict(&msg), [0, 0, 0, 0, 0, 0]);
    }
}
