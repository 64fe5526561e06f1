//! How requests run: the one retry loop, the one pager every listing walks
//! with, and the one check of every name sent in a request's path.

pub mod names;
pub mod paginate;
pub mod retry;

pub use paginate::{Cursor, Page, paginate};
