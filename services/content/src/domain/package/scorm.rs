//! SCORM's `imsmanifest.xml` (1.2 and 2004): the version, the default organization's items in
//! order with their SCOs and mastery scores, and whether 2004 sequencing asks for more than the
//! platform does.

use super::{
    attr, broken, child, children, launch, parse, refuse, require_units, resolve, text, Kind,
    Manifest, PackageFiles, Unit, UnitKind,
};
use roxmltree::Node;
use std::collections::HashMap;
use std::io::{Read, Seek};
use zk_kernel::AppResult;

/// Where a SCORM package keeps its manifest.
pub(super) const FILE: &str = "imsmanifest.xml";

const NS_12: [&str; 2] = [
    "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
    "http://www.adlnet.org/xsd/adlcp_rootv1p2",
];
const NS_2004: &str = "http://www.adlnet.org/xsd/adlcp_v1p3";

/// The version from `schemaversion`, else from the namespaces the manifest declares.
fn kind(root: Node<'_, '_>, version: Option<&str>) -> AppResult<Kind> {
    if let Some(v) = version {
        let edition = match v.to_ascii_lowercase().as_str() {
            "1.2" => return Ok(Kind::Scorm12),
            "cam 1.3" | "2004 2nd edition" => 2,
            "2004 3rd edition" => 3,
            "2004 4th edition" => 4,
            _ => {
                return Err(refuse(
                    "package_version_unsupported",
                    format!(
                        "{FILE} noemt SCORM-versie \"{v}\"; we lezen SCORM 1.2 en SCORM 2004 (3e en 4e editie)."
                    ),
                ))
            }
        };
        return Ok(Kind::Scorm2004 {
            edition: Some(edition),
        });
    }
    let declared: Vec<&str> = root.namespaces().map(|n| n.uri()).collect();
    if declared.iter().any(|u| NS_12.contains(u)) {
        Ok(Kind::Scorm12)
    } else if declared.contains(&NS_2004) {
        Ok(Kind::Scorm2004 { edition: None })
    } else {
        Err(refuse(
            "package_version_unsupported",
            format!(
                "{FILE} zegt niet welke SCORM-versie het is (geen schemaversion, geen SCORM-namespace); we lezen SCORM 1.2 en SCORM 2004."
            ),
        ))
    }
}

/// The `xml:base` of an element, if any.
fn xml_base<'a>(node: Node<'a, '_>) -> &'a str {
    node.attribute(("http://www.w3.org/XML/1998/namespace", "base"))
        .unwrap_or("")
}

/// The resources by identifier, each with its `scormtype` and launch reference (the
/// `xml:base`s of the manifest, the resources and the resource applied to `href`).
struct Resource {
    sco: bool,
    href: Option<String>,
}

fn resources<'a>(root: Node<'a, '_>) -> HashMap<&'a str, Resource> {
    let mut map = HashMap::new();
    let Some(list) = child(root, "resources") else {
        return map;
    };
    let base = resolve(xml_base(root), xml_base(list));
    for r in children(list, "resource") {
        let Some(id) = r.attribute("identifier") else {
            continue;
        };
        let sco = attr(r, "scormtype").is_some_and(|t| t.trim().eq_ignore_ascii_case("sco"));
        let href = r
            .attribute("href")
            .map(|h| resolve(&resolve(&base, xml_base(r)), h.trim()));
        map.insert(id, Resource { sco, href });
    }
    map
}

/// `parameters` appended to a launch as SCORM's content packaging says (`?`/`&` joined, a
/// fragment only when there is none yet).
fn with_parameters(href: &str, parameters: &str) -> String {
    let p = parameters.trim().trim_start_matches(['?', '&']);
    if p.is_empty() {
        href.to_owned()
    } else if p.starts_with('#') {
        if href.contains('#') {
            href.to_owned()
        } else {
            format!("{href}{p}")
        }
    } else if href.contains('?') {
        format!("{href}&{p}")
    } else {
        format!("{href}?{p}")
    }
}

/// The mastery score of an item as a fraction.
fn mastery(item: Node<'_, '_>, kind: Kind, id: &str) -> AppResult<Option<f64>> {
    let (raw, range) = match kind {
        Kind::Scorm12 => (text(child(item, "masteryscore")), 0.0..=100.0),
        _ => {
            let primary = child(item, "sequencing")
                .and_then(|s| child(s, "objectives"))
                .and_then(|o| child(o, "primaryObjective"))
                .filter(|p| attr(*p, "satisfiedByMeasure").is_some_and(|v| v.trim() == "true"));
            (
                primary.and_then(|p| text(child(p, "minNormalizedMeasure"))),
                -1.0..=1.0,
            )
        }
    };
    let Some(raw) = raw else {
        return Ok(None);
    };
    match raw.parse::<f64>() {
        Ok(v) if range.contains(&v) => Ok(Some(if kind == Kind::Scorm12 { v / 100.0 } else { v })),
        _ => Err(broken(
            FILE,
            format_args!("item {id} heeft een ongeldige beheersingsscore \"{raw}\""),
        )),
    }
}

struct Walk<'f, 'a, R> {
    files: &'f PackageFiles<R>,
    kind: Kind,
    resources: HashMap<&'a str, Resource>,
    units: Vec<Unit>,
}

impl<R: Read + Seek> Walk<'_, '_, R> {
    fn items(&mut self, parent: Node<'_, '_>, depth: u32) -> AppResult<()> {
        for item in children(parent, "item") {
            let id = item.attribute("identifier").unwrap_or_default().to_owned();
            let title = text(child(item, "title")).unwrap_or(&id).to_owned();
            let (kind, launch) = match item.attribute("identifierref") {
                None => (UnitKind::Heading, None),
                Some(r) => {
                    let Some(res) = self.resources.get(r.trim()) else {
                        return Err(broken(
                            FILE,
                            format_args!("item {id} verwijst naar resource {r}, die er niet is"),
                        ));
                    };
                    let Some(href) = &res.href else {
                        return Err(broken(
                            FILE,
                            format_args!(
                                "resource {r} (van item {id}) heeft geen href om te starten"
                            ),
                        ));
                    };
                    let href = with_parameters(href, item.attribute("parameters").unwrap_or(""));
                    let launch = launch(self.files, FILE, &id, &href, false)?;
                    let kind = if res.sco {
                        UnitKind::Sco
                    } else {
                        UnitKind::Asset
                    };
                    (kind, Some(launch))
                }
            };
            self.units.push(Unit {
                mastery_score: mastery(item, self.kind, &id)?,
                id,
                title,
                kind,
                launch,
                depth,
                move_on: None,
                launch_method: None,
                activity_type: None,
            });
            self.items(item, depth + 1)?;
        }
        Ok(())
    }
}

/// The 2004 sequencing the platform does not carry out, by element and where it is.
fn unsupported_sequencing(root: Node<'_, '_>) -> Vec<String> {
    let mut found = Vec::new();
    for seq in root
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "sequencing")
    {
        let owner = seq
            .parent_element()
            .and_then(|p| p.attribute("identifier").or(p.attribute("ID")))
            .or(seq.attribute("ID"))
            .unwrap_or("?");
        for n in seq.descendants().filter(|n| n.is_element()) {
            let what = match n.tag_name().name() {
                "sequencingRules" => "sequencingRules",
                "rollupRules" => "rollupRules",
                "controlMode" if attr(n, "choice").is_some_and(|c| c.trim() == "false") => {
                    "controlMode choice=\"false\""
                }
                _ => continue,
            };
            let line = format!("{what} bij {owner}");
            if !found.contains(&line) {
                found.push(line);
            }
        }
    }
    found
}

/// Reads a SCORM manifest (see [`super::manifest`]).
pub(super) fn read<R: Read + Seek>(files: &PackageFiles<R>, xml: &str) -> AppResult<Manifest> {
    let doc = parse(FILE, xml)?;
    let root = doc.root_element();
    if root.tag_name().name() != "manifest" {
        return Err(broken(
            FILE,
            format_args!(
                "het hoofdelement is <{}>, niet <manifest>",
                root.tag_name().name()
            ),
        ));
    }
    let version = text(child(root, "metadata").and_then(|m| child(m, "schemaversion")));
    let kind = kind(root, version)?;
    let Some(orgs) = child(root, "organizations") else {
        return Err(broken(FILE, "er is geen <organizations>"));
    };
    let default = orgs.attribute("default").map(str::trim);
    let Some(org) = children(orgs, "organization")
        .find(|o| default.is_some_and(|d| o.attribute("identifier") == Some(d)))
        .or_else(|| child(orgs, "organization"))
    else {
        return Err(refuse(
            "package_no_units",
            format!("{FILE} in het pakket heeft geen <organization>; er valt niets te starten."),
        ));
    };
    let mut walk = Walk {
        files,
        kind,
        resources: resources(root),
        units: Vec::new(),
    };
    walk.items(org, 0)?;
    let units = walk.units;
    require_units(FILE, &units, "SCO")?;
    let title = text(child(org, "title"))
        .or_else(|| units.first().map(|u| u.title.as_str()))
        .unwrap_or("Naamloos pakket")
        .to_owned();
    let sequencing = if matches!(kind, Kind::Scorm2004 { .. }) {
        unsupported_sequencing(root)
    } else {
        Vec::new()
    };
    let warnings = if sequencing.is_empty() {
        Vec::new()
    } else {
        vec![format!(
            "Dit pakket gebruikt SCORM 2004-sequencing die het platform niet uitvoert ({}); de onderdelen zijn in willekeurige volgorde te openen en de voortgang telt per onderdeel.",
            sequencing.join(", ")
        )]
    };
    Ok(Manifest {
        kind,
        title,
        identifier: root.attribute("identifier").map(str::to_owned),
        version: version.map(str::to_owned),
        units,
        unsupported_sequencing: !sequencing.is_empty(),
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_zip::ZipBuilder;
    use super::super::{manifest, open, Limits};
    use super::*;
    use std::io::Cursor;

    fn package(files: &[(&str, &str)]) -> AppResult<Manifest> {
        let mut zip = ZipBuilder::new();
        for (name, body) in files {
            zip = zip.deflated(name, body.as_bytes());
        }
        let mut files = open(Cursor::new(zip.finish()), Limits::default())?;
        manifest(&mut files)
    }

    const SCORM_12: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="com.example.hygiene" version="1.0"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="ORG">
    <organization identifier="ORG">
      <title>Handhygiëne</title>
      <item identifier="ITEM1" identifierref="RES1" parameters="?mode=leren">
        <title>Handen wassen</title>
        <adlcp:masteryscore>80</adlcp:masteryscore>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES1" type="webcontent" adlcp:scormtype="sco" href="les/index.html">
      <file href="les/index.html"/>
    </resource>
  </resources>
</manifest>"#;

    #[test]
    fn scorm_12_with_one_sco_and_a_mastery_score() {
        let m = package(&[(FILE, SCORM_12), ("les/index.html", "<html/>")]).unwrap();
        assert_eq!(m.kind, Kind::Scorm12);
        assert_eq!(m.title, "Handhygiëne");
        assert_eq!(m.version.as_deref(), Some("1.2"));
        assert_eq!(m.identifier.as_deref(), Some("com.example.hygiene"));
        assert!(!m.unsupported_sequencing);
        assert_eq!(m.units.len(), 1);
        let u = &m.units[0];
        assert_eq!(u.id, "ITEM1");
        assert_eq!(u.title, "Handen wassen");
        assert_eq!(u.kind, UnitKind::Sco);
        assert_eq!(u.launch.as_deref(), Some("les/index.html?mode=leren"));
        assert_eq!(u.depth, 0);
        assert_eq!(u.mastery_score, Some(0.8));
        assert_eq!(u.move_on, None);
    }

    const SCORM_2004: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="MANIFEST-1" xml:base="cursus/"
    xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
    xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="B">
    <organization identifier="A"><title>Niet deze</title>
      <item identifier="X" identifierref="R1"><title>X</title></item>
    </organization>
    <organization identifier="B">
      <title>Medicatieveiligheid</title>
      <item identifier="H1">
        <title>Deel 1</title>
        <item identifier="S1" identifierref="R1">
          <title>Toedienen</title>
          <imsss:sequencing>
            <imsss:objectives>
              <imsss:primaryObjective objectiveID="p1" satisfiedByMeasure="true">
                <imsss:minNormalizedMeasure>0.75</imsss:minNormalizedMeasure>
              </imsss:primaryObjective>
            </imsss:objectives>
          </imsss:sequencing>
        </item>
      </item>
      <item identifier="S2" identifierref="R2" parameters="#start">
        <title>Toets</title>
      </item>
      <item identifier="S3" identifierref="R3"><title>Bronnen</title></item>
    </organization>
  </organizations>
  <resources xml:base="sco/">
    <resource identifier="R1" type="webcontent" adlcp:scormType="sco" xml:base="een/" href="index.html"/>
    <resource identifier="R2" type="webcontent" adlcp:scormType="sco" href="toets.html?x=1"/>
    <resource identifier="R3" type="webcontent" adlcp:scormType="asset" href="bronnen.pdf"/>
  </resources>
</manifest>"##;

    #[test]
    fn scorm_2004_with_nested_items_xml_base_and_a_primary_objective() {
        let m = package(&[
            (FILE, SCORM_2004),
            ("cursus/sco/een/index.html", "<html/>"),
            ("cursus/sco/toets.html", "<html/>"),
            ("cursus/sco/bronnen.pdf", "%PDF"),
        ])
        .unwrap();
        assert_eq!(m.kind, Kind::Scorm2004 { edition: Some(4) });
        assert_eq!(m.title, "Medicatieveiligheid");
        let lines: Vec<_> = m
            .units
            .iter()
            .map(|u| (u.id.as_str(), u.kind, u.depth, u.launch.as_deref()))
            .collect();
        assert_eq!(
            lines,
            [
                ("H1", UnitKind::Heading, 0, None),
                ("S1", UnitKind::Sco, 1, Some("cursus/sco/een/index.html")),
                (
                    "S2",
                    UnitKind::Sco,
                    0,
                    Some("cursus/sco/toets.html?x=1#start")
                ),
                ("S3", UnitKind::Asset, 0, Some("cursus/sco/bronnen.pdf")),
            ]
        );
        assert_eq!(m.units[1].mastery_score, Some(0.75));
        assert_eq!(m.units[2].mastery_score, None);
        assert!(!m.unsupported_sequencing);
        assert!(m.warnings.is_empty());
    }

    #[test]
    fn sequencing_rules_are_flagged_as_unsupported() {
        let xml = SCORM_2004.replace(
            "<imsss:objectives>",
            r#"<imsss:controlMode choice="false" flow="true"/>
            <imsss:sequencingRules><imsss:preConditionRule>
              <imsss:ruleConditions><imsss:ruleCondition condition="satisfied"/></imsss:ruleConditions>
              <imsss:ruleAction action="skip"/>
            </imsss:preConditionRule></imsss:sequencingRules>
            <imsss:objectives>"#,
        );
        let m = package(&[
            (FILE, &xml),
            ("cursus/sco/een/index.html", "<html/>"),
            ("cursus/sco/toets.html", "<html/>"),
            ("cursus/sco/bronnen.pdf", "%PDF"),
        ])
        .unwrap();
        assert!(m.unsupported_sequencing);
        assert_eq!(m.warnings.len(), 1);
        assert!(
            m.warnings[0].contains("sequencingRules bij S1"),
            "{:?}",
            m.warnings
        );
        assert!(m.warnings[0].contains("controlMode choice=\"false\" bij S1"));
    }

    #[test]
    fn the_version_can_come_from_the_namespaces() {
        let xml = SCORM_12.replace("<schemaversion>1.2</schemaversion>", "");
        let m = package(&[(FILE, &xml), ("les/index.html", "<html/>")]).unwrap();
        assert_eq!(m.kind, Kind::Scorm12);
        assert_eq!(m.version, None);
    }

    #[test]
    fn an_unknown_schemaversion_is_refused() {
        let xml = SCORM_12.replace(">1.2<", ">2004 5th Edition<");
        let e = package(&[(FILE, &xml), ("les/index.html", "<html/>")]).unwrap_err();
        assert_eq!(e.code, "package_version_unsupported");
        assert!(e.message.contains("2004 5th Edition"), "{}", e.message);
    }

    #[test]
    fn a_missing_launch_file_is_refused() {
        let e = package(&[(FILE, SCORM_12), ("les/andere.html", "<html/>")]).unwrap_err();
        assert_eq!(e.code, "package_launch_missing");
        assert!(e.message.contains("les/index.html"), "{}", e.message);
        assert!(e.message.contains("ITEM1"), "{}", e.message);
    }

    #[test]
    fn broken_xml_is_refused_with_its_line() {
        let xml = "<?xml version=\"1.0\"?>\n<manifest>\n  <organizations>\n</manifest>";
        let e = package(&[(FILE, xml)]).unwrap_err();
        assert_eq!(e.code, "package_manifest_broken");
        assert!(e.message.contains(FILE), "{}", e.message);
        assert!(e.message.contains("regel 4"), "{}", e.message);
    }

    #[test]
    fn missing_parts_are_refused() {
        let no_orgs = SCORM_12.replace("organizations", "organisaties");
        let e = package(&[(FILE, &no_orgs), ("les/index.html", "")]).unwrap_err();
        assert_eq!(e.code, "package_manifest_broken");
        assert!(e.message.contains("<organizations>"), "{}", e.message);

        let no_resource = SCORM_12.replace("identifierref=\"RES1\"", "identifierref=\"RES9\"");
        let e = package(&[(FILE, &no_resource), ("les/index.html", "")]).unwrap_err();
        assert_eq!(e.code, "package_manifest_broken");
        assert!(e.message.contains("RES9"), "{}", e.message);

        let asset_only = SCORM_12.replace("scormtype=\"sco\"", "scormtype=\"asset\"");
        let e = package(&[(FILE, &asset_only), ("les/index.html", "")]).unwrap_err();
        assert_eq!(e.code, "package_no_units");
        assert!(e.message.contains("SCO"), "{}", e.message);
    }

    #[test]
    fn a_launch_outside_the_package_is_refused() {
        for href in [
            "../../etc/passwd",
            "https://elders.nl/les.html",
            "/les.html",
        ] {
            let xml = SCORM_12.replace("href=\"les/index.html\">", &format!("href=\"{href}\">"));
            let e = package(&[(FILE, &xml), ("les/index.html", "")]).unwrap_err();
            assert_eq!(e.code, "package_launch_invalid", "{href}");
            assert!(e.message.contains(href), "{}", e.message);
        }
    }

    #[test]
    fn parameters_join_the_launch_as_scorm_says() {
        assert_eq!(with_parameters("a.html", "?x=1"), "a.html?x=1");
        assert_eq!(with_parameters("a.html?y=2", "?x=1"), "a.html?y=2&x=1");
        assert_eq!(with_parameters("a.html", "#p3"), "a.html#p3");
        assert_eq!(with_parameters("a.html#p1", "#p3"), "a.html#p1");
        assert_eq!(with_parameters("a.html", ""), "a.html");
    }
}
