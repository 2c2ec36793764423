#!/usr/bin/env python3
"""A scripted hostile TLS client, for testing how a server answers bad input.

    python hostile.py --port PORT CASE      run one case, print one RESULT line
    python hostile.py --list                the case names, one a line

Each case connects to 127.0.0.1:PORT, misbehaves in one way and reports what the server
did, as one line on stdout:

    RESULT outcome=alert level=fatal description=illegal_parameter after=eof
    RESULT outcome=close                  (the server closed without sending anything)
    RESULT outcome=server_hello version=TLSv1.3
    RESULT outcome=handshake_ok version=TLSv1.2 cipher=aes128gcm
    RESULT outcome=protected_record length=19 after=eof   (an encrypted answer, unread)
    RESULT outcome=timeout | reset | error | other detail=...

`after` tells what followed an alert: `eof` (the server closed), `reset`, `open` (nothing
within 3 s), `more` (other bytes), or for the renegotiation case `echo` (data still flows).
The expectations live in crates/interop/tests/hostile_peer.rs, which runs this script
against `lucid serve`; this file only observes.

Raw cases build their bytes by hand (wire.py). Cases that need a full handshake use
tlslite-ng's TLSConnection as the client, with one of its steps patched to misbehave
(a wrong Finished, a bad Diffie-Hellman share, a bad RSA padding, a bad CBC padding or MAC,
1-byte handshake records, an oversized record after the handshake).
"""

import sys

sys.dont_write_bytecode = True  # keep the source tree clean when tests run this script

import argparse  # noqa: E402 (after the line above, on purpose)
import os  # noqa: E402
import socket  # noqa: E402
import time  # noqa: E402

from tlslite import messages as tls_messages
from tlslite import recordlayer as tls_recordlayer
from tlslite import keyexchange as tls_kx
from tlslite.api import HandshakeSettings, TLSConnection
from tlslite.constants import AlertDescription, ContentType
from tlslite.errors import (TLSAbruptCloseError, TLSLocalAlert, TLSRemoteAlert)
from tlslite.messages import ChangeCipherSpec, Message

import wire
from wire import (ALERT, APPLICATION_DATA, CHANGE_CIPHER_SPEC, HANDSHAKE, HEARTBEAT,
                  SECP256R1, SECP384R1, X25519, client_hello, record,
                  record_header, replace_ext, u16, u16_list, vec8, vec16)

HOST = "127.0.0.1"
TIMEOUT = 5.0

CASES = {}


def case(func):
    """Registers a case under its function name."""
    CASES[func.__name__] = func
    return func


# ---------------------------------------------------------------------------------
# Raw helpers


def raw_exchange(port, data, shut_write=False):
    """Connects, sends `data`, optionally half-closes, and reports the server's answer."""
    sock = wire.connect(HOST, port, TIMEOUT)
    try:
        wire.send_all(sock, data)
        if shut_write:
            sock.shutdown(socket.SHUT_WR)
        return wire.observe(sock, TIMEOUT)
    finally:
        sock.close()


def hello_exchange(port, **kwargs):
    """Sends one ClientHello (built from `kwargs`) in one record; reports the answer."""
    return raw_exchange(port, record(HANDSHAKE, client_hello(**kwargs)))


def with_exts(edit, **kwargs):
    """Default ClientHello extensions, edited by `edit`."""
    return dict(extensions=edit(wire.default_extensions()), **kwargs)


def drain_until_idle(sock, idle=0.5, limit=10.0):
    """Reads and discards what the server sends until it is quiet for `idle` seconds;
    returns the handshake message types seen (plaintext records only). The first record
    may take up to `limit`: on a loaded machine the server's flight can be slower than
    `idle`, and a flight read later would be mistaken for the answer to what follows."""
    deadline = time.monotonic() + limit
    types = []
    buf = b""
    seen_any = False
    while time.monotonic() < deadline:
        wait_until = deadline if not seen_any else min(deadline, time.monotonic() + idle)
        try:
            typ, _v, payload = wire.read_record(sock, wait_until)
            seen_any = True
        except (socket.timeout, EOFError, ConnectionResetError):
            break
        if typ == HANDSHAKE:
            buf += payload
            while len(buf) >= 4:
                length = int.from_bytes(buf[1:4], "big")
                if len(buf) < 4 + length:
                    break
                types.append(buf[0])
                buf = buf[4 + length:]
    return types


# ---------------------------------------------------------------------------------
# tlslite-ng helpers


def settings13():
    s = HandshakeSettings()
    s.minVersion = (3, 4)
    s.maxVersion = (3, 4)
    return s


def settings12(kx, cipher, mac="aead", etm=True, curves=None):
    s = HandshakeSettings()
    s.minVersion = (3, 3)
    s.maxVersion = (3, 3)
    s.keyExchangeNames = [kx]
    s.cipherNames = [cipher]
    s.macNames = [mac]
    s.useEncryptThenMAC = etm
    s.keyShares = []
    if curves:
        s.eccCurves = list(curves)
    return s


MODERN12 = dict(kx="ecdhe_ecdsa", cipher="aes128gcm")
CBC12 = dict(kx="ecdhe_rsa", cipher="aes128", mac="sha256")
DHE12 = dict(kx="dhe_rsa", cipher="aes128gcm")
RSA12 = dict(kx="rsa", cipher="aes128gcm")


class KeepOpen:
    """The socket as tlslite-ng sees it: its close() is ignored, so that after an alert
    the case can still see whether the server closes the connection."""

    def __init__(self, sock):
        self._sock = sock

    def close(self):
        pass

    def __getattr__(self, name):
        return getattr(self._sock, name)


def alert_outcome(alert, sock):
    return {"outcome": "alert",
            "level": {1: "warning", 2: "fatal"}.get(alert.level, str(alert.level)),
            "description": wire.alert_name(alert.description),
            "after": wire.wait_eof(sock, 3.0)}


def run_tls(port, settings, after_handshake=None, conn_class=TLSConnection):
    """Handshakes with tlslite-ng, then runs `after_handshake(conn)` (default: echo one
    line), then reads once more; classifies what happened. An alert at any point is the
    outcome; so is a clean handshake plus echo (`handshake_ok`)."""
    sock = wire.connect(HOST, port, TIMEOUT)
    try:
        conn = conn_class(KeepOpen(sock))
        conn.raw_sock = sock
        conn.handshakeClientCert(settings=settings, serverName="localhost")
        if after_handshake is None:
            conn.write(b"ping\n")
            got = b""
            while not got.endswith(b"\n"):
                chunk = conn.read()
                if not chunk:
                    break
                got += bytes(chunk)
            if got != b"ping\n":
                return {"outcome": "other", "detail": "echo returned %r" % got}
            out = {"outcome": "handshake_ok",
                   "version": {(3, 4): "TLSv1.3", (3, 3): "TLSv1.2"}.get(
                       conn.version, str(conn.version)),
                   "cipher": conn.getCipherName()}
            conn.close()
            return out
        result = after_handshake(conn)
        if result is not None:
            return result
        chunk = conn.read()
        if not chunk:
            return {"outcome": "close"}
        return {"outcome": "other", "detail": "server sent data: %r" % bytes(chunk[:40])}
    except TLSRemoteAlert as e:
        return alert_outcome(e, sock)
    except TLSAbruptCloseError:
        return {"outcome": "close"}
    except socket.timeout:
        return {"outcome": "timeout"}
    except (ConnectionResetError, BrokenPipeError):
        return {"outcome": "reset"}
    except TLSLocalAlert as e:
        return {"outcome": "other", "detail": "tlslite-ng refused: %s" % e}
    finally:
        sock.close()


def send_record_via(conn, content_type, data):
    """Sends one record of `content_type` under the connection's current keys, whatever
    its size (no fragmentation)."""
    for _ in conn._sendMsgThroughSocket(Message(content_type, bytearray(data))):
        pass


def recv_decrypted(conn):
    """The next record, decrypted, as (type, payload), bypassing tlslite-ng's handling."""
    for result in conn._recordLayer.recvRecord():
        if result in (0, 1):
            continue
        header, parser = result
        return header.type, bytes(parser.bytes)
    raise EOFError()


class Patch:
    """Replaces attributes for the duration of a `with` block."""

    def __init__(self, *triples):
        self.triples = triples
        self.saved = []

    def __enter__(self):
        for owner, name, value in self.triples:
            self.saved.append((owner, name, owner.__dict__[name]))
            setattr(owner, name, value)
        return self

    def __exit__(self, *exc):
        for owner, name, value in reversed(self.saved):
            setattr(owner, name, value)


# ---------------------------------------------------------------------------------
# ClientHello: controls


@case
def control_raw_client_hello(port):
    """Our hand-built ClientHello is good: the server answers with a TLS 1.3 ServerHello."""
    return hello_exchange(port)


@case
def control_tls13(port):
    return run_tls(port, settings13())


@case
def control_tls12(port):
    return run_tls(port, settings12(**MODERN12))


@case
def grease_everywhere(port):
    """RFC 8701 GREASE values in suites, groups, versions, signature schemes, key shares
    and extensions must be ignored."""
    def edit(exts):
        exts = replace_ext(exts, wire.EXT_SUPPORTED_GROUPS,
                           vec16(u16_list([0x2A2A, X25519, SECP256R1])))
        exts = replace_ext(exts, wire.EXT_SUPPORTED_VERSIONS,
                           vec8(u16_list([0x3A3A, 0x0304, 0x0303])))
        exts = replace_ext(exts, wire.EXT_KEY_SHARE, vec16(
            wire.key_share_entry(0x2A2A, b"\x00") +
            wire.key_share_entry(X25519, wire.x25519_share())))
        return [(0x0A0A, b"")] + exts + [(0xFAFA, b"\x00")]
    return hello_exchange(port, suites=[0x4A4A] + wire.TLS13_SUITES, **with_exts(edit))


@case
def huge_unknown_extension(port):
    """A 40 000-byte unknown extension: the ClientHello spans three records; unknown
    extensions are ignored (RFC 8446 §4.2), so the server answers normally."""
    exts = wire.default_extensions() + [(0x7777, os.urandom(40000))]
    msg = client_hello(extensions=exts)
    data = b"".join(record(HANDSHAKE, msg[i:i + 16384]) for i in range(0, len(msg), 16384))
    return raw_exchange(port, data)


@case
def empty_key_share_list(port):
    """An empty client_shares list is legal: the server asks for a share with a
    HelloRetryRequest (RFC 8446 §4.2.8)."""
    return hello_exchange(port, **with_exts(
        lambda e: replace_ext(e, wire.EXT_KEY_SHARE, vec16(b""))))


@case
def legacy_version_0x0305_without_supported_versions(port):
    """legacy_version above TLS 1.2 and no supported_versions: the server must negotiate
    TLS 1.2 (RFC 8446 §4.2.1, RFC 5246 Appendix E.1)."""
    return hello_exchange(port, legacy_version=0x0305, extensions=wire.default_extensions(
        key_shares=[], versions=None))


@case
def record_version_0x0301(port):
    """The record version of the first ClientHello may be 0x0301 (RFC 8446 §5.1)."""
    return raw_exchange(port, record(HANDSHAKE, client_hello(), version=0x0301))


# ---------------------------------------------------------------------------------
# ClientHello: malformed, duplicate and oversized extensions


@case
def duplicate_supported_groups(port):
    return hello_exchange(port, **with_exts(
        lambda e: e + [(wire.EXT_SUPPORTED_GROUPS, vec16(u16_list([X25519])))]))


@case
def duplicate_key_share_extension(port):
    return hello_exchange(port, **with_exts(lambda e: e + [e[-1]]))


@case
def duplicate_unknown_extension(port):
    return hello_exchange(port, **with_exts(
        lambda e: [(0x1234, b"a"), (0x1234, b"b")] + e))


@case
def extension_length_overruns_block(port):
    """The last extension claims 200 bytes; 4 remain in the block."""
    exts = wire.default_extensions()
    inner = b"".join(u16(t) + vec16(b) for t, b in exts)
    inner += u16(0x7777) + u16(200) + b"abcd"
    return hello_exchange(port, raw_extensions=vec16(inner))


@case
def extensions_block_longer_than_message(port):
    exts = wire.encode_extensions(wire.default_extensions())
    return hello_exchange(port, raw_extensions=u16(len(exts) + 50) + exts[2:])


@case
def trailing_bytes_after_extensions(port):
    return hello_exchange(port,
                          raw_extensions=wire.encode_extensions(
                              wire.default_extensions()) + b"\x00\x00\x00")


@case
def supported_groups_odd_length(port):
    return hello_exchange(port, **with_exts(
        lambda e: replace_ext(e, wire.EXT_SUPPORTED_GROUPS, vec16(b"\x00\x1d\x00"))))


@case
def supported_groups_inner_length_wrong(port):
    return hello_exchange(port, **with_exts(
        lambda e: replace_ext(e, wire.EXT_SUPPORTED_GROUPS,
                              u16(10) + u16_list([X25519, SECP256R1]))))


@case
def key_share_entry_overruns(port):
    """One key share entry claims 64 bytes of key; 32 follow."""
    body = u16(X25519) + u16(64) + wire.x25519_share()
    return hello_exchange(port, **with_exts(
        lambda e: replace_ext(e, wire.EXT_KEY_SHARE, vec16(body))))


@case
def supported_versions_empty(port):
    return hello_exchange(port, **with_exts(
        lambda e: replace_ext(e, wire.EXT_SUPPORTED_VERSIONS, vec8(b""))))


@case
def signature_algorithms_odd_length(port):
    return hello_exchange(port, **with_exts(
        lambda e: replace_ext(e, wire.EXT_SIGNATURE_ALGORITHMS, vec16(b"\x04\x03\x08"))))


@case
def server_name_malformed(port):
    return hello_exchange(port, **with_exts(
        lambda e: replace_ext(e, wire.EXT_SERVER_NAME, vec16(b"\x00" + u16(50) + b"x"))))


@case
def oversized_handshake_length(port):
    """A handshake header announcing a 16 MiB ClientHello: the server must not wait for
    (or buffer) 16 MiB."""
    body = wire.client_hello_body()
    return raw_exchange(port, record(HANDSHAKE, b"\x01\xff\xff\xff" + body))


# ---------------------------------------------------------------------------------
# ClientHello: compression, SSLv2, versions, cipher suites


@case
def no_null_compression_tls13(port):
    return hello_exchange(port, compression=b"\x01")


@case
def deflate_and_null_compression_tls13(port):
    """TLS 1.3 requires exactly one compression method, null (RFC 8446 §4.1.2)."""
    return hello_exchange(port, compression=b"\x01\x00")


@case
def no_null_compression_tls12(port):
    return hello_exchange(port, compression=b"\x01",
                          extensions=wire.default_extensions(key_shares=[], versions=None))


@case
def sslv2_client_hello(port):
    """An SSL 2.0-format CLIENT-HELLO (RFC 6101 Appendix E.2 layout) offering TLS 1.2."""
    suites = b"".join(b"\x00" + u16(s) for s in [0xC02F, 0x009C, 0x002F])
    challenge = os.urandom(16)
    body = b"\x01" + u16(0x0303) + u16(len(suites)) + u16(0) + u16(len(challenge))
    body += suites + challenge
    return raw_exchange(port, u16(0x8000 | len(body)) + body)


@case
def only_unknown_versions(port):
    return hello_exchange(port, **with_exts(
        lambda e: replace_ext(e, wire.EXT_SUPPORTED_VERSIONS,
                              vec8(u16_list([0x0305, 0x7F1C, 0x0A0A])))))


@case
def ssl3_client_hello(port):
    return hello_exchange(port, legacy_version=0x0300, suites=[0x002F, 0x0035],
                          extensions=wire.default_extensions(key_shares=[], versions=None))


@case
def tls10_client_hello(port):
    return hello_exchange(port, legacy_version=0x0301, suites=[0xC013, 0x002F],
                          extensions=wire.default_extensions(key_shares=[], versions=None))


@case
def empty_cipher_suites(port):
    return hello_exchange(port, suites=[])


@case
def odd_cipher_suites_length(port):
    body = bytearray(wire.client_hello_body(suites=[0x1301, 0x1302]))
    # legacy_version(2) random(32) session id(1+32): then the suites' length, 4 -> 3.
    body[67:69] = u16(3)
    return raw_exchange(port, record(HANDSHAKE, wire.handshake(1, bytes(body))))


@case
def only_unknown_cipher_suites(port):
    return hello_exchange(port, suites=[0x0A0A, 0x1234, 0xFEFE])


# ---------------------------------------------------------------------------------
# Key shares


def key_share_case(port, group, share, groups=None):
    def edit(exts):
        if groups is not None:
            exts = replace_ext(exts, wire.EXT_SUPPORTED_GROUPS, vec16(u16_list(groups)))
        return replace_ext(exts, wire.EXT_KEY_SHARE,
                           vec16(wire.key_share_entry(group, share)))
    return hello_exchange(port, **with_exts(edit))


@case
def p256_point_off_curve(port):
    return key_share_case(port, SECP256R1, wire.ec_share_off_curve())


@case
def p256_point_at_infinity(port):
    """The identity, encoded as the single byte 0 (SEC 1 §2.3.3)."""
    return key_share_case(port, SECP256R1, b"\x00")


@case
def p256_compressed_point(port):
    """TLS 1.3 allows only the uncompressed form (RFC 8446 §4.2.8.2)."""
    share = wire.ec_share()
    return key_share_case(port, SECP256R1, bytes([2 + (share[-1] & 1)]) + share[1:33])


@case
def p256_coordinates_out_of_range(port):
    """x = y = p: both coordinates are not reduced modulo p."""
    p = wire.ecdsa.NIST256p.curve.p().to_bytes(32, "big")
    return key_share_case(port, SECP256R1, b"\x04" + p + p)


@case
def p384_point_off_curve(port):
    return key_share_case(port, SECP384R1, wire.ec_share_off_curve(wire.ecdsa.NIST384p))


@case
def x25519_all_zero_share(port):
    """u = 0: the shared secret is all zero (RFC 8446 §7.4.2, RFC 7748 §6.1)."""
    return key_share_case(port, X25519, bytes(32))


@case
def x25519_low_order_point(port):
    """u = 1, a point of small order: the shared secret is all zero."""
    return key_share_case(port, X25519, b"\x01" + bytes(31))


@case
def x25519_non_canonical_zero(port):
    """u = 2^255 - 19 = p, the non-canonical encoding of 0: the result is all zero."""
    p = (2 ** 255 - 19).to_bytes(32, "little")
    return key_share_case(port, X25519, p)


@case
def x25519_share_too_short(port):
    return key_share_case(port, X25519, wire.x25519_share()[:31])


@case
def key_share_for_group_not_in_supported_groups(port):
    return key_share_case(port, SECP384R1, wire.ec_share(wire.ecdsa.NIST384p),
                          groups=[X25519, SECP256R1])


@case
def two_key_shares_for_one_group(port):
    body = (wire.key_share_entry(X25519, wire.x25519_share()) +
            wire.key_share_entry(X25519, wire.x25519_share()))
    return hello_exchange(port, **with_exts(
        lambda e: replace_ext(e, wire.EXT_KEY_SHARE, vec16(body))))


# TLS 1.2 ECDHE: the ClientKeyExchange point.

def bad_ecdhe_cke(port, curves, share_len, make_bad):
    """The server's certificate is P-256, so tlslite-ng must offer secp256r1 even when the
    case wants x25519 (which lucid prefers); `share_len` checks which curve was agreed."""
    orig = tls_kx.AECDHKeyExchange.makeClientKeyExchange
    agreed = {}

    def patched(self):
        agreed["len"] = len(self.ecdhYc)
        if agreed["len"] == share_len:
            self.ecdhYc = make_bad()
        return orig(self)

    with Patch((tls_kx.AECDHKeyExchange, "makeClientKeyExchange", patched)):
        result = run_tls(port, settings12(**MODERN12, curves=curves))
    if agreed.get("len") != share_len:
        return {"outcome": "other",
                "detail": "the server agreed on another curve (share of %s bytes)"
                % agreed.get("len")}
    return result


@case
def tls12_ecdhe_x25519_all_zero(port):
    return bad_ecdhe_cke(port, ["x25519", "secp256r1"], 32, lambda: bytearray(32))


@case
def tls12_ecdhe_p256_off_curve(port):
    return bad_ecdhe_cke(port, ["secp256r1"], 65,
                         lambda: bytearray(wire.ec_share_off_curve()))


@case
def tls12_ecdhe_p256_point_at_infinity(port):
    return bad_ecdhe_cke(port, ["secp256r1"], 65, lambda: bytearray(b"\x00"))


# TLS 1.2 DHE: the client's Y (RFC 7919 §3: 1 < Y < p - 1, else illegal_parameter).

def bad_dhe_y(port, make_y):
    orig_process = tls_kx.ADHKeyExchange.processServerKeyExchange
    orig_make = tls_kx.ADHKeyExchange.makeClientKeyExchange

    def process(self, srv_public_key, ske):
        self.hostile_p = ske.dh_p
        return orig_process(self, srv_public_key, ske)

    def make(self):
        self.dh_Yc = make_y(self.hostile_p)
        return orig_make(self)

    with Patch((tls_kx.ADHKeyExchange, "processServerKeyExchange", process),
               (tls_kx.ADHKeyExchange, "makeClientKeyExchange", make)):
        return run_tls(port, settings12(**DHE12))


@case
def control_dhe(port):
    return run_tls(port, settings12(**DHE12))


@case
def dhe_y_is_one(port):
    return bad_dhe_y(port, lambda p: 1)


@case
def dhe_y_is_p_minus_one(port):
    return bad_dhe_y(port, lambda p: p - 1)


@case
def dhe_y_is_zero(port):
    return bad_dhe_y(port, lambda p: 0)


@case
def dhe_y_is_p(port):
    return bad_dhe_y(port, lambda p: p)


# TLS 1.2 RSA key transport: a bad PKCS#1 v1.5 block must not be told apart from a good
# one (Bleichenbacher, ROBOT): no alert at the ClientKeyExchange; the handshake fails later
# because the client's Finished does not decrypt under the server's (random) keys.

def bad_rsa_cke(port, build_block):
    def process(self, srv_public_key, ske):
        pms = bytearray(os.urandom(48))
        pms[0], pms[1] = self.clientHello.client_version
        k = len(srv_public_key)  # modulus length in bits
        block = build_block(bytes(pms), (k + 7) // 8)
        self.encPremasterSecret = srv_public_key._raw_public_key_op_bytes(
            bytearray(block))
        return pms

    with Patch((tls_kx.RSAKeyExchange, "processServerKeyExchange", process)):
        return run_tls(port, settings12(**RSA12))


def nonzero(n):
    return bytes((b % 255) + 1 for b in os.urandom(n))


def pkcs1_block(message, k, block_type=b"\x02", separator=b"\x00"):
    return b"\x00" + block_type + nonzero(k - 3 - len(message)) + separator + message


@case
def control_rsa_kx(port):
    return bad_rsa_cke(port, pkcs1_block)


@case
def rsa_kx_wrong_block_type(port):
    return bad_rsa_cke(port, lambda pms, k: pkcs1_block(pms, k, block_type=b"\x01"))


@case
def rsa_kx_no_zero_separator(port):
    return bad_rsa_cke(port, lambda pms, k: b"\x00\x02" + nonzero(k - 2))


@case
def rsa_kx_premaster_too_short(port):
    return bad_rsa_cke(port, lambda pms, k: pkcs1_block(pms[:47], k))


@case
def rsa_kx_wrong_premaster_version(port):
    return bad_rsa_cke(port, lambda pms, k: pkcs1_block(b"\x03\x02" + pms[2:], k))


# ---------------------------------------------------------------------------------
# CBC records: bad padding, bad MAC (RFC 5246 §6.2.3.2, RFC 7366 §3: bad_record_mac)

def cbc_case(port, corruption, etm):
    state = {"armed": False}
    orig_padding = tls_recordlayer.RecordLayer.addPadding
    orig_mac = tls_recordlayer.RecordLayer.calculateMAC

    def add_padding(self, data):
        if state["armed"] and corruption == "padding":
            state["armed"] = False
            padded = bytearray(orig_padding(self, data))
            pad = padded[-1]
            if pad == 0:  # no room for a wrong byte: use a full extra block instead
                padded = bytearray(data) + bytearray([16] * 17)
                pad = 16
            padded[-1 - pad] ^= 0x01  # first padding byte differs from the length byte
            return padded
        return orig_padding(self, data)

    def calculate_mac(self, mac, seq, content_type, data):
        out = orig_mac(self, mac, seq, content_type, data)
        if state["armed"] and corruption == "mac":
            state["armed"] = False
            out = bytearray(out)
            out[0] ^= 0x01
        return out

    def attack(conn):
        if not conn.encryptThenMAC == etm:
            return {"outcome": "other",
                    "detail": "encrypt_then_mac negotiated: %s" % conn.encryptThenMAC}
        state["armed"] = True
        conn.write(b"0123456789abc")  # 13 bytes + 32 of MAC: 3 bytes of padding
        return None

    with Patch((tls_recordlayer.RecordLayer, "addPadding", add_padding),
               (tls_recordlayer.RecordLayer, "calculateMAC", calculate_mac)):
        return run_tls(port, settings12(**CBC12, etm=etm), after_handshake=attack)


@case
def control_cbc_mac_then_encrypt(port):
    return run_tls(port, settings12(**CBC12, etm=False))


@case
def control_cbc_encrypt_then_mac(port):
    return run_tls(port, settings12(**CBC12, etm=True))


@case
def cbc_bad_padding(port):
    return cbc_case(port, "padding", etm=False)


@case
def cbc_bad_mac(port):
    return cbc_case(port, "mac", etm=False)


@case
def cbc_etm_bad_padding(port):
    return cbc_case(port, "padding", etm=True)


@case
def cbc_etm_bad_mac(port):
    return cbc_case(port, "mac", etm=True)


@case
def cbc_ciphertext_not_block_aligned(port):
    """A CBC record whose ciphertext is not a multiple of the block size."""
    def attack(conn):
        body = os.urandom(16 + 16 * 3 + 5)  # IV, three blocks, and 5 stray bytes
        wire.send_all(conn.raw_sock, record(APPLICATION_DATA, body))
        return None
    return run_tls(port, settings12(**CBC12, etm=False), after_handshake=attack)


# ---------------------------------------------------------------------------------
# Finished


def bad_finished(port, settings):
    orig = tls_messages.Finished.create

    def create(self, verify_data):
        verify_data = bytearray(verify_data)
        verify_data[-1] ^= 0x01
        return orig(self, verify_data)

    with Patch((tls_messages.Finished, "create", create)):
        return run_tls(port, settings, after_handshake=lambda conn: None)


@case
def tls13_wrong_finished(port):
    return bad_finished(port, settings13())


@case
def tls12_wrong_finished(port):
    return bad_finished(port, settings12(**MODERN12))


# ---------------------------------------------------------------------------------
# ChangeCipherSpec at the wrong time


@case
def ccs_before_client_hello(port):
    """RFC 8446 §5: a CCS before the first ClientHello is an unexpected record."""
    return raw_exchange(port, record(CHANGE_CIPHER_SPEC, b"\x01") +
                        record(HANDSHAKE, client_hello()))


@case
def tls13_ccs_with_wrong_value(port):
    """RFC 8446 §5: a CCS whose byte is not 1 is unexpected_message."""
    orig = ChangeCipherSpec.write

    def write(self):
        self.type = 2
        return orig(self)

    with Patch((ChangeCipherSpec, "write", write)):
        return run_tls(port, settings13(), after_handshake=lambda conn: None)


@case
def tls13_ccs_after_handshake(port):
    """RFC 8446 §5: a CCS after the peer's Finished is unexpected_message."""
    def attack(conn):
        wire.send_all(conn.raw_sock, record(CHANGE_CIPHER_SPEC, b"\x01"))
    return run_tls(port, settings13(), after_handshake=attack)


@case
def tls12_ccs_before_client_key_exchange(port):
    """The early-CCS attack (CVE-2014-0224): CCS right after the server's flight."""
    sock = wire.connect(HOST, port, TIMEOUT)
    try:
        hello = client_hello(suites=wire.TLS12_ECDHE_AEAD_SUITES,
                             extensions=wire.default_extensions(key_shares=[],
                                                                versions=None))
        wire.send_all(sock, record(HANDSHAKE, hello))
        seen = drain_until_idle(sock)
        if 14 not in seen:
            return {"outcome": "other", "detail": "no ServerHelloDone, saw %s" % seen}
        wire.send_all(sock, record(CHANGE_CIPHER_SPEC, b"\x01"))
        return wire.observe(sock, TIMEOUT)
    finally:
        sock.close()


@case
def tls12_ccs_after_handshake(port):
    """A second CCS, protected under the traffic keys as every TLS 1.2 record is once the
    first CCS took effect (RFC 5246 §6.1): unexpected_message."""
    def attack(conn):
        send_record_via(conn, CHANGE_CIPHER_SPEC, b"\x01")
    return run_tls(port, settings12(**MODERN12), after_handshake=attack)


@case
def tls12_plaintext_ccs_after_handshake(port):
    def attack(conn):
        wire.send_all(conn.raw_sock, record(CHANGE_CIPHER_SPEC, b"\x01"))
    return run_tls(port, settings12(**MODERN12), after_handshake=attack)


# ---------------------------------------------------------------------------------
# Renegotiation


@case
def tls12_client_initiated_renegotiation(port):
    """A ClientHello after a TLS 1.2 handshake: lucid never renegotiates, so it answers with
    a no_renegotiation warning (RFC 5246 §7.4.1.2) and the connection stays up."""
    def attack(conn):
        hello = client_hello(suites=wire.TLS12_ECDHE_AEAD_SUITES,
                             extensions=wire.default_extensions(key_shares=[], versions=None))
        send_record_via(conn, HANDSHAKE, hello)
        # Read below tlslite-ng's alert handling (which would close on any alert).
        typ, payload = recv_decrypted(conn)
        if typ != ALERT or len(payload) != 2:
            return {"outcome": "other", "detail": "record type %d: %s" % (typ, payload.hex())}
        send_record_via(conn, APPLICATION_DATA, b"still there?\n")
        typ2, echo = recv_decrypted(conn)
        return {"outcome": "alert",
                "level": {1: "warning", 2: "fatal"}.get(payload[0], str(payload[0])),
                "description": wire.alert_name(payload[1]),
                "after": "echo" if (typ2, echo) == (APPLICATION_DATA, b"still there?\n")
                else "no_echo"}
    return run_tls(port, settings12(**MODERN12), after_handshake=attack)


@case
def tls13_client_hello_after_handshake(port):
    """RFC 8446 §4.1.2: TLS 1.3 has no renegotiation; a ClientHello after the handshake is
    unexpected_message."""
    def attack(conn):
        send_record_via(conn, HANDSHAKE, client_hello())
    return run_tls(port, settings13(), after_handshake=attack)


# ---------------------------------------------------------------------------------
# Alerts, heartbeat and unknown content types


@case
def fatal_alert_instead_of_client_hello(port):
    return raw_exchange(port, wire.alert(2, AlertDescription.handshake_failure))


@case
def close_notify_instead_of_client_hello(port):
    return raw_exchange(port, wire.alert(1, AlertDescription.close_notify))


@case
def alert_with_three_bytes(port):
    return raw_exchange(port, record(ALERT, b"\x02\x28\x00"))


def alert_after_server_flight(port, hello, description):
    sock = wire.connect(HOST, port, TIMEOUT)
    try:
        wire.send_all(sock, record(HANDSHAKE, hello))
        drain_until_idle(sock)
        wire.send_all(sock, wire.alert(2, description))
        return wire.observe(sock, TIMEOUT)
    finally:
        sock.close()


@case
def tls13_plaintext_alert_after_server_flight(port):
    """A client that cannot use the ServerHello (say, its key share) has no keys yet and
    sends its alert in plaintext; the server must take it as the end of the connection,
    not answer an alert with an alert (RFC 8446 §6; OpenSSL and tlslite-ng accept such
    alerts)."""
    return alert_after_server_flight(port, client_hello(),
                                     AlertDescription.illegal_parameter)


@case
def tls12_fatal_alert_after_server_hello_done(port):
    """A TLS 1.2 client rejecting the certificate: a plaintext fatal alert. Silent close."""
    hello = client_hello(suites=wire.TLS12_ECDHE_AEAD_SUITES,
                         extensions=wire.default_extensions(key_shares=[], versions=None))
    return alert_after_server_flight(port, hello, AlertDescription.bad_certificate)


@case
def tls13_fatal_alert_after_handshake(port):
    def attack(conn):
        send_record_via(conn, ALERT, b"\x02\x50")  # internal_error
    return run_tls(port, settings13(), after_handshake=attack)


@case
def tls12_warning_alert_after_handshake(port):
    """A TLS 1.2 warning alert other than close_notify does not end the connection."""
    def attack(conn):
        send_record_via(conn, ALERT, b"\x01\x5a")  # user_canceled, warning
        conn.write(b"still there?\n")
        got = conn.read()
        if bytes(got) == b"still there?\n":
            return {"outcome": "handshake_ok", "version": "TLSv1.2",
                    "cipher": conn.getCipherName()}
        return {"outcome": "other", "detail": "got %r" % bytes(got)}
    return run_tls(port, settings12(**MODERN12), after_handshake=attack)


@case
def heartbeat_record_before_client_hello(port):
    """A heartbeat request (RFC 6520, the Heartbleed shape: claims 16 KiB, carries 1)."""
    return raw_exchange(port, record(HEARTBEAT, b"\x01\x40\x00" + b"x" + bytes(16)))


@case
def heartbeat_extension_in_client_hello(port):
    """Heartbeat is not supported: its extension is ignored like any unknown one."""
    return hello_exchange(port, **with_exts(
        lambda e: e + [(wire.EXT_HEARTBEAT, b"\x01")]))


@case
def tls13_heartbeat_after_handshake(port):
    def attack(conn):
        send_record_via(conn, HEARTBEAT, b"\x01\x40\x00x" + bytes(16))
    return run_tls(port, settings13(), after_handshake=attack)


@case
def tls12_heartbeat_after_handshake(port):
    def attack(conn):
        send_record_via(conn, HEARTBEAT, b"\x01\x40\x00x" + bytes(16))
    return run_tls(port, settings12(**MODERN12), after_handshake=attack)


@case
def unknown_content_type_before_client_hello(port):
    return raw_exchange(port, record(99, b"hello"))


@case
def tls13_unknown_inner_content_type(port):
    def attack(conn):
        send_record_via(conn, 99, b"hello")
    return run_tls(port, settings13(), after_handshake=attack)


@case
def application_data_before_client_hello(port):
    return raw_exchange(port, record(APPLICATION_DATA, b"GET / HTTP/1.0\r\n\r\n"))


@case
def empty_handshake_record(port):
    """RFC 8446 §5.1: zero-length handshake fragments are forbidden."""
    return raw_exchange(port, record(HANDSHAKE, b"") + record(HANDSHAKE, client_hello()))


# ---------------------------------------------------------------------------------
# Record sizes


@case
def plaintext_record_of_2_14_plus_1(port):
    msg = client_hello(extensions=wire.default_extensions() + [(0x7777, bytes(17000))])
    return raw_exchange(port, record(HANDSHAKE, msg[:2 ** 14 + 1]))


@case
def record_header_claiming_65535_bytes(port):
    """Only the header: the server must refuse on the header, not wait for 64 KiB."""
    return raw_exchange(port, record_header(HANDSHAKE, 0xFFFF))


@case
def tls13_record_of_2_14_exactly(port):
    """Control: a full-size record is fine and echoed back."""
    def attack(conn):
        send_record_via(conn, APPLICATION_DATA, b"y" * 2 ** 14)
        got = b""
        while len(got) < 2 ** 14:
            chunk = conn.read()
            if not chunk:
                break
            got += bytes(chunk)
        if got == b"y" * 2 ** 14:
            return {"outcome": "handshake_ok", "version": "TLSv1.3",
                    "cipher": conn.getCipherName()}
        return {"outcome": "other", "detail": "echo of %d bytes" % len(got)}
    return run_tls(port, settings13(), after_handshake=attack)


@case
def tls13_inner_plaintext_of_2_14_plus_1(port):
    """Content of 2^14 + 1 bytes: TLSInnerPlaintext exceeds 2^14 + 1 (RFC 8446 §5.4)."""
    def attack(conn):
        send_record_via(conn, APPLICATION_DATA, b"z" * (2 ** 14 + 1))
    return run_tls(port, settings13(), after_handshake=attack)


@case
def tls13_ciphertext_over_2_14_plus_256(port):
    def attack(conn):
        send_record_via(conn, APPLICATION_DATA, b"z" * (2 ** 14 + 256))
    return run_tls(port, settings13(), after_handshake=attack)


@case
def tls12_aead_plaintext_of_2_14_plus_1(port):
    def attack(conn):
        send_record_via(conn, APPLICATION_DATA, b"z" * (2 ** 14 + 1))
    return run_tls(port, settings12(**MODERN12), after_handshake=attack)


@case
def tls12_cbc_plaintext_of_2_14_plus_1(port):
    def attack(conn):
        send_record_via(conn, APPLICATION_DATA, b"z" * (2 ** 14 + 1))
    return run_tls(port, settings12(**CBC12, etm=False), after_handshake=attack)


# ---------------------------------------------------------------------------------
# Handshake messages split into 1-byte records


class OneByteHandshake(TLSConnection):
    """Sends every handshake message as a run of 1-byte records."""

    def _sendMsg(self, msg, randomizeFirstBlock=True, update_hashes=True):
        if msg.contentType != ContentType.handshake:
            yield from super()._sendMsg(msg, randomizeFirstBlock, update_hashes)
            return
        saved = self._user_record_limit
        self._user_record_limit = 1
        try:
            yield from super()._sendMsg(msg, randomizeFirstBlock, update_hashes)
        finally:
            self._user_record_limit = saved


@case
def tls13_one_byte_handshake_records(port):
    return run_tls(port, settings13(), conn_class=OneByteHandshake)


@case
def tls12_one_byte_handshake_records(port):
    return run_tls(port, settings12(**MODERN12), conn_class=OneByteHandshake)


@case
def tls12_cbc_one_byte_handshake_records(port):
    return run_tls(port, settings12(**CBC12, etm=False), conn_class=OneByteHandshake)


# ---------------------------------------------------------------------------------
# A peer that stops


@case
def stop_in_record_header(port):
    return raw_exchange(port, record(HANDSHAKE, client_hello())[:3], shut_write=True)


@case
def stop_in_record_body(port):
    return raw_exchange(port, record(HANDSHAKE, client_hello())[:60], shut_write=True)


@case
def stop_in_handshake_message(port):
    """A complete record carrying the first half of a ClientHello, then EOF."""
    msg = client_hello()
    return raw_exchange(port, record(HANDSHAKE, msg[:len(msg) // 2]), shut_write=True)


@case
def stalled_peer_does_not_block_others(port):
    """A client sends half a record and then nothing, keeping the connection open. A
    second client must still get its handshake done meanwhile."""
    stalled = wire.connect(HOST, port, TIMEOUT)
    try:
        wire.send_all(stalled, record(HANDSHAKE, client_hello())[:60])
        time.sleep(0.3)
        result = run_tls(port, settings13())
        if result["outcome"] == "handshake_ok":
            return {"outcome": "handshake_ok", "version": result["version"],
                    "cipher": result["cipher"], "while": "stalled"}
        result["while"] = "stalled"
        return result
    finally:
        stalled.close()


# ---------------------------------------------------------------------------------


def format_result(result):
    parts = []
    for key, value in result.items():
        value = str(value).replace("\n", " ")
        if " " in value and key != "detail":
            value = value.replace(" ", "_")
        parts.append("%s=%s" % (key, value))
    # detail (free text) last, so it may contain spaces
    parts.sort(key=lambda p: p.startswith("detail="))
    return "RESULT " + " ".join(parts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int)
    parser.add_argument("--list", action="store_true")
    parser.add_argument("case", nargs="?")
    args = parser.parse_args()
    if args.list:
        print("\n".join(CASES))
        return 0
    if args.case not in CASES or args.port is None:
        parser.error("need --port and one of: " + ", ".join(CASES))
    try:
        result = CASES[args.case](args.port)
    except Exception as e:  # report, do not hide: the Rust side shows it
        result = {"outcome": "error", "detail": "%s: %s" % (type(e).__name__, e)}
        import traceback
        traceback.print_exc()
    print(format_result(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
