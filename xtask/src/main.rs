//! `cargo xtask <command>`: see `cargo xtask help`.

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask generate [--check]
       cargo xtask diff [--base <git-rev>]
       cargo xtask add-spec <file> --name <name>

  generate          regenerate every typed client, httpmock helper and CLI command
                    from openapi/; when files change, print the spec-change report
  generate --check  regenerate in memory; exit 1 naming every file that differs
  diff              what changed in each spec of openapi/ since <git-rev> (default
                    HEAD): operations, parameters, responses, schema fields and enum
                    values, each marked breaking or compatible for generated code
  add-spec          copy an OpenAPI 3 spec into openapi/<name>.yaml, create the crate
                    <name>-sdk, wire it into the workspace, the CLI (`api <name>`) and
                    sdk-httpmock, and generate everything: then it builds and lints
                    clean; what is left is the hand-written layer and its tests";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["generate"] => generate(false),
        ["generate", "--check"] => generate(true),
        ["diff"] => diff("HEAD"),
        ["diff", "--base", base] => diff(base),
        ["add-spec", file, "--name", name] | ["add-spec", "--name", name, file] => {
            add_spec(file, name)
        }
        ["help"] | ["--help"] | ["-h"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    // xtask/ sits directly under the workspace root.
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn generate(check: bool) -> anyhow::Result<ExitCode> {
    let root = workspace_root();
    let files = xtask::render_all(&root)?;
    if check {
        let drifted = xtask::drifted(&root, &files);
        if drifted.is_empty() {
            println!("generated code is up to date ({} files)", files.len());
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!("generated code differs from openapi/ (run `cargo xtask generate`):");
        for path in drifted {
            eprintln!("  {}", path.display());
        }
        return Ok(ExitCode::FAILURE);
    }
    let changed = xtask::drifted(&root, &files);
    xtask::write(&root, &files)?;
    for file in &files {
        println!("wrote {}", file.path.display());
    }
    // What each spec had that progenitor would not take, and what became
    // of it (also kept in openapi/CHANGELOG.md).
    for (spec, notes) in xtask::normalizations(&root)? {
        println!("\nopenapi/{spec}: rewritten before generation");
        for note in notes {
            println!("  {note}");
        }
    }
    if !changed.is_empty() {
        // The report helps review a spec update; without git there is none.
        match xtask::diff::report(&root, "HEAD") {
            Ok(report) => print!("\nspec changes since HEAD:\n{report}"),
            Err(err) => eprintln!("(no spec-change report: {err:#})"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn add_spec(file: &str, name: &str) -> anyhow::Result<ExitCode> {
    let root = workspace_root();
    let added = xtask::add_spec::add_spec(&root, std::path::Path::new(file), name)?;
    for path in &added.touched {
        println!("wrote {}", path.display());
    }
    for (spec, notes) in xtask::normalizations(&root)? {
        if spec == format!("{name}.yaml") {
            println!("\nopenapi/{spec}: rewritten before generation");
            for note in notes {
                println!("  {note}");
            }
        }
    }
    println!(
        "\nadded {name}: `cargo build -p {name}-sdk` builds it and `docker-data api {name}` \
         lists its operations; next, the hand-written layer and its tests (openapi/README.md)"
    );
    Ok(ExitCode::SUCCESS)
}

fn diff(base: &str) -> anyhow::Result<ExitCode> {
    print!("{}", xtask::diff::report(&workspace_root(), base)?);
    Ok(ExitCode::SUCCESS)
}
