//! TLS 1.2 secure renegotiation (RFC 5746) between two real endpoints, one of them under
//! test, with the harness in the middle.
//!
//! Input: a selector byte (one of the TLS 1.2 harness scenarios), a flags byte (bit 0:
//! the client is under test, else the server; bit 1: the side under test has
//! renegotiation off; bits 2-3: 3 minus its `max_renegotiations`), then operations: either side
//! calls `renegotiate`, writes data or closes; bytes move either way, all or part, or
//! are dropped; and records of the fuzzer's own go to the side under test. The middle
//! follows every key change (key log plus the hellos it decrypts) and protects what
//! reaches the side under test under the peer's keys in force, so injected HelloRequest,
//! ClientHello or whole flights land in the middle of real traffic and of real
//! renegotiations, at any point.
//!
//! Oracles: no panic, stall or runaway allocation; the initial handshake completes; the
//! side under test never completes more renegotiations than it allows, and stays TLS 1.2.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = lucidtls_fuzz::renegotiation_run(data);
});
