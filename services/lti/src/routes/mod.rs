//! HTTP routes of the LTI service: thin handlers over `domain`.

mod advantage;
pub(crate) mod api;
mod launch;
mod pages;

use axum::{
    routing::{get, post},
    Router,
};
use zk_kernel::Platform;

/// The LTI routes with state applied.
pub fn router(platform: Platform) -> Router {
    crate::domain::jobs::spawn(platform.clone());
    crate::domain::grades::add_queue_gauges(&platform);
    Router::new()
        .route(
            "/lti/login",
            get(launch::login_get).post(launch::login_post),
        )
        .route("/lti/launch", post(launch::launch_post))
        .route("/lti/launch/{id}", get(launch::launch_continue))
        .route("/lti/launch/{id}/opslag", post(launch::launch_storage))
        .route(
            "/lti/verder/{token}",
            get(launch::handoff_page).post(launch::handoff_open),
        )
        .route("/lti/jwks", get(launch::jwks))
        .route(
            "/lti/kiezen/{id}",
            get(advantage::picker).post(advantage::pick),
        )
        .route("/lti/registreren/{token}", get(advantage::register))
        .route("/beheer/lms", get(pages::show).post(pages::create))
        .route("/beheer/lms/{id}/uitschakelen", post(pages::disable))
        .route("/beheer/lms/{id}/inschakelen", post(pages::enable))
        .route("/beheer/lms/registratielink", post(pages::new_link))
        .route(
            "/beheer/lms/cursussen/{id}/synchroniseren",
            post(pages::sync_roster),
        )
        .route(
            "/api/v1/lti/registrations",
            get(api::list).post(api::create),
        )
        .route("/api/v1/lti/registrations/{id}", get(api::get))
        .route("/api/v1/lti/registrations/{id}/disable", post(api::disable))
        .route("/api/v1/lti/registrations/{id}/enable", post(api::enable))
        .route(
            "/api/v1/lti/registrations/{id}/rotate-key",
            post(api::rotate_key),
        )
        .route("/api/v1/lti/launches", get(api::launches))
        .route("/api/v1/lti/registration-links", post(api::create_link))
        .route("/api/v1/lti/grades", get(api::grades))
        .route("/api/v1/lti/rosters", get(api::rosters))
        .route("/api/v1/lti/rosters/{id}/sync", post(api::sync_roster))
        .route(
            "/api/v1/lti/rosters/{id}/daily",
            axum::routing::put(api::set_daily),
        )
        .route("/api/v1/lti/rosters/{id}/members", get(api::roster_members))
        .with_state(platform)
}
