//! Content service: the shared NZK portfolio and members' own modules (drafts, immutable numbered
//! versions with stable block ids), the catalogue with Dutch search, and its pages. Overlays,
//! contributions, reviews, votes, media and the learner side build on these tables.

pub mod domain;
pub mod repo;
mod routes;

pub use routes::router;

/// The OpenAPI paths of this service (merged by the gateway).
pub const OPENAPI: &str = include_str!("openapi.json");

zk_kernel::permission! {
    /// Every member role (and operators): browse the catalogue.
    CatalogRead = "catalog", "read";
    /// Authors (own modules) and operators (the shared portfolio): write drafts and publish.
    CatalogWrite = "catalog", "write";
    /// Admins and reviewers: rate shared modules for their member.
    QualityWrite = "quality", "write";
    /// Every member role: report an error on a block.
    ReportsWrite = "reports", "write";
    /// Admins and authors: file portfolio proposals.
    ProposalsWrite = "proposals", "write";
    /// Admins: cast the member's vote.
    VotesWrite = "votes", "write";
    /// Reviewers (of other members) and operators: comment on and decide about contributions.
    CandidatesReview = "candidates", "review";
    /// Operators: resolve reports, set a proposal's status, publish contributions.
    PortfolioModerate = "portfolio", "moderate";
}
