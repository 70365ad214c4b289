//! Staff import from a CSV file, through HTTP: a preview that writes nothing, a background job
//! that applies every row fully or reports why not (also when something changes between the
//! preview and the start), the files Excel writes, a re-import that changes nothing, the pages,
//! and that another member can't see or start an import. And that a file built to be slow (issue
//! 20, finding 2) is answered at once without holding up other members, one file per member at a
//! time.

use crate::support::*;
use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};
use zk_test_support::http::csrf_for_session;

/// A module of one text block.
fn module(title: &str) -> Value {
    let mut doc = text_module(title, &["Lees dit."]);
    doc["minutes"] = json!(10);
    doc
}

/// Sends a staff file as `admin` and returns its preview.
async fn preview(admin: &User, file: &[u8]) -> Value {
    admin
        .post("/api/v1/imports?file_name=personeel.csv")
        .body("text/csv", file.to_vec())
        .expect(StatusCode::CREATED)
        .await
        .json()
}

/// Starts an import and waits for the background job to finish it.
async fn run(admin: &User, id: &str) -> Value {
    admin
        .post(&format!("/api/v1/imports/{id}/start"))
        .expect(StatusCode::ACCEPTED)
        .await;
    for _ in 0..200 {
        let now = admin
            .get(&format!("/api/v1/imports/{id}?rows=all"))
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

async fn scalar<T>(app: &TestApp, sql: &str) -> T
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
    let s = two_members().await;
    let app = &s.app;
    let admin = s.a.admin().await;
    let b_admin = s.b.admin().await;
    let valpreventie = s.editor.publish_module(module("Valpreventie")).await.id;
    let linde = admin.make_group("Afdeling De Linde", &[]).await;
    admin.make_group("Nachtdienst", &[]).await;

    // The preview checks every row and writes no account, membership or enrolment.
    let (users, mails) = (
        app.count("tenant.users").await,
        app.count("tenant.outbox").await,
    );
    let p = preview(&admin, FILE.as_bytes()).await;
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
    let view = admin
        .get(&format!("/api/v1/imports/{id}"))
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
        (Method::GET, format!("/api/v1/imports/{id}")),
        (Method::POST, format!("/api/v1/imports/{id}/start")),
        (Method::DELETE, format!("/api/v1/imports/{id}")),
        (Method::GET, format!("/beheer/import/{id}/rapport.csv")),
    ] {
        b_admin
            .request(method, &path)
            .expect(StatusCode::NOT_FOUND)
            .await;
    }
    assert!(b_admin.get("/api/v1/imports").send().await.json()["items"]
        .as_array()
        .unwrap()
        .is_empty());
    s.a_learner
        .post("/api/v1/imports")
        .body("text/csv", FILE)
        .expect(StatusCode::FORBIDDEN)
        .await;

    // Between preview and start the group "Nachtdienst" goes: Bram's row then fails halfway
    // (after his account was made) and leaves nothing of itself behind.
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query("DELETE FROM content.groups WHERE name = 'Nachtdienst'")
        .execute(&mut owner)
        .await
        .unwrap();
    let done = run(&admin, &id).await;
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
    let users_page = admin.get("/api/v1/users").send().await.json();
    let anna_view = users_page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "anna@zorg-a.test")
        .unwrap()
        .clone();
    assert_eq!(anna_view["roles"], json!(["learner"]));
    assert_eq!(anna_view["department"], "De Linde");
    let members = admin
        .get(&format!("/api/v1/learning/groups/{linde}/progress"))
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
    let again = preview(&admin, FILE.as_bytes()).await;
    assert_eq!(again["existing_accounts"], json!(2), "{again}");
    let again = run(&admin, again["id"].as_str().unwrap()).await;
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
    let res = admin
        .delete(&format!("/api/v1/imports/{id}"))
        .expect(StatusCode::CONFLICT)
        .await;
    assert_eq!(res.error_code(), "import_started");

    // The report per row, as Dutch Excel opens it, with no formulas.
    let csv = admin
        .get(&format!("/beheer/import/{id}/rapport.csv"))
        .expect(StatusCode::OK)
        .await
        .text();
    assert!(csv.starts_with("\u{feff}regel;naam;e-mail"), "{csv}");
    assert!(csv.contains("3;Bram Bos;bram@zorg-a.test;Nacht;Afdeling De Linde|Nachtdienst;;mislukt;unknown_group;"), "{csv}");
    assert_eq!(csv.lines().count(), 9);
}

#[tokio::test]
async fn files_as_excel_and_hr_systems_write_them_and_files_that_are_refused() {
    let s = two_members().await;
    let app = &s.app;
    let admin = s.a.admin().await;

    // Windows-1252 ("CSV (gescheiden door lijstscheidingsteken)"), with a quoted comma.
    let file =
        b"naam;email;afdeling\n\"M\xFCller, J\xFCrgen\";jurgen@zorg-a.test;Keuken & Facilitair\n";
    let p = preview(&admin, file).await;
    assert_eq!(
        (p["encoding"].as_str(), p["problems"].as_i64()),
        (Some("windows-1252"), Some(0))
    );
    let done = run(&admin, p["id"].as_str().unwrap()).await;
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
        let res = admin
            .post("/api/v1/imports")
            .body("text/csv", file)
            .expect(StatusCode::UNPROCESSABLE_ENTITY)
            .await;
        assert_eq!(
            (res.error_code(), res.error_field()),
            (code.to_owned(), "file".to_owned())
        );
    }
    assert_eq!(app.count("tenant.staff_imports").await, imports);
}

#[tokio::test]
async fn an_admin_imports_staff_from_the_pages() {
    let s = two_members().await;
    let app = &s.app;
    let session = s.a.admin().await.login().await;
    let html = session.get("/beheer").send().await.text();
    assert!(html.contains("href=\"/beheer/import\""), "{html}");

    let boundary = "zkgrens";
    let multipart = |file: &str| {
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"personeel.csv\"\r\nContent-Type: text/csv\r\n\r\n{file}\r\n--{boundary}--\r\n",
            csrf_for_session(&session.cookie)
        )
    };
    let content_type = format!("multipart/form-data; boundary={boundary}");
    // A file without an e-mail column comes back with the reason on the form.
    let res = session
        .post("/beheer/import")
        .body(&content_type, multipart("naam\nAnna\n"))
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(res.text().contains("data-testid=\"form-error\""));
    let res = session
        .post("/beheer/import")
        .body(
            &content_type,
            multipart("naam;e-mail;afdeling\nAnna;anna@zorg-a.test;Linde\nB;geen;\n"),
        )
        .expect(StatusCode::SEE_OTHER)
        .await;
    let page = res.location().unwrap();
    let html = session.get(&page).send().await.text();
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
    session
        .post(&format!("{page}/starten"))
        .form(&[])
        .expect(StatusCode::SEE_OTHER)
        .await;
    let mut html = String::new();
    for _ in 0..100 {
        html = session.get(&page).send().await.text();
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
    let list = session.get("/beheer").send().await.text();
    assert!(list.contains("anna@zorg-a.test"), "{list}");
    assert!(
        list.contains(">Linde</td>"),
        "the department in its column: {list}"
    );
}

/// The user `email` of the member as the users API shows them.
async fn user_view(admin: &User, email: &str) -> Value {
    let users = admin.get("/api/v1/users").send().await.json();
    users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == email)
        .unwrap_or_else(|| panic!("{email} in {users}"))
        .clone()
}

/// Issue 22, part 7: HR systems (AFAS, Nmbrs, Visma/Raet) and Excel lists give the name in
/// parts; the import makes one name of them.
#[tokio::test]
async fn an_hr_export_with_first_name_prefix_and_last_name_imports_one_name() {
    let s = two_members().await;
    let app = &s.app;
    let admin = s.a.admin().await;
    let file = "\u{feff}Voornaam;Tussenvoegsel;Achternaam;E-mail;Afdeling\r\n\
Anna;de;Vries;anna@zorg-a.test;De Linde\r\n\
Bram;;Bos;bram@zorg-a.test;Nacht\r\n";
    let p = preview(&admin, file.as_bytes()).await;
    assert_eq!(
        (&p["new_accounts"], &p["problems"]),
        (&json!(2), &json!(0)),
        "{p}"
    );
    let view = admin
        .get(&format!(
            "/api/v1/imports/{}?rows=all",
            p["id"].as_str().unwrap()
        ))
        .send()
        .await
        .json();
    assert_eq!(line(&view, 2)["name"], "Anna de Vries");
    let done = run(&admin, p["id"].as_str().unwrap()).await;
    assert_eq!(done["created"], 2, "{done}");
    assert_eq!(
        user_view(&admin, "anna@zorg-a.test").await["display_name"],
        "Anna de Vries"
    );
    assert_eq!(
        scalar::<String>(
            app,
            "SELECT display_name FROM tenant.users WHERE email = 'bram@zorg-a.test'"
        )
        .await,
        "Bram Bos",
        "an empty tussenvoegsel leaves no double space"
    );

    // Other spellings of the headers (AFAS's, English), in any case and spacing; a name that
    // changed in HR's system is brought in line.
    let file = "roepnaam,VOORVOEGSEL,Geslachtsnaam,e-mail\nAnna,van der,Berg,anna@zorg-a.test\n";
    let p = preview(&admin, file.as_bytes()).await;
    run(&admin, p["id"].as_str().unwrap()).await;
    assert_eq!(
        user_view(&admin, "anna@zorg-a.test").await["display_name"],
        "Anna van der Berg"
    );
    let file = "First name\tPrefix\tLast name\tEmail\nCees\t\tJansen\tcees@zorg-a.test\n";
    let p = preview(&admin, file.as_bytes()).await;
    run(&admin, p["id"].as_str().unwrap()).await;
    assert_eq!(
        user_view(&admin, "cees@zorg-a.test").await["display_name"],
        "Cees Jansen"
    );
}

/// Issue 22, part 7: a name mangled by an encoding mistake (a `?` for a letter the character set
/// lacked, UTF-8 read as Windows-1252) is flagged in the preview with the row and the name, and
/// the import goes on.
#[tokio::test]
async fn a_mangled_name_is_flagged_in_the_preview_and_the_import_still_works() {
    let s = two_members().await;
    let app = &s.app;
    let admin = s.a.admin().await;
    let file = "naam;e-mail\nAnna de Vries;anna@zorg-a.test\nZoÃ« Bos;zoe@zorg-a.test\nAy?e Yılmaz;ayse@zorg-a.test\nFout;geen-adres\n";
    let p = preview(&admin, file.as_bytes()).await;
    assert_eq!(
        (&p["new_accounts"], &p["problems"], &p["warnings"]),
        (&json!(3), &json!(1), &json!(2)),
        "{p}"
    );
    let id = p["id"].as_str().unwrap().to_owned();
    let view = admin
        .get(&format!("/api/v1/imports/{id}"))
        .send()
        .await
        .json();
    let flagged: Vec<(i64, &str, &str)> = view["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| !l["warning_code"].is_null())
        .map(|l| {
            (
                l["line"].as_i64().unwrap(),
                l["warning_code"].as_str().unwrap(),
                l["plan"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        flagged,
        vec![(3, "name_mangled", "new"), (4, "name_mangled", "new")]
    );
    assert_eq!(
        line(&view, 4)["warning_message"],
        "Rij 4: de naam 'Ay?e Yılmaz' lijkt verminkt door een verkeerde tekenset; sla het bestand op als UTF-8 en probeer opnieuw."
    );
    assert!(
        view["lines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["line"] != 2),
        "a row without a problem is not among them: {view}"
    );

    // The page shows it, with the start button: a warning doesn't block.
    let session = admin.login().await;
    let html = session
        .get(&format!("/beheer/import/{id}"))
        .send()
        .await
        .text();
    assert!(html.contains("data-testid=\"warnings\""), "{html}");
    assert!(html.contains("2 regels hebben een waarschuwing"), "{html}");
    assert!(
        html.contains("Rij 4: de naam &#x27;Ay?e Yılmaz&#x27; lijkt verminkt")
            || html.contains("Rij 4: de naam 'Ay?e Yılmaz' lijkt verminkt"),
        "{html}"
    );
    assert!(html.contains("data-testid=\"start\""), "{html}");

    let done = run(&admin, &id).await;
    assert_eq!(
        (&done["created"], &done["failed"]),
        (&json!(3), &json!(1)),
        "{done}"
    );
    assert_eq!(line(&done, 4)["outcome"], "created");
    assert_eq!(
        scalar::<String>(
            app,
            "SELECT display_name FROM tenant.users WHERE email = 'ayse@zorg-a.test'"
        )
        .await,
        "Ay?e Yılmaz"
    );
    let csv = admin
        .get(&format!("/beheer/import/{id}/rapport.csv"))
        .expect(StatusCode::OK)
        .await
        .text();
    assert!(csv.contains(";aangemaakt;;;\"Rij 4: de naam"), "{csv}");
}

/// Issue 22, part 7: a row with an error shows whose it is, not only its line and address; the
/// import pages give their times in Dutch local time; the example names a module the member
/// really has, and none without modules.
#[tokio::test]
async fn the_import_pages_show_names_local_times_and_a_real_module() {
    let s = two_members().await;
    let admin = s.a.admin().await;
    let session = admin.login().await;

    let example = |html: &str| {
        let start = html.find("data-testid=\"example\">").unwrap();
        html[start..start + html[start..].find("</pre>").unwrap()].to_owned()
    };
    let html = session.get("/beheer/import").send().await.text();
    let without = example(&html);
    assert!(
        without.contains("naam;e-mail;afdeling;groepen\n"),
        "{without}"
    );
    assert!(!without.contains("modules"), "{without}");
    assert!(!html.contains("Hygiëne in de zorg"), "no made-up module");
    s.editor
        .publish_module(module("Tillen en verplaatsen"))
        .await;
    let with = example(&session.get("/beheer/import").send().await.text());
    assert!(
        with.contains("naam;e-mail;afdeling;groepen;modules\n"),
        "{with}"
    );
    assert!(with.ends_with(";Tillen en verplaatsen"), "{with}");

    let p = preview(
        &admin,
        b"naam;e-mail\nAnna de Vries;anna@zorg-a.test\nBram Bos;geen-adres\n;leeg@zorg-a.test\n",
    )
    .await;
    let id = p["id"].as_str().unwrap();
    let html = session
        .get(&format!("/beheer/import/{id}"))
        .send()
        .await
        .text();
    // The people list's cards on a phone.
    let problems = &html[html
        .find("<table class=\"people-table import-rows\" data-testid=\"problems\">")
        .expect("the rows as cards on a phone")..];
    let bram = problems
        .find(">Bram Bos</th>")
        .expect("the name of the error row");
    let reason = problems
        .find("&#x27;geen-adres&#x27; is geen geldig e-mailadres")
        .or_else(|| problems.find("'geen-adres' is geen geldig e-mailadres"))
        .expect("its reason");
    assert!(bram < reason, "{problems}");
    assert!(problems.contains("(geen naam)"), "{problems}");

    // When it was uploaded and applied, in Dutch local time (Europe/Amsterdam).
    let local = |at: &Value| {
        let t = time::OffsetDateTime::parse(
            at.as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        zk_kernel::text::dutch_datetime(t)
    };
    let uploaded = local(&p["created_at"]);
    assert!(html.contains(&uploaded), "{uploaded} in {html}");
    assert!(!html.contains(" UTC"), "{html}");
    let list = session.get("/beheer/import").send().await.text();
    assert!(list.contains(&uploaded), "{uploaded} in {list}");
    let done = run(&admin, id).await;
    let html = session
        .get(&format!("/beheer/import/{id}"))
        .send()
        .await
        .text();
    let applied = local(&done["finished_at"]);
    assert!(
        html.contains(&format!("Geïmporteerd op {applied}.")),
        "{applied} in {html}"
    );
}

/// Issue 20, finding 2, as the review built it: a file of 4 MB (the most a file may weigh) made
/// for the old hand-written parser's quadratic paths. About 7,000 rows within the caps, every
/// field quoted with quotes inside and lists of the same name in every case; then one row with a
/// name of 20,000 spaces and 20,000 quotes (the old parser trimmed the field again at every
/// quote) and a list of 20,000 different groups (deduplicated by linear search). Returns the file
/// and the last line.
fn adversarial_file() -> (Vec<u8>, usize) {
    let groups = format!(
        "\"{}\"",
        ["De Linde", "de linde", "DE LINDE"].repeat(17)[..50].join("|")
    );
    let slow_name = format!("{}x{}", " ".repeat(20_000), "\"".repeat(20_000));
    let slow_groups: Vec<String> = (0..20_000).map(|i| format!("g{i}")).collect();
    let mut last = format!(
        "{slow_name};aanval@zorg.test;;{};\r\n",
        slow_groups.join("|")
    );
    let mut file = String::from("naam;e-mail;afdeling;groepen;modules\r\n");
    let mut line = 1;
    loop {
        let row = format!(
            "\"Anna \"\"de\"\" Vries {line}\";medewerker{line}@zorg.test;\"De \"\"Linde\"\"\";{groups};\"Valpreventie|valpreventie\"\r\n"
        );
        if file.len() + row.len() + last.len() > 4 * 1024 * 1024 {
            break;
        }
        file.push_str(&row);
        line += 1;
    }
    // Spaces to make it exactly 4 MB, before the quotes of the slow name.
    last.insert_str(0, &" ".repeat(4 * 1024 * 1024 - file.len() - last.len()));
    file.push_str(&last);
    (file.into_bytes(), line + 1)
}

/// The review's measurement, through HTTP on a runtime of two workers like a two-core server:
/// two members' admins send the file at once, and meanwhile a third member's login page is asked
/// for again and again as a new connection would be (a task on the workers), until both files
/// are answered. Before the fix both files took 32 s on this machine (unoptimised, on the async
/// workers), and the login page waited as long.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_4_mb_adversarial_file_is_answered_within_2_s_while_another_member_is_served() {
    let s = two_members().await;
    let app = &s.app;
    let c = app.member("zorg-c").await;
    let admins = [s.a.admin().await, c.admin().await];
    let (file, last_line) = adversarial_file();
    assert_eq!(file.len(), 4 * 1024 * 1024);
    s.b.visitor().get("/inloggen").expect(StatusCode::OK).await;

    let sent = Instant::now();
    let uploads = admins.map(|admin| {
        let req = admin
            .post("/api/v1/imports?file_name=aanval.csv")
            .body("text/csv", file.clone());
        tokio::spawn(async move { (req.send().await, sent.elapsed()) })
    });
    // The other member's visitor is a client with a clock of its own, outside the runtime: a
    // stalled runtime is a wait it sees (a probe timed from inside would start only once the
    // runtime got round to it).
    let done = Arc::new(AtomicBool::new(false));
    let visitor = {
        let (client, done) = (app.client.clone(), done.clone());
        let runtime = tokio::runtime::Handle::current();
        std::thread::spawn(move || {
            let mut waits = Vec::new();
            while waits.is_empty() || !done.load(Ordering::SeqCst) {
                let asked = Instant::now();
                let page = runtime.spawn(client.get("zorg-b", "/inloggen").send());
                let res = runtime.block_on(page).unwrap();
                assert_eq!(res.status, StatusCode::OK);
                waits.push(asked.elapsed());
                std::thread::sleep(Duration::from_millis(10));
            }
            waits
        })
    };
    let mut answers = Vec::new();
    for upload in uploads {
        answers.push(upload.await.unwrap());
    }
    done.store(true, Ordering::SeqCst);
    let waits = tokio::task::spawn_blocking(move || visitor.join().unwrap())
        .await
        .unwrap();
    let slowest_page = waits.iter().max().copied().unwrap_or_default();
    let took: Vec<Duration> = answers.iter().map(|(_, took)| *took).collect();
    println!(
        "4 MB files answered after {took:?}; the other member's login page at most {slowest_page:?} over {} requests",
        waits.len()
    );
    assert!(
        took.iter().all(|t| *t < Duration::from_secs(2)),
        "the 4 MB files were answered after {took:?}"
    );
    assert!(
        slowest_page < Duration::from_millis(200),
        "another member's login page took {slowest_page:?} (the slowest of {})",
        waits.len()
    );
    for (res, _) in answers {
        res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            (res.error_code(), res.error_field()),
            ("field_too_long".to_owned(), "file".to_owned())
        );
        let message = res.json()["error"]["message"].as_str().unwrap().to_owned();
        assert!(
            message.starts_with(&format!("Regel {last_line}: ")),
            "{message}"
        );
    }
}

#[tokio::test]
async fn a_member_sends_one_staff_file_at_a_time_and_other_members_are_not_held_up() {
    let s = two_members().await;
    let admin = s.a.admin().await;
    let b_admin = s.b.admin().await;
    let session = admin.login().await;

    // A slow upload: its first part has reached the server, the rest is still on its way.
    let (parts, arriving) = tokio::sync::mpsc::channel(1);
    let slow = admin
        .post("/api/v1/imports?file_name=traag.csv")
        .body_in_parts("text/csv", arriving);
    let slow = tokio::spawn(slow.send());
    parts.send(b"naam;e-mail\r\n".to_vec()).await.unwrap();
    parts
        .send(b"Anna;anna@zorg-a.test\r\n".to_vec())
        .await
        .unwrap();

    // Meanwhile another file of the same member waits its turn, through the API or the page ...
    let res = admin
        .post("/api/v1/imports")
        .body("text/csv", FILE)
        .expect(StatusCode::TOO_MANY_REQUESTS)
        .await;
    assert_eq!(res.error_code(), "import_busy");
    assert_eq!(
        res.json()["error"]["message"],
        "Er wordt al een bestand van uw organisatie verwerkt. Probeer het over een minuut opnieuw."
    );
    let boundary = "zkgrens";
    let form = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"personeel.csv\"\r\nContent-Type: text/csv\r\n\r\n{FILE}\r\n--{boundary}--\r\n",
        csrf_for_session(&session.cookie)
    );
    let res = session
        .post("/beheer/import")
        .body(&format!("multipart/form-data; boundary={boundary}"), form)
        .expect(StatusCode::TOO_MANY_REQUESTS)
        .await;
    assert!(res.text().contains("Probeer het over een minuut opnieuw."));
    // ... while another member's file is read at once.
    let other = b_admin
        .post("/api/v1/imports")
        .body("text/csv", "naam;e-mail\nBram;bram@zorg-b.test\n")
        .expect(StatusCode::CREATED)
        .await;
    assert_eq!(other.json()["new_accounts"], 1);

    // The slow upload arrives and gets its preview; then the member's next file is read again,
    // also after one that is refused.
    drop(parts);
    let res = slow.await.unwrap();
    res.assert_status(StatusCode::CREATED);
    assert_eq!(res.json()["total"], 1);
    let res = admin
        .post("/api/v1/imports")
        .body("text/csv", "naam\nAnna\n")
        .send()
        .await;
    assert_eq!(res.error_code(), "missing_column");
    assert_eq!(preview(&admin, FILE.as_bytes()).await["total"], 8);
}
