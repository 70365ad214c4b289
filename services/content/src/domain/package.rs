//! Members' e-learning packages (SCORM 1.2, SCORM 2004 3rd/4th edition, cmi5), read before
//! anything is stored: the zip checked as a whole ([`open`], see `archive`), then its manifest
//! ([`manifest`]: `imsmanifest.xml` or `cmi5.xml` at the root) turned into the course's title and
//! its units in order, each launch file present in the zip. Pure and synchronous: no HTTP,
//! database or object store, so the route that receives an upload decides where bytes go.

mod archive;
mod cmi5;
pub mod samples;
mod scorm;
#[cfg(test)]
mod test_zip;

pub use archive::{copy_guarded, open, Entry, Limits, PackageFiles};

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::io::{Read, Seek};
use zk_kernel::{AppError, AppResult};

/// The package format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
#[schema(as = PackageKind)]
pub enum Kind {
    /// SCORM 1.2.
    Scorm12,
    /// SCORM 2004; `edition` 2 ("CAM 1.3"), 3 or 4, `null` when only the namespaces tell.
    Scorm2004 { edition: Option<u8> },
    /// cmi5 (xAPI).
    Cmi5,
}

/// What a line of the course is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// A SCORM SCO: launched, and reports progress through the SCORM API.
    Sco,
    /// A SCORM asset: launched, but reports nothing.
    Asset,
    /// A cmi5 assignable unit: launched, and reports through xAPI.
    Au,
    /// A heading over the units below it (a SCORM item without content, a cmi5 block).
    Heading,
}

/// When a cmi5 AU counts as done (cmi5 `moveOn`, spelt as there).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum MoveOn {
    /// Once passed.
    Passed,
    /// Once completed.
    Completed,
    /// Once both completed and passed.
    CompletedAndPassed,
    /// Once completed or passed.
    CompletedOrPassed,
    /// Counts as done without launching it (cmi5's default).
    NotApplicable,
}

/// How a cmi5 AU wants to be opened (cmi5 `launchMethod`, spelt as there).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum LaunchMethod {
    /// In a frame or a window, as the platform likes (cmi5's default).
    AnyWindow,
    /// In a window (or tab) of its own.
    OwnWindow,
}

/// A line of the course, in the manifest's order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Unit {
    /// The SCORM item's `identifier`, the cmi5 AU's or block's `id` (an IRI).
    pub id: String,
    /// The item's, AU's or block's title (cmi5: Dutch first, then English, then the first).
    pub title: String,
    /// What the line is.
    pub kind: UnitKind,
    /// What to open: a file of the package (its path as in [`PackageFiles::entries`], with the
    /// query or fragment the manifest adds), or for a cmi5 AU possibly an http(s) URL. `null`
    /// for a heading.
    pub launch: Option<String>,
    /// 0 for the top level, one more per heading above.
    pub depth: u32,
    /// The score needed to pass, as a fraction (0..1; SCORM 1.2's 0–100 divided by 100, SCORM
    /// 2004's `minNormalizedMeasure` of the primary objective, cmi5's `masteryScore`).
    pub mastery_score: Option<f64>,
    /// cmi5 only.
    pub move_on: Option<MoveOn>,
    /// cmi5 only.
    pub launch_method: Option<LaunchMethod>,
    /// cmi5 only: the AU's `activityType` IRI.
    pub activity_type: Option<String>,
}

/// A package's manifest as the platform uses it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Manifest {
    /// The format (and SCORM version).
    pub kind: Kind,
    /// The course title (SCORM: the default organization's; cmi5: the course's, Dutch first).
    pub title: String,
    /// The manifest's own identifier (SCORM `identifier`, cmi5 course `id`).
    pub identifier: Option<String>,
    /// SCORM's `schemaversion` as written (`null` for cmi5 or when absent).
    pub version: Option<String>,
    /// Units and headings in order; at least one SCO or AU.
    pub units: Vec<Unit>,
    /// The package uses SCORM 2004 sequencing the platform does not carry out (sequencing or
    /// rollup rules, or no free choice between items): it will play, in free order.
    pub unsupported_sequencing: bool,
    /// Things the author should know, in Dutch (what is not supported and where).
    pub warnings: Vec<String>,
}

/// Reads and checks the package's manifest: `cmi5.xml` when there is one, else
/// `imsmanifest.xml` (both at the package root). Refuses a package without either, a manifest
/// that is not XML or lacks required parts, an unknown SCORM version, one without a SCO or AU,
/// and a unit whose launch file is not in the package.
pub fn manifest<R: Read + Seek>(files: &mut PackageFiles<R>) -> AppResult<Manifest> {
    if files.contains(cmi5::FILE) {
        let text = read_text(files, cmi5::FILE)?;
        return cmi5::read(files, &text);
    }
    if files.contains(scorm::FILE) {
        let text = read_text(files, scorm::FILE)?;
        return scorm::read(files, &text);
    }
    let nested = files.entries().iter().find_map(|e| {
        [scorm::FILE, cmi5::FILE]
            .iter()
            .find_map(|f| e.path.strip_suffix(f).filter(|dir| dir.ends_with('/')))
    });
    Err(refuse(
        "package_manifest_missing",
        match nested {
            Some(dir) => format!(
                "Het pakket heeft geen imsmanifest.xml of cmi5.xml bovenaan, wel in de map {dir}. Zip de inhoud van die map, niet de map zelf."
            ),
            None => "Het pakket heeft geen imsmanifest.xml (SCORM) of cmi5.xml (cmi5) bovenaan; is het wel een SCORM- of cmi5-pakket?".to_owned(),
        },
    ))
}

/// A refusal of the package (the upload's `package` field).
fn refuse(code: &'static str, message: impl Into<Cow<'static, str>>) -> AppError {
    AppError::validation("package", code, message)
}

/// A manifest that is there but not usable.
fn broken(file: &str, what: impl std::fmt::Display) -> AppError {
    refuse(
        "package_manifest_broken",
        format!("{file} in het pakket klopt niet: {what}."),
    )
}

/// A manifest's text: UTF-8, within the manifest size limit.
fn read_text<R: Read + Seek>(files: &mut PackageFiles<R>, file: &str) -> AppResult<String> {
    let max = files.limits().max_manifest_size;
    if files.get(file).is_some_and(|e| e.size > max) {
        return Err(refuse(
            "package_manifest_too_large",
            format!("{file} is groter dan {} MB.", max >> 20),
        ));
    }
    let bytes = files.read(file)?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    String::from_utf8(bytes.to_vec())
        .map_err(|_| broken(file, "het is geen UTF-8-tekst; sla het op als UTF-8"))
}

/// Parses a manifest (a DTD is allowed, entities are bounded by the parser).
fn parse<'a>(file: &str, text: &'a str) -> AppResult<roxmltree::Document<'a>> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        nodes_limit: 2_000_000,
        ..roxmltree::ParsingOptions::default()
    };
    roxmltree::Document::parse_with_options(text, options).map_err(|e| {
        let pos = e.pos();
        refuse(
            "package_manifest_broken",
            format!(
                "{file} in het pakket is geen geldige XML (regel {}, kolom {}: {e}).",
                pos.row, pos.col
            ),
        )
    })
}

/// The element children of `node` with this local name (namespaces vary too much between
/// authoring tools to match on them).
fn children<'a, 'i>(
    node: roxmltree::Node<'a, 'i>,
    name: &'static str,
) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> {
    node.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

/// The first element child of `node` with this local name.
fn child<'a, 'i>(
    node: roxmltree::Node<'a, 'i>,
    name: &'static str,
) -> Option<roxmltree::Node<'a, 'i>> {
    children(node, name).next()
}

/// An attribute by local name, in any namespace, ignoring case (`scormtype`/`scormType`).
fn attr<'a>(node: roxmltree::Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.attributes()
        .find(|a| a.name().eq_ignore_ascii_case(name))
        .map(|a| a.value())
}

/// The trimmed text of an element, if any.
fn text<'a>(node: Option<roxmltree::Node<'a, '_>>) -> Option<&'a str> {
    node.and_then(|n| n.text())
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// Whether `s` starts with a URL scheme (`https:`, `javascript:`, …).
fn has_scheme(s: &str) -> bool {
    let Some((scheme, _)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
}

fn is_web_url(s: &str) -> bool {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// `reference` resolved against `base` as a URL reference would be (enough for `xml:base`).
fn resolve(base: &str, reference: &str) -> String {
    if base.is_empty() || has_scheme(reference) || reference.starts_with('/') {
        return reference.to_owned();
    }
    let dir = base.rfind('/').map_or("", |i| &base[..=i]);
    format!("{dir}{reference}")
}

/// Decodes `%XX` escapes; the input as it is when the result is not UTF-8.
fn percent_decode(s: &str) -> Cow<'_, str> {
    if !s.contains('%') {
        return Cow::Borrowed(s);
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_or(Cow::Borrowed(s), Cow::Owned)
}

/// The launch of unit `unit` from its (already resolved) reference: an http(s) URL when
/// `allow_url`, else a file that must be in the package, returned as its path plus the query
/// or fragment.
fn launch<R: Read + Seek>(
    files: &PackageFiles<R>,
    file: &str,
    unit: &str,
    reference: &str,
    allow_url: bool,
) -> AppResult<String> {
    let reference = reference.trim();
    if allow_url && is_web_url(reference) {
        return Ok(reference.to_owned());
    }
    if has_scheme(reference) || reference.starts_with('/') {
        return Err(refuse(
            "package_launch_invalid",
            format!(
                "Onderdeel {unit} in {file} start {reference}: dat moet een bestand in het pakket zijn."
            ),
        ));
    }
    let split = reference.find(['?', '#']).unwrap_or(reference.len());
    let (path, rest) = reference.split_at(split);
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(refuse(
                        "package_launch_invalid",
                        format!("Onderdeel {unit} in {file} start {reference}, buiten het pakket."),
                    ));
                }
            }
            p => parts.push(p),
        }
    }
    let path = parts.join("/");
    let decoded = percent_decode(&path);
    let found = [path.as_str(), decoded.as_ref()]
        .into_iter()
        .find(|p| !p.is_empty() && files.contains(p));
    match found {
        Some(p) => Ok(format!("{p}{rest}")),
        None => {
            Err(refuse(
                "package_launch_missing",
                format!(
                "Onderdeel {unit} in {file} start het bestand {}, maar dat zit niet in het pakket.",
                if decoded.is_empty() { reference } else { decoded.as_ref() }
            ),
            ))
        }
    }
}

/// At least one launchable unit with progress, or the package is refused.
fn require_units(file: &str, units: &[Unit], what: &str) -> AppResult<()> {
    if units
        .iter()
        .any(|u| matches!(u.kind, UnitKind::Sco | UnitKind::Au))
    {
        Ok(())
    } else {
        Err(refuse(
            "package_no_units",
            format!("{file} in het pakket noemt geen enkele {what}; er valt niets te starten."),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::test_zip::ZipBuilder;
    use super::*;
    use std::io::Cursor;

    #[test]
    fn without_a_manifest_the_package_is_refused() {
        let zip = ZipBuilder::new().file("index.html", b"<html/>").finish();
        let mut files = open(Cursor::new(zip), Limits::default()).unwrap();
        let e = manifest(&mut files).unwrap_err();
        assert_eq!(e.code, "package_manifest_missing");
        assert!(e.message.contains("imsmanifest.xml"));
        assert!(e.message.contains("cmi5.xml"));
    }

    #[test]
    fn a_manifest_one_folder_down_gets_a_hint() {
        let zip = ZipBuilder::new()
            .file("cursus/imsmanifest.xml", b"<manifest/>")
            .finish();
        let mut files = open(Cursor::new(zip), Limits::default()).unwrap();
        let e = manifest(&mut files).unwrap_err();
        assert_eq!(e.code, "package_manifest_missing");
        assert!(e.message.contains("cursus/"), "{}", e.message);
    }

    #[test]
    fn the_kind_serialises_with_a_type() {
        let json = |k: Kind| serde_json::to_value(k).unwrap();
        assert_eq!(
            json(Kind::Scorm2004 { edition: Some(4) }),
            serde_json::json!({"type": "scorm2004", "edition": 4})
        );
        assert_eq!(json(Kind::Cmi5), serde_json::json!({"type": "cmi5"}));
        assert_eq!(
            serde_json::to_value(MoveOn::CompletedAndPassed).unwrap(),
            "CompletedAndPassed"
        );
    }

    #[test]
    fn urls_resolve_like_xml_base() {
        assert_eq!(resolve("", "a.html"), "a.html");
        assert_eq!(resolve("content/", "a.html"), "content/a.html");
        assert_eq!(resolve("content/x/", "../a.html"), "content/x/../a.html");
        assert_eq!(resolve("content/", "https://x.nl/a"), "https://x.nl/a");
        assert_eq!(percent_decode("mijn%20les.html"), "mijn les.html");
        assert_eq!(percent_decode("100%"), "100%");
        assert!(has_scheme("javascript:alert(1)"));
        assert!(!has_scheme("les 1.html"));
    }
}
