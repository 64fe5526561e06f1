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

#[cfg(test)]
mod tests {
    use super::*;

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
