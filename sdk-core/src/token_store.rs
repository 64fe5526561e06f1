//! Where tokens outlive the process: a [`TokenStore`] keeps the short-lived
//! JWT between runs, so consecutive commands neither log in again nor ask
//! for a one-time code again. [`FileTokenStore`] keeps each token in a file
//! only its owner can read.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};

/// Keeps tokens between runs, one per key (the token cache's key names the
/// login server and the identity, never the secret).
///
/// A store is a cache: a token it gives back is still checked for expiry
/// before use, and a failure to save is logged, not returned to the call.
pub trait TokenStore: Send + Sync + std::fmt::Debug + 'static {
    /// The token saved under `key`, if there is one.
    fn load(&self, key: &str) -> Option<SecretString>;
    /// Saves `token` under `key`, replacing what was there.
    fn save(&self, key: &str, token: &SecretString) -> std::io::Result<()>;
    /// Forgets the token under `key` (not an error when there is none).
    fn remove(&self, key: &str) -> std::io::Result<()>;
}

/// Most bytes of a token file that are read: a JWT is a few KiB.
const MAX_FILE: u64 = 64 * 1024;

/// Tokens in files under one folder, one file per key, readable only by
/// their owner (mode 0600 in a 0700 folder on Unix). A file that others
/// could read or that another user owns is ignored, not used.
#[derive(Debug, Clone)]
pub struct FileTokenStore {
    dir: PathBuf,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Saved {
    key: String,
    token: String,
}

impl FileTokenStore {
    /// A store in `dir` (created on the first save).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The folder the tokens are kept in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of `key`: named by a hash, so no key (a user name, a URL)
    /// chooses a path.
    fn file(&self, key: &str) -> PathBuf {
        self.dir
            .join(format!("{:016x}.json", fnv1a(key.as_bytes())))
    }

    fn read(&self, key: &str) -> std::io::Result<Option<SecretString>> {
        let path = self.file(key);
        let text = match read_private(&path, MAX_FILE)? {
            PrivateFile::Missing => return Ok(None),
            PrivateFile::Exposed(why) => {
                tracing::warn!(path = %path.display(), "ignoring a cached token: {why}");
                return Ok(None);
            }
            PrivateFile::Text(text) => text,
        };
        Ok(serde_json::from_str::<Saved>(&text)
            .ok()
            .filter(|saved| saved.key == key && !saved.token.is_empty())
            .map(|saved| SecretString::from(saved.token)))
    }
}

impl TokenStore for FileTokenStore {
    fn load(&self, key: &str) -> Option<SecretString> {
        self.read(key).unwrap_or_else(|e| {
            tracing::warn!(dir = %self.dir.display(), "reading the token cache: {e}");
            None
        })
    }

    fn save(&self, key: &str, token: &SecretString) -> std::io::Result<()> {
        let body = serde_json::to_vec(&Saved {
            key: key.to_owned(),
            token: token.expose_secret().to_owned(),
        })?;
        write_private(&self.file(key), &body)
    }

    fn remove(&self, key: &str) -> std::io::Result<()> {
        match std::fs::remove_file(self.file(key)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

/// 64-bit FNV-1a: a stable file name for a key (not a secret's hash).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A file that holds a secret, as [`read_private`] found it.
#[derive(Debug)]
#[non_exhaustive]
pub enum PrivateFile {
    /// There is no such file.
    Missing,
    /// Others could read or write it, or another user owns it: why. Its
    /// content was not read.
    Exposed(String),
    /// Its text (at most the limit's bytes of it).
    Text(String),
}

/// Reads a file that holds a secret: at most `limit` bytes, and only if
/// it is private (see [`not_private`]).
pub fn read_private(path: &Path, limit: u64) -> std::io::Result<PrivateFile> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(PrivateFile::Missing),
        Err(e) => return Err(e),
    };
    if let Some(why) = not_private(&file.metadata()?) {
        return Ok(PrivateFile::Exposed(why));
    }
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::Read::take(file, limit), &mut text)?;
    Ok(PrivateFile::Text(text))
}

/// Writes `bytes` to `path` readable only by its owner: its folder is
/// made private if missing, and the bytes go to a new file beside it
/// (mode 0600 from its creation), synced, then renamed into place, so a
/// reader never sees half of it and no earlier file's mode is kept.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    let temp = dir.join(format!(
        ".private-{}-{:x}.tmp",
        std::process::id(),
        fastrand::u64(..)
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&temp).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    match written.and_then(|()| std::fs::rename(&temp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            Err(e)
        }
    }
}

/// Creates `dir` (and its parents) readable only by its owner.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Why a file holding a secret must not be trusted: others can read or
/// write it, or another user owns it. `None` when it is private.
pub fn not_private(metadata: &std::fs::Metadata) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let mode = metadata.mode() & 0o777;
        if mode & 0o077 != 0 {
            return Some(format!(
                "its mode is {mode:o}: others can read it (chmod 600 it)"
            ));
        }
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if metadata.uid() != me {
            return Some(format!("it belongs to user {}, not to you", metadata.uid()));
        }
    }
    #[cfg(not(unix))]
    let _ = metadata;
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_loads_replaces_and_removes_per_key() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileTokenStore::new(dir.path().join("tokens"));
        assert!(store.load("hub\nalice").is_none());
        store.save("hub\nalice", &"a1".into()).unwrap();
        store.save("hub\nbob", &"b1".into()).unwrap();
        store.save("hub\nalice", &"a2".into()).unwrap();
        assert_eq!(store.load("hub\nalice").unwrap().expose_secret(), "a2");
        assert_eq!(store.load("hub\nbob").unwrap().expose_secret(), "b1");
        store.remove("hub\nalice").unwrap();
        store.remove("hub\nalice").unwrap();
        assert!(store.load("hub\nalice").is_none());
        assert!(store.load("hub\nbob").is_some());
    }

    #[cfg(unix)]
    #[test]
    fn files_are_private_and_a_readable_one_is_ignored() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let store = FileTokenStore::new(dir.path().join("tokens"));
        store.save("k", &"secret".into()).unwrap();
        let file = store.file("k");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(store.dir()), 0o700);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(
            store.load("k").is_none(),
            "a world-readable token is not used"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_private_write_replaces_a_readable_file_with_a_private_one() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new/credentials.json");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            read_private(&path, 64).unwrap(),
            PrivateFile::Exposed(_)
        ));
        write_private(&path, b"secret").unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(matches!(read_private(&path, 3).unwrap(), PrivateFile::Text(t) if t == "sec"));
        let missing = dir.path().join("none");
        assert!(matches!(
            read_private(&missing, 64).unwrap(),
            PrivateFile::Missing
        ));
        // Only the file itself is left: no temporary beside it.
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1
        );
    }

    #[test]
    fn a_corrupt_or_foreign_file_is_no_token() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileTokenStore::new(dir.path());
        store.save("k", &"t".into()).unwrap();
        // Overwritten in place: the file keeps its private mode.
        std::fs::write(store.file("k"), b"{not json").unwrap();
        assert!(store.load("k").is_none());
        // A file whose recorded key is another (a hash collision) is not used.
        std::fs::write(store.file("k"), br#"{"key":"other","token":"t"}"#).unwrap();
        assert!(store.load("k").is_none());
    }
}
