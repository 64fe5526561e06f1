//! The specs as the tests see them: the patched documents (what the clients
//! are generated from), their operations and responses, their examples and
//! fixtures, and a JSON Schema validator for their bodies.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Spec file names in `openapi/`, sorted: read from the folder, so a new
/// spec is covered by every test that walks them without being listed.
pub fn specs() -> Vec<String> {
    let dir = workspace_root().join("openapi");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("listing {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".yaml"))
        .collect();
    names.sort();
    names
}

/// A patched spec as JSON.
pub fn load(spec: &str) -> Value {
    let target = xtask::targets(&workspace_root())
        .unwrap()
        .into_iter()
        .find(|t| t.spec == spec)
        .unwrap_or_else(|| panic!("no target for {spec}"));
    xtask::patched_spec_value(&workspace_root(), &target)
        .unwrap_or_else(|e| panic!("{spec}: {e:#}"))
}

/// One documented response of one operation.
#[derive(Debug, Clone)]
pub struct DocumentedResponse {
    /// `operationId`.
    pub operation: String,
    /// HTTP method, lower case.
    pub method: String,
    /// Path template.
    pub path: String,
    /// Status code as written in the spec (`200`, `302`, ...).
    pub status: String,
    /// The response object, `$ref` resolved.
    pub response: Value,
}

impl DocumentedResponse {
    /// The `application/json` schema, if the response has a JSON body.
    pub fn json_schema(&self) -> Option<&Value> {
        self.response.pointer("/content/application~1json/schema")
    }

    /// The `application/json` examples the spec gives: `example`, then
    /// each named one of `examples`, with its name.
    pub fn examples(&self) -> Vec<(String, &Value)> {
        let media = self.response.pointer("/content/application~1json");
        let mut found = Vec::new();
        if let Some(example) = media.and_then(|m| m.get("example")) {
            found.push(("example".to_owned(), example));
        }
        if let Some(named) = media.and_then(|m| m["examples"].as_object()) {
            for (name, example) in named {
                if let Some(value) = example.get("value") {
                    found.push((format!("example {name}"), value));
                }
            }
        }
        found
    }
}

/// Every (operation, status) of a spec, in document order.
pub fn responses(spec: &Value) -> Vec<DocumentedResponse> {
    let mut found = Vec::new();
    let Some(paths) = spec["paths"].as_object() else {
        return found;
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, operation) in item {
            if !["get", "put", "post", "delete", "patch", "head"].contains(&method.as_str()) {
                continue;
            }
            let Some(responses) = operation["responses"].as_object() else {
                continue;
            };
            for (status, response) in responses {
                found.push(DocumentedResponse {
                    operation: operation["operationId"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    method: method.clone(),
                    path: path.clone(),
                    status: status.clone(),
                    response: resolve(spec, response).clone(),
                });
            }
        }
    }
    found
}

/// Follows a local `$ref` once.
pub fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
        Some(pointer) => spec.pointer(pointer).unwrap_or(&Value::Null),
        None => value,
    }
}

/// `allOf` members merged into one object (their `$ref`s resolved in
/// `spec`): the shape a generated struct has. Other schemas as they are.
pub fn flatten_all_of(spec: &Value, schema: &Value) -> Value {
    let Some(members) = schema["allOf"].as_array() else {
        return schema.clone();
    };
    let mut properties = serde_json::Map::new();
    let mut required: Vec<Value> = Vec::new();
    for member in members {
        let member = flatten_all_of(spec, resolve(spec, member));
        if let Some(props) = member["properties"].as_object() {
            properties.extend(props.clone());
        }
        if let Some(names) = member["required"].as_array() {
            required.extend(names.iter().cloned());
        }
    }
    let mut merged = serde_json::json!({"type": "object", "properties": properties});
    if !required.is_empty() {
        merged["required"] = Value::Array(required);
    }
    merged
}

/// Bodies to try for a response: `tests/fixtures/<spec>/<op>.<status>.*.json`
/// plus the spec's example. Each comes with where it was found.
pub fn bodies(spec_name: &str, response: &DocumentedResponse) -> Vec<(String, Value)> {
    let stem = spec_name.trim_end_matches(".yaml");
    let dir = workspace_root().join("tests/fixtures").join(stem);
    let prefix = format!("{}.{}.", response.operation, response.status);
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(&prefix) && name.ends_with(".json") {
                let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                let body = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("fixture {name} is not JSON: {e}"));
                found.push((format!("tests/fixtures/{stem}/{name}"), body));
            }
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, example) in response.examples() {
        found.push((
            format!(
                "{spec_name}: {name} of {} {}",
                response.operation, response.status
            ),
            example.clone(),
        ));
    }
    found
}

/// The first body for a response (fixture or example); panics naming what
/// is missing.
pub fn body(spec_name: &str, operation: &str, status: &str) -> Value {
    let spec = load(spec_name);
    let response = responses(&spec)
        .into_iter()
        .find(|r| r.operation == operation && r.status == status)
        .unwrap_or_else(|| panic!("{spec_name} documents no {operation} {status}"));
    let mut found = bodies(spec_name, &response);
    assert!(
        !found.is_empty(),
        "no fixture or example for {spec_name} {operation} {status}"
    );
    let (source, body) = found.remove(0);
    if let Err(problems) = validate(spec_name, operation, status, &body) {
        panic!("{source} does not match the spec: {problems}");
    }
    body
}

/// Converts an OpenAPI 3.0 schema to JSON Schema (draft 7): `nullable`
/// becomes a `null` alternative, component `$ref`s point into
/// `definitions`, OpenAPI-only keywords are dropped.
pub fn to_json_schema(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (key, value) in map {
                match key.as_str() {
                    "$ref" => {
                        let target = value
                            .as_str()
                            .unwrap_or_default()
                            .replace("#/components/schemas/", "#/definitions/");
                        out.insert(key.clone(), Value::String(target));
                    }
                    "nullable" | "example" | "examples" | "discriminator" | "xml"
                    | "externalDocs" | "deprecated" => {}
                    "properties" | "definitions" => {
                        let converted = value
                            .as_object()
                            .map(|m| {
                                m.iter()
                                    .map(|(k, v)| (k.clone(), to_json_schema(v)))
                                    .collect()
                            })
                            .unwrap_or_default();
                        out.insert(key.clone(), Value::Object(converted));
                    }
                    _ => {
                        out.insert(key.clone(), to_json_schema(value));
                    }
                }
            }
            if map.get("nullable") == Some(&Value::Bool(true)) {
                return serde_json::json!({"anyOf": [Value::Object(out), {"type": "null"}]});
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(to_json_schema).collect()),
        other => other.clone(),
    }
}

/// Validates `body` against the schema of `operation` `status` in the
/// patched spec. `Err` lists every problem with its location.
pub fn validate(
    spec_name: &str,
    operation: &str,
    status: &str,
    body: &Value,
) -> Result<(), String> {
    let spec = load(spec_name);
    let response = responses(&spec)
        .into_iter()
        .find(|r| r.operation == operation && r.status == status)
        .ok_or_else(|| format!("{spec_name} documents no {operation} {status}"))?;
    let schema = response
        .json_schema()
        .ok_or_else(|| format!("{operation} {status} has no JSON body in {spec_name}"))?;
    validate_against(&spec, schema, body)
}

/// Validates `body` against an OpenAPI schema of `spec`.
pub fn validate_against(spec: &Value, schema: &Value, body: &Value) -> Result<(), String> {
    let mut root = to_json_schema(schema);
    let definitions = to_json_schema(&spec["components"]["schemas"]);
    if let Value::Object(map) = &mut root {
        map.insert("definitions".into(), definitions);
        map.insert(
            "$schema".into(),
            Value::String("http://json-schema.org/draft-07/schema#".into()),
        );
    }
    let validator = jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(&root)
        .map_err(|e| format!("the spec's schema does not compile: {e}"))?;
    let problems: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}
