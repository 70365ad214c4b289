//! Server-rendered pages: the theme (handlebars templates, CSS, locales from `tenants/`) and safe
//! Markdown. Dutch first, English second. Rendering a page for a request (its tenant, user,
//! language and CSRF token) is `http::page`, so the theme imports nothing of the HTTP plumbing.

use crate::error::{AppError, AppResult};
use axum::response::Html;
use handlebars::{
    Context, Handlebars, Helper, HelperResult, Output, RenderContext, RenderErrorReason,
};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use serde_json::{Map, Value};
use std::{collections::HashMap, path::Path, sync::Arc};

/// A supported interface language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Nl,
    En,
}

impl Lang {
    /// The code used in cookies, `lang` attributes and locale files.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }
    /// Parses a code; anything unknown is Dutch.
    pub fn parse(code: &str) -> Lang {
        if code.eq_ignore_ascii_case("en") {
            Lang::En
        } else {
            Lang::Nl
        }
    }
}

macro_rules! theme_files {
    ($($name:literal),+ $(,)?) => {
        &[$(($name, include_str!(concat!("../../../tenants/default/templates/", $name, ".hbs")))),+]
    };
}

/// Templates of the default theme, built into the binary (overridable with `ZK_THEME_DIR`).
const TEMPLATES: &[(&str, &str)] = theme_files!(
    "layout",
    "quiz_page",
    "account",
    "token_list",
    "people_list",
    "error",
    "message",
    "landing",
    "login",
    "password_forgot",
    "password_reset",
    "invite_accept",
    "learner_home",
    "console",
    "console_tenant",
    "console_outbox",
    "admin_users",
    "admin_user",
    "form_errors",
    "icon",
    "md_toolbar",
    "admin_users_confirm",
    "admin_branding",
    "catalog",
    "module",
    "content_dashboard",
    "author_list",
    "author_edit",
    "proposals",
    "candidates",
    "candidate",
    "editorial",
    "overlay_edit",
    "path_overlay_edit",
    "proof",
    "proof_verify",
    "passport",
    "learning_overview",
    "groups",
    "group",
    "path",
    "author_paths",
    "admin_import",
    "admin_import_show",
    "module_enrol",
    "enrol_confirm",
    "person_record",
    "withdraw_confirm",
    "proofs_admin",
    "platform_overview",
    "billing",
    "billing_pay",
    "billing_headcount",
    "billing_due",
    "console_billing",
    "console_billing_member",
    "lti_admin",
    "lti_new_window",
    "lti_continue",
    "lti_picker",
    "lti_return",
    "lti_registered",
    "lti_storage_login",
    "lti_handoff",
    "package_player",
);

/// Static files of the default theme.
const STATIC: &[(&str, &str, &str)] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../../../tenants/default/static/app.css"),
    ),
    (
        "billing.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../tenants/default/static/billing.js"),
    ),
    (
        "nav.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../tenants/default/static/nav.js"),
    ),
    (
        "users.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../tenants/default/static/users.js"),
    ),
    (
        "flash.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../tenants/default/static/flash.js"),
    ),
    (
        "password.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../tenants/default/static/password.js"),
    ),
    (
        "branding.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../tenants/default/static/branding.js"),
    ),
    (
        "editor.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../tenants/default/static/editor.js"),
    ),
    (
        "upload.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../tenants/default/static/upload.js"),
    ),
    (
        "import.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../tenants/default/static/import.js"),
    ),
    (
        "markdown.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../tenants/default/static/markdown.js"),
    ),
    (
        "lti.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../tenants/default/static/lti.js"),
    ),
    (
        "people.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../tenants/default/static/people.js"),
    ),
];

const LOCALE_NL: &str = include_str!("../../../tenants/locales/nl.json");
const LOCALE_EN: &str = include_str!("../../../tenants/locales/en.json");

type Locales = HashMap<&'static str, HashMap<String, String>>;

/// The loaded theme.
pub struct Theme {
    hbs: Handlebars<'static>,
    locales: Arc<Locales>,
    statics: HashMap<String, (&'static str, String)>,
    pages: std::sync::RwLock<HashMap<String, Arc<str>>>,
    /// Stands in for the CSRF token in cached pages and is replaced by the request's own token.
    /// Random per process and never sent, so no text a member writes (a welcome text, say) can
    /// contain it and carry a visitor's token out.
    csrf_mark: String,
}

/// Rendered pages kept before the cache is emptied (a few KB each).
const PAGE_CACHE_LIMIT: usize = 2_000;

impl Theme {
    /// Loads the built-in theme, or the files under `dir` (same layout as `tenants/`) when given.
    pub fn load(dir: Option<&Path>) -> anyhow::Result<Self> {
        let read = |rel: &str, builtin: &str| -> anyhow::Result<String> {
            match dir {
                Some(d) => Ok(std::fs::read_to_string(d.join(rel))?),
                None => Ok(builtin.to_string()),
            }
        };
        let mut locales: Locales = HashMap::new();
        locales.insert(
            "nl",
            serde_json::from_str(&read("locales/nl.json", LOCALE_NL)?)?,
        );
        locales.insert(
            "en",
            serde_json::from_str(&read("locales/en.json", LOCALE_EN)?)?,
        );
        let locales = Arc::new(locales);

        let mut hbs = Handlebars::new();
        hbs.set_strict_mode(false);
        for (name, builtin) in TEMPLATES {
            let source = read(&format!("default/templates/{name}.hbs"), builtin)?;
            hbs.register_template_string(name, source)?;
        }
        let l = locales.clone();
        hbs.register_helper(
            "t",
            Box::new(
                move |h: &Helper,
                      _: &Handlebars,
                      ctx: &Context,
                      _: &mut RenderContext,
                      out: &mut dyn Output|
                      -> HelperResult {
                    let key = h
                        .param(0)
                        .and_then(|p| p.value().as_str())
                        .ok_or(RenderErrorReason::ParamNotFoundForIndex("t", 0))?;
                    let lang = ctx
                        .data()
                        .get("lang")
                        .and_then(Value::as_str)
                        .unwrap_or("nl");
                    let values: Vec<(&str, String)> = h
                        .hash()
                        .iter()
                        .map(|(name, value)| {
                            let v = match value.value() {
                                Value::String(s) => s.clone(),
                                other => other.to_string(),
                            };
                            (*name, v)
                        })
                        .collect();
                    let args: Vec<(&str, &str)> =
                        values.iter().map(|(n, v)| (*n, v.as_str())).collect();
                    let text = crate::messages::format(&translate(&l, lang, key), &args);
                    out.write(&handlebars::html_escape(&text))?;
                    Ok(())
                },
            ),
        );
        hbs.register_helper("eq", Box::new(eq));
        hbs.register_helper("concat", Box::new(concat));

        let mut statics = HashMap::new();
        for (name, ct, builtin) in STATIC {
            statics.insert(
                name.to_string(),
                (*ct, read(&format!("default/static/{name}"), builtin)?),
            );
        }
        Ok(Self {
            hbs,
            locales,
            statics,
            pages: Default::default(),
            csrf_mark: format!("zkcsrf{}", crate::crypto::random_token()),
        })
    }

    /// A message in the given language (falls back to Dutch, then to the key).
    pub fn t(&self, lang: Lang, key: &str) -> String {
        translate(&self.locales, lang.code(), key)
    }

    /// [`Theme::t`] with its `{name}` placeholders filled in.
    pub fn t_with(&self, lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
        crate::messages::format(&self.t(lang, key), args)
    }

    /// A message in exactly this language, if the locale has it (no fallback).
    pub fn t_exact(&self, lang: Lang, key: &str) -> Option<&str> {
        self.locales
            .get(lang.code())
            .and_then(|m| m.get(key))
            .map(String::as_str)
    }

    /// A static theme file and its content type.
    pub fn static_file(&self, name: &str) -> Option<(&'static str, &str)> {
        self.statics
            .get(name)
            .map(|(ct, body)| (*ct, body.as_str()))
    }

    /// Renders `template` with `root` as its data (see `http::page` for a request's page).
    pub(crate) fn render_root(
        &self,
        template: &str,
        root: Map<String, Value>,
    ) -> AppResult<Html<String>> {
        self.hbs
            .render(template, &Value::Object(root))
            .map(Html)
            .map_err(|e| AppError::internal(anyhow::anyhow!("template {template}: {e}")))
    }

    /// A rendered page kept under `key`, if any.
    pub(crate) fn kept_page(&self, key: &str) -> Option<Arc<str>> {
        self.pages
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned()
    }

    /// Keeps a rendered page under `key` (the cache is emptied when it is full).
    pub(crate) fn keep_page(&self, key: String, page: Arc<str>) {
        let mut pages = self.pages.write().unwrap_or_else(|e| e.into_inner());
        if pages.len() >= PAGE_CACHE_LIMIT {
            pages.clear();
        }
        pages.insert(key, page);
    }

    /// What stands in for the CSRF token in kept pages.
    pub(crate) fn csrf_mark(&self) -> &str {
        &self.csrf_mark
    }
}

handlebars::handlebars_helper!(eq: |a: Json, b: Json| a == b);
handlebars::handlebars_helper!(concat: |a: str, b: str| format!("{a}{b}"));

fn translate(locales: &Locales, lang: &str, key: &str) -> String {
    locales
        .get(lang)
        .and_then(|m| m.get(key))
        .or_else(|| locales.get("nl").and_then(|m| m.get(key)))
        .cloned()
        .unwrap_or_else(|| key.to_string())
}

/// Markdown → HTML that is safe to embed: raw HTML is shown as text, images are reduced to their
/// alt text, and links keep only http(s), mailto and same-site targets.
pub fn markdown_to_safe_html(markdown: &str) -> String {
    let parser =
        Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH).filter_map(|event| match event {
            Event::Html(s) | Event::InlineHtml(s) => Some(Event::Text(s)),
            Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let safe = ["http://", "https://", "mailto:"]
                    .iter()
                    .any(|p| dest_url.to_ascii_lowercase().starts_with(p))
                    || (dest_url.starts_with('/') && !dest_url.starts_with("//"));
                Some(Event::Start(Tag::Link {
                    link_type,
                    dest_url: if safe { dest_url } else { "#".into() },
                    title,
                    id,
                }))
            }
            other => Some(other),
        });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    html
}

#[cfg(test)]
mod tests {
    use super::markdown_to_safe_html;

    #[test]
    fn markdown_is_sanitised() {
        let html = markdown_to_safe_html("**Welkom** <script>alert(1)</script> [x](javascript:alert(1)) [ok](https://nzk.nl) ![img](http://x/y.png)");
        assert!(html.contains("<strong>Welkom</strong>"));
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;"));
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("href=\"https://nzk.nl\""));
        assert!(!html.contains("<img"), "{html}");
    }
}
