#!/usr/bin/env bash
# Installs the Debian tools that building and testing certloop's .deb need:
#   dpkg-dev + binutils  dpkg-shlibdeps (computes Depends; it runs objdump)
#   lintian              the package's policy check
#   man-db + groff-base  rendering and checking the man page (lintian's man checks use them)
#   systemd              systemd-analyze verify of the installed units
#   xz-utils             the data.tar.xz of the package, and lintian's unpacking
#   bash-completion      the test completes a command line with the packaged completion
# Only what is missing is installed (lib.sh).
set -euo pipefail

. "$(dirname "$0")/lib.sh"
ensure_debian_packages "packaging deps" dpkg-dev binutils lintian man-db groff-base systemd xz-utils bash-completion
