//! Values of Hub answers that Docker may extend: open enums that keep a
//! value this SDK does not know (as `Other`) instead of failing the whole
//! page. The generated types use them (`xtask`'s replacements).

sdk_core::open_enum! {
    /// A member's role in an organization.
    pub enum Role {
        /// Owner of the organization.
        Owner = "Owner",
        /// Member.
        Member = "Member",
        /// Invited, not yet joined.
        Invitee = "Invitee",
    }
}

sdk_core::open_enum! {
    /// What kind of account a member is.
    pub enum AccountKind {
        /// An organization.
        Org = "Org",
        /// A user.
        User = "User",
    }
}

sdk_core::open_enum! {
    /// What a repository holds.
    pub enum RepositoryKind {
        /// Container images.
        Image = "image",
        /// Docker plugins.
        Plugin = "plugin",
    }
}

sdk_core::open_enum! {
    /// Whether a repository, tag or image is in use.
    pub enum Status {
        /// In use.
        Active = "active",
        /// Not in use.
        Inactive = "inactive",
    }
}
