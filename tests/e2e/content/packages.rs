//! E-learning packages (issue 24, part 1): a SCORM or cmi5 zip goes up like any upload; on
//! confirm it is checked whole and unpacked next to itself in the object store, and the answer
//! says what its manifest holds. A bad package is refused by what was wrong, with nothing kept:
//! no media row, no object (the zip, its staging copy, or any unpacked file).

use crate::support::*;
use std::io::Write;
use zk_test_support::TestResponse;

/// A zip of `files` (path, content), deflated (the e-learning tests' packages too).
pub(crate) fn zip_of(files: &[(&str, &str)]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (path, content) in files {
            z.start_file(*path, opts).unwrap();
            z.write_all(content.as_bytes()).unwrap();
        }
        z.finish().unwrap();
    }
    out.into_inner()
}

const SCORM12: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="zk-test-12" version="1.0"
  xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org">
    <organization identifier="org">
      <title>Tillen zonder blessures</title>
      <item identifier="i1" identifierref="r1">
        <title>Veilig tillen</title>
        <adlcp:masteryscore>80</adlcp:masteryscore>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="r1" type="webcontent" adlcp:scormtype="sco" href="index.html">
      <file href="index.html"/>
    </resource>
  </resources>
</manifest>"#;

const CMI5: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<courseStructure xmlns="https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd">
  <course id="https://zorgklas.example/cursus/handen">
    <title><langstring lang="nl-NL">Handhygiëne</langstring></title>
    <description><langstring lang="nl-NL">Handen wassen in de zorg.</langstring></description>
  </course>
  <au id="https://zorgklas.example/cursus/handen/au1" moveOn="CompletedAndPassed" masteryScore="0.7">
    <title><langstring lang="nl-NL">Wassen</langstring></title>
    <description><langstring lang="nl-NL">Wassen.</langstring></description>
    <url>au1/index.html</url>
  </au>
</courseStructure>"#;

/// Announces, uploads and confirms a package as `author`: the confirm's answer.
async fn send_package(author: &User, filename: &str, bytes: &[u8]) -> TestResponse {
    let ticket = author
        .post("/api/v1/content/media")
        .json(&json!({"kind": "package", "filename": filename, "content_type": "application/zip", "size": bytes.len()}))
        .expect(StatusCode::CREATED)
        .await
        .json();
    let id = ticket["id"].as_str().unwrap().to_owned();
    let url = ticket["upload"]["request"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    author
        .app()
        .client
        .put(author.host(), &url)
        .body("application/zip", bytes.to_vec())
        .expect(StatusCode::OK)
        .await;
    author
        .post(&format!("/api/v1/content/media/{id}/confirm"))
        .json(&json!({}))
        .send()
        .await
}

/// Every file the object store holds for `tenant` (the file-system store of the tests).
fn stored_files(app: &TestApp, tenant: uuid::Uuid) -> Vec<String> {
    let root = app
        .platform
        .config
        .data_dir
        .join("objects")
        .join(format!("t/{tenant}"));
    let mut out = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        let Ok(read) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in read.flatten() {
            let path = e.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_none_or(|x| x != "content-type") {
                out.push(path.strip_prefix(&root).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn a_scorm_and_a_cmi5_package_are_checked_unpacked_and_their_manifests_shown() {
    let app = app().await;
    let a = app.member("pakket-a").await;
    let author = a.author().await;
    let bytes = zip_of(&[
        ("imsmanifest.xml", SCORM12),
        (
            "index.html",
            "<!doctype html><title>Veilig tillen</title><p>Buig door je knieën.</p>",
        ),
        ("js/scorm.js", "window.zk = 1;"),
    ]);
    let res = send_package(&author, "tillen.zip", &bytes).await;
    res.assert_status(StatusCode::OK);
    let file = res.json();
    assert_eq!(file["kind"], "package");
    let m = &file["package"];
    assert_eq!(m["kind"]["type"], "scorm12", "{m}");
    assert_eq!(m["title"], "Tillen zonder blessures");
    assert_eq!(m["units"][0]["launch"], "index.html");
    assert_eq!(m["units"][0]["mastery_score"], 0.8);
    // Its files are unpacked next to it.
    let mut owner = app.db.owner().await.unwrap();
    let key: String =
        sqlx::query_scalar("SELECT object_key FROM content.media WHERE id = $1::uuid")
            .bind(file["id"].as_str().unwrap())
            .fetch_one(&mut owner)
            .await
            .unwrap();
    let page = app
        .platform
        .objects
        .get(&format!("{key}.d/index.html"))
        .await
        .unwrap()
        .expect("the launch file is unpacked");
    assert!(String::from_utf8_lossy(&page.bytes).contains("Buig door je knieën."));
    assert_eq!(page.content_type, "text/html; charset=utf-8");
    assert!(app
        .platform
        .objects
        .get(&format!("{key}.d/js/scorm.js"))
        .await
        .unwrap()
        .is_some());

    let cmi5 = zip_of(&[
        ("cmi5.xml", CMI5),
        ("au1/index.html", "<!doctype html><title>Wassen</title>"),
    ]);
    let file = send_package(&author, "handen.zip", &cmi5).await.json();
    let m = &file["package"];
    assert_eq!(m["kind"]["type"], "cmi5", "{m}");
    assert_eq!(m["title"], "Handhygiëne");
    let au = m["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["kind"] == "au")
        .unwrap()
        .clone();
    assert_eq!(au["launch"], "au1/index.html");
    assert_eq!(au["move_on"], "CompletedAndPassed");
    assert_eq!(au["mastery_score"], 0.7);
}

#[tokio::test]
async fn bad_packages_are_refused_by_what_was_wrong_and_nothing_is_kept() {
    let app = app().await;
    let a = app.member("pakket-b").await;
    let author = a.author().await;
    let manifest_without_launch = SCORM12.replace("href=\"index.html\">", "href=\"start.html\">");
    let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        (
            "no manifest",
            zip_of(&[("index.html", "<p>hallo</p>")]),
            "package_manifest_missing",
            "imsmanifest.xml",
        ),
        (
            "broken manifest",
            zip_of(&[
                ("imsmanifest.xml", "<manifest><unclosed>"),
                ("index.html", "x"),
            ]),
            "package_manifest_broken",
            "",
        ),
        (
            "escaping path",
            zip_of(&[
                ("imsmanifest.xml", SCORM12),
                ("index.html", "x"),
                ("../evil.html", "x"),
            ]),
            "package_path_parent",
            "evil.html",
        ),
        (
            "missing launch file",
            zip_of(&[
                ("imsmanifest.xml", &manifest_without_launch),
                ("index.html", "x"),
            ]),
            "package_launch_missing",
            "start.html",
        ),
        (
            "unknown version",
            zip_of(&[
                (
                    "imsmanifest.xml",
                    &SCORM12
                        .replace(
                            "<schemaversion>1.2</schemaversion>",
                            "<schemaversion>9.9</schemaversion>",
                        )
                        .replace("imscp_rootv1p1p2", "example.org/cp")
                        .replace("adlcp_rootv1p2", "example.org/adlcp"),
                ),
                ("index.html", "x"),
            ]),
            "package_version_unsupported",
            "",
        ),
    ];
    for (what, bytes, code, names) in cases {
        let res = send_package(&author, "slecht.zip", &bytes).await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {}",
            res.text()
        );
        assert_eq!(res.error_code(), code, "{what}: {}", res.text());
        let message = res.json()["error"]["message"].as_str().unwrap().to_owned();
        assert!(message.contains(names), "{what}: {message}");
        assert_eq!(app.count("content.media").await, 0, "{what}: no media row");
        assert_eq!(
            stored_files(&app, a.id.0),
            Vec::<String>::new(),
            "{what}: no object"
        );
    }
    // A zip bomb: one entry that expands a thousandfold.
    let zeros = "0".repeat(8 << 20);
    let bomb = zip_of(&[
        ("imsmanifest.xml", SCORM12),
        ("index.html", "x"),
        ("pad.txt", &zeros),
    ]);
    let res = send_package(&author, "bom.zip", &bomb).await;
    assert_eq!(
        res.error_code(),
        "package_compression_ratio",
        "{}",
        res.text()
    );
    assert_eq!(app.count("content.media").await, 0);
    assert_eq!(stored_files(&app, a.id.0), Vec::<String>::new());
    // Not a zip at all is the wrong type.
    let res = send_package(&author, "geen.zip", b"%PDF-1.4 not a zip").await;
    assert_eq!(res.error_code(), "wrong_type");
}

/// A package the server has in hand (the demo's) is stored as a confirmed upload is: checked,
/// unpacked next to its zip, ready with its manifest; a bad one is refused and leaves nothing.
#[tokio::test]
async fn a_package_the_server_has_in_hand_is_stored_as_an_upload_is_and_a_bad_one_leaves_nothing() {
    use zk_content::domain::{media, package};
    let app = app().await;
    let a = app.member("pakket-i").await;
    let author = a.author().await;
    let bad = zip_of(&[("index.html", "<p>hallo</p>")]);
    let err = media::import_package(&app.platform, a.id, author.id, "slecht.zip", bad.into())
        .await
        .unwrap_err();
    assert_eq!(err.code, "package_manifest_missing");
    assert_eq!(app.count("content.media").await, 0, "no media row");
    assert_eq!(
        stored_files(&app, a.id.0),
        Vec::<String>::new(),
        "no object"
    );

    let zip = package::samples::scorm12_single();
    let (id, manifest) = media::import_package(
        &app.platform,
        a.id,
        author.id,
        "veilig-tillen.zip",
        zip.into(),
    )
    .await
    .unwrap();
    assert_eq!(manifest.kind, package::Kind::Scorm12);
    assert_eq!(manifest.title, "Veilig tillen");
    let files = stored_files(&app, a.id.0);
    for file in ["veilig-tillen.zip", "veilig-tillen.zip.d/index.html"] {
        assert!(
            files.contains(&format!("media/{id}/{file}")),
            "{file} in {files:?}"
        );
    }
    let kept: (String, Option<String>) =
        sqlx::query_as("SELECT status, package->'kind'->>'type' FROM content.media WHERE id = $1")
            .bind(id)
            .fetch_one(&mut app.db.owner().await.unwrap())
            .await
            .unwrap();
    assert_eq!(kept, ("ready".into(), Some("scorm12".into())));
    app.client
        .get(
            "pakket-i.pakket.localhost",
            &format!("/pakket/{id}/index.html"),
        )
        .expect(StatusCode::OK)
        .await;
}

#[tokio::test]
async fn packages_play_only_on_the_members_package_host_without_cookies() {
    let app = app().await;
    let a = app.member("pakket-c").await;
    let b = app.member("pakket-d").await;
    let author = a.author().await;
    let bytes = zip_of(&[
        ("imsmanifest.xml", SCORM12),
        (
            "index.html",
            "<!doctype html><title>Veilig tillen</title><script src=\"js/app.js\"></script>",
        ),
        ("js/app.js", "window.zk = document.cookie;"),
        ("index.js", "window.zk2 = 1;"),
    ]);
    let id = send_package(&author, "tillen.zip", &bytes).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let sandbox = "pakket-c.pakket.localhost";
    assert_eq!(
        app.platform.config.package_url("pakket-c"),
        "http://pakket-c.pakket.localhost:8080"
    );
    // The package host serves its files, with their types and a policy that lets only the
    // member's portal frame them; it sets no cookie, and knows no session.
    let page = app
        .client
        .get(sandbox, &format!("/pakket/{id}/index.html"))
        .session(&a.learner().await.login().await.cookie)
        .expect(StatusCode::OK)
        .await;
    assert_eq!(page.headers["content-type"], "text/html; charset=utf-8");
    assert!(page.text().contains("Veilig tillen"));
    assert!(page.headers.get("set-cookie").is_none());
    let csp = page.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("frame-ancestors 'self' http://pakket-c.localhost:8080"),
        "{csp}"
    );
    let js = app
        .client
        .get(sandbox, &format!("/pakket/{id}/js/app.js"))
        .expect(StatusCode::OK)
        .await;
    assert_eq!(js.headers["content-type"], "text/javascript; charset=utf-8");
    // A page and a script with one name keep their own types.
    let same_name = app
        .client
        .get(sandbox, &format!("/pakket/{id}/index.js"))
        .expect(StatusCode::OK)
        .await;
    assert_eq!(
        same_name.headers["content-type"],
        "text/javascript; charset=utf-8"
    );
    let page_again = app
        .client
        .get(sandbox, &format!("/pakket/{id}/index.html"))
        .expect(StatusCode::OK)
        .await;
    assert_eq!(
        page_again.headers["content-type"],
        "text/html; charset=utf-8"
    );
    // Nothing else answers there: no portal page, no API, no writes, no path out of the package.
    for path in [
        "/inloggen",
        "/",
        "/api/v1/me",
        "/leren",
        "/pakket/../inloggen",
    ] {
        let res = app.client.get(sandbox, path).send().await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
        assert!(res.headers.get("set-cookie").is_none(), "{path}");
    }
    let post = app
        .client
        .post(sandbox, &format!("/pakket/{id}/index.html"))
        .send()
        .await;
    assert_eq!(post.status, StatusCode::NOT_FOUND);
    for path in [
        format!("/pakket/{id}/missing.html"),
        format!("/pakket/{id}/js/../index.html"),
    ] {
        assert_eq!(
            app.client.get(sandbox, &path).send().await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // The portal may frame the package hosts (and nothing else of another origin).
    let portal = a.visitor().get("/inloggen").send().await;
    let csp = portal.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("frame-src 'self' http://*.pakket.localhost:8080;"),
        "{csp}"
    );
    // Not on the portal's host, and not on another member's package host.
    a.visitor()
        .get(&format!("/pakket/{id}/index.html"))
        .expect(StatusCode::NOT_FOUND)
        .await;
    let other = app
        .client
        .get(
            "pakket-d.pakket.localhost",
            &format!("/pakket/{id}/index.html"),
        )
        .send()
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    let _ = b;
}

/// An author adds an e-learning with the editor's form: the editor shows what the package holds
/// (format, course, units with their launch files and pass marks); a file that is not a package
/// (an image) is refused at the block, and another member's package can't be used.
#[tokio::test]
async fn an_author_adds_a_package_block_and_sees_what_the_package_holds() {
    let app = app().await;
    let a = app.member("pakket-e").await;
    let b = app.member("pakket-f").await;
    let author = a.author().await;
    let media = author
        .upload(
            "package",
            "medicatie.zip",
            "application/zip",
            &zk_content::domain::package::samples::scorm2004_multi(),
        )
        .await;
    let image = author
        .upload(
            "image",
            "foto.png",
            "image/png",
            zk_test_support::scenario::files::PNG,
        )
        .await;
    let foreign = b
        .author()
        .await
        .upload(
            "package",
            "tillen.zip",
            "application/zip",
            &zk_content::domain::package::samples::scorm12_single(),
        )
        .await;
    let session = author.login().await;
    let editor = session
        .post("/leren/auteur")
        .form(&[("title", "Medicatie"), ("minutes", "20")])
        .expect(StatusCode::SEE_OTHER)
        .await
        .location()
        .unwrap();
    for (media, code) in [(&image, "wrong_media_kind"), (&foreign, "invalid_media")] {
        let res = session
            .post(&format!("{editor}/blokken"))
            .form(&[("type", "package"), ("media", media), ("title", "Fout")])
            .send()
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{code}");
    }
    session
        .post(&format!("{editor}/blokken"))
        .form(&[
            ("type", "package"),
            ("media", &media),
            ("title", "Medicatie veilig toedienen"),
        ])
        .expect(StatusCode::SEE_OTHER)
        .await;
    let page = session.get(&editor).expect(StatusCode::OK).await.text();
    assert!(page.contains(r#"data-testid="package-summary""#), "{page}");
    assert!(page.contains("SCORM 2004, 4e editie"), "{page}");
    for line in [
        "Uitleg",
        "Toets",
        "uitleg/index.html",
        "toets/index.html",
        "cesuur 80%",
    ] {
        assert!(page.contains(line), "{line} in {page}");
    }
    // The form to add one is there, for zips.
    assert!(page.contains(r#"data-upload="package""#));
}
