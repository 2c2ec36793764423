"""Raw TLS bytes for the hostile peer: records, ClientHellos, key shares, and a reader
that classifies what a server sends back.

Everything here is built by hand (struct packing), so a case can break any field. Key
material comes from tlslite-ng's own X25519 and from python-ecdsa (a tlslite-ng dependency):
independent of the library under test.
"""

import os
import socket
import struct
import time

import ecdsa
from tlslite.constants import AlertDescription
from tlslite.utils.x25519 import X25519_G, x25519

# Content types (RFC 8446 §5.1, RFC 6520 for heartbeat).
CHANGE_CIPHER_SPEC = 20
ALERT = 21
HANDSHAKE = 22
APPLICATION_DATA = 23
HEARTBEAT = 24

# Handshake types.
CLIENT_HELLO = 1
SERVER_HELLO = 2

# Extension code points.
EXT_SERVER_NAME = 0
EXT_SUPPORTED_GROUPS = 10
EXT_EC_POINT_FORMATS = 11
EXT_SIGNATURE_ALGORITHMS = 13
EXT_HEARTBEAT = 15
EXT_EXTENDED_MASTER_SECRET = 23
EXT_SUPPORTED_VERSIONS = 43
EXT_PSK_KEY_EXCHANGE_MODES = 45
EXT_KEY_SHARE = 51
EXT_RENEGOTIATION_INFO = 0xFF01

# Named groups.
SECP256R1 = 0x0017
SECP384R1 = 0x0018
X25519 = 0x001D

# The special random of a HelloRetryRequest (RFC 8446 §4.1.3).
HRR_RANDOM = bytes.fromhex(
    "CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C")

TLS13_SUITES = [0x1301, 0x1302, 0x1303]
TLS12_ECDHE_AEAD_SUITES = [0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8]
SIGNATURE_SCHEMES = [0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0807,
                     0x0401, 0x0501, 0x0601]


def u8(n):
    return struct.pack(">B", n)


def u16(n):
    return struct.pack(">H", n)


def u24(n):
    return struct.pack(">I", n)[1:]


def vec8(body):
    return u8(len(body)) + body


def vec16(body):
    return u16(len(body)) + body


def vec24(body):
    return u24(len(body)) + body


def u16_list(values):
    return b"".join(u16(v) for v in values)


def record(content_type, payload, version=0x0303):
    """One record: type, legacy version, 16-bit length, payload (no size checks)."""
    return u8(content_type) + u16(version) + u16(len(payload)) + payload


def record_header(content_type, length, version=0x0303):
    return u8(content_type) + u16(version) + u16(length)


def handshake(msg_type, body):
    return u8(msg_type) + vec24(body)


def alert(level, description):
    return record(ALERT, u8(level) + u8(description))


def alert_name(description):
    name = AlertDescription.toStr(description)
    return name if name else "alert_%d" % description


# ---------------------------------------------------------------------------------
# Key shares


def x25519_share():
    """A valid X25519 public key (32 bytes)."""
    return bytes(x25519(bytearray(os.urandom(32)), bytearray(X25519_G)))


def ec_share(curve=ecdsa.NIST256p):
    """A valid uncompressed point (0x04 || x || y) on `curve`."""
    size = curve.baselen
    k = 1 + int.from_bytes(os.urandom(size), "big") % (curve.order - 1)
    point = curve.generator * k
    return b"\x04" + point.x().to_bytes(size, "big") + point.y().to_bytes(size, "big")


def ec_share_off_curve(curve=ecdsa.NIST256p):
    """A valid point with y changed by one: well-formed, but not on the curve."""
    share = bytearray(ec_share(curve))
    size = curve.baselen
    y = (int.from_bytes(share[1 + size:], "big") + 1) % curve.curve.p()
    share[1 + size:] = y.to_bytes(size, "big")
    return bytes(share)


def key_share_entry(group, share):
    return u16(group) + vec16(share)


# ---------------------------------------------------------------------------------
# ClientHello


def default_extensions(key_shares=None, versions=(0x0304, 0x0303)):
    """The extensions of a plain TLS 1.3 + 1.2 ClientHello, as an ordered list of
    (type, body) pairs that cases edit."""
    if key_shares is None:
        key_shares = [(X25519, x25519_share())]
    host = b"localhost"
    exts = [
        (EXT_SERVER_NAME, vec16(u8(0) + vec16(host))),
        (EXT_SUPPORTED_GROUPS, vec16(u16_list([X25519, SECP256R1, SECP384R1]))),
        (EXT_EC_POINT_FORMATS, vec8(b"\x00")),
        (EXT_SIGNATURE_ALGORITHMS, vec16(u16_list(SIGNATURE_SCHEMES))),
        (EXT_EXTENDED_MASTER_SECRET, b""),
        (EXT_RENEGOTIATION_INFO, vec8(b"")),
    ]
    if versions:
        exts.append((EXT_SUPPORTED_VERSIONS, vec8(u16_list(versions))))
    if key_shares:
        exts.append((EXT_PSK_KEY_EXCHANGE_MODES, vec8(b"\x01")))
        exts.append((EXT_KEY_SHARE,
                     vec16(b"".join(key_share_entry(g, s) for g, s in key_shares))))
    return exts


def encode_extensions(exts):
    return vec16(b"".join(u16(t) + vec16(body) for t, body in exts))


def client_hello_body(legacy_version=0x0303, suites=None, compression=b"\x00",
                      extensions=None, session_id=None, raw_extensions=None):
    """A ClientHello body. `raw_extensions` (bytes) replaces the whole encoded extensions
    block, length included, for cases that break the block itself."""
    if suites is None:
        suites = TLS13_SUITES + TLS12_ECDHE_AEAD_SUITES
    if extensions is None:
        extensions = default_extensions()
    if session_id is None:
        session_id = os.urandom(32)
    body = u16(legacy_version) + os.urandom(32) + vec8(session_id)
    body += vec16(u16_list(suites)) + vec8(compression)
    body += raw_extensions if raw_extensions is not None else encode_extensions(extensions)
    return body


def client_hello(**kwargs):
    """A ClientHello handshake message (header included)."""
    return handshake(CLIENT_HELLO, client_hello_body(**kwargs))


def replace_ext(exts, ext_type, body):
    return [(t, body if t == ext_type else b) for t, b in exts]


def drop_ext(exts, ext_type):
    return [(t, b) for t, b in exts if t != ext_type]


# ---------------------------------------------------------------------------------
# Talking to the server


def connect(host, port, timeout):
    sock = socket.create_connection((host, port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def send_all(sock, data):
    """Sends everything; a reset (the server closed early) is not an error here: what the
    server answered is read afterwards."""
    try:
        sock.sendall(data)
        return True
    except (BrokenPipeError, ConnectionResetError):
        return False


def recv_exact(sock, n, deadline):
    buf = b""
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout()
        sock.settimeout(left)
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError(buf)
        buf += chunk
    return buf


def read_record(sock, deadline):
    """(type, version, payload) of the next record; raises EOFError, socket.timeout or
    ConnectionResetError."""
    header = recv_exact(sock, 5, deadline)
    typ, version, length = struct.unpack(">BHH", header)
    return typ, version, recv_exact(sock, length, deadline)


def wait_eof(sock, seconds):
    """What follows an alert: 'eof' when the server closes, 'reset', 'more' when it sends
    anything else, 'open' if it does neither within `seconds`."""
    deadline = time.monotonic() + seconds
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return "open"
            sock.settimeout(left)
            chunk = sock.recv(4096)
            if not chunk:
                return "eof"
            return "more"
    except socket.timeout:
        return "open"
    except ConnectionResetError:
        return "reset"


def parse_server_hello(payload):
    """The negotiated version of a ServerHello handshake record ('TLSv1.3'/'TLSv1.2'/...),
    'HelloRetryRequest' for an HRR, or None when the record does not start with one."""
    if len(payload) < 4 or payload[0] != SERVER_HELLO:
        return None
    body = payload[4:]
    if len(body) < 38:
        return None
    legacy = struct.unpack(">H", body[0:2])[0]
    random = body[2:34]
    if random == HRR_RANDOM:
        return "HelloRetryRequest"
    pos = 34
    sid_len = body[pos]
    pos += 1 + sid_len + 2 + 1
    version = legacy
    if pos + 2 <= len(body):
        ext_len = struct.unpack(">H", body[pos:pos + 2])[0]
        exts = body[pos + 2:pos + 2 + ext_len]
        i = 0
        while i + 4 <= len(exts):
            t, n = struct.unpack(">HH", exts[i:i + 4])
            if t == EXT_SUPPORTED_VERSIONS and n == 2:
                version = struct.unpack(">H", exts[i + 4:i + 6])[0]
            i += 4 + n
    return {0x0304: "TLSv1.3", 0x0303: "TLSv1.2", 0x0302: "TLSv1.1",
            0x0301: "TLSv1.0"}.get(version, "0x%04x" % version)


def observe(sock, timeout=5.0):
    """Reads the server's first answer and classifies it:

    - {'outcome': 'alert', 'level': ..., 'description': ..., 'after': 'eof'|...}
    - {'outcome': 'server_hello', 'version': 'TLSv1.3'|'TLSv1.2'|'HelloRetryRequest'}
    - {'outcome': 'protected_record', 'length': n} (an encrypted record, unreadable here)
    - {'outcome': 'close'} (EOF with nothing sent), {'outcome': 'reset'},
      {'outcome': 'timeout'}, or {'outcome': 'other', 'detail': ...}
    """
    deadline = time.monotonic() + timeout
    try:
        typ, _version, payload = read_record(sock, deadline)
    except EOFError as e:
        if e.args and e.args[0]:
            return {"outcome": "other", "detail": "eof mid-record after %d bytes"
                    % len(e.args[0])}
        return {"outcome": "close"}
    except socket.timeout:
        return {"outcome": "timeout"}
    except ConnectionResetError:
        return {"outcome": "reset"}
    if typ == ALERT and len(payload) == 2:
        return {"outcome": "alert",
                "level": {1: "warning", 2: "fatal"}.get(payload[0], str(payload[0])),
                "description": alert_name(payload[1]),
                "after": wait_eof(sock, 3.0)}
    if typ == HANDSHAKE:
        version = parse_server_hello(payload)
        if version is not None:
            return {"outcome": "server_hello", "version": version}
    if typ == APPLICATION_DATA:
        # Protected: 19 bytes is the size of a TLS 1.3 AEAD-protected alert (2 + 1 + 16).
        return {"outcome": "protected_record", "length": len(payload),
                "after": wait_eof(sock, 3.0)}
    return {"outcome": "other",
            "detail": "record type %d, %d bytes: %s" % (typ, len(payload),
                                                        payload[:16].hex())}
