#!/usr/bin/env bash
# Starts the compiled server (npm run build → dist/) on a fresh embedded
# database, checks that it serves a query through the decorated entities and
# resolvers, and that SIGTERM stops it cleanly. Used by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="$(mktemp -d)"
port=$((20000 + RANDOM % 20000))
log="$dir/server.log"
DATA_DIR="$dir/data" PORT="$port" HOST=127.0.0.1 node_modules/.bin/node dist/src/server.js > "$log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
for _ in $(seq 1 60); do
  grep -q "contentgraph ready" "$log" && break
  kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "smoke: the compiled server exited during start-up"; exit 1; }
  sleep 0.5
done
body='{"query":"{ health { ok } articles(first: 1) { edges { node { __typename databaseId tags { name } } } } }"}'
response="$(curl -sf "http://127.0.0.1:$port/graphql" -H 'content-type: application/json' -d "$body")"
echo "$response" | grep -q '"ok":true' || { echo "smoke: unexpected response: $response"; exit 1; }
echo "$response" | grep -q '"__typename":"Article"' || { echo "smoke: unexpected response: $response"; exit 1; }
ready="$(curl -sf "http://127.0.0.1:$port/readyz")" || { echo "smoke: /readyz failed"; exit 1; }
echo "$ready" | grep -q '"ok":true' || { echo "smoke: /readyz said: $ready"; exit 1; }
kill -TERM "$pid"
wait "$pid" || { cat "$log"; echo "smoke: the compiled server did not stop cleanly"; exit 1; }
grep -q "Stopped cleanly." "$log"
echo "smoke: the compiled server answered and stopped cleanly"
