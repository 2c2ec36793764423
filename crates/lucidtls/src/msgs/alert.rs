//! Alert messages (RFC 8446 §6).

use super::codec::Reader;
use crate::enums::{AlertDescription, AlertLevel};
use crate::error::Error;

/// An alert: level and description.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Alert {
    /// Level (TLS 1.3 ignores it except for close_notify/user_canceled).
    pub level: AlertLevel,
    /// What happened.
    pub description: AlertDescription,
}

impl Alert {
    /// Decodes an alert record payload (exactly two bytes).
    pub fn decode(payload: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new(payload, "alert");
        let level = AlertLevel::from_wire(r.u8()?);
        let description = AlertDescription::from_wire(r.u8()?);
        r.finish()?;
        if let AlertLevel::Unknown(_) = level {
            return Err(Error::IllegalParameter("alert level"));
        }
        Ok(Self { level, description })
    }

    /// The two payload bytes.
    pub fn encode(&self) -> [u8; 2] {
        [self.level.to_wire(), self.description.to_wire()]
    }
}
