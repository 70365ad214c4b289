//! In headless Chromium, on a phone (360 px) and a desktop (1280 px): the pages people use, driven
//! as they use them, axe-core's WCAG 2.1 AA rules on each, and screenshots in
//! `test-artifacts/browser/` and `test-artifacts/pages/`. Skipped without Chromium (or axe-core)
//! outside CI.

mod accessibility;
mod admin;
mod billing;
mod content;
mod daily_work;
mod learning;
mod lti;
mod packages;
mod portals;

pub(crate) use crate::support::*;
pub(crate) use std::time::Duration;
pub(crate) use zk_test_support::webdriver::{browser_available, Browser};

/// Whether Chromium is installed; outside CI a test without it is skipped, in CI it fails.
fn browser() -> bool {
    if browser_available() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must install chromium and chromium-driver"
    );
    eprintln!("skipped: chromium/chromedriver not installed");
    false
}

/// A `#rrggbb` colour as the browser reports it.
fn rgb(hex: &str) -> String {
    let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap();
    format!("rgba({}, {}, {}, 1)", v >> 16, (v >> 8) & 255, v & 255)
}

/// Logs out through the menu (opened first where the phone layout hides it behind a button).
async fn logout(browser: &Browser) {
    let button = browser.find(".menu-button").await.unwrap();
    if button.css_value("display").await.unwrap() != "none" {
        button.click().await.unwrap();
        assert_eq!(
            button.attr("aria-expanded").await.unwrap().as_deref(),
            Some("true")
        );
    }
    browser.click("form[action='/uitloggen'] button").await;
}

/// axe-core's source when Chromium and axe-core are installed; `None` (the test is skipped)
/// outside CI without them. In CI both must be there.
fn browser_and_axe() -> Option<String> {
    if browser_available() {
        if let Some(axe) = axe_source() {
            return Some(axe);
        }
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must install chromium, chromium-driver and axe-core"
    );
    eprintln!("skipped: chromium or axe-core not installed");
    None
}

/// axe-core (npm), installed by `scripts/test.sh` under `.test-peers/`.
fn axe_source() -> Option<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".test-peers/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(path).ok()
}

/// Runs axe-core's WCAG 2.0/2.1 A and AA rules on the current page; returns the violations.
async fn axe_violations(browser: &Browser, axe: &str) -> Vec<String> {
    axe_run(browser, axe, None).await
}

/// axe-core on the current page, leaving out the element `exclude` (a third party's widget).
async fn axe_violations_except(browser: &Browser, axe: &str, exclude: &str) -> Vec<String> {
    axe_run(browser, axe, Some(exclude)).await
}

/// Adds axe-core's violations on the current page to `failures`, each under `label`.
async fn check_axe(browser: &Browser, axe: &str, label: &str, failures: &mut Vec<String>) {
    let found = axe_violations(browser, axe).await;
    failures.extend(found.into_iter().map(|v| format!("{label}: {v}")));
}

/// [`check_axe`] leaving out the element `exclude` (a third party's widget, or a preview that
/// shows a bad colour on purpose).
async fn check_axe_except(
    browser: &Browser,
    axe: &str,
    exclude: &str,
    label: &str,
    failures: &mut Vec<String>,
) {
    let found = axe_violations_except(browser, axe, exclude).await;
    failures.extend(found.into_iter().map(|v| format!("{label}: {v}")));
}

/// axe-core on the current page, leaving out `exclude` if given.
async fn axe_run(browser: &Browser, axe: &str, exclude: Option<&str>) -> Vec<String> {
    browser.execute(axe, vec![]).await.unwrap();
    let result = browser
        .execute(
            "const context = arguments[0] ? { exclude: [[arguments[0]]] } : document;
             return axe.run(context, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] })
               .then(r => r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')));",
            vec![serde_json::json!(exclude)],
        )
        .await
        .unwrap();
    result
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}
