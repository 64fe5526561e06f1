//! Rewrites of progenitor's httpmock and clap output where it does not
//! compile for a spec we vendor. Each rewrite works on the syntax tree and
//! on any operation with the same shape, never on an operation by name.
//!
//! Array query parameters (`type: array`, `style: form`, `explode: true`,
//! sent as `k=a&k=b`) are the one gap today (progenitor 0.15.1, upstream
//! issue #1260):
//! - the httpmock helper calls `value.to_string()` on a `Vec`;
//! - the clap command asks for `value_parser!(Vec<T>)`, which clap cannot
//!   build, and reads the value back with `get_one::<Vec<T>>`.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, ExprMethodCall, GenericArgument, ImplItemFn, PathArguments, Type};

/// The element type if `ty` is `Vec<T>` (any path ending in `Vec`), seen
/// through references.
fn vec_element(ty: &Type) -> Option<&Type> {
    match ty {
        Type::Reference(reference) => vec_element(&reference.elem),
        Type::Path(path) => {
            let last = path.path.segments.last()?;
            if last.ident != "Vec" {
                return None;
            }
            let PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            match args.args.first()? {
                GenericArgument::Type(inner) => Some(inner),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Whether a method signature takes its `value` as a `Vec` (directly, or
/// through a generic bound such as `T: Into<Option<&'a Vec<_>>>`).
fn takes_a_vec(function: &ImplItemFn) -> bool {
    struct Finder(bool);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_type(&mut self, ty: &'ast Type) {
            if vec_element(ty).is_some() {
                self.0 = true;
            }
            syn::visit::visit_type(self, ty);
        }
    }
    let mut finder = Finder(false);
    syn::visit::visit_signature(&mut finder, &function.sig);
    finder.0
}

/// `value.to_string()`: the shape progenitor passes to `query_param`.
fn is_value_to_string(expr: &Expr) -> bool {
    matches!(expr, Expr::MethodCall(call)
        if call.method == "to_string"
            && call.args.is_empty()
            && matches!(&*call.receiver, Expr::Path(p) if p.path.is_ident("value")))
}

/// A key as an anchored regex matching only itself.
fn exact_regex(key: &str) -> String {
    let mut out = String::from("^");
    for c in key.chars() {
        if !c.is_ascii_alphanumeric() && c != '_' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('$');
    out
}

/// httpmock helpers: `when.query_param("k", value.to_string())` for a `Vec`
/// value becomes one expected pair per item plus an exact count of `k`, so
/// the mock matches `k=a&k=b` and nothing else.
pub fn array_query_params_in_mocks(file: &mut syn::File) {
    struct Rewrite;
    impl VisitMut for Rewrite {
        fn visit_impl_item_fn_mut(&mut self, function: &mut ImplItemFn) {
            if takes_a_vec(function) {
                RewriteCalls.visit_block_mut(&mut function.block);
            }
            visit_mut::visit_impl_item_fn_mut(self, function);
        }
    }
    struct RewriteCalls;
    impl VisitMut for RewriteCalls {
        fn visit_expr_mut(&mut self, expr: &mut Expr) {
            visit_mut::visit_expr_mut(self, expr);
            let Expr::MethodCall(call) = expr else { return };
            if call.method != "query_param" || call.args.len() != 2 {
                return;
            }
            let (Some(Expr::Lit(key)), Some(value)) = (call.args.first(), call.args.last()) else {
                return;
            };
            let syn::Lit::Str(key_text) = &key.lit else {
                return;
            };
            if !is_value_to_string(value) {
                return;
            }
            let receiver = &call.receiver;
            let count_regex = exact_regex(&key_text.value());
            *expr = syn::parse_quote! {
                value.iter().fold(
                    #receiver.query_param_count(#count_regex, ".*", value.len()),
                    |when, item| when.query_param(#key, item.to_string()),
                )
            };
        }
    }
    Rewrite.visit_file_mut(file);
}

/// clap commands: an argument parsed as `Vec<T>` becomes a repeatable
/// argument parsed as `T` (`--repos a --repos b`), read back with
/// `get_many::<T>` and collected into the `Vec` the request builder takes.
pub fn array_params_in_cli(file: &mut syn::File) {
    struct Rewrite;
    impl VisitMut for Rewrite {
        fn visit_expr_mut(&mut self, expr: &mut Expr) {
            visit_mut::visit_expr_mut(self, expr);
            let Expr::MethodCall(call) = expr else { return };
            if let Some(replacement) = value_parser_of_vec(call).or_else(|| get_one_of_vec(call)) {
                *expr = replacement;
            }
        }
    }
    Rewrite.visit_file_mut(file);
}

/// `arg.value_parser(::clap::value_parser!(Vec<T>))` →
/// `arg.value_parser(::clap::value_parser!(T)).action(::clap::ArgAction::Append)`.
fn value_parser_of_vec(call: &ExprMethodCall) -> Option<Expr> {
    if call.method != "value_parser" || call.args.len() != 1 {
        return None;
    }
    let Some(Expr::Macro(mac)) = call.args.first() else {
        return None;
    };
    if mac.mac.path.segments.last()?.ident != "value_parser" {
        return None;
    }
    let ty: Type = syn::parse2(mac.mac.tokens.clone()).ok()?;
    let element = vec_element(&ty)?;
    let receiver = &call.receiver;
    Some(syn::parse_quote! {
        #receiver
            .value_parser(::clap::value_parser!(#element))
            .action(::clap::ArgAction::Append)
    })
}

/// `matches.get_one::<Vec<T>>("k")` →
/// `matches.get_many::<T>("k").map(|v| v.cloned().collect::<Vec<T>>())`:
/// still an `Option` of an owned `Vec`, where the generated code expected a
/// reference it then clones.
fn get_one_of_vec(call: &ExprMethodCall) -> Option<Expr> {
    if call.method != "get_one" {
        return None;
    }
    let turbofish = call.turbofish.as_ref()?;
    let Some(GenericArgument::Type(ty)) = turbofish.args.first() else {
        return None;
    };
    let element = vec_element(ty)?;
    let receiver = &call.receiver;
    let args = &call.args;
    let collected: TokenStream = quote!(::std::vec::Vec<#element>);
    Some(syn::parse_quote! {
        #receiver
            .get_many::<#element>(#args)
            .map(|values| values.cloned().collect::<#collected>())
            .as_ref()
    })
}

/// Applies `rewrite` to a token stream.
pub fn apply(tokens: TokenStream, rewrite: fn(&mut syn::File)) -> syn::Result<TokenStream> {
    let mut file: syn::File = syn::parse2(tokens)?;
    rewrite(&mut file);
    Ok(file.into_token_stream())
}

/// Operations whose error responses carry different JSON bodies (a
/// `{detail, error}` 429, a gRPC-style `default`, the usual error object)
/// make progenitor 0.15.1 panic (`response_types.len() <= 1`). For any
/// such operation, every error body is replaced by one component schema,
/// `<OperationId>ErrorBody`: an object with every property of every error
/// body, none required, so whichever body arrives decodes and its
/// `error`/`detail`/`message` stays readable. When one of the bodies is
/// not an object, the folded schema is free-form JSON. Success bodies and
/// operations with a single error shape are left alone. A `default`
/// response beside a success becomes the `4XX` and `5XX` ranges, since
/// progenitor would take it for a second success type.
///
/// Applied to the document progenitor sees, after the spec's patches.
pub fn fold_error_bodies(doc: &mut serde_json::Value) {
    use serde_json::{Map, Value, json};

    let components = doc
        .pointer("/components/schemas")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let resolve = |schema: &Value| -> Value {
        match schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        {
            Some(name) => components.get(name).cloned().unwrap_or(Value::Null),
            None => schema.clone(),
        }
    };
    let response_refs = doc
        .pointer("/components/responses")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let mut new_schemas = Map::new();
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item.iter_mut() {
            if !crate::diff::METHODS.contains(&method.as_str()) {
                continue;
            }
            let Some(id) = operation
                .get("operationId")
                .and_then(Value::as_str)
                .map(str::to_owned)
            else {
                continue;
            };
            let Some(responses) = operation
                .get_mut("responses")
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            let is_error = |status: &str| {
                status == "default" || status.starts_with('4') || status.starts_with('5')
            };
            // progenitor counts `default` with the successes: beside a
            // success it would be a second success type. It stands for any
            // other status, i.e. the error ranges, so it becomes those.
            if responses.keys().any(|s| s.starts_with('2'))
                && let Some(default) = responses.remove("default")
            {
                for range in ["4XX", "5XX"] {
                    responses
                        .entry(range.to_owned())
                        .or_insert_with(|| default.clone());
                }
            }
            let response_of = |response: &Value| -> Value {
                match response
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/components/responses/"))
                {
                    Some(name) => response_refs.get(name).cloned().unwrap_or(Value::Null),
                    None => response.clone(),
                }
            };
            let bodies: Vec<Value> = responses
                .iter()
                .filter(|(status, _)| is_error(status))
                .filter_map(|(_, response)| {
                    response_of(response)
                        .pointer("/content/application~1json/schema")
                        .cloned()
                })
                .collect();
            let mut distinct = bodies;
            distinct.sort_by_key(|v| v.to_string());
            distinct.dedup();
            if distinct.len() <= 1 {
                continue;
            }
            let resolved: Vec<Value> = distinct.iter().map(resolve).collect();
            let folded = if resolved
                .iter()
                .all(|s| s.get("properties").is_some_and(Value::is_object))
            {
                let mut properties = Map::new();
                for schema in &resolved {
                    for (name, property) in schema["properties"].as_object().into_iter().flatten() {
                        properties
                            .entry(name.clone())
                            .or_insert_with(|| property.clone());
                    }
                }
                json!({
                    "type": "object",
                    "description": format!("Any error body of {id}: every field of each, none required."),
                    "properties": properties,
                })
            } else {
                json!({"description": format!("Any error body of {id}, as JSON.")})
            };
            let name = format!("{}ErrorBody", upper_first(&id));
            new_schemas.insert(name.clone(), folded);
            for (status, response) in responses.iter_mut() {
                if !is_error(status) {
                    continue;
                }
                // Inlined (a shared response is copied), so only this
                // operation's bodies change.
                *response = response_of(response);
                if let Some(schema) = response.pointer_mut("/content/application~1json/schema") {
                    *schema = json!({"$ref": format!("#/components/schemas/{name}")});
                }
            }
        }
    }
    if new_schemas.is_empty() {
        return;
    }
    let schemas = doc
        .as_object_mut()
        .map(|d| d.entry("components").or_insert_with(|| json!({})))
        .and_then(Value::as_object_mut)
        .map(|c| c.entry("schemas").or_insert_with(|| json!({})))
        .and_then(Value::as_object_mut);
    if let Some(schemas) = schemas {
        schemas.extend(new_schemas);
    }
}

/// Moves each inline enum a target replaces into `components/schemas`
/// under the name typify would give it (`<Schema><Property>`, e.g.
/// `OrgMemberRole`) and refers to it there: typify replaces named schemas
/// only, and an enum Docker may extend must become an open enum.
pub fn hoist_replaced_enums(doc: &mut serde_json::Value, replaced: &[&str]) {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(|s| s.as_object_mut())
    else {
        return;
    };
    let mut hoisted = serde_json::Map::new();
    for (name, schema) in schemas.iter_mut() {
        // The properties sit in the schema, or in its inline `allOf` members.
        let holders: Vec<&mut serde_json::Value> = if schema.get("allOf").is_some() {
            schema["allOf"]
                .as_array_mut()
                .map(|members| members.iter_mut().collect())
                .unwrap_or_default()
        } else {
            vec![schema]
        };
        for holder in holders {
            let Some(properties) = holder.get_mut("properties").and_then(|p| p.as_object_mut())
            else {
                continue;
            };
            for (property, property_schema) in properties.iter_mut() {
                let derived = format!("{name}{}", pascal_case(property));
                if property_schema.get("enum").is_none() || !replaced.contains(&derived.as_str()) {
                    continue;
                }
                let reference =
                    serde_json::json!({"$ref": format!("#/components/schemas/{derived}")});
                hoisted.insert(derived, std::mem::replace(property_schema, reference));
            }
        }
    }
    for (name, schema) in hoisted {
        schemas.entry(name).or_insert(schema);
    }
}

/// `status_description` → `StatusDescription`.
fn pascal_case(text: &str) -> String {
    text.split(['_', '-', ' ']).map(upper_first).collect()
}

fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Client code: in a `match` over a status, an arm for one status (`429u16`)
/// placed after the arm of its range (`400u16..=499u16`) can never match,
/// which is a warning (an error under `-D warnings`). progenitor orders
/// ranges first whatever the spec says; here arms for single statuses move
/// before every range arm, keeping their order among themselves. Only a
/// `match` whose arms are all integer literals, ranges or `_` is touched.
pub fn specific_statuses_first(file: &mut syn::File) {
    struct Reorder;
    impl VisitMut for Reorder {
        fn visit_expr_match_mut(&mut self, node: &mut syn::ExprMatch) {
            syn::visit_mut::visit_expr_match_mut(self, node);
            let kind = |arm: &syn::Arm| match &arm.pat {
                syn::Pat::Lit(syn::PatLit {
                    lit: syn::Lit::Int(_),
                    ..
                }) => Some(0u8),
                syn::Pat::Range(_) => Some(1),
                syn::Pat::Wild(_) => Some(2),
                _ => None,
            };
            let Some(kinds) = node.arms.iter().map(kind).collect::<Option<Vec<u8>>>() else {
                return;
            };
            if !kinds.contains(&1) || kinds.windows(2).all(|pair| pair[0] <= pair[1]) {
                return;
            }
            // Stable: arms of a kind keep their order.
            node.arms.sort_by_key(|arm| kind(arm).unwrap_or(2));
        }
    }
    Reorder.visit_file_mut(file);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaced_inline_enums_become_named_schemas() {
        let mut doc = serde_json::json!({"components": {"schemas": {
            "Tag": {"type": "object", "properties": {
                "status": {"type": "string", "enum": ["active", "inactive"]},
                "kind": {"type": "string", "enum": ["a"]},
            }},
            "Member": {"allOf": [{"type": "object", "properties": {
                "role": {"type": "string", "enum": ["Owner"]},
            }}]},
        }}});
        hoist_replaced_enums(&mut doc, &["TagStatus", "MemberRole"]);
        let schemas = &doc["components"]["schemas"];
        assert_eq!(
            schemas["TagStatus"]["enum"],
            serde_json::json!(["active", "inactive"])
        );
        assert_eq!(
            schemas["Tag"]["properties"]["status"]["$ref"],
            "#/components/schemas/TagStatus"
        );
        assert_eq!(
            schemas["Member"]["allOf"][0]["properties"]["role"]["$ref"],
            "#/components/schemas/MemberRole"
        );
        // Not replaced: left inline.
        assert!(schemas["Tag"]["properties"]["kind"]["enum"].is_array());
        assert!(schemas.get("TagKind").is_none());
    }

    fn rewrite(source: &str, f: fn(&mut syn::File)) -> String {
        let mut file: syn::File = syn::parse_str(source).unwrap();
        f(&mut file);
        file.into_token_stream().to_string()
    }

    #[test]
    fn vec_query_param_in_a_mock_is_matched_item_by_item_and_counted() {
        let out = rewrite(
            r#"impl W { pub fn repos(self, value: &::std::vec::Vec<::std::string::String>) -> Self {
                Self(self.0.query_param("repos", value.to_string())) } }"#,
            array_query_params_in_mocks,
        );
        assert!(out.contains("query_param_count (\"^repos$\""), "{out}");
        assert!(out.contains("value . iter () . fold"), "{out}");
        assert!(!out.contains("value . to_string"), "{out}");
    }

    #[test]
    fn scalar_query_params_in_mocks_are_left_alone() {
        let source = r#"impl W { pub fn year(self, value: i64) -> Self {
                Self(self.0.query_param("year", value.to_string())) } }"#;
        let out = rewrite(source, array_query_params_in_mocks);
        let unchanged = syn::parse_str::<syn::File>(source)
            .unwrap()
            .into_token_stream()
            .to_string();
        assert_eq!(out, unchanged);
    }

    #[test]
    fn vec_cli_argument_becomes_repeatable() {
        let out = rewrite(
            r#"fn f() { let a = Arg::new("repos").value_parser(::clap::value_parser!(::std::vec::Vec<::std::string::String>));
               if let Some(value) = matches.get_one::<::std::vec::Vec<::std::string::String>>("repos") { request = request.repos(value.clone()); } }"#,
            array_params_in_cli,
        );
        assert!(
            out.contains("value_parser ! (:: std :: string :: String)"),
            "{out}"
        );
        assert!(out.contains("ArgAction :: Append"), "{out}");
        assert!(
            out.contains("get_many :: < :: std :: string :: String >"),
            "{out}"
        );
        assert!(!out.contains("get_one"), "{out}");
    }

    #[test]
    fn regex_of_a_key_matches_only_that_key() {
        assert_eq!(exact_regex("repos"), "^repos$");
        assert_eq!(exact_regex("a.b[]"), "^a\\.b\\[\\]$");
    }
}
