//! Answering a page request: the theme rendered with the request's tenant, user, language and
//! CSRF token, the cache of rendered pages, and the redirect that carries a flash message to the
//! next page. The theme itself (`web`) knows nothing of requests.

use super::{flash, see_other, RequestContext};
use crate::{
    error::AppResult,
    platform::Platform,
    web::{Lang, Theme},
};
use axum::{
    http::header,
    response::{Html, Response},
};
use serde_json::{json, Map, Value};
use std::sync::Arc;

impl Theme {
    /// Renders a page with the request's tenant, user, language and CSRF token in scope;
    /// `data`'s keys are merged into the root.
    pub fn render(
        &self,
        template: &str,
        ctx: &RequestContext,
        data: Value,
    ) -> AppResult<Html<String>> {
        let mut root = base_context(ctx);
        if let Value::Object(extra) = data {
            root.extend(extra);
        }
        self.render_root(template, root)
    }

    /// Renders a page outside any portal (the package player on a package host): only `lang`
    /// and `data`'s keys in scope, no tenant, user or CSRF token.
    pub fn render_bare(&self, template: &str, lang: Lang, data: Value) -> AppResult<Html<String>> {
        let mut root = Map::new();
        root.insert("lang".into(), json!(lang.code()));
        if let Value::Object(extra) = data {
            root.extend(extra);
        }
        self.render_root(template, root)
    }

    /// The page [`Theme::render_cached`] stored under the same template, request and key, if
    /// any: for pages whose data needs a query, which then runs only on a miss.
    pub fn cached(&self, template: &str, ctx: &RequestContext, key: &str) -> Option<Html<String>> {
        if ctx.flash.is_some() {
            return None;
        }
        let page = self.kept_page(&Self::cache_key(template, ctx, key))?;
        Some(Html(page.replace(self.csrf_mark(), &ctx.csrf)))
    }

    fn cache_key(template: &str, ctx: &RequestContext, key: &str) -> String {
        let user = ctx
            .principal
            .as_ref()
            .map(|p| p.user_id.to_string())
            .unwrap_or_default();
        // The roles decide the menu every page shows.
        format!(
            "{template}|{}|{}|{}|{}|{user}|{:?}|{key}",
            ctx.tenant.id,
            ctx.tenant.branding.version,
            ctx.lang.code(),
            ctx.path,
            ctx.roles
        )
    }

    /// [`Theme::render`] through a cache of rendered pages, for hot pages. The cache key covers
    /// the template, the tenant and its branding version, the language, the path and the user;
    /// `key` must cover everything else `data` depends on. The CSRF token is put in per request.
    pub fn render_cached(
        &self,
        template: &str,
        ctx: &RequestContext,
        key: &str,
        data: impl FnOnce() -> Value,
    ) -> AppResult<Html<String>> {
        if ctx.flash.is_some() {
            // A message shown once is no part of a page kept for later.
            return self.render(template, ctx, data());
        }
        let full_key = Self::cache_key(template, ctx, key);
        let page = match self.kept_page(&full_key) {
            Some(page) => page,
            None => {
                let mut marked = ctx.clone();
                marked.csrf = self.csrf_mark().to_owned();
                let page: Arc<str> = self.render(template, &marked, data())?.0.into();
                self.keep_page(full_key, page.clone());
                page
            }
        };
        Ok(Html(page.replace(self.csrf_mark(), &ctx.csrf)))
    }
}

fn base_context(ctx: &RequestContext) -> Map<String, Value> {
    let t = &ctx.tenant;
    let b = &t.branding;
    let mut m = Map::new();
    m.insert("lang".into(), json!(ctx.lang.code()));
    m.insert(
        "other_lang".into(),
        json!(if ctx.lang == Lang::Nl { "en" } else { "nl" }),
    );
    m.insert("csrf".into(), json!(ctx.csrf));
    m.insert("path".into(), json!(ctx.path));
    // Not `flash`: some pages pass a message key of their own under that name.
    m.insert("flash_message".into(), json!(ctx.flash));
    m.insert(
        "tenant".into(),
        json!({
            "name": t.name,
            "slug": t.slug,
            "is_platform": t.is_platform,
            "primary_color": b.primary_color,
            "accent_color": b.accent_color,
            "has_logo": b.logo_key.is_some(),
            "has_illustration": b.illustration_key.is_some(),
            "illustration_alt": b.illustration_alt,
            "version": b.version,
            "support_email": b.support_email,
            "welcome_html": b.welcome_html,
            "billing_past_due": t.billing_state == "past_due",
        }),
    );
    m.insert(
        "user".into(),
        match &ctx.principal {
            Some(p) => json!({"id": p.user_id, "is_operator": p.is_operator()}),
            None => Value::Null,
        },
    );
    // The menu by role: what each role may use, the same on every page.
    let has = |r: crate::authz::Role| ctx.roles.contains(&r);
    use crate::authz::Role;
    m.insert(
        "menu".into(),
        json!({
            "learner": !ctx.roles.is_empty() && !t.is_platform,
            "teacher": has(Role::Teacher) || has(Role::Admin),
            "author": has(Role::Author) || has(Role::Admin),
            "reviewer": has(Role::Reviewer),
            "admin": has(Role::Admin),
            // Staff and operators see machine codes (for support); care workers and visitors
            // only words.
            "staff": ctx.roles.iter().any(|r| *r != Role::Learner)
                || ctx.principal.as_ref().is_some_and(|p| p.is_operator()),
        }),
    );
    m
}

/// `303 See Other` to `to`, with `message` shown once on the page it leads to.
pub fn see_other_with_flash(
    platform: &Platform,
    ctx: &RequestContext,
    to: &str,
    message: &str,
) -> Response {
    let mut res = see_other(to);
    res.headers_mut().append(
        header::SET_COOKIE,
        flash::set_cookie_for(&platform.config, ctx.tenant.id, message),
    );
    res
}
