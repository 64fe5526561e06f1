"""Reads the lakes `run.sh` synced with independent readers (pyarrow, DuckDB)
and checks them against the CSVs the same sync wrote as served.

usage: check.py CSV_LAKE LOCAL_LAKE S3_PORT BUCKET PREFIX HTTPFS_EXTENSION
"""

import csv
import os
import sys
from collections import defaultdict

import duckdb
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.fs as pafs

csv_lake, local_lake, port, bucket, prefix, httpfs = sys.argv[1:7]


def expected(table, key, value=None):
    """Rows (and a sum of `value`) per `key` partition, from the CSV lake."""
    counts, sums = defaultdict(int), defaultdict(int)
    root = os.path.join(csv_lake, table)
    for folder, _, files in os.walk(root):
        for name in files:
            part = [p for p in folder.split(os.sep) if p.startswith(key + "=")]
            with open(os.path.join(folder, name), newline="") as f:
                for row in csv.DictReader(f):
                    counts[part[0].split("=", 1)[1]] += 1
                    if value:
                        sums[part[0].split("=", 1)[1]] += int(row[value] or 0)
    assert counts, f"no CSV rows under {root}"
    return dict(counts), dict(sums)


def pyarrow_counts(filesystem, base, table, key, value=None):
    dataset = ds.dataset(
        f"{base}/{table}", filesystem=filesystem, format="parquet", partitioning="hive"
    )
    t = dataset.to_table()
    counts, sums = defaultdict(int), defaultdict(int)
    keys = t.column(key).to_pylist()
    values = t.column(value).to_pylist() if value else [0] * len(keys)
    for k, v in zip(keys, values):
        counts[str(k)] += 1
        sums[str(k)] += v or 0
    return dict(counts), (dict(sums) if value else {})


s3 = pafs.S3FileSystem(
    access_key="test",
    secret_key="test",
    region="us-east-1",
    endpoint_override=f"127.0.0.1:{port}",
    scheme="http",
)
con = duckdb.connect()
con.execute(f"LOAD '{httpfs}'")
con.execute(
    f"""
    SET s3_endpoint='127.0.0.1:{port}'; SET s3_use_ssl=false; SET s3_url_style='path';
    SET s3_access_key_id='test'; SET s3_secret_access_key='test'; SET s3_region='us-east-1';
    """
)

checks = [
    ("enterprise/usage_pulls/daily", "report_date", "pull_count"),
    ("enterprise/active_users/monthly", "report_date", None),
    ("dvp/raw", "timespan", None),
    ("dvp/summary", "timespan", "pulls_by_tag"),
]
for table, key, value in checks:
    want_counts, want_sums = expected(table, key, value)
    local = pyarrow_counts(None, os.path.abspath(local_lake), table, key, value)
    remote = pyarrow_counts(s3, f"{bucket}/{prefix}", table, key, value)
    assert local[0] == want_counts, (table, "local", local[0], want_counts)
    assert remote[0] == want_counts, (table, "s3 pyarrow", remote[0], want_counts)
    if value:
        assert remote[1] == want_sums, (table, "s3 pyarrow sums", remote[1], want_sums)
    sum_sql = f"sum({value})" if value else "0"
    rows = con.execute(
        f"""SELECT {key}::VARCHAR, count(*), {sum_sql}
            FROM read_parquet('s3://{bucket}/{prefix}/{table}/**/*.parquet', hive_partitioning = true)
            GROUP BY 1"""
    ).fetchall()
    got = {k: n for k, n, _ in rows}
    assert got == want_counts, (table, "duckdb", got, want_counts)
    if value:
        assert {k: s for k, _, s in rows} == want_sums, (table, "duckdb sums")
    print(f"{table}: {sum(want_counts.values())} rows in {len(want_counts)} partitions, "
          "equal in pyarrow (folder, S3) and DuckDB (S3)")
