//! Keeping secrets out of logs and error messages.
//!
//! Pre-signed object-store URLs carry their signature in the query string,
//! so a URL is only ever shown without its query.

use std::fmt::Write as _;

/// `url` without its query string and fragment: `https://host/path?…` when
/// there was a query.
pub fn url(url: &reqwest::Url) -> String {
    let mut shown = format!("{}://{}", url.scheme(), url.host_str().unwrap_or(""));
    if let Some(port) = url.port() {
        let _ = write!(shown, ":{port}");
    }
    shown.push_str(url.path());
    if url.query().is_some() {
        shown.push_str("?…");
    }
    shown
}

/// The same as [`url`] for a URL given as text; text that does not parse
/// is cut at its first `?`.
pub fn url_str(text: &str) -> String {
    match reqwest::Url::parse(text) {
        Ok(parsed) => url(&parsed),
        Err(_) => match text.split_once('?') {
            Some((before, _)) => format!("{before}?…"),
            None => text.to_owned(),
        },
    }
}

/// A transport error's message, with its causes, and its URL replaced by
/// the redacted form.
pub fn error_without_url(error: &reqwest::Error) -> String {
    let mut message = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(inner) = cause {
        let text = inner.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        cause = inner.source();
    }
    let message = match error.url() {
        Some(u) => message.replace(u.as_str(), &url(u)),
        None => message,
    };
    tokens(&message)
}

/// `text` with anything that looks like a secret replaced by `…`: JWTs
/// (three base64url parts starting `eyJ`), Docker tokens (`dckr_…`), and
/// the query of any URL (signatures of pre-signed links). For server text
/// echoed in errors, where a token could be reflected back.
pub fn tokens(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(len) = secret_len(rest) {
            out.push('…');
            rest = &rest[len..];
            continue;
        }
        let mut chars = rest.chars();
        let c = chars.next().unwrap_or_default();
        out.push(c);
        rest = chars.as_str();
        // A URL's query: from `?` after `://…` to the next space or quote.
        if c == '?' && out.contains("://") {
            let end = rest
                .find(|ch: char| ch.is_whitespace() || ch == '"' || ch == '\'')
                .unwrap_or(rest.len());
            if end > 0 {
                out.push('…');
                rest = &rest[end..];
            }
        }
    }
    out
}

/// Length of the secret starting `text`, if one does: a `dckr_` token or a
/// JWT, each only at a word start.
fn secret_len(text: &str) -> Option<usize> {
    let token_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if text.starts_with("dckr_") {
        return Some(text.find(|c: char| !token_char(c)).unwrap_or(text.len()));
    }
    if text.starts_with("eyJ") {
        let end = text
            .find(|c: char| !(token_char(c) || c == '.'))
            .unwrap_or(text.len());
        if text[..end].matches('.').count() >= 2 {
            return Some(end);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn token_like_strings_are_hidden_in_echoed_text() {
        let text = r#"bad body {"token":"eyJhbGciOi.eyJzdWIiOiJ4In0.c2ln","oat":"dckr_oat_abc-123","url":"https://s.example/k.csv?X-Amz-Signature=zz&b=1"} end"#;
        let shown = super::tokens(text);
        for secret in ["eyJhbGciOi", "dckr_oat_abc", "X-Amz-Signature", "zz&b=1"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(
            shown.starts_with("bad body") && shown.ends_with("end"),
            "{shown}"
        );
        assert_eq!(
            super::tokens("plain text, no secret"),
            "plain text, no secret"
        );
        assert_eq!(super::tokens("eyJ is not a token"), "eyJ is not a token");
    }

    #[test]
    fn signed_query_is_hidden() {
        let u = reqwest::Url::parse("https://store.example:9000/b/k.csv?X-Amz-Signature=s3cr3t")
            .unwrap();
        let shown = super::url(&u);
        assert_eq!(shown, "https://store.example:9000/b/k.csv?…");
        assert!(!super::url_str("not a url?sig=s3cr3t").contains("s3cr3t"));
    }
}
