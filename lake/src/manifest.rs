//! `<prefix>/_docker_data/manifest.json`: what each object of the lake
//! holds (engines skip folders starting with `_`).
//!
//! It is written after the data objects, so an object it lists is whole.
//! Two syncs at once lose nothing: on an object store it is written with
//! a conditional PUT (create-only the first time, then `If-Match` on the
//! ETag it was read at); when another writer got there first, it is read
//! again, merged, and written again. A local folder has no conditional
//! PUT: an exclusive lock file (`manifest.json.lock`, created with
//! `O_EXCL`) guards the read-merge-write instead.

use std::collections::BTreeMap;
use std::time::Duration;

use object_store::{ObjectStoreExt as _, PutMode, PutOptions, PutPayload, UpdateVersion};
use serde::{Deserialize, Serialize};

use sdk_core::{Error, ErrorKind, Result};

use crate::destination::Destination;

/// The manifest's largest size read: far above a lake of years of reports.
const MAX_MANIFEST: u64 = 256 * 1024 * 1024;
/// Attempts at a conditional write before giving up.
const ATTEMPTS: u32 = 10;

/// One object of the lake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Entry {
    /// What it was made from: `enterprise:<org>/<type>/<cadence>/<date>` or
    /// `dvp:<namespace>/<year>/<timespan>/<dataview>/<index>`.
    pub source: String,
    /// The source's size as the API gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_size: Option<u64>,
    /// The source object's `ETag`, when its store gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_etag: Option<String>,
    /// The source object's `Last-Modified`, when its store gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_last_modified: Option<String>,
    /// Rows written.
    pub rows: u64,
    /// Bytes of the object.
    pub bytes: u64,
    /// FNV-1a (64-bit, hex) of the Arrow schema's JSON: a changed schema
    /// shows here.
    pub schema_hash: String,
    /// `docker-data-lake <version>`.
    pub tool: String,
    /// When the object was written (RFC 3339, UTC).
    pub written_at: String,
}

/// Every object written, by path relative to the prefix.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Manifest {
    /// Format version.
    pub version: u32,
    /// Objects, by path relative to the prefix.
    pub objects: BTreeMap<String, Entry>,
}

impl Manifest {
    /// Adds `other`'s entries; for a path in both, the later write wins.
    fn merge(&mut self, other: Manifest) {
        for (path, entry) in other.objects {
            match self.objects.get(&path) {
                Some(mine) if mine.written_at >= entry.written_at => {}
                _ => {
                    self.objects.insert(path, entry);
                }
            }
        }
    }
}

fn manifest_path(dest: &Destination) -> object_store::path::Path {
    dest.path(&["_docker_data", "manifest.json"])
}

fn manifest_error(dest: &Destination, message: String) -> Error {
    Error::new(ErrorKind::Io, format!("manifest of {dest}"), message)
}

/// Reads the manifest (empty when there is none) and the version it was
/// read at.
pub async fn read(dest: &Destination) -> Result<(Manifest, Option<UpdateVersion>)> {
    let path = manifest_path(dest);
    let got = match dest.store.get(&path).await {
        Ok(got) => got,
        Err(object_store::Error::NotFound { .. }) => return Ok((Manifest::default(), None)),
        Err(err) => {
            return Err(manifest_error(dest, format!("reading: {err}")).with_source(err));
        }
    };
    if got.meta.size > MAX_MANIFEST {
        return Err(manifest_error(
            dest,
            format!("{} bytes: larger than {MAX_MANIFEST}", got.meta.size),
        ));
    }
    let version = UpdateVersion {
        e_tag: got.meta.e_tag.clone(),
        version: got.meta.version.clone(),
    };
    let bytes = got
        .bytes()
        .await
        .map_err(|err| manifest_error(dest, format!("reading: {err}")).with_source(err))?;
    let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|err| {
        manifest_error(
            dest,
            format!("not a manifest of this tool ({err}); move it away to start a new one"),
        )
    })?;
    Ok((manifest, Some(version)))
}

/// Adds `new` to the manifest at the destination, without losing what
/// another writer added meanwhile.
pub async fn record(dest: &Destination, new: &BTreeMap<String, Entry>) -> Result<()> {
    if new.is_empty() {
        return Ok(());
    }
    match &dest.local_root {
        Some(root) => {
            let lock = Lock::take(&root.join("_docker_data").join("manifest.json.lock")).await?;
            let (mut manifest, _) = read(dest).await?;
            manifest.merge(Manifest {
                version: 1,
                objects: new.clone(),
            });
            write(dest, &manifest, PutMode::Overwrite).await?;
            drop(lock);
            Ok(())
        }
        None => record_conditionally(dest, new).await,
    }
}

async fn record_conditionally(dest: &Destination, new: &BTreeMap<String, Entry>) -> Result<()> {
    for attempt in 1..=ATTEMPTS {
        let (mut manifest, version) = read(dest).await?;
        manifest.merge(Manifest {
            version: 1,
            objects: new.clone(),
        });
        let mode = match version {
            Some(version) => PutMode::Update(version),
            None => PutMode::Create,
        };
        match write(dest, &manifest, mode).await {
            Ok(()) => return Ok(()),
            Err(Conflict::Lost) => {
                tracing::debug!(
                    attempt,
                    "another sync wrote the manifest first: merging again"
                );
                tokio::time::sleep(Duration::from_millis(20 * u64::from(attempt))).await;
            }
            Err(Conflict::Failed(err)) => return Err(err),
        }
    }
    Err(manifest_error(
        dest,
        format!("other writers changed it {ATTEMPTS} times in a row; run the sync again"),
    ))
}

enum Conflict {
    /// Another writer changed it since it was read.
    Lost,
    Failed(Error),
}

impl From<Conflict> for Error {
    fn from(conflict: Conflict) -> Self {
        match conflict {
            Conflict::Failed(err) => err,
            Conflict::Lost => {
                Error::new(ErrorKind::Io, "writing the manifest", "changed meanwhile")
            }
        }
    }
}

async fn write(
    dest: &Destination,
    manifest: &Manifest,
    mode: PutMode,
) -> std::result::Result<(), Conflict> {
    let body = serde_json::to_vec_pretty(manifest)
        .map_err(|err| Conflict::Failed(manifest_error(dest, format!("encoding: {err}"))))?;
    let options = PutOptions {
        mode,
        ..PutOptions::default()
    };
    match dest
        .store
        .put_opts(&manifest_path(dest), PutPayload::from(body), options)
        .await
    {
        Ok(_) => Ok(()),
        Err(
            object_store::Error::Precondition { .. } | object_store::Error::AlreadyExists { .. },
        ) => Err(Conflict::Lost),
        Err(err @ object_store::Error::NotImplemented { .. }) => {
            Err(Conflict::Failed(manifest_error(
                dest,
                format!(
                    "the store does not support conditional writes ({err}); run with \
                     --no-conditional-writes (one sync at a time) to write without them"
                ),
            )))
        }
        Err(err) => Err(Conflict::Failed(
            manifest_error(dest, format!("writing: {err}")).with_source(err),
        )),
    }
}

/// An exclusive lock file, removed when dropped.
struct Lock(std::path::PathBuf);

impl Lock {
    /// Waits (up to a minute) for the lock file to be free, then takes it.
    async fn take(path: &std::path::Path) -> Result<Self> {
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(|err| {
                Error::new(ErrorKind::Io, "locking the manifest", err.to_string())
            })?;
        }
        for _ in 0..600 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
            {
                Ok(_) => return Ok(Lock(path.to_owned())),
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(err) => {
                    return Err(Error::new(
                        ErrorKind::Io,
                        "locking the manifest",
                        format!("{}: {err}", path.display()),
                    ));
                }
            }
        }
        Err(Error::new(
            ErrorKind::Io,
            "locking the manifest",
            format!(
                "{} has been held for a minute: another sync is running, or one was killed \
                 (then remove the file)",
                path.display()
            ),
        ))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// FNV-1a, 64-bit, as hex.
pub fn fnv1a(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(source: &str, at: &str) -> Entry {
        Entry {
            source: source.to_owned(),
            source_size: Some(1),
            source_etag: None,
            source_last_modified: None,
            rows: 1,
            bytes: 1,
            schema_hash: fnv1a(b""),
            tool: "t".to_owned(),
            written_at: at.to_owned(),
        }
    }

    #[test]
    fn a_merge_keeps_both_writers_entries_and_the_later_of_the_same_path() {
        let mut mine = Manifest::default();
        mine.objects
            .insert("a".into(), entry("a1", "2026-01-02T00:00:00Z"));
        mine.objects
            .insert("b".into(), entry("b1", "2026-01-01T00:00:00Z"));
        let mut theirs = Manifest::default();
        theirs
            .objects
            .insert("b".into(), entry("b2", "2026-01-03T00:00:00Z"));
        theirs
            .objects
            .insert("c".into(), entry("c1", "2026-01-01T00:00:00Z"));
        mine.merge(theirs);
        let sources: Vec<_> = mine.objects.values().map(|e| e.source.as_str()).collect();
        assert_eq!(sources, ["a1", "b2", "c1"]);
    }

    #[tokio::test]
    async fn two_writers_at_once_on_a_folder_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let dest = Destination::open(
            dir.path().to_str().unwrap(),
            crate::destination::Conditional::On,
        )
        .unwrap();
        let writers = (0..8).map(|i| {
            let dest = dest.clone();
            tokio::spawn(async move {
                let mut new = BTreeMap::new();
                new.insert(
                    format!("object-{i}"),
                    entry(&format!("s{i}"), "2026-01-01T00:00:00Z"),
                );
                record(&dest, &new).await.unwrap();
            })
        });
        for writer in writers {
            writer.await.unwrap();
        }
        let (manifest, _) = read(&dest).await.unwrap();
        assert_eq!(manifest.objects.len(), 8);
        assert!(!dir.path().join("_docker_data/manifest.json.lock").exists());
    }
}
