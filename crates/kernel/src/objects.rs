//! The object store interface (logos, content media), with two implementations: the file system
//! (embedded default) and any S3-compatible server (aws-sdk-s3, path-style), chosen by
//! `ZK_S3_ENDPOINT`/`ZK_S3_BUCKET`.
//!
//! Media bytes go straight between the browser and the store: the server hands out presigned
//! requests (PUT, multipart part uploads, GET). S3 signs them with SigV4; the file-system store
//! signs its own URLs under `/media/o/{key}` with an HMAC of `ZK_SECRET_KEY`, and the content
//! service serves them (range requests included) through [`FsStore::serve_get`] and
//! [`FsStore::receive`].

use crate::error::StoreUnavailable;
use async_trait::async_trait;
use bytes::Bytes;
use serde::Serialize;
use std::{
    path::PathBuf,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

/// A stored object.
pub struct Object {
    pub bytes: Bytes,
    pub content_type: String,
}

/// A request the browser sends to the store itself.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Presigned {
    /// `PUT` for uploads.
    pub method: String,
    /// Absolute (S3) or relative to the portal (file-system mode).
    pub url: String,
    /// Headers the request must carry (they are part of the signature), as `[name, value]`.
    /// A browser sets `content-length` itself from the body; it must match.
    #[schema(value_type = Vec<Vec<String>>)]
    pub headers: Vec<(String, String)>,
}

/// What a stored object is, without its bytes.
#[derive(Clone, Debug)]
pub struct Head {
    pub size: u64,
}

/// Where binary objects live. Keys are `/`-separated and always start with their owner
/// (a tenant id, `t/{tenant id}/…` or `shared/…`).
#[async_trait]
pub trait ObjectStore: Send + Sync {
    /// Stores `bytes` under `key`.
    async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> anyhow::Result<()>;
    /// Reads an object; `None` when missing.
    async fn get(&self, key: &str) -> anyhow::Result<Option<Object>>;
    /// Removes an object (missing is fine).
    async fn delete(&self, key: &str) -> anyhow::Result<()>;
    /// A PUT of `max_size` bytes of `content_type` to `key`, valid for `ttl` (S3 signs the exact
    /// length; the file system enforces it as a maximum).
    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        max_size: u64,
        ttl: Duration,
    ) -> anyhow::Result<Presigned>;
    /// A GET of `key` (range requests allowed), valid for `ttl`.
    async fn presign_get(&self, key: &str, ttl: Duration) -> anyhow::Result<String>;
    /// Starts a multipart upload; returns its id.
    async fn create_multipart(&self, key: &str, content_type: &str) -> anyhow::Result<String>;
    /// The PUT of part `part` (1-based, `max_size` bytes; the last part may be shorter on the
    /// file system) of a multipart upload.
    async fn presign_part(
        &self,
        key: &str,
        upload_id: &str,
        part: i32,
        max_size: u64,
        ttl: Duration,
    ) -> anyhow::Result<Presigned>;
    /// Joins the uploaded parts (number and ETag, in order) into the object.
    async fn complete_multipart(
        &self,
        key: &str,
        upload_id: &str,
        parts: &[(i32, String)],
    ) -> anyhow::Result<()>;
    /// Drops a multipart upload and its parts (missing is fine).
    async fn abort_multipart(&self, key: &str, upload_id: &str) -> anyhow::Result<()>;
    /// Size of an object; `None` when missing.
    async fn head(&self, key: &str) -> anyhow::Result<Option<Head>>;
    /// The first `len` bytes of an object (to check its type by content).
    async fn read_prefix(&self, key: &str, len: u64) -> anyhow::Result<Bytes>;
    /// Copies an object within the store (server-side for S3).
    async fn copy(&self, from: &str, to: &str) -> anyhow::Result<()>;
    /// Moves an object to another key (a rename on the file system; a server-side copy and a
    /// delete in S3).
    async fn rename(&self, from: &str, to: &str) -> anyhow::Result<()>;
    /// Writes an object to the file `to` (large objects, such as an e-learning package's zip,
    /// without holding them in memory); false when the object is missing.
    async fn download(&self, key: &str, to: &std::path::Path) -> anyhow::Result<bool> {
        match self.get(key).await? {
            Some(o) => {
                tokio::fs::write(to, &o.bytes).await?;
                Ok(true)
            }
            None => Ok(false),
        }
    }
    /// Every object's key under `prefix` (`""`: all), in no particular order (backups).
    async fn list(&self, prefix: &str) -> anyhow::Result<Vec<String>>;
    /// The file-system store, whose signed URLs the application serves itself.
    fn local(&self) -> Option<&FsStore> {
        None
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// Objects as files under a directory (embedded default).
pub struct FsStore {
    root: PathBuf,
    signing_key: Vec<u8>,
}

/// What a signed file-system URL allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignedOp {
    /// Read the object (ranges allowed).
    Get,
    /// Write the object, at most `max` bytes.
    Put { max: u64 },
    /// Write part `part` of multipart upload `upload`, at most `max` bytes.
    Part { upload: String, part: i32, max: u64 },
}

/// The query of a signed file-system URL.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct SignedQuery {
    #[serde(default)]
    pub op: String,
    #[serde(default)]
    pub exp: u64,
    #[serde(default)]
    pub max: u64,
    #[serde(default)]
    pub upload: String,
    #[serde(default)]
    pub part: i32,
    #[serde(default)]
    pub sig: String,
}

/// Why a file-system upload was not stored.
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    #[error("the body is larger than the signed limit")]
    TooLarge,
    #[error(transparent)]
    Io(#[from] anyhow::Error),
}

impl FsStore {
    /// A store rooted at `root` whose URLs are signed with `signing_key`.
    pub fn new(root: PathBuf, signing_key: &[u8]) -> Self {
        Self {
            root,
            signing_key: crate::crypto::hmac_sha256(signing_key, b"zorgklas media urls").to_vec(),
        }
    }

    fn sign(&self, key: &str, q: &SignedQuery) -> String {
        let message = format!(
            "{}\n{key}\n{}\n{}\n{}\n{}",
            q.op, q.exp, q.max, q.upload, q.part
        );
        hex::encode(crate::crypto::hmac_sha256(
            &self.signing_key,
            message.as_bytes(),
        ))
    }

    fn url(&self, key: &str, mut q: SignedQuery, ttl: Duration) -> String {
        q.exp = unix_now() + ttl.as_secs().max(1);
        q.sig = self.sign(key, &q);
        let encoded_key: String = key
            .split('/')
            .map(|s| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>())
            .collect::<Vec<_>>()
            .join("/");
        format!(
            "/media/o/{encoded_key}?op={}&exp={}&max={}&upload={}&part={}&sig={}",
            q.op, q.exp, q.max, q.upload, q.part, q.sig
        )
    }

    /// Checks a signed URL's query for `key`: what it allows, or `None` when the signature is
    /// wrong or the URL expired.
    pub fn verify(&self, key: &str, q: &SignedQuery) -> Option<SignedOp> {
        if q.exp < unix_now() || !crate::crypto::constant_time_eq(&self.sign(key, q), &q.sig) {
            return None;
        }
        self.path(key).ok()?;
        match q.op.as_str() {
            "get" => Some(SignedOp::Get),
            "put" => Some(SignedOp::Put { max: q.max }),
            "part" if valid_upload_id(&q.upload) && q.part >= 1 => Some(SignedOp::Part {
                upload: q.upload.clone(),
                part: q.part,
                max: q.max,
            }),
            _ => None,
        }
    }

    fn part_path(&self, upload: &str, part: i32) -> anyhow::Result<PathBuf> {
        if !valid_upload_id(upload) {
            anyhow::bail!("invalid upload id");
        }
        Ok(self
            .root
            .join(".uploads")
            .join(upload)
            .join(format!("{part:05}")))
    }

    /// Stores a request body (as a stream of chunks) for a verified PUT or part upload, at most
    /// the signed number of bytes; returns the ETag (SHA-256 of the bytes, hex).
    pub async fn receive<S, E>(
        &self,
        key: &str,
        op: &SignedOp,
        mut body: S,
    ) -> Result<String, ReceiveError>
    where
        S: futures_util::Stream<Item = Result<Bytes, E>> + Unpin + Send,
        E: std::fmt::Display,
    {
        use futures_util::StreamExt;
        use sha2::Digest;
        use tokio::io::AsyncWriteExt;
        let (target, max) = match op {
            SignedOp::Put { max } => (self.path(key)?, *max),
            SignedOp::Part { upload, part, max } => (self.part_path(upload, *part)?, *max),
            SignedOp::Get => return Err(ReceiveError::Io(anyhow::anyhow!("not an upload"))),
        };
        if let Some(dir) = target.parent() {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(anyhow::Error::from)?;
        }
        let tmp = target.with_extension(format!("recv-{}", uuid::Uuid::new_v4().simple()));
        let mut file = tokio::fs::File::create(&tmp)
            .await
            .map_err(anyhow::Error::from)?;
        let mut hash = sha2::Sha256::new();
        let mut written = 0u64;
        while let Some(chunk) = body.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    let _ = tokio::fs::remove_file(&tmp).await;
                    return Err(ReceiveError::Io(anyhow::anyhow!("body: {e}")));
                }
            };
            written += chunk.len() as u64;
            if written > max {
                drop(file);
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(ReceiveError::TooLarge);
            }
            hash.update(&chunk);
            file.write_all(&chunk).await.map_err(anyhow::Error::from)?;
        }
        file.flush().await.map_err(anyhow::Error::from)?;
        drop(file);
        tokio::fs::rename(&tmp, &target)
            .await
            .map_err(anyhow::Error::from)?;
        Ok(hex::encode(hash.finalize()))
    }

    /// Answers a verified GET of `key`: the whole object (200) or one byte range (206) when the
    /// request carries `Range: bytes=…`, streamed from the file; 416 for a range outside it.
    pub async fn serve_get(
        &self,
        key: &str,
        range: Option<&str>,
    ) -> anyhow::Result<Option<axum::response::Response>> {
        use axum::{body::Body, http::StatusCode, response::IntoResponse};
        use tokio::io::{AsyncReadExt, AsyncSeekExt};
        let Some((size, mut file, content_type)) = self.open(key).await? else {
            return Ok(None);
        };
        let (status, start, len) = match range.map(|r| parse_range(r, size)) {
            None | Some(RangeSpec::Ignore) => (StatusCode::OK, 0, size),
            Some(RangeSpec::Bytes(start, end)) => {
                (StatusCode::PARTIAL_CONTENT, start, end - start + 1)
            }
            Some(RangeSpec::Unsatisfiable) => {
                return Ok(Some(
                    (
                        StatusCode::RANGE_NOT_SATISFIABLE,
                        [("content-range", format!("bytes */{size}"))],
                    )
                        .into_response(),
                ))
            }
        };
        file.seek(std::io::SeekFrom::Start(start)).await?;
        let stream =
            futures_util::stream::unfold((file.take(len), false), |(mut f, done)| async move {
                if done {
                    return None;
                }
                let mut buf = vec![0u8; 64 * 1024];
                match f.read(&mut buf).await {
                    Ok(0) => None,
                    Ok(n) => {
                        buf.truncate(n);
                        Some((Ok::<_, std::io::Error>(Bytes::from(buf)), (f, false)))
                    }
                    Err(e) => Some((Err(e), (f, true))),
                }
            });
        let mut res = Body::from_stream(stream).into_response();
        *res.status_mut() = status;
        let h = res.headers_mut();
        h.insert("content-type", content_type.parse()?);
        h.insert("content-length", len.to_string().parse()?);
        h.insert("accept-ranges", "bytes".parse()?);
        h.insert("cache-control", "private, max-age=300".parse()?);
        if status == StatusCode::PARTIAL_CONTENT {
            h.insert(
                "content-range",
                format!("bytes {start}-{}/{size}", start + len - 1).parse()?,
            );
        }
        Ok(Some(res))
    }

    /// Opens an object for a verified GET: its size and the file, positioned at the start.
    pub async fn open(&self, key: &str) -> anyhow::Result<Option<(u64, tokio::fs::File, String)>> {
        let path = self.path(key)?;
        match tokio::fs::File::open(&path).await {
            Ok(f) => {
                let size = f.metadata().await?.len();
                let content_type = read_type(&path).await;
                Ok(Some((size, f, content_type)))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn path(&self, key: &str) -> anyhow::Result<PathBuf> {
        if key
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
        {
            anyhow::bail!("invalid object key");
        }
        Ok(self.root.join(key))
    }
}

/// One byte range of a `Range` header.
#[derive(Debug, PartialEq, Eq)]
enum RangeSpec {
    /// First and last byte, inclusive.
    Bytes(u64, u64),
    /// Outside the object (416).
    Unsatisfiable,
    /// Not a single byte range we serve: answer with the whole object.
    Ignore,
}

fn parse_range(header: &str, size: u64) -> RangeSpec {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return RangeSpec::Ignore;
    };
    if spec.contains(',') {
        return RangeSpec::Ignore;
    }
    let Some((a, b)) = spec.split_once('-') else {
        return RangeSpec::Ignore;
    };
    let (a, b) = (a.trim(), b.trim());
    let (start, end) = match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(s), Ok(e)) if s <= e => (s, e.min(size.saturating_sub(1))),
        (Ok(s), Err(_)) if b.is_empty() => (s, size.saturating_sub(1)),
        (Err(_), Ok(n)) if a.is_empty() && n > 0 => {
            (size.saturating_sub(n), size.saturating_sub(1))
        }
        _ => return RangeSpec::Ignore,
    };
    if size == 0 || start >= size {
        RangeSpec::Unsatisfiable
    } else {
        RangeSpec::Bytes(start, end)
    }
}

fn valid_upload_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// `path` with `suffix` after its whole name (`index.html` → `index.html.part`).
fn with_suffix(path: &std::path::Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The file beside an object's file that keeps its content type: its whole name and
/// `.content-type`, so that `index.html` and `index.js` in one folder keep their own.
fn type_path(path: &std::path::Path) -> PathBuf {
    with_suffix(path, ".content-type")
}

/// An object's content type: its own file, else the one objects stored before 2026-12-09 kept
/// under their name's stem, else `application/octet-stream`.
async fn read_type(path: &std::path::Path) -> String {
    match tokio::fs::read_to_string(type_path(path)).await {
        Ok(t) => t,
        Err(_) => tokio::fs::read_to_string(path.with_extension("content-type"))
            .await
            .unwrap_or_else(|_| "application/octet-stream".into()),
    }
}

#[async_trait]
impl ObjectStore for FsStore {
    async fn list(&self, prefix: &str) -> anyhow::Result<Vec<String>> {
        let root = self.root.clone();
        let prefix = prefix.to_owned();
        tokio::task::spawn_blocking(move || {
            let mut keys = Vec::new();
            let mut dirs = vec![root.clone()];
            while let Some(dir) = dirs.pop() {
                let entries = match std::fs::read_dir(&dir) {
                    Ok(e) => e,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(e.into()),
                };
                for entry in entries {
                    let path = entry?.path();
                    let Ok(rel) = path.strip_prefix(&root) else {
                        continue;
                    };
                    let key = rel.to_string_lossy().replace('\\', "/");
                    if path.is_dir() {
                        // Multipart uploads in progress are not objects yet.
                        if key != ".uploads" {
                            dirs.push(path);
                        }
                        continue;
                    }
                    // The store's own files: content types, writes and receipts in progress.
                    let name = key.rsplit('/').next().unwrap_or_default();
                    let own = name.ends_with(".content-type")
                        || name.ends_with(".part")
                        || path
                            .extension()
                            .and_then(|e| e.to_str())
                            .is_some_and(|e| e.starts_with("recv-"));
                    if !own && key.starts_with(&prefix) {
                        keys.push(key);
                    }
                }
            }
            Ok(keys)
        })
        .await?
    }

    async fn download(&self, key: &str, to: &std::path::Path) -> anyhow::Result<bool> {
        match tokio::fs::copy(self.path(key)?, to).await {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> anyhow::Result<()> {
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        // Write then rename, so a reader never sees half a file.
        let tmp = with_suffix(&path, ".part");
        tokio::fs::write(&tmp, &bytes).await?;
        tokio::fs::write(type_path(&path), content_type).await?;
        tokio::fs::rename(&tmp, &path).await?;
        Ok(())
    }

    async fn get(&self, key: &str) -> anyhow::Result<Option<Object>> {
        let path = self.path(key)?;
        match tokio::fs::read(&path).await {
            Ok(bytes) => {
                let content_type = read_type(&path).await;
                Ok(Some(Object {
                    bytes: bytes.into(),
                    content_type,
                }))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        let path = self.path(key)?;
        for p in [path.clone(), type_path(&path)] {
            match tokio::fs::remove_file(p).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        max_size: u64,
        ttl: Duration,
    ) -> anyhow::Result<Presigned> {
        self.path(key)?;
        // The content type is recorded now; the upload itself is the raw bytes.
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        tokio::fs::write(type_path(&path), content_type).await?;
        let q = SignedQuery {
            op: "put".into(),
            max: max_size,
            ..Default::default()
        };
        Ok(Presigned {
            method: "PUT".into(),
            url: self.url(key, q, ttl),
            headers: vec![("Content-Type".into(), content_type.into())],
        })
    }

    async fn presign_get(&self, key: &str, ttl: Duration) -> anyhow::Result<String> {
        self.path(key)?;
        let q = SignedQuery {
            op: "get".into(),
            ..Default::default()
        };
        Ok(self.url(key, q, ttl))
    }

    async fn create_multipart(&self, key: &str, content_type: &str) -> anyhow::Result<String> {
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        tokio::fs::write(type_path(&path), content_type).await?;
        let id = uuid::Uuid::new_v4().simple().to_string();
        tokio::fs::create_dir_all(self.root.join(".uploads").join(&id)).await?;
        Ok(id)
    }

    async fn presign_part(
        &self,
        key: &str,
        upload_id: &str,
        part: i32,
        max_size: u64,
        ttl: Duration,
    ) -> anyhow::Result<Presigned> {
        self.part_path(upload_id, part)?;
        let q = SignedQuery {
            op: "part".into(),
            max: max_size,
            upload: upload_id.into(),
            part,
            ..Default::default()
        };
        Ok(Presigned {
            method: "PUT".into(),
            url: self.url(key, q, ttl),
            headers: vec![],
        })
    }

    async fn complete_multipart(
        &self,
        key: &str,
        upload_id: &str,
        parts: &[(i32, String)],
    ) -> anyhow::Result<()> {
        use sha2::Digest;
        use tokio::io::AsyncWriteExt;
        let target = self.path(key)?;
        let tmp = with_suffix(&target, ".part");
        let mut out = tokio::fs::File::create(&tmp).await?;
        for (expected, (number, etag)) in (1..).zip(parts) {
            if *number != expected {
                anyhow::bail!("parts must be numbered 1, 2, … in order");
            }
            let bytes = tokio::fs::read(self.part_path(upload_id, *number)?).await?;
            if hex::encode(sha2::Sha256::digest(&bytes)) != *etag {
                anyhow::bail!("part {number} does not match its ETag");
            }
            out.write_all(&bytes).await?;
        }
        out.flush().await?;
        drop(out);
        tokio::fs::rename(&tmp, &target).await?;
        self.abort_multipart(key, upload_id).await
    }

    async fn abort_multipart(&self, _key: &str, upload_id: &str) -> anyhow::Result<()> {
        if !valid_upload_id(upload_id) {
            anyhow::bail!("invalid upload id");
        }
        match tokio::fs::remove_dir_all(self.root.join(".uploads").join(upload_id)).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn head(&self, key: &str) -> anyhow::Result<Option<Head>> {
        match tokio::fs::metadata(self.path(key)?).await {
            Ok(m) => Ok(Some(Head { size: m.len() })),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn read_prefix(&self, key: &str, len: u64) -> anyhow::Result<Bytes> {
        use tokio::io::AsyncReadExt;
        let file = tokio::fs::File::open(self.path(key)?).await?;
        let mut buf = Vec::new();
        file.take(len).read_to_end(&mut buf).await?;
        Ok(buf.into())
    }

    async fn copy(&self, from: &str, to: &str) -> anyhow::Result<()> {
        let (src, dst) = (self.path(from)?, self.path(to)?);
        if let Some(dir) = dst.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        tokio::fs::copy(&src, &dst).await?;
        tokio::fs::write(type_path(&dst), read_type(&src).await).await?;
        Ok(())
    }

    async fn rename(&self, from: &str, to: &str) -> anyhow::Result<()> {
        let (src, dst) = (self.path(from)?, self.path(to)?);
        if let Some(dir) = dst.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        tokio::fs::write(type_path(&dst), read_type(&src).await).await?;
        tokio::fs::rename(&src, &dst).await?;
        let _ = tokio::fs::remove_file(type_path(&src)).await;
        Ok(())
    }

    fn local(&self) -> Option<&FsStore> {
        Some(self)
    }
}

/// Objects in an S3-compatible bucket.
/// An S3 call's error: an outage of the store ([`StoreUnavailable`]) when the request never got
/// an answer or the server failed (5xx); else the error as it is (a refusal, a missing key).
fn store_error<E>(
    e: aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
) -> anyhow::Error
where
    E: std::error::Error + Send + Sync + 'static,
{
    use aws_sdk_s3::error::SdkError;
    let outage = match &e {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(s) => s.raw().status().is_server_error(),
        _ => false,
    };
    if outage {
        StoreUnavailable::wrap(Box::new(e))
    } else {
        e.into()
    }
}

pub struct S3Store {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl S3Store {
    /// A store for the configured endpoint and bucket (static credentials, path-style URLs).
    pub fn new(config: &crate::config::S3Config) -> Self {
        use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
        use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
            .build_https();
        let credentials = Credentials::new(
            config.access_key.expose(),
            config.secret_key.expose(),
            None,
            None,
            "zorgklas",
        );
        let conf = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(config.region.clone()))
            .endpoint_url(&config.endpoint)
            .credentials_provider(credentials)
            .force_path_style(true)
            .http_client(http)
            .build();
        Self {
            client: aws_sdk_s3::Client::from_conf(conf),
            bucket: config.bucket.clone(),
        }
    }

    /// Creates the bucket when it does not exist yet (start-up of embedded and test setups).
    pub async fn ensure_bucket(&self) -> anyhow::Result<()> {
        if self
            .client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .is_ok()
        {
            return Ok(());
        }
        self.client
            .create_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map_err(store_error)?;
        Ok(())
    }
}

#[async_trait]
impl ObjectStore for S3Store {
    async fn list(&self, prefix: &str) -> anyhow::Result<Vec<String>> {
        let mut keys = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix)
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(store_error)?;
            keys.extend(
                out.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_owned)),
            );
            match out.next_continuation_token() {
                Some(t) if out.is_truncated() == Some(true) => token = Some(t.to_owned()),
                _ => return Ok(keys),
            }
        }
    }

    async fn download(&self, key: &str, to: &std::path::Path) -> anyhow::Result<bool> {
        match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => {
                let mut file = tokio::fs::File::create(to).await?;
                let mut body = out.body.into_async_read();
                tokio::io::copy(&mut body, &mut file).await?;
                tokio::io::AsyncWriteExt::flush(&mut file).await?;
                Ok(true)
            }
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => Ok(false),
            Err(e) => Err(store_error(e)),
        }
    }

    async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> anyhow::Result<()> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(aws_sdk_s3::primitives::ByteStream::from(bytes))
            .send()
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn get(&self, key: &str) -> anyhow::Result<Option<Object>> {
        match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => {
                let content_type = out
                    .content_type()
                    .unwrap_or("application/octet-stream")
                    .to_owned();
                let bytes = out
                    .body
                    .collect()
                    .await
                    .map_err(|e| StoreUnavailable::wrap(e.into()))?
                    .into_bytes();
                Ok(Some(Object {
                    bytes,
                    content_type,
                }))
            }
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => Ok(None),
            Err(e) => Err(store_error(e)),
        }
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        max_size: u64,
        ttl: Duration,
    ) -> anyhow::Result<Presigned> {
        use aws_sdk_s3::presigning::PresigningConfig;
        // The length is signed: S3 refuses a body of any other size (the confirm step checks
        // it again, for stores that don't).
        let req = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .content_length(i64::try_from(max_size)?)
            .presigned(PresigningConfig::expires_in(ttl)?)
            .await?;
        Ok(presigned(&req))
    }

    async fn presign_get(&self, key: &str, ttl: Duration) -> anyhow::Result<String> {
        use aws_sdk_s3::presigning::PresigningConfig;
        let req = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(PresigningConfig::expires_in(ttl)?)
            .await?;
        Ok(req.uri().to_owned())
    }

    async fn create_multipart(&self, key: &str, content_type: &str) -> anyhow::Result<String> {
        let out = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .send()
            .await
            .map_err(store_error)?;
        out.upload_id()
            .map(str::to_owned)
            .ok_or_else(|| anyhow::anyhow!("no upload id"))
    }

    async fn presign_part(
        &self,
        key: &str,
        upload_id: &str,
        part: i32,
        max_size: u64,
        ttl: Duration,
    ) -> anyhow::Result<Presigned> {
        use aws_sdk_s3::presigning::PresigningConfig;
        let req = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .part_number(part)
            .content_length(i64::try_from(max_size)?)
            .presigned(PresigningConfig::expires_in(ttl)?)
            .await?;
        Ok(presigned(&req))
    }

    async fn complete_multipart(
        &self,
        key: &str,
        upload_id: &str,
        parts: &[(i32, String)],
    ) -> anyhow::Result<()> {
        use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
        let completed = CompletedMultipartUpload::builder()
            .set_parts(Some(
                parts
                    .iter()
                    .map(|(n, etag)| CompletedPart::builder().part_number(*n).e_tag(etag).build())
                    .collect(),
            ))
            .build();
        self.client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .multipart_upload(completed)
            .send()
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn abort_multipart(&self, key: &str, upload_id: &str) -> anyhow::Result<()> {
        match self
            .client
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_upload()) => Ok(()),
            Err(e) => Err(store_error(e)),
        }
    }

    async fn head(&self, key: &str) -> anyhow::Result<Option<Head>> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => Ok(Some(Head {
                size: u64::try_from(out.content_length().unwrap_or_default()).unwrap_or_default(),
            })),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(None),
            Err(e) => Err(store_error(e)),
        }
    }

    async fn read_prefix(&self, key: &str, len: u64) -> anyhow::Result<Bytes> {
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .range(format!("bytes=0-{}", len.saturating_sub(1)))
            .send()
            .await
            .map_err(store_error)?;
        Ok(out
            .body
            .collect()
            .await
            .map_err(|e| StoreUnavailable::wrap(e.into()))?
            .into_bytes())
    }

    async fn copy(&self, from: &str, to: &str) -> anyhow::Result<()> {
        self.client
            .copy_object()
            .bucket(&self.bucket)
            .copy_source(format!("{}/{from}", self.bucket))
            .key(to)
            .send()
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn rename(&self, from: &str, to: &str) -> anyhow::Result<()> {
        self.copy(from, to).await?;
        self.delete(from).await
    }
}

fn presigned(req: &aws_sdk_s3::presigning::PresignedRequest) -> Presigned {
    Presigned {
        method: req.method().to_owned(),
        url: req.uri().to_owned(),
        headers: req
            .headers()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_ranges() {
        use RangeSpec::*;
        assert_eq!(parse_range("bytes=0-99", 1000), Bytes(0, 99));
        assert_eq!(parse_range("bytes=900-", 1000), Bytes(900, 999));
        assert_eq!(parse_range("bytes=-100", 1000), Bytes(900, 999));
        assert_eq!(parse_range("bytes=990-2000", 1000), Bytes(990, 999));
        assert_eq!(parse_range("bytes=1000-", 1000), Unsatisfiable);
        assert_eq!(parse_range("bytes=0-1,5-6", 1000), Ignore);
        assert_eq!(parse_range("items=0-1", 1000), Ignore);
    }

    #[tokio::test]
    async fn files_with_one_stem_keep_their_own_types_on_the_file_system() {
        let dir = std::env::temp_dir().join(format!("zk-objects-{}", uuid::Uuid::new_v4()));
        let store = FsStore::new(dir.clone(), b"test key");
        // A package's page and its script, side by side.
        store
            .put(
                "t/1/p.d/index.html",
                Bytes::from_static(b"<p>"),
                "text/html",
            )
            .await
            .unwrap();
        store
            .put(
                "t/1/p.d/index.js",
                Bytes::from_static(b"1;"),
                "text/javascript",
            )
            .await
            .unwrap();
        let html = store.get("t/1/p.d/index.html").await.unwrap().unwrap();
        let js = store.get("t/1/p.d/index.js").await.unwrap().unwrap();
        assert_eq!(html.content_type, "text/html");
        assert_eq!(js.content_type, "text/javascript");
        // Copied and moved, the type goes along.
        store
            .copy("t/1/p.d/index.js", "t/1/q/app.js")
            .await
            .unwrap();
        store.rename("t/1/q/app.js", "t/1/r/app.js").await.unwrap();
        let moved = store.get("t/1/r/app.js").await.unwrap().unwrap();
        assert_eq!(moved.content_type, "text/javascript");
        // An object stored before: its type under the stem is still read.
        tokio::fs::create_dir_all(dir.join("t/1/old"))
            .await
            .unwrap();
        tokio::fs::write(dir.join("t/1/old/a.pdf"), b"%PDF")
            .await
            .unwrap();
        tokio::fs::write(dir.join("t/1/old/a.content-type"), "application/pdf")
            .await
            .unwrap();
        let old = store.get("t/1/old/a.pdf").await.unwrap().unwrap();
        assert_eq!(old.content_type, "application/pdf");
        let _ = tokio::fs::remove_dir_all(&dir).await;
    }

    #[tokio::test]
    async fn signed_urls_uploads_and_multipart_on_the_file_system() {
        let dir = std::env::temp_dir().join(format!("zk-objects-{}", uuid::Uuid::new_v4()));
        let store = FsStore::new(dir.clone(), b"test key");
        let query = |url: &str| -> SignedQuery {
            serde_urlencoded::from_str(url.split_once('?').unwrap().1).unwrap()
        };
        let put = store
            .presign_put("t/1/a.pdf", "application/pdf", 8, Duration::from_secs(60))
            .await
            .unwrap();
        let q = query(&put.url);
        assert_eq!(
            store.verify("t/1/a.pdf", &q),
            Some(SignedOp::Put { max: 8 })
        );
        assert_eq!(
            store.verify("t/1/b.pdf", &q),
            None,
            "the signature covers the key"
        );
        let mut tampered = q.clone();
        tampered.max = 1 << 40;
        assert_eq!(store.verify("t/1/a.pdf", &tampered), None, "and the limit");
        let mut expired = q.clone();
        expired.exp = 1;
        assert_eq!(store.verify("t/1/a.pdf", &expired), None);
        let body = |parts: Vec<&'static [u8]>| {
            futures_util::stream::iter(
                parts
                    .into_iter()
                    .map(|p| Ok::<_, std::io::Error>(Bytes::from_static(p))),
            )
        };
        let op = SignedOp::Put { max: 8 };
        assert!(matches!(
            store
                .receive("t/1/a.pdf", &op, body(vec![b"%PDF-", b"1.7 too long"]))
                .await,
            Err(ReceiveError::TooLarge)
        ));
        assert!(
            store.head("t/1/a.pdf").await.unwrap().is_none(),
            "nothing left behind"
        );
        store
            .receive("t/1/a.pdf", &op, body(vec![b"%PDF-", b"1.7"]))
            .await
            .unwrap();
        assert_eq!(store.head("t/1/a.pdf").await.unwrap().unwrap().size, 8);
        assert_eq!(
            &store.read_prefix("t/1/a.pdf", 5).await.unwrap()[..],
            b"%PDF-"
        );

        let upload = store
            .create_multipart("t/1/film.mp4", "video/mp4")
            .await
            .unwrap();
        let mut etags = vec![];
        for (n, bytes) in [(1, &b"abc"[..]), (2, &b"def"[..])] {
            let part = store
                .presign_part("t/1/film.mp4", &upload, n, 3, Duration::from_secs(60))
                .await
                .unwrap();
            let op = store.verify("t/1/film.mp4", &query(&part.url)).unwrap();
            let etag = store
                .receive(
                    "t/1/film.mp4",
                    &op,
                    futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::copy_from_slice(
                        bytes,
                    ))]),
                )
                .await
                .unwrap();
            etags.push((n, etag));
        }
        let mut wrong = etags.clone();
        wrong[1].1 = "0".repeat(64);
        assert!(store
            .complete_multipart("t/1/film.mp4", &upload, &wrong)
            .await
            .is_err());
        store
            .complete_multipart("t/1/film.mp4", &upload, &etags)
            .await
            .unwrap();
        let o = store.get("t/1/film.mp4").await.unwrap().unwrap();
        assert_eq!(
            (&o.bytes[..], o.content_type.as_str()),
            (&b"abcdef"[..], "video/mp4")
        );
        assert!(
            !dir.join(".uploads").join(&upload).exists(),
            "parts removed"
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn fs_store_round_trip_and_rejects_traversal() {
        let dir = std::env::temp_dir().join(format!("zk-objects-{}", uuid::Uuid::new_v4()));
        let store = FsStore::new(dir.clone(), b"test key");
        store
            .put("t1/logo", Bytes::from_static(b"png"), "image/png")
            .await
            .unwrap();
        let o = store.get("t1/logo").await.unwrap().unwrap();
        assert_eq!(&o.bytes[..], b"png");
        assert_eq!(o.content_type, "image/png");
        assert!(store.put("../escape", Bytes::new(), "x").await.is_err());
        store.delete("t1/logo").await.unwrap();
        assert!(store.get("t1/logo").await.unwrap().is_none());
        let _ = std::fs::remove_dir_all(dir);
    }
}
