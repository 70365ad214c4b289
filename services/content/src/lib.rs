//! Content service: the shared NZK portfolio and members' own modules (drafts, immutable numbered
//! versions with stable block ids), learning paths, the catalogue with Dutch search, overlays
//! (a member's accents), contributions, reviews, votes and media, and their pages. People
//! learning (enrolments, progress, proofs…) are the learning service's (`zk-learning`), which
//! builds on this crate's public domain functions.

pub mod domain;
pub mod model;
pub mod repo;
mod routes;
pub mod view;

pub use routes::router;

/// This service's part of the API description, generated from its handlers and their types
/// (merged by the gateway into `/api/v1/openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    routes::api::list_catalog,
    routes::api::show_published,
    routes::api::list_modules,
    routes::api::create_module,
    routes::api::show_module,
    routes::api::save_module,
    routes::api::publish_module,
    routes::api_cartridge::export_module,
    routes::api_cartridge::export_all,
    routes::api_cartridge::import,
    routes::api::list_adoptions,
    routes::api::save_adoption,
    routes::api::accept_adoption,
    routes::api::delete_adoption,
    routes::paths::list,
    routes::paths::create,
    routes::paths::show,
    routes::paths::save,
    routes::paths::publish,
    routes::paths::catalogue,
    routes::paths::catalogue_item,
    routes::path_adoptions::list,
    routes::path_adoptions::save,
    routes::path_adoptions::accept,
    routes::path_adoptions::remove,
    routes::api_quality::rate,
    routes::api_quality::ratings,
    routes::api_quality::report,
    routes::api_quality::reports,
    routes::api_quality::resolve,
    routes::api_quality::proposals,
    routes::api_quality::propose,
    routes::api_quality::vote,
    routes::api_quality::unvote,
    routes::api_quality::set_status,
    routes::api_contrib::submit,
    routes::api_contrib::list,
    routes::api_contrib::waiting,
    routes::api_contrib::show,
    routes::api_contrib::comment,
    routes::api_contrib::review,
    routes::api_contrib::publish,
    routes::api_media::create,
    routes::api_media::usage,
    routes::api_media::confirm,
    routes::api_media::cancel,
))]
pub struct ContentApi;

/// The generated OpenAPI fragment as JSON.
pub fn openapi() -> String {
    <ContentApi as utoipa::OpenApi>::openapi()
        .to_json()
        .unwrap_or_default()
}

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
    /// Admins: export all of the member's own modules (Common Cartridge).
    ContentExport = "content", "export";
    /// Operators: resolve reports, set a proposal's status, publish contributions.
    PortfolioModerate = "portfolio", "moderate";
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_generated_part_describes_its_routes_with_their_types() {
        let doc: serde_json::Value = serde_json::from_str(&super::openapi()).unwrap();
        let ops: usize = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|p| p.as_object().unwrap().len())
            .sum();
        assert_eq!(ops, 46);
        let path = &doc["components"]["schemas"]["PathAdoptionInput"];
        assert!(path.to_string().contains("accents"), "{path}");
        let put = &doc["paths"]["/api/v1/content/ratings/{id}"]["put"];
        assert_eq!(put["operationId"], "rate_module");
        assert_eq!(
            put["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/RatingInput"
        );
        assert!(doc["components"]["schemas"]["RatingInput"]["properties"]["stars"].is_object());
        assert!(doc["components"]["schemas"]["Proposal"]["properties"]["voters"].is_object());
        assert!(put["description"]
            .as_str()
            .unwrap()
            .contains("quality:write"));
    }
}
