//! A package's zip, taken from the object store and unpacked back into it: the whole archive and
//! its manifest are checked first (`package`), on the CPU pool; then its files are read one by
//! one (each guarded against lying sizes) and stored under the package's prefix. Anything that
//! fails on the way removes what was already stored, so a refused package leaves no object.

use super::package::{self, Limits};
use serde_json::Value;
use std::path::{Path, PathBuf};
use zk_kernel::{AppError, AppResult, Platform};

/// A package unpacked into the object store.
pub struct Unpacked {
    /// What its manifest says (`package::Manifest` as JSON).
    pub manifest: Value,
    /// The keys of its files.
    pub keys: Vec<String>,
}

/// The content type a browser needs for a package's file, by its extension.
pub fn content_type_for(path: &str) -> &'static str {
    let ext = path
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "xml" | "xsd" => "application/xml",
        "txt" => "text/plain; charset=utf-8",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "webp" => "image/webp",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        "ogg" => "audio/ogg",
        "vtt" => "text/vtt",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

/// A temporary file that is removed when dropped.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn open_files(path: &Path) -> AppResult<package::PackageFiles<std::io::BufReader<std::fs::File>>> {
    let file = std::fs::File::open(path).map_err(AppError::internal)?;
    package::open(std::io::BufReader::new(file), Limits::default())
}

/// Checks the zip at `key` and unpacks its files under `prefix`.
pub async fn unpack(p: &Platform, key: &str, prefix: &str) -> AppResult<Unpacked> {
    let tmp = TempFile(
        std::env::temp_dir().join(format!("zk-package-{}.zip", uuid::Uuid::new_v4().simple())),
    );
    if !p.objects.download(key, &tmp.0).await? {
        return Err(AppError::new(
            axum::http::StatusCode::CONFLICT,
            "upload_missing",
            "Het bestand is nog niet (helemaal) geüpload. Probeer het opnieuw.",
        ));
    }
    // The whole package first: the archive and the manifest.
    let path = tmp.0.clone();
    let (manifest, entries) = zk_kernel::cpu::run(move || -> AppResult<_> {
        let mut files = open_files(&path)?;
        let manifest = package::manifest(&mut files)?;
        let entries: Vec<String> = files.entries().iter().map(|e| e.path.clone()).collect();
        Ok((manifest, entries))
    })
    .await??;
    let manifest = serde_json::to_value(&manifest).map_err(AppError::internal)?;
    // Then its files, read on a blocking thread and stored as they come.
    let (send, mut receive) = tokio::sync::mpsc::channel::<AppResult<(String, Vec<u8>)>>(4);
    let path = tmp.0.clone();
    let reader = tokio::task::spawn_blocking(move || {
        let run = || -> AppResult<()> {
            let mut files = open_files(&path)?;
            for entry in entries {
                let bytes = files.read(&entry)?;
                if send.blocking_send(Ok((entry, bytes))).is_err() {
                    break;
                }
            }
            Ok(())
        };
        if let Err(e) = run() {
            let _ = send.blocking_send(Err(e));
        }
    });
    let mut keys = Vec::new();
    while let Some(item) = receive.recv().await {
        let stored = match item {
            Ok((path, bytes)) => {
                let key = format!("{prefix}/{path}");
                let put = p
                    .objects
                    .put(&key, bytes.into(), content_type_for(&path))
                    .await;
                put.map(|()| key).map_err(AppError::internal)
            }
            Err(e) => Err(e),
        };
        match stored {
            Ok(key) => keys.push(key),
            Err(e) => {
                drop(receive);
                let _ = reader.await;
                remove(p, &keys).await;
                return Err(e);
            }
        }
    }
    reader.await.map_err(AppError::internal)?;
    tracing::info!(files = keys.len(), "package unpacked");
    Ok(Unpacked { manifest, keys })
}

/// Removes a package's stored files (best effort: a failure is logged).
pub async fn remove(p: &Platform, keys: &[String]) {
    for key in keys {
        if let Err(e) = p.objects.delete(key).await {
            tracing::warn!(error = %e, "a package file was not removed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::content_type_for;

    #[test]
    fn package_files_get_the_type_a_browser_needs() {
        assert_eq!(content_type_for("index.HTML"), "text/html; charset=utf-8");
        assert_eq!(
            content_type_for("story/app.min.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type_for("fonts/a.woff2"), "font/woff2");
        assert_eq!(content_type_for("README"), "application/octet-stream");
    }
}
