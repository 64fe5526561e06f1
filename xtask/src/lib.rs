//! Code generation for the workspace: every typed client comes from a spec in
//! `openapi/`, with that spec's patches applied, through progenitor.
//!
//! The generated files are committed. [`drifted`] (behind `--check`)
//! compares a fresh generation with them and reports each file whose bytes
//! differ, so CI catches a spec edited without regenerating, or a generated
//! file edited by hand.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use progenitor_impl::{
    GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle, TypeImpl,
};
use quote::quote;

pub mod add_spec;
pub mod diff;
pub mod fixups;
pub mod normalize;
pub mod open_enums;

/// One spec and the files generated from it: an entry of
/// `xtask/targets.yaml`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct Target {
    /// File name of the spec under `openapi/`.
    pub spec: String,
    /// The spec's short name: `api <name>` on the command line, the folder
    /// of its patches, the httpmock and CLI modules (in snake case).
    pub name: String,
    /// The SDK crate's folder, relative to the workspace root.
    pub crate_dir: String,
    /// The SDK crate's library name (`dvp_sdk`).
    pub crate_name: String,
    /// Open enums generated into the client module, by Rust name: each
    /// replaces its spec schemas in the generated types, so a value the
    /// spec does not list yet does not fail a response ([`open_enums`]).
    /// The crate re-exports them at its root.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub open_enums: BTreeMap<String, open_enums::OpenEnum>,
    /// The expression that builds the client of the CLI's `api <name>`
    /// commands; `None`: the crate's `cli_client` function.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cli_client: Option<String>,
}

impl Target {
    /// A target named `name` for `openapi/<spec>`, in the crate `<name>-sdk`.
    pub fn new(spec: &str, name: &str) -> Self {
        use heck::ToSnakeCase;
        Self {
            spec: spec.to_owned(),
            name: name.to_owned(),
            crate_dir: format!("{name}-sdk"),
            crate_name: format!("{}_sdk", name.to_snake_case()),
            open_enums: BTreeMap::new(),
            cli_client: None,
        }
    }

    /// The module name of the spec's httpmock helpers and CLI commands.
    pub fn module(&self) -> String {
        use heck::ToSnakeCase;
        self.name.to_snake_case()
    }

    /// Folder under `openapi/patches/` holding this spec's merge patches.
    pub fn patches(&self) -> &str {
        &self.name
    }

    /// Where the client goes, relative to the workspace root.
    pub fn client_out(&self) -> String {
        format!("{}/src/generated/mod.rs", self.crate_dir)
    }

    /// Where the httpmock helpers go, relative to the workspace root.
    pub fn mock_out(&self) -> String {
        format!("sdk-httpmock/src/{}.rs", self.module())
    }

    /// Where the clap commands of the CLI's `api` command go.
    pub fn cli_out(&self) -> String {
        format!("cli/src/api/{}.rs", self.module())
    }

    /// Spec schemas replaced by an open enum: schema name to the enum's
    /// path at the crate's root.
    pub fn replacements(&self) -> BTreeMap<&str, String> {
        self.open_enums
            .iter()
            .flat_map(|(name, open)| {
                open.schemas
                    .iter()
                    .map(move |schema| (schema.as_str(), format!("::{}::{name}", self.crate_name)))
            })
            .collect()
    }

    /// Rust path of the generated module, as the httpmock helpers import it.
    pub fn module_path(&self) -> String {
        format!("{}::generated", self.crate_name)
    }
}

/// Where the targets are listed.
pub const TARGETS_FILE: &str = "xtask/targets.yaml";

/// Every spec of the workspace and where its code is written, from
/// `xtask/targets.yaml`.
pub fn targets(root: &Path) -> Result<Vec<Target>> {
    let path = root.join(TARGETS_FILE);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let targets: Vec<Target> =
        serde_yaml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let mut names = std::collections::BTreeSet::new();
    for target in &targets {
        if !names.insert(target.module()) {
            bail!(
                "{}: the name {:?} is listed twice",
                path.display(),
                target.name
            );
        }
    }
    Ok(targets)
}

/// A file the generator wants on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path relative to the workspace root.
    pub path: PathBuf,
    /// Exact contents, rustfmt-clean.
    pub contents: String,
}

/// Reads `openapi/<spec>` as JSON and applies the spec's patches in file
/// name order. The patched document is what progenitor sees; the vendored
/// spec itself is never modified.
pub fn patched_spec_value(root: &Path, target: &Target) -> Result<serde_json::Value> {
    let spec_path = root.join("openapi").join(&target.spec);
    let text = std::fs::read_to_string(&spec_path)
        .with_context(|| format!("reading {}", spec_path.display()))?;
    let mut doc: serde_json::Value = serde_yaml::from_str(&text)
        .with_context(|| format!("parsing {} as YAML", spec_path.display()))?;
    for patch_path in patch_files(root, target)? {
        let text = std::fs::read_to_string(&patch_path)
            .with_context(|| format!("reading {}", patch_path.display()))?;
        let patch: serde_json::Value = serde_yaml::from_str(&text)
            .with_context(|| format!("parsing patch {}", patch_path.display()))?;
        if !patch.is_object() {
            bail!(
                "patch {} must be a YAML mapping (a JSON merge patch, RFC 7396)",
                patch_path.display()
            );
        }
        json_patch::merge(&mut doc, &patch);
    }
    Ok(doc)
}

/// The patched spec as progenitor's input type, with the rewrites every
/// spec gets ([`fixups::fold_error_bodies`]).
pub fn patched_spec(root: &Path, target: &Target) -> Result<openapiv3::OpenAPI> {
    Ok(normalized_spec(root, target)?.0)
}

/// [`patched_spec`] and the rewrites [`normalize`](normalize::normalize)
/// made to get there.
pub fn normalized_spec(
    root: &Path,
    target: &Target,
) -> Result<(openapiv3::OpenAPI, Vec<normalize::Note>)> {
    let mut doc = patched_spec_value(root, target)?;
    let mut notes = normalize::normalize(&mut doc);
    fixups::fold_error_bodies(&mut doc);
    let replaced: Vec<&str> = target.replacements().into_keys().collect();
    fixups::hoist_replaced_enums(&mut doc, &replaced);
    // After the folding, which may turn a `default` into ranges.
    notes.extend(normalize::statuses_inside_ranges(&doc));
    let spec = serde_json::from_value(doc).with_context(|| {
        format!(
            "openapi/{} (patched) is not a valid OpenAPI 3.0 document",
            target.spec
        )
    })?;
    Ok((spec, notes))
}

/// The patch files of a target, sorted by name; a missing folder means none.
pub fn patch_files(root: &Path, target: &Target) -> Result<Vec<PathBuf>> {
    let dir = root.join("openapi/patches").join(target.patches());
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&dir).with_context(|| format!("listing {}", dir.display()))? {
        let path = entry?.path();
        if path
            .extension()
            .is_some_and(|ext| ext == "yaml" || ext == "yml")
        {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn settings(target: &Target) -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    for (schema, rust_type) in target.replacements() {
        settings.with_replacement(
            schema,
            rust_type,
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        );
    }
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        // The SDK crates implement `ClientHooks` for their `Client` by
        // delegating to sdk-core: auth, re-auth, retries and tracing live there.
        // `Expected` turns a forgotten implementation into a compile error.
        .with_hooks(HooksMode::Expected)
        .with_inner_type(quote!(::sdk_core::ApiContext))
        .with_derive("schemars::JsonSchema")
        .with_derive("PartialEq");
    settings
}

/// Generates every file of every target, in memory, and the record of
/// the rewrites in `openapi/CHANGELOG.md`.
pub fn render_all(root: &Path) -> Result<Vec<GeneratedFile>> {
    let mut files = Vec::new();
    let targets = targets(root)?;
    let mut noted = Vec::new();
    for target in &targets {
        let (rendered, notes) = render_target_noted(root, target)?;
        files.extend(rendered);
        if !notes.is_empty() {
            noted.push((target.spec.clone(), notes));
        }
    }
    files.push(normalization_record(root, &noted)?);
    files.push(httpmock_registry(root, &targets)?);
    files.push(cli_registry(root, &targets)?);
    Ok(files)
}

/// The rewrites each spec needs, by spec file name (none: left out).
pub fn normalizations(root: &Path) -> Result<Vec<(String, Vec<normalize::Note>)>> {
    let mut all = Vec::new();
    for target in &targets(root)? {
        let (_, notes) = normalized_spec(root, target)?;
        if !notes.is_empty() {
            all.push((target.spec.clone(), notes));
        }
    }
    Ok(all)
}

const RECORD: &str = "openapi/CHANGELOG.md";

/// `openapi/CHANGELOG.md` with its block of normalizations in force
/// rewritten (placed before the first `## ` section when it has none).
fn normalization_record(
    root: &Path,
    by_spec: &[(String, Vec<normalize::Note>)],
) -> Result<GeneratedFile> {
    let mut block = "## Normalizations in force\n\n\
         What `cargo xtask generate` rewrites in each spec before progenitor\n\
         sees it, and where (`xtask/src/normalize.rs`). The vendored files are\n\
         never changed.\n"
        .to_owned();
    if by_spec.is_empty() {
        block.push_str("\nNone.\n");
    }
    for (spec, notes) in by_spec {
        block.push_str(&format!("\n### `{spec}`\n\n"));
        for note in notes {
            block.push_str(&format!("- `{}`: {}\n", note.location, note.what));
        }
    }
    let text = std::fs::read_to_string(root.join(RECORD))
        .unwrap_or_else(|_| "# Spec changes\n".to_owned());
    let (start, end) = (
        "<!-- normalizations: written by `cargo xtask generate` -->",
        "<!-- end of normalizations -->",
    );
    let contents = match region_bounds(&text, start, end) {
        Some(_) => replace_region(&text, start, end, &block),
        None => {
            let region = format!("{start}\n{block}{end}");
            match text.find("\n## ") {
                Some(at) => format!("{}{region}\n\n{}", &text[..at + 1], &text[at + 1..]),
                None => format!("{}\n\n{region}\n", text.trim_end()),
            }
        }
    };
    Ok(GeneratedFile {
        path: RECORD.into(),
        contents,
    })
}

/// Where the text between the `start` and `end` marker lines lies.
fn region_bounds(text: &str, start: &str, end: &str) -> Option<(usize, usize)> {
    let from = text.find(start)? + start.len();
    let to = from + text[from..].find(end)?;
    Some((from, to))
}

/// `text` with what lies between the marker lines replaced by `body`.
fn replace_region(text: &str, start: &str, end: &str, body: &str) -> String {
    match region_bounds(text, start, end) {
        Some((from, to)) => format!("{}\n{body}{}", &text[..from], &text[to..]),
        None => text.to_owned(),
    }
}

/// A hand-written file whose marked region lists every target: the file
/// as it is with that region rewritten.
fn registry(root: &Path, path: &str, body: &str) -> Result<GeneratedFile> {
    const START: &str =
        "// region: specs (written by `cargo xtask generate` from xtask/targets.yaml)";
    const END: &str = "// endregion: specs";
    let text =
        std::fs::read_to_string(root.join(path)).with_context(|| format!("reading {path}"))?;
    if region_bounds(&text, START, END).is_none() {
        bail!("{path} has no `{START}` … `{END}` region to list the specs in");
    }
    Ok(GeneratedFile {
        path: path.into(),
        contents: replace_region(&text, START, END, body),
    })
}

/// The httpmock crate's module list.
fn httpmock_registry(root: &Path, targets: &[Target]) -> Result<GeneratedFile> {
    let mut modules: Vec<String> = targets.iter().map(Target::module).collect();
    modules.sort();
    let body: String = modules
        .iter()
        .map(|module| format!("pub mod {module};\n"))
        .collect();
    registry(root, "sdk-httpmock/src/lib.rs", &body)
}

/// The CLI's `api` commands: the modules, the spec names, how each spec's
/// client is built.
fn cli_registry(root: &Path, targets: &[Target]) -> Result<GeneratedFile> {
    let mut targets = targets.to_vec();
    targets.sort_by(|a, b| a.name.cmp(&b.name));
    let targets = &targets;
    let mut body = String::new();
    for t in targets {
        body.push_str(&format!(
            "#[allow(missing_docs, unused, clippy::all, clippy::pedantic)]\n\
             // Written by `cargo xtask generate` from openapi/{}.\n\
             pub mod {};\n",
            t.spec,
            t.module()
        ));
    }
    let names: Vec<String> = targets.iter().map(|t| format!("{:?}", t.name)).collect();
    body.push_str(&format!(
        "\n/// The specs, as named on the command line.\n\
         pub const SPECS: [&str; {}] = [{}];\n\n",
        targets.len(),
        names.join(", ")
    ));
    for t in targets {
        body.push_str(&format!("json_out_for!({});\n", t.module()));
    }
    body.push_str(
        "\n/// The operations of `spec`, as `api <spec>` lists them.\n\
         fn operations_of(spec: &str) -> Option<Vec<&'static str>> {\n    Some(match spec {\n",
    );
    for t in targets {
        body.push_str(&format!(
            "        {:?} => {}::CliCommand::iter().map(|c| c.operation_id()).collect(),\n",
            t.name,
            t.module()
        ));
    }
    body.push_str("        _ => return None,\n    })\n}\n\n");
    body.push_str(
        "/// Runs `operation` of `spec` with `args`, through the spec's client.\n\
         async fn run_generated(\n    context: &Context,\n    spec: &str,\n    operation: &str,\n    args: &[String],\n\
         ) -> Result<(), CliError> {\n    match spec {\n",
    );
    for t in targets {
        let client = match &t.cli_client {
            Some(expression) => expression.clone(),
            None => format!(
                "::{crate_name}::cli_client(&context.api_url({name:?}, ::{crate_name}::DEFAULT_URL), context.login_context())?",
                crate_name = t.crate_name,
                name = t.name
            ),
        };
        body.push_str(&format!(
            "        {:?} => run_spec!({}, {client}, operation, args),\n",
            t.name,
            t.module()
        ));
    }
    body.push_str("        other => Err(unknown_spec(other)),\n    }\n}\n");
    let file = registry(root, "cli/src/api.rs", &body)?;
    Ok(GeneratedFile {
        contents: rustfmt(&file.contents)?,
        ..file
    })
}

/// Generates the client and the httpmock helpers of one target.
pub fn render_target(root: &Path, target: &Target) -> Result<Vec<GeneratedFile>> {
    Ok(render_target_noted(root, target)?.0)
}

/// [`render_target`] and the rewrites the spec needed.
fn render_target_noted(
    root: &Path,
    target: &Target,
) -> Result<(Vec<GeneratedFile>, Vec<normalize::Note>)> {
    let (spec, notes) = normalized_spec(root, target)?;
    let source = describe_source(root, target)?;

    let client_tokens = Generator::new(&settings(target))
        .generate_tokens(&spec)
        .with_context(|| format!("generating the client for openapi/{}", target.spec))?;
    let mut client_tokens = fixups::apply(client_tokens, fixups::specific_statuses_first)
        .context("progenitor produced an unparsable client")?;
    client_tokens.extend(operation_table(&spec));
    let mut client = finish(&format!("Typed client for {source}."), client_tokens)?;
    client.push_str(&open_enums::source(&target.open_enums, &spec)?);

    let mock_tokens = Generator::new(&settings(target))
        .httpmock(&spec, &target.module_path())
        .with_context(|| format!("generating httpmock helpers for openapi/{}", target.spec))?;
    let mock_tokens = fixups::apply(mock_tokens, fixups::array_query_params_in_mocks)
        .context("progenitor produced unparsable httpmock helpers")?;
    let mock = finish(
        &format!("httpmock helpers for {source}: one typed `when`/`then` pair per operation."),
        mock_tokens,
    )?;

    let cli_tokens = Generator::new(&settings(target))
        .cli(&spec, &target.module_path())
        .with_context(|| format!("generating CLI commands for openapi/{}", target.spec))?;
    let cli_tokens = fixups::apply(cli_tokens, fixups::array_params_in_cli)
        .context("progenitor produced unparsable CLI commands")?;
    let cli = finish(
        &format!("clap commands for {source}: one subcommand per operation."),
        cli_tokens,
    )?;

    let files = vec![
        GeneratedFile {
            path: target.client_out().into(),
            contents: client,
        },
        GeneratedFile {
            path: target.mock_out().into(),
            contents: mock,
        },
        GeneratedFile {
            path: target.cli_out().into(),
            contents: cli,
        },
    ];
    Ok((files, notes))
}

/// `OPERATIONS`: each operation's name as progenitor reports it to the
/// hooks, its method and its path template, so that request spans name the
/// template (`/namespaces/{namespace}`) rather than a path with values in it.
fn operation_table(spec: &openapiv3::OpenAPI) -> proc_macro2::TokenStream {
    use heck::ToSnakeCase;
    let mut rows = Vec::new();
    for (path, item) in spec.paths.iter() {
        let Some(item) = item.as_item() else { continue };
        for (method, operation) in item.iter() {
            let Some(id) = &operation.operation_id else {
                continue;
            };
            let name = id.to_snake_case();
            let method = method.to_uppercase();
            let content_type = match operation
                .extensions
                .get(normalize::REQUEST_CONTENT_TYPE)
                .and_then(|v| v.as_str())
            {
                Some(media) => quote!(Some(#media)),
                None => quote!(None),
            };
            rows.push(quote!(::sdk_core::hooks::Operation {
                name: #name,
                method: #method,
                path: #path,
                request_content_type: #content_type,
            }));
        }
    }
    quote! {
        /// Every operation of the spec: name, method and path template.
        pub const OPERATIONS: &[::sdk_core::hooks::Operation] = &[#(#rows),*];
    }
}

fn describe_source(root: &Path, target: &Target) -> Result<String> {
    let patches = patch_files(root, target)?;
    let mut source = format!("openapi/{}", target.spec);
    if !patches.is_empty() {
        let names: Vec<String> = patches
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        source.push_str(&format!(" with patches {}", names.join(", ")));
    }
    Ok(source)
}

/// Pretty-prints, adds the do-not-edit header and runs rustfmt so that the
/// committed file is exactly what `cargo fmt` would leave.
fn finish(title: &str, tokens: proc_macro2::TokenStream) -> Result<String> {
    let file: syn::File =
        syn::parse2(line_doc_comments(tokens)).context("progenitor produced unparsable Rust")?;
    let body = progenitor_impl::space_out_items(prettyplease::unparse(&file))
        .context("spacing out generated items")?;
    let header = format!(
        "// @generated by `cargo xtask generate`. Do not edit by hand: change the\n\
         // spec or add a patch under openapi/patches/, then regenerate.\n\
         //\n\
         // {title}\n\n"
    );
    rustfmt(&format!("{header}{body}"))
}

/// Splits every multi-line `#[doc = "..."]` into one attribute per line.
///
/// prettyplease prints a multi-line doc attribute as a `/** */` block, and
/// rustfmt indents its lines; rustdoc then reads the indented lines as code
/// blocks and runs them as doctests. One `///` line per line keeps the
/// markdown as progenitor wrote it.
fn line_doc_comments(tokens: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};

    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = TokenStream::new();
    let mut i = 0;
    while i < trees.len() {
        // `#` [`!`] `[doc = "..."]`
        if let TokenTree::Punct(hash) = &trees[i]
            && hash.as_char() == '#'
        {
            let bang = matches!(trees.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == '!');
            let group_at = if bang { i + 2 } else { i + 1 };
            if let Some(TokenTree::Group(group)) = trees.get(group_at)
                && group.delimiter() == Delimiter::Bracket
                && let Ok(doc) = syn::parse2::<syn::MetaNameValue>(group.stream())
                && doc.path.is_ident("doc")
                && let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(text),
                    ..
                }) = &doc.value
                && text.value().contains('\n')
            {
                for line in text.value().lines() {
                    let line = if line.is_empty() {
                        String::new()
                    } else {
                        format!(" {line}")
                    };
                    let attr = if bang {
                        quote!(#![doc = #line])
                    } else {
                        quote!(#[doc = #line])
                    };
                    out.extend(attr);
                }
                i = group_at + 1;
                continue;
            }
        }
        match &trees[i] {
            TokenTree::Group(group) => {
                let mut rebuilt = Group::new(group.delimiter(), line_doc_comments(group.stream()));
                rebuilt.set_span(group.span());
                out.extend([TokenTree::Group(rebuilt)]);
            }
            other => out.extend([other.clone()]),
        }
        i += 1;
    }
    out
}

fn rustfmt(source: &str) -> Result<String> {
    let rustfmt = std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".to_owned());
    let mut child = Command::new(&rustfmt)
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| {
            format!("running {rustfmt}: is rustfmt installed (rustup component add rustfmt)?")
        })?;
    child
        .stdin
        .take()
        .context("rustfmt stdin")?
        .write_all(source.as_bytes())?;
    let output = child.wait_with_output()?;
    if !output.status.success() {
        bail!(
            "rustfmt failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    String::from_utf8(output.stdout).context("rustfmt wrote non-UTF-8 output")
}

/// Writes every generated file under `root`.
pub fn write(root: &Path, files: &[GeneratedFile]) -> Result<()> {
    for file in files {
        let path = root.join(&file.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(&path, &file.contents)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// The generated files whose committed bytes differ from a fresh generation
/// (missing files included).
pub fn drifted(root: &Path, files: &[GeneratedFile]) -> Vec<PathBuf> {
    files
        .iter()
        .filter(|file| {
            std::fs::read_to_string(root.join(&file.path))
                .ok()
                .as_deref()
                != Some(file.contents.as_str())
        })
        .map(|file| file.path.clone())
        .collect()
}
