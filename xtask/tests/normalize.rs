//! Published specs' habits that progenitor rejects, one fixture each under
//! `fixtures/published/`: each generates, and the rewrite is reported.

use std::path::Path;

fn workspace_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The client generated from `fixtures/published/<name>.yaml`, and the
/// rewrites reported for it.
fn generate(name: &str) -> (String, Vec<xtask::normalize::Note>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("openapi")).unwrap();
    let spec = format!("{name}.yaml");
    std::fs::copy(
        workspace_root()
            .join("xtask/tests/fixtures/published")
            .join(&spec),
        dir.path().join("openapi").join(&spec),
    )
    .unwrap();
    let target = xtask::Target::new(&spec, name);
    let (_, notes) = xtask::normalized_spec(dir.path(), &target).unwrap();
    let files = xtask::render_target(dir.path(), &target).unwrap();
    for file in &files {
        syn::parse_file(&file.contents).unwrap();
    }
    (files[0].contents.clone(), notes)
}

fn noted(notes: &[xtask::normalize::Note], location: &str, says: &str) {
    assert!(
        notes
            .iter()
            .any(|n| n.location == location && n.what.contains(says)),
        "no note at {location} saying {says:?}: {notes:#?}"
    );
}

#[test]
fn a_property_level_required_moves_into_the_objects_list() {
    let (client, notes) = generate("property-required");
    assert!(
        client.contains("pub username: ::std::string::String,"),
        "{client}"
    );
    assert!(
        client.contains("pub email: ::std::option::Option<::std::string::String>,"),
        "{client}"
    );
    noted(
        &notes,
        "/components/schemas/Member/properties/username",
        "moved",
    );
    noted(
        &notes,
        "/components/schemas/Member/properties/email",
        "removed",
    );
}

#[test]
fn missing_operation_ids_come_from_method_and_path_and_never_collide() {
    let (client, notes) = generate("missing-operation-ids");
    for method in [
        "pub fn get_v2_orgs_by_org_members(",
        "pub fn post_v2_orgs_by_org_members(",
        "pub fn delete_v2_orgs_by_org_members_by_username(",
        // The declared id keeps its name; the derived one that would
        // collide with it gets a number.
        "pub fn get_v2_orgs(",
        "pub fn get_v2_orgs2(",
    ] {
        assert!(client.contains(method), "{method}: {client}");
    }
    noted(&notes, "/paths/~1v2~1orgs/get", "`getV2Orgs2`");
}

#[test]
fn suffixed_json_is_typed_both_ways_and_sent_with_its_media_type() {
    let (client, notes) = generate("suffixed-json");
    assert!(
        client.contains("Result<ResponseValue<types::User>, Error<types::Problem>>"),
        "{client}"
    );
    assert!(
        client.contains("request_content_type: Some(\"application/scim+json\")"),
        "{client}"
    );
    noted(
        &notes,
        "/paths/~1scim~1v2~1Users/post/requestBody",
        "application/scim+json",
    );
    noted(
        &notes,
        "/paths/~1scim~1v2~1Users/post/responses/400",
        "application/problem+json",
    );
}

#[test]
fn an_undeclared_path_parameter_becomes_a_required_string() {
    let (client, notes) = generate("undeclared-path-parameter");
    assert!(
        client.contains("pub fn repository<V>(mut self, value: V)"),
        "{client}"
    );
    noted(
        &notes,
        "/paths/~1v2~1namespaces~1{namespace}~1repositories~1{repository}/get",
        "`repository`",
    );
}

#[test]
fn schema_names_equal_but_for_case_get_distinct_rust_types() {
    let (client, notes) = generate("case-colliding-schemas");
    assert!(client.contains("pub struct Error {"), "{client}");
    assert!(client.contains("pub struct Error2 {"), "{client}");
    assert!(client.contains("Error<types::Error2>"), "{client}");
    noted(&notes, "/components/schemas/error", "`error2`");
}

#[test]
fn a_status_inside_a_range_is_matched_before_it() {
    let (client, notes) = generate("status-after-range");
    let specific = client.find("429u16 =>").expect("a 429 arm");
    let range = client.find("400u16..=499u16 =>").expect("a 4XX arm");
    assert!(specific < range, "{client}");
    noted(&notes, "/paths/~1things/get/responses", "429");
}

#[test]
fn the_vendored_specs_need_no_rewrite_but_the_status_order() {
    for target in xtask::targets(workspace_root()).unwrap() {
        let (_, notes) = xtask::normalized_spec(workspace_root(), &target).unwrap();
        for note in notes {
            assert!(
                note.what.contains("inside range"),
                "{}: {note}",
                target.spec
            );
        }
    }
}
