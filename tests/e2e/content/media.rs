//! Media uploads in the file-system mode: presigned requests straight to the store, type checked
//! by content on confirm, range downloads, large files in parts, cleanup of refused, cancelled
//! and abandoned uploads, a storage quota per member, and isolation between members. (On a
//! real S3 server: `media_on_s3`.)

use crate::support::{files::*, *};

/// Members `media-a` and `media-b` with an author each, A's learner and an operator.
pub(super) struct Cast {
    pub app: TestApp,
    pub a: Member,
    pub a_author: User,
    pub a_learner: User,
    pub b_author: User,
    pub operator: User,
}

/// [`Cast`] on an app with an adjusted configuration.
pub(super) async fn cast_with(adjust: impl FnOnce(&mut zk_kernel::Config)) -> Cast {
    let app = app_with(adjust).await;
    let a = app.member("media-a").await;
    let b = app.member("media-b").await;
    let (a_author, a_learner, b_author) = (a.author().await, a.learner().await, b.author().await);
    let operator = app.operator("media@nzk.test").await;
    Cast {
        app,
        a,
        a_author,
        a_learner,
        b_author,
        operator,
    }
}

/// Announces an upload as `user`: the status and the ticket (or the error).
pub(super) async fn announce(user: &User, body: Value) -> (StatusCode, Value) {
    let res = user.post("/api/v1/content/media").json(&body).send().await;
    (res.status, res.json())
}

/// An announcement of a PNG called `filename`.
pub(super) fn png(filename: &str) -> Value {
    json!({"kind": "image", "filename": filename, "content_type": "image/png", "size": PNG.len()})
}

/// A ticket's media id and the URL of its single upload.
fn id_and_url(ticket: &Value) -> (String, String) {
    (
        ticket["id"].as_str().unwrap().to_owned(),
        ticket["upload"]["request"]["url"]
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

/// Announces a PNG called `filename` as A's author and puts its bytes at the signed URL, not yet
/// confirmed; returns the media id and the URL.
async fn staged_png(s: &Cast, filename: &str) -> (String, String) {
    let (_, ticket) = announce(&s.a_author, png(filename)).await;
    let (id, url) = id_and_url(&ticket);
    s.a.visitor()
        .put(&url)
        .body("image/png", PNG.to_vec())
        .expect(StatusCode::OK)
        .await;
    (id, url)
}

/// Confirms the upload `id` as `user`, whatever the outcome.
pub(super) async fn confirm(user: &User, id: &str, body: Value) -> zk_test_support::TestResponse {
    user.post(&format!("/api/v1/content/media/{id}/confirm"))
        .json(&body)
        .send()
        .await
}

/// The object's file in the file-system store, from a signed URL's path.
fn fs_path(app: &TestApp, url: &str) -> std::path::PathBuf {
    let key = url
        .trim_start_matches("/media/o/")
        .split('?')
        .next()
        .unwrap();
    app.platform.config.data_dir.join("objects").join(key)
}

#[tokio::test]
async fn an_image_goes_up_is_checked_and_comes_back_with_ranges() {
    let s = cast_with(|_| {}).await;
    let store = s.a.visitor();
    let (status, ticket) = announce(&s.a_author, png("Handen wassen.png")).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(ticket["upload"]["mode"], "single");
    let (id, url) = id_and_url(&ticket);
    assert!(
        url.starts_with(&format!(
            "/media/o/t/{}/uploads/{id}/Handen-wassen.png?",
            s.a.id.0
        )),
        "the upload goes to a staging key, never to the file's own: {url}"
    );

    // Not confirmable before the bytes are there; a forged or stretched URL is refused.
    let res = confirm(&s.a_author, &id, json!({})).await;
    res.assert_status(StatusCode::CONFLICT);
    assert_eq!(res.error_code(), "upload_missing");
    for forged in [
        url.replace("max=", "max=9"),
        url.replace("op=put", "op=get"),
        url.replace(&id, &uuid::Uuid::new_v4().to_string()),
    ] {
        let res = store
            .put(&forged)
            .body("image/png", PNG.to_vec())
            .expect(StatusCode::FORBIDDEN)
            .await;
        assert!(
            res.text().contains("verlopen of ongeldig"),
            "{}",
            res.text()
        );
    }
    // More bytes than announced: refused while streaming, nothing kept.
    let mut big = PNG.to_vec();
    big.extend_from_slice(b"extra");
    store
        .put(&url)
        .body("image/png", big)
        .expect(StatusCode::PAYLOAD_TOO_LARGE)
        .await;
    assert!(!fs_path(&s.app, &url).exists());
    let put = store
        .put(&url)
        .body("image/png", PNG.to_vec())
        .expect(StatusCode::OK)
        .await;
    assert!(put.headers.contains_key("etag"));
    let res = confirm(&s.a_author, &id, json!({})).await;
    res.assert_status(StatusCode::OK);
    assert_eq!(
        (
            res.json()["status"].as_str(),
            res.json()["content_type"].as_str()
        ),
        (Some("ready"), Some("image/png"))
    );
    confirm(&s.a_author, &id, json!({}))
        .await
        .assert_status(StatusCode::OK);

    // In a published module, learners get it through a redirect to a short-lived signed URL.
    let module = s
        .a_author
        .publish_module(json!({"title": "Handhygiëne", "minutes": 5, "blocks": [{"type": "image", "media": id, "alt": "Handen onder de kraan"}]}))
        .await;
    let session = s.a_learner.login().await;
    let page = session
        .get(&format!("/leren/modules/{}", module.id))
        .send()
        .await
        .text();
    assert!(
        page.contains(&format!(
            "src=\"/leren/media/{id}\" alt=\"Handen onder de kraan\""
        )),
        "{page}"
    );
    let res = session
        .get(&format!("/leren/media/{id}"))
        .expect(StatusCode::FOUND)
        .await;
    let location = res.location().unwrap();
    let full = store.get(&location).expect(StatusCode::OK).await;
    assert_eq!(
        (
            full.body.as_slice(),
            full.headers["accept-ranges"].to_str().unwrap()
        ),
        (PNG, "bytes")
    );
    let part = store
        .get(&location)
        .header("range", "bytes=1-3")
        .expect(StatusCode::PARTIAL_CONTENT)
        .await;
    assert_eq!(part.body, b"PNG");
    assert_eq!(
        part.headers["content-range"],
        format!("bytes 1-3/{}", PNG.len()).as_str()
    );
    store
        .get(&location)
        .header("range", &format!("bytes={}-", PNG.len()))
        .expect(StatusCode::RANGE_NOT_SATISFIABLE)
        .await;
    // The signed URL works for this key only.
    let other = location.replace(&id, &uuid::Uuid::new_v4().to_string());
    store.get(&other).expect(StatusCode::FORBIDDEN).await;
}

#[tokio::test]
async fn refused_cancelled_and_abandoned_uploads_leave_nothing_behind() {
    let s = cast_with(|_| {}).await;
    let store = s.a.visitor();
    let before = s.app.count("content.media").await;
    // A PDF sent as a PNG: refused on confirm by its bytes; object and row gone.
    let (_, ticket) = announce(
        &s.a_author,
        json!({"kind": "image", "filename": "foto.png", "content_type": "image/png", "size": 12}),
    )
    .await;
    let (id, url) = id_and_url(&ticket);
    store
        .put(&url)
        .body("image/png", b"%PDF-1.7 xyz".to_vec())
        .expect(StatusCode::OK)
        .await;
    assert!(fs_path(&s.app, &url).exists());
    let res = confirm(&s.a_author, &id, json!({})).await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        (res.error_code().as_str(), res.error_field().as_str()),
        ("wrong_type", "content_type")
    );
    assert!(res.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("PNG"));
    assert!(
        !fs_path(&s.app, &url).exists(),
        "the refused file is removed"
    );
    assert_eq!(s.app.count("content.media").await, before);

    // Fewer bytes than announced: refused too.
    let (_, ticket) = announce(
        &s.a_author,
        json!({"kind": "captions", "filename": "nl.vtt", "content_type": "text/vtt", "size": 500}),
    )
    .await;
    let (id, url) = id_and_url(&ticket);
    store
        .put(&url)
        .body("text/vtt", VTT.to_vec())
        .expect(StatusCode::OK)
        .await;
    let res = confirm(&s.a_author, &id, json!({})).await;
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
        let (status, body) = announce(&s.a_author, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(
            (
                body["error"]["field"].as_str(),
                body["error"]["code"].as_str()
            ),
            (Some(field), Some(code))
        );
    }
    assert_eq!(s.app.count("content.media").await, before);

    // Cancelled by the user while uploading.
    let (id, url) = staged_png(&s, "a.png").await;
    s.a_author
        .delete(&format!("/api/v1/content/media/{id}"))
        .expect(StatusCode::NO_CONTENT)
        .await;
    assert!(!fs_path(&s.app, &url).exists());
    assert_eq!(s.app.count("content.media").await, before);

    // Abandoned: announced and uploaded, never confirmed. The sweeper removes it once it is old.
    let (_, url) = staged_png(&s, "b.png").await;
    let kept = s.a_author.upload("image", "c.png", "image/png", PNG).await;
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
    let s = cast_with(|_| {}).await;
    let b_image = s.b_author.upload("image", "b.png", "image/png", PNG).await;
    let shared_image = s
        .operator
        .upload("image", "nzk.png", "image/png", PNG)
        .await;
    let a_video = s
        .a_author
        .upload("video", "film.mp4", "video/mp4", MP4)
        .await;
    let a_vtt = s
        .a_author
        .upload("captions", "nl.vtt", "text/vtt", VTT)
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
        let res = s
            .a_author
            .post("/api/v1/content/modules")
            .json(&draft(blocks))
            .expect(StatusCode::UNPROCESSABLE_ENTITY)
            .await;
        assert_eq!(
            (res.error_field(), res.error_code()),
            (field.to_owned(), code.to_owned())
        );
    }
    // Own files and the portfolio's are fine; the video publishes with its captions.
    let module = s
        .a_author
        .publish_module(draft(json!([
            {"type": "video", "media": a_video, "captions": a_vtt, "title": "Tillen"},
            {"type": "image", "media": shared_image, "alt": "Logo van de NZK"}])))
        .await;
    let session = s.a_learner.login().await;
    let page = session
        .get(&format!("/leren/modules/{}", module.id))
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
    session
        .get(&format!("/leren/media/{b_image}"))
        .expect(StatusCode::NOT_FOUND)
        .await;
    session
        .get(&format!("/leren/media/{shared_image}"))
        .expect(StatusCode::FOUND)
        .await;
    confirm(&s.a_author, &b_image, json!({}))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    s.a_author
        .delete(&format!("/api/v1/content/media/{b_image}"))
        .expect(StatusCode::NOT_FOUND)
        .await;
    // Learners don't upload.
    let (status, _) = announce(
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

/// Puts each part of a multipart ticket's `video` through `store` and returns the parts for the
/// confirmation (number and ETag).
async fn put_parts(store: &Visitor, ticket: &Value, video: &[u8], check: bool) -> Vec<Value> {
    let part_size = ticket["upload"]["part_size"].as_u64().unwrap() as usize;
    let mut done = vec![];
    for (i, part) in ticket["upload"]["parts"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let chunk = video[i * part_size..((i + 1) * part_size).min(video.len())].to_vec();
        let res = store
            .put(part["url"].as_str().unwrap())
            .body("application/octet-stream", chunk)
            .send()
            .await;
        if check {
            res.assert_status(StatusCode::OK);
        }
        done.push(json!({"number": part["number"], "etag": res.headers["etag"].to_str().unwrap()}));
    }
    done
}

#[tokio::test]
async fn large_files_go_up_in_parts() {
    let s = cast_with(|c| {
        c.media_multipart_threshold = 1 << 20;
        c.media_part_size = 5 << 20;
    })
    .await;
    let store = s.a.visitor();
    // 6 MiB: two parts of 5 MiB and 1 MiB.
    let mut video = MP4.to_vec();
    video.resize(6 << 20, 7);
    let announcement = json!({"kind": "video", "filename": "les.mp4", "content_type": "video/mp4", "size": video.len()});
    let (status, ticket) = announce(&s.a_author, announcement.clone()).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(ticket["upload"]["mode"], "multipart");
    assert_eq!(ticket["upload"]["parts"].as_array().unwrap().len(), 2);
    let id = ticket["id"].as_str().unwrap().to_owned();
    let done = put_parts(&store, &ticket, &video, true).await;
    let res = confirm(&s.a_author, &id, json!({"parts": [done[0]]})).await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        res.error_code(),
        "size_mismatch",
        "one part alone is not the file"
    );
    // That refusal removed the upload; a new one with both parts succeeds.
    let (_, ticket) = announce(&s.a_author, announcement).await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    let done = put_parts(&store, &ticket, &video, false).await;
    let res = confirm(&s.a_author, &id, json!({"parts": done})).await;
    res.assert_status(StatusCode::OK);
    assert_eq!(res.json()["size"].as_u64(), Some(video.len() as u64));
    let location = s
        .a_learner
        .login()
        .await
        .get(&format!("/leren/media/{id}"))
        .send()
        .await
        .location()
        .unwrap();
    let seek = store
        .get(&location)
        .header("range", "bytes=6291000-6291455")
        .expect(StatusCode::PARTIAL_CONTENT)
        .await;
    assert_eq!(seek.body, video[6291000..6291456].to_vec());
}

#[tokio::test]
async fn a_contributed_module_takes_copies_of_its_files_into_the_portfolio() {
    let s = cast_with(|_| {}).await;
    let image = s
        .a_author
        .upload("image", "wond.png", "image/png", PNG)
        .await;
    let module = s
        .a_author
        .publish_module(json!({"title": "Wondzorg in beeld", "minutes": 5, "blocks": [{"type": "image", "media": image, "alt": "Een verbonden wond"}]}))
        .await;
    let candidate = s
        .a_author
        .post(&format!("/api/v1/content/modules/{}/contribute", module.id))
        .json(&json!({"licence": "CC-BY-4.0"}))
        .send()
        .await
        .id();
    let candidate = format!("/api/v1/content/candidates/{candidate}");
    s.operator
        .post(&format!("{candidate}/review"))
        .json(&json!({"decision": "approve"}))
        .expect(StatusCode::OK)
        .await;
    let res = s
        .operator
        .post(&format!("{candidate}/publish"))
        .expect(StatusCode::CREATED)
        .await;
    let shared = res.json()["shared_module_id"].as_str().unwrap().to_owned();
    // Member B sees the module and can load its image: a portfolio copy, not A's file.
    let m = s
        .b_author
        .get(&format!("/api/v1/catalog/{shared}"))
        .send()
        .await
        .json();
    let copy = m["module"]["blocks"][0]["media"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(copy, image);
    s.b_author
        .get(&format!("/leren/media/{copy}"))
        .expect(StatusCode::FOUND)
        .await;
    s.b_author
        .get(&format!("/leren/media/{image}"))
        .expect(StatusCode::NOT_FOUND)
        .await;
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
    let s = cast_with(|_| {}).await;
    let first = s
        .a_author
        .upload("image", "oud.png", "image/png", PNG)
        .await;
    let second = s
        .a_author
        .upload("image", "nieuw.png", "image/png", PNG)
        .await;
    let foreign = s.b_author.upload("image", "b.png", "image/png", PNG).await;
    let module = s
        .a_author
        .draft_module(json!({"title": "Trap", "minutes": 5, "blocks": [
            {"type": "image", "media": first, "alt": "De oude trap"}]}))
        .await;
    let block = module.block(0);
    let session = s.a_author.login().await;
    let editor = format!("/leren/auteur/{}", module.id);
    let html = session.get(&editor).send().await.text();
    assert!(
        html.contains(&format!("data-target=\"media-{block}\"")),
        "the picture's edit form offers another file: {html}"
    );
    let draft = || async { s.a_author.module(&module.id).await.doc["blocks"][0].clone() };
    // Another member's file is refused by name, and nothing changes.
    let edit = format!("{editor}/blokken/{block}/bewerken");
    session
        .post(&edit)
        .form(&[("media", foreign.as_str()), ("alt", "Gekaapt")])
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(draft().await["media"], first.as_str());
    assert_eq!(draft().await["alt"], "De oude trap");
    // Its own new file replaces the old one; the block keeps its id. Empty keeps the file.
    session
        .post(&edit)
        .form(&[("media", second.as_str()), ("alt", "De nieuwe trap")])
        .expect(StatusCode::SEE_OTHER)
        .await;
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
    session
        .post(&edit)
        .form(&[("media", ""), ("alt", "Trap")])
        .expect(StatusCode::SEE_OTHER)
        .await;
    assert_eq!(draft().await["media"], second.as_str());
}

/// The bytes of a file as a learner downloads them (file-system mode).
async fn downloaded(s: &Cast, id: &str) -> Vec<u8> {
    let to = s
        .a_learner
        .get(&format!("/leren/media/{id}"))
        .send()
        .await
        .location()
        .unwrap();
    s.a.visitor().get(&to).expect(StatusCode::OK).await.body
}

#[tokio::test]
async fn an_upload_url_cannot_replace_a_confirmed_file() {
    // Security review 2, finding 4: the signed URL outlived the confirmation and could put
    // unchecked bytes where the checked file was.
    let s = cast_with(|_| {}).await;
    let store = s.a.visitor();
    let (id, url) = staged_png(&s, "foto.png").await;
    confirm(&s.a_author, &id, json!({}))
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(downloaded(&s, &id).await, PNG);

    // The same URL, within its hour, with other bytes of the same size.
    let mut evil = b"<svg onload=alert(1)>".to_vec();
    evil.resize(PNG.len(), b' ');
    let _ = store.put(&url).body("image/png", evil).send().await;
    assert_eq!(
        downloaded(&s, &id).await,
        PNG,
        "the checked file is untouched"
    );
    // Confirming again changes nothing either.
    confirm(&s.a_author, &id, json!({}))
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
async fn set_quota(s: &Cast, slug: &str, bytes: Option<i64>) {
    s.operator
        .put(&format!("/api/v1/tenants/{slug}"))
        .json(&json!({"name": format!("Zorg {slug}"), "employee_count": 120, "media_quota_bytes": bytes}))
        .expect(StatusCode::OK)
        .await;
}

#[tokio::test]
async fn a_members_files_stay_within_its_storage_quota() {
    // Security review 2, finding 8: any author could upload any number of 4 GiB files.
    let s = cast_with(|_| {}).await;
    let usage = || async {
        s.a_author
            .get("/api/v1/content/media/usage")
            .expect(StatusCode::OK)
            .await
            .json()
    };
    // 120 employees: the tier's default of 25 GiB.
    let u = usage().await;
    assert_eq!(
        (u["used_bytes"].as_i64(), u["quota_bytes"].as_i64()),
        (Some(0), Some(25 << 30))
    );
    let video = |size: i64| json!({"kind": "video", "filename": "les.mp4", "content_type": "video/mp4", "size": size});
    let (status, _) = announce(&s.a_author, video(4 << 30)).await;
    assert_eq!(status, StatusCode::CREATED, "a 4 GiB video fits");
    let u = usage().await;
    assert_eq!(
        u["used_bytes"].as_i64(),
        Some(4 << 30),
        "announced uploads hold their place"
    );
    for _ in 0..5 {
        announce(&s.a_author, video(4 << 30)).await;
    }
    // Six announced: 24 GiB. A seventh does not fit, with a clear Dutch error on `size`.
    let (status, err) = announce(&s.a_author, video(4 << 30)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["code"], "storage_quota_exceeded");
    assert_eq!(err["error"]["field"], "size");
    let message = err["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("24 GB van 25 GB") && message.contains("4 GB"),
        "{message}"
    );
    // Another member's storage is its own.
    let (status, _) = announce(&s.b_author, video(4 << 30)).await;
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
    s.a_author
        .upload("image", "een.png", "image/png", PNG)
        .await;
    let (id, _) = staged_png(&s, "twee.png").await;
    let (status, err) = announce(&s.a_author, png("drie.png")).await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("storage_quota_exceeded")
        )
    );
    // Lowered meanwhile: the waiting upload no longer fits when it is confirmed, and goes.
    set_quota(&s, "media-a", Some(PNG.len() as i64)).await;
    let res = confirm(&s.a_author, &id, json!({})).await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.error_code(), "storage_quota_exceeded");
    assert_eq!(usage().await["used_bytes"].as_i64(), Some(PNG.len() as i64));
    // Back to the tier's default.
    set_quota(&s, "media-a", None).await;
    assert_eq!(usage().await["quota_bytes"].as_i64(), Some(25 << 30));
    // A bad quota is refused by field.
    let res = s
        .operator
        .put("/api/v1/tenants/media-a")
        .json(&json!({"name": "Zorg media-a", "employee_count": 120, "media_quota_bytes": -5}))
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(res.error_field(), "media_quota_bytes");

    // The admin's page shows it.
    let html =
        s.a.user("beheer2@media-a.test", Role::Admin)
            .await
            .login()
            .await
            .get("/leren/beheer")
            .send()
            .await
            .text();
    assert!(html.contains("data-testid=\"storage\""), "{html}");
    assert!(html.contains("van 25 GB in gebruik"), "{html}");
}
