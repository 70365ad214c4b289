//! The Citus layout (`infra/citus/distribute.sql`, docs/operations.md "Scaling out PostgreSQL
//! with Citus") against the catalogue of the migrated database. Citus itself is not installed
//! here (no Debian or PyPI package), so the test checks what Citus would refuse or what would
//! break the layout, from `pg_catalog`:
//! - every table is named exactly once: distributed by `tenant_id`, a reference table, or a
//!   `-- local:` line with a reason, and the file names no table that does not exist;
//! - a table with `tenant_id` is distributed by it, or its reference line gives the reason it is
//!   shared; a shared-readable table (policy `read_by_every_tenant`) is never distributed;
//! - the distributed tables form one colocation group behind the first of them (the anchor);
//! - primary keys and unique indexes of distributed tables include `tenant_id`;
//! - foreign keys between distributed tables pair `tenant_id` with `tenant_id`, never set it to
//!   NULL or a default; none points from a reference or local table at a distributed one, and
//!   none joins a local table with a Citus table;
//! - reference tables come first, and a table comes after every table it points at.
//!
//! It then runs the file on the migrated database with stand-ins of `create_reference_table` and
//! `create_distributed_table` that check what Citus checks when it runs them (the table and the
//! column exist, the colocation target is distributed already with the same column type, every
//! table pointed at is a Citus table already): the statements name real tables and columns and
//! run in their order. A second test shows that a new tenant table without its line, a key or a
//! foreign key without `tenant_id` fail the check.

use sqlx::{Connection, Executor, PgConnection};
use std::collections::BTreeMap;
use zk_test_support::TestDb;

const FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/infra/citus/distribute.sql");

/// What the file makes of a table.
#[derive(Clone, Debug, PartialEq)]
enum Kind {
    Distributed {
        column: String,
        colocate_with: String,
    },
    /// With the reason after `--` on the same line, when there is one.
    Reference {
        reason: Option<String>,
    },
    Local,
}

#[derive(Clone, Debug)]
struct Entry {
    table: String,
    kind: Kind,
    line: usize,
}

/// The single-quoted strings of a statement, in order.
fn quoted(s: &str) -> Vec<String> {
    s.split('\'')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, q)| q.to_owned())
        .collect()
}

/// The statements and `-- local:` lines of the file, in order. A line that calls one of the two
/// functions in another shape fails here, so nothing is skipped silently.
fn parse(sql: &str) -> Vec<Entry> {
    let mut entries = Vec::new();
    for (i, raw) in sql.lines().enumerate() {
        let line = raw.trim();
        let n = i + 1;
        if let Some(rest) = line.strip_prefix("-- local:") {
            let (table, reason) = rest
                .split_once("--")
                .unwrap_or_else(|| panic!("line {n}: `-- local: TABLE -- REASON`"));
            assert!(
                !reason.trim().is_empty(),
                "line {n}: a local table needs a reason"
            );
            entries.push(Entry {
                table: table.trim().to_owned(),
                kind: Kind::Local,
                line: n,
            });
            continue;
        }
        if line.starts_with("--") {
            continue;
        }
        let (statement, comment) = match line.split_once(");") {
            Some((s, c)) => (s, c.trim()),
            None => (line, ""),
        };
        let reason = comment
            .strip_prefix("--")
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty());
        if let Some(args) = statement.strip_prefix("SELECT create_reference_table(") {
            let q = quoted(args);
            assert_eq!(
                q.len(),
                1,
                "line {n}: create_reference_table('schema.table');"
            );
            entries.push(Entry {
                table: q[0].clone(),
                kind: Kind::Reference { reason },
                line: n,
            });
        } else if let Some(args) = statement.strip_prefix("SELECT create_distributed_table(") {
            let q = quoted(args);
            assert!(
                q.len() == 3 && args.contains("colocate_with =>"),
                "line {n}: create_distributed_table('schema.table', 'column', colocate_with => '…');"
            );
            entries.push(Entry {
                table: q[0].clone(),
                kind: Kind::Distributed {
                    column: q[1].clone(),
                    colocate_with: q[2].clone(),
                },
                line: n,
            });
        } else {
            assert!(
                !line.contains("create_reference_table")
                    && !line.contains("create_distributed_table"),
                "line {n} calls Citus in a shape this test does not read: {line}"
            );
        }
    }
    entries
}

fn layout() -> Vec<Entry> {
    let sql = std::fs::read_to_string(FILE).unwrap();
    let entries = parse(&sql);
    assert!(entries.len() > 40, "too few tables read from {FILE}");
    entries
}

/// A foreign key: its name, the two tables, and the column pairs.
struct ForeignKey {
    name: String,
    from: String,
    to: String,
    pairs: Vec<(String, String)>,
    /// ON DELETE / ON UPDATE SET NULL or SET DEFAULT.
    sets_columns: bool,
}

/// Everything the layout breaks in the database behind `conn`; empty when Citus would take it.
async fn problems(conn: &mut PgConnection, entries: &[Entry]) -> Vec<String> {
    let mut problems = Vec::new();

    // Every table of the database, and whether it has tenant_id.
    let tables: BTreeMap<String, bool> = sqlx::query_as::<_, (String, bool)>(
        "SELECT format('%I.%I', n.nspname, c.relname),
                EXISTS (SELECT 1 FROM pg_attribute a
                        WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
           AND n.nspname NOT IN ('pg_catalog', 'information_schema')
           AND n.nspname NOT LIKE 'pg\\_%'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .into_iter()
    .collect();

    // The file's tables: each once, each existing, each table of the database present.
    let mut kinds: BTreeMap<&str, &Entry> = BTreeMap::new();
    for e in entries {
        if let Some(first) = kinds.insert(&e.table, e) {
            problems.push(format!(
                "{} is named twice in infra/citus (lines {} and {})",
                e.table, first.line, e.line
            ));
        }
        if !tables.contains_key(&e.table) {
            problems.push(format!(
                "infra/citus line {} names {}, which the migrations do not create",
                e.line, e.table
            ));
        }
    }
    for (table, has_tenant) in &tables {
        if !kinds.contains_key(table.as_str()) {
            problems.push(if *has_tenant {
                format!("{table} has tenant_id but no create_distributed_table line in infra/citus")
            } else {
                format!(
                    "{table} has no tenant_id and is neither a reference table nor a `-- local:` \
                     line (with its reason) in infra/citus"
                )
            });
        }
    }
    let is = |table: &str, f: fn(&Kind) -> bool| kinds.get(table).is_some_and(|e| f(&e.kind));
    let distributed = |k: &Kind| matches!(k, Kind::Distributed { .. });
    let reference = |k: &Kind| matches!(k, Kind::Reference { .. });
    let local = |k: &Kind| matches!(k, Kind::Local);

    // Distribution by tenant_id, one colocation group behind the anchor.
    let anchor = entries
        .iter()
        .find(|e| distributed(&e.kind))
        .map(|e| e.table.clone())
        .unwrap_or_default();
    for e in entries {
        let has_tenant = tables.get(&e.table).copied().unwrap_or(false);
        match &e.kind {
            Kind::Distributed {
                column,
                colocate_with,
            } => {
                if column != "tenant_id" || !has_tenant {
                    problems.push(format!(
                        "{} is distributed by {column}; tenant tables are distributed by tenant_id",
                        e.table
                    ));
                }
                let expected = if e.table == anchor {
                    "none"
                } else {
                    anchor.as_str()
                };
                if colocate_with != expected {
                    problems.push(format!(
                        "{} is colocated with '{colocate_with}', not '{expected}' (one group behind {anchor})",
                        e.table
                    ));
                }
            }
            Kind::Reference { reason } => {
                if has_tenant && reason.is_none() {
                    problems.push(format!(
                        "{} has tenant_id but is a reference table without a reason (`-- why` after the statement)",
                        e.table
                    ));
                }
            }
            Kind::Local => {}
        }
    }

    // Shared-readable tables are read across members: never distributed.
    let shared_readable: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT format('%I.%I', n.nspname, c.relname)
         FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE p.polname = 'read_by_every_tenant'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    for t in shared_readable {
        if is(&t, distributed) {
            problems.push(format!(
                "{t} is read by every member (read_by_every_tenant) but distributed; make it a reference table"
            ));
        }
    }

    // Keys of distributed tables include tenant_id.
    let unique: Vec<(String, String, Vec<String>)> = sqlx::query_as(
        "SELECT format('%I.%I', n.nspname, c.relname), ic.relname::text,
                ARRAY(SELECT coalesce(a.attname::text, '(expression)')
                      FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, o)
                      LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                      WHERE k.o <= i.indnkeyatts ORDER BY k.o)
         FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
         JOIN pg_class ic ON ic.oid = i.indexrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE i.indisunique",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    for (table, index, columns) in unique {
        if is(&table, distributed) && !columns.iter().any(|c| c == "tenant_id") {
            problems.push(format!(
                "{table}: unique {index} ({}) lacks tenant_id; Citus keeps only keys with the distribution column",
                columns.join(", ")
            ));
        }
    }

    // Foreign keys.
    let fks: Vec<ForeignKey> = sqlx::query_as::<_, (String, String, String, Vec<String>, Vec<String>, bool)>(
        "SELECT c.conname::text,
                format('%I.%I', fn.nspname, f.relname), format('%I.%I', tn.nspname, t.relname),
                ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(attnum, o)
                      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.o),
                ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(attnum, o)
                      JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.o),
                c.confdeltype IN ('n', 'd') OR c.confupdtype IN ('n', 'd')
         FROM pg_constraint c
         JOIN pg_class f ON f.oid = c.conrelid JOIN pg_namespace fn ON fn.oid = f.relnamespace
         JOIN pg_class t ON t.oid = c.confrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
         WHERE c.contype = 'f'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .into_iter()
    .map(|(name, from, to, cols, refs, sets_columns)| ForeignKey {
        name,
        from,
        to,
        pairs: cols.into_iter().zip(refs).collect(),
        sets_columns,
    })
    .collect();
    let position: BTreeMap<&str, usize> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.table.as_str(), i))
        .collect();
    for fk in &fks {
        let what = format!("{} ({} -> {})", fk.name, fk.from, fk.to);
        if is(&fk.from, distributed) && is(&fk.to, distributed) {
            if !fk.pairs.contains(&("tenant_id".into(), "tenant_id".into())) {
                problems.push(format!(
                    "foreign key {what} between tenant tables does not pair tenant_id with tenant_id"
                ));
            }
            if fk.sets_columns {
                problems.push(format!(
                    "foreign key {what} sets its columns (tenant_id among them) to NULL or a default; Citus refuses that"
                ));
            }
        }
        if (is(&fk.from, reference) || is(&fk.from, local)) && is(&fk.to, distributed) {
            problems.push(format!(
                "foreign key {what} points from a reference or local table at a distributed one; Citus refuses that"
            ));
        }
        if fk.from != fk.to && (is(&fk.from, local) != is(&fk.to, local)) {
            problems.push(format!(
                "foreign key {what} joins a local table with a Citus table"
            ));
        }
        if let (Some(&from), Some(&to)) =
            (position.get(fk.from.as_str()), position.get(fk.to.as_str()))
        {
            if fk.from != fk.to && !is(&fk.from, local) && to > from {
                problems.push(format!(
                    "{what}: infra/citus must make {} a Citus table before {}",
                    fk.to, fk.from
                ));
            }
        }
    }

    // Reference tables first (distributed tables point at them).
    if let Some(first) = entries.iter().position(|e| distributed(&e.kind)) {
        for e in &entries[first..] {
            if reference(&e.kind) {
                problems.push(format!(
                    "{} (line {}): reference tables come before the distributed ones",
                    e.table, e.line
                ));
            }
        }
    }
    problems
}

/// Stand-ins of the two Citus functions, in a schema of their own, checking what Citus checks
/// when it runs them and recording what was done.
const STAND_INS: &str = r#"
CREATE SCHEMA citus_stub;
CREATE TABLE citus_stub.done (n serial, rel regclass PRIMARY KEY, kind text NOT NULL, col text);

-- Every table that `t` points at (other than itself) must be a Citus table already; a reference
-- table may point at reference tables only.
CREATE FUNCTION citus_stub.check_references(t regclass, t_kind text) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
    FOR r IN SELECT c.confrelid::regclass AS target, d.kind
             FROM pg_constraint c LEFT JOIN citus_stub.done d ON d.rel = c.confrelid
             WHERE c.contype = 'f' AND c.conrelid = t AND c.confrelid <> t LOOP
        IF r.kind IS NULL THEN
            RAISE EXCEPTION '% points at %, which is not a Citus table yet', t, r.target;
        END IF;
        IF t_kind = 'reference' AND r.kind <> 'reference' THEN
            RAISE EXCEPTION 'reference table % points at distributed %', t, r.target;
        END IF;
    END LOOP;
END $$;

CREATE FUNCTION citus_stub.create_reference_table(table_name regclass) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM citus_stub.check_references(table_name, 'reference');
    INSERT INTO citus_stub.done (rel, kind) VALUES (table_name, 'reference');
END $$;

CREATE FUNCTION citus_stub.create_distributed_table(
    table_name regclass, distribution_column text, distribution_type text DEFAULT 'hash',
    colocate_with text DEFAULT 'default') RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    col_type oid;
    other regclass;
BEGIN
    SELECT atttypid INTO col_type FROM pg_attribute
    WHERE attrelid = table_name AND attname = distribution_column AND NOT attisdropped;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'column "%" of % does not exist', distribution_column, table_name;
    END IF;
    IF colocate_with NOT IN ('default', 'none') THEN
        SELECT rel INTO other FROM citus_stub.done
        WHERE rel = colocate_with::regclass AND kind = 'distributed';
        IF NOT FOUND THEN
            RAISE EXCEPTION '% is not a distributed table (colocate_with of %)', colocate_with, table_name;
        END IF;
        IF (SELECT a.atttypid FROM citus_stub.done d JOIN pg_attribute a
            ON a.attrelid = d.rel AND a.attname = d.col WHERE d.rel = other) <> col_type THEN
            RAISE EXCEPTION '% and % are distributed by columns of different types', table_name, other;
        END IF;
    END IF;
    PERFORM citus_stub.check_references(table_name, 'distributed');
    INSERT INTO citus_stub.done (rel, kind, col) VALUES (table_name, 'distributed', distribution_column);
END $$;
"#;

#[tokio::test]
async fn citus_layout_covers_every_table_and_citus_would_take_it() {
    let entries = layout();
    let db = TestDb::new().await.unwrap();
    let mut conn = db.owner().await.unwrap();
    let problems = problems(&mut conn, &entries).await;
    assert!(
        problems.is_empty(),
        "infra/citus/distribute.sql and the migrations disagree:\n  {}",
        problems.join("\n  ")
    );

    // The file itself, statement by statement in its order, against the stand-ins.
    conn.execute(STAND_INS).await.unwrap();
    conn.execute("SET search_path = citus_stub, pg_catalog, public")
        .await
        .unwrap();
    let sql = std::fs::read_to_string(FILE).unwrap();
    if let Err(e) = conn.execute(sql.as_str()).await {
        panic!("infra/citus/distribute.sql fails against the stand-ins: {e}");
    }
    let done: Vec<(String, String)> =
        sqlx::query_as("SELECT rel::text, kind FROM citus_stub.done ORDER BY n")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    let expected: Vec<(String, String)> = entries
        .iter()
        .filter_map(|e| match e.kind {
            Kind::Distributed { .. } => Some((e.table.clone(), "distributed".to_owned())),
            Kind::Reference { .. } => Some((e.table.clone(), "reference".to_owned())),
            Kind::Local => None,
        })
        .collect();
    assert_eq!(
        done, expected,
        "the stand-ins saw other statements than the test read"
    );
    conn.close().await.unwrap();
}

#[tokio::test]
async fn citus_check_fails_for_a_tenant_table_without_its_line_or_tenant_id_in_its_keys() {
    let entries = layout();
    let db = TestDb::new().await.unwrap();
    let mut conn = db.owner().await.unwrap();
    conn.execute(
        "CREATE TABLE content.citus_probe (
             tenant_id uuid NOT NULL, id uuid NOT NULL, PRIMARY KEY (tenant_id, id));
         CREATE TABLE content.citus_probe_shared (id uuid PRIMARY KEY);
         ALTER TABLE content.block_progress ADD COLUMN probe_token text UNIQUE;
         CREATE UNIQUE INDEX groups_id_alone ON content.groups (id);
         ALTER TABLE content.quiz_attempts ADD COLUMN probe_group uuid,
             ADD CONSTRAINT quiz_attempts_probe_group_fkey FOREIGN KEY (probe_group)
                 REFERENCES content.groups (id) ON DELETE SET NULL;
         ALTER TABLE content.shared_modules ADD COLUMN probe_user uuid, ADD COLUMN probe_tenant uuid,
             ADD FOREIGN KEY (probe_tenant, probe_user) REFERENCES tenant.users (tenant_id, id);",
    )
    .await
    .unwrap();
    let problems = problems(&mut conn, &entries).await;
    let expect = [
        "content.citus_probe has tenant_id but no create_distributed_table line",
        "content.citus_probe_shared has no tenant_id and is neither a reference table",
        "content.block_progress: unique block_progress_probe_token_key (probe_token) lacks tenant_id",
        "content.groups: unique groups_id_alone (id) lacks tenant_id",
        "foreign key quiz_attempts_probe_group_fkey (content.quiz_attempts -> content.groups) between tenant tables does not pair tenant_id",
        "(content.shared_modules -> tenant.users) points from a reference or local table at a distributed one",
    ];
    for e in expect {
        assert!(
            problems.iter().any(|p| p.contains(e)),
            "expected a problem containing {e:?}; found:\n  {}",
            problems.join("\n  ")
        );
    }
    assert!(
        problems.iter().any(|p| p.contains("to NULL or a default")),
        "ON DELETE SET NULL between tenant tables: {problems:?}"
    );
    conn.close().await.unwrap();
}
