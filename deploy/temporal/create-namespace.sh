#!/bin/sh
# One-shot job (temporalio/admin-tools): creates the namespace if missing and registers the custom search
# attributes given as NAME=TYPE arguments (the list lives in docker-compose.yml, mirroring
# contracts/search-attributes.ts). Safe to re-run: an existing namespace or attribute counts as success.
# Usage: create-namespace.sh NAME=Keyword NAME=Int ...
set -eu

NAMESPACE=${NAMESPACE:-default}
ADDRESS=${TEMPORAL_ADDRESS:-temporal:7233}
HOST=${ADDRESS%:*}
PORT=${ADDRESS##*:}

# The server listens on IPv4 only (BIND_ON_IP=0.0.0.0) while the service name may resolve to an IPv6
# address first; talk to the IPv4 address directly (same workaround as temporalio/samples-server).
IP=$(getent ahosts "$HOST" | awk '/STREAM/ && $1 ~ /^[0-9.]+$/ { print $1; exit }')
if [ -n "$IP" ]; then ADDRESS="$IP:$PORT"; fi
export TEMPORAL_ADDRESS="$ADDRESS"

# Right after start-up the frontend may still refuse requests, and a namespace created a moment ago reaches
# every service only after its registry refreshes (about 10 s): retry instead of failing the stack.
retry() {
  attempt=1
  until "$@"; do
    if [ "$attempt" -ge 20 ]; then echo "giving up after $attempt attempts: $*" >&2; return 1; fi
    attempt=$((attempt + 1))
    sleep 3
  done
}

# Runs a create command; "already exists" means an earlier run did the work.
create_once() {
  if output=$("$@" 2>&1); then
    printf '%s\n' "$output"
  elif printf '%s' "$output" | grep -qi 'already exists'; then
    echo "already exists: $*"
  else
    printf '%s\n' "$output" >&2
    return 1
  fi
}

retry temporal operator cluster health
retry create_once temporal operator namespace create --namespace "$NAMESPACE"

for pair in "$@"; do
  name=${pair%%=*}
  type=${pair#*=}
  if [ -z "$name" ] || [ "$name" = "$pair" ]; then echo "expected NAME=TYPE, got '$pair'" >&2; exit 2; fi
  retry create_once temporal operator search-attribute create --namespace "$NAMESPACE" --name "$name" --type "$type"
done
echo "Namespace $NAMESPACE is ready with $# custom search attribute(s)"
