//! How requests run: the one pager every listing walks with.

pub mod paginate;

pub use paginate::{Cursor, Page, paginate};
