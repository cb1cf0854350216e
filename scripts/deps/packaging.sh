#!/usr/bin/env bash
# Installs the Debian tools that building and testing certloop's .deb need:
#   dpkg-dev + binutils  dpkg-shlibdeps (computes Depends; it runs objdump)
#   lintian              the package's policy check
#   man-db + groff-base  rendering and checking the man page (lintian's man checks use them)
#   systemd              systemd-analyze verify of the installed units
#   xz-utils             the data.tar.xz of the package, and lintian's unpacking
#   bash-completion      the test completes a command line with the packaged completion
# Only what is missing is installed; `apt-get update` runs first only when the
# package lists are missing or older than a day.
set -euo pipefail

PACKAGES=(dpkg-dev binutils lintian man-db groff-base systemd xz-utils bash-completion)

log() { printf 'packaging deps: %s\n' "$*" >&2; }

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi

lists=/var/lib/apt/lists
if ! compgen -G "$lists/*_Packages*" >/dev/null ||
  [[ -n $(find "$lists" -maxdepth 1 -name '*_Packages*' -mtime +0 -print -quit) ]]; then
  log "updating the package lists"
  "${sudo[@]}" apt-get update
fi
log "installing ${missing[*]}"
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
