//! `cargo xtask diff` on small spec pairs: each kind of change is found and
//! marked breaking or compatible as the rules in `xtask::diff` say.

use std::path::Path;

use serde_json::Value;
use xtask::diff::{Change, Impact, diff};

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/diff")
        .join(name);
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn changes_from_base(name: &str) -> Vec<Change> {
    diff(&fixture("base.yaml"), &fixture(name))
}

fn find<'a>(changes: &'a [Change], needle: &str) -> &'a Change {
    changes
        .iter()
        .find(|c| c.description.contains(needle))
        .unwrap_or_else(|| panic!("no change mentions {needle:?}: {changes:#?}"))
}

#[test]
fn an_added_optional_parameter_is_compatible_and_the_only_change() {
    let changes = changes_from_base("optional-parameter-added.yaml");
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0].impact, Impact::Compatible);
    assert_eq!(
        changes[0].description,
        "operation listItems: parameter query \"sort\" added (optional)"
    );
}

#[test]
fn a_removed_operation_is_breaking() {
    let changes = changes_from_base("operation-removed.yaml");
    assert_eq!(changes.len(), 1, "{changes:#?}");
    let change = find(&changes, "deleteItem removed");
    assert_eq!(change.impact, Impact::Breaking);
    assert!(
        change.description.contains("DELETE /items/{id}"),
        "{change}"
    );
}

#[test]
fn new_required_parameters_and_retyped_fields_are_breaking() {
    let changes = changes_from_base("required-parameter-added.yaml");
    let expect = [
        (
            "parameter query \"owner\" added (required)",
            Impact::Breaking,
        ),
        ("parameter query \"page\" became required", Impact::Breaking),
        ("response 404 added", Impact::Compatible),
        (
            "field \"id\" type changed from string to integer",
            Impact::Breaking,
        ),
        ("field \"kind\": enum value \"c\" added", Impact::Breaking),
        ("field \"note\" added (optional)", Impact::Compatible),
    ];
    for (needle, impact) in expect {
        assert_eq!(find(&changes, needle).impact, impact, "{needle}");
    }
    assert_eq!(changes.len(), expect.len(), "{changes:#?}");
}

#[test]
fn the_same_spec_has_no_changes_and_a_new_spec_only_additions() {
    assert!(changes_from_base("base.yaml").is_empty());
    let new = diff(&Value::Null, &fixture("base.yaml"));
    assert!(!new.is_empty());
    assert!(
        new.iter().all(|c| c.impact == Impact::Compatible),
        "{new:#?}"
    );
    let report = xtask::diff::render("base.yaml", None, &fixture("base.yaml")).unwrap();
    assert!(
        report.starts_with("base.yaml: 3 changes, 0 breaking, new spec"),
        "{report}"
    );
}

#[test]
fn an_operation_that_lost_its_id_is_a_rename_not_a_removal() {
    let changes = changes_from_base("operation-id-dropped.yaml");
    assert_eq!(changes.len(), 1, "{changes:#?}");
    let change = find(&changes, "deleteItem renamed deleteItemsById");
    // The request is unchanged; the Rust method is not.
    assert_eq!(change.impact, Impact::Breaking);
    assert!(
        change.description.contains("same request on the wire"),
        "{change}"
    );
    assert!(!changes.iter().any(|c| c.description.contains("removed")));
}

#[test]
fn an_operation_at_another_method_and_path_is_a_move() {
    let changes = changes_from_base("operation-moved.yaml");
    assert_eq!(changes.len(), 1, "{changes:#?}");
    let change = find(
        &changes,
        "deleteItem: moved from DELETE /items/{id} to POST /items/{id}/remove",
    );
    assert_eq!(change.impact, Impact::Breaking);
}
