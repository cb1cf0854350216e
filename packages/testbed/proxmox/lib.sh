# Shared by the pct and qm stand-ins. The world lives under $PVE_FAKE_ROOT:
#   guests/<lxc|vm>/<id>/rootfs   the guest's file system (busybox inside)
#   guests/<lxc|vm>/<id>/state    "running" or "stopped"
#   argv.log                      one line per call: the tool and its arguments
# Hooks and deliveries run inside rootfs with chroot, as root.
set -u
: "${PVE_FAKE_ROOT:?PVE_FAKE_ROOT must name the fake Proxmox world}"

log_argv() {
  # Append atomically enough for our use: one printf per call.
  printf '%s\n' "$*" >>"$PVE_FAKE_ROOT/argv.log"
}

guest_dir() { # type id
  printf '%s/guests/%s/%s' "$PVE_FAKE_ROOT" "$1" "$2"
}

# Prints status and exits like `pct status` / `qm status`.
print_status() { # type id
  dir=$(guest_dir "$1" "$2")
  if [ ! -d "$dir" ]; then
    echo "Configuration file 'nodes/pve/$1/$2.conf' does not exist" >&2
    exit 2
  fi
  echo "status: $(cat "$dir/state")"
  exit 0
}

require_running() { # type id
  dir=$(guest_dir "$1" "$2")
  if [ ! -d "$dir" ]; then
    echo "Configuration file 'nodes/pve/$1/$2.conf' does not exist" >&2
    exit 2
  fi
  if [ "$(cat "$dir/state")" != running ]; then
    echo "$1 $2 not running" >&2
    exit 255
  fi
}

in_guest() { # type id cmd...
  root="$(guest_dir "$1" "$2")/rootfs"
  shift 2
  PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root chroot "$root" "$@"
}

json_string() { # file: its content as a JSON string
  printf '"'
  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/	/\\t/g' -e 's/\r/\\r/g' "$1" | awk 'NR>1{printf "\\n"} {printf "%s", $0}'
  printf '"'
}
