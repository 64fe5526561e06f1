//! `cargo xtask add-spec FILE --name NAME`: the mechanical steps of adding
//! a spec, so that generating, building and linting pass with no hand edit.
//!
//! 1. `FILE` is copied byte for byte to `openapi/<NAME>.yaml` (JSON is
//!    YAML).
//! 2. Its target is appended to `xtask/targets.yaml`.
//! 3. The crate `<NAME>-sdk/` is created: a `Cargo.toml` with what the
//!    generated code needs, and a `lib.rs` with the generated module, the
//!    shared hooks, the spec's default URL and the client the CLI uses.
//! 4. The crate joins the workspace, the CLI and `sdk-httpmock`.
//! 5. Everything is generated: the client, the httpmock helpers, the CLI's
//!    `api <NAME>` commands and the lists that name them.
//!
//! What is left is the thin hand-written layer and its tests
//! (`openapi/README.md`).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::{TARGETS_FILE, Target};

/// What `add-spec` did, for the user.
#[derive(Debug, Default)]
pub struct Added {
    /// Files created or changed, relative to the workspace root.
    pub touched: Vec<PathBuf>,
}

/// Whether `name` can name a spec: lowercase letters, digits and `-`,
/// starting with a letter (it becomes a crate, a module and a command).
fn valid_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
        && !name.contains("--")
        && name.len() <= 40
}

/// Adds the spec at `file` to the workspace at `root` as `name`.
pub fn add_spec(root: &Path, file: &Path, name: &str) -> Result<Added> {
    if !valid_name(name) {
        bail!(
            "--name {name:?}: use lowercase letters, digits and single dashes, starting with a \
             letter (it names the crate {name}-sdk and the command `api {name}`)"
        );
    }
    let target = Target::new(&format!("{name}.yaml"), name);
    let existing = crate::targets(root)?;
    if existing
        .iter()
        .any(|t| t.module() == target.module() || t.spec == target.spec)
    {
        bail!("{TARGETS_FILE} already has a spec named {name:?}");
    }
    for taken in [
        root.join("openapi").join(&target.spec),
        root.join(&target.crate_dir),
    ] {
        if taken.exists() {
            bail!("{} already exists", taken.display());
        }
    }
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let doc: serde_json::Value = serde_yaml::from_slice(&bytes)
        .with_context(|| format!("{} is not YAML or JSON", file.display()))?;
    if doc
        .get("openapi")
        .and_then(|v| v.as_str())
        .is_none_or(|v| !v.starts_with("3."))
    {
        bail!(
            "{} is not an OpenAPI 3 document (no `openapi: 3.x`)",
            file.display()
        );
    }
    let mut added = Added::default();

    let spec_path = root.join("openapi").join(&target.spec);
    std::fs::write(&spec_path, &bytes)
        .with_context(|| format!("writing {}", spec_path.display()))?;
    added.touched.push(Path::new("openapi").join(&target.spec));

    append(
        root,
        TARGETS_FILE,
        &format!(
            "- spec: {}\n  name: {}\n  crate_dir: {}\n  crate_name: {}\n",
            target.spec, target.name, target.crate_dir, target.crate_name
        ),
        &mut added,
    )?;

    let title = doc
        .pointer("/info/title")
        .and_then(|v| v.as_str())
        .unwrap_or(name)
        .to_owned();
    let default_url = doc
        .pointer("/servers/0/url")
        .and_then(|v| v.as_str())
        .filter(|url| url.starts_with("https://") || url.starts_with("http://"))
        .unwrap_or("https://hub.docker.com")
        .to_owned();
    write_new(
        root,
        &format!("{}/Cargo.toml", target.crate_dir),
        &crate_manifest(&target, &title),
        &mut added,
    )?;
    write_new(
        root,
        &format!("{}/src/lib.rs", target.crate_dir),
        &crate_lib(&target, &title, &default_url),
        &mut added,
    )?;

    let package = &target.crate_dir;
    insert_before(
        root,
        "Cargo.toml",
        "    \"sdk-httpmock\",\n",
        &format!("    \"{package}\",\n"),
        &mut added,
    )?;
    insert_before(
        root,
        "Cargo.toml",
        "sdk-httpmock = { path = ",
        &format!("{package} = {{ path = \"{package}\", version = \"0.1.0\" }}\n"),
        &mut added,
    )?;
    for manifest in ["cli/Cargo.toml", "sdk-httpmock/Cargo.toml"] {
        insert_after(
            root,
            manifest,
            "[dependencies]\n",
            &format!("{package}.workspace = true\n"),
            &mut added,
        )?;
    }

    let files = crate::render_all(root)?;
    crate::write(root, &files)?;
    for file in files {
        if !added.touched.contains(&file.path) {
            added.touched.push(file.path);
        }
    }
    Ok(added)
}

fn crate_manifest(target: &Target, title: &str) -> String {
    let description = title.replace('\\', "").replace('"', "'");
    format!(
        r#"[package]
name = "{package}"
description = "Typed client for {description}, generated from openapi/{spec}."
version.workspace = true
edition.workspace = true
rust-version.workspace = true
license.workspace = true
repository.workspace = true
homepage.workspace = true
readme.workspace = true
authors.workspace = true
keywords = ["docker", "sdk", "api"]
categories = ["api-bindings", "web-programming::http-client"]

[dependencies]
sdk-core.workspace = true
progenitor-client.workspace = true
reqwest.workspace = true
serde.workspace = true
serde_json.workspace = true
schemars.workspace = true
chrono.workspace = true
futures.workspace = true
# The generated checks of string `pattern`s name it.
regress.workspace = true
"#,
        package = target.crate_dir,
        spec = target.spec,
    )
}

fn crate_lib(target: &Target, title: &str, default_url: &str) -> String {
    format!(
        r#"#![warn(missing_docs)]
//! Typed client for {title}, generated from `openapi/{spec}` by
//! `cargo xtask generate`, with the hooks every Docker data SDK shares:
//! auth, re-auth on `401`, retries, tracing, and the one redacted error.
//!
//! [`generated`] has one method per operation. The hand-written layer
//! (a builder from `ClientConfig`, streams over pages, downloads) is yours
//! to add: see `openapi/README.md`.

#[allow(missing_docs, clippy::all, clippy::pedantic)]
// Written by `cargo xtask generate` from openapi/{spec}; never edited by
// hand, so its style is progenitor's.
pub mod generated;

pub use sdk_core::common::*;

sdk_core::impl_client_hooks!(generated::Client);

/// Where the API lives unless told otherwise: the spec's first server.
pub const DEFAULT_URL: &str = "{default_url}";

/// The generated client at `base_url`, with `context`'s credentials and
/// the shared hooks; the CLI's `docker-data api {name}` commands use it.
pub fn cli_client(base_url: &str, context: sdk_core::ApiContext) -> Result<generated::Client> {{
    let http = sdk_core::http::client_builder().build()?;
    Ok(generated::Client::new_with_client(
        base_url,
        http,
        context.with_operations(generated::OPERATIONS),
    ))
}}
"#,
        spec = target.spec,
        name = target.name,
    )
}

fn write_new(root: &Path, rel: &str, contents: &str, added: &mut Added) -> Result<()> {
    let path = root.join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(&path, contents).with_context(|| format!("writing {}", path.display()))?;
    added.touched.push(rel.into());
    Ok(())
}

fn append(root: &Path, rel: &str, text: &str, added: &mut Added) -> Result<()> {
    let path = root.join(rel);
    let mut contents =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    if !contents.ends_with('\n') {
        contents.push('\n');
    }
    contents.push_str(text);
    std::fs::write(&path, contents).with_context(|| format!("writing {}", path.display()))?;
    added.touched.push(rel.into());
    Ok(())
}

/// Inserts `text` after the first line that is `anchor`.
fn insert_after(root: &Path, rel: &str, anchor: &str, text: &str, added: &mut Added) -> Result<()> {
    insert(root, rel, anchor, text, true, added)
}

/// Inserts `text` before the first line starting with `anchor`.
fn insert_before(
    root: &Path,
    rel: &str,
    anchor: &str,
    text: &str,
    added: &mut Added,
) -> Result<()> {
    insert(root, rel, anchor, text, false, added)
}

fn insert(
    root: &Path,
    rel: &str,
    anchor: &str,
    text: &str,
    after: bool,
    added: &mut Added,
) -> Result<()> {
    let path = root.join(rel);
    let contents =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let at = contents
        .match_indices(anchor)
        .map(|(i, _)| i)
        .find(|&i| i == 0 || contents.as_bytes()[i - 1] == b'\n')
        .with_context(|| {
            format!("{rel}: no line starting with {anchor:?} to insert the new crate at")
        })?;
    let at = if after { at + anchor.len() } else { at };
    let updated = format!("{}{text}{}", &contents[..at], &contents[at..]);
    std::fs::write(&path, updated).with_context(|| format!("writing {}", path.display()))?;
    if !added.touched.iter().any(|t| t == Path::new(rel)) {
        added.touched.push(rel.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_would_not_make_a_crate_and_a_command_are_refused() {
        for good in ["scim", "hub-v3", "org2"] {
            assert!(valid_name(good), "{good}");
        }
        for bad in ["", "Scim", "2fa", "a_b", "a--b", "a-", "../x", "a b"] {
            assert!(!valid_name(bad), "{bad}");
        }
    }
}
