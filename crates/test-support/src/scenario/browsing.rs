//! The browser as a person uses it: click, type, read, log in, and check that a page fits the
//! window. Each step panics with its selector when the page does not offer it, so a browser test
//! reads as the steps it takes.

use super::user::PASSWORD;
use crate::webdriver::Browser;
use std::time::{Duration, Instant};

impl Browser {
    /// Clicks the first element matching `css` (waiting up to 5 s for it to appear).
    pub async fn click(&self, css: &str) {
        self.find(css)
            .await
            .unwrap_or_else(|e| panic!("{e:#}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("clicking `{css}`: {e:#}"));
    }

    /// Types `text` into the first element matching `css`.
    pub async fn fill(&self, css: &str, text: &str) {
        self.find(css)
            .await
            .unwrap_or_else(|e| panic!("{e:#}"))
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("typing into `{css}`: {e:#}"));
    }

    /// The visible text of the first element matching `css`.
    pub async fn text_of(&self, css: &str) -> String {
        self.find(css)
            .await
            .unwrap_or_else(|e| panic!("{e:#}"))
            .text()
            .await
            .unwrap_or_else(|e| panic!("reading `{css}`: {e:#}"))
    }

    /// The text of the first element matching `css` once it contains `expected` (pages are
    /// replaced under the driver after a form, so an element found a moment ago may be gone):
    /// polls for 10 s.
    pub async fn wait_for_text(&self, css: &str, expected: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Ok(el) = self.find(css).await {
                if let Ok(text) = el.text().await {
                    if text.contains(expected) {
                        return text;
                    }
                    last = text;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("`{css}` never showed {expected:?}; last: {last:?}");
    }

    /// Fills in the login form on the current page with `email` and the fixture password, and
    /// submits it.
    pub async fn submit_login(&self, email: &str) {
        self.fill("#email", email).await;
        self.fill("#password", PASSWORD).await;
        self.click("form[action='/inloggen'] button[type=submit]")
            .await;
    }

    /// Opens `{base}/inloggen`, logs in as `email` and waits for the page it leads to.
    pub async fn log_in(&self, base: &str, email: &str) {
        self.goto(&format!("{base}/inloggen"))
            .await
            .unwrap_or_else(|e| panic!("{e:#}"));
        self.submit_login(email).await;
        self.find("main h1")
            .await
            .unwrap_or_else(|e| panic!("after logging in as {email}: {e:#}"));
    }

    /// True when the page is no wider than the window (no sideways scrolling).
    pub async fn fits_the_window(&self) -> bool {
        self.execute(
            "return document.documentElement.scrollWidth <= window.innerWidth;",
            vec![],
        )
        .await
        .unwrap_or_else(|e| panic!("{e:#}"))
        .as_bool()
        .unwrap_or(false)
    }
}
