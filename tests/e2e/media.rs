//! Media uploads: presigned requests straight to the store (file-system mode here and a real
//! S3 server, `s3s-fs`), type checked by content on confirm, range downloads, cleanup of refused,
//! cancelled and abandoned uploads, and isolation between members.

use crate::support::{upload, App, MP4, PNG, VTT};
use http::StatusCode;
use serde_json::{json, Value};
use zk_kernel::authz::Role;
use zk_test_support::peers::{s3s_fs_binary, S3Peer};

struct Setup {
    app: App,
    a: crate::support::LegacyMember,
    a_author: String,
    a_learner: String,
    b_author: String,
    operator: String,
}

async fn setup_with(adjust: impl FnOnce(&mut zk_kernel::Config)) -> Setup {
    let app = App::with_config(adjust).await;
    let a = app.member("media-a").await;
    let b = app.member("media-b").await;
    app.user(&a, "auteur@media-a.test", Role::Author).await;
    app.user(&a, "leerling@media-a.test", Role::Learner).await;
    app.user(&b, "auteur@media-b.test", Role::Author).await;
    let a_author = app.token(&a, "auteur@media-a.test").await;
    let a_learner = app.token(&a, "leerling@media-a.test").await;
    let b_author = app.token(&b, "auteur@media-b.test").await;
    let (_, operator) = app.operator("media@nzk.test").await;
    Setup {
        app,
        a,
        a_author,
        a_learner,
        b_author,
        operator,
    }
}

async fn announce(s: &Setup, host: &str, token: &str, body: Value) -> (StatusCode, Value) {
    let res = s
        .app
        .client
        .post(host, "/api/v1/content/media")
        .bearer(token)
        .json(&body)
        .send()
        .await;
    (res.status, res.json())
}

async fn media_rows(app: &App) -> i64 {
    app.count("content.media").await
}

/// The object's file in the file-system store, from a signed URL's path.
fn fs_path(app: &App, url: &str) -> std::path::PathBuf {
    let key = url
        .trim_start_matches("/media/o/")
        .split('?')
        .next()
        .unwrap();
    app.platform.config.data_dir.join("objects").join(key)
}

#[tokio::test]
async fn an_image_goes_up_is_checked_and_comes_back_with_ranges() {
    let s = setup_with(|_| {}).await;
    let c = &s.app.client;
    let (status, ticket) = announce(
        &s,
        "media-a",
        &s.a_author,
        json!({"kind": "image", "filename": "Handen wassen.png", "content_type": "image/png", "size": PNG.len()}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(ticket["upload"]["mode"], "single");
    let id = ticket["id"].as_str().unwrap().to_owned();
    let url = ticket["upload"]["request"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        url.starts_with(&format!(
            "/media/o/t/{}/uploads/{id}/Handen-wassen.png?",
            s.a.id.0
        )),
        "the upload goes to a staging key, never to the file's own: {url}"
    );

    // Not confirmable before the bytes are there; a forged or stretched URL is refused.
    let confirm = format!("/api/v1/content/media/{id}/confirm");
    let res = c
        .post("media-a", &confirm)
        .bearer(&s.a_author)
        .json(&json!({}))
        .send()
        .await;
    res.assert_status(StatusCode::CONFLICT);
    assert_eq!(res.error_code(), "upload_missing");
    for forged in [
        url.replace("max=", "max=9"),
        url.replace("op=put", "op=get"),
        url.replace(&id, &uuid::Uuid::new_v4().to_string()),
    ] {
        let res = c
            .put("media-a", &forged)
            .body("image/png", PNG.to_vec())
            .send()
            .await;
        res.assert_status(StatusCode::FORBIDDEN);
        assert!(
            res.text().contains("verlopen of ongeldig"),
            "{}",
            res.text()
        );
    }
    // More bytes than announced: refused while streaming, nothing kept.
    let mut big = PNG.to_vec();
    big.extend_from_slice(b"extra");
    c.put("media-a", &url)
        .body("image/png", big)
        .send()
        .await
        .assert_status(StatusCode::PAYLOAD_TOO_LARGE);
    assert!(!fs_path(&s.app, &url).exists());
    let put = c
        .put("media-a", &url)
        .body("image/png", PNG.to_vec())
        .send()
        .await;
    put.assert_status(StatusCode::OK);
    assert!(put.headers.contains_key("etag"));
    let res = c
        .post("media-a", &confirm)
        .bearer(&s.a_author)
        .json(&json!({}))
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    assert_eq!(
        (
            res.json()["status"].as_str(),
            res.json()["content_type"].as_str()
        ),
        (Some("ready"), Some("image/png"))
    );
    c.post("media-a", &confirm)
        .bearer(&s.a_author)
        .json(&json!({}))
        .send()
        .await
        .assert_status(StatusCode::OK);

    // In a published module, learners get it through a redirect to a short-lived signed URL.
    let res = c
        .post("media-a", "/api/v1/content/modules")
        .bearer(&s.a_author)
        .json(&json!({"title": "Handhygiëne", "minutes": 5, "blocks": [{"type": "image", "media": id, "alt": "Handen onder de kraan"}]}))
        .send()
        .await;
    res.assert_status(StatusCode::CREATED);
    let module = res.json()["id"].as_str().unwrap().to_owned();
    c.post(
        "media-a",
        &format!("/api/v1/content/modules/{module}/publish"),
    )
    .bearer(&s.a_author)
    .json(&json!({"change_note": "Eerste versie"}))
    .send()
    .await
    .assert_status(StatusCode::CREATED);
    let session = s.app.login("media-a", "leerling@media-a.test").await;
    let page = c
        .get("media-a", &format!("/leren/modules/{module}"))
        .session(&session)
        .send()
        .await
        .text();
    assert!(
        page.contains(&format!(
            "src=\"/leren/media/{id}\" alt=\"Handen onder de kraan\""
        )),
        "{page}"
    );
    let res = c
        .get("media-a", &format!("/leren/media/{id}"))
        .session(&session)
        .send()
        .await;
    res.assert_status(StatusCode::FOUND);
    let location = res.location().unwrap();
    let full = c.get("media-a", &location).send().await;
    full.assert_status(StatusCode::OK);
    assert_eq!(
        (
            full.body.as_slice(),
            full.headers["accept-ranges"].to_str().unwrap()
        ),
        (PNG, "bytes")
    );
    let part = c
        .get("media-a", &location)
        .header("range", "bytes=1-3")
        .send()
        .await;
    part.assert_status(StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.body, b"PNG");
    assert_eq!(
        part.headers["content-range"],
        format!("bytes 1-3/{}", PNG.len()).as_str()
    );
    let tail = c
        .get("media-a", &location)
        .header("range", &format!("bytes={}-", PNG.len()))
        .send()
        .await;
    tail.assert_status(StatusCode::RANGE_NOT_SATISFIABLE);
    // The signed URL works for this key only.
    let other = location.replace(&id, &uuid::Uuid::new_v4().to_string());
    c.get("media-a", &other)
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let _ = &s.a_learner;
}

#[tokio::test]
async fn refused_cancelled_and_abandoned_uploads_leave_nothing_behind() {
    let s = setup_with(|_| {}).await;
    let c = &s.app.client;
    let before = media_rows(&s.app).await;
    // A PDF sent as a PNG: refused on confirm by its bytes; object and row gone.
    let (_, ticket) = announce(
        &s,
        "media-a",
        &s.a_author,
        json!({"kind": "image", "filename": "foto.png", "content_type": "image/png", "size": 12}),
    )
    .await;
    let (id, url) = (
        ticket["id"].as_str().unwrap().to_owned(),
        ticket["upload"]["request"]["url"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    c.put("media-a", &url)
        .body("image/png", b"%PDF-1.7 xyz".to_vec())
        .send()
        .await
        .assert_status(StatusCode::OK);
    assert!(fs_path(&s.app, &url).exists());
    let res = c
        .post("media-a", &format!("/api/v1/content/media/{id}/confirm"))
        .bearer(&s.a_author)
        .json(&json!({}))
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        (
            res.error_code().as_str(),
            res.json()["error"]["field"].as_str()
        ),
        ("wrong_type", Some("content_type"))
    );
    assert!(res.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("PNG"));
    assert!(
        !fs_path(&s.app, &url).exists(),
        "the refused file is removed"
    );
    assert_eq!(media_rows(&s.app).await, before);

    // Fewer bytes than announced: refused too.
    let (_, ticket) = announce(
        &s,
        "media-a",
        &s.a_author,
        json!({"kind": "captions", "filename": "nl.vtt", "content_type": "text/vtt", "size": 500}),
    )
    .await;
    let (id, url) = (
        ticket["id"].as_str().unwrap().to_owned(),
        ticket["upload"]["request"]["url"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    c.put("media-a", &url)
        .body("text/vtt", VTT.to_vec())
        .send()
        .await
        .assert_status(StatusCode::OK);
    let res = c
        .post("media-a", &format!("/api/v1/content/media/{id}/confirm"))
        .bearer(&s.a_author)
        .json(&json!({}))
        .send()
        .await;
    assert_eq!(res.error_code(), "size_mismatch");
    assert!(!fs_path(&s.app, &url).exists());

    // Announcements that can't be right are refused before anything is stored.
    for (body, field, code) in [
        (
            json!({"kind": "image", "filename": "x.svg", "content_type": "image/svg+xml", "size": 10}),
            "content_type",
            "wrong_type",
        ),
        (
            json!({"kind": "video", "filename": "x.mp4", "content_type": "video/mp4", "size": 5u64 << 30}),
            "size",
            "too_large",
        ),
        (
            json!({"kind": "document", "filename": " ", "content_type": "application/pdf", "size": 10}),
            "filename",
            "invalid_filename",
        ),
        (
            json!({"kind": "script", "filename": "x.js", "content_type": "text/javascript", "size": 10}),
            "kind",
            "invalid_field",
        ),
    ] {
        let (status, body) = announce(&s, "media-a", &s.a_author, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(
            (
                body["error"]["field"].as_str(),
                body["error"]["code"].as_str()
            ),
            (Some(field), Some(code))
        );
    }
    assert_eq!(media_rows(&s.app).await, before);

    // Cancelled by the user while uploading.
    let (_, ticket) = announce(&s, "media-a", &s.a_author, json!({"kind": "image", "filename": "a.png", "content_type": "image/png", "size": PNG.len()})).await;
    let (id, url) = (
        ticket["id"].as_str().unwrap().to_owned(),
        ticket["upload"]["request"]["url"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    c.put("media-a", &url)
        .body("image/png", PNG.to_vec())
        .send()
        .await
        .assert_status(StatusCode::OK);
    c.request(
        http::Method::DELETE,
        "media-a",
        &format!("/api/v1/content/media/{id}"),
    )
    .bearer(&s.a_author)
    .send()
    .await
    .assert_status(StatusCode::NO_CONTENT);
    assert!(!fs_path(&s.app, &url).exists());
    assert_eq!(media_rows(&s.app).await, before);

    // Abandoned: announced and uploaded, never confirmed. The sweeper removes it once it is old.
    let (_, ticket) = announce(&s, "media-a", &s.a_author, json!({"kind": "image", "filename": "b.png", "content_type": "image/png", "size": PNG.len()})).await;
    let url = ticket["upload"]["request"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    c.put("media-a", &url)
        .body("image/png", PNG.to_vec())
        .send()
        .await
        .assert_status(StatusCode::OK);
    let kept = upload(
        &s.app,
        "media-a",
        &s.a_author,
        "image",
        "c.png",
        "image/png",
        PNG,
    )
    .await;
    assert_eq!(
        zk_content::domain::media::sweep(&s.app.platform)
            .await
            .unwrap(),
        0,
        "young uploads stay"
    );
    let mut owner = s.app.db.owner().await.unwrap();
    sqlx::query("UPDATE content.media SET created_at = now() - interval '2 days'")
        .execute(&mut owner)
        .await
        .unwrap();
    // The abandoned upload, and the staging key of the confirmed one (its URL has expired).
    assert_eq!(
        zk_content::domain::media::sweep(&s.app.platform)
            .await
            .unwrap(),
        2
    );
    assert!(!fs_path(&s.app, &url).exists());
    let left: Vec<String> = sqlx::query_scalar("SELECT id::text FROM content.media")
        .fetch_all(&mut owner)
        .await
        .unwrap();
    assert_eq!(left, vec![kept], "the confirmed file stays");
}

#[tokio::test]
async fn members_use_their_own_files_and_the_portfolios_never_each_others() {
    let s = setup_with(|_| {}).await;
    let c = &s.app.client;
    let b_image = upload(
        &s.app,
        "media-b",
        &s.b_author,
        "image",
        "b.png",
        "image/png",
        PNG,
    )
    .await;
    let shared_image = upload(
        &s.app,
        "",
        &s.operator,
        "image",
        "nzk.png",
        "image/png",
        PNG,
    )
    .await;
    let a_video = upload(
        &s.app,
        "media-a",
        &s.a_author,
        "video",
        "film.mp4",
        "video/mp4",
        MP4,
    )
    .await;
    let a_vtt = upload(
        &s.app,
        "media-a",
        &s.a_author,
        "captions",
        "nl.vtt",
        "text/vtt",
        VTT,
    )
    .await;

    // B's file in A's module: as if it didn't exist. A document slot with a video: wrong kind.
    let draft = |blocks: Value| json!({"title": "Bestanden", "minutes": 5, "blocks": blocks});
    for (blocks, field, code) in [
        (
            json!([{"type": "image", "media": b_image, "alt": "x"}]),
            "blocks[0].media",
            "invalid_media",
        ),
        (
            json!([{"type": "document", "media": a_video}]),
            "blocks[0].media",
            "wrong_media_kind",
        ),
        (
            json!([{"type": "video", "media": a_video, "captions": a_video}]),
            "blocks[0].captions",
            "wrong_media_kind",
        ),
    ] {
        let res = c
            .post("media-a", "/api/v1/content/modules")
            .bearer(&s.a_author)
            .json(&draft(blocks))
            .send()
            .await;
        res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            (
                res.json()["error"]["field"].as_str(),
                res.error_code().as_str()
            ),
            (Some(field), code)
        );
    }
    // Own files and the portfolio's are fine; the video publishes with its captions.
    let res = c
        .post("media-a", "/api/v1/content/modules")
        .bearer(&s.a_author)
        .json(&draft(json!([
            {"type": "video", "media": a_video, "captions": a_vtt, "title": "Tillen"},
            {"type": "image", "media": shared_image, "alt": "Logo van de NZK"}])))
        .send()
        .await;
    res.assert_status(StatusCode::CREATED);
    let module = res.json()["id"].as_str().unwrap().to_owned();
    c.post(
        "media-a",
        &format!("/api/v1/content/modules/{module}/publish"),
    )
    .bearer(&s.a_author)
    .json(&json!({"change_note": "Klaar"}))
    .send()
    .await
    .assert_status(StatusCode::CREATED);
    let session = s.app.login("media-a", "leerling@media-a.test").await;
    let page = c
        .get("media-a", &format!("/leren/modules/{module}"))
        .session(&session)
        .send()
        .await
        .text();
    assert!(
        page.contains(&format!(
            "<track kind=\"captions\" src=\"/leren/media/{a_vtt}\" srclang=\"nl\""
        )),
        "{page}"
    );

    // Downloads, confirms and cancels of another member's files: not found.
    c.get("media-a", &format!("/leren/media/{b_image}"))
        .session(&session)
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);
    c.get("media-a", &format!("/leren/media/{shared_image}"))
        .session(&session)
        .send()
        .await
        .assert_status(StatusCode::FOUND);
    c.post(
        "media-a",
        &format!("/api/v1/content/media/{b_image}/confirm"),
    )
    .bearer(&s.a_author)
    .json(&json!({}))
    .send()
    .await
    .assert_status(StatusCode::NOT_FOUND);
    c.request(
        http::Method::DELETE,
        "media-a",
        &format!("/api/v1/content/media/{b_image}"),
    )
    .bearer(&s.a_author)
    .send()
    .await
    .assert_status(StatusCode::NOT_FOUND);
    // Learners don't upload.
    let (status, _) = announce(
        &s,
        "media-a",
        &s.a_learner,
        json!({"kind": "image", "filename": "a.png", "content_type": "image/png", "size": 10}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut owner = s.app.db.owner().await.unwrap();
    let keys: Vec<String> =
        sqlx::query_scalar("SELECT object_key FROM content.media ORDER BY object_key")
            .fetch_all(&mut owner)
            .await
            .unwrap();
    assert!(
        keys.iter().all(|k| k.starts_with("shared/media/")
            || k.starts_with(&format!("t/{}/media/", s.a.id.0))
            || k.contains("/media/")),
        "{keys:?}"
    );
    assert!(
        keys.iter().any(|k| k.starts_with("shared/media/")),
        "the operator's upload is the portfolio's"
    );
}

#[tokio::test]
async fn large_files_go_up_in_parts() {
    let s = setup_with(|c| {
        c.media_multipart_threshold = 1 << 20;
        c.media_part_size = 5 << 20;
    })
    .await;
    let c = &s.app.client;
    // 6 MiB: two parts of 5 MiB and 1 MiB.
    let mut video = MP4.to_vec();
    video.resize(6 << 20, 7);
    let (status, ticket) = announce(&s, "media-a", &s.a_author, json!({"kind": "video", "filename": "les.mp4", "content_type": "video/mp4", "size": video.len()})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(ticket["upload"]["mode"], "multipart");
    let parts = ticket["upload"]["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 2);
    let part_size = ticket["upload"]["part_size"].as_u64().unwrap() as usize;
    let id = ticket["id"].as_str().unwrap().to_owned();
    let mut done = vec![];
    for (i, part) in parts.iter().enumerate() {
        let chunk = video[i * part_size..((i + 1) * part_size).min(video.len())].to_vec();
        let res = c
            .put("media-a", part["url"].as_str().unwrap())
            .body("application/octet-stream", chunk)
            .send()
            .await;
        res.assert_status(StatusCode::OK);
        done.push(json!({"number": part["number"], "etag": res.headers["etag"].to_str().unwrap()}));
    }
    let confirm = format!("/api/v1/content/media/{id}/confirm");
    let res = c
        .post("media-a", &confirm)
        .bearer(&s.a_author)
        .json(&json!({"parts": [done[0]]}))
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        res.error_code(),
        "size_mismatch",
        "one part alone is not the file"
    );
    // That refusal removed the upload; a new one with both parts succeeds.
    let (_, ticket) = announce(&s, "media-a", &s.a_author, json!({"kind": "video", "filename": "les.mp4", "content_type": "video/mp4", "size": video.len()})).await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    let mut done = vec![];
    for (i, part) in ticket["upload"]["parts"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let chunk = video[i * part_size..((i + 1) * part_size).min(video.len())].to_vec();
        let res = c
            .put("media-a", part["url"].as_str().unwrap())
            .body("application/octet-stream", chunk)
            .send()
            .await;
        done.push(json!({"number": part["number"], "etag": res.headers["etag"].to_str().unwrap()}));
    }
    let res = c
        .post("media-a", &format!("/api/v1/content/media/{id}/confirm"))
        .bearer(&s.a_author)
        .json(&json!({"parts": done}))
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    assert_eq!(res.json()["size"].as_u64(), Some(video.len() as u64));
    let session = s.app.login("media-a", "leerling@media-a.test").await;
    let location = c
        .get("media-a", &format!("/leren/media/{id}"))
        .session(&session)
        .send()
        .await
        .location()
        .unwrap();
    let seek = c
        .get("media-a", &location)
        .header("range", "bytes=6291000-6291455")
        .send()
        .await;
    seek.assert_status(StatusCode::PARTIAL_CONTENT);
    assert_eq!(seek.body, video[6291000..6291456].to_vec());
}

fn s3_available() -> bool {
    if s3s_fs_binary().is_some() {
        return true;
    }
    assert!(std::env::var_os("CI").is_none(), "CI must install s3s-fs");
    eprintln!("skipped: s3s-fs not installed");
    false
}

/// Sends a presigned request to the S3 server directly, as the browser would (which sets
/// `content-length` from the body itself).
async fn send_presigned(req: &Value, body: Vec<u8>) -> reqwest::Response {
    let http = reqwest::Client::new();
    let mut r = http.put(req["url"].as_str().unwrap()).body(body);
    for h in req["headers"].as_array().into_iter().flatten() {
        let name = h[0].as_str().unwrap();
        if !name.eq_ignore_ascii_case("content-length") {
            r = r.header(name, h[1].as_str().unwrap());
        }
    }
    r.send().await.unwrap()
}

#[tokio::test]
async fn with_s3_the_bytes_go_straight_to_the_bucket() {
    if !s3_available() {
        return;
    }
    let peer = S3Peer::start("zorgklas-media").await.unwrap();
    let s3 = peer.config.clone();
    let s = setup_with(move |c| {
        c.s3 = Some(s3);
        c.media_multipart_threshold = 1 << 20;
        c.media_part_size = 5 << 20;
    })
    .await;
    let c = &s.app.client;
    let bucket = peer.data_dir.join("zorgklas-media");

    // One presigned PUT.
    let (_, ticket) = announce(&s, "media-a", &s.a_author, json!({"kind": "image", "filename": "foto.png", "content_type": "image/png", "size": PNG.len()})).await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    let req = &ticket["upload"]["request"];
    assert!(
        req["url"]
            .as_str()
            .unwrap()
            .starts_with(&peer.config.endpoint),
        "{req}"
    );
    assert!(send_presigned(req, PNG.to_vec())
        .await
        .status()
        .is_success());
    c.post("media-a", &format!("/api/v1/content/media/{id}/confirm"))
        .bearer(&s.a_author)
        .json(&json!({}))
        .send()
        .await
        .assert_status(StatusCode::OK);
    let location = c
        .get("media-a", &format!("/leren/media/{id}"))
        .bearer(&s.a_learner)
        .send()
        .await
        .location()
        .unwrap();
    assert!(
        location.starts_with(&peer.config.endpoint) && location.contains("X-Amz-Signature"),
        "{location}"
    );
    let got = reqwest::Client::new()
        .get(&location)
        .header("range", "bytes=0-3")
        .send()
        .await
        .unwrap();
    assert_eq!(got.status().as_u16(), 206);
    assert_eq!(&got.bytes().await.unwrap()[..], &PNG[..4]);

    // The length is signed: a body of another size is refused by the server itself.
    let (_, ticket) = announce(&s, "media-a", &s.a_author, json!({"kind": "image", "filename": "lang.png", "content_type": "image/png", "size": PNG.len()})).await;
    let req = &ticket["upload"]["request"];
    assert!(
        req["headers"]
            .to_string()
            .to_lowercase()
            .contains("content-length"),
        "{req}"
    );
    let mut longer = PNG.to_vec();
    longer.extend_from_slice(&[0; 4096]);
    assert_eq!(send_presigned(req, longer).await.status().as_u16(), 403);
    assert!(send_presigned(req, PNG.to_vec())
        .await
        .status()
        .is_success());
    // The old URL cannot replace the file once it is confirmed (finding 4, on S3).
    let id = ticket["id"].as_str().unwrap().to_owned();
    c.post("media-a", &format!("/api/v1/content/media/{id}/confirm"))
        .bearer(&s.a_author)
        .json(&json!({}))
        .send()
        .await
        .assert_status(StatusCode::OK);
    let mut evil = b"<svg onload=alert(1)>".to_vec();
    evil.resize(PNG.len(), b' ');
    send_presigned(req, evil).await;
    let stored = bucket.join(format!("t/{}/media/{id}/lang.png", s.a.id.0));
    assert_eq!(std::fs::read(&stored).unwrap(), PNG);

    // A tampered presigned URL is refused by the server.
    let (_, ticket) = announce(&s, "media-a", &s.a_author, json!({"kind": "image", "filename": "x.png", "content_type": "image/png", "size": PNG.len()})).await;
    let mut forged = ticket["upload"]["request"].clone();
    forged["url"] = json!(forged["url"].as_str().unwrap().replace("x.png", "y.png"));
    assert_eq!(
        send_presigned(&forged, PNG.to_vec())
            .await
            .status()
            .as_u16(),
        403
    );

    // Multipart: two parts to the bucket, joined on confirm.
    let mut video = MP4.to_vec();
    video.resize((5 << 20) + 1000, 1);
    let (_, ticket) = announce(&s, "media-a", &s.a_author, json!({"kind": "video", "filename": "les.mp4", "content_type": "video/mp4", "size": video.len()})).await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    let part_size = ticket["upload"]["part_size"].as_u64().unwrap() as usize;
    let mut done = vec![];
    for (i, part) in ticket["upload"]["parts"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let chunk = video[i * part_size..((i + 1) * part_size).min(video.len())].to_vec();
        let res = send_presigned(part, chunk).await;
        assert!(res.status().is_success(), "{}", res.status());
        let etag = res.headers()["etag"].to_str().unwrap().to_owned();
        done.push(json!({"number": part["number"], "etag": etag}));
    }
    let res = c
        .post("media-a", &format!("/api/v1/content/media/{id}/confirm"))
        .bearer(&s.a_author)
        .json(&json!({"parts": done}))
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    let stored = bucket.join(format!("t/{}/media/{id}/les.mp4", s.a.id.0));
    assert_eq!(
        std::fs::metadata(&stored).unwrap().len(),
        video.len() as u64
    );

    // A wrong type is removed from the bucket on confirm.
    let (_, ticket) = announce(&s, "media-a", &s.a_author, json!({"kind": "document", "filename": "a.pdf", "content_type": "application/pdf", "size": PNG.len()})).await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    send_presigned(&ticket["upload"]["request"], PNG.to_vec()).await;
    let path = bucket.join(format!("t/{}/uploads/{id}/a.pdf", s.a.id.0));
    assert!(path.exists());
    let res = c
        .post("media-a", &format!("/api/v1/content/media/{id}/confirm"))
        .bearer(&s.a_author)
        .json(&json!({}))
        .send()
        .await;
    assert_eq!(res.error_code(), "wrong_type");
    assert!(!path.exists(), "the refused object is gone from the bucket");
    let _ = &s.b_author;
    let _ = &s.operator;
}

#[tokio::test]
async fn a_contributed_module_takes_copies_of_its_files_into_the_portfolio() {
    let s = setup_with(|_| {}).await;
    let c = &s.app.client;
    let image = upload(
        &s.app,
        "media-a",
        &s.a_author,
        "image",
        "wond.png",
        "image/png",
        PNG,
    )
    .await;
    let res = c
        .post("media-a", "/api/v1/content/modules")
        .bearer(&s.a_author)
        .json(&json!({"title": "Wondzorg in beeld", "minutes": 5, "blocks": [{"type": "image", "media": image, "alt": "Een verbonden wond"}]}))
        .send()
        .await;
    let module = res.json()["id"].as_str().unwrap().to_owned();
    c.post(
        "media-a",
        &format!("/api/v1/content/modules/{module}/publish"),
    )
    .bearer(&s.a_author)
    .json(&json!({"change_note": "v1"}))
    .send()
    .await
    .assert_status(StatusCode::CREATED);
    let candidate = c
        .post(
            "media-a",
            &format!("/api/v1/content/modules/{module}/contribute"),
        )
        .bearer(&s.a_author)
        .json(&json!({"licence": "CC-BY-4.0"}))
        .send()
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    c.post(
        "",
        &format!("/api/v1/content/candidates/{candidate}/review"),
    )
    .bearer(&s.operator)
    .json(&json!({"decision": "approve"}))
    .send()
    .await
    .assert_status(StatusCode::OK);
    let res = c
        .post(
            "",
            &format!("/api/v1/content/candidates/{candidate}/publish"),
        )
        .bearer(&s.operator)
        .send()
        .await;
    res.assert_status(StatusCode::CREATED);
    let shared = res.json()["shared_module_id"].as_str().unwrap().to_owned();
    // Member B sees the module and can load its image: a portfolio copy, not A's file.
    let m = c
        .get("media-b", &format!("/api/v1/catalog/{shared}"))
        .bearer(&s.b_author)
        .send()
        .await
        .json();
    let copy = m["module"]["blocks"][0]["media"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(copy, image);
    c.get("media-b", &format!("/leren/media/{copy}"))
        .bearer(&s.b_author)
        .send()
        .await
        .assert_status(StatusCode::FOUND);
    c.get("media-b", &format!("/leren/media/{image}"))
        .bearer(&s.b_author)
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let mut owner = s.app.db.owner().await.unwrap();
    let key: String =
        sqlx::query_scalar("SELECT object_key FROM content.media WHERE id = $1::uuid")
            .bind(&copy)
            .fetch_one(&mut owner)
            .await
            .unwrap();
    assert!(key.starts_with(&format!("shared/media/{copy}/")), "{key}");
    assert!(s
        .app
        .platform
        .config
        .data_dir
        .join("objects")
        .join(&key)
        .is_file());
}

#[tokio::test]
async fn an_author_swaps_a_pictures_file_in_place_and_only_for_its_own() {
    let s = setup_with(|_| {}).await;
    let c = &s.app.client;
    let image = |host: &'static str, token: String, name: &'static str| {
        let app = &s.app;
        async move { upload(app, host, &token, "image", name, "image/png", PNG).await }
    };
    let first = image("media-a", s.a_author.clone(), "oud.png").await;
    let second = image("media-a", s.a_author.clone(), "nieuw.png").await;
    let foreign = image("media-b", s.b_author.clone(), "b.png").await;
    let res = c
        .post("media-a", "/api/v1/content/modules")
        .bearer(&s.a_author)
        .json(&json!({"title": "Trap", "minutes": 5, "blocks": [
            {"type": "image", "media": first, "alt": "De oude trap"}]}))
        .send()
        .await;
    res.assert_status(StatusCode::CREATED);
    let module = res.json()["id"].as_str().unwrap().to_owned();
    let block = res.json()["draft"]["blocks"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let session = s.app.login("media-a", "auteur@media-a.test").await;
    let editor = format!("/leren/auteur/{module}");
    let html = c
        .get("media-a", &editor)
        .session(&session)
        .send()
        .await
        .text();
    assert!(
        html.contains(&format!("data-target=\"media-{block}\"")),
        "the picture's edit form offers another file: {html}"
    );
    let draft = || async {
        c.get("media-a", &format!("/api/v1/content/modules/{module}"))
            .bearer(&s.a_author)
            .send()
            .await
            .json()["draft"]["blocks"][0]
            .clone()
    };
    // Another member's file is refused by name, and nothing changes.
    let edit = format!("{editor}/blokken/{block}/bewerken");
    let res = c
        .post("media-a", &edit)
        .session(&session)
        .form(&[("media", foreign.as_str()), ("alt", "Gekaapt")])
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(draft().await["media"], first.as_str());
    assert_eq!(draft().await["alt"], "De oude trap");
    // Its own new file replaces the old one; the block keeps its id. Empty keeps the file.
    c.post("media-a", &edit)
        .session(&session)
        .form(&[("media", second.as_str()), ("alt", "De nieuwe trap")])
        .send()
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let now = draft().await;
    assert_eq!(
        (
            now["id"].as_str(),
            now["media"].as_str(),
            now["alt"].as_str()
        ),
        (
            Some(block.as_str()),
            Some(second.as_str()),
            Some("De nieuwe trap")
        )
    );
    c.post("media-a", &edit)
        .session(&session)
        .form(&[("media", ""), ("alt", "Trap")])
        .send()
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert_eq!(draft().await["media"], second.as_str());
}

/// The bytes of a file as a learner downloads them (file-system mode).
async fn downloaded(s: &Setup, id: &str) -> Vec<u8> {
    let c = &s.app.client;
    let to = c
        .get("media-a", &format!("/leren/media/{id}"))
        .bearer(&s.a_learner)
        .send()
        .await
        .location()
        .unwrap();
    let res = c.get("media-a", &to).send().await;
    res.assert_status(StatusCode::OK);
    res.body
}

#[tokio::test]
async fn an_upload_url_cannot_replace_a_confirmed_file() {
    // Security review 2, finding 4: the signed URL outlived the confirmation and could put
    // unchecked bytes where the checked file was.
    let s = setup_with(|_| {}).await;
    let c = &s.app.client;
    let (_, ticket) = announce(&s, "media-a", &s.a_author, json!({"kind": "image", "filename": "foto.png", "content_type": "image/png", "size": PNG.len()})).await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    let url = ticket["upload"]["request"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    c.put("media-a", &url)
        .body("image/png", PNG.to_vec())
        .send()
        .await
        .assert_status(StatusCode::OK);
    c.post("media-a", &format!("/api/v1/content/media/{id}/confirm"))
        .bearer(&s.a_author)
        .json(&json!({}))
        .send()
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(downloaded(&s, &id).await, PNG);

    // The same URL, within its hour, with other bytes of the same size.
    let mut evil = b"<svg onload=alert(1)>".to_vec();
    evil.resize(PNG.len(), b' ');
    let _ = c.put("media-a", &url).body("image/png", evil).send().await;
    assert_eq!(
        downloaded(&s, &id).await,
        PNG,
        "the checked file is untouched"
    );
    // Confirming again changes nothing either.
    c.post("media-a", &format!("/api/v1/content/media/{id}/confirm"))
        .bearer(&s.a_author)
        .json(&json!({}))
        .send()
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(downloaded(&s, &id).await, PNG);
    // Whatever the stale URL left at the staging key is swept once the URL has expired.
    assert!(fs_path(&s.app, &url).exists());
    let mut owner = s.app.db.owner().await.unwrap();
    sqlx::query("UPDATE content.media SET created_at = now() - interval '2 hours'")
        .execute(&mut owner)
        .await
        .unwrap();
    zk_content::domain::media::sweep(&s.app.platform)
        .await
        .unwrap();
    assert!(!fs_path(&s.app, &url).exists());
    assert_eq!(downloaded(&s, &id).await, PNG);
}

/// Sets a member's quota through the operators' API (`None`: the tier's default).
async fn set_quota(s: &Setup, slug: &str, bytes: Option<i64>) {
    s.app
        .client
        .put("", &format!("/api/v1/tenants/{slug}"))
        .bearer(&s.operator)
        .json(&json!({"name": format!("Zorg {slug}"), "employee_count": 120, "media_quota_bytes": bytes}))
        .send()
        .await
        .assert_status(StatusCode::OK);
}

#[tokio::test]
async fn a_members_files_stay_within_its_storage_quota() {
    // Security review 2, finding 8: any author could upload any number of 4 GiB files.
    let s = setup_with(|_| {}).await;
    let c = &s.app.client;
    let usage = || async {
        let res = c
            .get("media-a", "/api/v1/content/media/usage")
            .bearer(&s.a_author)
            .send()
            .await;
        res.assert_status(StatusCode::OK);
        res.json()
    };
    // 120 employees: the tier's default of 25 GiB.
    let u = usage().await;
    assert_eq!(
        (u["used_bytes"].as_i64(), u["quota_bytes"].as_i64()),
        (Some(0), Some(25 << 30))
    );
    let video = |size: i64| json!({"kind": "video", "filename": "les.mp4", "content_type": "video/mp4", "size": size});
    let (status, _) = announce(&s, "media-a", &s.a_author, video(4 << 30)).await;
    assert_eq!(status, StatusCode::CREATED, "a 4 GiB video fits");
    let u = usage().await;
    assert_eq!(
        u["used_bytes"].as_i64(),
        Some(4 << 30),
        "announced uploads hold their place"
    );
    for _ in 0..5 {
        announce(&s, "media-a", &s.a_author, video(4 << 30)).await;
    }
    // Six announced: 24 GiB. A seventh does not fit, with a clear Dutch error on `size`.
    let (status, err) = announce(&s, "media-a", &s.a_author, video(4 << 30)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["code"], "storage_quota_exceeded");
    assert_eq!(err["error"]["field"], "size");
    let message = err["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("24 GB van 25 GB") && message.contains("4 GB"),
        "{message}"
    );
    // Another member's storage is its own.
    let (status, _) = announce(&s, "media-b", &s.b_author, video(4 << 30)).await;
    assert_eq!(status, StatusCode::CREATED);

    // An operator gives the member a small quota; it holds at announcement and at confirm.
    let mut owner = s.app.db.owner().await.unwrap();
    sqlx::query("DELETE FROM content.media")
        .execute(&mut owner)
        .await
        .unwrap();
    set_quota(&s, "media-a", Some(PNG.len() as i64 * 2)).await;
    assert_eq!(
        usage().await["quota_bytes"].as_i64(),
        Some(PNG.len() as i64 * 2)
    );
    upload(
        &s.app,
        "media-a",
        &s.a_author,
        "image",
        "een.png",
        "image/png",
        PNG,
    )
    .await;
    let (_, ticket) = announce(&s, "media-a", &s.a_author, json!({"kind": "image", "filename": "twee.png", "content_type": "image/png", "size": PNG.len()})).await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    c.put(
        "media-a",
        ticket["upload"]["request"]["url"].as_str().unwrap(),
    )
    .body("image/png", PNG.to_vec())
    .send()
    .await
    .assert_status(StatusCode::OK);
    let (status, err) = announce(&s, "media-a", &s.a_author, json!({"kind": "image", "filename": "drie.png", "content_type": "image/png", "size": PNG.len()})).await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("storage_quota_exceeded")
        )
    );
    // Lowered meanwhile: the waiting upload no longer fits when it is confirmed, and goes.
    set_quota(&s, "media-a", Some(PNG.len() as i64)).await;
    let res = c
        .post("media-a", &format!("/api/v1/content/media/{id}/confirm"))
        .bearer(&s.a_author)
        .json(&json!({}))
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.error_code(), "storage_quota_exceeded");
    assert_eq!(usage().await["used_bytes"].as_i64(), Some(PNG.len() as i64));
    // Back to the tier's default.
    set_quota(&s, "media-a", None).await;
    assert_eq!(usage().await["quota_bytes"].as_i64(), Some(25 << 30));
    // A bad quota is refused by field.
    let res = c
        .put("", "/api/v1/tenants/media-a")
        .bearer(&s.operator)
        .json(&json!({"name": "Zorg media-a", "employee_count": 120, "media_quota_bytes": -5}))
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["error"]["field"], "media_quota_bytes");

    // The admin's page shows it.
    s.app.user(&s.a, "beheer2@media-a.test", Role::Admin).await;
    let session = s.app.login("media-a", "beheer2@media-a.test").await;
    let html = c
        .get("media-a", "/leren/beheer")
        .session(&session)
        .send()
        .await
        .text();
    assert!(html.contains("data-testid=\"storage\""), "{html}");
    assert!(html.contains("van 25 GB in gebruik"), "{html}");
}
