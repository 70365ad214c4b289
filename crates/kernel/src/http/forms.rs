//! Forms that fail: the page again, with the error of the submission and what the user typed.

use super::RequestContext;
use crate::{error::AppError, platform::Platform, AppResult};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// Re-renders a form with the error of a failed submission (4xx), keeping what the user typed;
/// server errors go on to the error page. Every invalid field is marked (`invalid.<field>`, for
/// `aria-invalid`), and the error is `error` (code, message, field, all errors).
pub fn form_error(
    platform: &Platform,
    ctx: &RequestContext,
    template: &str,
    mut data: Value,
    err: AppError,
) -> AppResult<Response> {
    if !err.status.is_client_error() {
        return Err(err);
    }
    if let Value::Object(m) = &mut data {
        let body = err.body();
        let mut invalid = serde_json::Map::new();
        for field in body
            .errors
            .iter()
            .map(|e| e.field.clone())
            .chain(body.field.clone())
        {
            invalid.insert(field, Value::Bool(true));
        }
        m.insert("invalid".into(), Value::Object(invalid));
        m.insert("error".into(), json!(body));
    }
    let page = platform.theme.render(template, ctx, data)?;
    Ok((err.status, page).into_response())
}
