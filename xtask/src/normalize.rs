//! Rewrites of a spec, before progenitor sees it, for habits that are
//! common in published OpenAPI documents and that progenitor rejects or
//! turns into code that does not compile. Each rewrite is reported as a
//! [`Note`] naming the place it touched: `generate` prints them and keeps
//! them in `openapi/CHANGELOG.md`, so nothing a spec had is changed
//! silently.
//!
//! | what the spec has | what progenitor does | the rewrite |
//! |---|---|---|
//! | `required: true` on a property (OpenAPI 2) | rejects the document | moved into the object's `required` list |
//! | an operation without `operationId` | stops: "missing operation ID" | an id from method and path ([`derived_operation_id`]) |
//! | `application/<x>+json` bodies | stops (request), untyped bytes (response) | read as `application/json`; the request keeps its media type on the wire (`x-docker-data-request-content-type`, applied by the shared request hook) |
//! | a `{name}` in the path that no parameter declares | panics: "missing path name mapping" | a required string path parameter |
//! | schema names equal but for case (`Error`, `error`) | one Rust type twice: does not compile | the later names get a number ([`distinct_schema_names`]) |
//! | a status inside a range (`429` and `4XX`) | matches the range first: an unreachable arm | in the generated code, specific statuses first ([`crate::fixups::specific_statuses_first`]) |

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToLowerCamelCase, ToUpperCamelCase};
use serde_json::{Map, Value, json};

/// The extension naming an operation's request media type when it was
/// read as JSON under another name (`application/scim+json`).
pub const REQUEST_CONTENT_TYPE: &str = "x-docker-data-request-content-type";

/// One rewrite: where, and what was done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// A JSON pointer into the spec (`/paths/~1orgs/get`).
    pub location: String,
    /// What the spec had and what it became.
    pub what: String,
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.location, self.what)
    }
}

/// Applies every rewrite to `doc` (a whole spec) and says what it did, in
/// a stable order. The status order is fixed in the generated code; see
/// [`statuses_inside_ranges`] for where.
pub fn normalize(doc: &mut Value) -> Vec<Note> {
    let mut notes = Vec::new();
    property_level_required(doc, "", &mut notes);
    missing_operation_ids(doc, &mut notes);
    suffixed_json(doc, &mut notes);
    undeclared_path_parameters(doc, &mut notes);
    distinct_schema_names(doc, &mut notes);
    notes
}

/// `~` and `/` escaped for a JSON pointer segment.
fn pointer_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Every object with `properties`, anywhere: a boolean `required` on a
/// property moves into the object's `required` list.
fn property_level_required(value: &mut Value, at: &str, notes: &mut Vec<Note>) {
    match value {
        Value::Object(object) => {
            let mut moved = Vec::new();
            if let Some(Value::Object(properties)) = object.get_mut("properties") {
                for (name, property) in properties.iter_mut() {
                    if let Some(Value::Bool(required)) =
                        property.as_object_mut().and_then(|p| p.remove("required"))
                    {
                        if required {
                            moved.push(name.clone());
                        }
                        notes.push(Note {
                            location: format!("{at}/properties/{}", pointer_segment(name)),
                            what: format!(
                                "`required: {required}` on the property {}",
                                if required {
                                    "moved into the object's `required` list"
                                } else {
                                    "removed (not required is the default)"
                                }
                            ),
                        });
                    }
                }
            }
            if !moved.is_empty() {
                let list = object
                    .entry("required")
                    .or_insert_with(|| Value::Array(Vec::new()));
                if !list.is_array() {
                    *list = Value::Array(Vec::new());
                }
                if let Value::Array(list) = list {
                    for name in moved {
                        if !list.iter().any(|v| v.as_str() == Some(&name)) {
                            list.push(Value::String(name));
                        }
                    }
                }
            }
            for (key, child) in object.iter_mut() {
                property_level_required(child, &format!("{at}/{}", pointer_segment(key)), notes);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                property_level_required(item, &format!("{at}/{i}"), notes);
            }
        }
        _ => {}
    }
}

/// The operationId given to an operation that has none: the method, then
/// each path segment in camel case, a `{parameter}` as `By<Parameter>`.
/// `GET /v2/orgs/{org}/members` is `getV2OrgsByOrgMembers`. It depends on
/// the method and path alone, so reordering the spec never changes it.
pub fn derived_operation_id(method: &str, path: &str) -> String {
    let mut words = vec![method.to_owned()];
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(parameter) => words.push(format!("by {parameter}")),
            None => words.push(segment.to_owned()),
        }
    }
    words.join(" ").to_lower_camel_case()
}

/// Operations of `doc` as (path, method), in the spec's order.
fn operations(doc: &Value) -> Vec<(String, String)> {
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return Vec::new();
    };
    paths
        .iter()
        .flat_map(|(path, item)| {
            crate::diff::METHODS
                .iter()
                .filter(|method| item.get(**method).is_some_and(Value::is_object))
                .map(|method| (path.clone(), (*method).to_owned()))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn operation_mut<'a>(
    doc: &'a mut Value,
    path: &str,
    method: &str,
) -> Option<&'a mut Map<String, Value>> {
    doc.get_mut("paths")?
        .get_mut(path)?
        .get_mut(method)?
        .as_object_mut()
}

fn operation_pointer(path: &str, method: &str) -> String {
    format!("/paths/{}/{method}", pointer_segment(path))
}

/// Ids for operations without one; a derived id already taken (by a
/// declared id, or derived twice) gets the next free number, in the order
/// of (path, method), so the result does not depend on the spec's order.
fn missing_operation_ids(doc: &mut Value, notes: &mut Vec<Note>) {
    let all = operations(doc);
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut missing = Vec::new();
    for (path, method) in &all {
        let id = doc["paths"][path][method]
            .get("operationId")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty());
        match id {
            Some(id) => {
                taken.insert(id.to_lower_camel_case());
            }
            None => missing.push((path.clone(), method.clone())),
        }
    }
    missing.sort();
    for (path, method) in missing {
        let base = derived_operation_id(&method, &path);
        let mut id = base.clone();
        let mut n = 2;
        while taken.contains(&id.to_lower_camel_case()) {
            id = format!("{base}{n}");
            n += 1;
        }
        taken.insert(id.to_lower_camel_case());
        if let Some(operation) = operation_mut(doc, &path, &method) {
            operation.insert("operationId".to_owned(), Value::String(id.clone()));
        }
        notes.push(Note {
            location: operation_pointer(&path, &method),
            what: format!(
                "no operationId: `{id}` derived from {} {path}",
                method.to_uppercase()
            ),
        });
    }
}

/// `application/json`, or a media type with a `+json` suffix.
fn is_suffixed_json(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or("").trim();
    essence
        .split_once('/')
        .is_some_and(|(_, subtype)| subtype.ends_with("+json"))
}

/// Renames a `+json` media type in `content` to `application/json` (when
/// there is none already); returns the name it had.
fn json_content(content: &mut Map<String, Value>) -> Option<String> {
    if content.contains_key("application/json") {
        return None;
    }
    let suffixed = content.keys().find(|k| is_suffixed_json(k))?.clone();
    let media = content.remove(&suffixed)?;
    content.insert("application/json".to_owned(), media);
    Some(suffixed)
}

fn suffixed_json(doc: &mut Value, notes: &mut Vec<Note>) {
    for (path, method) in operations(doc) {
        let at = operation_pointer(&path, &method);
        let Some(operation) = operation_mut(doc, &path, &method) else {
            continue;
        };
        if let Some(content) = operation
            .get_mut("requestBody")
            .and_then(|b| b.get_mut("content"))
            .and_then(Value::as_object_mut)
            && let Some(was) = json_content(content)
        {
            notes.push(Note {
                location: format!("{at}/requestBody"),
                what: format!("`{was}` read as JSON; sent with its own media type"),
            });
            operation.insert(REQUEST_CONTENT_TYPE.to_owned(), Value::String(was));
        }
        if let Some(Value::Object(responses)) = operation.get_mut("responses") {
            for (status, response) in responses.iter_mut() {
                if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut)
                    && let Some(was) = json_content(content)
                {
                    notes.push(Note {
                        location: format!("{at}/responses/{status}"),
                        what: format!("`{was}` read as JSON"),
                    });
                }
            }
        }
    }
    // Reusable responses and bodies, too.
    for section in ["responses", "requestBodies"] {
        let Some(Value::Object(items)) = doc.get_mut("components").and_then(|c| c.get_mut(section))
        else {
            continue;
        };
        for (name, item) in items.iter_mut() {
            if let Some(content) = item.get_mut("content").and_then(Value::as_object_mut)
                && let Some(was) = json_content(content)
            {
                notes.push(Note {
                    location: format!("/components/{section}/{}", pointer_segment(name)),
                    what: format!("`{was}` read as JSON"),
                });
            }
        }
    }
}

/// The `{names}` of a path template.
fn template_names(path: &str) -> Vec<String> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
        .collect()
}

/// Names of the path parameters `parameters` declares (a `$ref` to a
/// component parameter is followed).
fn declared_path_names(doc: &Value, parameters: Option<&Value>) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for parameter in parameters.and_then(Value::as_array).into_iter().flatten() {
        let resolved = match parameter.get("$ref").and_then(Value::as_str) {
            Some(reference) => reference
                .strip_prefix("#/components/parameters/")
                .and_then(|name| doc.get("components")?.get("parameters")?.get(name)),
            None => Some(parameter),
        };
        if let Some(parameter) = resolved
            && parameter.get("in").and_then(Value::as_str) == Some("path")
            && let Some(name) = parameter.get("name").and_then(Value::as_str)
        {
            names.insert(name.to_owned());
        }
    }
    names
}

fn undeclared_path_parameters(doc: &mut Value, notes: &mut Vec<Note>) {
    for (path, method) in operations(doc) {
        let shared = declared_path_names(doc, doc["paths"][&path].get("parameters"));
        let own = declared_path_names(doc, doc["paths"][&path][&method].get("parameters"));
        let undeclared: Vec<String> = template_names(&path)
            .into_iter()
            .filter(|name| !shared.contains(name) && !own.contains(name))
            .collect();
        if undeclared.is_empty() {
            continue;
        }
        let at = operation_pointer(&path, &method);
        let Some(operation) = operation_mut(doc, &path, &method) else {
            continue;
        };
        let parameters = operation
            .entry("parameters")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(parameters) = parameters {
            for name in undeclared {
                parameters.push(json!({
                    "name": name,
                    "in": "path",
                    "required": true,
                    "schema": {"type": "string"},
                }));
                notes.push(Note {
                    location: at.clone(),
                    what: format!(
                        "path parameter `{name}` is in the template but not declared: \
                         added as a required string"
                    ),
                });
            }
        }
    }
}

/// Schema names that become one Rust type name (`Error`, `error`) are made
/// distinct: in byte order, the first keeps its name and each other gets
/// the next free number (`error2`), every `$ref` to it following.
pub fn distinct_schema_names(doc: &mut Value, notes: &mut Vec<Note>) {
    let Some(schemas) = doc
        .get("components")
        .and_then(|c| c.get("schemas"))
        .and_then(Value::as_object)
    else {
        return;
    };
    let mut by_rust_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for name in schemas.keys() {
        by_rust_name
            .entry(name.to_upper_camel_case())
            .or_default()
            .push(name.clone());
    }
    let mut taken: BTreeSet<String> = by_rust_name.keys().cloned().collect();
    let mut renames: BTreeMap<String, String> = BTreeMap::new();
    for names in by_rust_name.values_mut().filter(|names| names.len() > 1) {
        names.sort();
        for name in names.iter().skip(1) {
            let mut n = 2;
            let renamed = loop {
                let candidate = format!("{name}{n}");
                if !taken.contains(&candidate.to_upper_camel_case())
                    && !schemas.contains_key(&candidate)
                {
                    break candidate;
                }
                n += 1;
            };
            taken.insert(renamed.to_upper_camel_case());
            renames.insert(name.clone(), renamed);
        }
    }
    if renames.is_empty() {
        return;
    }
    if let Some(Value::Object(schemas)) =
        doc.get_mut("components").and_then(|c| c.get_mut("schemas"))
    {
        let old = std::mem::take(schemas);
        for (name, schema) in old {
            let name = renames.get(&name).cloned().unwrap_or(name);
            schemas.insert(name, schema);
        }
    }
    rename_refs(doc, &renames);
    for (from, to) in renames {
        notes.push(Note {
            location: format!("/components/schemas/{}", pointer_segment(&from)),
            what: format!(
                "`{from}` and another schema name differ only in case: renamed `{to}` \
                 (Rust type {})",
                to.to_upper_camel_case()
            ),
        });
    }
}

fn rename_refs(value: &mut Value, renames: &BTreeMap<String, String>) {
    match value {
        Value::Object(object) => {
            if let Some(Value::String(reference)) = object.get_mut("$ref")
                && let Some(name) = reference.strip_prefix("#/components/schemas/")
                && let Some(renamed) = renames.get(name)
            {
                *reference = format!("#/components/schemas/{renamed}");
            }
            for child in object.values_mut() {
                rename_refs(child, renames);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| rename_refs(item, renames)),
        _ => {}
    }
}

/// Whether a response key is a range (`4XX`).
fn is_range(key: &str) -> bool {
    key.len() == 3 && key[1..].eq_ignore_ascii_case("XX")
}

/// progenitor matches a range before the statuses inside it, whatever the
/// spec's order, which leaves their arms unreachable. The fix is to the
/// generated code ([`crate::fixups::specific_statuses_first`]); this says
/// where it applies.
pub fn statuses_inside_ranges(doc: &Value) -> Vec<Note> {
    let mut notes = Vec::new();
    for (path, method) in operations(doc) {
        let Some(responses) = doc["paths"][&path][&method]
            .get("responses")
            .and_then(Value::as_object)
        else {
            continue;
        };
        let ranges: Vec<&String> = responses.keys().filter(|k| is_range(k)).collect();
        let inside: Vec<&String> = responses
            .keys()
            .filter(|k| {
                !is_range(k)
                    && ranges
                        .iter()
                        .any(|range| range[..1].eq_ignore_ascii_case(&k[..1.min(k.len())]))
            })
            .collect();
        if inside.is_empty() {
            continue;
        }
        let names = |keys: &[&String]| {
            keys.iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        notes.push(Note {
            location: format!("{}/responses", operation_pointer(&path, &method)),
            what: format!(
                "status {} inside range {}: matched before the range",
                names(&inside),
                names(&ranges)
            ),
        });
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_read_like_hand_written_ones() {
        assert_eq!(
            derived_operation_id("get", "/v2/orgs/{org}/members"),
            "getV2OrgsByOrgMembers"
        );
        assert_eq!(
            derived_operation_id("delete", "/scim/v2/Users/{id}"),
            "deleteScimV2UsersById"
        );
        assert_eq!(derived_operation_id("get", "/"), "get");
    }

    #[test]
    fn a_range_key_is_recognised_in_either_case() {
        assert!(is_range("4XX") && is_range("5xx"));
        assert!(!is_range("429") && !is_range("default"));
    }
}
