#!/usr/bin/env bash
# Baseline (a): what Phoenix's certificate-renewal-manager.sh did per manifest
# entry, without issuing anything: jq once per field, `openssl x509 -checkend`
# (renew when less than 12 h remain), and the DNS SANs from `openssl x509 -text`
# compared with the manifest's. Rebuilt from its documented behaviour
# (shared/phoenix/README.md). Prints how many entries were in sync.
set -uo pipefail
manifest=$1
in_sync=0
due=0
while read -r cert_config; do
  common_name=$(echo "$cert_config" | jq -r '.common_name')
  mapfile -t sans < <(echo "$cert_config" | jq -r '.sans // [] | .[]')
  [ ${#sans[@]} -eq 0 ] && sans=("$common_name")
  cert_path=$(echo "$cert_config" | jq -r '.cert_path')
  key_path=$(echo "$cert_config" | jq -r '.key_path')
  owner=$(echo "$cert_config" | jq -r '.owner // empty')
  permissions=$(echo "$cert_config" | jq -r '.permissions // empty')
  post_renewal_command=$(echo "$cert_config" | jq -r '.post_renewal_command // empty')
  : "$owner" "$permissions" "$post_renewal_command" # used only after a renewal
  renew=false
  if [ ! -f "$cert_path" ] || [ ! -f "$key_path" ]; then
    renew=true
  elif ! openssl x509 -checkend 43200 -noout -in "$cert_path" >/dev/null; then
    renew=true
  else
    current=$(openssl x509 -in "$cert_path" -noout -text | grep -A1 'Subject Alternative Name' | tail -n1 |
      tr ',' '\n' | sed 's/^ *DNS://' | sort | tr '\n' ' ')
    wanted=$(printf '%s\n' "${sans[@]}" | sort | tr '\n' ' ')
    [ "$current" != "$wanted" ] && renew=true
  fi
  if $renew; then due=$((due + 1)); else in_sync=$((in_sync + 1)); fi
done < <(jq -c '.[]' "$manifest")
echo "in_sync=$in_sync due=$due"
