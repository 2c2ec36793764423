//! Helpers shared by the lucidtls integration tests (`mod common;` in a test file).
// Each test binary uses only part of the shared helpers.
#![allow(dead_code)]

pub mod ca;
pub mod pair;
pub mod peers;
pub mod rfc8448;
pub mod tls12;
