#![warn(missing_docs)]
//! Keeps a Parquet lake of Docker's data up to date on object storage: S3,
//! GCS, Azure, or a local folder, for DuckDB, Spark, Trino, Athena or
//! Polars to query.
//!
//! - [`Lake::open`] takes a destination URL (`s3://bucket/prefix`,
//!   `gs://…`, `az://…`, `file:///…`) or a path; credentials come from the
//!   environment as each cloud's tools read them ([`destination`]).
//! - [`Lake::sync`] writes Enterprise reports and DVP exports as
//!   hive-partitioned tables ([`layout`]), each object whole or not at all,
//!   converted while the body arrives (no local copy), and records them in
//!   `<prefix>/_docker_data/manifest.json` ([`manifest`]). A rerun with
//!   nothing new writes nothing.
//!
//! ```no_run
//! # async fn run() -> Result<(), docker_data_lake::Error> {
//! use docker_data_lake::{EnterpriseSelection, Lake, Sources, SyncOptions};
//!
//! let client = enterprise_data_sdk::EnterpriseClient::new("my-org", "dckr_oat_…")?;
//! let lake = Lake::open("s3://analytics/docker", SyncOptions::new())?;
//! let selection = EnterpriseSelection::all().report("usage_pulls", "daily");
//! let summary = lake
//!     .sync(Sources { enterprise: Some((&client, &selection)), ..Sources::default() })
//!     .await?;
//! println!("{} written, {} already there", summary.written.len(), summary.skipped.len());
//! # Ok(()) }
//! ```

pub mod destination;
mod encode;
pub mod layout;
pub mod manifest;
mod sync;

pub use destination::Destination;
pub use sdk_core::{Error, ErrorKind, Result};
pub use sync::{
    DvpSelection, EnterpriseSelection, LAKE_ROW_GROUP_ROWS, LakeFormat, Sources, SyncOptions,
    SyncSummary, Written,
};

/// A lake at one destination.
#[derive(Debug, Clone)]
pub struct Lake {
    destination: Destination,
    options: SyncOptions,
}

impl Lake {
    /// Opens the lake at `dest` (a URL or a path; a folder is created when
    /// missing). The manifest is written with conditional writes on object
    /// stores; see [`open_without_conditional_writes`](Self::open_without_conditional_writes).
    pub fn open(dest: &str, options: SyncOptions) -> Result<Self> {
        Ok(Self {
            destination: Destination::open(dest, destination::Conditional::On)?,
            options,
        })
    }

    /// Like [`open`](Self::open), for a store without conditional writes:
    /// the manifest is then overwritten, so only one sync may run at a time.
    pub fn open_without_conditional_writes(dest: &str, options: SyncOptions) -> Result<Self> {
        Ok(Self {
            destination: Destination::open(dest, destination::Conditional::Off)?,
            options,
        })
    }

    /// Where it is (no credentials in it).
    pub fn destination(&self) -> &Destination {
        &self.destination
    }

    /// Syncs `sources` into the lake. A failed item is listed in the
    /// summary and does not stop the others; an error here means the lake
    /// could not be read or its manifest not written.
    pub async fn sync(&self, sources: Sources<'_>) -> Result<SyncSummary> {
        sync::run(&self.destination, sources, &self.options).await
    }
}
