//! Staff import from a CSV file, through HTTP: a preview that writes nothing, a background job
//! that applies every row fully or reports why not (also when something changes between the
//! preview and the start), the files Excel writes, a re-import that changes nothing, the pages,
//! and that another member can't see or start an import.

use crate::content::{publish, setup};
use http::StatusCode;
use serde_json::{json, Value};
use zk_kernel::authz::Role;
use zk_test_support::http::csrf_for_session;

fn module(title: &str) -> Value {
    json!({"title": title, "minutes": 10, "blocks": [{"type": "text", "markdown": "Lees dit."}]})
}

async fn group(app: &crate::support::App, token: &str, name: &str) -> String {
    let res = app
        .client
        .post("zorg-a", "/api/v1/learning/groups")
        .bearer(token)
        .json(&json!({"name": name}))
        .send()
        .await;
    res.assert_status(StatusCode::CREATED);
    res.json()["id"].as_str().unwrap().to_owned()
}

async fn preview(app: &crate::support::App, token: &str, file: &[u8]) -> Value {
    let res = app
        .client
        .post("zorg-a", "/api/v1/imports?file_name=personeel.csv")
        .bearer(token)
        .body("text/csv", file.to_vec())
        .send()
        .await;
    res.assert_status(StatusCode::CREATED);
    res.json()
}

/// Starts an import and waits for the background job to finish it.
async fn run(app: &crate::support::App, token: &str, id: &str) -> Value {
    let res = app
        .client
        .post("zorg-a", &format!("/api/v1/imports/{id}/start"))
        .bearer(token)
        .send()
        .await;
    res.assert_status(StatusCode::ACCEPTED);
    for _ in 0..200 {
        let now = app
            .client
            .get("zorg-a", &format!("/api/v1/imports/{id}?rows=all"))
            .bearer(token)
            .send()
            .await
            .json();
        if now["status"] == "done" {
            return now;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the import did not finish");
}

fn line(view: &Value, n: i64) -> &Value {
    view["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["line"] == n)
        .unwrap_or_else(|| panic!("line {n} in {view}"))
}

async fn scalar<T>(app: &crate::support::App, sql: &str) -> T
where
    T: Send + Unpin + for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    let mut conn = app.db.owner().await.unwrap();
    sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
}

/// What Excel on a Dutch Windows writes ("CSV UTF-8"): a BOM, semicolons, CRLF.
const FILE: &str = "\u{feff}Naam;E-mail;Afdeling;Groepen;Modules\r\n\
Anna de Vries;Anna@Zorg-A.test;De Linde;Afdeling De Linde;Valpreventie\r\n\
Bram Bos;bram@zorg-a.test;Nacht;Afdeling De Linde|Nachtdienst;\r\n\
Fout Adres;geen-adres;;;\r\n\
Anna Dubbel;anna@zorg-a.test;;;\r\n\
Onbekende Groep;og@zorg-a.test;;Bestaat niet;\r\n\
Onbekende Module;om@zorg-a.test;;;Bestaat niet\r\n\
Bestaande Leerling;leerling@zorg-a.test;Thuiszorg;;Valpreventie\r\n\
;zonder-naam@zorg-a.test;;;\r\n";

#[tokio::test]
async fn a_staff_file_is_previewed_then_every_row_is_applied_fully_or_reported() {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    app.user(&s.a, "beheer@zorg-a.test", Role::Admin).await;
    app.user(&s.b, "beheer@zorg-b.test", Role::Admin).await;
    let admin = app.token(&s.a, "beheer@zorg-a.test").await;
    let b_admin = app.token(&s.b, "beheer@zorg-b.test").await;
    let (valpreventie, _) = publish(app, "", &s.operator, &module("Valpreventie")).await;
    let linde = group(app, &admin, "Afdeling De Linde").await;
    group(app, &admin, "Nachtdienst").await;

    // The preview checks every row and writes no account, membership or enrolment.
    let (users, mails) = (
        app.count("tenant.users").await,
        app.count("tenant.outbox").await,
    );
    let p = preview(app, &admin, FILE.as_bytes()).await;
    assert_eq!(p["status"], "preview");
    assert_eq!(p["encoding"], "utf-8");
    assert_eq!(
        (
            &p["total"],
            &p["new_accounts"],
            &p["existing_accounts"],
            &p["problems"]
        ),
        (&json!(8), &json!(2), &json!(1), &json!(5)),
        "{p}"
    );
    let id = p["id"].as_str().unwrap().to_owned();
    assert_eq!(app.count("tenant.users").await, users);
    assert_eq!(app.count("tenant.outbox").await, mails);
    assert_eq!(app.count("content.group_members").await, 0);
    let view = c
        .get("zorg-a", &format!("/api/v1/imports/{id}"))
        .bearer(&admin)
        .send()
        .await
        .json();
    let codes: Vec<(i64, &str)> = view["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["line"].as_i64().unwrap(), l["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        codes,
        vec![
            (4, "invalid_email"),
            (5, "duplicate_email"),
            (6, "unknown_group"),
            (7, "unknown_module"),
            (9, "name_required")
        ]
    );
    assert!(line(&view, 5)["message"]
        .as_str()
        .unwrap()
        .contains("regel 2"));

    // Another member neither sees nor starts it; a learner may not import at all.
    for (method, path) in [
        ("get", format!("/api/v1/imports/{id}")),
        ("post", format!("/api/v1/imports/{id}/start")),
        ("delete", format!("/api/v1/imports/{id}")),
        ("get", format!("/beheer/import/{id}/rapport.csv")),
    ] {
        let req = match method {
            "get" => c.get("zorg-b", &path),
            "post" => c.post("zorg-b", &path),
            _ => c.request(http::Method::DELETE, "zorg-b", &path),
        };
        req.bearer(&b_admin)
            .send()
            .await
            .assert_status(StatusCode::NOT_FOUND);
    }
    assert!(c
        .get("zorg-b", "/api/v1/imports")
        .bearer(&b_admin)
        .send()
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .is_empty());
    c.post("zorg-a", "/api/v1/imports")
        .bearer(&s.a_learner)
        .body("text/csv", FILE)
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);

    // Between preview and start the group "Nachtdienst" goes: Bram's row then fails halfway
    // (after his account was made) and leaves nothing of itself behind.
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query("DELETE FROM content.groups WHERE name = 'Nachtdienst'")
        .execute(&mut owner)
        .await
        .unwrap();
    let done = run(app, &admin, &id).await;
    assert_eq!(
        (
            &done["created"],
            &done["updated"],
            &done["unchanged"],
            &done["failed"]
        ),
        (&json!(1), &json!(1), &json!(0), &json!(6)),
        "{done}"
    );
    assert_eq!(line(&done, 2)["outcome"], "created");
    assert_eq!(line(&done, 3)["outcome"], "failed");
    assert_eq!(line(&done, 3)["code"], "unknown_group");
    assert_eq!(line(&done, 4)["outcome"], "skipped");
    assert_eq!(line(&done, 8)["outcome"], "updated");
    assert_eq!(
        scalar::<i64>(
            app,
            "SELECT count(*) FROM tenant.users WHERE email = 'bram@zorg-a.test'"
        )
        .await,
        0
    );
    assert_eq!(
        scalar::<i64>(app, "SELECT count(*) FROM tenant.invites i JOIN tenant.users u ON u.id = i.user_id WHERE u.email LIKE 'bram%'").await,
        0
    );

    // Exactly what the report says: Anna's account with name and department, the learner role,
    // her group, her enrolment and her invitation; the existing learner's department and
    // enrolment, and no invitation for them.
    let anna: (String, String, String) = {
        let mut conn = app.db.owner().await.unwrap();
        sqlx::query_as("SELECT display_name, department, status FROM tenant.users WHERE email = 'anna@zorg-a.test'")
            .fetch_one(&mut conn)
            .await
            .unwrap()
    };
    assert_eq!(
        anna,
        ("Anna de Vries".into(), "De Linde".into(), "invited".into())
    );
    let users_page = c
        .get("zorg-a", "/api/v1/users")
        .bearer(&admin)
        .send()
        .await
        .json();
    let anna_view = users_page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "anna@zorg-a.test")
        .unwrap()
        .clone();
    assert_eq!(anna_view["roles"], json!(["learner"]));
    assert_eq!(anna_view["department"], "De Linde");
    let members = c
        .get(
            "zorg-a",
            &format!("/api/v1/learning/groups/{linde}/progress"),
        )
        .bearer(&admin)
        .send()
        .await
        .text();
    assert!(
        members.contains(anna_view["id"].as_str().unwrap()),
        "{members}"
    );
    assert_eq!(
        scalar::<i64>(
            app,
            &format!("SELECT count(*) FROM content.enrolments WHERE module_id = '{valpreventie}'")
        )
        .await,
        2
    );
    assert_eq!(app.count("tenant.outbox").await, mails + 1);
    let token = app.mailed_token("anna@zorg-a.test", "uitnodiging").await;
    assert!(!token.is_empty());
    assert_eq!(
        scalar::<String>(
            app,
            "SELECT department FROM tenant.users WHERE email = 'leerling@zorg-a.test'"
        )
        .await,
        "Thuiszorg"
    );

    // The same file again changes nothing: every good row is unchanged, nobody is invited twice.
    let counts = (
        app.count("tenant.users").await,
        app.count("tenant.outbox").await,
        app.count("content.enrolments").await,
        app.count("content.group_members").await,
    );
    let again = preview(app, &admin, FILE.as_bytes()).await;
    assert_eq!(again["existing_accounts"], json!(2), "{again}");
    let again = run(app, &admin, again["id"].as_str().unwrap()).await;
    assert_eq!(
        (&again["created"], &again["updated"], &again["unchanged"]),
        (&json!(0), &json!(0), &json!(2)),
        "{again}"
    );
    assert_eq!(
        (
            app.count("tenant.users").await,
            app.count("tenant.outbox").await,
            app.count("content.enrolments").await,
            app.count("content.group_members").await,
        ),
        counts
    );
    // A started import can't be thrown away, and starting it again runs nothing twice.
    let res = c
        .request(
            http::Method::DELETE,
            "zorg-a",
            &format!("/api/v1/imports/{id}"),
        )
        .bearer(&admin)
        .send()
        .await;
    res.assert_status(StatusCode::CONFLICT);
    assert_eq!(res.json()["error"]["code"], "import_started");

    // The report per row, as Dutch Excel opens it, with no formulas.
    let csv = c
        .get("zorg-a", &format!("/beheer/import/{id}/rapport.csv"))
        .bearer(&admin)
        .send()
        .await;
    csv.assert_status(StatusCode::OK);
    let csv = csv.text();
    assert!(csv.starts_with("\u{feff}regel;naam;e-mail"), "{csv}");
    assert!(csv.contains("3;Bram Bos;bram@zorg-a.test;Nacht;Afdeling De Linde|Nachtdienst;;mislukt;unknown_group;"), "{csv}");
    assert_eq!(csv.lines().count(), 9);
}

#[tokio::test]
async fn files_as_excel_and_hr_systems_write_them_and_files_that_are_refused() {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    app.user(&s.a, "beheer@zorg-a.test", Role::Admin).await;
    let admin = app.token(&s.a, "beheer@zorg-a.test").await;

    // Windows-1252 ("CSV (gescheiden door lijstscheidingsteken)"), with a quoted comma.
    let file =
        b"naam;email;afdeling\n\"M\xFCller, J\xFCrgen\";jurgen@zorg-a.test;Keuken & Facilitair\n";
    let p = preview(app, &admin, file).await;
    assert_eq!(
        (p["encoding"].as_str(), p["problems"].as_i64()),
        (Some("windows-1252"), Some(0))
    );
    let done = run(app, &admin, p["id"].as_str().unwrap()).await;
    assert_eq!(done["created"], 1);
    assert_eq!(
        scalar::<String>(
            app,
            "SELECT display_name FROM tenant.users WHERE email = 'jurgen@zorg-a.test'"
        )
        .await,
        "Müller, Jürgen"
    );

    // Refused with the reason on the field `file`, and nothing kept.
    let imports = app.count("tenant.staff_imports").await;
    for (file, code) in [
        (b"PK\x03\x04\x00\x00\x00binary".to_vec(), "file_encoding"),
        (b"naam;afdeling\nAnna;Linde\n".to_vec(), "missing_column"),
        (b"naam;e-mail\n".to_vec(), "file_empty"),
        (
            b"\xEF\xBB\xBFnaam;e-mail\nJ\xFCrgen;j@zorg-a.test\n".to_vec(),
            "file_encoding",
        ),
    ] {
        let res = c
            .post("zorg-a", "/api/v1/imports")
            .bearer(&admin)
            .body("text/csv", file)
            .send()
            .await;
        res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        let err = &res.json()["error"];
        assert_eq!(
            (err["code"].as_str(), err["field"].as_str()),
            (Some(code), Some("file"))
        );
    }
    assert_eq!(app.count("tenant.staff_imports").await, imports);
}

#[tokio::test]
async fn an_admin_imports_staff_from_the_pages() {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    app.user(&s.a, "beheer@zorg-a.test", Role::Admin).await;
    let session = app.login("zorg-a", "beheer@zorg-a.test").await;
    let html = c
        .get("zorg-a", "/beheer")
        .session(&session)
        .send()
        .await
        .text();
    assert!(html.contains("href=\"/beheer/import\""), "{html}");

    let boundary = "zkgrens";
    let multipart = |file: &str| {
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"personeel.csv\"\r\nContent-Type: text/csv\r\n\r\n{file}\r\n--{boundary}--\r\n",
            csrf_for_session(&session)
        )
    };
    let content_type = format!("multipart/form-data; boundary={boundary}");
    // A file without an e-mail column comes back with the reason on the form.
    let res = c
        .post("zorg-a", "/beheer/import")
        .session(&session)
        .body(&content_type, multipart("naam\nAnna\n"))
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().contains("data-testid=\"form-error\""));
    let res = c
        .post("zorg-a", "/beheer/import")
        .session(&session)
        .body(
            &content_type,
            multipart("naam;e-mail;afdeling\nAnna;anna@zorg-a.test;Linde\nB;geen;\n"),
        )
        .send()
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
    let page = res.location().unwrap();
    let html = c.get("zorg-a", &page).session(&session).send().await.text();
    assert!(html.contains("2 regels: 1 nieuwe medewerkers"), "{html}");
    assert!(html.contains("geen geldig e-mailadres"), "{html}");
    assert!(html.contains("Er is nog niets opgeslagen."));
    assert_eq!(
        scalar::<i64>(
            app,
            "SELECT count(*) FROM tenant.users WHERE email = 'anna@zorg-a.test'"
        )
        .await,
        0
    );
    c.post("zorg-a", &format!("{page}/starten"))
        .session(&session)
        .form(&[])
        .send()
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let mut html = String::new();
    for _ in 0..100 {
        html = c.get("zorg-a", &page).session(&session).send().await.text();
        if html.contains("data-testid=\"result\"") {
            break;
        }
        assert!(html.contains("data-testid=\"progress\""), "{html}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        html.contains("1 aangemaakt, 0 bijgewerkt, 0 ongewijzigd, 1 niet geïmporteerd."),
        "{html}"
    );
    let list = c
        .get("zorg-a", "/beheer")
        .session(&session)
        .send()
        .await
        .text();
    assert!(list.contains("anna@zorg-a.test"), "{list}");
    assert!(
        list.contains(">Linde</td>"),
        "the department in its column: {list}"
    );
}
