//! Schema drift: for every component schema of every spec, the generated
//! type's `schemars` schema agrees with the spec on property names, the
//! required set, types, formats and enum values. A mismatch names the type
//! and the property.

use std::collections::{BTreeMap, BTreeSet};

use contract_tests::spec;
use schemars::JsonSchema;
use serde_json::Value;

/// The generated (or replacement) Rust type of each component schema.
fn generated_schema(spec_name: &str, component: &str) -> Option<Value> {
    use account_sdk::generated::types as acct;
    use dvp_sdk::generated::types as dvp;
    use enterprise_data_sdk::generated::types as ent;
    use hub_auth::generated::types as hub;
    use hub_sdk::generated::types as hubd;
    fn of<T: JsonSchema>() -> Value {
        serde_json::to_value(schemars::schema_for!(T)).unwrap_or_default()
    }
    Some(match (spec_name, component) {
        ("dvp.yaml", "DatasetModel") => of::<dvp::DatasetModel>(),
        ("dvp.yaml", "DatasetType") => of::<dvp_sdk::Dataset>(),
        ("dvp.yaml", "DataviewType") => of::<dvp_sdk::Dataview>(),
        ("dvp.yaml", "MonthData") => of::<dvp::MonthData>(),
        ("dvp.yaml", "MonthModel") => of::<dvp::MonthModel>(),
        ("dvp.yaml", "NamespaceData") => of::<dvp::NamespaceData>(),
        ("dvp.yaml", "NamespaceMetadata") => of::<dvp::NamespaceMetadata>(),
        ("dvp.yaml", "PostUsers2FALoginErrorResponse") => {
            of::<dvp::PostUsers2FaLoginErrorResponse>()
        }
        ("dvp.yaml", "PostUsersLoginErrorResponse") => of::<dvp::PostUsersLoginErrorResponse>(),
        ("dvp.yaml", "PostUsersLoginSuccessResponse") => of::<dvp::PostUsersLoginSuccessResponse>(),
        ("dvp.yaml", "ResponseData") => of::<dvp::ResponseData>(),
        ("dvp.yaml", "ResponseDataFile") => of::<dvp::ResponseDataFile>(),
        ("dvp.yaml", "TimespanData") => of::<dvp::TimespanData>(),
        ("dvp.yaml", "TimespanModel") => of::<dvp::TimespanModel>(),
        ("dvp.yaml", "TimespanType") => of::<dvp_sdk::TimespanKind>(),
        ("dvp.yaml", "Users2FALoginRequest") => of::<dvp::Users2FaLoginRequest>(),
        ("dvp.yaml", "UsersLoginRequest") => of::<dvp::UsersLoginRequest>(),
        ("dvp.yaml", "WeekData") => of::<dvp::WeekData>(),
        ("dvp.yaml", "WeekModel") => of::<dvp::WeekModel>(),
        ("dvp.yaml", "YearData") => of::<dvp::YearData>(),
        ("dvp.yaml", "YearModel") => of::<dvp::YearModel>(),
        ("dvp.yaml", "PullData") => of::<dvp::PullData>(),
        ("dvp.yaml", "PullModel") => of::<dvp::PullModel>(),
        ("dvp.yaml", "ReposPullData") => of::<dvp::ReposPullData>(),
        ("dvp.yaml", "PeriodType") => of::<dvp_sdk::Period>(),
        ("dvp.yaml", "GroupType") => of::<dvp_sdk::GroupBy>(),
        ("account.yaml", "User") => of::<acct::User>(),
        ("account.yaml", "UserUpdate") => of::<acct::UserUpdate>(),
        ("account.yaml", "Email") => of::<acct::Email>(),
        ("account.yaml", "EmailRequest") => of::<acct::EmailRequest>(),
        ("hub.yaml", "AuditLog") => of::<hubd::AuditLog>(),
        ("hub.yaml", "AuditLogAction") => of::<hubd::AuditLogAction>(),
        ("hub.yaml", "AuditLogActions") => of::<hubd::AuditLogActions>(),
        ("hub.yaml", "Category") => of::<hubd::Category>(),
        ("hub.yaml", "GetAuditActionsResponse") => of::<hubd::GetAuditActionsResponse>(),
        ("hub.yaml", "GetAuditLogsResponse") => of::<hubd::GetAuditLogsResponse>(),
        ("hub.yaml", "HubError") => of::<hubd::HubError>(),
        ("hub.yaml", "HubUser") => of::<hubd::HubUser>(),
        ("hub.yaml", "OrgMember") => of::<hubd::OrgMember>(),
        ("hub.yaml", "OrgMemberCsvRow") => of::<hubd::OrgMemberCsvRow>(),
        ("hub.yaml", "OrgMemberPage") => of::<hubd::OrgMemberPage>(),
        ("hub.yaml", "Page") => of::<hubd::Page>(),
        ("hub.yaml", "ProtobufAny") => of::<hubd::ProtobufAny>(),
        ("hub.yaml", "RateLimitError") => of::<hubd::RateLimitError>(),
        ("hub.yaml", "RepositoryListEntry") => of::<hubd::RepositoryListEntry>(),
        ("hub.yaml", "RepositoryPage") => of::<hubd::RepositoryPage>(),
        ("hub.yaml", "RpcStatus") => of::<hubd::RpcStatus>(),
        ("hub.yaml", "Tag") => of::<hubd::Tag>(),
        ("hub.yaml", "TagImage") => of::<hubd::TagImage>(),
        ("hub.yaml", "TagLayer") => of::<hubd::TagLayer>(),
        ("hub.yaml", "TagPage") => of::<hubd::TagPage>(),
        ("hub-auth.yaml", "HubError") => of::<hub::HubError>(),
        ("hub-auth.yaml", "LoginResponse") => of::<hub::LoginResponse>(),
        ("hub-auth.yaml", "LoginErrorResponse") => of::<hub::LoginErrorResponse>(),
        ("hub-auth.yaml", "TwoFactorLoginErrorResponse") => {
            of::<hub::TwoFactorLoginErrorResponse>()
        }
        ("enterprise-data.yaml", "ReportTypeInfo") => of::<ent::ReportTypeInfo>(),
        ("enterprise-data.yaml", "Report") => of::<ent::Report>(),
        ("enterprise-data.yaml", "ReportSchema") => of::<ent::ReportSchema>(),
        ("enterprise-data.yaml", "SchemaField") => of::<ent::SchemaField>(),
        ("enterprise-data.yaml", "Error") => of::<ent::Error>(),
        _ => return None,
    })
}

/// A schema reduced to what both sides must agree on, e.g. `string`,
/// `integer/int64`, `array<ref:MonthModel>`, `oneOf<ref:A|ref:B>`,
/// `enum[raw,summary]`. `null` alternatives are dropped: optionality is
/// compared through the required set.
fn shape(schema: &Value) -> String {
    if let Some(reference) = schema["$ref"].as_str() {
        return format!("ref:{}", reference.rsplit('/').next().unwrap_or_default());
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(options) = schema[key].as_array() {
            let mut parts: Vec<String> = options
                .iter()
                .filter(|o| o["type"] != "null")
                .map(shape)
                .collect();
            if parts.len() == 1 {
                return parts.remove(0);
            }
            parts.sort();
            return format!("oneOf<{}>", parts.join("|"));
        }
    }
    if let Some(values) = schema["enum"].as_array() {
        let mut values: Vec<String> = values
            .iter()
            .filter(|v| !v.is_null())
            .map(|v| v.to_string())
            .collect();
        values.sort();
        return format!("enum[{}]", values.join(","));
    }
    let kind = match &schema["type"] {
        Value::String(t) => t.clone(),
        Value::Array(types) => types
            .iter()
            .filter_map(|t| t.as_str())
            .find(|t| *t != "null")
            .unwrap_or("any")
            .to_owned(),
        _ if schema.get("properties").is_some() => "object".to_owned(),
        _ => "any".to_owned(),
    };
    match kind.as_str() {
        "array" => format!("array<{}>", shape(&schema["items"])),
        "integer" | "number" | "string" => match schema["format"].as_str() {
            Some(format) => format!("{kind}/{format}"),
            None => kind,
        },
        other => other.to_owned(),
    }
}

fn properties(schema: &Value) -> BTreeMap<String, Value> {
    schema["properties"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

fn required(schema: &Value) -> BTreeSet<String> {
    schema["required"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Integers without a format in the spec become `i64`; schemars then says
/// `int64`. That is the documented mapping, not drift. Open enums (see
/// xtask's `open_enums`) stand for the schemas they replace.
fn same_shape(spec_shape: &str, generated: &str) -> bool {
    let mut generated = generated.to_owned();
    for target in xtask::targets(&contract_tests::spec::workspace_root()).unwrap() {
        for (schema, rust_type) in target.replacements() {
            let rust_name = rust_type.rsplit("::").next().unwrap_or_default();
            generated = generated.replace(&format!("ref:{rust_name}>"), &format!("ref:{schema}>"));
            if generated == format!("ref:{rust_name}") {
                generated = format!("ref:{schema}");
            }
        }
    }
    spec_shape == generated
        || (spec_shape == "integer" && generated.starts_with("integer/"))
        // A number without a format is an f64; bytes travel as base64 text.
        || (spec_shape == "number" && generated == "number/double")
        || (spec_shape == "string/byte" && generated == "string")
}

/// A `$ref` of a generated schema resolved in its own definitions, so an
/// inline spec enum compares with the enum type typify named for it.
fn resolved<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    // `ref:X` also for an optional field (`anyOf [ref, null]`).
    match shape(schema).strip_prefix("ref:") {
        Some(name) if root["definitions"].get(name).is_some() => &root["definitions"][name],
        _ => schema,
    }
}

/// Every way `generated` (a type's schemars schema) disagrees with
/// `spec_schema`, each naming `what` and the property.
fn drift(what: &str, spec_schema: &Value, generated: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let (spec_shape, generated_shape) = (shape(spec_schema), shape(generated));
    if spec_schema.get("properties").is_none() && !same_shape(&spec_shape, &generated_shape) {
        problems.push(format!(
            "{what}: spec {spec_shape}, generated {generated_shape}"
        ));
    }
    let (spec_props, generated_props) = (properties(spec_schema), properties(generated));
    let spec_names: BTreeSet<_> = spec_props.keys().collect();
    let generated_names: BTreeSet<_> = generated_props.keys().collect();
    if spec_names != generated_names {
        problems.push(format!(
            "{what}: properties {spec_names:?} in the spec, {generated_names:?} generated"
        ));
    }
    if required(spec_schema) != required(generated) {
        problems.push(format!(
            "{what}: required {:?} in the spec, {:?} generated",
            required(spec_schema),
            required(generated)
        ));
    }
    for (property, spec_property) in &spec_props {
        let Some(generated_property) = generated_props.get(property) else {
            continue;
        };
        let a = shape(spec_property);
        // An inline enum of the spec is a named enum type in Rust.
        let b = if a.starts_with("enum[") {
            shape(resolved(generated, generated_property))
        } else {
            shape(generated_property)
        };
        if !same_shape(&a, &b) {
            problems.push(format!("{what}.{property}: spec {a}, generated {b}"));
        }
    }
    problems
}

#[test]
fn generated_types_match_every_component_schema() {
    let mut problems = Vec::new();
    let mut compared = 0;
    for spec_name in &spec::specs() {
        let document = spec::load(spec_name);
        let Some(components) = document["components"]["schemas"].as_object() else {
            continue;
        };
        for (name, spec_schema) in components {
            let Some(generated) = generated_schema(spec_name, name) else {
                problems.push(format!(
                    "{spec_name} {name}: no generated type mapped in this test"
                ));
                continue;
            };
            compared += 1;
            problems.extend(drift(
                &format!("{spec_name} {name}"),
                &spec::flatten_all_of(&document, spec_schema),
                &generated,
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(compared >= 25, "only {compared} schemas compared");
}

#[test]
fn the_comparison_notices_a_drift_of_a_real_type() {
    // The real spec schema of `Report` against the real generated type
    // agrees; each edit of the spec side is then reported by name.
    let spec_doc = spec::load("enterprise-data.yaml");
    let spec_schema = &spec_doc["components"]["schemas"]["Report"];
    let generated = generated_schema("enterprise-data.yaml", "Report").unwrap();
    assert_eq!(
        drift("Report", spec_schema, &generated),
        Vec::<String>::new()
    );

    let mut added = spec_schema.clone();
    added["properties"]["Region"] = serde_json::json!({"type": "string"});
    let problems = drift("Report", &added, &generated);
    assert!(
        problems.iter().any(|p| p.contains("\"Region\"")),
        "{problems:?}"
    );

    let mut retyped = spec_schema.clone();
    retyped["properties"]["SizeBytes"] = serde_json::json!({"type": "string"});
    let problems = drift("Report", &retyped, &generated);
    assert!(
        problems.iter().any(|p| p.starts_with("Report.SizeBytes")),
        "{problems:?}"
    );

    let mut optional = spec_schema.clone();
    optional["required"] = serde_json::json!(["ReportType"]);
    let problems = drift("Report", &optional, &generated);
    assert!(
        problems.iter().any(|p| p.contains("required")),
        "{problems:?}"
    );
}
