# portainer-manager-sync-all.snippet.sh: make `certloop reconcile --once` the
# very first action of sync_all in portainer-manager.sh.
#
# Paste the function below into portainer-manager.sh (next to sync_all), and
# make its call the first line of sync_all:
#
#   sync_all() {
#       certloop_sync_certificates || return 1
#       ... the existing steps (stacks, endpoints, Traefik, ...) ...
#   }
#
# Every certificate in the manifest is then issued, renewed, re-permissioned
# and its hooks run before Portainer, Traefik or any guest is touched; when it
# fails (CA down, invalid manifest, a hook failed) the sync stops instead of
# configuring services with missing or stale certificates. Idempotent: when
# nothing changed certloop writes nothing and runs no hook.
#
# Uses log_info / log_error from phoenix_hypervisor_common_utils.sh when they
# exist, plain stderr otherwise.

CERTLOOP_MANIFEST=${CERTLOOP_MANIFEST:-/usr/local/phoenix_hypervisor/etc/certloop.yaml}
CERTLOOP_BIN=${CERTLOOP_BIN:-certloop}

certloop_sync_certificates() {
    if command -v log_info >/dev/null 2>&1; then
        log_info "sync_all: reconciling certificates with certloop ($CERTLOOP_MANIFEST)..."
    fi
    if ! $CERTLOOP_BIN reconcile --once -f "$CERTLOOP_MANIFEST"; then
        if command -v log_error >/dev/null 2>&1; then
            log_error "sync_all: certloop reconcile --once failed; stopping the sync. See 'certloop status -f $CERTLOOP_MANIFEST'."
        else
            echo "sync_all: certloop reconcile --once failed; stopping the sync." >&2
        fi
        return 1
    fi
}
