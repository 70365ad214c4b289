//! HTTP routes of the content service: thin handlers over `domain`.

pub(crate) mod api;
pub(crate) mod api_cartridge;
pub(crate) mod api_contrib;
pub(crate) mod api_media;
pub(crate) mod api_quality;
mod authoring_pages;
mod overlay_pages;
pub(crate) mod pages;
pub(crate) mod path_adoptions;
pub(crate) mod paths;
mod say_pages;

use axum::{
    routing::{get, post},
    Router,
};
use zk_kernel::{http::RequestContext, AppError, AppResult, Platform};

/// Content routes with state applied; starts the sweeper of abandoned uploads.
pub fn router(platform: Platform) -> Router {
    crate::domain::media::spawn_sweeper(platform.clone());
    Router::new()
        .route("/api/v1/catalog", get(api::list_catalog))
        .route("/api/v1/catalog/{id}", get(api::show_published))
        .route(
            "/api/v1/content/modules",
            get(api::list_modules).post(api::create_module),
        )
        .route(
            "/api/v1/content/modules/{id}",
            get(api::show_module).put(api::save_module),
        )
        .route(
            "/api/v1/content/modules/{id}/publish",
            post(api::publish_module),
        )
        .route(
            "/api/v1/content/modules/{id}/cartridge",
            get(api_cartridge::export_module),
        )
        .route("/api/v1/content/export", get(api_cartridge::export_all))
        .route(
            "/api/v1/content/cartridges",
            post(api_cartridge::import).layer(axum::extract::DefaultBodyLimit::max(
                crate::domain::cartridge::MAX_CARTRIDGE,
            )),
        )
        .route("/api/v1/content/adoptions", get(api::list_adoptions))
        .route(
            "/api/v1/content/adoptions/{id}",
            axum::routing::put(api::save_adoption).delete(api::delete_adoption),
        )
        .route(
            "/api/v1/content/adoptions/{id}/accept",
            post(api::accept_adoption),
        )
        .route(
            "/api/v1/content/ratings/{id}",
            get(api_quality::ratings).put(api_quality::rate),
        )
        .route(
            "/api/v1/content/reports",
            get(api_quality::reports).post(api_quality::report),
        )
        .route(
            "/api/v1/content/reports/{id}/resolve",
            post(api_quality::resolve),
        )
        .route(
            "/api/v1/content/proposals",
            get(api_quality::proposals).post(api_quality::propose),
        )
        .route(
            "/api/v1/content/proposals/{id}/vote",
            post(api_quality::vote).delete(api_quality::unvote),
        )
        .route(
            "/api/v1/content/proposals/{id}/status",
            post(api_quality::set_status),
        )
        .route(
            "/api/v1/content/modules/{id}/contribute",
            post(api_contrib::submit),
        )
        .route("/api/v1/content/candidates", get(api_contrib::list))
        .route(
            "/api/v1/content/candidates/waiting",
            get(api_contrib::waiting),
        )
        .route("/api/v1/content/candidates/{id}", get(api_contrib::show))
        .route(
            "/api/v1/content/candidates/{id}/comments",
            post(api_contrib::comment),
        )
        .route(
            "/api/v1/content/candidates/{id}/review",
            post(api_contrib::review),
        )
        .route(
            "/api/v1/content/candidates/{id}/publish",
            post(api_contrib::publish),
        )
        .route("/api/v1/content/media", post(api_media::create))
        .route("/api/v1/content/media/usage", get(api_media::usage))
        .route(
            "/api/v1/content/media/{id}/confirm",
            post(api_media::confirm),
        )
        .route(
            "/api/v1/content/media/{id}",
            axum::routing::delete(api_media::cancel),
        )
        .route("/leren/media/{id}", get(api_media::download))
        .route("/pakket/{id}/{*path}", get(api_media::package_file))
        .route(
            "/media/o/{*key}",
            get(api_media::fs_get).put(api_media::fs_put),
        )
        .route(
            "/leren/auteur",
            get(authoring_pages::list).post(authoring_pages::create),
        )
        .route("/leren/auteur/{id}", get(authoring_pages::edit))
        .route(
            "/leren/auteur/{id}/gegevens",
            post(authoring_pages::save_meta),
        )
        .route(
            "/leren/auteur/{id}/blokken",
            post(authoring_pages::add_block),
        )
        .route(
            "/leren/auteur/{id}/blokken/{block}/{action}",
            post(authoring_pages::block_action),
        )
        .route(
            "/leren/auteur/{id}/publiceren",
            post(authoring_pages::publish),
        )
        .route(
            "/leren/auteur/{id}/voorbeeld",
            get(authoring_pages::preview),
        )
        .route(
            "/leren/auteur/{id}/volgorde",
            post(authoring_pages::reorder),
        )
        .route(
            "/leren/voorstellen",
            get(say_pages::proposals).post(say_pages::propose),
        )
        .route("/leren/voorstellen/{id}/stem", post(say_pages::vote))
        .route("/leren/voorstellen/{id}/status", post(say_pages::decide))
        .route("/leren/inzendingen", get(say_pages::candidates))
        .route("/leren/inzendingen/{id}", get(say_pages::candidate))
        .route(
            "/leren/inzendingen/{id}/opmerking",
            post(say_pages::comment),
        )
        .route("/leren/inzendingen/{id}/besluit", post(say_pages::review))
        .route(
            "/leren/inzendingen/{id}/publiceren",
            post(say_pages::publish),
        )
        .route("/leren/auteur/{id}/indienen", post(say_pages::submit))
        .route("/leren/redactie", get(say_pages::editorial))
        .route(
            "/leren/redactie/meldingen/{id}/oplossen",
            post(say_pages::resolve),
        )
        .route("/leren/modules/{id}/waardering", post(say_pages::rate))
        .route("/leren/modules/{id}/melding", post(say_pages::report))
        .route("/leren/modules/{id}/overnemen", post(overlay_pages::adopt))
        .route(
            "/leren/beheer/overnames/{id}",
            get(overlay_pages::edit).post(overlay_pages::save),
        )
        .route(
            "/api/v1/content/paths",
            get(paths::list).post(paths::create),
        )
        .route(
            "/api/v1/content/paths/{id}",
            get(paths::show).put(paths::save),
        )
        .route("/api/v1/content/paths/{id}/publish", post(paths::publish))
        .route("/api/v1/catalog/paths", get(paths::catalogue))
        .route("/api/v1/catalog/paths/{id}", get(paths::catalogue_item))
        .route(
            "/leren/trajecten/{id}/overnemen",
            post(path_adoptions::adopt),
        )
        .route(
            "/leren/beheer/trajecten/{id}",
            get(path_adoptions::edit).post(path_adoptions::save_form),
        )
        .route(
            "/leren/beheer/trajecten/{id}/accepteren",
            post(path_adoptions::accept_form),
        )
        .route("/api/v1/content/path-adoptions", get(path_adoptions::list))
        .route(
            "/api/v1/content/path-adoptions/{id}",
            axum::routing::put(path_adoptions::save).delete(path_adoptions::remove),
        )
        .route(
            "/api/v1/content/path-adoptions/{id}/accept",
            post(path_adoptions::accept),
        )
        .route(
            "/leren/auteur/trajecten",
            get(paths::author_list).post(paths::author_save),
        )
        .route(
            "/leren/auteur/trajecten/{id}",
            get(paths::author_edit).post(paths::author_save),
        )
        .route(
            "/leren/auteur/trajecten/{id}/publiceren",
            post(paths::author_publish),
        )
        .route("/leren", get(pages::show_catalog))
        .route("/leren/beheer", get(pages::show_dashboard))
        .route(
            "/leren/beheer/overnames/{id}/accepteren",
            post(pages::accept_version),
        )
        .with_state(platform)
}

/// Routes that exist only on a member's portal (the catalogue is what a member sees).
fn member_site(ctx: &RequestContext) -> AppResult<()> {
    if ctx.tenant.is_platform {
        Err(AppError::not_found())
    } else {
        Ok(())
    }
}

/// A refusal a form page shows again with its message (bad input, conflicts), as opposed to a
/// missing thing (404) or a failure, which get the error page.
fn refused(e: &AppError) -> bool {
    e.status.is_client_error() && e.status != axum::http::StatusCode::NOT_FOUND
}

/// A path id that is not a UUID is a module nobody has: 404, like an unknown one.
fn parse_id(raw: &str) -> AppResult<uuid::Uuid> {
    raw.parse().map_err(|_| AppError::not_found())
}
