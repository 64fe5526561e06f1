//! Every JSON response body of every spec decodes into its generated type.
//!
//! Bodies come from the spec's own `example` where it has one, and from
//! `tests/fixtures/<spec>/<operationId>.<status>[.<variant>].json`
//! otherwise. The test walks the patched specs, so a new operation or status
//! without a body to try fails here by name.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::Value;

type Decode = fn(&Value) -> Result<String, serde_json::Error>;

/// Decodes into `T` and returns its Debug form, so callers can assert on the
/// variant that was chosen.
fn decode<T: DeserializeOwned + std::fmt::Debug>(
    body: &Value,
) -> Result<String, serde_json::Error> {
    T::deserialize(body).map(|value| format!("{value:?}"))
}

/// The generated type of each (spec, operation, status) response body.
fn decoder(spec: &str, operation: &str, status: &str) -> Option<Decode> {
    use dvp_sdk::generated::types as dvp;
    use enterprise_data_sdk::generated::types as ent;
    use hub_auth::generated::types as hub;
    Some(match (spec, operation, status) {
        ("dvp.yaml", "getNamespaces", "200") => decode::<dvp::NamespaceData>,
        ("dvp.yaml", "getNamespace", "200") => decode::<dvp::NamespaceMetadata>,
        ("dvp.yaml", "getNamespaceYears", "200") => decode::<dvp::YearData>,
        ("dvp.yaml", "getNamespaceTimespans", "200") => decode::<dvp::TimespanData>,
        ("dvp.yaml", "getNamespaceTimespanMetadata", "200") => decode::<dvp::TimespanModel>,
        ("dvp.yaml", "getNamespaceDataByTimespan", "200") => decode::<dvp::ResponseData>,
        ("hub-auth.yaml", "createAccessToken", "200") => decode::<hub::CreateAccessTokenResponse>,
        ("hub-auth.yaml", "createAccessToken", "400" | "401" | "429") => decode::<hub::HubError>,
        ("hub-auth.yaml", "postUsersLogin" | "postUsers2FALogin", "200") => {
            decode::<hub::LoginResponse>
        }
        ("hub-auth.yaml", "postUsersLogin", "401") => decode::<hub::LoginErrorResponse>,
        ("hub-auth.yaml", "postUsers2FALogin", "401") => decode::<hub::TwoFactorLoginErrorResponse>,
        ("enterprise-data.yaml", "listReportTypes", "200") => {
            decode::<ent::ListReportTypesResponse>
        }
        ("enterprise-data.yaml", "listReports", "200") => decode::<ent::ListReportsResponse>,
        ("enterprise-data.yaml", "getReportSchema", "200") => decode::<ent::ReportSchema>,
        ("enterprise-data.yaml", _, "400" | "401" | "403" | "404" | "500") => decode::<ent::Error>,
        _ => return None,
    })
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// (operationId, status, JSON body of the spec's example if any) for every
/// response with an `application/json` body in the patched spec.
fn json_responses(spec: &Value) -> Vec<(String, String, Option<Value>)> {
    let mut found = Vec::new();
    let Some(paths) = spec["paths"].as_object() else {
        return found;
    };
    for item in paths.values() {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, operation) in item {
            if !["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                continue;
            }
            let operation_id = operation["operationId"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let Some(responses) = operation["responses"].as_object() else {
                continue;
            };
            for (status, response) in responses {
                let response = resolve(spec, response);
                let json = &response["content"]["application/json"];
                if json.is_null() {
                    continue;
                }
                let example = json.get("example").cloned();
                found.push((operation_id.clone(), status.clone(), example));
            }
        }
    }
    found
}

fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
        Some(pointer) => spec.pointer(pointer).unwrap_or(&Value::Null),
        None => value,
    }
}

fn fixtures(spec_stem: &str, operation: &str, status: &str) -> Vec<(PathBuf, Value)> {
    let dir = workspace_root().join("tests/fixtures").join(spec_stem);
    let prefix = format!("{operation}.{status}.");
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(&prefix) && name.ends_with(".json") {
            let text = std::fs::read_to_string(entry.path()).expect("fixture is readable");
            let body = serde_json::from_str(&text)
                .unwrap_or_else(|err| panic!("fixture {name} is not JSON: {err}"));
            found.push((entry.path(), body));
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

#[test]
fn every_json_response_of_every_spec_decodes_into_its_generated_type() {
    let root = workspace_root();
    let mut problems = Vec::new();
    let mut checked = 0;
    for target in xtask::TARGETS {
        let spec = xtask::patched_spec_value(&root, target).expect("spec loads");
        let stem = target.spec.trim_end_matches(".yaml");
        for (operation, status, example) in json_responses(&spec) {
            let Some(decode) = decoder(target.spec, &operation, &status) else {
                problems.push(format!(
                    "{}: {operation} {status}: no generated type mapped",
                    target.spec
                ));
                continue;
            };
            let mut bodies: Vec<(String, Value)> = fixtures(stem, &operation, &status)
                .into_iter()
                .map(|(path, body)| (path.display().to_string(), body))
                .collect();
            if let Some(example) = example {
                bodies.push((
                    format!("{}: example of {operation} {status}", target.spec),
                    example,
                ));
            }
            if bodies.is_empty() {
                problems.push(format!(
                    "{}: {operation} {status}: no spec example and no tests/fixtures/{stem}/{operation}.{status}.*.json",
                    target.spec
                ));
            }
            for (source, body) in bodies {
                checked += 1;
                if let Err(err) = decode(&body) {
                    problems.push(format!("{source}: does not decode: {err}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        checked >= 20,
        "only {checked} bodies checked: the spec walk found too little"
    );
}

#[test]
fn a_weeks_listing_decodes_as_weeks_and_a_months_listing_as_months() {
    use dvp_sdk::generated::types::{TimespanData, TimespanModel};

    let weeks: TimespanData =
        serde_json::from_value(serde_json::json!({"weeks": [{"week": 1}, {"week": 52}]})).unwrap();
    let TimespanData::WeekData(weeks) = weeks else {
        panic!("weeks decoded as {weeks:?}")
    };
    assert_eq!(
        weeks.weeks.iter().map(|w| w.week).collect::<Vec<_>>(),
        [1, 52]
    );

    let months: TimespanData =
        serde_json::from_value(serde_json::json!({"months": [{"month": 3}]})).unwrap();
    let TimespanData::MonthData(months) = months else {
        panic!("months decoded as {months:?}")
    };
    assert_eq!(months.months[0].month, 3);

    let week: TimespanModel = serde_json::from_value(serde_json::json!({"week": 23})).unwrap();
    assert!(
        matches!(week, TimespanModel::WeekModel(ref w) if w.week == 23),
        "{week:?}"
    );
    let month: TimespanModel = serde_json::from_value(serde_json::json!({"month": 6})).unwrap();
    assert!(
        matches!(month, TimespanModel::MonthModel(ref m) if m.month == 6),
        "{month:?}"
    );
}

#[test]
fn the_login_401_keeps_the_2fa_token() {
    let body = fixtures("hub-auth", "postUsersLogin", "401")
        .into_iter()
        .find(|(path, _)| path.to_string_lossy().ends_with(".2fa.json"))
        .expect("2fa fixture")
        .1;
    let decoded: hub_auth::generated::types::LoginErrorResponse =
        serde_json::from_value(body).unwrap();
    assert!(decoded.login_2fa_token.is_some_and(|t| !t.is_empty()));
}

#[test]
fn login_is_generated_from_hub_auth_not_from_the_dvp_spec() {
    let root = workspace_root();
    let operations = |spec: &str| -> BTreeSet<String> {
        let target = xtask::TARGETS.iter().find(|t| t.spec == spec).unwrap();
        let value = xtask::patched_spec_value(&root, target).unwrap();
        json_responses(&value)
            .into_iter()
            .map(|(op, _, _)| op)
            .collect()
    };
    let dvp = operations("dvp.yaml");
    assert!(dvp.contains("getNamespaces"), "{dvp:?}");
    assert!(
        !dvp.iter().any(|op| op.contains("Login")),
        "DVP still has login: {dvp:?}"
    );
    let hub = operations("hub-auth.yaml");
    assert!(
        hub.contains("postUsersLogin") && hub.contains("postUsers2FALogin"),
        "{hub:?}"
    );
}
