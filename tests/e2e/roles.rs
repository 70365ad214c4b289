//! The role matrix: for every route, which roles may use it. Allowed means the request got past
//! authorisation (any status but 401/403 and no redirect to the login page); denied means 401/403
//! (or, for pages, the login redirect for visitors).

use crate::support::App;
use http::{Method, StatusCode};

type Row = (Method, bool, String, Vec<Who>);
use serde_json::json;
use zk_kernel::authz::Role;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Anonymous,
    Learner,
    Author,
    Teacher,
    Reviewer,
    Admin,
    Operator,
}

const ALL: [Who; 7] = [
    Who::Anonymous,
    Who::Learner,
    Who::Author,
    Who::Teacher,
    Who::Reviewer,
    Who::Admin,
    Who::Operator,
];

/// A module id nobody has: allowed callers get 404, the others 401/403.
const MODULE: &str = "6f1c2b9e-0000-4000-8000-000000000001";

/// (method, on the NZK side?, path, who may) — one row per route of the tenant, content and
/// billing services that needs a permission.
fn matrix(user_id: &str) -> Vec<Row> {
    use Who::*;
    let members = vec![Learner, Author, Teacher, Reviewer, Admin];
    vec![
        (Method::GET, false, "/".into(), members.clone()),
        (Method::GET, false, "/api/v1/me".into(), members.clone()),
        (Method::GET, true, "/api/v1/me".into(), vec![Operator]),
        (
            Method::GET,
            false,
            "/api/v1/catalog".into(),
            members.clone(),
        ),
        (Method::GET, false, "/leren".into(), members.clone()),
        (
            Method::GET,
            false,
            "/leren/auteur".into(),
            vec![Author, Admin],
        ),
        (
            Method::POST,
            false,
            "/leren/auteur".into(),
            vec![Author, Admin],
        ),
        (
            Method::GET,
            false,
            format!("/leren/auteur/{MODULE}"),
            vec![Author, Admin],
        ),
        (
            Method::POST,
            false,
            format!("/leren/auteur/{MODULE}/blokken"),
            vec![Author, Admin],
        ),
        (
            Method::POST,
            false,
            format!("/leren/auteur/{MODULE}/publiceren"),
            vec![Author, Admin],
        ),
        (
            Method::GET,
            false,
            format!("/leren/auteur/{MODULE}/voorbeeld"),
            vec![Author, Admin],
        ),
        (
            Method::POST,
            false,
            format!("/leren/auteur/{MODULE}/volgorde"),
            vec![Author, Admin],
        ),
        (Method::GET, true, "/leren/auteur".into(), vec![Operator]),
        (
            Method::GET,
            false,
            "/leren/beheer".into(),
            vec![Author, Admin],
        ),
        (
            Method::POST,
            false,
            format!("/leren/beheer/overnames/{MODULE}/accepteren"),
            vec![Author, Admin],
        ),
        (
            Method::GET,
            false,
            format!("/leren/modules/{MODULE}"),
            members.clone(),
        ),
        (
            Method::GET,
            false,
            format!("/api/v1/catalog/{MODULE}"),
            members.clone(),
        ),
        (
            Method::GET,
            false,
            "/api/v1/content/modules".into(),
            vec![Author, Admin],
        ),
        (
            Method::POST,
            false,
            "/api/v1/content/modules".into(),
            vec![Author, Admin],
        ),
        (
            Method::GET,
            false,
            format!("/api/v1/content/modules/{MODULE}"),
            vec![Author, Admin],
        ),
        (
            Method::PUT,
            false,
            format!("/api/v1/content/modules/{MODULE}"),
            vec![Author, Admin],
        ),
        (
            Method::POST,
            false,
            format!("/api/v1/content/modules/{MODULE}/publish"),
            vec![Author, Admin],
        ),
        (
            Method::GET,
            false,
            "/api/v1/content/adoptions".into(),
            vec![Author, Admin],
        ),
        (
            Method::PUT,
            false,
            format!("/api/v1/content/adoptions/{MODULE}"),
            vec![Author, Admin],
        ),
        (
            Method::DELETE,
            false,
            format!("/api/v1/content/adoptions/{MODULE}"),
            vec![Author, Admin],
        ),
        (
            Method::POST,
            false,
            format!("/api/v1/content/adoptions/{MODULE}/accept"),
            vec![Author, Admin],
        ),
        (
            Method::GET,
            false,
            format!("/api/v1/content/ratings/{MODULE}"),
            members.clone(),
        ),
        (
            Method::PUT,
            false,
            format!("/api/v1/content/ratings/{MODULE}"),
            vec![Reviewer, Admin],
        ),
        (
            Method::GET,
            false,
            "/api/v1/content/reports".into(),
            members.clone(),
        ),
        (
            Method::POST,
            false,
            "/api/v1/content/reports".into(),
            members.clone(),
        ),
        (
            Method::GET,
            true,
            "/api/v1/content/reports".into(),
            vec![Operator],
        ),
        (
            Method::POST,
            true,
            format!("/api/v1/content/reports/{MODULE}/resolve"),
            vec![Operator],
        ),
        (
            Method::GET,
            false,
            "/api/v1/content/proposals".into(),
            members.clone(),
        ),
        (
            Method::POST,
            false,
            "/api/v1/content/proposals".into(),
            vec![Author, Admin],
        ),
        (
            Method::POST,
            false,
            format!("/api/v1/content/proposals/{MODULE}/vote"),
            vec![Admin],
        ),
        (
            Method::DELETE,
            false,
            format!("/api/v1/content/proposals/{MODULE}/vote"),
            vec![Admin],
        ),
        (
            Method::POST,
            true,
            format!("/api/v1/content/proposals/{MODULE}/status"),
            vec![Operator],
        ),
        (
            Method::POST,
            false,
            format!("/api/v1/content/modules/{MODULE}/contribute"),
            vec![Author, Admin],
        ),
        (
            Method::GET,
            false,
            "/api/v1/content/candidates".into(),
            members.clone(),
        ),
        (
            Method::GET,
            false,
            format!("/api/v1/content/candidates/{MODULE}"),
            members.clone(),
        ),
        (
            Method::POST,
            false,
            format!("/api/v1/content/candidates/{MODULE}/comments"),
            vec![Reviewer],
        ),
        (
            Method::POST,
            false,
            format!("/api/v1/content/candidates/{MODULE}/review"),
            vec![Reviewer],
        ),
        (
            Method::POST,
            true,
            format!("/api/v1/content/candidates/{MODULE}/review"),
            vec![Operator],
        ),
        (
            Method::POST,
            true,
            format!("/api/v1/content/candidates/{MODULE}/publish"),
            vec![Operator],
        ),
        (
            Method::POST,
            false,
            "/api/v1/content/media".into(),
            vec![Author, Admin],
        ),
        (
            Method::GET,
            false,
            "/api/v1/content/media/usage".into(),
            vec![Author, Admin],
        ),
        (
            Method::GET,
            true,
            "/api/v1/content/media/usage".into(),
            vec![Operator],
        ),
        (
            Method::POST,
            false,
            format!("/api/v1/content/media/{MODULE}/confirm"),
            vec![Author, Admin],
        ),
        (
            Method::DELETE,
            false,
            format!("/api/v1/content/media/{MODULE}"),
            vec![Author, Admin],
        ),
        (
            Method::GET,
            false,
            format!("/leren/media/{MODULE}"),
            members.clone(),
        ),
        (
            Method::POST,
            true,
            "/api/v1/content/media".into(),
            vec![Operator],
        ),
        (
            Method::GET,
            false,
            "/api/v1/content/paths".into(),
            vec![Author, Admin],
        ),
        (
            Method::POST,
            false,
            "/api/v1/content/paths".into(),
            vec![Author, Admin],
        ),
        (
            Method::PUT,
            false,
            format!("/api/v1/content/paths/{MODULE}"),
            vec![Author, Admin],
        ),
        (
            Method::POST,
            true,
            "/api/v1/content/paths".into(),
            vec![Operator],
        ),
        (
            Method::GET,
            false,
            "/api/v1/catalog/paths".into(),
            members.clone(),
        ),
        (
            Method::GET,
            false,
            format!("/api/v1/catalog/paths/{MODULE}"),
            members.clone(),
        ),
        (
            Method::GET,
            false,
            format!("/leren/trajecten/{MODULE}"),
            members.clone(),
        ),
        (
            Method::POST,
            false,
            format!("/leren/trajecten/{MODULE}/overnemen"),
            vec![Author, Admin],
        ),
        (
            Method::GET,
            false,
            format!("/leren/beheer/trajecten/{MODULE}"),
            vec![Author, Admin],
        ),
        (
            Method::POST,
            false,
            format!("/leren/beheer/trajecten/{MODULE}"),
            vec![Author, Admin],
        ),
        (
            Method::POST,
            false,
            format!("/leren/beheer/trajecten/{MODULE}/accepteren"),
            vec![Author, Admin],
        ),
        (
            Method::GET,
            false,
            "/api/v1/content/path-adoptions".into(),
            vec![Author, Admin],
        ),
        (
            Method::POST,
            false,
            "/api/v1/learning/enrolments".into(),
            vec![Teacher, Admin],
        ),
        (
            Method::GET,
            false,
            "/api/v1/learning/enrolments/mine".into(),
            members.clone(),
        ),
        (
            Method::POST,
            false,
            format!("/api/v1/learning/enrolments/{MODULE}/blocks/{MODULE}/done"),
            members.clone(),
        ),
        (
            Method::POST,
            false,
            format!("/api/v1/learning/enrolments/{MODULE}/attempts"),
            members.clone(),
        ),
        (
            Method::GET,
            true,
            "/api/v1/learning/enrolments/mine".into(),
            vec![],
        ),
        (
            Method::POST,
            false,
            format!("/api/v1/learning/modules/{MODULE}/move-enrolments"),
            vec![Admin],
        ),
        (
            Method::PUT,
            false,
            format!("/api/v1/learning/modules/{MODULE}/self-enrolment"),
            vec![Admin],
        ),
        (
            Method::POST,
            false,
            format!("/leren/modules/{MODULE}/inschrijven"),
            members.clone(),
        ),
        (
            Method::POST,
            false,
            format!("/leren/inschrijvingen/{MODULE}/blokken/{MODULE}/klaar"),
            members.clone(),
        ),
        (
            Method::POST,
            false,
            format!("/leren/inschrijvingen/{MODULE}/toetsen/{MODULE}"),
            members.clone(),
        ),
        (
            Method::GET,
            false,
            "/api/v1/learning/proofs/mine".into(),
            members.clone(),
        ),
        (
            Method::GET,
            false,
            "/api/v1/learning/groups".into(),
            vec![Teacher, Admin],
        ),
        (
            Method::POST,
            false,
            "/api/v1/learning/groups".into(),
            vec![Admin],
        ),
        (
            Method::PUT,
            false,
            format!("/api/v1/learning/groups/{MODULE}/members/{MODULE}"),
            vec![Admin],
        ),
        (
            Method::DELETE,
            false,
            format!("/api/v1/learning/groups/{MODULE}/members/{MODULE}"),
            vec![Admin],
        ),
        (
            Method::POST,
            false,
            format!("/api/v1/learning/groups/{MODULE}/enrolments"),
            vec![Teacher, Admin],
        ),
        (
            Method::GET,
            false,
            format!("/api/v1/learning/groups/{MODULE}/progress"),
            vec![Teacher, Admin],
        ),
        (
            Method::GET,
            false,
            "/api/v1/learning/passport".into(),
            members.clone(),
        ),
        (
            Method::GET,
            false,
            "/api/v1/learning/expiring".into(),
            vec![Teacher, Admin],
        ),
        (
            Method::GET,
            false,
            "/api/v1/learning/overview".into(),
            vec![Admin],
        ),
        (Method::GET, false, "/leren/overzicht".into(), vec![Admin]),
        (
            Method::GET,
            false,
            "/leren/groepen".into(),
            vec![Teacher, Admin],
        ),
        (Method::POST, false, "/leren/groepen".into(), vec![Admin]),
        (
            Method::GET,
            false,
            format!("/leren/groepen/{MODULE}"),
            vec![Teacher, Admin],
        ),
        (
            Method::POST,
            false,
            format!("/leren/groepen/{MODULE}/leden"),
            vec![Admin],
        ),
        (
            Method::POST,
            false,
            format!("/leren/groepen/{MODULE}/leden/{MODULE}/verwijderen"),
            vec![Admin],
        ),
        (
            Method::POST,
            false,
            format!("/leren/groepen/{MODULE}/inschrijven"),
            vec![Teacher, Admin],
        ),
        (
            Method::GET,
            true,
            "/api/v1/learning/platform-overview".into(),
            vec![Operator],
        ),
        (
            Method::GET,
            false,
            "/leren/paspoort".into(),
            members.clone(),
        ),
        (
            Method::GET,
            false,
            "/leren/paspoort.csv".into(),
            members.clone(),
        ),
        (
            Method::POST,
            false,
            format!("/api/v1/learning/proofs/{MODULE}/revoke"),
            vec![Admin],
        ),
        (
            Method::GET,
            false,
            format!("/leren/bewijzen/{MODULE}"),
            members.clone(),
        ),
        (
            Method::GET,
            false,
            format!("/leren/bewijzen/{MODULE}/pdf"),
            members.clone(),
        ),
        (
            Method::PUT,
            false,
            format!("/api/v1/content/path-adoptions/{MODULE}"),
            vec![Author, Admin],
        ),
        (
            Method::DELETE,
            false,
            format!("/api/v1/content/path-adoptions/{MODULE}"),
            vec![Author, Admin],
        ),
        (
            Method::POST,
            false,
            format!("/api/v1/content/path-adoptions/{MODULE}/accept"),
            vec![Author, Admin],
        ),
        (
            Method::GET,
            false,
            "/leren/auteur/trajecten".into(),
            vec![Author, Admin],
        ),
        (
            Method::GET,
            false,
            "/leren/voorstellen".into(),
            members.clone(),
        ),
        (
            Method::GET,
            false,
            "/leren/inzendingen".into(),
            members.clone(),
        ),
        (Method::GET, true, "/leren/redactie".into(), vec![Operator]),
        (
            Method::GET,
            false,
            format!("/leren/beheer/overnames/{MODULE}"),
            vec![Author, Admin],
        ),
        (
            Method::GET,
            true,
            "/api/v1/content/modules".into(),
            vec![Operator],
        ),
        (
            Method::POST,
            true,
            "/api/v1/content/modules".into(),
            vec![Operator],
        ),
        (
            Method::PUT,
            true,
            format!("/api/v1/content/modules/{MODULE}"),
            vec![Operator],
        ),
        (
            Method::POST,
            true,
            format!("/api/v1/content/modules/{MODULE}/publish"),
            vec![Operator],
        ),
        (
            Method::GET,
            false,
            "/api/v1/users".into(),
            vec![Teacher, Admin],
        ),
        (
            Method::GET,
            false,
            format!("/api/v1/users/{user_id}"),
            vec![Teacher, Admin],
        ),
        (Method::POST, false, "/api/v1/users".into(), vec![Admin]),
        (
            Method::POST,
            false,
            "/api/v1/users/bulk".into(),
            vec![Admin],
        ),
        (
            Method::PUT,
            false,
            format!("/api/v1/users/{user_id}/roles"),
            vec![Admin],
        ),
        (
            Method::POST,
            false,
            format!("/api/v1/users/{user_id}/unblock"),
            vec![Admin],
        ),
        (
            Method::POST,
            false,
            format!("/beheer/gebruikers/{user_id}/deblokkeren"),
            vec![Admin],
        ),
        (
            Method::DELETE,
            false,
            format!("/api/v1/users/{user_id}/invitation"),
            vec![Admin],
        ),
        (
            Method::POST,
            false,
            format!("/beheer/gebruikers/{user_id}/uitnodiging-intrekken"),
            vec![Admin],
        ),
        (
            Method::GET,
            false,
            format!("/api/v1/users/{user_id}/tokens"),
            vec![Admin],
        ),
        (
            Method::DELETE,
            false,
            format!("/api/v1/users/{user_id}/tokens/{MODULE}"),
            vec![Admin],
        ),
        (
            Method::POST,
            false,
            format!("/beheer/gebruikers/{user_id}/sleutels/{MODULE}/intrekken"),
            vec![Admin],
        ),
        (
            Method::GET,
            false,
            "/api/v1/me/tokens".into(),
            members.clone(),
        ),
        (
            Method::GET,
            false,
            "/api/v1/learning/people".into(),
            vec![Teacher, Admin],
        ),
        (
            Method::GET,
            false,
            "/leren/mensen.csv".into(),
            vec![Teacher, Admin],
        ),
        (
            Method::GET,
            false,
            "/leren/mensen.xlsx".into(),
            vec![Teacher, Admin],
        ),
        (
            Method::GET,
            true,
            "/api/v1/me/tokens".into(),
            vec![Operator],
        ),
        (
            Method::DELETE,
            false,
            format!("/api/v1/me/tokens/{MODULE}"),
            members.clone(),
        ),
        (Method::GET, false, "/mijn-account".into(), members.clone()),
        (Method::GET, true, "/mijn-account".into(), vec![Operator]),
        (
            Method::POST,
            false,
            format!("/mijn-account/sleutels/{MODULE}/intrekken"),
            members.clone(),
        ),
        (Method::GET, false, "/api/v1/branding".into(), vec![Admin]),
        (Method::PUT, false, "/api/v1/branding".into(), vec![Admin]),
        (
            Method::PUT,
            false,
            "/api/v1/branding/logo".into(),
            vec![Admin],
        ),
        (
            Method::GET,
            false,
            "/api/v1/billing/plan".into(),
            vec![Admin],
        ),
        (
            Method::GET,
            false,
            "/api/v1/billing/subscription".into(),
            vec![Admin],
        ),
        (
            Method::POST,
            false,
            "/api/v1/billing/checkout".into(),
            vec![Admin],
        ),
        (
            Method::POST,
            false,
            "/api/v1/billing/checkout/complete".into(),
            vec![Admin],
        ),
        (Method::GET, false, "/abonnement".into(), vec![Admin]),
        (
            Method::GET,
            false,
            "/api/v1/billing/headcount-preview?employee_count=10".into(),
            vec![Admin],
        ),
        (
            Method::PUT,
            false,
            "/api/v1/billing/headcount".into(),
            vec![Admin],
        ),
        (
            Method::POST,
            false,
            "/api/v1/billing/payment-method".into(),
            vec![Admin],
        ),
        (
            Method::GET,
            false,
            "/abonnement/medewerkers?aantal=10".into(),
            vec![Admin],
        ),
        (
            Method::POST,
            false,
            "/abonnement/medewerkers".into(),
            vec![Admin],
        ),
        (
            Method::POST,
            false,
            "/abonnement/betaalmethode".into(),
            vec![Admin],
        ),
        (Method::POST, false, "/abonnement".into(), vec![Admin]),
        (
            Method::POST,
            false,
            "/abonnement/betaald".into(),
            vec![Admin],
        ),
        (
            Method::GET,
            true,
            "/api/v1/billing/members".into(),
            vec![Operator],
        ),
        (
            Method::GET,
            true,
            "/console/abonnementen".into(),
            vec![Operator],
        ),
        (
            Method::GET,
            true,
            "/console/abonnementen/zzz-none".into(),
            vec![Operator],
        ),
        (
            Method::POST,
            true,
            "/console/abonnementen/zzz-none".into(),
            vec![Operator],
        ),
        (
            Method::GET,
            true,
            "/api/v1/billing/members.csv".into(),
            vec![Operator],
        ),
        (
            Method::PUT,
            true,
            "/api/v1/billing/members/zzz-none/manual-plan".into(),
            vec![Operator],
        ),
        (
            Method::PUT,
            true,
            "/api/v1/billing/tiers/1".into(),
            vec![Operator],
        ),
        (
            Method::POST,
            true,
            "/api/v1/billing/catalogue/sync".into(),
            vec![Operator],
        ),
        (Method::GET, false, "/beheer".into(), vec![Teacher, Admin]),
        (Method::POST, false, "/beheer".into(), vec![Admin]),
        (
            Method::GET,
            false,
            format!("/beheer/gebruikers/{user_id}"),
            vec![Teacher, Admin],
        ),
        (
            Method::POST,
            false,
            "/beheer/gebruikers/bulk".into(),
            vec![Admin],
        ),
        (
            Method::POST,
            false,
            format!("/beheer/gebruikers/{user_id}/uitnodiging-opnieuw"),
            vec![Admin],
        ),
        (
            Method::POST,
            false,
            format!("/beheer/gebruikers/{user_id}/rollen"),
            vec![Admin],
        ),
        (
            Method::GET,
            false,
            "/api/v1/learning/departments".into(),
            vec![Teacher, Admin],
        ),
        (
            Method::POST,
            false,
            "/api/v1/learning/departments/enrolments".into(),
            vec![Admin],
        ),
        (
            Method::GET,
            false,
            format!("/leren/modules/{MODULE}/inschrijvingen"),
            vec![Teacher, Admin],
        ),
        (
            Method::POST,
            false,
            format!("/leren/modules/{MODULE}/inschrijvingen"),
            vec![Teacher, Admin],
        ),
        (
            Method::POST,
            false,
            format!("/leren/modules/{MODULE}/inschrijvingen/verplaatsen"),
            vec![Admin],
        ),
        (
            Method::GET,
            false,
            "/api/v1/learning/proofs".into(),
            vec![Admin],
        ),
        (Method::GET, false, "/leren/bewijzen".into(), vec![Admin]),
        (
            Method::POST,
            false,
            format!("/leren/bewijzen/{MODULE}/intrekken"),
            vec![Admin],
        ),
        (
            Method::GET,
            true,
            "/leren/platformoverzicht".into(),
            vec![Operator],
        ),
        (
            Method::GET,
            true,
            "/leren/platformoverzicht.csv".into(),
            vec![Operator],
        ),
        (
            Method::POST,
            false,
            "/api/v1/learning/path-enrolments".into(),
            vec![Teacher, Admin],
        ),
        (
            Method::GET,
            false,
            "/api/v1/learning/path-enrolments/mine".into(),
            members.clone(),
        ),
        (
            Method::GET,
            false,
            format!("/leren/trajecten/{MODULE}/inschrijvingen"),
            vec![Teacher, Admin],
        ),
        (
            Method::POST,
            false,
            format!("/leren/trajecten/{MODULE}/inschrijvingen"),
            vec![Teacher, Admin],
        ),
        (Method::GET, false, "/api/v1/imports".into(), vec![Admin]),
        (Method::POST, false, "/api/v1/imports".into(), vec![Admin]),
        (
            Method::GET,
            false,
            format!("/api/v1/imports/{MODULE}"),
            vec![Admin],
        ),
        (
            Method::POST,
            false,
            format!("/api/v1/imports/{MODULE}/start"),
            vec![Admin],
        ),
        (
            Method::DELETE,
            false,
            format!("/api/v1/imports/{MODULE}"),
            vec![Admin],
        ),
        (Method::GET, false, "/beheer/import".into(), vec![Admin]),
        (Method::POST, false, "/beheer/import".into(), vec![Admin]),
        (
            Method::GET,
            false,
            format!("/beheer/import/{MODULE}"),
            vec![Admin],
        ),
        (
            Method::POST,
            false,
            format!("/beheer/import/{MODULE}/starten"),
            vec![Admin],
        ),
        (
            Method::POST,
            false,
            format!("/beheer/import/{MODULE}/weggooien"),
            vec![Admin],
        ),
        (
            Method::GET,
            false,
            format!("/beheer/import/{MODULE}/rapport.csv"),
            vec![Admin],
        ),
        (Method::GET, false, "/beheer/huisstijl".into(), vec![Admin]),
        (
            Method::POST,
            false,
            "/beheer/huisstijl/afbeelding/verwijderen".into(),
            vec![Admin],
        ),
        (
            Method::DELETE,
            false,
            "/api/v1/branding/illustration".into(),
            vec![Admin],
        ),
        (Method::POST, false, "/beheer/huisstijl".into(), vec![Admin]),
        (Method::GET, true, "/api/v1/tenants".into(), vec![Operator]),
        (Method::POST, true, "/api/v1/tenants".into(), vec![Operator]),
        (
            Method::GET,
            true,
            "/api/v1/tenants/matrix".into(),
            vec![Operator],
        ),
        (
            Method::POST,
            true,
            "/api/v1/tenants/zzz-none/suspend".into(),
            vec![Operator],
        ),
        (
            Method::POST,
            true,
            "/api/v1/tenants/zzz-none/resume".into(),
            vec![Operator],
        ),
        (
            Method::PUT,
            true,
            "/api/v1/tenants/zzz-none".into(),
            vec![Operator],
        ),
        (
            Method::GET,
            true,
            "/api/v1/tenants/matrix/overview".into(),
            vec![Operator],
        ),
        (
            Method::POST,
            true,
            "/api/v1/tenants/zzz-none/admins".into(),
            vec![Operator],
        ),
        (
            Method::POST,
            true,
            "/console/leden/zzz-none".into(),
            vec![Operator],
        ),
        (
            Method::POST,
            true,
            "/console/leden/zzz-none/beheerder".into(),
            vec![Operator],
        ),
        (
            Method::POST,
            true,
            format!("/console/leden/zzz-none/beheerder/{MODULE}/uitnodiging"),
            vec![Operator],
        ),
        (Method::GET, true, "/api/v1/outbox".into(), vec![Operator]),
        (Method::GET, true, "/console".into(), vec![Operator]),
        (Method::POST, true, "/console".into(), vec![Operator]),
        (
            Method::GET,
            true,
            "/console/leden/matrix".into(),
            vec![Operator],
        ),
        (
            Method::POST,
            true,
            "/console/leden/zzz-none/opschorten".into(),
            vec![Operator],
        ),
        (
            Method::POST,
            true,
            "/console/leden/zzz-none/hervatten".into(),
            vec![Operator],
        ),
        (Method::GET, true, "/console/outbox".into(), vec![Operator]),
    ]
}

#[tokio::test]
async fn role_matrix_route_by_route() {
    let app = App::new().await;
    let m = app.member("matrix").await;
    let target = app.user(&m, "doel@matrix.test", Role::Learner).await;
    let mut sessions = Vec::new();
    for (who, role, email) in [
        (Who::Learner, Role::Learner, "leerling@matrix.test"),
        (Who::Author, Role::Author, "auteur@matrix.test"),
        (Who::Teacher, Role::Teacher, "docent@matrix.test"),
        (Who::Reviewer, Role::Reviewer, "beoordelaar@matrix.test"),
        (Who::Admin, Role::Admin, "admin@matrix.test"),
    ] {
        app.user(&m, email, role).await;
        sessions.push((who, "matrix", app.login("matrix", email).await));
    }
    app.operator("op@nzk.test").await;
    sessions.push((Who::Operator, "", app.login("", "op@nzk.test").await));

    let mut failures = Vec::new();
    for (method, platform_side, path, allowed) in matrix(&target.to_string()) {
        let host = if platform_side { "" } else { "matrix" };
        for who in ALL {
            let mut req = app.client.request(method.clone(), host, &path);
            if let Some((_, session_host, token)) = sessions.iter().find(|(w, _, _)| *w == who) {
                // A session only exists on its own host; others are visitors elsewhere.
                if *session_host == host {
                    req = req.session(token);
                }
            }
            req = if path.starts_with("/api/") {
                if method == Method::GET {
                    req
                } else if path.ends_with("/logo") {
                    req.body("image/png", b"\x89PNG\r\n\x1a\nx".to_vec())
                } else {
                    req.json(&json!({ "roles": ["learner"], "email": "x@matrix.test", "slug": "matrix-new", "name": "N", "admin_email": "a@b.nl", "primary_color": "#1d4f91", "accent_color": "#8a3b12" }))
                }
            } else if method == Method::POST {
                req.form(&[("roles", "learner"), ("email", "y@matrix.test")])
            } else {
                req
            };
            let res = req.send().await;
            let denied = matches!(res.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
                || res.location().is_some_and(|l| l.starts_with("/inloggen"));
            let expect_allowed = allowed.contains(&who);
            if denied == expect_allowed {
                failures.push(format!(
                    "{who:?} {method} {host}{path}: {} {}",
                    res.status,
                    res.text().chars().take(120).collect::<String>()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "role matrix mismatches:\n{}",
        failures.join("\n")
    );
}
