//! The shape of the workspace, checked from its sources and `cargo metadata` (no database): no
//! import circles between the files of one crate, dependencies between the workspace's crates
//! that run one way (DESIGN.md, "Services depend downward only"), and one Rust type behind each
//! OpenAPI component name.

mod imports;
mod schemas;
mod tokens;

use serde_json::Value;
use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    path::{Path, PathBuf},
    process::Command,
};

/// Import circles tolerated for a while, as (crate, its files) — none since the learning split
/// (issue 21). A circle must be one of these or part of one; an entry that no longer matches a
/// circle fails the test too, so the list only shrinks.
const ALLOWED_CIRCLES: &[(&str, &[&str])] = &[];

/// Dependencies between workspace crates that break [`LAYERS`], tolerated for a while, as (crate,
/// dependency) — none since the learning split (issue 21; tenant depended on content). An entry
/// that is no longer needed fails the test.
const ALLOWED_DEPENDENCIES: &[(&str, &str)] = &[];

/// Components that one fragment defines differently from the others, as (fragment, section,
/// name), tolerated for a while — none (the gateway frame's stale hand-written `Error` schema
/// went in issue 21). An entry that no longer differs fails the test.
const ALLOWED_COMPONENT_CLASHES: &[(&str, &str, &str)] = &[];

/// The workspace crates each crate may depend on (`*`: any), and the rule that says so. Normal
/// and build dependencies count; dev-dependencies (test support in tests) are free. A crate
/// missing here fails the test until its place is decided.
const LAYERS: &[(&str, &[&str], &str)] = &[
    ("zk-kernel", &[], "the kernel depends on no workspace crate"),
    (
        "zk-tenant",
        &["zk-kernel"],
        "tenant, content and billing use the kernel only",
    ),
    (
        "zk-content",
        &["zk-kernel"],
        "tenant, content and billing use the kernel only",
    ),
    (
        "zk-billing",
        &["zk-kernel"],
        "tenant, content and billing use the kernel only",
    ),
    (
        "zk-learning",
        &["zk-kernel", "zk-content", "zk-tenant"],
        "learning uses the kernel, content and tenant",
    ),
    (
        "zk-lti",
        &["zk-kernel", "zk-learning", "zk-content", "zk-tenant"],
        "lti uses the kernel, learning, content and tenant",
    ),
    (
        "zk-gateway",
        &["zk-kernel"],
        "the gateway uses the kernel only (it reaches the services over HTTP)",
    ),
    (
        "zk-test-support",
        &[
            "zk-kernel",
            "zk-tenant",
            "zk-content",
            "zk-learning",
            "zk-billing",
        ],
        "test support is a dev-only harness beside the binary: it makes its fixtures (members, \
         accounts, tokens) through the services' public domain functions, so it may use the \
         kernel and the service crates (not the gateway or the binary, which sit above it); no \
         service depends on it, not even for its own tests",
    ),
    (
        "zk-loadtests",
        &[],
        "the load generator drives the platform over HTTP and links none of it",
    ),
    (
        "zorgklas",
        &["*"],
        "the binary sits on top and may use every crate",
    ),
];

/// A workspace package as `cargo metadata` describes it.
struct Package {
    name: String,
    dir: PathBuf,
    /// Library and binary roots, relative to `dir` (`src/lib.rs`).
    roots: Vec<String>,
    /// Names of its normal and build dependencies.
    deps: Vec<String>,
    /// Names of its dev-dependencies.
    dev_deps: Vec<String>,
}

/// The workspace's packages, from `cargo metadata --no-deps` (with the `cargo` running the tests).
fn packages() -> Vec<Package> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let out = Command::new(&cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--manifest-path",
        ])
        .arg(&manifest)
        .output()
        .unwrap_or_else(|e| panic!("{cargo} metadata: {e}"));
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON");
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            let dir = Path::new(p["manifest_path"].as_str().expect("manifest_path"))
                .parent()
                .expect("a package directory")
                .to_owned();
            let roots = p["targets"]
                .as_array()
                .expect("targets")
                .iter()
                .filter(|t| {
                    t["kind"].as_array().is_some_and(|kinds| {
                        kinds.iter().any(|k| {
                            matches!(k.as_str(), Some("lib" | "rlib" | "proc-macro" | "bin"))
                        })
                    })
                })
                .map(|t| {
                    let src = Path::new(t["src_path"].as_str().expect("src_path"));
                    src.strip_prefix(&dir)
                        .expect("a target inside its package")
                        .to_string_lossy()
                        .into_owned()
                })
                .collect();
            let (dev, normal): (Vec<&Value>, Vec<&Value>) = p["dependencies"]
                .as_array()
                .expect("dependencies")
                .iter()
                .partition(|d| d["kind"].as_str() == Some("dev"));
            Package {
                name: text(&p["name"]),
                dir,
                roots,
                deps: normal.into_iter().map(|d| text(&d["name"])).collect(),
                dev_deps: dev.into_iter().map(|d| text(&d["name"])).collect(),
            }
        })
        .collect()
}

/// Every crate of the workspace read from its roots: (package, root, files).
fn crates() -> Vec<(String, String, Vec<imports::File>)> {
    let mut out = Vec::new();
    for p in packages() {
        for root in &p.roots {
            let read = |rel: &str| std::fs::read_to_string(p.dir.join(rel)).ok();
            let files = imports::read_crate(root, &read)
                .unwrap_or_else(|e| panic!("reading {} from {root}: {e}", p.name));
            out.push((p.name.clone(), root.clone(), files));
        }
    }
    out
}

#[test]
fn no_import_circles_between_the_files_of_a_crate() {
    // (package, files) → the imports between them
    let mut found: BTreeMap<(String, Vec<String>), Vec<String>> = BTreeMap::new();
    for (package, _root, files) in crates() {
        let edges = imports::Crate::new(&files).edges();
        for circle in imports::circles(&edges) {
            let lines = edges
                .iter()
                .filter(|e| circle.contains(&e.from) && circle.contains(&e.to))
                .map(|e| {
                    let names: Vec<&str> = e.names.iter().map(String::as_str).collect();
                    format!("    {} → {}: {}", e.from, e.to, names.join(", "))
                })
                .collect();
            found.insert((package.clone(), circle), lines);
        }
    }
    let allowed = |package: &str, circle: &[String]| {
        ALLOWED_CIRCLES
            .iter()
            .any(|(p, files)| *p == package && circle.iter().all(|f| files.contains(&f.as_str())))
    };
    let mut report = String::new();
    for ((package, circle), lines) in &found {
        if !allowed(package, circle) {
            report += &format!("\n{package}: {}\n{}\n", circle.join(", "), lines.join("\n"));
        }
    }
    if !report.is_empty() {
        report = format!(
            "files of one crate import each other (STYLE.md: no two modules that import each \
             other); move what they share into a module below them:\n{report}\n"
        );
    }
    for (package, files) in ALLOWED_CIRCLES {
        let still = found
            .keys()
            .any(|(p, circle)| p == package && circle.iter().all(|f| files.contains(&f.as_str())));
        if !still {
            report += &format!(
                "no longer a circle, remove it from ALLOWED_CIRCLES: {package}: {}\n",
                files.join(", ")
            );
        }
    }
    assert!(report.is_empty(), "\n{report}");
}

#[test]
fn the_import_scanner_finds_a_circle_and_not_a_chain() {
    let crate_with = |inner: &str| -> HashMap<String, String> {
        [
            ("src/lib.rs", "mod a; mod b; pub mod m;\npub use a::A;"),
            (
                "src/a.rs",
                "//! `use crate::b::B;` in a comment imports nothing.\n\
                 use super::{b::{self, B}, m::Thing};\n\
                 pub struct A;\n\
                 fn f() -> B { b::make() }\n\
                 #[cfg(test)]\nmod tests { use super::*; }",
            ),
            (
                "src/b.rs",
                "pub struct B;\npub fn make() -> B { let _ = \"crate::a::A\"; B }",
            ),
            (
                "src/m/mod.rs",
                "mod inner;\npub use inner::Thing;\npub fn wire() { inner::helper(); }",
            ),
            ("src/m/inner.rs", inner),
        ]
        .into_iter()
        .map(|(p, s)| (p.to_owned(), s.to_owned()))
        .collect()
    };
    let graph = |files: HashMap<String, String>| {
        let read = |p: &str| files.get(p).cloned();
        let files = imports::read_crate("src/lib.rs", &read).unwrap();
        let edges = imports::Crate::new(&files).edges();
        let circles = imports::circles(&edges);
        (edges, circles)
    };
    let edge = |from: &str, to: &str, names: &[&str]| imports::Edge {
        from: from.to_owned(),
        to: to.to_owned(),
        names: names.iter().map(|n| n.to_string()).collect(),
    };

    // inner.rs reaches a.rs through the crate root's re-export: a circle of two files.
    let (edges, circles) = graph(crate_with(
        "use self::deep::X;\nmod deep { pub struct X; }\npub struct Thing;\n\
         pub fn helper() -> usize { crate::A::size() }",
    ));
    assert_eq!(
        edges,
        [
            edge("src/a.rs", "src/b.rs", &["B", "make"]),
            edge("src/a.rs", "src/m/inner.rs", &["Thing"]),
            edge("src/m/inner.rs", "src/a.rs", &["A"]),
        ]
    );
    assert_eq!(circles, [["src/a.rs", "src/m/inner.rs"]]);

    // Without that call the imports run one way.
    let (edges, circles) = graph(crate_with(
        "pub struct Thing;\npub fn helper() -> usize { 0 }",
    ));
    assert_eq!(
        edges,
        [
            edge("src/a.rs", "src/b.rs", &["B", "make"]),
            edge("src/a.rs", "src/m/inner.rs", &["Thing"]),
        ]
    );
    assert!(circles.is_empty(), "{circles:?}");
}

#[test]
fn workspace_crates_depend_downward_only() {
    let packages = packages();
    let ours: BTreeSet<&str> = packages.iter().map(|p| p.name.as_str()).collect();
    let mut report = String::new();
    let mut used_allowances = BTreeSet::new();
    for p in &packages {
        let Some((_, may, rule)) = LAYERS.iter().find(|(name, _, _)| *name == p.name) else {
            report += &format!(
                "{} is not in LAYERS: decide which workspace crates it may depend on\n",
                p.name
            );
            continue;
        };
        let deps: BTreeSet<&str> = p
            .deps
            .iter()
            .map(String::as_str)
            .filter(|d| ours.contains(d))
            .collect();
        for dep in deps {
            // A crate whose dependency dev-depends on it back would be linked twice into that
            // dependency's own tests (test support using the services, the services' tests
            // using test support).
            if packages
                .iter()
                .any(|q| q.name == dep && q.dev_deps.contains(&p.name))
            {
                report += &format!(
                    "{dep} dev-depends on {}, which depends on {dep}: a dependency circle \
                     through dev-dependencies\n",
                    p.name
                );
            }
            if may.contains(&"*") || may.contains(&dep) {
                continue;
            }
            if ALLOWED_DEPENDENCIES.contains(&(p.name.as_str(), dep)) {
                used_allowances.insert((p.name.as_str(), dep));
                continue;
            }
            let may = if may.is_empty() {
                "none".to_owned()
            } else {
                may.join(", ")
            };
            report += &format!(
                "{} depends on {dep}, against the rule: {rule} ({} may depend on: {may})\n",
                p.name, p.name
            );
        }
    }
    for (name, dep) in ALLOWED_DEPENDENCIES {
        if !used_allowances.contains(&(*name, *dep)) {
            report += &format!(
                "{name} no longer depends on {dep}: remove it from ALLOWED_DEPENDENCIES\n"
            );
        }
    }
    assert!(report.is_empty(), "\n{report}");
}

#[test]
fn one_component_name_is_one_rust_type_in_the_source() {
    // component name → where its types are defined
    let mut types: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (package, _root, files) in crates() {
        for f in &files {
            for s in schemas::schemas(&f.tokens) {
                let at = format!("{} in {package} {}", s.rust_type, f.path);
                types.entry(s.component).or_default().insert(at);
            }
        }
    }
    let clashes: Vec<String> = types
        .iter()
        .filter(|(_, at)| at.len() > 1)
        .map(|(name, at)| {
            let at: Vec<&str> = at.iter().map(String::as_str).collect();
            format!("{name}: {}", at.join("; "))
        })
        .collect();
    assert!(
        types.len() > 50,
        "the scan found only {} schemas",
        types.len()
    );
    assert!(
        clashes.is_empty(),
        "\nOpenAPI component names used by more than one Rust type (give one `#[schema(as = \
         OtherName)]`):\n{}",
        clashes.join("\n")
    );
}

#[test]
fn the_services_agree_on_every_component_they_share() {
    let (tenant, content, learning, billing, lti) = (
        zk_tenant::openapi(),
        zk_content::openapi(),
        zk_learning::openapi(),
        zk_billing::openapi(),
        zk_lti::openapi(),
    );
    let parse = |s: &str| serde_json::from_str::<Value>(s).expect("a JSON fragment");
    let fragments = [
        ("gateway", zk_gateway::merge_openapi(&[])),
        ("tenant", parse(&tenant)),
        ("content", parse(&content)),
        ("learning", parse(&learning)),
        ("billing", parse(&billing)),
        ("lti", parse(&lti)),
    ];
    // (section, name) → (fragment, definition)
    let mut seen: BTreeMap<(&str, &str), Vec<(&str, &Value)>> = BTreeMap::new();
    for (fragment, doc) in &fragments {
        let sections = doc["components"].as_object().into_iter().flatten();
        for (section, entries) in sections {
            for (name, definition) in entries.as_object().into_iter().flatten() {
                seen.entry((section, name))
                    .or_default()
                    .push((fragment, definition));
            }
        }
    }
    let mut report = String::new();
    for ((section, name), defs) in &seen {
        let allowed = |f: &str| ALLOWED_COMPONENT_CLASHES.contains(&(f, section, name));
        let checked: Vec<&(&str, &Value)> = defs.iter().filter(|(f, _)| !allowed(f)).collect();
        if checked.iter().any(|(_, d)| *d != checked[0].1) {
            let at: Vec<String> = checked.iter().map(|(f, d)| format!("{f}: {d}")).collect();
            report += &format!("components.{section}.{name}:\n  {}\n", at.join("\n  "));
        }
    }
    if !report.is_empty() {
        report = format!(
            "the same component name means different things in different services (the merged \
             document keeps only the last):\n{report}"
        );
    }
    for (fragment, section, name) in ALLOWED_COMPONENT_CLASHES {
        let defs = seen
            .get(&(*section, *name))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let (own, others): (Vec<_>, Vec<_>) = defs.iter().partition(|(f, _)| f == fragment);
        let differs = own.iter().any(|(_, d)| others.iter().any(|(_, o)| o != d));
        if !differs {
            report += &format!(
                "{fragment}'s components.{section}.{name} no longer differs: remove it from \
                 ALLOWED_COMPONENT_CLASHES\n"
            );
        }
    }
    assert!(report.is_empty(), "\n{report}");

    // The two overviews that once shared a name each document what their route returns.
    let merged = zk_gateway::merge_openapi(&[&tenant, &content, &learning, &billing]);
    let response = |path: &str| {
        let reference = merged["paths"][path]["get"]["responses"]["200"]["content"]
            ["application/json"]["schema"]["$ref"]
            .as_str()
            .unwrap_or_else(|| panic!("{path} documents a schema reference"))
            .trim_start_matches("#/components/schemas/")
            .to_owned();
        merged["components"]["schemas"][&reference]["properties"].clone()
    };
    let console = response("/api/v1/tenants/{slug}/overview");
    assert!(console["admins"].is_object(), "{console}");
    let learning = response("/api/v1/learning/overview");
    assert!(learning["pass_rate"].is_object(), "{learning}");
}
