//! The permissions the tenant service's routes declare (rows of `tenant.casbin_rule`).

zk_kernel::permission! {
    /// Operators: see members.
    MembersRead = "members", "read";
    /// Operators: create, suspend and resume members.
    MembersWrite = "members", "write";
    /// Operators: read the mail outbox.
    OutboxRead = "outbox", "read";
    /// Every member role: use the portal.
    PortalRead = "portal", "read";
    /// Admins (and teachers): see the member's users.
    UsersRead = "users", "read";
    /// Admins: invite users and assign roles.
    UsersWrite = "users", "write";
    /// Admins: see branding settings.
    BrandingRead = "branding", "read";
    /// Admins: change branding.
    BrandingWrite = "branding", "write";
}
