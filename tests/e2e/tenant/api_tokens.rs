//! API tokens: their owners and admins see and revoke them, they expire, and blocking ends them
//! for good. Regression tests of the second security review (issue 20, finding 7).

use crate::support::*;

/// The status of `/api/v1/me` with the bearer token `token` on `member`'s host.
async fn me_with_token(member: &Member, token: &str) -> StatusCode {
    member
        .visitor()
        .get("/api/v1/me")
        .bearer(token)
        .send()
        .await
        .status
}

/// The tokens `/api/v1/me/tokens` lists for the owner of `token`.
async fn my_tokens(member: &Member, token: &str) -> Vec<Value> {
    member
        .visitor()
        .get("/api/v1/me/tokens")
        .bearer(token)
        .expect(StatusCode::OK)
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn users_and_admins_see_and_revoke_api_tokens_which_expire() {
    let app = app().await;
    let a = app.member("sleutel-a").await;
    let b = app.member("sleutel-b").await;
    let admin = a.user("admin@sleutel-a.test", Role::Admin).await;
    let b_admin = b.user("admin@sleutel-b.test", Role::Admin).await;
    let hr = a
        .user_without_token("hr@sleutel-a.test", Role::Learner)
        .await;
    let first = hr.new_token().await;
    let second = hr.new_token().await;

    // The owner sees both: name, created, last used, expiry — never the token itself.
    assert_eq!(me_with_token(&a, &first).await, StatusCode::OK);
    let list = my_tokens(&a, &first).await;
    assert_eq!(list.len(), 2, "{list:?}");
    let text = serde_json::to_string(&list).unwrap();
    assert!(!text.contains(&first[3..]) && !text.contains(&second[3..]));
    assert!(list
        .iter()
        .all(|t| t["label"] == "test" && t["expired"] == false));
    assert!(
        list.iter().any(|t| t["last_used_at"].is_string()),
        "use is recorded: {list:?}"
    );
    let expires = time::OffsetDateTime::parse(
        list[0]["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let days = (expires - time::OffsetDateTime::now_utc()).whole_days();
    assert!((89..=90).contains(&days), "{days}");

    // The admin sees them too; another member's admin finds no such user.
    let hr_tokens = format!("/api/v1/users/{}/tokens", hr.id);
    let res = admin.get(&hr_tokens).expect(StatusCode::OK).await;
    assert_eq!(res.json()["items"].as_array().unwrap().len(), 2);
    b_admin.get(&hr_tokens).expect(StatusCode::NOT_FOUND).await;
    // A learner doesn't see other users' tokens.
    a.visitor()
        .get(&hr_tokens)
        .bearer(&first)
        .expect(StatusCode::FORBIDDEN)
        .await;

    // The owner revokes one; it stops working at once. Someone else's token id is 404.
    let id_of = |list: &[Value], used: bool| {
        list.iter()
            .find(|t| t["last_used_at"].is_string() == used)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let first_id = id_of(&list, true);
    let second_id = id_of(&list, false);
    admin
        .delete(&format!("/api/v1/me/tokens/{first_id}"))
        .expect(StatusCode::NOT_FOUND)
        .await;
    a.visitor()
        .delete(&format!("/api/v1/me/tokens/{first_id}"))
        .bearer(&second)
        .expect(StatusCode::NO_CONTENT)
        .await;
    assert_eq!(me_with_token(&a, &first).await, StatusCode::UNAUTHORIZED);
    // Another member's admin can't revoke it; its own admin can.
    let revoke = format!("{hr_tokens}/{second_id}");
    b_admin.delete(&revoke).expect(StatusCode::NOT_FOUND).await;
    assert_eq!(me_with_token(&a, &second).await, StatusCode::OK);
    admin.delete(&revoke).expect(StatusCode::NO_CONTENT).await;
    assert_eq!(me_with_token(&a, &second).await, StatusCode::UNAUTHORIZED);

    // A token past its expiry no longer works.
    let third = hr.new_token().await;
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query("UPDATE tenant.api_tokens SET expires_at = now() - interval '1 minute' WHERE revoked_at IS NULL AND user_id = $1")
        .bind(hr.id)
        .execute(&mut owner)
        .await
        .unwrap();
    assert_eq!(me_with_token(&a, &third).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn blocking_ends_api_tokens_for_good() {
    let app = app().await;
    let m = app.member("blok-sleutel").await;
    let admin = m.user("admin@blok-sleutel.test", Role::Admin).await;
    let hr = m.user("koppeling@blok-sleutel.test", Role::Learner).await;
    hr.get("/api/v1/me").expect(StatusCode::OK).await;
    for action in ["block", "unblock"] {
        admin
            .post(&format!("/api/v1/users/{}/{action}", hr.id))
            .expect(StatusCode::OK)
            .await;
    }
    // Unblocked, the account is back, but the token it had before the block is not.
    hr.get("/api/v1/me").expect(StatusCode::UNAUTHORIZED).await;
    m.visitor()
        .login_form("koppeling@blok-sleutel.test", PASSWORD)
        .await
        .assert_status(StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_account_page_lists_tokens_and_revokes_them_and_admins_see_them_per_user() {
    let app = app().await;
    let m = app.member("sleutelpagina").await;
    let admin = m.user("admin@sleutelpagina.test", Role::Admin).await;
    let hr = m.user("hr@sleutelpagina.test", Role::Learner).await;
    let session = hr.login().await;
    let html = session.page("/mijn-account").await;
    assert!(
        html.contains("API-sleutels") && html.contains("data-testid=\"token\""),
        "{html}"
    );
    let id = my_tokens(&m, hr.token()).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let html = admin
        .login()
        .await
        .page(&format!("/beheer/gebruikers/{}", hr.id))
        .await;
    assert!(
        html.contains(&format!(
            "/beheer/gebruikers/{}/sleutels/{id}/intrekken",
            hr.id
        )),
        "{html}"
    );
    let res = session
        .post(&format!("/mijn-account/sleutels/{id}/intrekken"))
        .form(&[])
        .send()
        .await;
    let (html, flash) = session.follow(&res).await;
    assert_eq!(
        flash.as_deref(),
        Some("De sleutel is ingetrokken en werkt niet meer.")
    );
    assert!(html.contains("data-testid=\"no-tokens\""), "{html}");
    assert_eq!(
        me_with_token(&m, hr.token()).await,
        StatusCode::UNAUTHORIZED
    );
}
