//! Continuing an unfinished download in a later run, like `curl -C -`.
//!
//! A signed URL is new on each run, but the object behind it is not: what
//! identifies it is the validator (`ETag`, else `Last-Modified`) and size
//! of the first answer. Those are kept in a small hidden sidecar beside the
//! `.part` file, `.<name>.part.resume`. A rerun that finds both continues
//! the `.part` from its length with `Range` and `If-Range`: a store whose
//! object changed (another validator) answers with the whole object, and
//! the download starts over, as it does within one run. A sidecar that is
//! missing, unreadable or for another size, a gzip-encoded body (stored
//! decoded, so its length is not an offset into the object) and a Parquet
//! conversion (which cannot start mid-way) all start over.

use std::io::{Read, Seek};
use std::path::{Path, PathBuf};

/// First line of a sidecar: anything else is not ours.
const MAGIC: &str = "docker-data resume 1";
/// A sidecar is a few lines; a larger file is not one of ours.
const MAX_SIDECAR: u64 = 4096;
/// Longest validator kept (an `ETag` is usually 34 bytes).
const MAX_VALIDATOR: usize = 1024;

/// What identifies the object an unfinished `.part` holds the start of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resume {
    /// `ETag` or `Last-Modified` of the first answer: sent as `If-Range`.
    pub(crate) validator: String,
    /// The object's size.
    pub(crate) size: u64,
}

/// An unfinished `.part` taken up again: the file (positioned at its end),
/// its length and what it holds the start of.
pub(crate) struct Continued {
    pub(crate) file: std::fs::File,
    pub(crate) length: u64,
    pub(crate) resume: Resume,
}

/// `.<name>.resume` beside `part`.
pub(crate) fn sidecar_path(part: &Path) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(part.file_name().unwrap_or_default());
    name.push(".resume");
    part.with_file_name(name)
}

impl Resume {
    fn to_text(&self) -> String {
        format!(
            "{MAGIC}\nsize {}\nvalidator {}\n",
            self.size, self.validator
        )
    }

    fn parse(text: &str) -> Option<Self> {
        let mut lines = text.lines();
        (lines.next()? == MAGIC).then_some(())?;
        let size = lines.next()?.strip_prefix("size ")?.parse().ok()?;
        let validator = lines.next()?.strip_prefix("validator ")?.to_owned();
        usable_validator(&validator).then_some(Self { validator, size })
    }
}

/// Whether `validator` can be sent back as a header as it is.
pub(crate) fn usable_validator(validator: &str) -> bool {
    !validator.is_empty()
        && validator.len() <= MAX_VALIDATOR
        && validator.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// Records what `part` holds the start of. Not synced: a sidecar lost in a
/// crash only costs a fresh start.
pub(crate) async fn save(part: &Path, resume: &Resume) -> std::io::Result<()> {
    let sidecar = sidecar_path(part);
    let text = resume.to_text();
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        // Written aside, then renamed over: a rerun never reads half of it.
        let mut staged = sidecar.clone().into_os_string();
        staged.push(".new");
        let staged = PathBuf::from(staged);
        let mut file = crate::download::create_part_blocking(&staged)?;
        file.write_all(text.as_bytes())?;
        std::fs::rename(&staged, &sidecar)
    })
    .await
    .map_err(std::io::Error::other)?
}

/// Removes the sidecar of `part`, if any.
pub(crate) async fn forget(part: &Path) {
    let _ = tokio::fs::remove_file(sidecar_path(part)).await;
}

/// Whether `part` has a sidecar (then a failed download keeps both for a
/// rerun).
pub(crate) async fn exists(part: &Path) -> bool {
    tokio::fs::symlink_metadata(sidecar_path(part))
        .await
        .is_ok_and(|meta| meta.is_file())
}

/// The unfinished `part` to continue, when its sidecar says what it holds
/// and that matches `expected_size` (when known); `None` to start over.
pub(crate) async fn take_up(part: &Path, expected_size: Option<u64>) -> Option<Continued> {
    let part = part.to_owned();
    tokio::task::spawn_blocking(move || take_up_blocking(&part, expected_size))
        .await
        .ok()
        .flatten()
}

fn take_up_blocking(part: &Path, expected_size: Option<u64>) -> Option<Continued> {
    let resume = read_sidecar(&sidecar_path(part))?;
    if expected_size.is_some_and(|size| size != resume.size) {
        return None;
    }
    // Our own regular file, never a link planted at its name.
    let meta = std::fs::symlink_metadata(part).ok()?;
    let length = meta.len();
    if !meta.is_file() || length == 0 || length >= resume.size {
        return None;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    let mut file = options.open(part).ok()?;
    // The length looked at, not one that changed since: the file is ours.
    let end = file.seek(std::io::SeekFrom::End(0)).ok()?;
    (end == length).then_some(Continued {
        file,
        length,
        resume,
    })
}

fn read_sidecar(sidecar: &Path) -> Option<Resume> {
    let meta = std::fs::symlink_metadata(sidecar).ok()?;
    if !meta.is_file() || meta.len() > MAX_SIDECAR {
        return None;
    }
    let mut text = String::new();
    std::fs::File::open(sidecar)
        .ok()?
        .take(MAX_SIDECAR)
        .read_to_string(&mut text)
        .ok()?;
    Resume::parse(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sidecar_reads_back_and_anything_else_is_refused() {
        let resume = Resume {
            validator: "\"abc-123\"".to_owned(),
            size: 42,
        };
        assert_eq!(Resume::parse(&resume.to_text()), Some(resume.clone()));
        for bad in [
            "",
            "garbage",
            "docker-data resume 2\nsize 42\nvalidator \"x\"\n",
            "docker-data resume 1\nsize -1\nvalidator \"x\"\n",
            "docker-data resume 1\nsize 42\nvalidator \n",
            "docker-data resume 1\nsize 42\nvalidator a\u{7}b\n",
            "docker-data resume 1\nvalidator \"x\"\nsize 42\n",
        ] {
            assert_eq!(Resume::parse(bad), None, "{bad:?}");
        }
    }

    #[tokio::test]
    async fn a_part_is_taken_up_only_with_its_sidecar_and_the_same_size() {
        let dir = tempfile::tempdir().unwrap();
        let part = dir.path().join("f.csv.part");
        std::fs::write(&part, b"12345").unwrap();
        assert!(take_up(&part, Some(10)).await.is_none(), "no sidecar");
        let resume = Resume {
            validator: "\"v1\"".to_owned(),
            size: 10,
        };
        save(&part, &resume).await.unwrap();
        assert!(exists(&part).await);
        let continued = take_up(&part, Some(10)).await.unwrap();
        assert_eq!((continued.length, continued.resume), (5, resume.clone()));
        assert!(
            take_up(&part, None).await.is_some(),
            "size unknown: the sidecar's"
        );
        assert!(take_up(&part, Some(11)).await.is_none(), "another size");
        // A part as long as the object is not unfinished.
        std::fs::write(&part, b"1234567890").unwrap();
        assert!(take_up(&part, Some(10)).await.is_none());
        // A corrupt sidecar starts over.
        std::fs::write(sidecar_path(&part), b"docker-data resume 1\nsize ten\n").unwrap();
        std::fs::write(&part, b"12345").unwrap();
        assert!(take_up(&part, Some(10)).await.is_none());
        forget(&part).await;
        assert!(!exists(&part).await);
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_link_at_the_part_name_is_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, b"12345").unwrap();
        let part = dir.path().join("f.csv.part");
        std::os::unix::fs::symlink(&target, &part).unwrap();
        save(
            &part,
            &Resume {
                validator: "\"v\"".to_owned(),
                size: 10,
            },
        )
        .await
        .unwrap();
        assert!(take_up(&part, Some(10)).await.is_none());
    }
}
