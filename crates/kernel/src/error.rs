//! `AppError`: the one error type of the platform and its JSON envelope
//! `{"error": {"code", "message", "field"}}`.
//!
//! Messages are Dutch; `code` is the stable machine code. 5xx bodies are generic and the cause is
//! logged once, here. Pages get the same error rendered as HTML by `http::render_error_pages`,
//! which finds the [`ErrorBody`] in the response extensions.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde::Serialize;
use std::borrow::Cow;

/// Result alias for handlers and domain functions.
pub type AppResult<T> = Result<T, AppError>;

/// An error with its HTTP status, machine code, Dutch message and optional field.
#[derive(Debug, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AppError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: Cow<'static, str>,
    pub field: Option<Cow<'static, str>>,
    #[source]
    pub source: Option<anyhow::Error>,
    /// Every invalid field, when a form reports them all at once ([`AppError::all`]).
    pub errors: Vec<FieldError>,
}

/// The serialisable part of an error, also attached to the response for HTML rendering.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine code.
    #[schema(value_type = String)]
    pub code: &'static str,
    /// Dutch message for people.
    pub message: String,
    /// The input field at fault (the first, when several are).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every invalid field of the request, when there are several; the first is also `field`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One invalid field, in a response that reports all of them.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    #[schema(value_type = String)]
    pub code: &'static str,
    pub message: String,
}

/// Every error response: `{"error": {"code", "message", "field"}}` (documented as `Error`).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

impl AppError {
    /// Any error with a status, code and message.
    pub fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
            source: None,
            errors: Vec::new(),
        }
    }
    /// Invalid input in one field (422).
    pub fn validation(
        field: impl Into<Cow<'static, str>>,
        code: &'static str,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            field: Some(field.into()),
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
        }
    }
    /// A unique value that is taken (409).
    pub fn conflict(
        field: impl Into<Cow<'static, str>>,
        code: &'static str,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            field: Some(field.into()),
            ..Self::new(StatusCode::CONFLICT, code, message)
        }
    }
    /// Checks every field and reports all that fail at once: `Ok` with the values when none
    /// does; otherwise the first error (status, code, message and field as usual) carrying every
    /// invalid field in `errors`. A failure that concerns no field (or a server error) is
    /// returned as it is.
    pub fn all(results: Vec<Result<(), AppError>>) -> AppResult<()> {
        let mut failed: Vec<AppError> = Vec::new();
        for r in results {
            if let Err(e) = r {
                if e.field.is_none() || !e.status.is_client_error() {
                    return Err(e);
                }
                failed.push(e);
            }
        }
        let mut iter = failed.into_iter();
        let Some(mut first) = iter.next() else {
            return Ok(());
        };
        let rest: Vec<AppError> = iter.collect();
        if !rest.is_empty() {
            first.errors = std::iter::once(&first)
                .chain(rest.iter())
                .map(|e| FieldError {
                    field: e.field.as_deref().unwrap_or_default().to_owned(),
                    code: e.code,
                    message: e.message.to_string(),
                })
                .collect();
        }
        Err(first)
    }

    /// The same error, about `field`.
    pub fn with_field(mut self, field: impl Into<Cow<'static, str>>) -> Self {
        self.field = Some(field.into());
        self
    }
    /// Nothing here, or nothing the caller may know exists (404).
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "Niet gevonden.")
    }
    /// Not logged in, or a credential that is not valid here (401).
    pub fn unauthenticated() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", "Log eerst in.")
    }
    /// Logged in but not allowed (403).
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "U heeft geen toegang tot deze functie.",
        )
    }
    /// The member is suspended (403).
    pub fn tenant_suspended() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "tenant_suspended",
            "Dit portaal is tijdelijk niet beschikbaar: het lidmaatschap is opgeschort.",
        )
    }
    /// The member is suspended because its membership is unpaid (403); its admins can still pay.
    pub fn tenant_unpaid() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "tenant_unpaid",
            "Dit portaal is tijdelijk niet beschikbaar: het lidmaatschap is niet betaald. Beheerders kunnen inloggen en op de pagina Abonnement betalen; daarna werkt het portaal meteen weer.",
        )
    }
    /// Too many attempts (429).
    pub fn too_many_attempts() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "Te veel mislukte pogingen. Wacht een kwartier en probeer het opnieuw.",
        )
    }
    /// The form's CSRF token is missing or wrong (403).
    pub fn csrf() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "csrf_failed",
            "Het formulier is verlopen. Laad de pagina opnieuw en probeer het nog eens.",
        )
    }
    /// An unexpected failure (500); the cause is logged, never shown.
    pub fn internal(source: impl Into<anyhow::Error>) -> Self {
        Self {
            source: Some(source.into()),
            ..Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Er ging iets mis aan onze kant. Probeer het later opnieuw.",
            )
        }
    }

    /// The database can't be reached for the moment (a restart, a failover, a broken
    /// connection): 503 with `Retry-After`, never 500. Nothing of the request was kept (its
    /// transaction never committed, or it is unknown only when the connection broke during
    /// COMMIT; see docs/operations.md).
    pub fn database_unavailable(source: impl Into<anyhow::Error>) -> Self {
        outage_signal().notify_waiters();
        Self {
            source: Some(source.into()),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                DATABASE_UNAVAILABLE,
                "De gegevens zijn heel even niet bereikbaar. Probeer het over een paar seconden opnieuw; er is niets opgeslagen.",
            )
        }
    }

    /// The object store can't be reached for the moment: 503 with `Retry-After`. Pages and
    /// requests that don't touch stored files are not affected.
    pub fn storage_unavailable(source: impl Into<anyhow::Error>) -> Self {
        Self {
            source: Some(source.into()),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                STORAGE_UNAVAILABLE,
                "De opslag van bestanden is heel even niet bereikbaar. Probeer het over een paar seconden opnieuw; er is niets half opgeslagen.",
            )
        }
    }

    /// The body as sent.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code,
            message: self.message.to_string(),
            field: self.field.as_ref().map(|f| f.to_string()),
            errors: self.errors.clone(),
        }
    }
}

/// Woken when a request finds the database unreachable ([`crate::AppError`] made from an
/// outage): the notification listener then checks its own connection at once.
pub fn outage_signal() -> &'static tokio::sync::Notify {
    static SIGNAL: std::sync::OnceLock<tokio::sync::Notify> = std::sync::OnceLock::new();
    SIGNAL.get_or_init(tokio::sync::Notify::new)
}

/// The object store can't be reached for the moment (connection refused or broken, a timeout,
/// an S3 server error): the request answers 503 `storage_unavailable` (see [`AppError::storage_unavailable`]), and is
/// worth trying again shortly.
#[derive(Debug, thiserror::Error)]
#[error("object store unreachable: {0}")]
pub struct StoreUnavailable(#[source] Box<dyn std::error::Error + Send + Sync>);

impl StoreUnavailable {
    /// `source` as an outage of the store.
    pub fn wrap(source: Box<dyn std::error::Error + Send + Sync>) -> anyhow::Error {
        anyhow::Error::new(Self(source))
    }
}

/// The machine code of [`AppError::database_unavailable`]: the read-retry layer looks for it.
pub const DATABASE_UNAVAILABLE: &str = "database_unavailable";

/// The machine code of [`AppError::storage_unavailable`].
pub const STORAGE_UNAVAILABLE: &str = "storage_unavailable";

/// Seconds a client should wait before trying a 503 again.
pub const RETRY_AFTER_SECS: u64 = 2;

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            tracing::warn!(error.code = self.code, error.cause = ?self.source, "request not served");
        } else if self.status.is_server_error() {
            tracing::error!(error.code = self.code, error.cause = ?self.source, "request failed");
        }
        let body = self.body();
        let mut res = (
            self.status,
            Json(ErrorEnvelope {
                error: body.clone(),
            }),
        )
            .into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, RETRY_AFTER_SECS.into());
        }
        res.extensions_mut().insert(body);
        res
    }
}

/// Whether a database error means the database or the connection to it is gone for the moment
/// (worth trying again shortly), not that the statement was wrong.
pub fn is_database_outage(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|c| {
            // connection_exception (08…), admin_shutdown, crash_shutdown, cannot_connect_now,
            // too_many_connections, serialization_failure, deadlock_detected: none of them is
            // the request's fault, and the same request can succeed a moment later.
            c.starts_with("08")
                || matches!(
                    &*c,
                    "57P01" | "57P02" | "57P03" | "53300" | "40001" | "40P01"
                )
        }),
        _ => false,
    }
}

/// Maps a database error to the caller's view of it, never exposing the database's text.
impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        if is_database_outage(&err) {
            return Self::database_unavailable(err);
        }
        match &err {
            sqlx::Error::RowNotFound => Self::not_found(),
            sqlx::Error::Database(db) => match db.code().as_deref() {
                // unique_violation
                Some("23505") => Self {
                    source: Some(err.into()),
                    ..Self::new(StatusCode::CONFLICT, "conflict", "Dit bestaat al.")
                },
                // check_violation, not_null_violation, foreign_key_violation, invalid text
                Some("23514" | "23502" | "23503" | "22P02" | "22001") => Self {
                    source: Some(err.into()),
                    ..Self::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid_input",
                        "De invoer is ongeldig.",
                    )
                },
                // insufficient_privilege / row-level security: treat as not found.
                Some("42501") => {
                    tracing::warn!("row-level security refused a statement");
                    Self {
                        source: Some(err.into()),
                        ..Self::not_found()
                    }
                }
                _ => Self::internal(err),
            },
            _ => Self::internal(err),
        }
    }
}

impl From<anyhow::Error> for AppError {
    fn from(err: anyhow::Error) -> Self {
        if err
            .downcast_ref::<sqlx::Error>()
            .is_some_and(is_database_outage)
        {
            return Self::database_unavailable(err);
        }
        if err.chain().any(|c| c.is::<StoreUnavailable>()) {
            return Self::storage_unavailable(err);
        }
        Self::internal(err)
    }
}

/// Lets a caller turn a named constraint violation into a specific error (realworld style).
pub trait ResultExt<T> {
    /// If the error is a violation of `constraint`, map it with `f`.
    fn on_constraint(self, constraint: &str, f: impl FnOnce() -> AppError) -> AppResult<T>;
}

impl<T> ResultExt<T> for Result<T, sqlx::Error> {
    fn on_constraint(self, constraint: &str, f: impl FnOnce() -> AppError) -> AppResult<T> {
        self.map_err(|e| match &e {
            sqlx::Error::Database(db) if db.constraint() == Some(constraint) => f(),
            _ => AppError::from(e),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_reports_every_invalid_field_and_the_first_as_usual() {
        assert!(AppError::all(vec![Ok(()), Ok(())]).is_ok());
        let one =
            AppError::all(vec![Ok(()), Err(AppError::validation("b", "bad_b", "B."))]).unwrap_err();
        assert_eq!(one.field.as_deref(), Some("b"));
        assert!(one.errors.is_empty(), "one error needs no list");
        let two = AppError::all(vec![
            Err(AppError::validation("a", "bad_a", "A.")),
            Ok(()),
            Err(AppError::validation("c", "bad_c", "C.")),
        ])
        .unwrap_err();
        assert_eq!((two.code, two.field.as_deref()), ("bad_a", Some("a")));
        let body = serde_json::to_value(two.body()).unwrap();
        assert_eq!(body["errors"][1]["field"], "c");
        assert_eq!(body["errors"][1]["message"], "C.");
        assert_eq!(body["errors"].as_array().unwrap().len(), 2);
        let conflict = AppError::all(vec![Err(AppError::not_found())]).unwrap_err();
        assert_eq!(conflict.code, "not_found");
    }

    #[tokio::test]
    async fn envelope_shape() {
        let res = AppError::validation("slug", "invalid_slug", "Ongeldige slug.").into_response();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = axum::body::to_bytes(res.into_body(), 1024).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["error"]["code"], "invalid_slug");
        assert_eq!(v["error"]["field"], "slug");
        assert_eq!(v["error"]["message"], "Ongeldige slug.");
    }

    #[tokio::test]
    async fn internal_errors_hide_their_cause() {
        let res = AppError::internal(anyhow::anyhow!("relation tenant.secret does not exist"))
            .into_response();
        let body = axum::body::to_bytes(res.into_body(), 1024).await.unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(!text.contains("relation"), "{text}");
        assert!(text.contains("\"internal\""));
    }
}
