# Sourced by the scripts beside it: installs Debian packages that are missing,
# with apt-get, as the project's own install step (nothing is assumed
# preinstalled on a new machine). `apt-get update` runs first only when the
# package lists are missing or older than a day.

# ensure_debian_packages LABEL PACKAGE...
ensure_debian_packages() {
  local label=$1
  shift
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  local sudo=()
  [[ $(id -u) -ne 0 ]] && sudo=(sudo)
  local lists=/var/lib/apt/lists
  if ! compgen -G "$lists/*_Packages*" >/dev/null ||
    [[ -n $(find "$lists" -maxdepth 1 -name '*_Packages*' -mtime +0 -print -quit) ]]; then
    echo "$label: updating the package lists" >&2
    "${sudo[@]}" apt-get update -qq
  fi
  echo "$label: installing ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
