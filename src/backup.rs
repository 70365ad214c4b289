//! `zorgklas backup` and `zorgklas restore`: a consistent logical backup of the whole platform
//! (the database and every stored object) into a folder, and back into a fresh database and
//! object store.
//!
//! The database goes first, with `pg_dump` (one snapshot: every row as of one moment, custom
//! format); then every object of the store, each with its content type and SHA-256 in
//! `manifest.json`. Objects are immutable once confirmed and removed only after their rows, so a
//! row in the dump always finds its object. An object made after the snapshot is in the backup
//! without a row (harmless); `docs/operations.md` has the plan around it (base backups with WAL
//! archiving, versioned buckets).

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;
use zk_kernel::{objects::ObjectStore, Config};

/// What a backup holds (`manifest.json`).
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    /// The backup format's version.
    pub format: u32,
    /// When the backup was made (RFC 3339).
    pub made_at: String,
    /// The database dump's file and SHA-256.
    pub database: FileSum,
    /// Every object: key, size, content type, SHA-256 (files under `objects/`).
    pub objects: Vec<ObjectSum>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct FileSum {
    pub file: String,
    pub sha256: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ObjectSum {
    pub key: String,
    pub size: u64,
    pub content_type: String,
    pub sha256: String,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Runs a PostgreSQL tool and fails with its own message when it fails.
fn pg_tool(name: &str, args: &[&str]) -> anyhow::Result<()> {
    let bin = zk_kernel::embedded::find_bin(name)
        .with_context(|| format!("{name} was not found (install the PostgreSQL client tools)"))?;
    let out = std::process::Command::new(&bin).args(args).output()?;
    if !out.status.success() {
        bail!("{name} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

/// The object store of a configuration (as the platform makes it).
fn store(config: &Config) -> Box<dyn ObjectStore> {
    match &config.s3 {
        Some(s3) => Box::new(zk_kernel::objects::S3Store::new(s3)),
        None => Box::new(zk_kernel::objects::FsStore::new(
            config.data_dir.join("objects"),
            config.secret_key.expose().as_bytes(),
        )),
    }
}

fn owner_url(config: &Config) -> anyhow::Result<String> {
    Ok(config
        .database_url
        .as_ref()
        .context("DATABASE_URL is not set")?
        .expose()
        .to_string())
}

/// Backs up the platform of `config` into the folder `to` (made; must be empty).
pub async fn backup(config: &Config, to: &Path) -> anyhow::Result<Manifest> {
    std::fs::create_dir_all(to.join("objects"))?;
    if std::fs::read_dir(to)?.count() > 1 {
        bail!("{} is not empty", to.display());
    }
    let dump = to.join("database.dump");
    let dump_s = dump.to_string_lossy().to_string();
    let url = owner_url(config)?;
    pg_tool(
        "pg_dump",
        &["--format=custom", "--file", &dump_s, "--dbname", &url],
    )?;
    let database = FileSum {
        file: "database.dump".into(),
        sha256: sha256_hex(&std::fs::read(&dump)?),
    };
    let store = store(config);
    let mut keys = store.list("").await?;
    keys.sort();
    let mut objects = Vec::with_capacity(keys.len());
    for key in keys {
        // Gone since it was listed (an upload that was refused): not part of the backup.
        let Some(object) = store.get(&key).await? else {
            continue;
        };
        let path = to.join("objects").join(&key);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, &object.bytes)?;
        objects.push(ObjectSum {
            sha256: sha256_hex(&object.bytes),
            size: object.bytes.len() as u64,
            content_type: object.content_type,
            key,
        });
    }
    let manifest = Manifest {
        format: 1,
        made_at: time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)?,
        database,
        objects,
    };
    std::fs::write(
        to.join("manifest.json"),
        serde_json::to_vec_pretty(&manifest)?,
    )?;
    Ok(manifest)
}

/// Restores the backup in `from` into the database and object store of `config`. The database
/// must be empty (no Zorgklas schema yet); every file is checked against the manifest first, so
/// a damaged backup restores nothing.
pub async fn restore(config: &Config, from: &Path) -> anyhow::Result<Manifest> {
    let manifest: Manifest = serde_json::from_slice(
        &std::fs::read(from.join("manifest.json")).context("manifest.json")?,
    )?;
    if manifest.format != 1 {
        bail!("unknown backup format {}", manifest.format);
    }
    let dump = from.join(&manifest.database.file);
    if sha256_hex(&std::fs::read(&dump)?) != manifest.database.sha256 {
        bail!("the database dump does not match its checksum");
    }
    for o in &manifest.objects {
        let bytes = std::fs::read(from.join("objects").join(&o.key))
            .with_context(|| format!("object {}", o.key))?;
        if sha256_hex(&bytes) != o.sha256 {
            bail!("object {} does not match its checksum", o.key);
        }
    }
    let url = owner_url(config)?;
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&url).await?;
    let migrated: Option<String> =
        sqlx::query_scalar("SELECT to_regclass('tenant.casbin_rule')::text")
            .fetch_one(&mut conn)
            .await?;
    if migrated.is_some() {
        bail!("the database is not empty: restore into a new database");
    }
    drop(conn);
    let dump_s = dump.to_string_lossy().to_string();
    pg_tool(
        "pg_restore",
        &["--exit-on-error", "--dbname", &url, &dump_s],
    )?;
    let store = store(config);
    for o in &manifest.objects {
        let bytes = std::fs::read(from.join("objects").join(&o.key))?;
        store.put(&o.key, bytes.into(), &o.content_type).await?;
    }
    Ok(manifest)
}
