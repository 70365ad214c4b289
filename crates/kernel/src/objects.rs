//! The object store interface (logos now; content media later), with two implementations: the
//! file system (embedded default) and any S3-compatible server (aws-sdk-s3, path-style), chosen
//! by `ZK_S3_ENDPOINT`/`ZK_S3_BUCKET`.

use async_trait::async_trait;
use bytes::Bytes;
use std::path::PathBuf;

/// A stored object.
pub struct Object {
    pub bytes: Bytes,
    pub content_type: String,
}

/// Where binary objects live. Keys are `/`-separated and always start with a tenant id.
#[async_trait]
pub trait ObjectStore: Send + Sync {
    /// Stores `bytes` under `key`.
    async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> anyhow::Result<()>;
    /// Reads an object; `None` when missing.
    async fn get(&self, key: &str) -> anyhow::Result<Option<Object>>;
    /// Removes an object (missing is fine).
    async fn delete(&self, key: &str) -> anyhow::Result<()>;
}

/// Objects as files under a directory (embedded default).
pub struct FsStore {
    root: PathBuf,
}

impl FsStore {
    /// A store rooted at `root`.
    pub fn new(root: PathBuf) -> Self {
        Self { root }
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

#[async_trait]
impl ObjectStore for FsStore {
    async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> anyhow::Result<()> {
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        // Write then rename, so a reader never sees half a file.
        let tmp = path.with_extension("part");
        tokio::fs::write(&tmp, &bytes).await?;
        tokio::fs::write(path.with_extension("content-type"), content_type).await?;
        tokio::fs::rename(&tmp, &path).await?;
        Ok(())
    }

    async fn get(&self, key: &str) -> anyhow::Result<Option<Object>> {
        let path = self.path(key)?;
        match tokio::fs::read(&path).await {
            Ok(bytes) => {
                let content_type = tokio::fs::read_to_string(path.with_extension("content-type"))
                    .await
                    .unwrap_or_else(|_| "application/octet-stream".into());
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
        for p in [path.clone(), path.with_extension("content-type")] {
            match tokio::fs::remove_file(p).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}

/// Objects in an S3-compatible bucket.
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
            .await?;
        Ok(())
    }
}

#[async_trait]
impl ObjectStore for S3Store {
    async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> anyhow::Result<()> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(aws_sdk_s3::primitives::ByteStream::from(bytes))
            .send()
            .await?;
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
                let bytes = out.body.collect().await?.into_bytes();
                Ok(Some(Object {
                    bytes,
                    content_type,
                }))
            }
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn fs_store_round_trip_and_rejects_traversal() {
        let dir = std::env::temp_dir().join(format!("zk-objects-{}", uuid::Uuid::new_v4()));
        let store = FsStore::new(dir.clone());
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
