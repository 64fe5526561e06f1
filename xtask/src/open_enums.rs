//! Open enums generated from the spec: each lists the string values of the
//! schemas it replaces, plus the values `xtask/targets.yaml` documents, and
//! keeps any other value as `Other` (`sdk_core::open_enum!`). A value the
//! spec adds becomes a variant at the next `cargo xtask generate`.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use heck::ToUpperCamelCase;
use openapiv3::{ReferenceOr, SchemaKind, Type};

/// An open enum of a target (`open_enums:` in `xtask/targets.yaml`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct OpenEnum {
    /// Its doc comment.
    pub doc: String,
    /// Spec schemas it replaces in the generated types; their string
    /// values are its variants.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schemas: Vec<String>,
    /// Values with their docs (`- wire: doc`), first and in this order;
    /// one the spec does not list is a variant all the same.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<BTreeMap<String, String>>,
}

/// One variant: its wire string and doc.
struct Variant {
    wire: String,
    doc: String,
}

impl OpenEnum {
    /// The variants: the documented values, then the spec's others.
    fn variants(&self, name: &str, spec: &openapiv3::OpenAPI) -> Result<Vec<Variant>> {
        let mut variants: Vec<Variant> = Vec::new();
        for entry in &self.values {
            let mut pairs = entry.iter();
            let (Some((wire, doc)), None) = (pairs.next(), pairs.next()) else {
                bail!("open enum {name}: each of `values` is one `wire: doc` pair");
            };
            variants.push(Variant {
                wire: wire.clone(),
                doc: doc.clone(),
            });
        }
        for schema in &self.schemas {
            for wire in string_values(spec, schema)
                .with_context(|| format!("open enum {name}, schema {schema}"))?
            {
                if !variants.iter().any(|v| v.wire == wire) {
                    variants.push(Variant {
                        doc: format!("`{wire}`, as the spec lists it."),
                        wire,
                    });
                }
            }
        }
        if variants.is_empty() {
            bail!("open enum {name} has no value: name a schema or list values");
        }
        Ok(variants)
    }
}

/// The string values a schema of the spec lists (`null` left out).
fn string_values(spec: &openapiv3::OpenAPI, schema: &str) -> Result<Vec<String>> {
    let found = spec
        .components
        .as_ref()
        .and_then(|c| c.schemas.get(schema))
        .context("the spec has no such schema")?;
    let ReferenceOr::Item(found) = found else {
        bail!("the schema is a reference; name the schema it refers to");
    };
    match &found.schema_kind {
        SchemaKind::Type(Type::String(string)) if !string.enumeration.is_empty() => {
            Ok(string.enumeration.iter().flatten().cloned().collect())
        }
        _ => bail!("the schema is not a string enum"),
    }
}

/// `sdk_core::open_enum!` invocations for every open enum of a target, as
/// source text laid out as rustfmt leaves it (prettyplease prints a macro's
/// body as one run of tokens).
pub fn source(enums: &BTreeMap<String, OpenEnum>, spec: &openapiv3::OpenAPI) -> Result<String> {
    let mut out = String::new();
    for (name, open) in enums {
        if !is_rust_name(name) {
            bail!("open enum {name:?} is not a Rust name");
        }
        out.push_str("\n::sdk_core::open_enum! {\n");
        for line in open.doc.trim_end().lines() {
            out.push_str(&format!("    ///{}\n", spaced(line)));
        }
        out.push_str(&format!("    pub enum {name} {{\n"));
        let mut idents = Vec::new();
        for variant in open.variants(name, spec)? {
            let ident = variant.wire.to_upper_camel_case();
            if !is_rust_name(&ident) {
                bail!(
                    "open enum {name}: the value {:?} makes no Rust name",
                    variant.wire
                );
            }
            if idents.contains(&ident) {
                bail!("open enum {name}: two values make the variant {ident}");
            }
            for line in variant.doc.trim_end().lines() {
                out.push_str(&format!("        ///{}\n", spaced(line)));
            }
            // Debug of a str is a Rust string literal.
            out.push_str(&format!("        {ident} = {:?},\n", variant.wire));
            idents.push(ident);
        }
        out.push_str("    }\n}\n");
    }
    Ok(out)
}

/// Whether `name` can name an item or a variant (a keyword cannot).
fn is_rust_name(name: &str) -> bool {
    syn::parse_str::<syn::Ident>(name).is_ok()
}

/// A doc line after `///`: a space before text, nothing after an empty line.
fn spaced(line: &str) -> String {
    match line.trim_end() {
        "" => String::new(),
        text => format!(" {text}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(values: &str) -> openapiv3::OpenAPI {
        serde_json::from_str(&format!(
            r#"{{"openapi": "3.0.3", "info": {{"title": "t", "version": "1"}}, "paths": {{}},
               "components": {{"schemas": {{
                   "Kind": {{"type": "string", "enum": {values}}},
                   "Count": {{"type": "integer"}}}}}}}}"#
        ))
        .unwrap()
    }

    fn open(schemas: &[&str], values: &[(&str, &str)]) -> BTreeMap<String, OpenEnum> {
        let open = OpenEnum {
            doc: "A kind.".into(),
            schemas: schemas.iter().map(|s| (*s).to_owned()).collect(),
            values: values
                .iter()
                .map(|(wire, doc)| BTreeMap::from([((*wire).to_owned(), (*doc).to_owned())]))
                .collect(),
        };
        BTreeMap::from([("Kind".to_owned(), open)])
    }

    #[test]
    fn documented_values_come_first_and_the_spec_adds_the_rest() {
        let text = source(
            &open(
                &["Kind"],
                &[("repo-summary", "Per repository."), ("org", "Kept.")],
            ),
            &spec(r#"["raw", "repo-summary", null]"#),
        )
        .unwrap();
        let expected = "
::sdk_core::open_enum! {
    /// A kind.
    pub enum Kind {
        /// Per repository.
        RepoSummary = \"repo-summary\",
        /// Kept.
        Org = \"org\",
        /// `raw`, as the spec lists it.
        Raw = \"raw\",
    }
}
";
        assert_eq!(text, expected);
        // What it writes is Rust.
        syn::parse_file(&text).unwrap();
    }

    #[test]
    fn a_value_without_a_rust_name_or_a_schema_not_an_enum_is_refused() {
        let err = source(&open(&["Kind"], &[]), &spec(r#"["2x", "x"]"#)).unwrap_err();
        assert!(
            err.to_string().contains("\"2x\" makes no Rust name"),
            "{err}"
        );
        let err = source(&open(&["Kind"], &[]), &spec(r#"["self"]"#)).unwrap_err();
        assert!(
            err.to_string().contains("\"self\" makes no Rust name"),
            "{err}"
        );
        let err = source(&open(&["Kind"], &[]), &spec(r#"["a-b", "a_b"]"#)).unwrap_err();
        assert!(
            err.to_string().contains("two values make the variant AB"),
            "{err}"
        );
        let err = source(&open(&["Count"], &[]), &spec("[]")).unwrap_err();
        assert!(
            format!("{err:#}").contains("schema Count: the schema is not a string enum"),
            "{err:#}"
        );
        let err = source(&open(&["Gone"], &[]), &spec("[]")).unwrap_err();
        assert!(format!("{err:#}").contains("no such schema"), "{err:#}");
    }
}
