//! Who sends the requests: a [`User`] with a bearer token, a browser [`Session`] and an
//! anonymous [`Visitor`], all bound to one host, and the [`Requests`] they share.

use super::app::TestApp;
use crate::http::{TestClient, TestRequest, TestResponse};
use http::{Method, StatusCode};
use uuid::Uuid;
use zk_kernel::{authz::Role, TenantId};
use zk_tenant::domain::{accounts, tokens};

/// The password of every fixture account.
pub const PASSWORD: &str = "Test-wachtwoord-1";

impl TestApp {
    /// An operator of the NZK side with the fixture password and a bearer token.
    pub async fn operator(&self, email: &str) -> User {
        let nzk = self.tenant(TenantId::PLATFORM).await;
        let (row, _) =
            accounts::ensure_user(&self.platform, &nzk, email, Role::Operator, Some(PASSWORD))
                .await
                .expect("operator");
        let mut user = User::new(self.clone(), "", TenantId::PLATFORM, row.id, email, None);
        let token = user.new_token().await;
        user.set_token(token);
        user
    }

    /// Someone without an account on `host` (`""` = the NZK side, else a member's slug).
    pub fn visitor(&self, host: &str) -> Visitor {
        Visitor::new(self.client.clone(), host)
    }
}

/// Requests on one host with one caller's credentials: `learner.get("/api/v1/me")`.
pub trait Requests {
    /// A request to `path` on the caller's host, with its credentials.
    fn request(&self, method: Method, path: &str) -> TestRequest;

    /// A `GET` request.
    fn get(&self, path: &str) -> TestRequest {
        self.request(Method::GET, path)
    }
    /// A `POST` request.
    fn post(&self, path: &str) -> TestRequest {
        self.request(Method::POST, path)
    }
    /// A `PUT` request.
    fn put(&self, path: &str) -> TestRequest {
        self.request(Method::PUT, path)
    }
    /// A `DELETE` request.
    fn delete(&self, path: &str) -> TestRequest {
        self.request(Method::DELETE, path)
    }
}

/// An active account of a member (or an operator on the NZK side) that calls the API with a
/// bearer token. [`User::login`] gives the same person in a browser.
#[derive(Clone)]
pub struct User {
    app: TestApp,
    host: String,
    /// The tenant the account belongs to.
    pub tenant: TenantId,
    /// The account's id.
    pub id: Uuid,
    /// Its e-mail address.
    pub email: String,
    token: Option<String>,
}

impl User {
    pub(crate) fn new(
        app: TestApp,
        host: &str,
        tenant: TenantId,
        id: Uuid,
        email: &str,
        token: Option<String>,
    ) -> Self {
        Self {
            app,
            host: host.to_owned(),
            tenant,
            id,
            email: email.to_owned(),
            token,
        }
    }

    pub(crate) fn set_token(&mut self, token: String) {
        self.token = Some(token);
    }

    /// The app the user lives in.
    pub fn app(&self) -> &TestApp {
        &self.app
    }

    /// The host the user's requests go to (`""` for operators).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The bearer token the user's requests carry (panics for a user made without one).
    pub fn token(&self) -> &str {
        self.token
            .as_deref()
            .unwrap_or_else(|| panic!("{} was made without a token", self.email))
    }

    /// Issues another bearer token for the account (labelled `test`, valid for 90 days).
    pub async fn new_token(&self) -> String {
        let tenant = self.app.tenant(self.tenant).await;
        tokens::create(&self.app.platform, &tenant, &self.email, "test", None)
            .await
            .expect("token")
    }

    /// Logs in through the login form with the fixture password: the user in a browser.
    pub async fn login(&self) -> Session {
        self.visitor().login_as(&self.email, PASSWORD).await
    }

    /// Someone without an account on the user's host.
    pub fn visitor(&self) -> Visitor {
        self.app.visitor(&self.host)
    }
}

impl Requests for User {
    fn request(&self, method: Method, path: &str) -> TestRequest {
        self.app
            .client
            .request(method, &self.host, path)
            .bearer(self.token())
    }
}

/// A browser's session on one host: requests carry the session cookie and the CSRF header a
/// page's script sends; forms get the CSRF field that fits the cookie.
#[derive(Clone)]
pub struct Session {
    client: TestClient,
    host: String,
    /// The session cookie's value.
    pub cookie: String,
}

impl Session {
    /// The session with cookie value `cookie` on `host` of `app`.
    pub fn new(app: &TestApp, host: &str, cookie: &str) -> Self {
        Self {
            client: app.client.clone(),
            host: host.to_owned(),
            cookie: cookie.to_owned(),
        }
    }

    /// The same session, sending its requests to another process of the platform.
    pub fn on(&self, app: &TestApp) -> Session {
        Self {
            client: app.client.clone(),
            ..self.clone()
        }
    }

    /// The host the session belongs to.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The HTML of the page at `path` (asserting it answers 200).
    #[track_caller]
    pub fn page(&self, path: &str) -> impl std::future::Future<Output = String> {
        let res = self.get(path).expect(StatusCode::OK);
        async move { res.await.text() }
    }

    /// Follows the redirect `res` answered a form with, as a browser would (with the session
    /// and the flash cookie it set); returns the page it leads to and its flash message.
    pub async fn follow(&self, res: &TestResponse) -> (String, Option<String>) {
        res.assert_status(StatusCode::SEE_OTHER);
        let to = res.location().expect("a redirect");
        let mut req = self.get(&to);
        if let Some(flash) = res.set_cookie("zk_flash") {
            req = req.cookie(&format!("zk_flash={flash}"));
        }
        let html = req.expect(StatusCode::OK).await.text();
        let flash = html
            .split("data-testid=\"flash\"><p>")
            .nth(1)
            .and_then(|rest| rest.split("</p>").next())
            .map(str::to_owned);
        (html, flash)
    }
}

impl Requests for Session {
    fn request(&self, method: Method, path: &str) -> TestRequest {
        self.client
            .request(method, &self.host, path)
            .session(&self.cookie)
    }
}

/// Someone without an account (or not logged in) on one host.
#[derive(Clone)]
pub struct Visitor {
    client: TestClient,
    host: String,
    forwarded_for: Option<String>,
}

impl Visitor {
    fn new(client: TestClient, host: &str) -> Self {
        Self {
            client,
            host: host.to_owned(),
            forwarded_for: None,
        }
    }

    /// The same visitor behind a proxy that reports `addresses` in `X-Forwarded-For` (the
    /// platform reads it only with `trusted_proxy_hops` set).
    pub fn from(&self, addresses: &str) -> Visitor {
        Self {
            forwarded_for: Some(addresses.to_owned()),
            ..self.clone()
        }
    }

    /// Posts the login form with `email` and `password`, whatever the outcome.
    pub async fn login_form(&self, email: &str, password: &str) -> TestResponse {
        self.post("/inloggen")
            .form(&[("email", email), ("password", password)])
            .send()
            .await
    }

    /// Logs in through the form (asserting it succeeds) and returns the session.
    pub async fn login_as(&self, email: &str, password: &str) -> Session {
        let res = self.login_form(email, password).await;
        res.assert_status(StatusCode::SEE_OTHER);
        let cookie = res.set_cookie("zk_session").expect("a session cookie");
        Session {
            client: self.client.clone(),
            host: self.host.clone(),
            cookie,
        }
    }

    /// Posts a new password (twice, as the form asks) to a mailed link's page, `link` being
    /// `/uitnodiging/{token}` or `/wachtwoord-herstellen/{token}`.
    pub async fn choose_password(&self, link: &str, password: &str) -> TestResponse {
        self.post(link)
            .form(&[("password", password), ("password_confirm", password)])
            .send()
            .await
    }
}

impl Requests for Visitor {
    fn request(&self, method: Method, path: &str) -> TestRequest {
        let req = self.client.request(method, &self.host, path);
        match &self.forwarded_for {
            Some(addresses) => req.header("x-forwarded-for", addresses),
            None => req,
        }
    }
}
