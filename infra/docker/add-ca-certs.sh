#!/bin/sh
# Trusts the extra CA certificates of the EXTRA_CA_CERTS build argument (PEM
# text; empty: none), for image builds behind a TLS-intercepting proxy. Run as
# root after the ca-certificates package is installed. One file per
# certificate: update-ca-certificates and the Java keystore hook
# (ca-certificates-java, where installed) read one certificate a file.
set -eu
[ -n "${EXTRA_CA_CERTS:-}" ] || exit 0
dir=/usr/local/share/ca-certificates/extra-build
mkdir -p "$dir"
printf '%s\n' "$EXTRA_CA_CERTS" | awk -v dir="$dir" '
  /-----BEGIN CERTIFICATE-----/ { n++; file = sprintf("%s/ca-%03d.crt", dir, n) }
  file { print > file }
  /-----END CERTIFICATE-----/ { close(file); file = "" }
  END { print "trusting " n + 0 " extra CA certificate(s)" }'
update-ca-certificates >/dev/null 2>&1
