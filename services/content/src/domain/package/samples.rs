//! Small Dutch e-learning packages the platform builds itself, for the demo and for the
//! end-to-end tests of the package player: a SCORM 1.2 SCO ([`scorm12_single`]), a SCORM 2004
//! 4th-edition course of two SCOs ([`scorm2004_multi`]) and a cmi5 course of one AU
//! ([`cmi5_course`]). Their pages, scripts and manifests live as plain files under `samples/`
//! (no build step, no libraries), so they read and change like any package a member uploads.
//! Each function zips the same bytes every time (deflated, with the zip format's default date).

use std::io::{Cursor, Write};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// One stylesheet for all three packages (each carries its own copy).
const STYLE: &str = include_str!("samples/style.css");

/// The SCORM 1.2 package's files: path in the zip, contents.
const SCORM12: &[(&str, &str)] = &[
    (
        "imsmanifest.xml",
        include_str!("samples/scorm12/imsmanifest.xml"),
    ),
    ("index.html", include_str!("samples/scorm12/index.html")),
    ("sco.js", include_str!("samples/scorm12/sco.js")),
    ("style.css", STYLE),
];

/// The SCORM 2004 package's files.
const SCORM2004: &[(&str, &str)] = &[
    (
        "imsmanifest.xml",
        include_str!("samples/scorm2004/imsmanifest.xml"),
    ),
    (
        "uitleg/index.html",
        include_str!("samples/scorm2004/uitleg/index.html"),
    ),
    (
        "toets/index.html",
        include_str!("samples/scorm2004/toets/index.html"),
    ),
    (
        "gedeeld/sco.js",
        include_str!("samples/scorm2004/gedeeld/sco.js"),
    ),
    ("gedeeld/style.css", STYLE),
];

/// The cmi5 package's files.
const CMI5: &[(&str, &str)] = &[
    ("cmi5.xml", include_str!("samples/cmi5/cmi5.xml")),
    (
        "au1/index.html",
        include_str!("samples/cmi5/au1/index.html"),
    ),
    ("au1/au.js", include_str!("samples/cmi5/au1/au.js")),
    ("au1/style.css", STYLE),
];

/// SCORM 1.2, one SCO "Veilig tillen" (mastery score 80): three pages shown one at a time
/// (`#volgende`), a question on the last (`#antwoord-a`/`-b`/`-c`, b is right; `#inleveren`),
/// `#afsluiten`. Keeps its page in `cmi.core.lesson_location` and more than 4,096 characters of
/// JSON in `cmi.suspend_data`, and resumes from them (`#hervat`).
pub fn scorm12_single() -> Vec<u8> {
    zip(SCORM12)
}

/// SCORM 2004 4th edition, "Medicatie veilig toedienen": the SCO `uitleg` (`#gelezen`,
/// `#volgende` asks to continue) and then `toets` (mastery 0.8 through its primary objective;
/// a single-choice and a multiple-choice question, recorded as interactions; `#inleveren`,
/// `#afsluiten`), sharing `gedeeld/sco.js`.
pub fn scorm2004_multi() -> Vec<u8> {
    zip(SCORM2004)
}

/// cmi5, "Valpreventie": one AU "Vallen voorkomen" (`moveOn` CompletedAndPassed, mastery 0.8)
/// that fetches its token, reads `LMS.LaunchData` and sends initialized, passed or failed,
/// completed and terminated statements (`#inleveren`, `#afsluiten`).
pub fn cmi5_course() -> Vec<u8> {
    zip(CMI5)
}

/// The files zipped in order, each deflated.
fn zip(files: &[(&str, &str)]) -> Vec<u8> {
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (path, contents) in files {
        // Writing to memory fails only on a bug here (a path twice, say), which the tests catch.
        zip.start_file(*path, options)
            .expect("a sample's file starts in memory");
        zip.write_all(contents.as_bytes())
            .expect("a sample's file is written to memory");
    }
    zip.finish()
        .expect("a sample's zip is finished in memory")
        .into_inner()
}

#[cfg(test)]
mod tests {
    use super::super::{manifest, open, Kind, Limits, Manifest, MoveOn, UnitKind};
    use super::*;

    fn read(zip: Vec<u8>) -> Manifest {
        let mut files = open(Cursor::new(zip), Limits::default()).unwrap();
        manifest(&mut files).unwrap()
    }

    /// (id, kind, launch, mastery score) of each unit.
    fn units(m: &Manifest) -> Vec<(&str, UnitKind, Option<&str>, Option<f64>)> {
        m.units
            .iter()
            .map(|u| (u.id.as_str(), u.kind, u.launch.as_deref(), u.mastery_score))
            .collect()
    }

    #[test]
    fn the_scorm_12_sample_is_one_sco_with_mastery_80() {
        let m = read(scorm12_single());
        assert_eq!(m.kind, Kind::Scorm12);
        assert_eq!(m.version.as_deref(), Some("1.2"));
        assert_eq!(m.title, "Veilig tillen");
        assert_eq!(
            units(&m),
            [(
                "veilig-tillen",
                UnitKind::Sco,
                Some("index.html"),
                Some(0.8)
            )]
        );
        assert_eq!(m.units[0].title, "Veilig tillen");
        assert!(m.warnings.is_empty());
    }

    #[test]
    fn the_scorm_2004_sample_is_two_scos_the_test_with_mastery_08() {
        let m = read(scorm2004_multi());
        assert_eq!(m.kind, Kind::Scorm2004 { edition: Some(4) });
        assert_eq!(m.version.as_deref(), Some("2004 4th Edition"));
        assert_eq!(m.title, "Medicatie veilig toedienen");
        assert_eq!(
            units(&m),
            [
                ("uitleg", UnitKind::Sco, Some("uitleg/index.html"), None),
                ("toets", UnitKind::Sco, Some("toets/index.html"), Some(0.8)),
            ]
        );
        let titles: Vec<_> = m.units.iter().map(|u| u.title.as_str()).collect();
        assert_eq!(titles, ["Uitleg", "Toets"]);
        assert!(!m.unsupported_sequencing, "{:?}", m.warnings);
        assert!(m.warnings.is_empty());
    }

    #[test]
    fn the_cmi5_sample_is_one_au_completed_and_passed_at_08() {
        let m = read(cmi5_course());
        assert_eq!(m.kind, Kind::Cmi5);
        assert_eq!(m.title, "Valpreventie");
        assert_eq!(
            m.identifier.as_deref(),
            Some("https://zorgklas.nl/demo/cmi5/valpreventie")
        );
        assert_eq!(
            units(&m),
            [(
                "https://zorgklas.nl/demo/cmi5/valpreventie/au1",
                UnitKind::Au,
                Some("au1/index.html"),
                Some(0.8)
            )]
        );
        assert_eq!(m.units[0].title, "Vallen voorkomen");
        assert_eq!(m.units[0].move_on, Some(MoveOn::CompletedAndPassed));
    }

    /// The values of `attribute="…"` in `text`.
    fn attribute_values<'a>(text: &'a str, attribute: &str) -> Vec<&'a str> {
        let needle = format!(" {attribute}=\"");
        text.match_indices(&needle)
            .filter_map(|(at, _)| {
                let rest = &text[at + needle.len()..];
                rest.find('"').map(|end| &rest[..end])
            })
            .collect()
    }

    /// `reference` from the file at `from`, as a path from the package root.
    fn resolve(from: &str, reference: &str) -> String {
        let mut parts: Vec<&str> = from.split('/').collect();
        parts.pop();
        for part in reference.split(['?', '#']).next().unwrap_or("").split('/') {
            match part {
                ".." => {
                    parts.pop().expect("a reference inside the package");
                }
                "." | "" => {}
                p => parts.push(p),
            }
        }
        parts.join("/")
    }

    #[test]
    fn every_file_a_page_or_manifest_names_is_in_its_zip() {
        for files in [SCORM12, SCORM2004, CMI5] {
            let paths: Vec<&str> = files.iter().map(|(p, _)| *p).collect();
            let mut checked = 0;
            for (path, text) in files {
                let references: Vec<&str> = if path.ends_with(".html") {
                    ["src", "href"]
                        .iter()
                        .flat_map(|a| attribute_values(text, a))
                        .collect()
                } else if *path == "imsmanifest.xml" {
                    attribute_values(text, "href")
                } else {
                    continue;
                };
                for reference in references {
                    let target = resolve(path, reference);
                    assert!(
                        paths.contains(&target.as_str()),
                        "{path} names {reference} ({target}), not in {paths:?}"
                    );
                    checked += 1;
                }
            }
            assert!(checked >= 2, "{paths:?}: only {checked} references");
        }
    }

    #[test]
    fn the_pages_are_dutch_and_have_the_ids_the_browser_tests_click() {
        let ids: &[(&str, &[&str])] = &[
            (
                "index.html",
                &[
                    "status",
                    "hervat",
                    "volgende",
                    "antwoord-a",
                    "antwoord-b",
                    "antwoord-c",
                    "inleveren",
                    "resultaat",
                    "afsluiten",
                ],
            ),
            ("uitleg/index.html", &["status", "gelezen", "volgende"]),
            (
                "toets/index.html",
                &[
                    "status",
                    "hervat",
                    "v1-a",
                    "v1-b",
                    "v1-c",
                    "v2-a",
                    "v2-b",
                    "v2-c",
                    "inleveren",
                    "resultaat",
                    "afsluiten",
                ],
            ),
            (
                "au1/index.html",
                &[
                    "status",
                    "antwoord-a",
                    "antwoord-b",
                    "antwoord-c",
                    "inleveren",
                    "resultaat",
                    "afsluiten",
                ],
            ),
        ];
        let pages = SCORM12.iter().chain(SCORM2004).chain(CMI5);
        for (path, text) in pages.filter(|(p, _)| p.ends_with(".html")) {
            assert!(text.contains("<html lang=\"nl\">"), "{path}");
            assert!(text.contains("name=\"viewport\""), "{path}");
            // Scripts and styles only from files, so the player may serve a strict CSP.
            assert_eq!(
                text.matches("<script").count(),
                text.matches("<script src=").count(),
                "{path}"
            );
            assert!(
                !text.contains(" style=") && !text.contains("<style"),
                "{path}"
            );
            assert!(
                !text.contains(" onclick=") && !text.contains(" onload="),
                "{path}"
            );
            let (_, want) = ids.iter().find(|(p, _)| p == path).expect("a known page");
            let have = attribute_values(text, "id");
            for id in *want {
                assert_eq!(
                    have.iter().filter(|h| **h == *id).count(),
                    1,
                    "{path}: #{id}"
                );
            }
        }
    }

    /// The value of `var name = …;` in the SCORM 1.2 script.
    fn script_var(name: &str) -> &'static str {
        let script = SCORM12[2].1;
        let start = format!("var {name} = ");
        let rest = &script[script.find(&start).expect(name) + start.len()..];
        &rest[..rest.find(";\n").expect("a ; at the end of the line")]
    }

    #[test]
    fn the_scorm_12_suspend_data_is_longer_than_scorm_12_allows() {
        let note = script_var("NOTITIE");
        let note = note
            .strip_prefix('"')
            .and_then(|n| n.strip_suffix('"'))
            .expect("a string");
        assert!(!note.contains(['"', '\\']), "no escapes to count");
        let times: usize = script_var("NOTITIE_HERHALING").parse().unwrap();
        // As the script builds it after page 2: JSON.stringify of the same object (serde_json
        // escapes no more than JSON.stringify, and every character here is one UTF-16 unit).
        let data = serde_json::json!({"pagina": 2, "antwoord": "", "notities": note.repeat(times)});
        let length = data.to_string().chars().count();
        assert!((4_097..6_000).contains(&length), "{length}");
        assert!(note.chars().all(|c| (c as u32) < 0x1_0000));
    }

    #[test]
    fn a_sample_zips_the_same_bytes_every_time() {
        assert_eq!(scorm12_single(), scorm12_single());
        assert_eq!(cmi5_course(), cmi5_course());
    }
}
