#!/usr/bin/env bash
# Builds step-ca 0.19.0 from Debian's Go sources (golang-github-smallstep-
# certificates-dev) with our own scripts/stepca/main.go, caches the binary per
# machine, and links it at <repo>/.cache/step-ca for the integration tests.
#
# The cache key is the step-ca version plus a hash of main.go, so a second run
# (also from another clone on the same machine) reuses the binary.
set -euo pipefail

STEP_CA_VERSION=0.19.0
DEBIAN_PACKAGES=(golang-go golang-github-smallstep-certificates-dev)
GOCODE=/usr/share/gocode

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/../.." && pwd)"
main_go="$script_dir/main.go"

log() { printf 'step-ca: %s\n' "$*" >&2; }

ensure_debian_packages() {
  local missing=()
  local pkg
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done
  if ((${#missing[@]} == 0)); then
    return
  fi
  log "installing Debian packages: ${missing[*]}"
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
  "${sudo[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y "${missing[@]}"
}

link_into_repo() {
  local binary="$1"
  mkdir -p "$repo_root/.cache"
  ln -sfn "$binary" "$repo_root/.cache/step-ca"
  log "linked $repo_root/.cache/step-ca -> $binary"
  printf '%s\n' "$binary"
}

cache_root="${CERTLOOP_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/certloop}"
main_hash="$(sha256sum "$main_go" | cut -c1-12)"
build_dir="$cache_root/step-ca-$STEP_CA_VERSION-$main_hash"
binary="$build_dir/step-ca"

if [[ -x "$binary" ]]; then
  log "using cached build at $binary"
  link_into_repo "$binary"
  exit 0
fi

ensure_debian_packages
if [[ ! -d "$GOCODE/src/github.com/smallstep/certificates/commands" ]]; then
  log "error: $GOCODE/src/github.com/smallstep/certificates/commands is missing" \
    "(is golang-github-smallstep-certificates-dev installed?)"
  exit 1
fi

# GOPATH-mode build: our main package lives in a throwaway GOPATH entry and
# every dependency resolves from Debian's /usr/share/gocode.
work="$(mktemp -d "${TMPDIR:-/tmp}/certloop-step-ca-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/certloop-step-ca" "$build_dir"
cp "$main_go" "$work/src/certloop-step-ca/main.go"

log "building step-ca $STEP_CA_VERSION from $GOCODE (this takes a minute or so)"
started=$SECONDS
(
  cd "$work/src/certloop-step-ca"
  GO111MODULE=off \
    GOFLAGS= \
    GOPATH="$work:$GOCODE" \
    GOCACHE="$cache_root/go-build" \
    CGO_CFLAGS="${CGO_CFLAGS:--O2 -g} -Wno-deprecated-declarations" \
    go build -trimpath -o "$work/step-ca" .
)
# Rename into place so a concurrent or interrupted build never leaves a
# half-written binary where the cache check above would trust it.
mv -f "$work/step-ca" "$binary.tmp.$$"
mv -f "$binary.tmp.$$" "$binary"
log "built $("$binary" --version) in $((SECONDS - started))s"
link_into_repo "$binary"
