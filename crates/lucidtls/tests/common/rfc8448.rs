//! Known-answer values from RFC 8448 ("Example Handshake Traces for TLS 1.3"),
//! section 3 "Simple 1-RTT Handshake", plus the section 2 RSA server key.
//!
//! The values live in `tests/data/rfc8448_simple.txt` (one `name = hex` per line); each
//! line there carries a comment naming the trace step it comes from. The file is checked
//! for self-consistency (X25519, key schedule, Finished, AES-GCM records, RSA-PSS
//! signature) by `scripts/check_rfc8448.py`.
//!
//! Use from an integration test with either
//!
//! ```ignore
//! mod common;                       // tests/common/mod.rs
//! use common::rfc8448::Rfc8448;
//! ```
//!
//! or, to pull in only this module,
//!
//! ```ignore
//! #[path = "common/rfc8448.rs"]
//! mod rfc8448;
//! use rfc8448::Rfc8448;
//! ```
//!
//! Test-only code: malformed data or a missing name panics with a message naming it.
// Each test binary uses only part of this module.
#![allow(dead_code)]

use std::collections::HashMap;

/// The raw text of the data file, embedded at compile time.
pub const RFC8448_SIMPLE_TXT: &str = include_str!("../data/rfc8448_simple.txt");

/// The named byte strings of the RFC 8448 section 3 trace.
#[derive(Debug, Clone)]
pub struct Rfc8448 {
    map: HashMap<String, Vec<u8>>,
}

impl Rfc8448 {
    /// Parses the embedded data file. Panics (naming the line) on malformed input or a
    /// duplicated name.
    pub fn load() -> Rfc8448 {
        Self::parse(RFC8448_SIMPLE_TXT)
    }

    /// Parses text in the data-file format: blank lines and lines starting with `#` are
    /// ignored; every other line is `name = hex` with an even number of hex digits.
    pub fn parse(text: &str) -> Rfc8448 {
        let mut map = HashMap::new();
        for (index, raw) in text.lines().enumerate() {
            let lineno = index + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((name, hex)) = line.split_once('=') else {
                panic!("rfc8448 data line {lineno}: expected `name = hex`, got {line:?}");
            };
            let name = name.trim();
            assert!(!name.is_empty(), "rfc8448 data line {lineno}: empty name");
            let bytes = decode_hex(hex.trim())
                .unwrap_or_else(|why| panic!("rfc8448 data line {lineno} ({name}): {why}"));
            let previous = map.insert(name.to_owned(), bytes);
            assert!(
                previous.is_none(),
                "rfc8448 data line {lineno}: duplicate name {name}"
            );
        }
        Rfc8448 { map }
    }

    /// The value called `name`. Panics with the name when there is no such value.
    pub fn get(&self, name: &str) -> &[u8] {
        match self.map.get(name) {
            Some(value) => value,
            None => panic!("rfc8448: no value named {name:?} in tests/data/rfc8448_simple.txt"),
        }
    }

    /// The value called `name` as a fixed-size array (keys, IVs, secrets). Panics with the
    /// name when it is missing or not exactly `N` bytes long.
    pub fn get_array<const N: usize>(&self, name: &str) -> [u8; N] {
        let value = self.get(name);
        match <[u8; N]>::try_from(value) {
            Ok(array) => array,
            Err(_) => panic!("rfc8448: {name:?} is {} bytes, expected {N}", value.len()),
        }
    }

    /// Whether a value called `name` exists.
    pub fn contains(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    /// All value names, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.map.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }
}

fn decode_hex(hex: &str) -> Result<Vec<u8>, String> {
    let digit = |c: u8| {
        (c as char)
            .to_digit(16)
            .ok_or_else(|| format!("not a hex digit: {:?}", c as char))
    };
    hex.as_bytes()
        .chunks(2)
        .map(|pair| match *pair {
            [high, low] => Ok((digit(high)? * 16 + digit(low)?) as u8),
            _ => Err(format!("odd number of hex digits ({})", hex.len())),
        })
        .collect()
}
