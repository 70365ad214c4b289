//! The role matrix: for every route, which roles may use it. Allowed means the request got past
//! authorisation (any status but 401/403 and no redirect to the login page); denied means 401/403
//! (or, for pages, the login redirect for visitors).

use crate::support::*;

/// (method, on the NZK side?, path, who may).
type Row = (Method, bool, String, &'static [Who]);

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

use Who::*;

const ALL: [Who; 7] = [
    Anonymous, Learner, Author, Teacher, Reviewer, Admin, Operator,
];
/// Every role of a member.
const MEMBERS: &[Who] = &[Learner, Author, Teacher, Reviewer, Admin];
/// Who makes a member's modules and paths.
const AUTHORS: &[Who] = &[Author, Admin];
/// Who enrols and follows learners.
const STAFF: &[Who] = &[Teacher, Admin];
/// Who reviews and rates for a member.
const REVIEWERS: &[Who] = &[Reviewer, Admin];
const REVIEWER_ONLY: &[Who] = &[Reviewer];
const ADMINS: &[Who] = &[Admin];
const OPERATORS: &[Who] = &[Operator];
const NOBODY: &[Who] = &[];

const GET: Method = Method::GET;
const POST: Method = Method::POST;
const PUT: Method = Method::PUT;
const DELETE: Method = Method::DELETE;

/// A route on a member's host; `{m}` in the path stands for [`MODULE`], `{user}` for a user.
fn member(method: Method, path: &str, who: &'static [Who]) -> Row {
    (method, false, path.to_owned(), who)
}

/// A route on the NZK side (the bare base domain).
fn nzk(method: Method, path: &str, who: &'static [Who]) -> Row {
    (method, true, path.to_owned(), who)
}

/// A module id nobody has: allowed callers get 404, the others 401/403.
const MODULE: &str = "6f1c2b9e-0000-4000-8000-000000000001";

/// One row per route of the tenant, content, learning, billing and LTI services that needs a
/// permission.
fn matrix(user_id: &str) -> Vec<Row> {
    let rows = vec![
        member(GET, "/", MEMBERS),
        member(GET, "/api/v1/me", MEMBERS),
        nzk(GET, "/api/v1/me", OPERATORS),
        member(GET, "/api/v1/catalog", MEMBERS),
        member(GET, "/leren", MEMBERS),
        member(GET, "/leren/auteur", AUTHORS),
        member(POST, "/leren/auteur", AUTHORS),
        member(GET, "/leren/auteur/{m}", AUTHORS),
        member(POST, "/leren/auteur/{m}/blokken", AUTHORS),
        member(POST, "/leren/auteur/{m}/publiceren", AUTHORS),
        member(GET, "/leren/auteur/{m}/voorbeeld", AUTHORS),
        member(POST, "/leren/auteur/{m}/volgorde", AUTHORS),
        nzk(GET, "/leren/auteur", OPERATORS),
        member(GET, "/leren/beheer", AUTHORS),
        member(POST, "/leren/beheer/overnames/{m}/accepteren", AUTHORS),
        member(GET, "/leren/modules/{m}", MEMBERS),
        member(GET, "/api/v1/catalog/{m}", MEMBERS),
        member(GET, "/api/v1/content/modules", AUTHORS),
        member(POST, "/api/v1/content/modules", AUTHORS),
        member(GET, "/api/v1/content/modules/{m}", AUTHORS),
        member(PUT, "/api/v1/content/modules/{m}", AUTHORS),
        member(POST, "/api/v1/content/modules/{m}/publish", AUTHORS),
        member(GET, "/api/v1/content/modules/{m}/cartridge", AUTHORS),
        member(GET, "/api/v1/content/export", ADMINS),
        member(POST, "/api/v1/content/cartridges", AUTHORS),
        member(GET, "/api/v1/content/adoptions", AUTHORS),
        member(PUT, "/api/v1/content/adoptions/{m}", AUTHORS),
        member(DELETE, "/api/v1/content/adoptions/{m}", AUTHORS),
        member(POST, "/api/v1/content/adoptions/{m}/accept", AUTHORS),
        member(GET, "/api/v1/content/ratings/{m}", MEMBERS),
        member(PUT, "/api/v1/content/ratings/{m}", REVIEWERS),
        member(GET, "/api/v1/content/reports", MEMBERS),
        member(POST, "/api/v1/content/reports", MEMBERS),
        nzk(GET, "/api/v1/content/reports", OPERATORS),
        nzk(POST, "/api/v1/content/reports/{m}/resolve", OPERATORS),
        member(GET, "/api/v1/content/proposals", MEMBERS),
        member(POST, "/api/v1/content/proposals", AUTHORS),
        member(POST, "/api/v1/content/proposals/{m}/vote", ADMINS),
        member(DELETE, "/api/v1/content/proposals/{m}/vote", ADMINS),
        nzk(POST, "/api/v1/content/proposals/{m}/status", OPERATORS),
        member(POST, "/api/v1/content/modules/{m}/contribute", AUTHORS),
        member(GET, "/api/v1/content/candidates", MEMBERS),
        member(GET, "/api/v1/content/candidates/waiting", REVIEWER_ONLY),
        member(GET, "/api/v1/content/candidates/{m}", MEMBERS),
        member(
            POST,
            "/api/v1/content/candidates/{m}/comments",
            REVIEWER_ONLY,
        ),
        member(POST, "/api/v1/content/candidates/{m}/review", REVIEWER_ONLY),
        nzk(POST, "/api/v1/content/candidates/{m}/review", OPERATORS),
        nzk(POST, "/api/v1/content/candidates/{m}/publish", OPERATORS),
        member(POST, "/api/v1/content/media", AUTHORS),
        member(GET, "/api/v1/content/media/usage", AUTHORS),
        nzk(GET, "/api/v1/content/media/usage", OPERATORS),
        member(POST, "/api/v1/content/media/{m}/confirm", AUTHORS),
        member(DELETE, "/api/v1/content/media/{m}", AUTHORS),
        member(GET, "/leren/media/{m}", MEMBERS),
        nzk(POST, "/api/v1/content/media", OPERATORS),
        member(GET, "/api/v1/content/paths", AUTHORS),
        member(POST, "/api/v1/content/paths", AUTHORS),
        member(PUT, "/api/v1/content/paths/{m}", AUTHORS),
        nzk(POST, "/api/v1/content/paths", OPERATORS),
        member(GET, "/api/v1/catalog/paths", MEMBERS),
        member(GET, "/api/v1/catalog/paths/{m}", MEMBERS),
        member(GET, "/leren/trajecten/{m}", MEMBERS),
        member(POST, "/leren/trajecten/{m}/overnemen", AUTHORS),
        member(GET, "/leren/beheer/trajecten/{m}", AUTHORS),
        member(POST, "/leren/beheer/trajecten/{m}", AUTHORS),
        member(POST, "/leren/beheer/trajecten/{m}/accepteren", AUTHORS),
        member(GET, "/api/v1/content/path-adoptions", AUTHORS),
        member(POST, "/api/v1/learning/enrolments", STAFF),
        member(GET, "/api/v1/learning/enrolments/mine", MEMBERS),
        member(
            POST,
            "/api/v1/learning/enrolments/{m}/blocks/{m}/done",
            MEMBERS,
        ),
        member(POST, "/api/v1/learning/enrolments/{m}/attempts", MEMBERS),
        member(
            GET,
            "/api/v1/learning/enrolments/{m}/quizzes/{m}/answers",
            MEMBERS,
        ),
        member(
            PUT,
            "/api/v1/learning/enrolments/{m}/quizzes/{m}/answers",
            MEMBERS,
        ),
        member(Method::PATCH, "/api/v1/learning/enrolments/{m}", STAFF),
        member(DELETE, "/api/v1/learning/enrolments/{m}", STAFF),
        member(GET, "/api/v1/learning/people/{m}", STAFF),
        member(GET, "/leren/mensen/{m}", STAFF),
        member(POST, "/leren/mensen/{m}/inschrijven", STAFF),
        member(POST, "/leren/inschrijvingen/{m}/uiterste-datum", STAFF),
        member(GET, "/leren/inschrijvingen/{m}/uitschrijven", STAFF),
        member(POST, "/leren/inschrijvingen/{m}/uitschrijven", STAFF),
        nzk(GET, "/api/v1/learning/enrolments/mine", NOBODY),
        member(POST, "/api/v1/learning/modules/{m}/move-enrolments", ADMINS),
        member(PUT, "/api/v1/learning/modules/{m}/self-enrolment", ADMINS),
        member(POST, "/leren/modules/{m}/inschrijven", MEMBERS),
        member(POST, "/leren/inschrijvingen/{m}/blokken/{m}/klaar", MEMBERS),
        member(POST, "/leren/inschrijvingen/{m}/toetsen/{m}", MEMBERS),
        member(
            GET,
            "/leren/inschrijvingen/{m}/toetsen/{m}/pagina/1",
            MEMBERS,
        ),
        member(
            POST,
            "/leren/inschrijvingen/{m}/toetsen/{m}/pagina/1",
            MEMBERS,
        ),
        member(GET, "/leren/inschrijvingen/{m}/pakket/{m}", MEMBERS),
        member(GET, "/api/v1/learning/proofs/mine", MEMBERS),
        member(GET, "/api/v1/learning/groups", STAFF),
        member(POST, "/api/v1/learning/groups", ADMINS),
        member(PUT, "/api/v1/learning/groups/{m}/members/{m}", ADMINS),
        member(DELETE, "/api/v1/learning/groups/{m}/members/{m}", ADMINS),
        member(POST, "/api/v1/learning/groups/{m}/enrolments", STAFF),
        member(GET, "/api/v1/learning/groups/{m}/progress", STAFF),
        member(GET, "/api/v1/learning/passport", MEMBERS),
        member(GET, "/api/v1/learning/expiring", STAFF),
        member(GET, "/api/v1/learning/overview", ADMINS),
        member(GET, "/leren/overzicht", ADMINS),
        member(GET, "/leren/groepen", STAFF),
        member(POST, "/leren/groepen", ADMINS),
        member(GET, "/leren/groepen/{m}", STAFF),
        member(POST, "/leren/groepen/{m}/leden", ADMINS),
        member(POST, "/leren/groepen/{m}/leden/{m}/verwijderen", ADMINS),
        member(POST, "/leren/groepen/{m}/inschrijven", STAFF),
        nzk(GET, "/api/v1/learning/platform-overview", OPERATORS),
        member(GET, "/leren/paspoort", MEMBERS),
        member(GET, "/leren/paspoort.csv", MEMBERS),
        member(POST, "/api/v1/learning/proofs/{m}/revoke", ADMINS),
        member(GET, "/leren/bewijzen/{m}", MEMBERS),
        member(GET, "/leren/bewijzen/{m}/pdf", MEMBERS),
        member(PUT, "/api/v1/content/path-adoptions/{m}", AUTHORS),
        member(DELETE, "/api/v1/content/path-adoptions/{m}", AUTHORS),
        member(POST, "/api/v1/content/path-adoptions/{m}/accept", AUTHORS),
        member(GET, "/leren/auteur/trajecten", AUTHORS),
        member(GET, "/leren/voorstellen", MEMBERS),
        member(GET, "/leren/inzendingen", MEMBERS),
        nzk(GET, "/leren/redactie", OPERATORS),
        member(GET, "/leren/beheer/overnames/{m}", AUTHORS),
        nzk(GET, "/api/v1/content/modules", OPERATORS),
        nzk(POST, "/api/v1/content/modules", OPERATORS),
        nzk(PUT, "/api/v1/content/modules/{m}", OPERATORS),
        nzk(POST, "/api/v1/content/modules/{m}/publish", OPERATORS),
        member(GET, "/api/v1/users", STAFF),
        member(GET, "/api/v1/users/{user}", STAFF),
        member(POST, "/api/v1/users", ADMINS),
        member(POST, "/api/v1/users/bulk", ADMINS),
        member(PUT, "/api/v1/users/{user}/roles", ADMINS),
        member(POST, "/api/v1/users/{user}/unblock", ADMINS),
        member(POST, "/beheer/gebruikers/{user}/deblokkeren", ADMINS),
        member(DELETE, "/api/v1/users/{user}/invitation", ADMINS),
        member(
            POST,
            "/beheer/gebruikers/{user}/uitnodiging-intrekken",
            ADMINS,
        ),
        member(GET, "/api/v1/users/{user}/tokens", ADMINS),
        member(DELETE, "/api/v1/users/{user}/tokens/{m}", ADMINS),
        member(
            POST,
            "/beheer/gebruikers/{user}/sleutels/{m}/intrekken",
            ADMINS,
        ),
        member(GET, "/api/v1/me/tokens", MEMBERS),
        nzk(GET, "/api/v1/me/tokens", OPERATORS),
        member(DELETE, "/api/v1/me/tokens/{m}", MEMBERS),
        member(GET, "/mijn-account", MEMBERS),
        member(GET, "/api/v1/learning/people", STAFF),
        member(GET, "/api/v1/learning/people-search", STAFF),
        member(GET, "/leren/mensen.csv", STAFF),
        member(GET, "/leren/mensen.xlsx", STAFF),
        nzk(GET, "/mijn-account", OPERATORS),
        member(POST, "/mijn-account/sleutels/{m}/intrekken", MEMBERS),
        member(GET, "/api/v1/branding", ADMINS),
        member(PUT, "/api/v1/branding", ADMINS),
        member(PUT, "/api/v1/branding/logo", ADMINS),
        member(GET, "/api/v1/billing/plan", ADMINS),
        member(GET, "/api/v1/billing/subscription", ADMINS),
        member(POST, "/api/v1/billing/checkout", ADMINS),
        member(POST, "/api/v1/billing/checkout/complete", ADMINS),
        member(GET, "/abonnement", ADMINS),
        member(
            GET,
            "/api/v1/billing/headcount-preview?employee_count=10",
            ADMINS,
        ),
        member(PUT, "/api/v1/billing/headcount", ADMINS),
        member(POST, "/api/v1/billing/payment-method", ADMINS),
        member(GET, "/abonnement/medewerkers?aantal=10", ADMINS),
        member(POST, "/abonnement/medewerkers", ADMINS),
        member(POST, "/abonnement/betaalmethode", ADMINS),
        member(POST, "/abonnement", ADMINS),
        member(POST, "/abonnement/betaald", ADMINS),
        member(GET, "/abonnement/betalen", ADMINS),
        member(POST, "/abonnement/nu-betalen", ADMINS),
        nzk(GET, "/api/v1/billing/members", OPERATORS),
        nzk(GET, "/console/abonnementen", OPERATORS),
        nzk(GET, "/console/abonnementen/zzz-none", OPERATORS),
        nzk(POST, "/console/abonnementen/zzz-none", OPERATORS),
        nzk(GET, "/api/v1/billing/members.csv", OPERATORS),
        nzk(
            PUT,
            "/api/v1/billing/members/zzz-none/manual-plan",
            OPERATORS,
        ),
        nzk(PUT, "/api/v1/billing/tiers/1", OPERATORS),
        nzk(POST, "/api/v1/billing/catalogue/sync", OPERATORS),
        member(GET, "/beheer", STAFF),
        member(POST, "/beheer", ADMINS),
        member(GET, "/beheer/gebruikers/{user}", STAFF),
        member(POST, "/beheer/gebruikers/bulk", ADMINS),
        member(
            POST,
            "/beheer/gebruikers/{user}/uitnodiging-opnieuw",
            ADMINS,
        ),
        member(POST, "/beheer/gebruikers/{user}/rollen", ADMINS),
        member(GET, "/api/v1/learning/departments", STAFF),
        member(POST, "/api/v1/learning/departments/enrolments", ADMINS),
        member(GET, "/leren/modules/{m}/inschrijvingen", STAFF),
        member(POST, "/leren/modules/{m}/inschrijvingen", STAFF),
        member(
            POST,
            "/leren/modules/{m}/inschrijvingen/verplaatsen",
            ADMINS,
        ),
        member(POST, "/leren/modules/{m}/zelf-inschrijven", ADMINS),
        member(GET, "/api/v1/learning/proofs", ADMINS),
        member(GET, "/leren/bewijzen", ADMINS),
        member(POST, "/leren/bewijzen/{m}/intrekken", ADMINS),
        nzk(GET, "/leren/platformoverzicht", OPERATORS),
        nzk(GET, "/leren/platformoverzicht.csv", OPERATORS),
        member(POST, "/api/v1/learning/path-enrolments", STAFF),
        member(GET, "/api/v1/learning/path-enrolments/mine", MEMBERS),
        member(GET, "/leren/trajecten/{m}/inschrijvingen", STAFF),
        member(POST, "/leren/trajecten/{m}/inschrijvingen", STAFF),
        member(GET, "/api/v1/imports", ADMINS),
        member(POST, "/api/v1/imports", ADMINS),
        member(GET, "/api/v1/imports/{m}", ADMINS),
        member(POST, "/api/v1/imports/{m}/start", ADMINS),
        member(DELETE, "/api/v1/imports/{m}", ADMINS),
        member(GET, "/beheer/import", ADMINS),
        member(POST, "/beheer/import", ADMINS),
        member(GET, "/beheer/import/{m}", ADMINS),
        member(POST, "/beheer/import/{m}/starten", ADMINS),
        member(POST, "/beheer/import/{m}/weggooien", ADMINS),
        member(GET, "/beheer/import/{m}/rapport.csv", ADMINS),
        member(GET, "/beheer/huisstijl", ADMINS),
        member(POST, "/beheer/huisstijl/afbeelding/verwijderen", ADMINS),
        member(DELETE, "/api/v1/branding/illustration", ADMINS),
        member(POST, "/beheer/huisstijl", ADMINS),
        member(GET, "/beheer/lms", ADMINS),
        member(POST, "/beheer/lms", ADMINS),
        member(POST, "/beheer/lms/{m}/uitschakelen", ADMINS),
        member(POST, "/beheer/lms/{m}/inschakelen", ADMINS),
        member(GET, "/api/v1/lti/registrations", ADMINS),
        member(POST, "/api/v1/lti/registrations", ADMINS),
        member(GET, "/api/v1/lti/registrations/{m}", ADMINS),
        member(POST, "/api/v1/lti/registrations/{m}/disable", ADMINS),
        member(POST, "/api/v1/lti/registrations/{m}/enable", ADMINS),
        member(POST, "/api/v1/lti/registrations/{m}/rotate-key", ADMINS),
        member(GET, "/api/v1/lti/launches", ADMINS),
        member(POST, "/beheer/lms/registratielink", ADMINS),
        member(POST, "/beheer/lms/cursussen/{m}/synchroniseren", ADMINS),
        member(POST, "/api/v1/lti/registration-links", ADMINS),
        member(GET, "/api/v1/lti/grades", ADMINS),
        member(GET, "/api/v1/lti/rosters", ADMINS),
        member(POST, "/api/v1/lti/rosters/{m}/sync", ADMINS),
        member(PUT, "/api/v1/lti/rosters/{m}/daily", ADMINS),
        member(GET, "/api/v1/lti/rosters/{m}/members", ADMINS),
        member(GET, "/lti/kiezen/{m}", MEMBERS),
        member(POST, "/lti/kiezen/{m}", MEMBERS),
        nzk(GET, "/api/v1/tenants", OPERATORS),
        nzk(POST, "/api/v1/tenants", OPERATORS),
        nzk(GET, "/api/v1/tenants/matrix", OPERATORS),
        nzk(POST, "/api/v1/tenants/zzz-none/suspend", OPERATORS),
        nzk(POST, "/api/v1/tenants/zzz-none/resume", OPERATORS),
        nzk(PUT, "/api/v1/tenants/zzz-none", OPERATORS),
        nzk(GET, "/api/v1/tenants/matrix/overview", OPERATORS),
        nzk(POST, "/api/v1/tenants/zzz-none/admins", OPERATORS),
        nzk(POST, "/console/leden/zzz-none", OPERATORS),
        nzk(POST, "/console/leden/zzz-none/beheerder", OPERATORS),
        nzk(
            POST,
            "/console/leden/zzz-none/beheerder/{m}/uitnodiging",
            OPERATORS,
        ),
        nzk(GET, "/api/v1/outbox", OPERATORS),
        nzk(GET, "/console", OPERATORS),
        nzk(POST, "/console", OPERATORS),
        nzk(GET, "/console/leden/matrix", OPERATORS),
        nzk(POST, "/console/leden/zzz-none/opschorten", OPERATORS),
        nzk(POST, "/console/leden/zzz-none/hervatten", OPERATORS),
        nzk(GET, "/console/outbox", OPERATORS),
    ];
    rows.into_iter()
        .map(|(method, nzk, path, who)| {
            (
                method,
                nzk,
                path.replace("{m}", MODULE).replace("{user}", user_id),
                who,
            )
        })
        .collect()
}

#[tokio::test]
async fn role_matrix_route_by_route() {
    let app = app().await;
    let m = app.member("matrix").await;
    let target = m.user("doel@matrix.test", Role::Learner).await.id;
    let mut sessions = Vec::new();
    for (who, role, email) in [
        (Who::Learner, Role::Learner, "leerling@matrix.test"),
        (Who::Author, Role::Author, "auteur@matrix.test"),
        (Who::Teacher, Role::Teacher, "docent@matrix.test"),
        (Who::Reviewer, Role::Reviewer, "beoordelaar@matrix.test"),
        (Who::Admin, Role::Admin, "admin@matrix.test"),
    ] {
        let session = m.user(email, role).await.login().await;
        sessions.push((who, "matrix", session.cookie));
    }
    let operator = app.operator("op@nzk.test").await.login().await;
    sessions.push((Who::Operator, "", operator.cookie));

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
