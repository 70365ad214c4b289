//! Tenant service: the member registry, accounts, sessions, invitations, roles and branding —
//! with the pages of the portal shell (login, learner home, admin) and the operators' console.

pub mod domain;
pub mod perm;
pub mod repo;
mod routes;

pub use routes::redirect_with_session;
pub mod view;

use axum::{
    extract::DefaultBodyLimit,
    routing::{delete, get, post, put},
    Router,
};
use zk_kernel::Platform;

/// This service's part of the API description, generated from its handlers and their types
/// (merged by the gateway into `/api/v1/openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    routes::api_users::get_me,
    routes::api_users::list_users,
    routes::api_users::invite_user,
    routes::api_users::bulk_users,
    routes::api_users::get_user,
    routes::api_users::set_roles,
    routes::api_users::block_user,
    routes::api_users::unblock_user,
    routes::api_users::revoke_invitation,
    routes::api_tokens::list_my_tokens,
    routes::api_tokens::revoke_my_token,
    routes::api_tokens::list_user_tokens,
    routes::api_tokens::revoke_user_token,
    routes::api_members::list_members,
    routes::api_members::create_member,
    routes::api_members::get_member,
    routes::api_members::update_member,
    routes::api_members::member_overview,
    routes::api_members::invite_admin,
    routes::api_members::suspend_member,
    routes::api_members::resume_member,
    routes::api_members::list_outbox,
    routes::api_branding::get_branding,
    routes::api_branding::update_branding,
    routes::api_branding::upload_logo,
    routes::api_branding::upload_illustration,
    routes::api_branding::remove_illustration,
))]
pub struct TenantApi;

/// The generated OpenAPI fragment as JSON.
pub fn openapi() -> String {
    <TenantApi as utoipa::OpenApi>::openapi()
        .to_json()
        .unwrap_or_default()
}

/// Tenant routes with state applied (and the invitation-reminder job started); global layers are
/// added by whoever owns the listener.
pub fn router(platform: Platform) -> Router {
    use routes::*;
    domain::invite_reminders::spawn(platform.clone());
    Router::new()
        // Pages: both sides
        .route("/inloggen", get(auth::show_login).post(auth::login))
        .route("/uitloggen", post(auth::logout))
        .route(
            "/uitnodiging/{token}",
            get(auth::show_invite).post(auth::accept_invite),
        )
        .route(
            "/wachtwoord-vergeten",
            get(auth::show_forgot).post(auth::request_reset),
        )
        .route(
            "/wachtwoord-herstellen/{token}",
            get(auth::show_reset).post(auth::reset_password),
        )
        .route("/mijn-account", get(account::show_account))
        .route(
            "/mijn-account/sleutels/{id}/intrekken",
            post(account::revoke_token),
        )
        .route("/mijn-account/mails", post(account::save_mails))
        // Pages: operators' console (bare base domain)
        .route(
            "/console",
            get(console::show_members).post(console::create_member),
        )
        .route(
            "/console/leden/{slug}",
            get(console::show_member).post(console::update_member),
        )
        .route(
            "/console/leden/{slug}/beheerder",
            post(console::invite_admin),
        )
        .route(
            "/console/leden/{slug}/beheerder/{id}/uitnodiging",
            post(console::resend_admin_invitation),
        )
        .route(
            "/console/leden/{slug}/opschorten",
            post(console::suspend_member),
        )
        .route(
            "/console/leden/{slug}/hervatten",
            post(console::resume_member),
        )
        .route("/console/outbox", get(console::show_outbox))
        // Pages: member admin
        .route(
            "/beheer",
            get(admin_users::show_users).post(admin_users::invite_user),
        )
        .route("/beheer/gebruikers/bulk", post(admin_users::bulk))
        .route("/beheer/gebruikers/{id}", get(admin_users::show_user))
        .route(
            "/beheer/gebruikers/{id}/rollen",
            post(admin_users::update_roles),
        )
        .route(
            "/beheer/gebruikers/{id}/blokkeren",
            post(admin_users::block_user),
        )
        .route(
            "/beheer/gebruikers/{id}/deblokkeren",
            post(admin_users::unblock_user),
        )
        .route(
            "/beheer/gebruikers/{id}/uitnodiging-opnieuw",
            post(admin_users::resend_invitation),
        )
        .route(
            "/beheer/gebruikers/{id}/uitnodiging-intrekken",
            post(admin_users::revoke_invitation),
        )
        .route(
            "/beheer/gebruikers/{id}/sleutels/{token_id}/intrekken",
            post(admin_users::revoke_token),
        )
        .route(
            "/beheer/huisstijl",
            get(admin::show_branding).post(admin::update_branding),
        )
        .route("/beheer/huisstijl/logo", post(admin::upload_logo))
        .route(
            "/beheer/huisstijl/afbeelding",
            post(admin::upload_illustration).layer(DefaultBodyLimit::max(3 * 1024 * 1024)),
        )
        .route(
            "/beheer/huisstijl/afbeelding/verwijderen",
            post(admin::remove_illustration),
        )
        .route("/logo", get(pages::show_logo))
        .route("/afbeelding", get(pages::show_illustration))
        .route("/theme.css", get(pages::show_theme_css))
        // JSON API
        .route(
            "/api/v1/tenants",
            get(api_members::list_members).post(api_members::create_member),
        )
        .route(
            "/api/v1/tenants/{slug}",
            get(api_members::get_member).put(api_members::update_member),
        )
        .route(
            "/api/v1/tenants/{slug}/overview",
            get(api_members::member_overview),
        )
        .route(
            "/api/v1/tenants/{slug}/admins",
            post(api_members::invite_admin),
        )
        .route(
            "/api/v1/tenants/{slug}/suspend",
            post(api_members::suspend_member),
        )
        .route(
            "/api/v1/tenants/{slug}/resume",
            post(api_members::resume_member),
        )
        .route("/api/v1/outbox", get(api_members::list_outbox))
        .route("/api/v1/me", get(api_users::get_me))
        .route("/api/v1/me/tokens", get(api_tokens::list_my_tokens))
        .route(
            "/api/v1/me/tokens/{id}",
            delete(api_tokens::revoke_my_token),
        )
        .route(
            "/api/v1/users",
            get(api_users::list_users).post(api_users::invite_user),
        )
        .route("/api/v1/users/bulk", post(api_users::bulk_users))
        .route("/api/v1/users/{id}", get(api_users::get_user))
        .route("/api/v1/users/{id}/roles", put(api_users::set_roles))
        .route("/api/v1/users/{id}/block", post(api_users::block_user))
        .route("/api/v1/users/{id}/unblock", post(api_users::unblock_user))
        .route(
            "/api/v1/users/{id}/invitation",
            delete(api_users::revoke_invitation),
        )
        .route(
            "/api/v1/users/{id}/tokens",
            get(api_tokens::list_user_tokens),
        )
        .route(
            "/api/v1/users/{id}/tokens/{token_id}",
            delete(api_tokens::revoke_user_token),
        )
        .route(
            "/api/v1/branding",
            get(api_branding::get_branding).put(api_branding::update_branding),
        )
        .route("/api/v1/branding/logo", put(api_branding::upload_logo))
        .route(
            "/api/v1/branding/illustration",
            put(api_branding::upload_illustration)
                .delete(api_branding::remove_illustration)
                .layer(DefaultBodyLimit::max(3 * 1024 * 1024)),
        )
        .with_state(platform)
}
