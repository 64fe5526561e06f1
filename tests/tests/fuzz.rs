//! Property tests of every parser that reads data from the network or from
//! files: none may panic, whatever the input.
//!
//! They run in the normal test run with proptest's default of 256 cases
//! each. To fuzz longer: `PROPTEST_CASES=100000 cargo test -p contract-tests --test fuzz --release`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use proptest::prelude::*;
use sdk_core::csv::{RecordDecoder, rows_from_reader, rows_from_reader_with};

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
        use enterprise_data_sdk::rows::Value;
        prop_assert_eq!(row.get("pull_count"), Some(&Value::Integer(i64::from(count))));
        prop_assert_eq!(row.get("automated"), Some(&Value::Boolean(flag)));
        prop_assert_eq!(row.get("share"), Some(&Value::Float(share)));
    }
}
