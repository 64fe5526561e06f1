//! Where the lake lives: a URL (`s3://bucket/prefix`, `gs://…`, `az://…`,
//! `file:///…`) or a plain path, opened with `object_store`.
//!
//! Credentials and endpoints come from the environment the way each
//! cloud's own tools read them (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_REGION`, `AWS_ENDPOINT_URL`, `AWS_ALLOW_HTTP`; `GOOGLE_*`;
//! `AZURE_*`), never from arguments, and never appear in output: a
//! destination is shown as its scheme, bucket and prefix only.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use object_store::ObjectStore;
use object_store::path::Path as ObjectPath;

use sdk_core::{Error, ErrorKind};

/// An opened destination.
#[derive(Clone)]
pub struct Destination {
    pub(crate) store: Arc<dyn ObjectStore>,
    /// Everything goes under this prefix.
    pub(crate) prefix: ObjectPath,
    /// For a local folder: its path (the manifest is locked with a file).
    pub(crate) local_root: Option<PathBuf>,
    /// How it is shown: no credentials, no query.
    pub(crate) shown: String,
}

impl std::fmt::Debug for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Destination")
            .field("at", &self.shown)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Display for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

/// Whether conditional writes are used for the manifest on object stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Conditional {
    On,
    Off,
}

impl Destination {
    /// Opens `dest`: a URL with a scheme the store understands, or a path
    /// (a folder, created when missing).
    pub(crate) fn open(dest: &str, conditional: Conditional) -> Result<Self, Error> {
        let looks_like_url = dest.contains("://");
        if !looks_like_url {
            return Self::local(Path::new(dest));
        }
        let url = url::Url::parse(dest).map_err(|err| {
            destination_error(format!("{}: not a URL ({err})", shown_url_str(dest)))
        })?;
        if url.scheme() == "file" {
            let path = url
                .to_file_path()
                .map_err(|()| destination_error(format!("{dest}: not a local path")))?;
            return Self::local(&path);
        }
        let shown = shown_url(&url);
        let prefix = ObjectPath::parse(url.path().trim_matches('/'))
            .map_err(|err| destination_error(format!("{shown}: bad prefix ({err})")))?;
        let store: Arc<dyn ObjectStore> = match url.scheme() {
            "s3" | "s3a" => {
                let mut builder =
                    object_store::aws::AmazonS3Builder::from_env().with_url(url.as_str());
                // `AWS_ENDPOINT_URL` is what the AWS CLI reads; object_store
                // reads `AWS_ENDPOINT`.
                if let Ok(endpoint) = std::env::var("AWS_ENDPOINT_URL") {
                    builder = builder.with_endpoint(endpoint);
                }
                if conditional == Conditional::Off {
                    builder =
                        builder.with_conditional_put(object_store::aws::S3ConditionalPut::Disabled);
                }
                Arc::new(builder.build().map_err(|err| store_error(&shown, err))?)
            }
            "gs" => Arc::new(
                object_store::gcp::GoogleCloudStorageBuilder::from_env()
                    .with_url(url.as_str())
                    .build()
                    .map_err(|err| store_error(&shown, err))?,
            ),
            "az" | "abfs" | "abfss" | "azure" => Arc::new(
                object_store::azure::MicrosoftAzureBuilder::from_env()
                    .with_url(url.as_str())
                    .build()
                    .map_err(|err| store_error(&shown, err))?,
            ),
            other => {
                return Err(destination_error(format!(
                    "{shown}: unknown scheme {other:?}; use s3://, gs://, az://, file:// or a path"
                )));
            }
        };
        Ok(Self {
            store,
            prefix,
            local_root: None,
            shown,
        })
    }

    fn local(path: &Path) -> Result<Self, Error> {
        std::fs::create_dir_all(path)
            .map_err(|err| destination_error(format!("creating {}: {err}", path.display())))?;
        let root = path
            .canonicalize()
            .map_err(|err| destination_error(format!("{}: {err}", path.display())))?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(&root)
            .map_err(|err| store_error(&root.display().to_string(), err))?;
        Ok(Self {
            store: Arc::new(store),
            prefix: ObjectPath::default(),
            shown: root.display().to_string(),
            local_root: Some(root),
        })
    }

    /// `rel` (already safe segments) under the prefix.
    pub(crate) fn path(&self, rel: &[&str]) -> ObjectPath {
        let mut path = self.prefix.clone();
        for part in rel {
            path = path.join(*part);
        }
        path
    }

    /// Whether this is a local folder.
    pub fn is_local(&self) -> bool {
        self.local_root.is_some()
    }
}

fn destination_error(message: String) -> Error {
    Error::new(ErrorKind::InvalidInput, "opening the destination", message)
}

fn store_error(shown: &str, err: object_store::Error) -> Error {
    destination_error(format!("{shown}: {err}")).with_source(err)
}

/// Scheme, host (bucket) and path: never a user, password or query.
fn shown_url(url: &url::Url) -> String {
    format!(
        "{}://{}{}",
        url.scheme(),
        url.host_str().unwrap_or_default(),
        url.path()
    )
}

fn shown_url_str(dest: &str) -> String {
    match url::Url::parse(dest) {
        Ok(url) => shown_url(&url),
        Err(_) => dest.split(['?', '@']).next().unwrap_or_default().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_destination_never_shows_credentials_or_a_query() {
        let url = url::Url::parse("s3://key:secret@bucket/lake/x?X-Amz-Signature=abc").unwrap();
        assert_eq!(shown_url(&url), "s3://bucket/lake/x");
    }

    #[test]
    fn an_unknown_scheme_is_refused_with_the_ones_that_work() {
        let err = Destination::open("ftp://host/x", Conditional::On).unwrap_err();
        assert!(err.to_string().contains("s3://"), "{err}");
    }

    #[test]
    fn a_path_is_a_local_folder_created_when_missing() {
        let dir = tempfile::tempdir().unwrap();
        let lake = dir.path().join("a/b");
        let dest = Destination::open(lake.to_str().unwrap(), Conditional::On).unwrap();
        assert!(dest.is_local() && lake.is_dir());
        assert_eq!(dest.path(&["x", "y"]).as_ref(), "x/y");
    }
}
