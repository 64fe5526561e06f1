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
cargo build --quiet -p docker-data -p docker-data-simulator
bin="$target/debug/docker-data"
work="$(mktemp -d)"
moto_pid=""
sim_pid=""
cleanup() {
    [ -n "$moto_pid" ] && kill "$moto_pid" 2>/dev/null || true
    [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true
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
# A report body cut off mid-way: the item fails, nothing appears in the
# bucket (no object, no open multipart upload), and the rerun writes the
# object and the manifest. Once small (cut before the first part: the one
# PUT is never sent) and once large enough that a multipart upload has
# started (1,200,000 rows, ~100 MB of CSV, cut at 80 MB: three row groups,
# more than the first 10 MiB part, are already uploaded), which must be
# aborted.
cutoff_case() {
    local rows="$1" drop="$2" prefix="$3"
    "$target/debug/docker-data-simulator" --report-rows "$rows" --fault "store=drop:$drop" \
        >"$work/sim.env" 2>"$work/sim.log" &
    sim_pid=$!
    for _ in $(seq 100); do
        grep -q '^DOCKER_ENTERPRISE_URL=' "$work/sim.env" 2>/dev/null && break
        sleep 0.1
    done
    cutoff() {
        env $(grep '^DOCKER_' "$work/sim.env") DOCKER_ORG=sim-org DOCKER_OAT=dckr_oat_simulator \
            "$bin" --no-token-cache sync "s3://lake/$prefix" --reports usage_pulls/daily \
            --from 2026-06-30 --to 2026-06-30
    }
    listed() { "$venv/bin/python" - "$prefix/" <<'PY'
import os, sys, boto3
s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
prefix = sys.argv[1]
for item in s3.list_objects_v2(Bucket="lake", Prefix=prefix).get("Contents", []):
    print(item["Key"])
uploads = s3.list_multipart_uploads(Bucket="lake", Prefix=prefix).get("Uploads", [])
print(f"open uploads: {len(uploads)}")
PY
    }
    if cutoff >"$work/cut.out" 2>"$work/cut.log"; then
        echo "a sync whose source was cut off succeeded: $(cat "$work/cut.log")"
        exit 1
    fi
    test "$(listed)" = "open uploads: 0" || { echo "a cut-off sync left: $(listed)"; exit 1; }
    cutoff >"$work/cut.out" 2>"$work/cut.log"
    listed >"$work/cut.listed"
    grep -qx "$prefix/enterprise/usage_pulls/daily/org=sim-org/report_date=2026-06-30/data.parquet" "$work/cut.listed"
    grep -qx "$prefix/_docker_data/manifest.json" "$work/cut.listed"
    kill "$sim_pid"
    wait "$sim_pid" 2>/dev/null || true
    sim_pid=""
    echo "cut-off source: no object, then the rerun wrote it ($(tail -1 "$work/cut.log"))"
}
cutoff_case 500 20000 cut
cutoff_case 1200000 80000000 cut-multipart
# moto's log shows the multipart upload of the cut-off run begun and aborted.
grep -q 'POST /lake/cut-multipart/.*uploads' "$work/moto.log" \
    || { echo "the large cut-off never started a multipart upload"; exit 1; }
grep -q 'DELETE /lake/cut-multipart/.*uploadId' "$work/moto.log" \
    || { echo "the large cut-off's multipart upload was not aborted"; exit 1; }
echo "a multipart upload cut off mid-way was aborted"

echo "lake checks passed"
