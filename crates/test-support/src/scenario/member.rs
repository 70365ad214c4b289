//! Members and their users by role: `app.member("alpha").await`, then `alpha.admin().await`.

use super::{
    app::TestApp,
    user::{User, Visitor, PASSWORD},
};
use std::{future::Future, future::IntoFuture, pin::Pin};
use zk_kernel::{authz::Role, Tenant, TenantId};
use zk_tenant::domain::{accounts, branding, members, tokens};

pub use zk_tenant::domain::branding::BrandingInput;

impl TestApp {
    /// A new member with the slug `slug`, named `Zorg {slug}`, with 120 employees and an admin
    /// invitation pending for `beheer@{slug}.test` (as the console makes one).
    pub fn member(&self, slug: &str) -> MemberBuilder {
        MemberBuilder::new(self.clone(), slug)
    }

    /// The member with the slug `slug`, made some other way (through the console or the API).
    pub async fn existing_member(&self, slug: &str) -> Member {
        let tenant = self
            .platform
            .directory
            .resolve(&format!("{slug}.localhost"))
            .await
            .expect("resolve")
            .unwrap_or_else(|| panic!("no member {slug}"));
        Member {
            app: self.clone(),
            id: tenant.id,
            slug: slug.to_owned(),
        }
    }
}

/// A member being made; `.await` it (after [`MemberBuilder::employees`], if the head count
/// matters).
pub struct MemberBuilder {
    app: TestApp,
    slug: String,
    employees: i64,
}

impl MemberBuilder {
    fn new(app: TestApp, slug: &str) -> Self {
        Self {
            app,
            slug: slug.to_owned(),
            employees: 120,
        }
    }

    /// The member's head count (120 unless given; billing's tier follows it).
    pub fn employees(mut self, count: i64) -> Self {
        self.employees = count;
        self
    }
}

impl IntoFuture for MemberBuilder {
    type Output = Member;
    type IntoFuture = Pin<Box<dyn Future<Output = Member> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let input = members::NewMemberInput {
                slug: self.slug.clone(),
                name: format!("Zorg {}", self.slug),
                admin_email: format!("beheer@{}.test", self.slug),
                employee_count: Some(self.employees),
            };
            let new = members::NewMember::parse(&input).expect("a valid member");
            let created = members::create(&self.app.platform, new)
                .await
                .expect("member");
            Member {
                app: self.app,
                id: TenantId(created.member.id),
                slug: self.slug,
            }
        })
    }
}

/// A member organisation, reached on `{slug}.localhost`.
#[derive(Clone)]
pub struct Member {
    app: TestApp,
    /// The member's tenant id.
    pub id: TenantId,
    /// Its slug, which is also its host in requests.
    pub slug: String,
}

impl Member {
    /// The host its requests go to (the slug; the client adds `.localhost`).
    pub fn host(&self) -> &str {
        &self.slug
    }

    /// Its tenant, fresh from the database.
    pub async fn tenant(&self) -> Tenant {
        self.app.tenant(self.id).await
    }

    /// An active user with `role`, the fixture password and a bearer token. Called again for
    /// the same address it adds the role and, like a password reset, ends that account's
    /// earlier sessions and tokens.
    pub async fn user(&self, email: &str, role: Role) -> User {
        let mut user = self.user_without_token(email, role).await;
        let token = user.new_token().await;
        user.set_token(token);
        user
    }

    /// An active user with `role` and the fixture password, without a bearer token (for tests
    /// that count a user's tokens); [`User::login`] still works.
    pub async fn user_without_token(&self, email: &str, role: Role) -> User {
        let tenant = self.tenant().await;
        let (row, _) =
            accounts::ensure_user(&self.app.platform, &tenant, email, role, Some(PASSWORD))
                .await
                .expect("user");
        User::new(self.app.clone(), &self.slug, self.id, row.id, email, None)
    }

    /// The admin `beheer@{slug}.test` (the member's first admin, invited when it was made),
    /// active.
    pub async fn admin(&self) -> User {
        self.user(&format!("beheer@{}.test", self.slug), Role::Admin)
            .await
    }

    /// The author `auteur@{slug}.test`.
    pub async fn author(&self) -> User {
        self.user(&format!("auteur@{}.test", self.slug), Role::Author)
            .await
    }

    /// The teacher `docent@{slug}.test`.
    pub async fn teacher(&self) -> User {
        self.user(&format!("docent@{}.test", self.slug), Role::Teacher)
            .await
    }

    /// The reviewer `beoordelaar@{slug}.test`.
    pub async fn reviewer(&self) -> User {
        self.user(&format!("beoordelaar@{}.test", self.slug), Role::Reviewer)
            .await
    }

    /// The learner `leerling@{slug}.test`.
    pub async fn learner(&self) -> User {
        self.user(&format!("leerling@{}.test", self.slug), Role::Learner)
            .await
    }

    /// Someone without an account on the member's host.
    pub fn visitor(&self) -> Visitor {
        self.app.visitor(&self.slug)
    }

    /// Saves the member's branding through the tenant service (as its branding page does).
    pub async fn brand(&self, input: &BrandingInput) {
        let tenant = self.tenant().await;
        branding::update(&self.app.platform, &tenant, input)
            .await
            .expect("branding");
    }

    /// A bearer token for the member's user `email` (made some other way, e.g. invited).
    pub async fn token_for(&self, email: &str) -> String {
        let tenant = self.tenant().await;
        tokens::create(&self.app.platform, &tenant, email, "test", None)
            .await
            .expect("token")
    }
}
