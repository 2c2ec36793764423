#!/usr/bin/env python3
"""Cross-check crates/lucidtls/tests/data/rfc8448_simple.txt for self-consistency.

The data file holds the values of RFC 8448 ("Example Handshake Traces for TLS 1.3"),
section 3 "Simple 1-RTT Handshake", plus the section 2 RSA server key.  A transcription
error in any of them would make later tests fail in confusing ways, so this script
recomputes every derivable value from its inputs and compares:

  * lengths of every value (secrets 32, keys 16, IVs 12, messages as framed);
  * handshake-message and record framing;
  * X25519: public keys from private keys, the shared secret from both sides;
  * the whole TLS 1.3 key schedule (HKDF-Extract / HKDF-Expand-Label / Derive-Secret);
  * transcript hashes, finished keys, both Finished verify_data values;
  * AES-128-GCM: every protected record decrypts (tag verified) to the expected plaintext;
  * RSA: n = p*q, the CRT parameters, the certificate carries the modulus, and the
    CertificateVerify signature verifies (RSASSA-PSS, SHA-256, salt 32).

Only the Python standard library is used (hashlib, hmac); X25519, AES and GCM are
implemented here in a few lines each, from RFC 7748, FIPS-197 and NIST SP 800-38D.

Usage: python3 scripts/check_rfc8448.py [path/to/rfc8448_simple.txt]
Exit status 0 when every check passes, 1 otherwise.
"""

import hashlib
import hmac
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.join(HERE, "..", "crates", "lucidtls", "tests", "data", "rfc8448_simple.txt")

FAILURES = []
PASSES = 0


def check(what, ok, detail=""):
    global PASSES
    if ok:
        PASSES += 1
    else:
        FAILURES.append(what)
        print(f"FAIL: {what} {detail}")


def check_eq(what, got, want):
    check(what, got == want, f"\n  got  {got.hex() if isinstance(got, bytes) else got}"
                             f"\n  want {want.hex() if isinstance(want, bytes) else want}")


# ---------------------------------------------------------------------------- data file

def load(path):
    values = {}
    with open(path, encoding="ascii") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            name, sep, hexstr = line.partition("=")
            name, hexstr = name.strip(), hexstr.strip()
            if not sep or not name:
                raise SystemExit(f"{path}:{lineno}: expected `name = hex`")
            if name in values:
                raise SystemExit(f"{path}:{lineno}: duplicate name {name}")
            if len(hexstr) % 2 or any(c not in "0123456789abcdef" for c in hexstr):
                raise SystemExit(f"{path}:{lineno}: bad hex for {name}")
            values[name] = bytes.fromhex(hexstr)
    return values


# ---------------------------------------------------------------------------- HKDF (RFC 5869, RFC 8446 7.1)

def sha256(data):
    return hashlib.sha256(data).digest()


def hkdf_extract(salt, ikm):
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def hkdf_expand(prk, info, length):
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def hkdf_expand_label(secret, label, context, length):
    full = b"tls13 " + label.encode()
    info = length.to_bytes(2, "big") + bytes([len(full)]) + full + bytes([len(context)]) + context
    return hkdf_expand(secret, info, length)


def derive_secret(secret, label, transcript_hash):
    return hkdf_expand_label(secret, label, transcript_hash, 32)


# ---------------------------------------------------------------------------- X25519 (RFC 7748 section 5)

P25519 = 2**255 - 19


def x25519(scalar, u_bytes):
    k = bytearray(scalar)
    k[0] &= 248
    k[31] &= 127
    k[31] |= 64
    k = int.from_bytes(k, "little")
    x1 = int.from_bytes(u_bytes, "little") & ((1 << 255) - 1)
    x2, z2, x3, z3, swap = 1, 0, x1, 1, 0
    for t in reversed(range(255)):
        bit = (k >> t) & 1
        swap ^= bit
        if swap:
            x2, x3, z2, z3 = x3, x2, z3, z2
        swap = bit
        a, b = (x2 + z2) % P25519, (x2 - z2) % P25519
        aa, bb = a * a % P25519, b * b % P25519
        e = (aa - bb) % P25519
        c, d = (x3 + z3) % P25519, (x3 - z3) % P25519
        da, cb = d * a % P25519, c * b % P25519
        x3 = (da + cb) ** 2 % P25519
        z3 = x1 * (da - cb) ** 2 % P25519
        x2 = aa * bb % P25519
        z2 = e * (aa + 121665 * e) % P25519
    if swap:
        x2, z2 = x3, z3
    return (x2 * pow(z2, P25519 - 2, P25519) % P25519).to_bytes(32, "little")


# ---------------------------------------------------------------------------- AES-128 (FIPS-197)

def _xtime(a):
    a <<= 1
    return (a ^ 0x11B) if a & 0x100 else a


def _gmul(a, b):
    r = 0
    while b:
        if b & 1:
            r ^= a
        a = _xtime(a)
        b >>= 1
    return r


def _make_sbox():
    sbox = []
    for x in range(256):
        inv = 0 if x == 0 else next(y for y in range(1, 256) if _gmul(x, y) == 1)
        s = inv
        for shift in range(1, 5):
            s ^= ((inv << shift) | (inv >> (8 - shift))) & 0xFF
        sbox.append(s ^ 0x63)
    return sbox


SBOX = _make_sbox()


def aes128_expand(key):
    words = [list(key[i:i + 4]) for i in range(0, 16, 4)]
    rcon = 1
    for i in range(4, 44):
        t = list(words[i - 1])
        if i % 4 == 0:
            t = [SBOX[b] for b in t[1:] + t[:1]]
            t[0] ^= rcon
            rcon = _xtime(rcon)
        words.append([a ^ b for a, b in zip(words[i - 4], t)])
    return [sum(words[4 * r:4 * r + 4], []) for r in range(11)]


def aes128_encrypt_block(round_keys, block):
    s = [b ^ k for b, k in zip(block, round_keys[0])]
    for rnd in range(1, 11):
        s = [SBOX[b] for b in s]
        # ShiftRows: state is column-major, s[c*4 + r]
        s = [s[((c + r) % 4) * 4 + r] for c in range(4) for r in range(4)]
        if rnd != 10:
            mixed = []
            for c in range(4):
                a = s[4 * c:4 * c + 4]
                mixed += [
                    _gmul(a[0], 2) ^ _gmul(a[1], 3) ^ a[2] ^ a[3],
                    a[0] ^ _gmul(a[1], 2) ^ _gmul(a[2], 3) ^ a[3],
                    a[0] ^ a[1] ^ _gmul(a[2], 2) ^ _gmul(a[3], 3),
                    _gmul(a[0], 3) ^ a[1] ^ a[2] ^ _gmul(a[3], 2),
                ]
            s = mixed
        s = [b ^ k for b, k in zip(s, round_keys[rnd])]
    return bytes(s)


# ---------------------------------------------------------------------------- GCM (NIST SP 800-38D)

def _gf128_mul(x, y):
    r = 0xE1 << 120
    z, v = 0, y
    for i in range(127, -1, -1):
        if (x >> i) & 1:
            z ^= v
        v = (v >> 1) ^ r if v & 1 else v >> 1
    return z


def _ghash(h, aad, ct):
    def blocks(data):
        data = data + b"\x00" * (-len(data) % 16)
        return [int.from_bytes(data[i:i + 16], "big") for i in range(0, len(data), 16)]
    y = 0
    lens = ((8 * len(aad)) << 64) | (8 * len(ct))
    for b in blocks(aad) + blocks(ct) + [lens]:
        y = _gf128_mul(y ^ b, h)
    return y


def aes128_gcm_open(key, nonce, aad, ct_and_tag):
    """Returns the plaintext, or None when the tag does not verify."""
    if len(ct_and_tag) < 16:
        return None
    ct, tag = ct_and_tag[:-16], ct_and_tag[-16:]
    rk = aes128_expand(key)
    h = int.from_bytes(aes128_encrypt_block(rk, b"\x00" * 16), "big")
    j0 = nonce + b"\x00\x00\x00\x01"
    s = _ghash(h, aad, ct) ^ int.from_bytes(aes128_encrypt_block(rk, j0), "big")
    if not hmac.compare_digest(s.to_bytes(16, "big"), tag):
        return None
    out = bytearray()
    for i in range(0, len(ct), 16):
        ctr = nonce + (2 + i // 16).to_bytes(4, "big")
        ks = aes128_encrypt_block(rk, ctr)
        out += bytes(a ^ b for a, b in zip(ct[i:i + 16], ks))
    return bytes(out)


def tls13_open_record(key, iv, seq, record):
    """Decrypts a TLS 1.3 protected record; returns (content_type, content) or None."""
    header, body = record[:5], record[5:]
    if header[0] != 0x17 or header[1:3] != b"\x03\x03" or int.from_bytes(header[3:5], "big") != len(body):
        return None
    nonce = bytes(a ^ b for a, b in zip(iv, seq.to_bytes(12, "big")))
    inner = aes128_gcm_open(key, nonce, header, body)
    if inner is None:
        return None
    inner = inner.rstrip(b"\x00")
    return inner[-1], inner[:-1]


# ---------------------------------------------------------------------------- RSA-PSS (RFC 8017 9.1.2)

def mgf1_sha256(seed, length):
    out = b""
    counter = 0
    while len(out) < length:
        out += sha256(seed + counter.to_bytes(4, "big"))
        counter += 1
    return out[:length]


def rsa_pss_sha256_verify(n, e, message, signature, salt_len=32):
    mod_bits = n.bit_length()
    em_len = (mod_bits - 1 + 7) // 8
    s = int.from_bytes(signature, "big")
    if s >= n:
        return False
    em = pow(s, e, n).to_bytes(em_len, "big")
    m_hash = sha256(message)
    if em[-1] != 0xBC:
        return False
    masked_db, h = em[:em_len - 33], em[em_len - 33:-1]
    db = bytearray(a ^ b for a, b in zip(masked_db, mgf1_sha256(h, len(masked_db))))
    db[0] &= 0xFF >> (8 * em_len - (mod_bits - 1))
    ps_len = em_len - 32 - salt_len - 2
    if any(db[:ps_len]) or db[ps_len] != 0x01:
        return False
    salt = bytes(db[ps_len + 1:])
    return sha256(b"\x00" * 8 + m_hash + salt) == h


# ---------------------------------------------------------------------------- the checks

EXPECTED_LENGTHS = {
    32: ["client_x25519_private", "client_x25519_public", "server_x25519_private", "server_x25519_public",
         "client_random", "server_random", "empty_transcript_hash", "early_secret", "derived_for_handshake",
         "ecdhe_shared_secret", "handshake_secret", "transcript_hash_ch_sh", "client_handshake_traffic_secret",
         "server_handshake_traffic_secret", "derived_for_master", "master_secret", "server_finished_key",
         "server_finished_verify_data", "transcript_hash_ch_sf", "client_application_traffic_secret_0",
         "server_application_traffic_secret_0", "exporter_master_secret", "client_finished_key",
         "client_finished_verify_data", "transcript_hash_ch_cf", "resumption_master_secret", "resumption_psk"],
    16: ["server_handshake_key", "client_handshake_key", "server_application_key", "client_application_key"],
    12: ["server_handshake_iv", "client_handshake_iv", "server_application_iv", "client_application_iv"],
    196: ["client_hello"], 201: ["client_hello_record"], 90: ["server_hello"], 95: ["server_hello_record"],
    40: ["encrypted_extensions"], 445: ["certificate"], 432: ["server_certificate_der"],
    136: ["certificate_verify"], 36: ["server_finished", "client_finished"], 657: ["server_handshake_payload"],
    679: ["server_handshake_record"], 58: ["client_finished_record"], 205: ["new_session_ticket"],
    227: ["new_session_ticket_record"], 50: ["application_data"],
    72: ["client_application_data_record", "server_application_data_record"],
    24: ["client_alert_record", "server_alert_record"], 2: ["close_notify_alert", "ticket_nonce"],
    128: ["rsa_modulus", "rsa_private_exponent"], 3: ["rsa_public_exponent"],
    64: ["rsa_prime1", "rsa_prime2", "rsa_exponent1", "rsa_exponent2", "rsa_coefficient"],
}


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_DATA
    v = load(path)
    print(f"loaded {len(v)} values from {os.path.normpath(path)}")

    # -- self-tests of the primitives implemented above (published vectors)
    check_eq("AES-128 FIPS-197 C.1 self-test",
             aes128_encrypt_block(aes128_expand(bytes(range(16))), bytes.fromhex("00112233445566778899aabbccddeeff")),
             bytes.fromhex("69c4e0d86a7b0430d8cdb78070b4c55a"))
    check_eq("HKDF RFC 5869 A.1 self-test",
             hkdf_expand(hkdf_extract(bytes(range(13)), b"\x0b" * 22), bytes(range(0xf0, 0xfa)), 42),
             bytes.fromhex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"))

    # -- every expected name present, with the expected length
    for length, names in EXPECTED_LENGTHS.items():
        for name in names:
            check(f"present: {name}", name in v)
            if name in v:
                check_eq(f"length of {name}", len(v[name]), length)
    if FAILURES:
        return finish()

    def hs_framed(name, msg_type):
        m = v[name]
        check_eq(f"{name}: handshake type", m[0], msg_type)
        check_eq(f"{name}: handshake length field", int.from_bytes(m[1:4], "big"), len(m) - 4)

    hs_framed("client_hello", 1)
    hs_framed("server_hello", 2)
    hs_framed("new_session_ticket", 4)
    hs_framed("encrypted_extensions", 8)
    hs_framed("certificate", 11)
    hs_framed("certificate_verify", 15)
    hs_framed("server_finished", 20)
    hs_framed("client_finished", 20)

    ch, sh = v["client_hello"], v["server_hello"]
    check_eq("client_random is ClientHello.random", ch[6:38], v["client_random"])
    check_eq("server_random is ServerHello.random", sh[6:38], v["server_random"])
    check("ClientHello carries client_x25519_public", v["client_x25519_public"] in ch)
    check("ServerHello carries server_x25519_public", v["server_x25519_public"] in sh)
    check_eq("ServerHello cipher suite is TLS_AES_128_GCM_SHA256", sh[39:41], b"\x13\x01")
    check_eq("client_hello_record framing", v["client_hello_record"],
             b"\x16\x03\x01" + len(ch).to_bytes(2, "big") + ch)
    check_eq("server_hello_record framing", v["server_hello_record"],
             b"\x16\x03\x03" + len(sh).to_bytes(2, "big") + sh)
    check_eq("server_finished body is server_finished_verify_data", v["server_finished"][4:],
             v["server_finished_verify_data"])
    check_eq("client_finished body is client_finished_verify_data", v["client_finished"][4:],
             v["client_finished_verify_data"])
    ee, cert, cv, sfin, cfin = (v[n] for n in ("encrypted_extensions", "certificate", "certificate_verify",
                                               "server_finished", "client_finished"))
    check_eq("server_handshake_payload = EE||Certificate||CertificateVerify||Finished",
             v["server_handshake_payload"], ee + cert + cv + sfin)
    der = v["server_certificate_der"]
    check_eq("Certificate message = ctx(0) || list(entry(der, no extensions))", cert[4:],
             b"\x00" + (len(der) + 5).to_bytes(3, "big") + len(der).to_bytes(3, "big") + der + b"\x00\x00")

    # -- X25519
    base = (9).to_bytes(32, "little")
    check_eq("X25519(client_private, 9) = client_public", x25519(v["client_x25519_private"], base),
             v["client_x25519_public"])
    check_eq("X25519(server_private, 9) = server_public", x25519(v["server_x25519_private"], base),
             v["server_x25519_public"])
    check_eq("X25519(client_private, server_public) = ecdhe_shared_secret",
             x25519(v["client_x25519_private"], v["server_x25519_public"]), v["ecdhe_shared_secret"])
    check_eq("X25519(server_private, client_public) = ecdhe_shared_secret",
             x25519(v["server_x25519_private"], v["client_x25519_public"]), v["ecdhe_shared_secret"])

    # -- transcript hashes
    check_eq("empty_transcript_hash = SHA-256('')", sha256(b""), v["empty_transcript_hash"])
    check_eq("transcript_hash_ch_sh", sha256(ch + sh), v["transcript_hash_ch_sh"])
    check_eq("transcript_hash_ch_sf", sha256(ch + sh + ee + cert + cv + sfin), v["transcript_hash_ch_sf"])
    check_eq("transcript_hash_ch_cf", sha256(ch + sh + ee + cert + cv + sfin + cfin), v["transcript_hash_ch_cf"])

    # -- key schedule
    zeros = b"\x00" * 32
    check_eq("early_secret = HKDF-Extract(0, 0)", hkdf_extract(zeros, zeros), v["early_secret"])
    check_eq("derived_for_handshake = Derive-Secret(early, 'derived', '')",
             derive_secret(v["early_secret"], "derived", sha256(b"")), v["derived_for_handshake"])
    check_eq("handshake_secret = HKDF-Extract(derived_for_handshake, ecdhe)",
             hkdf_extract(v["derived_for_handshake"], v["ecdhe_shared_secret"]), v["handshake_secret"])
    th_sh = sha256(ch + sh)
    check_eq("client_handshake_traffic_secret",
             derive_secret(v["handshake_secret"], "c hs traffic", th_sh), v["client_handshake_traffic_secret"])
    check_eq("server_handshake_traffic_secret",
             derive_secret(v["handshake_secret"], "s hs traffic", th_sh), v["server_handshake_traffic_secret"])
    check_eq("derived_for_master = Derive-Secret(handshake, 'derived', '')",
             derive_secret(v["handshake_secret"], "derived", sha256(b"")), v["derived_for_master"])
    check_eq("master_secret = HKDF-Extract(derived_for_master, 0)",
             hkdf_extract(v["derived_for_master"], zeros), v["master_secret"])
    th_sf = sha256(ch + sh + ee + cert + cv + sfin)
    check_eq("client_application_traffic_secret_0",
             derive_secret(v["master_secret"], "c ap traffic", th_sf), v["client_application_traffic_secret_0"])
    check_eq("server_application_traffic_secret_0",
             derive_secret(v["master_secret"], "s ap traffic", th_sf), v["server_application_traffic_secret_0"])
    check_eq("exporter_master_secret",
             derive_secret(v["master_secret"], "exp master", th_sf), v["exporter_master_secret"])
    th_cf = sha256(ch + sh + ee + cert + cv + sfin + cfin)
    check_eq("resumption_master_secret",
             derive_secret(v["master_secret"], "res master", th_cf), v["resumption_master_secret"])
    nst = v["new_session_ticket"]
    nonce_len = nst[12]
    check_eq("ticket_nonce is the NewSessionTicket's nonce", nst[13:13 + nonce_len], v["ticket_nonce"])
    check_eq("resumption_psk = HKDF-Expand-Label(res_master, 'resumption', nonce, 32)",
             hkdf_expand_label(v["resumption_master_secret"], "resumption", v["ticket_nonce"], 32),
             v["resumption_psk"])

    for side, secret in (("server_handshake", "server_handshake_traffic_secret"),
                         ("client_handshake", "client_handshake_traffic_secret"),
                         ("server_application", "server_application_traffic_secret_0"),
                         ("client_application", "client_application_traffic_secret_0")):
        check_eq(f"{side}_key", hkdf_expand_label(v[secret], "key", b"", 16), v[f"{side}_key"])
        check_eq(f"{side}_iv", hkdf_expand_label(v[secret], "iv", b"", 12), v[f"{side}_iv"])

    # -- Finished
    check_eq("server_finished_key", hkdf_expand_label(v["server_handshake_traffic_secret"], "finished", b"", 32),
             v["server_finished_key"])
    check_eq("client_finished_key", hkdf_expand_label(v["client_handshake_traffic_secret"], "finished", b"", 32),
             v["client_finished_key"])
    th_cv = sha256(ch + sh + ee + cert + cv)
    check_eq("server verify_data = HMAC(server_finished_key, H(CH..CertificateVerify))",
             hmac.new(v["server_finished_key"], th_cv, hashlib.sha256).digest(), v["server_finished_verify_data"])
    check_eq("client verify_data = HMAC(client_finished_key, H(CH..server Finished))",
             hmac.new(v["client_finished_key"], th_sf, hashlib.sha256).digest(), v["client_finished_verify_data"])

    # -- protected records (AES-128-GCM, tag verified)
    records = [
        ("server_handshake_record", "server_handshake", 0, 22, v["server_handshake_payload"]),
        ("client_finished_record", "client_handshake", 0, 22, cfin),
        ("new_session_ticket_record", "server_application", 0, 22, nst),
        ("server_application_data_record", "server_application", 1, 23, v["application_data"]),
        ("server_alert_record", "server_application", 2, 21, v["close_notify_alert"]),
        ("client_application_data_record", "client_application", 0, 23, v["application_data"]),
        ("client_alert_record", "client_application", 1, 21, v["close_notify_alert"]),
    ]
    for rec, keys, seq, ctype, want in records:
        opened = tls13_open_record(v[f"{keys}_key"], v[f"{keys}_iv"], seq, v[rec])
        check(f"{rec} decrypts with {keys} key/iv, seq {seq} (GCM tag ok)", opened is not None)
        if opened is not None:
            check_eq(f"{rec} content type", opened[0], ctype)
            check_eq(f"{rec} plaintext", opened[1], want)
    check_eq("application_data = 00..31", v["application_data"], bytes(range(50)))

    # -- RSA key and CertificateVerify signature
    n = int.from_bytes(v["rsa_modulus"], "big")
    e = int.from_bytes(v["rsa_public_exponent"], "big")
    d = int.from_bytes(v["rsa_private_exponent"], "big")
    p = int.from_bytes(v["rsa_prime1"], "big")
    q = int.from_bytes(v["rsa_prime2"], "big")
    check_eq("rsa: n = p*q", p * q, n)
    check_eq("rsa: d*e = 1 mod lcm(p-1, q-1)", d * e % ((p - 1) * (q - 1) // _gcd(p - 1, q - 1)), 1)
    check_eq("rsa: exponent1 = d mod (p-1)", int.from_bytes(v["rsa_exponent1"], "big"), d % (p - 1))
    check_eq("rsa: exponent2 = d mod (q-1)", int.from_bytes(v["rsa_exponent2"], "big"), d % (q - 1))
    check_eq("rsa: coefficient = q^-1 mod p", int.from_bytes(v["rsa_coefficient"], "big"), pow(q, -1, p))
    check("certificate DER carries the RSA modulus and exponent",
          b"\x02\x81\x81\x00" + v["rsa_modulus"] + b"\x02\x03" + v["rsa_public_exponent"] in der)
    check_eq("CertificateVerify scheme is rsa_pss_rsae_sha256", cv[4:6], b"\x08\x04")
    check_eq("CertificateVerify signature length", int.from_bytes(cv[6:8], "big"), len(cv) - 8)
    signed = b"\x20" * 64 + b"TLS 1.3, server CertificateVerify\x00" + sha256(ch + sh + ee + cert)
    check("CertificateVerify RSA-PSS signature verifies", rsa_pss_sha256_verify(n, e, signed, cv[8:]))

    return finish()


def _gcd(a, b):
    while b:
        a, b = b, a % b
    return a


def finish():
    if FAILURES:
        print(f"\n{len(FAILURES)} check(s) FAILED, {PASSES} passed")
        return 1
    print(f"all {PASSES} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
