//! Branding of a member portal: name, colours (WCAG AA checked), welcome text, support address
//! and logo.

use super::{colour::brand_colour, validate};
use crate::repo;
use bytes::Bytes;
use serde::Deserialize;
use uuid::Uuid;
use zk_kernel::{AppError, AppResult, Platform, Tenant};

/// Largest accepted logo.
pub const MAX_LOGO_BYTES: usize = 512 * 1024;

/// Branding as the form and the API send it.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct BrandingInput {
    pub name: String,
    pub primary_color: String,
    pub accent_color: String,
    #[serde(default)]
    pub welcome_markdown: String,
    #[serde(default)]
    pub support_email: Option<String>,
}

/// Validates and saves branding; every process drops its cached copy (NOTIFY), this one at once.
pub async fn update(platform: &Platform, tenant: &Tenant, input: &BrandingInput) -> AppResult<()> {
    let name = validate::name("name", &input.name)?;
    let primary = brand_colour("primary_color", &input.primary_color)?.to_hex();
    let accent = brand_colour("accent_color", &input.accent_color)?.to_hex();
    if input.welcome_markdown.chars().count() > 5000 {
        return Err(AppError::validation(
            "welcome_markdown",
            "too_long",
            "De welkomsttekst mag maximaal 5000 tekens zijn.",
        ));
    }
    let support = match input
        .support_email
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(e) => Some(validate::email("support_email", e)?),
        None => None,
    };
    let mut tx = platform.db.begin_tenant(tenant.id).await?;
    repo::tenants::rename_current(&mut tx, &name).await?;
    repo::branding::update(
        &mut tx,
        tenant.id,
        &primary,
        &accent,
        input.welcome_markdown.trim(),
        support.as_deref(),
    )
    .await?;
    tx.commit().await?;
    platform.directory.invalidate(tenant.id);
    Ok(())
}

/// The image type of `bytes` by its magic number (PNG, JPEG, WebP); SVG is refused because it can
/// carry scripts.
pub fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if bytes.len() > 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// The largest illustration or photo accepted.
pub const MAX_ILLUSTRATION_BYTES: usize = 2 * 1024 * 1024;

/// Stores the member's illustration or photo (login page and home) with the text that describes
/// it, replacing the previous one. The description is required: the image is shown to care
/// workers who may not see it.
pub async fn upload_illustration(
    platform: &Platform,
    tenant: &Tenant,
    bytes: Bytes,
    alt: &str,
) -> AppResult<()> {
    let alt = alt.trim();
    let file = if bytes.is_empty() {
        Err(AppError::validation(
            "illustration",
            "illustration_missing",
            "Kies een afbeelding of foto om te uploaden.",
        ))
    } else if bytes.len() > MAX_ILLUSTRATION_BYTES {
        Err(AppError::validation(
            "illustration",
            "illustration_too_large",
            "De afbeelding mag maximaal 2 MB zijn.",
        ))
    } else {
        sniff_image(&bytes).ok_or_else(|| {
            AppError::validation(
                "illustration",
                "illustration_type",
                "Upload de afbeelding als PNG, JPEG of WebP.",
            )
        })
    };
    let described = if alt.is_empty()
        || alt.chars().count() > 300
        || alt.chars().any(char::is_control)
    {
        Err(AppError::validation(
            "alt",
            "alt_required",
            "Beschrijf in ten hoogste 300 tekens wat er op de afbeelding staat, voor wie haar niet kan zien.",
        ))
    } else {
        Ok(())
    };
    let content_type = match (file, described) {
        (Ok(ct), Ok(())) => ct,
        (a, b) => {
            return Err(AppError::all(vec![a.map(|_| ()), b])
                .err()
                .unwrap_or_else(AppError::not_found))
        }
    };
    let key = format!("{}/branding/illustration-{}", tenant.id, Uuid::new_v4());
    platform.objects.put(&key, bytes, content_type).await?;
    let mut tx = platform.db.begin_tenant(tenant.id).await?;
    let old = match repo::branding::set_illustration(
        &mut tx,
        tenant.id,
        Some(&key),
        Some(content_type),
        alt,
    )
    .await
    {
        Ok(old) => old,
        Err(e) => {
            let _ = platform.objects.delete(&key).await;
            return Err(e);
        }
    };
    tx.commit().await?;
    platform.directory.invalidate(tenant.id);
    remove_object(platform, old).await;
    Ok(())
}

/// Removes the member's illustration (nothing happens when there is none).
pub async fn remove_illustration(platform: &Platform, tenant: &Tenant) -> AppResult<()> {
    let mut tx = platform.db.begin_tenant(tenant.id).await?;
    let old = repo::branding::set_illustration(&mut tx, tenant.id, None, None, "").await?;
    tx.commit().await?;
    platform.directory.invalidate(tenant.id);
    remove_object(platform, old).await;
    Ok(())
}

/// Deletes an object nothing points at any more (a failure is logged: it only costs space).
async fn remove_object(platform: &Platform, key: Option<String>) {
    if let Some(key) = key {
        if let Err(e) = platform.objects.delete(&key).await {
            tracing::warn!(error = %e, "old branding image not removed");
        }
    }
}

/// Stores a new logo through the object store and points the branding at it.
pub async fn upload_logo(platform: &Platform, tenant: &Tenant, bytes: Bytes) -> AppResult<()> {
    if bytes.is_empty() {
        return Err(AppError::validation(
            "logo",
            "logo_missing",
            "Kies een afbeelding om te uploaden.",
        ));
    }
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(AppError::validation(
            "logo",
            "logo_too_large",
            "Het logo mag maximaal 512 kB zijn.",
        ));
    }
    let content_type = sniff_image(&bytes).ok_or_else(|| {
        AppError::validation(
            "logo",
            "logo_type",
            "Upload het logo als PNG, JPEG of WebP.",
        )
    })?;
    let key = format!("{}/branding/logo-{}", tenant.id, Uuid::new_v4());
    platform.objects.put(&key, bytes, content_type).await?;
    let mut tx = platform.db.begin_tenant(tenant.id).await?;
    let old = match repo::branding::set_logo(&mut tx, tenant.id, &key, content_type).await {
        Ok(old) => old,
        Err(e) => {
            // Nothing points at the new object: remove it so a failure leaves nothing behind.
            let _ = platform.objects.delete(&key).await;
            return Err(e);
        }
    };
    tx.commit().await?;
    platform.directory.invalidate(tenant.id);
    remove_object(platform, old).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn sniffs_images() {
        assert_eq!(
            super::sniff_image(b"\x89PNG\r\n\x1a\n...."),
            Some("image/png")
        );
        assert_eq!(
            super::sniff_image(&[0xff, 0xd8, 0xff, 0xe0]),
            Some("image/jpeg")
        );
        assert_eq!(super::sniff_image(b"<svg onload=alert(1)>"), None);
    }
}
