//! HTTP routes of the learning service: thin handlers over `domain`.

mod enrol_pages;
mod group_pages;
pub(crate) mod groups;
mod home;
pub(crate) mod imports;
pub(crate) mod learning;
mod learning_pages;
mod module_page;
pub(crate) mod overview;
pub(crate) mod package_player;
pub(crate) mod passport;
mod path_page;
pub(crate) mod people;
pub(crate) mod proofs;
pub(crate) mod record;
mod xapi;

use axum::{
    extract::DefaultBodyLimit,
    routing::{get, post},
    Router,
};
use zk_kernel::{http::RequestContext, AppError, AppResult, Platform};

/// Learning routes with state applied; starts the reminder job and the staff-import job.
pub fn router(platform: Platform) -> Router {
    crate::domain::reminders::spawn(platform.clone());
    crate::domain::staff_import::spawn(platform.clone());
    crate::domain::queue_gauges::register(&platform);
    Router::new()
        .route("/", get(home::show_home))
        .route("/leren/modules/{id}", get(module_page::show_module))
        .route("/leren/trajecten/{id}", get(path_page::page))
        .route(
            "/leren/inschrijvingen/{id}/pakket/{block}",
            get(package_player::open),
        )
        .route("/speler/runtime.js", get(package_player::runtime))
        .route("/speler/{token}", get(package_player::player))
        .route("/speler/{token}/commit", post(package_player::commit))
        .route("/speler/{token}/au", post(xapi::launch))
        .route("/speler/fetch/{token}", post(xapi::fetch))
        .route("/speler/xapi/about", get(xapi::about))
        .route(
            "/speler/xapi/statements",
            get(xapi::get_statement)
                .put(xapi::put_statement)
                .post(xapi::post_statements),
        )
        .route(
            "/speler/xapi/activities/state",
            get(xapi::get_state)
                .put(xapi::put_state)
                .post(xapi::post_state)
                .delete(xapi::delete_state),
        )
        .route(
            "/speler/xapi/agents/profile",
            get(xapi::get_profile)
                .put(xapi::put_profile)
                .post(xapi::post_profile)
                .delete(xapi::delete_profile),
        )
        .route("/api/v1/learning/enrolments", post(learning::enrol))
        .route("/api/v1/learning/enrolments/mine", get(learning::mine))
        .route(
            "/api/v1/learning/enrolments/{id}/blocks/{block}/done",
            post(learning::block_done),
        )
        .route(
            "/api/v1/learning/enrolments/{id}/attempts",
            post(learning::attempt),
        )
        .route(
            "/api/v1/learning/enrolments/{id}/quizzes/{block}/answers",
            get(learning::saved_answers).put(learning::save_answers),
        )
        .route(
            "/api/v1/learning/modules/{id}/move-enrolments",
            post(learning::move_enrolments),
        )
        .route(
            "/api/v1/learning/modules/{id}/self-enrolment",
            axum::routing::put(learning::set_self_enrolment),
        )
        .route(
            "/leren/modules/{id}/inschrijven",
            post(learning_pages::enrol_self),
        )
        .route(
            "/leren/modules/{id}/zelf-inschrijven",
            post(learning_pages::set_self_enrolment),
        )
        .route(
            "/leren/modules/{id}/inschrijvingen",
            get(enrol_pages::show).post(enrol_pages::enrol),
        )
        .route(
            "/leren/modules/{id}/inschrijvingen/verplaatsen",
            post(enrol_pages::move_enrolments),
        )
        .route(
            "/leren/trajecten/{id}/inschrijvingen",
            get(enrol_pages::show_path).post(enrol_pages::enrol_path),
        )
        .route("/api/v1/learning/departments", get(learning::departments))
        .route(
            "/api/v1/learning/path-enrolments",
            post(learning::enrol_path),
        )
        .route(
            "/api/v1/learning/path-enrolments/mine",
            get(learning::my_paths),
        )
        .route(
            "/api/v1/learning/departments/enrolments",
            post(learning::enrol_department),
        )
        .route(
            "/leren/inschrijvingen/{id}/blokken/{block}/klaar",
            post(learning_pages::block_done),
        )
        .route(
            "/leren/inschrijvingen/{id}/toetsen/{block}",
            post(learning_pages::quiz),
        )
        .route(
            "/leren/inschrijvingen/{id}/toetsen/{block}/pagina/{page}",
            get(learning_pages::quiz_page).post(learning_pages::quiz_page_save),
        )
        .route(
            "/api/v1/learning/groups",
            get(groups::list).post(groups::create),
        )
        .route(
            "/api/v1/learning/groups/{id}/members/{user}",
            axum::routing::put(groups::set_member).delete(groups::remove_member),
        )
        .route(
            "/api/v1/learning/groups/{id}/enrolments",
            post(groups::enrol),
        )
        .route(
            "/api/v1/learning/groups/{id}/progress",
            get(groups::progress),
        )
        .route("/api/v1/learning/passport", get(passport::mine))
        .route("/api/v1/learning/expiring", get(passport::expiring))
        .route("/leren/paspoort", get(passport::page))
        .route("/leren/paspoort.csv", get(passport::csv))
        .route("/leren/paspoort.pdf", get(passport::pdf))
        .route("/api/v1/learning/overview", get(overview::member))
        .route(
            "/api/v1/learning/platform-overview",
            get(overview::platform),
        )
        .route("/leren/overzicht", get(overview::page))
        .route("/api/v1/learning/people", get(people::list))
        .route("/api/v1/learning/people-search", get(people::find))
        .route("/leren/mensen.csv", get(people::csv))
        .route("/leren/mensen.xlsx", get(people::xlsx))
        .route("/api/v1/learning/people/{id}", get(record::api_get))
        .route(
            "/api/v1/learning/enrolments/{id}",
            axum::routing::patch(record::api_set_deadline).delete(record::api_withdraw),
        )
        .route("/leren/mensen/{id}", get(record::show))
        .route("/leren/mensen/{id}/inschrijven", post(record::enrol))
        .route(
            "/leren/inschrijvingen/{id}/uiterste-datum",
            post(record::set_deadline),
        )
        .route(
            "/leren/inschrijvingen/{id}/uitschrijven",
            get(record::confirm_withdraw).post(record::withdraw),
        )
        .route("/leren/platformoverzicht", get(overview::platform_page))
        .route("/leren/platformoverzicht.csv", get(overview::platform_csv))
        .route("/leren/overzicht.csv", get(overview::csv))
        .route(
            "/leren/groepen",
            get(group_pages::list).post(group_pages::create),
        )
        .route("/leren/groepen/{id}", get(group_pages::show))
        .route("/leren/groepen/{id}/leden", post(group_pages::add_member))
        .route(
            "/leren/groepen/{id}/leden/{user}/verwijderen",
            post(group_pages::remove_member),
        )
        .route("/leren/groepen/{id}/inschrijven", post(group_pages::enrol))
        .route("/bewijs/{code}", get(proofs::verify_page))
        .route("/leren/bewijzen/{id}", get(proofs::page))
        .route("/leren/bewijzen/{id}/pdf", get(proofs::pdf))
        .route("/api/v1/learning/proofs", get(proofs::list))
        .route("/leren/bewijzen", get(proofs::admin_list))
        .route("/leren/bewijzen/{id}/intrekken", post(proofs::revoke_form))
        .route("/api/v1/learning/proofs/mine", get(proofs::mine))
        .route("/api/v1/learning/proofs/{id}/revoke", post(proofs::revoke))
        .route(
            "/beheer/import",
            get(imports::show)
                .post(imports::upload)
                .layer(DefaultBodyLimit::max(imports::BODY_LIMIT)),
        )
        .route("/beheer/import/{id}", get(imports::show_one))
        .route("/beheer/import/{id}/starten", post(imports::start_form))
        .route("/beheer/import/{id}/weggooien", post(imports::discard_form))
        .route("/beheer/import/{id}/rapport.csv", get(imports::report))
        .route(
            "/api/v1/imports",
            get(imports::api_list)
                .post(imports::api_preview)
                .layer(DefaultBodyLimit::max(imports::BODY_LIMIT)),
        )
        .route(
            "/api/v1/imports/{id}",
            get(imports::api_get).delete(imports::api_discard),
        )
        .route("/api/v1/imports/{id}/start", post(imports::api_start))
        .with_state(platform)
}

/// Routes that exist only on a member's portal.
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

use groups::viewer as groups_viewer;

/// A query string that can't be read (a parameter given twice as a list, say): 400.
fn query_error(e: axum::extract::rejection::QueryRejection) -> AppError {
    tracing::debug!(error = %e, "query rejected");
    AppError::new(
        axum::http::StatusCode::BAD_REQUEST,
        "invalid_query",
        "De zoekopdracht is ongeldig.",
    )
}

/// A path id that is not a UUID is something nobody has: 404, like an unknown one.
fn parse_id(raw: &str) -> AppResult<uuid::Uuid> {
    raw.parse().map_err(|_| AppError::not_found())
}
