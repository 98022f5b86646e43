#!/usr/bin/env bash
# Generates the TLS material of the in-repo test API server (test/apiserver):
#   ca.crt / ca.key          test CA that the generated kubeconfig trusts
#   server.crt / server.key  serving certificate, SANs 127.0.0.1, ::1 and localhost
#   other-ca.crt / .key      an unrelated CA, used by the kubeconfig context
#                            "wrong-ca" so that TLS verification must fail
# Everything is valid for 100 years so that the committed output never expires.
# Keys are test-only and committed on purpose; nothing else trusts these CAs.
set -euo pipefail
out="${1:-$(cd "$(dirname "$0")/.." && pwd)/test/apiserver/certs}"
mkdir -p "$out"
cd "$out"
days=36500
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkca() { # name, subject
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$1.key" -out "$1.crt" -days "$days" -subj "$2" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

mkca ca "/CN=kubectl-procstatus test CA"
mkca other-ca "/CN=unrelated test CA"

openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout server.key -out "$tmp/server.csr" -subj "/CN=kube-apiserver" 2>/dev/null
cat > "$tmp/ext.cnf" <<CNF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost
CNF
openssl x509 -req -in "$tmp/server.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
  -CAserial "$tmp/ca.srl" -out server.crt -days "$days" -extfile "$tmp/ext.cnf" 2>/dev/null

chmod 0644 ./*.crt ./*.key
openssl verify -CAfile ca.crt server.crt
if openssl verify -CAfile other-ca.crt server.crt >/dev/null 2>&1; then
  echo "other-ca unexpectedly verifies the server certificate" >&2
  exit 1
fi
echo "wrote $(ls "$out" | tr '\n' ' ')in $out"
