//! The generator on a scratch copy of the workspace's specs and output.

use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A temp workspace root holding a copy of `openapi/` and, optionally, of the
/// committed generated files.
fn scratch(with_generated: bool) -> tempfile::TempDir {
    let root = workspace_root();
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root.join("openapi"), &dir.path().join("openapi"));
    std::fs::create_dir_all(dir.path().join("xtask")).unwrap();
    std::fs::copy(
        root.join("xtask/targets.yaml"),
        dir.path().join("xtask/targets.yaml"),
    )
    .unwrap();
    if with_generated {
        for target in xtask::targets(&root).unwrap() {
            for rel in [target.client_out(), target.mock_out(), target.cli_out()] {
                let to = dir.path().join(&rel);
                std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                std::fs::copy(root.join(&rel), to).unwrap();
            }
        }
    }
    // Hand-written files with a region the generator writes.
    for rel in ["sdk-httpmock/src/lib.rs", "cli/src/api.rs"] {
        let to = dir.path().join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(root.join(rel), to).unwrap();
    }
    dir
}

#[test]
fn a_new_operation_in_a_spec_becomes_a_client_method_and_a_mock() {
    let dir = scratch(false);
    let spec_path = dir.path().join("openapi/enterprise-data.yaml");
    let mut spec: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&spec_path).unwrap()).unwrap();
    let new_path: serde_yaml::Value = serde_yaml::from_str(
        r#"
get:
  operationId: listReportOwners
  responses:
    "200":
      description: Owners.
      content:
        application/json:
          schema:
            type: object
            properties:
              owners: {type: array, items: {type: string}}
"#,
    )
    .unwrap();
    spec["paths"]
        .as_mapping_mut()
        .unwrap()
        .insert("/orgs/{org_name}/owners".into(), new_path);
    // The path parameter is declared at path level, like the others.
    spec["paths"]["/orgs/{org_name}/owners"]["parameters"] =
        serde_yaml::from_str(r##"[{$ref: "#/components/parameters/OrgName"}]"##).unwrap();
    std::fs::write(&spec_path, serde_yaml::to_string(&spec).unwrap()).unwrap();

    let target = &xtask::targets(&workspace_root())
        .unwrap()
        .into_iter()
        .find(|t| t.spec == "enterprise-data.yaml")
        .unwrap();
    let files = xtask::render_target(dir.path(), target).unwrap();
    let client = files.iter().find(|f| f.path.ends_with("mod.rs")).unwrap();
    assert!(
        client.contents.contains("pub fn list_report_owners(&self)"),
        "no method in the client"
    );
    assert!(
        client
            .contents
            .contains("pub struct ListReportOwnersResponse"),
        "no response type"
    );
    let mock = files
        .iter()
        .find(|f| f.path.to_string_lossy().contains("mock"))
        .unwrap();
    assert!(
        mock.contents.contains("fn list_report_owners<F>"),
        "no httpmock helper"
    );
}

#[test]
fn check_passes_on_committed_output_and_names_an_edited_file() {
    let dir = scratch(true);
    let files = xtask::render_all(dir.path()).unwrap();
    assert_eq!(xtask::drifted(dir.path(), &files), Vec::<PathBuf>::new());

    let targets = xtask::targets(dir.path()).unwrap();
    let edited = targets[1].client_out();
    let path = dir.path().join(&edited);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("\n// a hand edit\n");
    std::fs::write(&path, text).unwrap();
    assert_eq!(
        xtask::drifted(dir.path(), &files),
        vec![PathBuf::from(&edited)]
    );

    std::fs::remove_file(dir.path().join(targets[0].mock_out())).unwrap();
    assert_eq!(
        xtask::drifted(dir.path(), &files),
        vec![PathBuf::from(targets[0].mock_out()), PathBuf::from(edited)]
    );
}

#[test]
fn generation_is_deterministic() {
    let root = workspace_root();
    let first = xtask::render_all(&root).unwrap();
    let second = xtask::render_all(&root).unwrap();
    assert_eq!(first, second);
}

#[test]
fn patches_change_the_spec_and_the_vendored_copy_stays_upstream() {
    let root = workspace_root();
    let dvp = &xtask::targets(&workspace_root())
        .unwrap()
        .into_iter()
        .find(|t| t.spec == "dvp.yaml")
        .unwrap();
    let patched = xtask::patched_spec_value(&root, dvp).unwrap();
    assert!(patched["paths"].get("/v2/users/login").is_none());
    assert_eq!(
        patched["components"]["schemas"]["WeekData"]["required"][0],
        "weeks"
    );

    // Every spec in openapi/, found by listing it: a new one is checked too.
    let mut specs: Vec<String> = std::fs::read_dir(root.join("openapi"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    specs.sort();
    assert!(specs.len() >= 4, "{specs:?}");
    for spec in &specs {
        let vendored = std::fs::read(root.join("openapi").join(spec)).unwrap();
        let upstream_path = root.join("../shared/specs").join(spec);
        // The upstream folder sits beside the checkout on developer machines
        // and in CI; elsewhere there is nothing to compare against.
        if let Ok(upstream) = std::fs::read(&upstream_path) {
            assert!(
                vendored == upstream,
                "openapi/{spec} differs from shared/specs/{spec}: patch, do not edit"
            );
        }
    }
}

#[test]
fn a_patch_that_is_not_a_mapping_is_rejected_with_its_name() {
    let dir = scratch(false);
    let bad = dir.path().join("openapi/patches/dvp/99-bad.yaml");
    std::fs::write(&bad, "- just a list\n").unwrap();
    let dvp = &xtask::targets(&workspace_root())
        .unwrap()
        .into_iter()
        .find(|t| t.spec == "dvp.yaml")
        .unwrap();
    let err = xtask::patched_spec_value(dir.path(), dvp).unwrap_err();
    assert!(format!("{err:#}").contains("99-bad.yaml"), "{err:#}");
}

#[test]
fn array_query_parameters_get_item_matching_mocks_and_repeatable_cli_flags() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("openapi")).unwrap();
    std::fs::copy(
        workspace_root().join("xtask/tests/fixtures/array-query.yaml"),
        dir.path().join("openapi/array-query.yaml"),
    )
    .unwrap();
    let target = xtask::Target::new("array-query.yaml", "array-query");
    let files = xtask::render_target(dir.path(), &target).unwrap();
    let text = |name: &str| {
        files
            .iter()
            .find(|f| f.path.to_string_lossy().contains(name))
            .unwrap()
            .contents
            .clone()
    };
    let mock = text("sdk-httpmock");
    // Required and optional arrays alike: one pair per item, exact count.
    assert!(!mock.contains("value.to_string()"), "{mock}");
    for key in ["ids", "tags"] {
        assert!(
            mock.contains(&format!(
                "query_param_count(\"^{key}$\", \".*\", value.len())"
            )),
            "{key}: {mock}"
        );
    }
    let cli = text("cli/src/api");
    assert!(!cli.contains("value_parser!(::std::vec::Vec"), "{cli}");
    assert!(!cli.contains("get_one::<::std::vec::Vec"), "{cli}");
    assert_eq!(cli.matches("ArgAction::Append").count(), 2, "{cli}");
    assert_eq!(
        cli.matches("get_many::<::std::string::String>").count(),
        2,
        "{cli}"
    );
    // The rewritten output is still valid Rust.
    syn::parse_file(&mock).unwrap();
    syn::parse_file(&cli).unwrap();
}

#[test]
fn an_operation_with_several_error_bodies_gets_one_folded_error_type() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("openapi")).unwrap();
    std::fs::copy(
        workspace_root().join("xtask/tests/fixtures/two-error-bodies.yaml"),
        dir.path().join("openapi/two-error-bodies.yaml"),
    )
    .unwrap();
    let target = xtask::Target::new("two-error-bodies.yaml", "two-error-bodies");
    // progenitor alone panics on this spec; folded, it generates.
    let files = xtask::render_target(dir.path(), &target).unwrap();
    let client = &files
        .iter()
        .find(|f| f.path.ends_with("generated/mod.rs"))
        .unwrap()
        .contents;
    assert!(
        client.contains("pub struct ListThingsErrorBody"),
        "{client}"
    );
    // Every field of every body, so the server's message is kept whichever arrives.
    for field in [
        "pub detail:",
        "pub error:",
        "pub code:",
        "pub message:",
        "pub errinfo:",
    ] {
        assert!(client.contains(field), "{field} missing");
    }
    assert!(
        client.contains("Error<types::ListThingsErrorBody>"),
        "{client}"
    );
    // The vendored spec is not touched: validation still sees the real bodies.
    let doc = xtask::patched_spec_value(dir.path(), &target).unwrap();
    assert!(
        doc["components"]["schemas"]
            .get("ListThingsErrorBody")
            .is_none()
    );
}

/// A scratch workspace with the files `add-spec` edits.
fn scratch_for_add_spec() -> tempfile::TempDir {
    let dir = scratch(true);
    let root = workspace_root();
    for rel in ["Cargo.toml", "cli/Cargo.toml", "sdk-httpmock/Cargo.toml"] {
        std::fs::copy(root.join(rel), dir.path().join(rel)).unwrap();
    }
    dir
}

#[test]
fn add_spec_writes_the_spec_target_crate_and_wiring_then_generates() {
    let dir = scratch_for_add_spec();
    let fixture = workspace_root().join("xtask/tests/fixtures/published/all-classes.yaml");
    let added = xtask::add_spec::add_spec(dir.path(), &fixture, "scim").unwrap();
    let read = |rel: &str| std::fs::read_to_string(dir.path().join(rel)).unwrap();
    // The spec, byte for byte.
    assert_eq!(
        std::fs::read(dir.path().join("openapi/scim.yaml")).unwrap(),
        std::fs::read(&fixture).unwrap()
    );
    let targets = xtask::targets(dir.path()).unwrap();
    let scim = targets.iter().find(|t| t.name == "scim").unwrap();
    assert_eq!(scim.crate_dir, "scim-sdk");
    assert!(read("scim-sdk/Cargo.toml").contains("name = \"scim-sdk\""));
    let lib = read("scim-sdk/src/lib.rs");
    assert!(lib.contains("sdk_core::impl_client_hooks!(generated::Client);"));
    assert!(
        lib.contains("\"https://hub.docker.com/api/scim/v2\""),
        "{lib}"
    );
    assert!(read("scim-sdk/src/generated/mod.rs").contains("pub fn get_users_by_id(&self)"));
    assert!(read("Cargo.toml").contains("    \"scim-sdk\",\n"));
    assert!(read("Cargo.toml").contains("scim-sdk = { path = \"scim-sdk\""));
    assert!(read("cli/Cargo.toml").contains("scim-sdk.workspace = true"));
    assert!(read("sdk-httpmock/Cargo.toml").contains("scim-sdk.workspace = true"));
    assert!(read("sdk-httpmock/src/lib.rs").contains("pub mod scim;"));
    let api = read("cli/src/api.rs");
    assert!(
        api.contains("\"scim\" => run_spec!(\n            scim,"),
        "{api}"
    );
    assert!(read("openapi/CHANGELOG.md").contains("### `scim.yaml`"));
    assert!(
        added
            .touched
            .iter()
            .any(|p| p.ends_with("scim-sdk/src/lib.rs"))
    );
    // Generated and committed agree: `generate --check` would pass.
    let files = xtask::render_all(dir.path()).unwrap();
    assert_eq!(xtask::drifted(dir.path(), &files), Vec::<PathBuf>::new());

    // Adding it twice, or a name that cannot be a crate, is refused.
    let again = xtask::add_spec::add_spec(dir.path(), &fixture, "scim").unwrap_err();
    assert!(format!("{again:#}").contains("already"), "{again:#}");
    let bad = xtask::add_spec::add_spec(dir.path(), &fixture, "Scim_2").unwrap_err();
    assert!(format!("{bad:#}").contains("--name"), "{bad:#}");
}
