//! Property tests of every parser that reads data from the network or from
//! files: none may panic, whatever the input, and well-formed input must
//! give back exactly what was put in.
//!
//! JSON bodies are generated from each spec schema's real property names
//! and types (required fields always, optional ones sometimes), so every
//! response type is exercised, not only those whose keys a random string
//! happens to hit; each must decode and encode back to the input. CSVs get
//! valid headers and fuzzed cells, and the typed values are checked.
//!
//! They run in the normal test run with proptest's default of 256 cases
//! each. To fuzz longer: `PROPTEST_CASES=100000 cargo test -p contract-tests --test fuzz --release`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use contract_tests::gzip;
use docker_data_csv::{FromHeaders, MakeDecoder, RecordDecoder, RowDecoder, Rows, Source};

/// Rows of an in-memory CSV (the reading mode's `Result` shape kept, so a
/// body here reads like a user's loop).
fn rows_from_reader<D: FromHeaders>(
    input: std::io::Cursor<impl AsRef<[u8]> + Send + 'static>,
) -> Result<Rows<D>, docker_data_csv::CsvError> {
    Ok(docker_data_csv::rows(
        Source::reader(input),
        D::from_headers,
    ))
}

fn rows_from_reader_with<D: RowDecoder>(
    input: std::io::Cursor<impl AsRef<[u8]> + Send + 'static>,
    make: impl MakeDecoder<D>,
) -> Result<Rows<D>, docker_data_csv::CsvError> {
    Ok(docker_data_csv::rows(Source::reader(input), make))
}
use proptest::prelude::*;

/// Arbitrary JSON, nested a few levels.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        "[a-zA-Z0-9_ -]{0,12}".prop_map(serde_json::Value::from),
        // Values the specs use, so decoding gets past the first field.
        prop_oneof![
            Just("raw"),
            Just("weeks"),
            Just("2026-06-16"),
            Just("usage_pulls")
        ]
        .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    "[a-z_]{1,10}".boxed(),
                    prop_oneof![
                        Just("months".to_owned()),
                        Just("weeks".to_owned()),
                        Just("data".to_owned()),
                        Just("reports".to_owned()),
                        Just("next_page_token".to_owned()),
                        Just("Date".to_owned()),
                        Just("SizeBytes".to_owned()),
                    ]
                    .boxed(),
                ],
                inner,
                0..6
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn decode_everything(value: &serde_json::Value) {
    use dvp_sdk::generated::types as dvp;
    use enterprise_data_sdk::generated::types as ent;
    use hub_auth::generated::types as hub;
    macro_rules! try_all {
        ($($t:ty),*) => {$(
            if let Ok(decoded) = serde_json::from_value::<$t>(value.clone()) {
                // What decodes also encodes, and decodes again to the same.
                let again: $t = serde_json::from_value(serde_json::to_value(&decoded).unwrap()).unwrap();
                assert_eq!(again, decoded);
            }
        )*};
    }
    try_all!(
        dvp::NamespaceData,
        dvp::NamespaceMetadata,
        dvp::YearData,
        dvp::TimespanData,
        dvp::TimespanModel,
        dvp::ResponseData,
        hub::CreateAccessTokenResponse,
        hub::LoginResponse,
        hub::LoginErrorResponse,
        hub::HubError,
        ent::ListReportTypesResponse,
        ent::ListReportsResponse,
        ent::ReportSchema,
        ent::Error
    );
}

/// Values that satisfy an OpenAPI schema of `spec` (refs resolved, one
/// level of `oneOf`, enums, formats `date` and `date-time`, nullable,
/// additionalProperties maps). `depth` bounds nesting.
fn from_schema(
    spec: &serde_json::Value,
    schema: &serde_json::Value,
    depth: u32,
) -> BoxedStrategy<serde_json::Value> {
    use serde_json::Value;
    let schema =
        contract_tests::spec::flatten_all_of(spec, contract_tests::spec::resolve(spec, schema));
    let strategy = if let Some(options) = schema["oneOf"].as_array() {
        let options: Vec<_> = options
            .iter()
            .map(|o| from_schema(spec, o, depth))
            .collect();
        proptest::strategy::Union::new(options).boxed()
    } else if let Some(values) = schema["enum"].as_array() {
        proptest::sample::select(values.clone()).boxed()
    } else {
        match schema["type"]
            .as_str()
            .unwrap_or(if schema.get("properties").is_some() {
                "object"
            } else {
                "string"
            }) {
            "string" => match schema["format"].as_str() {
                Some("date") => (1970i32..2100, 1u32..=12, 1u32..=28)
                    .prop_map(|(y, m, d)| Value::from(format!("{y:04}-{m:02}-{d:02}")))
                    .boxed(),
                Some("date-time") => (0i64..4_102_444_800)
                    .prop_map(|secs| {
                        let at = chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default();
                        Value::from(at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                    })
                    .boxed(),
                // A pattern or a minimum length is what the generated
                // newtype checks: keep to it.
                _ => {
                    let pattern = schema["pattern"]
                        .as_str()
                        .map(|p| p.trim_start_matches('^').trim_end_matches('$').to_owned())
                        .unwrap_or_else(|| "\\PC{0,16}".to_owned());
                    let min = schema["minLength"].as_u64().unwrap_or(0) as usize;
                    proptest::string::string_regex(&pattern)
                        .expect("the spec's pattern is a regex proptest reads")
                        .prop_filter("minLength", move |s| s.chars().count() >= min)
                        .prop_map(Value::from)
                        .boxed()
                }
            },
            "integer" => match (schema["format"].as_str(), schema["minimum"].as_i64()) {
                (Some("int32"), min) => (min.unwrap_or(i64::from(i32::MIN))..=i64::from(i32::MAX))
                    .prop_map(Value::from)
                    .boxed(),
                (_, Some(min)) => (min..i64::MAX).prop_map(Value::from).boxed(),
                _ => any::<i64>().prop_map(Value::from).boxed(),
            },
            "number" => any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from)
                .boxed(),
            "boolean" => any::<bool>().prop_map(Value::from).boxed(),
            "array" if depth > 0 => {
                prop::collection::vec(from_schema(spec, &schema["items"], depth - 1), 0..4)
                    .prop_map(Value::Array)
                    .boxed()
            }
            "array" => Just(Value::Array(Vec::new())).boxed(),
            // At the depth bound an object keeps only its required fields.
            _ if depth == 0 && schema["required"].as_array().is_none_or(Vec::is_empty) => {
                Just(serde_json::json!({})).boxed()
            }
            _ => {
                let required: Vec<String> = schema["required"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|r| r.as_str().map(str::to_owned))
                    .collect();
                let mut fields: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
                for (name, property) in schema["properties"].as_object().into_iter().flatten() {
                    if depth == 0 && !required.contains(name) {
                        continue;
                    }
                    let name = name.clone();
                    let value = from_schema(spec, property, depth.saturating_sub(1));
                    if required.contains(&name) {
                        fields.push(value.prop_map(move |v| Some((name.clone(), v))).boxed());
                    } else {
                        fields.push(
                            prop::option::of(value)
                                .prop_map(move |v| v.map(|v| (name.clone(), v)))
                                .boxed(),
                        );
                    }
                }
                let extra = match &schema["additionalProperties"] {
                    Value::Object(values) if !values.is_empty() => prop::collection::btree_map(
                        "[a-z][a-z0-9/_-]{0,15}",
                        from_schema(
                            spec,
                            &Value::Object(values.clone()),
                            depth.saturating_sub(1),
                        ),
                        0..4,
                    )
                    .boxed(),
                    _ => Just(std::collections::BTreeMap::new()).boxed(),
                };
                (fields, extra)
                    .prop_map(|(fields, extra)| {
                        let mut map: serde_json::Map<String, Value> = extra.into_iter().collect();
                        map.extend(fields.into_iter().flatten());
                        Value::Object(map)
                    })
                    .boxed()
            }
        }
    };
    if schema["nullable"] == true {
        prop::option::of(strategy)
            .prop_map(|v| v.unwrap_or(Value::Null))
            .boxed()
    } else {
        strategy
    }
}

/// Every documented JSON response: (what, its schema's strategy, decoder).
fn every_response_body() -> Vec<(
    String,
    BoxedStrategy<serde_json::Value>,
    contract_tests::decoders::Decode,
)> {
    let mut all = Vec::new();
    for spec_name in contract_tests::spec::specs() {
        let document = contract_tests::spec::load(&spec_name);
        for response in contract_tests::spec::responses(&document) {
            let Some(schema) = response.json_schema() else {
                continue;
            };
            let decode = contract_tests::decoders::decoder(
                &spec_name,
                &response.operation,
                &response.status,
            )
            .unwrap_or_else(|| {
                panic!(
                    "{spec_name} {} {}: no decoder",
                    response.operation, response.status
                )
            });
            all.push((
                format!("{spec_name} {} {}", response.operation, response.status),
                from_schema(&document, schema, 4),
                decode,
            ));
        }
    }
    all
}

#[test]
fn every_response_type_round_trips_bodies_built_from_its_schema() {
    use proptest::test_runner::{Config, TestRunner};
    let responses = every_response_body();
    assert!(
        responses.len() >= 30,
        "only {} response bodies found",
        responses.len()
    );
    for (what, strategy, decode) in responses {
        let mut runner = TestRunner::new(Config {
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(&strategy, |body| {
                contract_tests::decoders::round_trip(decode, &body)
                    .map_err(|e| TestCaseError::fail(format!("{what}: {e}")))
            })
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

proptest! {
    #[test]
    fn jwt_expiry_never_panics(token in ".{0,200}") {
        let _ = hub_auth::jwt::expiry(&token);
    }

    #[test]
    fn jwt_expiry_reads_any_exp(exp in 0u64..4_000_000_000, extra in "[a-z]{0,8}") {
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let token = format!("h.{}.s", engine.encode(format!(r#"{{"exp":{exp},"x":"{extra}"}}"#)));
        prop_assert_eq!(hub_auth::jwt::expiry(&token), Some(UNIX_EPOCH + Duration::from_secs(exp)));
    }

    #[test]
    fn retry_after_never_panics_and_reads_seconds(text in ".{0,40}", seconds in 0u64..1_000_000) {
        let now = SystemTime::now();
        let _ = sdk_core::retry::parse_retry_after(&text, now);
        prop_assert_eq!(sdk_core::retry::parse_retry_after(&seconds.to_string(), now), Some(Duration::from_secs(seconds)));
    }

    #[test]
    fn json_response_types_never_panic(value in json_value()) {
        decode_everything(&value);
    }

    #[test]
    fn csv_readers_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let text_like: Vec<u8> = bytes.iter().map(|b| if b % 7 == 0 { b',' } else if b % 11 == 0 { b'\n' } else { *b }).collect();
        for input in [bytes.clone(), text_like] {
            if let Ok(rows) = rows_from_reader::<dvp_sdk::rows::RawDecoder>(std::io::Cursor::new(input.clone())) {
                for row in rows.take(100) { let _ = row; }
            }
            if let Ok(rows) = rows_from_reader::<dvp_sdk::rows::SummaryDecoder>(std::io::Cursor::new(input.clone())) {
                for row in rows.take(100) { let _ = row; }
            }
            if let Ok(rows) = rows_from_reader::<RecordDecoder>(std::io::Cursor::new(input.clone())) {
                for row in rows.take(100) { let _ = row; }
            }
            if let Ok(rows) = rows_from_reader::<enterprise_data_sdk::rows::UsagePullsDecoder>(std::io::Cursor::new(input.clone())) {
                for row in rows.take(100) { let _ = row; }
            }
            let fields: Vec<_> = ["string", "integer", "float", "boolean", "date", "timestamp", "other"]
                .iter()
                .enumerate()
                .map(|(i, t)| serde_json::json!({"name": format!("c{i}"), "type": t, "description": ""}))
                .collect();
            let schema: enterprise_data_sdk::ReportSchema =
                serde_json::from_value(serde_json::json!({"category": "x", "fields": fields})).unwrap();
            {
                let mut reader = enterprise_data_sdk::rows::RowReader::new(Source::reader(std::io::Cursor::new(input.clone())), &schema, "fuzz");
                for _ in 0..100 {
                    match reader.next_row() {
                        Some(Ok(row)) => { let _ = row.to_row(); }
                        Some(Err(_)) => {}
                        None => break,
                    }
                }
            }
            let make = move |h: &csv::StringRecord| Ok(enterprise_data_sdk::rows::SchemaDecoder::new(&schema, h));
            if let Ok(rows) = rows_from_reader_with(std::io::Cursor::new(input), make) {
                for row in rows.take(100) { let _ = row; }
            }
        }
    }

    #[test]
    fn typed_csv_values_round_trip(count in any::<u32>(), day in 1u32..28, flag in any::<bool>(), share in 0.0f64..1.0) {
        let data = format!("pull_count,event_date,automated,share\n{count},2026-02-{day:02},{flag},{share}\n");
        let schema: enterprise_data_sdk::ReportSchema = serde_json::from_value(serde_json::json!({"category": "x", "fields": [
            {"name": "pull_count", "type": "integer", "description": ""},
            {"name": "event_date", "type": "date", "description": ""},
            {"name": "automated", "type": "boolean", "description": ""},
            {"name": "share", "type": "float", "description": ""},
        ]})).unwrap();
        let make = move |h: &csv::StringRecord| Ok(enterprise_data_sdk::rows::SchemaDecoder::new(&schema, h));
        let row = rows_from_reader_with(std::io::Cursor::new(data), make).unwrap().next().unwrap().unwrap();
        use enterprise_data_sdk::rows::ValueRef;
        prop_assert_eq!(row.get("pull_count"), Some(ValueRef::Integer(i64::from(count))));
        prop_assert_eq!(row.get("automated"), Some(ValueRef::Boolean(flag)));
        prop_assert_eq!(row.get("share"), Some(ValueRef::Float(share)));
    }
}

/// A CSV cell: text that may need quoting (commas, quotes, newlines).
fn cell() -> impl Strategy<Value = String> {
    prop_oneof!["[a-zA-Z0-9 ./:_-]{1,12}", "[a-z]{0,4}[,\"\n][a-z]{0,4}",]
        .prop_filter("not empty", |c| !c.is_empty())
}

/// A text cell as the DVP readers return it: surrounding spaces trimmed,
/// blank as absent.
fn as_read(cell: &str) -> Option<&str> {
    Some(cell.trim_matches(' ')).filter(|c| !c.is_empty())
}

fn csv_line(cells: &[String]) -> String {
    let quoted: Vec<String> = cells
        .iter()
        .map(|c| {
            if c.contains([',', '"', '\n']) {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                c.clone()
            }
        })
        .collect();
    format!("{}\n", quoted.join(","))
}

proptest! {
    #[test]
    fn dvp_raw_rows_give_back_every_cell_plain_and_gzipped(
        rows in prop::collection::vec(
            (0i64..4_102_444_800, prop::collection::vec(cell(), 11)),
            1..8,
        ),
    ) {
        let header = "timestamp,namespace,repository,reference,tag,digest,http_method,action,type,host,country,user_agent\n";
        let mut data = header.to_owned();
        for (secs, cells) in &rows {
            let at = chrono::DateTime::from_timestamp(*secs, 0).unwrap();
            let mut line = vec![at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)];
            line.extend(cells.iter().cloned());
            data.push_str(&csv_line(&line));
        }
        for input in [data.clone().into_bytes(), gzip(data.as_bytes())] {
            let parsed: Vec<_> = rows_from_reader::<dvp_sdk::rows::RawDecoder>(std::io::Cursor::new(input))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            prop_assert_eq!(parsed.len(), rows.len());
            for (row, (secs, cells)) in parsed.iter().zip(&rows) {
                prop_assert_eq!(row.timestamp().map(|t| t.timestamp()), Some(*secs));
                prop_assert_eq!(row.namespace(), as_read(&cells[0]));
                prop_assert_eq!(row.repository(), as_read(&cells[1]));
                prop_assert_eq!(row.user_agent(), as_read(&cells[10]));
                prop_assert_eq!(row.country(), as_read(&cells[9]));
            }
        }
    }

    #[test]
    fn dvp_summary_rows_give_back_counts_and_names(
        rows in prop::collection::vec((cell(), cell(), any::<u64>(), any::<u64>(), any::<u64>(), any::<u64>()), 1..8),
    ) {
        let mut data = "namespace,repository,unique_ip_count,pulls_by_tag,pulls_by_digest,version_checks\n".to_owned();
        for (ns, repo, a, b, c, d) in &rows {
            data.push_str(&csv_line(&[ns.clone(), repo.clone(), a.to_string(), b.to_string(), c.to_string(), d.to_string()]));
        }
        let parsed: Vec<_> = rows_from_reader::<dvp_sdk::rows::SummaryDecoder>(std::io::Cursor::new(gzip(data.as_bytes())))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for (row, (ns, repo, a, b, c, d)) in parsed.iter().zip(&rows) {
            prop_assert_eq!(row.namespace.as_deref(), as_read(ns));
            prop_assert_eq!(row.repository.as_deref(), as_read(repo));
            prop_assert_eq!((row.unique_ip_count, row.pulls_by_tag, row.pulls_by_digest, row.version_checks), (Some(*a), Some(*b), Some(*c), Some(*d)));
            prop_assert_eq!(row.reference.as_deref(), None);
        }
    }

    #[test]
    fn schema_typed_rows_give_back_every_value(
        rows in prop::collection::vec(
            (any::<i64>(), 1970i32..2100, 1u32..=12, 1u32..=28, any::<bool>(), any::<f64>().prop_filter("finite", |f| f.is_finite()), 0i64..4_102_444_800, cell(), any::<bool>()),
            1..8,
        ),
    ) {
        use enterprise_data_sdk::rows::ValueRef;
        let schema: enterprise_data_sdk::ReportSchema = serde_json::from_value(serde_json::json!({"category": "x", "fields": [
            {"name": "count", "type": "integer", "description": ""},
            {"name": "day", "type": "date", "description": ""},
            {"name": "flag", "type": "boolean", "description": ""},
            {"name": "share", "type": "float", "description": ""},
            {"name": "at", "type": "timestamp", "description": ""},
            {"name": "label", "type": "string", "description": ""},
            {"name": "maybe", "type": "integer", "description": ""},
        ]})).unwrap();
        let mut data = "count,day,flag,share,at,label,maybe\n".to_owned();
        for (count, y, m, d, flag, share, at, label, empty) in &rows {
            let at = chrono::DateTime::from_timestamp(*at, 0).unwrap().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let maybe = if *empty { String::new() } else { count.to_string() };
            data.push_str(&csv_line(&[count.to_string(), format!("{y:04}-{m:02}-{d:02}"), flag.to_string(), share.to_string(), at, label.clone(), maybe]));
        }
        for input in [data.clone().into_bytes(), gzip(data.as_bytes())] {
            let for_rows = schema.clone();
            let make = move |h: &csv::StringRecord| Ok(enterprise_data_sdk::rows::SchemaDecoder::new(&for_rows, h));
            let parsed: Vec<_> = rows_from_reader_with(std::io::Cursor::new(input.clone()), make)
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            prop_assert_eq!(parsed.len(), rows.len());
            // The lending reader (typed a batch at a time) gives the same rows.
            let mut reader = enterprise_data_sdk::rows::RowReader::new(Source::reader(std::io::Cursor::new(input)), &schema, "fuzz");
            for row in &parsed {
                let lent = reader.next_row().unwrap().unwrap().to_row();
                prop_assert_eq!(&lent, row);
            }
            prop_assert!(reader.next_row().is_none());
            for (row, (count, y, m, d, flag, share, at, label, empty)) in parsed.iter().zip(&rows) {
                prop_assert_eq!(row.get("count"), Some(ValueRef::Integer(*count)));
                let day = chrono::NaiveDate::from_ymd_opt(*y, *m, *d).unwrap();
                prop_assert_eq!(row.get("day"), Some(ValueRef::Date(day)));
                prop_assert_eq!(row.get("flag"), Some(ValueRef::Boolean(*flag)));
                prop_assert_eq!(row.get("share"), Some(ValueRef::Float(*share)));
                prop_assert_eq!(row.get("at"), Some(ValueRef::Timestamp(chrono::DateTime::from_timestamp(*at, 0).unwrap())));
                prop_assert_eq!(row.get("label"), Some(ValueRef::String(label)));
                let maybe = if *empty { ValueRef::Null } else { ValueRef::Integer(*count) };
                prop_assert_eq!(row.get("maybe"), Some(maybe));
            }
        }
    }

    #[test]
    fn content_range_reads_what_a_server_writes_and_never_panics(
        start in 0u64..u64::MAX / 2, len in 1u64..1_000_000, extra in 0u64..1_000_000, junk in ".{0,40}",
    ) {
        let end = start + len - 1;
        let total = end + 1 + extra;
        let parse = sdk_core::download::parse_content_range;
        prop_assert_eq!(parse(&format!("bytes {start}-{end}/{total}")), Some((start, Some(total))));
        prop_assert_eq!(parse(&format!("bytes {start}-{end}/*")), Some((start, None)));
        // An end past the total, or before the start, is refused.
        prop_assert_eq!(parse(&format!("bytes {start}-{end}/{end}")), None);
        if len > 1 {
            prop_assert_eq!(parse(&format!("bytes {end}-{start}/{total}")), None);
        }
        let _ = parse(&junk);
    }

    #[test]
    fn fast_cell_parsers_agree_with_the_general_ones(
        text in "[ \t\u{3000}]?-?[0-9]{0,20}[ .x]?[ \u{3000}]?",
        any_text in "\\PC{0,12}",
        n in any::<i64>(),
    ) {
        for cell in [&text, &any_text, &n.to_string()] {
            prop_assert_eq!(docker_data_csv::parse_i64(cell), cell.trim().parse::<i64>().ok(), "{:?}", cell);
            prop_assert_eq!(docker_data_csv::trim(cell), cell.trim());
        }
    }

    #[test]
    fn eight_digits_at_a_time_reads_only_digits(
        cell in proptest::collection::vec(
            prop_oneof![
                8 => proptest::char::range('0', '9'),
                1 => prop_oneof![Just('/'), Just(':'), Just('\u{0}'), Just('\u{7f}'), Just('é'), Just('٣')],
                1 => any::<char>(),
            ],
            0..22,
        ).prop_map(|chars| chars.into_iter().collect::<String>()),
        sign in prop_oneof![Just(""), Just("-"), Just("+")],
    ) {
        let cell = format!("{sign}{cell}");
        prop_assert_eq!(docker_data_csv::parse_i64(&cell), cell.trim().parse::<i64>().ok(), "{:?}", cell);
    }

    #[test]
    fn the_fast_float_parser_agrees_with_std(
        plain in "-?[0-9]{0,17}\\.?[0-9]{0,17}",
        odd in "[ ]?[-+]?[0-9.eE]{0,8}[ ]?|inf|NaN|-0|0\\.0",
        x in any::<f64>(),
    ) {
        for cell in [&plain, &odd, &x.to_string(), &format!("{x:e}"), &format!("{:.6}", x)] {
            let ours = docker_data_csv::parse_f64(cell);
            let std = cell.trim().parse::<f64>().ok();
            // Bit for bit (NaN == NaN, 0.0 != -0.0).
            prop_assert_eq!(ours.map(f64::to_bits), std.map(f64::to_bits), "{:?}", cell);
        }
    }

    #[test]
    fn the_date_cache_never_gives_a_stale_day(
        cells in proptest::collection::vec(
            (2024i32..2027, 1u32..13, 1u32..32, 0u32..25, 0u32..60, prop_oneof![Just("T"), Just(" ")]),
            1..20,
        ),
    ) {
        let mut cache = docker_data_csv::DateCache::default();
        for (year, month, day, hour, minute, sep) in cells {
            let date = format!("{year:04}-{month:02}-{day:02}");
            let stamp = format!("{date}{sep}{hour:02}:{minute:02}:07Z");
            let reference = chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d").ok();
            prop_assert_eq!(cache.date(&date), reference);
            let expected = chrono::NaiveDateTime::parse_from_str(&stamp, "%Y-%m-%d %H:%M:%SZ")
                .or_else(|_| chrono::NaiveDateTime::parse_from_str(&stamp, "%Y-%m-%dT%H:%M:%SZ"))
                .ok()
                .map(|t| t.and_utc());
            prop_assert_eq!(cache.timestamp(&stamp), expected, "{}", stamp);
            // The Arrow counts agree with chrono's, through the same cache.
            prop_assert_eq!(
                cache.timestamp_micros(&stamp),
                expected.map(|t| t.timestamp_micros()),
                "{}", stamp
            );
            prop_assert_eq!(
                cache.days_since_epoch(&date),
                reference.map(|d| (d - chrono::NaiveDate::default()).num_days() as i32)
            );
        }
    }

    #[test]
    fn timestamp_micros_agrees_with_chrono_on_any_text(
        (year, month, day, hour, minute, second) in
            (0u32..10_000, 0u32..14, 0u32..33, 0u32..26, 0u32..62, 0u32..62),
        sep in prop_oneof![Just("T"), Just(" ")],
        zone in prop_oneof![Just("Z"), Just("")],
        odd in "[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:.+Z ]{0,14}(UTC)?",
        any_text in "\\PC{0,22}",
        seconds in -62_000_000_000i64..250_000_000_000,
    ) {
        let formatted = chrono::DateTime::from_timestamp(seconds, 0).unwrap();
        // The fast path's shape, with out-of-range parts as often as not.
        let shaped =
            format!("{year:04}-{month:02}-{day:02}{sep}{hour:02}:{minute:02}:{second:02}{zone}");
        for cell in [
            &shaped,
            &odd,
            &any_text,
            &formatted.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            &formatted.format("%Y-%m-%d %H:%M:%S").to_string(),
        ] {
            let mut cache = docker_data_csv::DateCache::default();
            prop_assert_eq!(
                cache.timestamp_micros(cell),
                docker_data_csv::parse_timestamp(cell).map(|t| t.timestamp_micros()),
                "{:?}", cell
            );
        }
    }

    #[test]
    fn retry_after_reads_http_dates(ahead in 0u64..100_000) {
        let now = UNIX_EPOCH + Duration::from_secs(1_790_000_000);
        let at = httpdate::fmt_http_date(now + Duration::from_secs(ahead));
        prop_assert_eq!(sdk_core::retry::parse_retry_after(&at, now), Some(Duration::from_secs(ahead)));
        // A date in the past means: retry now.
        let past = httpdate::fmt_http_date(now - Duration::from_secs(ahead + 1));
        prop_assert_eq!(sdk_core::retry::parse_retry_after(&past, now), Some(Duration::ZERO));
    }

    #[test]
    // The SDKs' own input checks have their properties beside them
    // (`validate.rs` in dvp-sdk and enterprise-data-sdk); a path segment is
    // checked here because both SDKs rely on it.
    fn path_segments_stay_under_their_folder(text in "\\PC{0,24}") {
        if let Ok(segment) = sdk_core::safe_path::segment("name", &text) {
            let path = std::path::Path::new("/out").join(segment);
            prop_assert_eq!(path.parent(), Some(std::path::Path::new("/out")));
            prop_assert!(!segment.starts_with('-') && segment != "..");
        }
    }

    #[test]
    fn the_servers_message_is_found_in_any_error_body(message in "[a-zA-Z0-9 .,:!?-]{1,60}", key in prop_oneof![Just("error"), Just("detail"), Just("message")], junk in ".{0,80}") {
        let body = serde_json::json!({ key: message, "code": 7 }).to_string();
        prop_assert_eq!(sdk_core::error::message_of_body(&body), message.clone());
        // Also when the body is cut short after the message (a 64 KiB prefix).
        let cut = format!("{}, \"more\": \"{junk}", &body[..body.len() - 1]);
        prop_assert_eq!(sdk_core::error::message_of_body(&cut), message);
        let _ = sdk_core::error::message_of_body(&junk);
    }
}
