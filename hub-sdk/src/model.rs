//! Values of Hub answers that Docker may extend: open enums that keep a
//! value this SDK does not know (as `Other`) instead of failing the whole
//! page. Generated from the spec's enums and `xtask/targets.yaml`
//! (`open_enums`); the generated types use them.

pub use crate::generated::{AccountKind, RepositoryKind, Role, Status};
