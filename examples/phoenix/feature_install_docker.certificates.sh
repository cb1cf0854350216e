#!/bin/sh
# feature_install_docker.certificates.sh: the certificate block of
# feature_install_docker.sh, replaced. The guest no longer makes or requests
# certificates: certloop (on the hypervisor) keeps the Docker daemon's TLS
# triad on shared storage, and this copies it into /etc/docker/tls/ with
# certloop-install.sh: waits for it, checks the key matches, the chain
# verifies to ca.pem and it is not expired, and renames it into place.
#
# In feature_install_docker.sh, replace the block that generated or copied
# ca.pem/cert.pem/key.pem with:
#
#   sh "$(dirname "$0")/feature_install_docker.certificates.sh" \
#     || { log_error "Docker TLS certificates are not available"; exit 1; }
#
# and point daemon.json at the copies:
#   "tlsverify": true, "tlscacert": "/etc/docker/tls/ca.pem",
#   "tlscert": "/etc/docker/tls/cert.pem", "tlskey": "/etc/docker/tls/key.pem"
#
# Run by the feature (no argument): installs itself and certloop-install.sh
# into $CERTLOOP_BIN_DIR, so certloop's hook finds them, then copies.
# Run by certloop's hook (--restart): copies, then restarts Docker when the
# copy changed something (dockerd does not reload TLS files on SIGHUP).
#
# Exit codes are certloop-install.sh's: 0 ok, 1 not available after the wait, 3 usage.
set -eu

SHARED_DIR=${CERTLOOP_SHARED_DOCKER_CERTS:-/mnt/persistent/docker/certs}
DOCKER_TLS_DIR=${DOCKER_TLS_DIR:-/etc/docker/tls}
CERTLOOP_BIN_DIR=${CERTLOOP_BIN_DIR:-/usr/local/sbin}
CERTLOOP_WAIT=${CERTLOOP_WAIT:-300}
DOCKER_RESTART=${DOCKER_RESTART:-systemctl restart docker}

here=$(cd "$(dirname "$0")" && pwd)
restart=no
case "${1:-}" in
  --restart) restart=yes ;;
  '') ;;
  *) echo "usage: $0 [--restart]" >&2; exit 3 ;;
esac

if [ "$restart" = no ] && [ "$here" != "$CERTLOOP_BIN_DIR" ]; then
  mkdir -p "$CERTLOOP_BIN_DIR"
  install -m 0755 "$here/certloop-install.sh" "$CERTLOOP_BIN_DIR/certloop-install.sh"
  install -m 0755 "$here/feature_install_docker.certificates.sh" "$CERTLOOP_BIN_DIR/feature_install_docker.certificates.sh"
fi

output=$(sh "$CERTLOOP_BIN_DIR/certloop-install.sh" --name docker-daemon \
  --cert "$SHARED_DIR/server-cert.pem" --key "$SHARED_DIR/server-key.pem" --ca "$SHARED_DIR/ca.pem" \
  --dest-cert "$DOCKER_TLS_DIR/cert.pem" --dest-key "$DOCKER_TLS_DIR/key.pem" --dest-ca "$DOCKER_TLS_DIR/ca.pem" \
  --owner "${DOCKER_TLS_OWNER:-root:root}" --mode 0644 --key-mode 0600 --wait "$CERTLOOP_WAIT")
echo "$output"

if [ "$restart" = yes ]; then
  case "$output" in
    *": installed "*) $DOCKER_RESTART ;;
    *) echo "docker-daemon: Docker TLS files unchanged; no restart." ;;
  esac
fi
