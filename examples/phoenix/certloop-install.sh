#!/bin/sh
# certloop-install.sh: copy a certificate that certloop placed on shared
# storage (NFS) to local paths inside a guest, safely. Needs only sh, openssl
# and coreutils. Same contract as `certloop install`:
#
#   certloop-install.sh --cert SRC --key SRC [--ca SRC] [--chain SRC]
#                       --dest-cert PATH --dest-key PATH [--dest-ca PATH]
#                       [--owner USER:GROUP] [--mode 0644] [--key-mode 0600]
#                       [--wait SECONDS] [--name LABEL]
#
# --cert is the shared certificate file (a full chain, as certloop writes
# `files.fullchain`); --chain names a separate intermediates file when --cert
# is a bare leaf; --ca is the shared CA bundle (the chain must verify to it).
#
# Checks, on the exact bytes that get installed: the key belongs to the
# certificate (public keys compared), the chain verifies to the CA bundle
# (when --ca is given), the certificate is valid now. Anything else (files
# missing, a pair caught between the two renames of a renewal, expired) is
# re-checked every second until --wait seconds have passed.
#
# Copy: the shared files are read into temp files created in each destination
# directory under umask 077 (the certificate is read again afterwards; a change
# means a renewal landed, so read again), checked, given their mode and owner,
# and renamed with mv: key first, CA bundle, certificate last. When the local
# files are already identical nothing is rewritten (same inode and mtime).
#
# Exit: 0 installed or already up to date; 1 not installable after the wait,
# or the copy failed; 3 usage error.
set -u
umask 077

usage() {
  echo "usage: $0 --cert SRC --key SRC [--ca SRC] [--chain SRC] --dest-cert PATH --dest-key PATH [--dest-ca PATH] [--owner USER:GROUP] [--mode 0644] [--key-mode 0600] [--wait SECONDS] [--name LABEL]" >&2
  exit 3
}
fail_usage() {
  echo "certloop-install: $1" >&2
  exit 3
}

src_cert='' src_key='' src_ca='' src_chain=''
dest_cert='' dest_key='' dest_ca=''
owner='' mode='0644' key_mode='0600' wait_seconds=0 name=''
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || usage
  case "$1" in
    --cert) src_cert=$2 ;;
    --key) src_key=$2 ;;
    --ca) src_ca=$2 ;;
    --chain) src_chain=$2 ;;
    --dest-cert) dest_cert=$2 ;;
    --dest-key) dest_key=$2 ;;
    --dest-ca) dest_ca=$2 ;;
    --owner) owner=$2 ;;
    --mode) mode=$2 ;;
    --key-mode) key_mode=$2 ;;
    --wait) wait_seconds=$2 ;;
    --name) name=$2 ;;
    *) usage ;;
  esac
  shift 2
done
[ -n "$src_cert" ] && [ -n "$src_key" ] && [ -n "$dest_cert" ] && [ -n "$dest_key" ] || usage
[ -z "$dest_ca" ] || [ -n "$src_ca" ] || fail_usage "--dest-ca needs --ca (the shared CA bundle)."
case "$mode" in [0-7][0-7][0-7] | 0[0-7][0-7][0-7]) ;; *) fail_usage "--mode must be octal, e.g. 0644." ;; esac
case "$key_mode" in [0-7][0-7][0-7] | 0[0-7][0-7][0-7]) ;; *) fail_usage "--key-mode must be octal, e.g. 0600." ;; esac
case "$wait_seconds" in '' | *[!0-9]*) fail_usage "--wait must be whole seconds." ;; esac
case "$owner" in *[[:space:]]*) fail_usage "--owner must be USER:GROUP." ;; esac
if [ "$dest_cert" = "$dest_key" ] || { [ -n "$dest_ca" ] && { [ "$dest_ca" = "$dest_cert" ] || [ "$dest_ca" = "$dest_key" ]; }; }; then
  fail_usage "--dest-cert, --dest-key and --dest-ca must be different files."
fi
[ -n "$name" ] || name=$dest_cert

tmp_cert='' tmp_cert2='' tmp_key='' tmp_ca=''
cleanup() {
  rm -f -- "$tmp_cert" "$tmp_cert2" "$tmp_key" "$tmp_ca"
  tmp_cert='' tmp_cert2='' tmp_key='' tmp_ca=''
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

# A temp file next to TARGET (same directory: mv is then an atomic rename).
temp_for() {
  (umask 022 && mkdir -p -- "$(dirname -- "$1")") || return 1
  mktemp -- "$(dirname -- "$1")/.certloop-install.XXXXXX"
}

# Reads the shared files into temps; sets $reason and returns 1 when not consistent.
snapshot() {
  tmp_cert=$(temp_for "$dest_cert") && tmp_cert2=$(temp_for "$dest_cert") && tmp_key=$(temp_for "$dest_key") || {
    reason="cannot create temp files next to $dest_cert / $dest_key"
    return 2
  }
  if [ -n "$dest_ca" ]; then
    tmp_ca=$(temp_for "$dest_ca") || { reason="cannot create a temp file next to $dest_ca"; return 2; }
  elif [ -n "$src_ca" ]; then
    tmp_ca=$(mktemp) || { reason="cannot create a temp file"; return 2; }
  fi
  for f in "$src_cert" "$src_key" "$src_ca" "$src_chain"; do
    [ -z "$f" ] || [ -r "$f" ] || { reason="$f does not exist or is not readable (yet)"; return 1; }
  done
  cat -- "$src_cert" >"$tmp_cert" 2>/dev/null || { reason="cannot read $src_cert"; return 1; }
  cat -- "$src_key" >"$tmp_key" 2>/dev/null || { reason="cannot read $src_key"; return 1; }
  if [ -n "$src_ca" ]; then
    cat -- "$src_ca" >"$tmp_ca" 2>/dev/null || { reason="cannot read $src_ca"; return 1; }
  fi
  cat -- "$src_cert" >"$tmp_cert2" 2>/dev/null || { reason="cannot read $src_cert"; return 1; }
  cmp -s -- "$tmp_cert" "$tmp_cert2" || { reason="$src_cert changed while it was read (a renewal in progress)"; return 1; }
  return 0
}

# Checks the temps; sets $reason and returns 1 when they must not be installed.
check() {
  cert_pub=$(openssl x509 -in "$tmp_cert" -noout -pubkey 2>/dev/null) || { reason="the certificate does not parse"; return 1; }
  key_pub=$(openssl pkey -in "$tmp_key" -pubout 2>/dev/null) || { reason="the key does not parse"; return 1; }
  [ -n "$cert_pub" ] && [ "$cert_pub" = "$key_pub" ] || { reason="the key does not belong to the certificate (a half-renewed pair?)"; return 1; }
  if [ -n "$src_ca" ]; then
    untrusted=$tmp_cert
    [ -z "$src_chain" ] || untrusted=$src_chain
    openssl verify -CAfile "$tmp_ca" -untrusted "$untrusted" "$tmp_cert" >/dev/null 2>&1 || {
      reason="the certificate does not verify against the CA bundle $src_ca (or is not valid now)"
      return 1
    }
  fi
  openssl x509 -in "$tmp_cert" -noout -checkend 0 >/dev/null 2>&1 || { reason="the certificate has expired"; return 1; }
  return 0
}

same_files() {
  cmp -s -- "$tmp_cert" "$dest_cert" && cmp -s -- "$tmp_key" "$dest_key" || return 1
  [ -z "$dest_ca" ] || cmp -s -- "$tmp_ca" "$dest_ca"
}

# chmod/chown FILE only when they differ (an identical file is otherwise left alone).
place() {
  if [ -n "$owner" ]; then
    current_names=$(stat -c '%U:%G' -- "$1") current_ids=$(stat -c '%u:%g' -- "$1")
    case "$owner" in
      "$current_names" | "$current_ids" | "${current_names%%:*}" | "${current_ids%%:*}" | ":${current_names#*:}" | ":${current_ids#*:}") ;;
      *) chown -- "$owner" "$1" || return 1 ;;
    esac
  fi
  # printf reads a leading 0 as octal: compares 0644 with 644.
  [ "$(printf '%d' "0$(stat -c '%a' -- "$1")")" = "$(printf '%d' "0$2")" ] || chmod -- "$2" "$1"
}

deadline=$(($(date +%s) + wait_seconds))
last_reason=''
while :; do
  reason=''
  snapshot
  status=$?
  [ "$status" -ne 2 ] || { echo "certloop-install: $reason" >&2; exit 1; }
  if [ "$status" -eq 0 ] && check; then
    break
  fi
  cleanup
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "certloop-install: $name is not installable: $reason" >&2
    exit 1
  fi
  [ "$reason" = "$last_reason" ] || echo "certloop-install: waiting for $name: $reason" >&2
  last_reason=$reason
  sleep 1
done

serial=$(openssl x509 -in "$tmp_cert" -noout -serial | sed 's/^serial=//')
if same_files; then
  place "$dest_key" "$key_mode" && place "$dest_cert" "$mode" && { [ -z "$dest_ca" ] || place "$dest_ca" "$mode"; } || exit 1
  echo "$name: already up to date (serial $serial)."
  exit 0
fi

# Mode and owner before the rename: the key is never readable by others, not even briefly.
for pair in "$tmp_key:$key_mode" "$tmp_cert:$mode"; do
  file=${pair%:*} m=${pair##*:}
  if [ -n "$owner" ]; then chown -- "$owner" "$file" || exit 1; fi
  chmod -- "$m" "$file" || exit 1
done
if [ -n "$dest_ca" ]; then
  if [ -n "$owner" ]; then chown -- "$owner" "$tmp_ca" || exit 1; fi
  chmod -- "$mode" "$tmp_ca" || exit 1
fi
sync -- "$tmp_key" "$tmp_cert" 2>/dev/null || :
mv -f -- "$tmp_key" "$dest_key" || exit 1
tmp_key=''
if [ -n "$dest_ca" ]; then
  mv -f -- "$tmp_ca" "$dest_ca" || exit 1
  tmp_ca=''
fi
mv -f -- "$tmp_cert" "$dest_cert" || exit 1
tmp_cert=''
echo "$name: installed serial $serial to $dest_cert, $dest_key${dest_ca:+, $dest_ca}."
