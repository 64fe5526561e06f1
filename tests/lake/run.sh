#!/usr/bin/env bash
# The lake against real components: `docker-data --demo sync` into a folder
# and into moto's S3 server, read back by pyarrow and DuckDB (httpfs loaded
# by path), incremental reruns checked. Installs what it needs into a venv
# under the target dir. Run from the workspace root.
set -euo pipefail
target="${CARGO_TARGET_DIR:-$PWD/target}"
venv="$target/lake-venv"
# duckdb and its httpfs extension must be the same version.
if ! "$venv/bin/python" -c "import duckdb, pyarrow, moto, duckdb_extension_httpfs" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "duckdb==1.5.5" "duckdb-extension-httpfs==1.5.5" \
        "pyarrow>=17" "moto[server]>=5"
fi
httpfs="$(find "$venv" -name httpfs.duckdb_extension | head -1)"
cargo build --quiet -p docker-data
bin="$target/debug/docker-data"
work="$(mktemp -d)"
moto_pid=""
cleanup() {
    [ -n "$moto_pid" ] && kill "$moto_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

port="$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 100); do
    curl -s "http://127.0.0.1:$port/" >/dev/null && break
    sleep 0.1
done
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 \
    AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ALLOW_HTTP=true
curl -sf -X PUT "http://127.0.0.1:$port/lake" >/dev/null

sync() { "$bin" --demo sync "$@" --dvp sim-publisher --from 2026-01-01; }
sync "$work/csv" --format csv >/dev/null 2>"$work/csv.log"
sync "$work/local" >/dev/null 2>"$work/local.log"
sync s3://lake/docker >"$work/s3.out" 2>"$work/s3.log"
echo "first sync: $(tail -1 "$work/s3.log")"
test -s "$work/s3.out"
"$venv/bin/python" tests/lake/check.py "$work/csv" "$work/local" "$port" lake docker "$httpfs"

# A rerun with nothing new writes nothing, the manifest included.
s3() { "$venv/bin/python" - "$@" <<'PY'
import os, sys
import boto3
s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
command, key = sys.argv[1:3]
if command == "etag":
    print(s3.head_object(Bucket="lake", Key=key)["ETag"])
else:
    sys.stdout.write(s3.get_object(Bucket="lake", Key=key)["Body"].read().decode())
PY
}
etag() { s3 etag docker/_docker_data/manifest.json; }
before="$(etag)"
sync s3://lake/docker >"$work/again.out" 2>"$work/again.log"
test ! -s "$work/again.out" || { echo "a rerun wrote: $(cat "$work/again.out")"; exit 1; }
test "$before" = "$(etag)" || { echo "a rerun rewrote the manifest"; exit 1; }
echo "rerun: $(tail -1 "$work/again.log")"

# Two syncs at once into a fresh prefix: both manifests' entries survive.
"$bin" --demo sync s3://lake/twice --reports usage_pulls/daily >/dev/null 2>&1 &
first=$!
"$bin" --demo sync s3://lake/twice --reports active_users/monthly >/dev/null 2>&1 &
second=$!
wait "$first" "$second"
s3 get twice/_docker_data/manifest.json >"$work/twice.json"
"$venv/bin/python" - "$work/twice.json" <<'PY'
import json, sys
manifest = json.load(open(sys.argv[1]))
kinds = {path.split("/")[1] for path in manifest["objects"]}
assert kinds == {"usage_pulls", "active_users"}, kinds
print(f"two syncs at once: {len(manifest['objects'])} objects in the manifest, none lost")
PY
echo "lake checks passed"
