//! Spec-change report: what changed between two versions of a spec, and
//! whether each change breaks code written against the generated client.
//!
//! The rules, for clients of the generated Rust code:
//! - operations are matched by method and path: added is compatible;
//!   removed, or moved to another method or path (the same operationId), is
//!   breaking; an operationId changed (or dropped, the generator then
//!   deriving one) at the same method and path is a rename: compatible on
//!   the wire, breaking for the generated Rust method's name;
//! - a parameter added is compatible when optional and breaking when
//!   required (every call must now set it); removed is breaking; optional
//!   becoming required is breaking, the reverse compatible; a changed type
//!   is breaking;
//! - a response status added is compatible; a success status removed is
//!   breaking, an error status removed compatible;
//! - a schema property added is compatible when optional and breaking when
//!   required (struct literals no longer compile); removed, retyped, or
//!   made required/optional (the field's type becomes or stops being an
//!   `Option`) is breaking;
//! - an enum value removed is breaking; added is breaking too for a closed
//!   generated enum (an exhaustive `match` no longer compiles); the
//!   workspace's open enums absorb it, the report still says it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value;

/// Whether a change breaks clients of the generated code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Impact {
    /// Existing code keeps compiling and working.
    Compatible,
    /// Existing code may stop compiling or decoding.
    Breaking,
}

/// One change between two versions of a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Breaking or compatible.
    pub impact: Impact,
    /// What changed, e.g. `operation getUser: parameter query "page" added (optional)`.
    pub description: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = match self.impact {
            Impact::Breaking => "breaking  ",
            Impact::Compatible => "compatible",
        };
        write!(f, "{tag}  {}", self.description)
    }
}

/// The HTTP methods an OpenAPI path item can hold operations under.
pub(crate) const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "patch", "head", "options", "trace",
];

/// Follows a local `$ref` (repeatedly, up to a small depth).
fn resolve<'a>(spec: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..8 {
        match value
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
        {
            Some(pointer) => value = spec.pointer(pointer).unwrap_or(&Value::Null),
            None => break,
        }
    }
    value
}

/// A schema's shape for comparison: `ref:Name`, `array<...>`, `string/date`.
fn shape(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return format!("ref:{}", reference.rsplit('/').next().unwrap_or_default());
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            let parts: Vec<String> = options.iter().map(shape).collect();
            return format!("{key}<{}>", parts.join("|"));
        }
    }
    let kind = schema.get("type").and_then(Value::as_str).unwrap_or(
        if schema.get("properties").is_some() {
            "object"
        } else {
            "any"
        },
    );
    match kind {
        "array" => format!(
            "array<{}>",
            shape(schema.get("items").unwrap_or(&Value::Null))
        ),
        "object" => match schema.get("additionalProperties") {
            Some(values) if values.is_object() => format!("map<{}>", shape(values)),
            _ => "object".to_owned(),
        },
        other => match schema.get("format").and_then(Value::as_str) {
            Some(format) => format!("{other}/{format}"),
            None => other.to_owned(),
        },
    }
}

struct Operation<'a> {
    /// The operationId, or for an operation without one the id the
    /// generator derives from method and path.
    id: String,
    method: String,
    path: String,
    /// Path-level parameters, then the operation's (which override).
    parameters: BTreeMap<(String, String), &'a Value>,
    operation: &'a Value,
}

/// Operations by method and path: what identifies an operation on the wire
/// (an operationId may come, go or change while the request stays the same).
fn operations(spec: &Value) -> BTreeMap<(String, String), Operation<'_>> {
    let mut found = BTreeMap::new();
    let Some(paths) = spec.get("paths").and_then(Value::as_object) else {
        return found;
    };
    for (path, item) in paths {
        let item = resolve(spec, item);
        let mut shared = BTreeMap::new();
        collect_parameters(spec, item.get("parameters"), &mut shared);
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let id = operation
                .get("operationId")
                .and_then(Value::as_str)
                .filter(|id| !id.is_empty())
                .map(str::to_owned)
                .unwrap_or_else(|| crate::normalize::derived_operation_id(method, path));
            let mut parameters = shared.clone();
            collect_parameters(spec, operation.get("parameters"), &mut parameters);
            found.insert(
                (path.clone(), method.to_uppercase()),
                Operation {
                    id,
                    method: method.to_uppercase(),
                    path: path.clone(),
                    parameters,
                    operation,
                },
            );
        }
    }
    found
}

fn collect_parameters<'a>(
    spec: &'a Value,
    list: Option<&'a Value>,
    into: &mut BTreeMap<(String, String), &'a Value>,
) {
    for parameter in list.and_then(Value::as_array).into_iter().flatten() {
        let parameter = resolve(spec, parameter);
        let name = parameter.get("name").and_then(Value::as_str).unwrap_or("");
        let location = parameter.get("in").and_then(Value::as_str).unwrap_or("");
        into.insert((location.to_owned(), name.to_owned()), parameter);
    }
}

fn is_required(parameter: &Value) -> bool {
    parameter.get("required").and_then(Value::as_bool) == Some(true)
}

fn enum_values(schema: &Value) -> BTreeSet<String> {
    schema
        .get("enum")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
        .collect()
}

fn push(changes: &mut Vec<Change>, impact: Impact, description: String) {
    changes.push(Change {
        impact,
        description,
    });
}

fn compare_enums(changes: &mut Vec<Change>, subject: &str, old: &Value, new: &Value) {
    let (before, after) = (enum_values(old), enum_values(new));
    for added in after.difference(&before) {
        push(
            changes,
            Impact::Breaking,
            format!("{subject}: enum value {added:?} added (a new variant)"),
        );
    }
    for removed in before.difference(&after) {
        push(
            changes,
            Impact::Breaking,
            format!("{subject}: enum value {removed:?} removed"),
        );
    }
}

fn compare_operation(
    changes: &mut Vec<Change>,
    id: &str,
    old_spec: &Value,
    old: &Operation<'_>,
    new_spec: &Value,
    new: &Operation<'_>,
) {
    let subject = format!("operation {id}");
    if (&old.method, &old.path) != (&new.method, &new.path) {
        push(
            changes,
            Impact::Breaking,
            format!(
                "{subject}: moved from {} {} to {} {}",
                old.method, old.path, new.method, new.path
            ),
        );
    }
    for (key, parameter) in &new.parameters {
        let label = format!("{subject}: parameter {} {:?}", key.0, key.1);
        match old.parameters.get(key) {
            None if is_required(parameter) => push(
                changes,
                Impact::Breaking,
                format!("{label} added (required)"),
            ),
            None => push(
                changes,
                Impact::Compatible,
                format!("{label} added (optional)"),
            ),
            Some(before) => {
                match (is_required(before), is_required(parameter)) {
                    (false, true) => push(
                        changes,
                        Impact::Breaking,
                        format!("{label} became required"),
                    ),
                    (true, false) => push(
                        changes,
                        Impact::Compatible,
                        format!("{label} became optional"),
                    ),
                    _ => {}
                }
                let null = Value::Null;
                let old_schema = resolve(old_spec, before.get("schema").unwrap_or(&null));
                let new_schema = resolve(new_spec, parameter.get("schema").unwrap_or(&null));
                compare_shapes(
                    changes,
                    &label,
                    before.get("schema").unwrap_or(&null),
                    parameter.get("schema").unwrap_or(&null),
                );
                compare_enums(changes, &label, old_schema, new_schema);
            }
        }
    }
    for key in old.parameters.keys() {
        if !new.parameters.contains_key(key) {
            push(
                changes,
                Impact::Breaking,
                format!("{subject}: parameter {} {:?} removed", key.0, key.1),
            );
        }
    }
    let statuses = |op: &Operation<'_>| -> BTreeSet<String> {
        op.operation
            .get("responses")
            .and_then(Value::as_object)
            .map(|r| r.keys().cloned().collect())
            .unwrap_or_default()
    };
    let (before, after) = (statuses(old), statuses(new));
    for status in before.intersection(&after) {
        let response = |spec: &'_ Value, op: &Operation<'_>| -> Value {
            let raw = op
                .operation
                .pointer(&format!("/responses/{status}"))
                .unwrap_or(&Value::Null);
            resolve(spec, raw).clone()
        };
        let (old_response, new_response) = (response(old_spec, old), response(new_spec, new));
        compare_response(
            changes,
            &format!("{subject}: response {status}"),
            &old_response,
            &new_response,
        );
    }
    for added in after.difference(&before) {
        push(
            changes,
            Impact::Compatible,
            format!("{subject}: response {added} added"),
        );
    }
    for removed in before.difference(&after) {
        let impact = if removed.starts_with('2') {
            Impact::Breaking
        } else {
            Impact::Compatible
        };
        push(
            changes,
            impact,
            format!("{subject}: response {removed} removed"),
        );
    }
}

/// An inline JSON body schema (a `$ref` is compared as a component
/// schema) and the documented headers of one response.
fn compare_response(changes: &mut Vec<Change>, subject: &str, old: &Value, new: &Value) {
    let body = |response: &Value| {
        response
            .pointer("/content/application~1json/schema")
            .cloned()
            .unwrap_or(Value::Null)
    };
    let (old_body, new_body) = (body(old), body(new));
    if old_body.get("$ref").is_none() && new_body.get("$ref").is_none() {
        compare_schema(changes, &format!("{subject} body"), &old_body, &new_body);
    } else if shape(&old_body) != shape(&new_body) {
        push(
            changes,
            Impact::Breaking,
            format!(
                "{subject} body: type changed from {} to {}",
                shape(&old_body),
                shape(&new_body)
            ),
        );
    }
    let headers = |response: &Value| {
        response
            .get("headers")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let (old_headers, new_headers) = (headers(old), headers(new));
    for (name, header) in &new_headers {
        match old_headers.get(name) {
            None => push(
                changes,
                Impact::Compatible,
                format!("{subject}: header {name} added"),
            ),
            Some(before) => match (is_required(before), is_required(header)) {
                // Code may rely on a header the spec promised.
                (true, false) => push(
                    changes,
                    Impact::Breaking,
                    format!("{subject}: header {name} no longer required"),
                ),
                (false, true) => push(
                    changes,
                    Impact::Compatible,
                    format!("{subject}: header {name} became required"),
                ),
                _ => {}
            },
        }
    }
    for name in old_headers.keys() {
        if !new_headers.contains_key(name) {
            push(
                changes,
                Impact::Breaking,
                format!("{subject}: header {name} removed"),
            );
        }
    }
}

fn required_set(schema: &Value) -> BTreeSet<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// A breaking change when `old` and `new` have different shapes (type,
/// format, `$ref`), reported as `<label> type changed from … to …`.
fn compare_shapes(changes: &mut Vec<Change>, label: &str, old: &Value, new: &Value) {
    let (a, b) = (shape(old), shape(new));
    if a != b {
        push(
            changes,
            Impact::Breaking,
            format!("{label} type changed from {a} to {b}"),
        );
    }
}

fn compare_schema(changes: &mut Vec<Change>, subject: &str, old: &Value, new: &Value) {
    compare_shapes(changes, &format!("{subject}:"), old, new);
    compare_enums(changes, subject, old, new);
    let none = serde_json::Map::new();
    let old_props = old
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&none);
    let new_props = new
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&none);
    let (old_required, new_required) = (required_set(old), required_set(new));
    for (field, schema) in new_props {
        let label = format!("{subject}: field {field:?}");
        match old_props.get(field) {
            None if new_required.contains(field) => push(
                changes,
                Impact::Breaking,
                format!("{label} added (required)"),
            ),
            None => push(
                changes,
                Impact::Compatible,
                format!("{label} added (optional)"),
            ),
            Some(before) => {
                compare_shapes(changes, &label, before, schema);
                compare_enums(changes, &label, before, schema);
                match (old_required.contains(field), new_required.contains(field)) {
                    (false, true) => push(
                        changes,
                        Impact::Breaking,
                        format!("{label} became required"),
                    ),
                    (true, false) => push(
                        changes,
                        Impact::Breaking,
                        format!("{label} became optional"),
                    ),
                    _ => {}
                }
            }
        }
    }
    for field in old_props.keys() {
        if !new_props.contains_key(field) {
            push(
                changes,
                Impact::Breaking,
                format!("{subject}: field {field:?} removed"),
            );
        }
    }
}

/// Every change from `old` to `new` (two versions of one spec, as JSON).
pub fn diff(old: &Value, new: &Value) -> Vec<Change> {
    let mut changes = Vec::new();
    let (old_ops, new_ops) = (operations(old), operations(new));
    let mut added = Vec::new();
    for (key, op) in &new_ops {
        match old_ops.get(key) {
            None => added.push(op),
            Some(before) => {
                if before.id != op.id {
                    push(
                        &mut changes,
                        Impact::Breaking,
                        format!(
                            "operation {} renamed {} ({} {}): the same request on the wire, \
                             but the generated Rust method is renamed",
                            before.id, op.id, op.method, op.path
                        ),
                    );
                }
                compare_operation(&mut changes, &op.id, old, before, new, op);
            }
        }
    }
    let mut removed: Vec<&Operation<'_>> = old_ops
        .iter()
        .filter(|(key, _)| !new_ops.contains_key(*key))
        .map(|(_, op)| op)
        .collect();
    for op in added {
        // The same id at another method or path: moved.
        match removed.iter().position(|before| before.id == op.id) {
            Some(i) => {
                let before = removed.remove(i);
                compare_operation(&mut changes, &op.id, old, before, new, op);
            }
            None => push(
                &mut changes,
                Impact::Compatible,
                format!("operation {} added ({} {})", op.id, op.method, op.path),
            ),
        }
    }
    for op in removed {
        push(
            &mut changes,
            Impact::Breaking,
            format!("operation {} removed ({} {})", op.id, op.method, op.path),
        );
    }
    let schemas = |spec: &Value| {
        spec.pointer("/components/schemas")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let (old_schemas, new_schemas) = (schemas(old), schemas(new));
    for (name, schema) in &new_schemas {
        match old_schemas.get(name) {
            None => push(
                &mut changes,
                Impact::Compatible,
                format!("schema {name} added"),
            ),
            Some(before) => compare_schema(&mut changes, &format!("schema {name}"), before, schema),
        }
    }
    for name in old_schemas.keys() {
        if !new_schemas.contains_key(name) {
            push(
                &mut changes,
                Impact::Breaking,
                format!("schema {name} removed"),
            );
        }
    }
    changes
}

/// The report for one spec: a heading line with counts, then each change.
/// `None` when nothing changed.
pub fn render(spec: &str, old: Option<&Value>, new: &Value) -> Option<String> {
    let changes = match old {
        Some(old) => diff(old, new),
        None => diff(&Value::Null, new),
    };
    if changes.is_empty() {
        return None;
    }
    let breaking = changes
        .iter()
        .filter(|c| c.impact == Impact::Breaking)
        .count();
    let status = if old.is_none() { ", new spec" } else { "" };
    let mut out = format!(
        "{spec}: {} changes, {breaking} breaking{status}\n",
        changes.len()
    );
    for change in changes {
        out.push_str(&format!("  {change}\n"));
    }
    Some(out)
}

/// The spec `openapi/<spec>` as committed at `base`, if it existed there.
pub fn spec_at(root: &std::path::Path, base: &str, spec: &str) -> anyhow::Result<Option<Value>> {
    use anyhow::Context as _;
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["show", &format!("{base}:openapi/{spec}")])
        .output()
        .context("running git (is it installed?)")?;
    if !output.status.success() {
        let message = String::from_utf8_lossy(&output.stderr);
        // A spec that did not exist at the base is new, not an error.
        if message.contains("does not exist") || message.contains("exists on disk, but not in") {
            return Ok(None);
        }
        anyhow::bail!("git show {base}:openapi/{spec}: {}", message.trim());
    }
    let text = String::from_utf8(output.stdout).context("spec is not UTF-8")?;
    Ok(Some(serde_yaml::from_str(&text).with_context(|| {
        format!("parsing openapi/{spec} at {base}")
    })?))
}

/// The report of every spec of `openapi/` against `base`.
pub fn report(root: &std::path::Path, base: &str) -> anyhow::Result<String> {
    use anyhow::Context as _;
    let mut out = String::new();
    let mut names: Vec<String> = std::fs::read_dir(root.join("openapi"))
        .context("listing openapi/")?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    for name in names {
        let text = std::fs::read_to_string(root.join("openapi").join(&name))
            .with_context(|| format!("reading openapi/{name}"))?;
        let new: Value =
            serde_yaml::from_str(&text).with_context(|| format!("parsing openapi/{name}"))?;
        let old = spec_at(root, base, &name)?;
        if let Some(section) = render(&name, old.as_ref(), &new) {
            out.push_str(&section);
        }
    }
    if out.is_empty() {
        out.push_str(&format!("no spec changes since {base}\n"));
    }
    Ok(out)
}
