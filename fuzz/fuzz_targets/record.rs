//! The record layer's framing: `RecordDeframer` (push/pop under arbitrary chunking) and
//! `HandshakeJoiner` (handshake payloads to whole messages).
//!
//! Input: one control byte, then the byte stream. The control byte picks the chunk
//! sizes, the deframer's record limit and the joiner's message limit. Oracle: a
//! straightforward reference parse of the same stream; every record and message the
//! deframer and joiner yield must be the reference's next one, in order, whatever the
//! chunking, and their buffers must respect their stated bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lucidtls::enums::ContentType;
use lucidtls::record::{HandshakeJoiner, RecordDeframer, HEADER_LEN, MAX_CIPHERTEXT_TLS12};

/// Records of `stream` as (type byte, version, payload), up to the first incomplete one.
fn reference_records(stream: &[u8]) -> Vec<(u8, u16, &[u8])> {
    let mut out = Vec::new();
    let mut rest = stream;
    while let [t, v0, v1, l0, l1, body @ ..] = rest {
        let len = usize::from(u16::from_be_bytes([*l0, *l1]));
        let Some(payload) = body.get(..len) else {
            break;
        };
        out.push((*t, u16::from_be_bytes([*v0, *v1]), payload));
        rest = &body[len..];
    }
    out
}

/// Messages of `stream` (header included), up to the first incomplete one.
fn reference_messages(stream: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = stream;
    while let [_, l0, l1, l2, ..] = rest {
        let len = 4 + (usize::from(*l0) << 16 | usize::from(*l1) << 8 | usize::from(*l2));
        let Some(msg) = rest.get(..len) else {
            break;
        };
        out.push(msg);
        rest = &rest[len..];
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, stream)) = data.split_first() else {
        return;
    };
    let mut deframer = RecordDeframer::new();
    if ctl & 1 != 0 {
        deframer.set_max_record_len(MAX_CIPHERTEXT_TLS12);
    }
    let max_message = if ctl & 2 != 0 {
        64
    } else {
        HandshakeJoiner::DEFAULT_MAX_MESSAGE_LEN
    };
    let mut joiner = HandshakeJoiner::with_max_message_len(max_message);
    // Chunk sizes cycle through a pattern chosen by the control byte.
    let pattern: [usize; 4] = [
        1 + usize::from(ctl >> 2 & 7),
        1,
        5 + usize::from(ctl >> 5) * 997,
        20_000,
    ];

    let expected = reference_records(stream);
    let mut got = 0usize;
    let mut handshake_stream = Vec::new();
    let mut messages = Vec::new();
    let mut joiner_failed = false;
    let mut deframer_failed = false;
    let mut offset = 0usize;
    let mut step = 0usize;

    'outer: while offset < stream.len() {
        let want = pattern[step % pattern.len()].min(stream.len() - offset);
        step += 1;
        let took = deframer.push(&stream[offset..offset + want]);
        assert!(took <= want);
        offset += took;
        assert!(deframer.buffered_len() <= deframer.capacity());
        let mut popped_any = false;
        loop {
            match deframer.pop() {
                Ok(Some(rec)) => {
                    popped_any = true;
                    let (t, v, payload) = expected
                        .get(got)
                        .copied()
                        .expect("deframer yielded a record the stream does not hold");
                    assert_eq!(rec.typ, ContentType::from_wire(t));
                    assert_eq!(rec.version, v);
                    assert_eq!(rec.payload, payload);
                    assert!(rec.payload.len() <= deframer.max_record_len());
                    got += 1;
                    if rec.typ == ContentType::Handshake && !joiner_failed {
                        match joiner.push(&rec.payload) {
                            Ok(()) => handshake_stream.extend_from_slice(&rec.payload),
                            Err(_) => joiner_failed = true,
                        }
                        while !joiner_failed {
                            match joiner.pop() {
                                Ok(Some((typ, msg))) => {
                                    assert!(msg.len() >= 4);
                                    assert!(msg.len() - 4 <= joiner.max_message_len());
                                    assert_eq!(typ.to_wire(), msg[0]);
                                    messages.push(msg);
                                }
                                Ok(None) => break,
                                Err(_) => joiner_failed = true,
                            }
                        }
                    }
                }
                Ok(None) => break,
                Err(_) => {
                    // Errors are sticky.
                    assert!(deframer.pop().is_err());
                    deframer_failed = true;
                    break 'outer;
                }
            }
        }
        // Progress: a push that took nothing must have been followed by a pop.
        assert!(took > 0 || popped_any, "deframer stalled");
    }

    if !deframer_failed {
        // Everything complete was yielded; what is left is one partial record.
        assert_eq!(got, expected.len(), "complete records left in the deframer");
        assert_eq!(deframer.has_partial(), !deframer.is_empty());
        assert!(deframer.buffered_len() < HEADER_LEN + deframer.max_record_len() + 1);
    }
    let reference = reference_messages(&handshake_stream);
    assert!(messages.len() <= reference.len());
    for (m, r) in messages.iter().zip(&reference) {
        assert_eq!(m.as_slice(), *r);
    }
    if !joiner_failed {
        assert_eq!(
            messages.len(),
            reference.len(),
            "complete messages left in the joiner"
        );
        assert_eq!(
            joiner.is_empty(),
            reference.iter().map(|m| m.len()).sum::<usize>() == handshake_stream.len()
        );
    }
});
