//! CSV → Parquet → read back with the `parquet` crate's Arrow reader: types,
//! nulls and every value equal the typed rows (Enterprise schemas with every
//! column type, each DVP dataview); bad cells name their line and column and
//! leave no file; without the feature no arrow crate is built.

use std::path::Path;

use enterprise_data_sdk::columnar::arrow_array::{
    Array, BooleanArray, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use enterprise_data_sdk::columnar::arrow_schema::{DataType, TimeUnit};
use enterprise_data_sdk::columnar::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use enterprise_data_sdk::columnar::{ParquetOptions, parquet};
use enterprise_data_sdk::rows::Value;
use enterprise_data_sdk::{ReportId, ReportSchema};

/// Every batch of a Parquet file, and its key-value metadata.
fn read_back(path: &Path) -> (Vec<RecordBatch>, Vec<(String, Option<String>)>) {
    let file = std::fs::File::open(path).unwrap();
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let metadata = builder
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .map(|kv| {
            kv.iter()
                .map(|kv| (kv.key.clone(), kv.value.clone()))
                .collect()
        })
        .unwrap_or_default();
    let batches = builder
        .with_batch_size(3)
        .build()
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    (batches, metadata)
}

fn schema() -> ReportSchema {
    serde_json::from_value(serde_json::json!({"category": "custom", "fields": [
        {"name": "day", "type": "date", "description": "Day of the event (UTC)."},
        {"name": "at", "type": "timestamp", "description": "When."},
        {"name": "pulls", "type": "integer", "description": "Pull count."},
        {"name": "share", "type": "float", "description": ""},
        {"name": "automated", "type": "boolean", "description": ""},
        {"name": "repo", "type": "string", "description": "Repository."},
        {"name": "region", "type": "geo_point", "description": "A type the SDK does not know."},
    ]}))
    .unwrap()
}

/// The arrow value at `row` of `column` as the typed rows' [`Value`].
fn value_at(column: &dyn Array, row: usize) -> Value {
    if column.is_null(row) {
        return Value::Null;
    }
    let any = column.as_any();
    if let Some(a) = any.downcast_ref::<Int64Array>() {
        Value::Integer(a.value(row))
    } else if let Some(a) = any.downcast_ref::<Float64Array>() {
        Value::Float(a.value(row))
    } else if let Some(a) = any.downcast_ref::<BooleanArray>() {
        Value::Boolean(a.value(row))
    } else if let Some(a) = any.downcast_ref::<Date32Array>() {
        Value::Date(a.value_as_date(row).unwrap())
    } else if let Some(a) = any.downcast_ref::<TimestampMicrosecondArray>() {
        Value::Timestamp(chrono::DateTime::from_timestamp_micros(a.value(row)).unwrap())
    } else if let Some(a) = any.downcast_ref::<StringArray>() {
        Value::String(a.value(row).to_owned())
    } else {
        panic!("unexpected column type {:?}", column.data_type())
    }
}

#[test]
fn enterprise_csv_to_parquet_keeps_types_nulls_values_and_identity() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("custom.csv");
    // Columns in another order than the schema, one header in another case.
    std::fs::write(
        &csv,
        "Repo,day,at,pulls,share,automated,region\n\
         acme/web,2026-06-30,2026-06-30T10:11:12Z,42,0.25,true,eu-1\n\
         acme/api,2026-06-30,2026-06-30 23:59:59,-3,1e-3,FALSE,\n\
         ,2026-07-01,,,,,\n\
         acme/x,2026-07-01,2026-07-01T00:00:00Z,9007199254740993,-0.0,1,us\n",
    )
    .unwrap();
    let dest = dir.path().join("out/custom.parquet");
    let report = ReportId::parse("custom", "daily", "2026-06-30").unwrap();
    let options = ParquetOptions::new().batch_rows(2).row_group_rows(3);
    let rows = enterprise_data_sdk::columnar::convert_to_parquet(
        &csv,
        &schema(),
        "acme-org",
        &report,
        &dest,
        &options,
    )
    .unwrap();
    assert_eq!(rows, 4);

    let (batches, metadata) = read_back(&dest);
    let arrow_schema = batches[0].schema();
    let types: Vec<&DataType> = arrow_schema
        .fields()
        .iter()
        .map(|f| f.data_type())
        .collect();
    assert_eq!(
        types,
        [
            &DataType::Date32,
            &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            &DataType::Int64,
            &DataType::Float64,
            &DataType::Boolean,
            &DataType::Utf8,
            &DataType::Utf8,
        ]
    );
    assert_eq!(
        arrow_schema
            .field(2)
            .metadata()
            .get("description")
            .map(String::as_str),
        Some("Pull count.")
    );
    for (key, value) in [
        ("docker.org", "acme-org"),
        ("docker.report_type", "custom"),
        ("docker.cadence", "daily"),
        ("docker.date", "2026-06-30"),
    ] {
        assert!(
            metadata.contains(&(key.to_owned(), Some(value.to_owned()))),
            "{key} in {metadata:?}"
        );
    }

    // Every value equals the typed rows' (an empty string cell is null in
    // Arrow, an empty string in the rows).
    let typed: Vec<Vec<Value>> = enterprise_data_sdk::rows::rows(&csv, &schema())
        .map(|row| row.unwrap().values().map(|v| v.to_owned()).collect())
        .collect();
    let mut row = 0;
    for batch in &batches {
        for i in 0..batch.num_rows() {
            for (c, expected) in typed[row].iter().enumerate() {
                let got = value_at(batch.column(c).as_ref(), i);
                let expected = match expected {
                    Value::String(s) if s.is_empty() => Value::Null,
                    other => other.clone(),
                };
                assert_eq!(got, expected, "row {row} column {c}");
            }
            row += 1;
        }
    }
    assert_eq!(row, 4);
}

#[test]
fn a_bad_cell_names_its_row_and_column_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("bad.csv");
    std::fs::write(
        &csv,
        "day,at,pulls,share,automated,repo,region\n\
         2026-06-30,2026-06-30T10:00:00Z,1,0.5,true,a,b\n\
         2026-06-30,2026-06-30T10:00:00Z,many,0.5,true,a,b\n",
    )
    .unwrap();
    let dest = dir.path().join("bad.parquet");
    let report = ReportId::parse("custom", "daily", "2026-06-30").unwrap();
    let err = enterprise_data_sdk::columnar::convert_to_parquet(
        &csv,
        &schema(),
        "o",
        &report,
        &dest,
        &ParquetOptions::new(),
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("line 3") && message.contains("pulls") && message.contains("\"many\""),
        "{message}"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, [std::ffi::OsString::from("bad.csv")]);
}

/// Column `name` of every batch, as text (`None` for null).
fn texts(batches: &[RecordBatch], name: &str) -> Vec<Option<String>> {
    batches
        .iter()
        .flat_map(|b| {
            let column = b.column_by_name(name).unwrap();
            (0..b.num_rows())
                .map(|i| match value_at(column.as_ref(), i) {
                    Value::Null => None,
                    Value::String(s) => Some(s),
                    Value::Integer(n) => Some(n.to_string()),
                    Value::Timestamp(t) => Some(t.to_rfc3339()),
                    other => Some(format!("{other:?}")),
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn dvp_convert(dir: &Path, name: &str, data: &str, view: &dvp_sdk::Dataview) -> Vec<RecordBatch> {
    let csv = dir.join(format!("{name}.csv"));
    std::fs::write(&csv, data).unwrap();
    let dest = dir.join(format!("{name}.parquet"));
    dvp_sdk::columnar::convert_to_parquet(&csv, view, &dest, &ParquetOptions::new()).unwrap();
    let (batches, metadata) = read_back(&dest);
    assert!(metadata.contains(&("docker.dataview".to_owned(), Some(view.to_string()))));
    batches
}

#[test]
fn each_dvp_dataview_converts_to_its_fixed_schema_and_keeps_every_value() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();

    // Raw: the timestamp typed, the rest text; compared with the raw rows.
    let raw = "Timestamp,Namespace,Repository,Reference,Tag,Digest,HTTP Method,Action,User-Agent,Type,Host,Country\n\
               2026-06-01T10:00:00Z,acme,web,sha256:ab,latest,sha256:ab,GET,pull_by_tag,docker/27,commercial,aws,DE\n\
               2026-06-01 11:00:00,acme,web,,,,HEAD,version_check,,,,\n";
    let batches = dvp_convert(dir, "raw", raw, &dvp_sdk::Dataview::Raw);
    let schema = batches[0].schema();
    assert_eq!(schema.fields().len(), 12);
    assert_eq!(
        schema.field_with_name("timestamp").unwrap().data_type(),
        &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
    );
    let rows: Vec<_> = dvp_sdk::rows::raw_rows(&dir.join("raw.csv"))
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        texts(&batches, "timestamp"),
        rows.iter()
            .map(|r| r.timestamp().map(|t| t.to_rfc3339()))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        texts(&batches, "tag"),
        rows.iter()
            .map(|r| r.tag().map(str::to_owned))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        texts(&batches, "user_agent"),
        rows.iter()
            .map(|r| r.user_agent().map(str::to_owned))
            .collect::<Vec<_>>()
    );

    // Summary and repo-summary: counts typed as Int64, equal to the rows'.
    let summary = "namespace,repository,tag,unique_ip_count,pulls_by_tag,pulls_by_digest,version_checks\n\
                   acme,web,latest,3,10,2,7\nacme,api,,1,,0,4\n";
    for view in [dvp_sdk::Dataview::Summary, dvp_sdk::Dataview::RepoSummary] {
        let batches = dvp_convert(dir, view.as_str(), summary, &view);
        let rows: Vec<_> = dvp_sdk::rows::summary_rows(&dir.join(format!("{}.csv", view.as_str())))
            .map(Result::unwrap)
            .collect();
        let counts = |name| texts(&batches, name);
        assert_eq!(
            counts("pulls_by_tag"),
            rows.iter()
                .map(|r| r.pulls_by_tag.map(|n| n.to_string()))
                .collect::<Vec<_>>()
        );
        assert_eq!(
            counts("unique_ip_count"),
            rows.iter()
                .map(|r| r.unique_ip_count.map(|n| n.to_string()))
                .collect::<Vec<_>>()
        );
        assert_eq!(counts("reference"), [None, None], "absent column: all null");
        assert_eq!(
            batches[0]
                .schema()
                .field_with_name("version_checks")
                .unwrap()
                .data_type(),
            &DataType::Int64
        );
    }

    // Namespace summary: the namespace and the four counts.
    let batches = dvp_convert(
        dir,
        "namespace-summary",
        "namespace,unique_ip_count,pulls_by_tag,pulls_by_digest,version_checks\nacme,5,6,7,8\n",
        &dvp_sdk::Dataview::NamespaceSummary,
    );
    let names: Vec<String> = batches[0]
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(
        names,
        [
            "namespace",
            "unique_ip_count",
            "pulls_by_tag",
            "pulls_by_digest",
            "version_checks"
        ]
    );
    assert_eq!(texts(&batches, "version_checks"), [Some("8".to_owned())]);

    // A dataview the SDK does not know: every column as text, named from
    // the header.
    let batches = dvp_convert(
        dir,
        "hourly",
        "hour,pulls\n10,5\n11,\n",
        &dvp_sdk::Dataview::from("hourly"),
    );
    assert_eq!(
        batches[0]
            .schema()
            .field_with_name("pulls")
            .unwrap()
            .data_type(),
        &DataType::Utf8
    );
    assert_eq!(texts(&batches, "pulls"), [Some("5".to_owned()), None]);
}

/// `rows` under the header of [`schema`], converted to Parquet in `dir`:
/// the file and a reader of it.
fn converted(
    dir: &std::path::Path,
    rows: impl Iterator<Item = String>,
    options: &ParquetOptions,
) -> (
    std::path::PathBuf,
    parquet::file::reader::SerializedFileReader<std::fs::File>,
) {
    let csv = dir.join("report.csv");
    let mut data = String::from("day,at,pulls,share,automated,repo,region\n");
    data.extend(rows);
    std::fs::write(&csv, data).unwrap();
    let dest = dir.join("report.parquet");
    let report = ReportId::parse("custom", "daily", "2026-06-30").unwrap();
    enterprise_data_sdk::columnar::convert_to_parquet(
        &csv,
        &schema(),
        "o",
        &report,
        &dest,
        options,
    )
    .unwrap();
    let file = std::fs::File::open(&dest).unwrap();
    (
        dest,
        parquet::file::reader::SerializedFileReader::new(file).unwrap(),
    )
}

#[test]
fn parquet_files_are_zstd_compressed_in_bounded_row_groups() {
    let dir = tempfile::tempdir().unwrap();
    let rows = (0..10_000).map(|i| {
        format!(
            "2026-06-30,2026-06-30T10:00:00Z,{i},0.5,true,acme/repo-{},x\n",
            i % 7
        )
    });
    // Batches that straddle row groups: each group takes part of one.
    let options = ParquetOptions::new().batch_rows(3000).row_group_rows(4000);
    let (dest, reader) = converted(dir.path(), rows, &options);
    let meta = parquet::file::reader::FileReader::metadata(&reader);
    assert_eq!(meta.num_row_groups(), 3, "10,000 rows in groups of 4,000");
    let group_rows: Vec<_> = meta.row_groups().iter().map(|g| g.num_rows()).collect();
    assert_eq!(group_rows, [4000, 4000, 2000]);
    assert!(matches!(
        meta.row_group(0).column(2).compression(),
        parquet::basic::Compression::ZSTD(_)
    ));
    let encodings = |column: usize| {
        meta.row_group(0)
            .column(column)
            .encodings()
            .collect::<Vec<_>>()
    };
    use parquet::basic::Encoding;
    assert!(
        encodings(2).contains(&Encoding::DELTA_BINARY_PACKED),
        "integers delta-packed"
    );
    assert!(
        !encodings(1).contains(&Encoding::DELTA_BINARY_PACKED),
        "timestamps plain"
    );
    // Every row in its place, through the delta encoding too.
    let (batches, _) = read_back(&dest);
    let pulls: Vec<_> = texts(&batches, "pulls");
    let expected: Vec<_> = (0..10_000).map(|i| Some(i.to_string())).collect();
    assert_eq!(pulls, expected);
    let repos = texts(&batches, "repo");
    assert_eq!(repos[9_999].as_deref(), Some("acme/repo-3"));
    assert_eq!(repos.len(), 10_000);
}

#[test]
fn parquet_pages_stay_small() {
    use parquet::file::reader::FileReader;
    let dir = tempfile::tempdir().unwrap();
    let rows = (0..60_000).map(|i| format!(",,,{i}.25,,,\n"));
    let (_, reader) = converted(dir.path(), rows, &ParquetOptions::new());
    let pages: Vec<usize> = reader
        .get_row_group(0)
        .unwrap()
        .get_column_page_reader(3)
        .unwrap()
        .map(|page| page.unwrap().buffer().len())
        .collect();
    // 60,000 doubles are 469 KiB: at least four pages, none much over 128 KiB.
    assert!(pages.len() >= 4, "{pages:?}");
    assert!(pages.iter().all(|&bytes| bytes <= 132 * 1024), "{pages:?}");
}

/// Without the feature, neither SDK builds an arrow or parquet crate.
#[test]
fn without_the_feature_no_arrow_crate_is_built() {
    for package in ["dvp-sdk", "enterprise-data-sdk"] {
        let output = std::process::Command::new(env!("CARGO"))
            .args([
                "tree",
                "--locked",
                "--offline",
                "-e",
                "normal",
                "-p",
                package,
            ])
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let tree = String::from_utf8_lossy(&output.stdout);
        assert!(tree.contains("docker-data-core"), "{tree}");
        for crate_name in ["arrow-", "parquet"] {
            assert!(
                !tree.contains(crate_name),
                "{package} without `arrow` pulls in {crate_name}:\n{tree}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn record_batches_stream_from_the_network_holding_every_typed_row() {
    use futures::TryStreamExt;
    use simulator::{Simulator, accounts};
    let sim = Simulator::start().await.unwrap();
    let client = enterprise_data_sdk::EnterpriseClient::builder(accounts::ORG, accounts::OAT)
        .hub_url(sim.hub_url())
        .api_url(sim.enterprise_url())
        .retry(contract_tests::fast_retry())
        .build()
        .unwrap();
    let report = ReportId::parse("usage_pulls", "daily", "2026-06-30").unwrap();
    let schema = client.schema(&report).await.unwrap();
    let batches: Vec<RecordBatch> = client
        .record_batch_stream(&report, 64)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let rows: Vec<_> = client
        .stream_rows(&report, &schema)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert!(batches.len() > 1 && batches.iter().all(|b| b.num_rows() <= 64));
    let mut row = 0;
    for batch in &batches {
        for i in 0..batch.num_rows() {
            for (c, expected) in rows[row].values().enumerate() {
                assert_eq!(
                    value_at(batch.column(c).as_ref(), i),
                    expected.to_owned(),
                    "row {row}"
                );
            }
            row += 1;
        }
    }
    assert_eq!(row, rows.len());

    // DVP: a raw file's batches hold its raw rows.
    let dvp = dvp_sdk::DvpClient::builder(dvp_sdk::Credentials::login(
        accounts::DVP_USER,
        accounts::DVP_PASSWORD,
    ))
    .hub_url(sim.hub_url())
    .api_url(sim.dvp_url())
    .retry(contract_tests::fast_retry())
    .build()
    .unwrap();
    let files = dvp
        .files(
            accounts::NAMESPACE,
            2026,
            dvp_sdk::Timespan::Month(3),
            dvp_sdk::Dataview::Raw,
        )
        .await
        .unwrap();
    let batches: Vec<RecordBatch> = dvp
        .record_batch_stream(&files[0], 100)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let raw: Vec<dvp_sdk::rows::RawRow> = dvp
        .stream_rows::<dvp_sdk::rows::RawDecoder>(&files[0])
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        texts(&batches, "repository"),
        raw.iter()
            .map(|r| r.repository().map(str::to_owned))
            .collect::<Vec<_>>()
    );
}
