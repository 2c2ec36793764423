#!/usr/bin/env bash
# Regenerates the fixed PKI the fuzz targets embed (run once; the output is committed).
# Afterwards rerun `cargo run --release --example make_corpus` in fuzz/: the recorded
# handshakes depend on these keys.
#
# CA: Ed25519. Leaves for "localhost": Ed25519 (deterministic signatures, so a replayed
# handshake verifies byte for byte) and RSA 2048 (TLS 1.2 RSA key transport, DHE_RSA and
# ECDHE_RSA; the fuzz provider signs with PKCS#1 v1.5 only, also deterministic). Client
# leaf for mutual TLS: Ed25519. Valid for 100 years from generation; the fuzz configs pin
# the clock to 2027-01-01.
set -euo pipefail
cd "$(dirname "$0")"
days=36500
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

openssl genpkey -algorithm ed25519 -out ca.key
openssl req -x509 -new -key ca.key -subj "/CN=lucidtls fuzz CA" -days $days -out ca.pem \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"

leaf() { # name keyalg-args subject ext
  local name=$1 subj=$2 ext=$3
  shift 3
  openssl genpkey "$@" -out "$name.key"
  openssl req -new -key "$name.key" -subj "$subj" -out "$tmp/$name.csr"
  printf '%s\n' "$ext" > "$tmp/$name.ext"
  openssl x509 -req -in "$tmp/$name.csr" -CA ca.pem -CAkey ca.key -set_serial "0x$(openssl rand -hex 8)" \
    -days $days -extfile "$tmp/$name.ext" -out "$name.pem"
}

server_ext='basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=DNS:localhost,IP:127.0.0.1'
client_ext='basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth'

leaf server-ed25519 "/CN=localhost" "$server_ext" -algorithm ed25519
leaf server-rsa "/CN=localhost" "$server_ext" -algorithm rsa -pkeyopt rsa_keygen_bits:2048
leaf client-ed25519 "/CN=lucidtls fuzz client" "$client_ext" -algorithm ed25519
for c in server-ed25519 server-rsa client-ed25519; do openssl verify -CAfile ca.pem "$c.pem"; done
