#![warn(missing_docs)]
//! Typed client for Docker Hub organization data: audit logs, members,
//! repositories and tags (`openapi/hub.yaml`).

// The generated code names this crate by absolute path.
extern crate self as hub_sdk;

#[allow(missing_docs, clippy::all, clippy::pedantic)]
// Written by `cargo xtask generate` from openapi/hub.yaml; never edited by
// hand, so its style is progenitor's.
pub mod generated;

pub mod client;
pub mod error;
pub mod listing;
pub mod model;
pub mod rows;
mod validate;

pub use client::{HubClient, HubClientBuilder};
pub use hub_auth::{Credentials, OtpProvider};
pub use listing::{
    AuditLogQuery, MemberQuery, MemberRole, MemberType, RepoOrdering, RepoQuery, Repository, Tag,
};
pub use model::{AccountKind, RepositoryKind, Role, Status};
// Everything a user names when configuring a client or matching an error.
/// The data engine (CSV rows, typed batches, cell parsers), for naming
/// and implementing row decoders without a second dependency.
pub use docker_data_csv as csv;
// Everything a user names when configuring a client, reading a bulk
// summary or matching an error, so that no second crate is needed.
pub use sdk_core::common::*;

sdk_core::impl_client_hooks!(generated::Client);
