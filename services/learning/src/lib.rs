//! Learning service: everything about people learning — enrolments in modules and learning
//! paths, groups, progress and its batching writer, quiz attempts scored on the server, proofs
//! of participation (PDF and public check), the competence passport, the overviews of learners,
//! teachers, admins and operators, reminders and re-enrolment, self-enrolment, the learner's
//! home and the module and path pages with their progress, and the staff import (HR's file:
//! accounts through the tenant service, then groups and enrolments here).
//!
//! It builds on the content service (the portfolio: modules, versions, overlays, paths) and the
//! tenant service (accounts) through their public domain functions; nothing depends on it but
//! the binary and what is built on it (LTI).

pub mod domain;
pub mod model;
pub mod repo;
mod routes;

pub use routes::router;

/// This service's part of the API description, generated from its handlers and their types
/// (merged by the gateway into `/api/v1/openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    routes::learning::enrol,
    routes::learning::mine,
    routes::learning::block_done,
    routes::learning::attempt,
    routes::learning::saved_answers,
    routes::learning::save_answers,
    routes::package_player::commit,
    routes::learning::move_enrolments,
    routes::learning::set_self_enrolment,
    routes::learning::departments,
    routes::learning::enrol_department,
    routes::learning::enrol_path,
    routes::learning::my_paths,
    routes::proofs::mine,
    routes::proofs::list,
    routes::proofs::revoke,
    routes::groups::list,
    routes::groups::create,
    routes::groups::set_member,
    routes::groups::remove_member,
    routes::groups::enrol,
    routes::groups::progress,
    routes::passport::mine,
    routes::passport::expiring,
    routes::overview::member,
    routes::overview::platform,
    routes::people::list,
    routes::people::find,
    routes::record::api_get,
    routes::record::api_set_deadline,
    routes::record::api_withdraw,
    routes::imports::api_list,
    routes::imports::api_preview,
    routes::imports::api_get,
    routes::imports::api_start,
    routes::imports::api_discard,
))]
pub struct LearningApi;

/// The generated OpenAPI fragment as JSON.
pub fn openapi() -> String {
    <LearningApi as utoipa::OpenApi>::openapi()
        .to_json()
        .unwrap_or_default()
}

zk_kernel::permission! {
    /// Admins and teachers: enrol the member's users in modules.
    LearningEnrol = "learning", "enrol";
    /// Every member role: follow its own enrolments (blocks done, quiz attempts).
    LearningLearn = "learning", "learn";
    /// Admins: move the member's enrolments in a module to its new version; the overview.
    LearningManage = "learning", "manage";
    /// Operators: NZK's learning overview across members (counts only).
    LearningReport = "learning", "report";
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
        assert_eq!(ops, 36);
        let attempt = &doc["paths"]["/api/v1/learning/enrolments/{id}/attempts"]["post"];
        assert_eq!(attempt["operationId"], "quiz_attempt");
        assert!(doc["components"]["schemas"]["Scored"]["properties"]["pass_mark"].is_object());
        assert!(doc["paths"]["/api/v1/imports"]["post"].is_object());
    }
}
