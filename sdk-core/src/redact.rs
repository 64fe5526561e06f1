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

/// A transport error's message with its URL replaced by the redacted form.
pub fn error_without_url(error: &reqwest::Error) -> String {
    let message = error.to_string();
    match error.url() {
        Some(u) => message.replace(u.as_str(), &url(u)),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn signed_query_is_hidden() {
        let u = reqwest::Url::parse("https://store.example:9000/b/k.csv?X-Amz-Signature=s3cr3t")
            .unwrap();
        let shown = super::url(&u);
        assert_eq!(shown, "https://store.example:9000/b/k.csv?…");
        assert!(!super::url_str("not a url?sig=s3cr3t").contains("s3cr3t"));
    }
}
