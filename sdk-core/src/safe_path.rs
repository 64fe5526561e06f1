//! Local paths built from server data: one check for a single path segment,
//! one join that stays under the folder the user gave.
//!
//! A dataview name, a report type or a date comes from an API response; a
//! hostile or broken server could send `../../.ssh` or `/etc`. Every such
//! value goes through [`segment`] before it names a file or folder, and the
//! joined path through [`join_under`], so a name from a response never
//! chooses where a file goes. The rules are the same on every platform.

use std::path::{Component, Path, PathBuf};

/// A value refused as part of a local path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("refusing {what} {value:?} as a local file or folder name: {why}")]
#[non_exhaustive]
pub struct UnsafePath {
    /// What the value is (`dataview`, `report type`, ...).
    pub what: &'static str,
    /// The value, cut to 80 characters.
    pub value: String,
    /// Which rule it breaks.
    pub why: &'static str,
}

/// Longest value shown in an error.
const SHOWN: usize = 80;

fn refuse(what: &'static str, value: &str, why: &'static str) -> UnsafePath {
    UnsafePath {
        what,
        value: value.chars().take(SHOWN).collect(),
        why,
    }
}

/// `value` if it is safe as one path segment: not empty, not `.` or `..`,
/// no `/`, `\`, NUL or other control character, no drive prefix (`C:`), no
/// leading `-` (it would read as an option to a shell tool).
pub fn segment<'a>(what: &'static str, value: &'a str) -> Result<&'a str, UnsafePath> {
    let bytes = value.as_bytes();
    let why = if value.is_empty() {
        "it is empty"
    } else if value == "." || value == ".." {
        "it is a relative folder name"
    } else if value.contains('/') || value.contains('\\') {
        "it contains a path separator"
    } else if value.chars().any(char::is_control) {
        "it contains a NUL or control character"
    } else if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        "it starts with a drive prefix"
    } else if value.starts_with('-') {
        "it starts with '-'"
    } else {
        return Ok(value);
    };
    Err(refuse(what, value, why))
}

/// `root` joined with each checked segment. The result is `root` followed
/// only by normal components, so it cannot leave `root` whatever the
/// segments held.
pub fn join_under(root: &Path, segments: &[(&'static str, &str)]) -> Result<PathBuf, UnsafePath> {
    let mut path = root.to_path_buf();
    for (what, value) in segments {
        path.push(segment(what, value)?);
    }
    // Defence in depth: what was added is only normal components.
    let added = path.strip_prefix(root).map_err(|_| {
        refuse(
            "path",
            &path.display().to_string(),
            "it is not under the output folder",
        )
    })?;
    if !added
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
    {
        return Err(refuse(
            "path",
            &added.display().to_string(),
            "it is not made of plain names",
        ));
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_segments_are_refused_with_the_rule_they_break() {
        for (bad, rule) in [
            ("", "empty"),
            (".", "relative"),
            ("..", "relative"),
            ("../x", "separator"),
            ("/abs/x", "separator"),
            ("a\\b", "separator"),
            ("sub/../../x", "separator"),
            ("a\0b", "control"),
            ("a\nb", "control"),
            ("C:", "drive"),
            ("c:evil", "drive"),
            ("-rf", "'-'"),
        ] {
            let err = segment("dataview", bad).unwrap_err();
            assert!(err.why.contains(rule), "{bad:?}: {err}");
            assert!(err.to_string().contains("dataview"), "{err}");
        }
        for good in [
            "raw",
            "repo-summary",
            "2026-06-30",
            "usage_pulls",
            "a.b",
            "x-1.csv.gz",
        ] {
            assert_eq!(segment("dataview", good).unwrap(), good);
        }
    }

    #[test]
    fn a_join_stays_under_the_root() {
        let root = Path::new("/out");
        assert_eq!(
            join_under(root, &[("namespace", "acme"), ("file", "raw.csv")]).unwrap(),
            Path::new("/out/acme/raw.csv")
        );
        assert!(join_under(root, &[("namespace", "acme"), ("file", "..")]).is_err());
        let long = "/".repeat(500);
        let err = join_under(root, &[("file", &long)]).unwrap_err();
        assert_eq!(err.value.len(), SHOWN, "values are cut in messages");
    }
}
