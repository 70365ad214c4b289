//! cmi5's `cmi5.xml` (course structure): the course title, its AUs in order with how they are
//! passed and launched, blocks as headings.

use super::{
    attr, broken, child, children, launch, parse, require_units, text, Kind, LaunchMethod,
    Manifest, MoveOn, PackageFiles, Unit, UnitKind,
};
use roxmltree::Node;
use std::io::{Read, Seek};
use zk_kernel::AppResult;

/// Where a cmi5 package keeps its course structure.
pub(super) const FILE: &str = "cmi5.xml";

/// The text of a cmi5 `title`/`description`: the Dutch `langstring`, else the English one,
/// else the first.
fn langstring(node: Option<Node<'_, '_>>) -> Option<String> {
    let node = node?;
    let strings: Vec<(String, &str)> = children(node, "langstring")
        .filter_map(|l| {
            let lang = attr(l, "lang").unwrap_or("").trim().to_ascii_lowercase();
            let primary = lang.split(['-', '_']).next().unwrap_or("").to_owned();
            text(Some(l)).map(|t| (primary, t))
        })
        .collect();
    ["nl", "en"]
        .iter()
        .find_map(|want| strings.iter().find(|(l, _)| l == want))
        .or(strings.first())
        .map(|(_, t)| (*t).to_owned())
        .or_else(|| text(Some(node)).map(str::to_owned))
}

fn move_on(id: &str, raw: Option<&str>) -> AppResult<MoveOn> {
    Ok(match raw.map(str::trim) {
        None | Some("NotApplicable") => MoveOn::NotApplicable,
        Some("Passed") => MoveOn::Passed,
        Some("Completed") => MoveOn::Completed,
        Some("CompletedAndPassed") => MoveOn::CompletedAndPassed,
        Some("CompletedOrPassed") => MoveOn::CompletedOrPassed,
        Some(other) => {
            return Err(broken(
                FILE,
                format_args!("AU {id} heeft een onbekende moveOn \"{other}\""),
            ))
        }
    })
}

fn launch_method(id: &str, raw: Option<&str>) -> AppResult<LaunchMethod> {
    Ok(match raw.map(str::trim) {
        None | Some("AnyWindow") => LaunchMethod::AnyWindow,
        Some("OwnWindow") => LaunchMethod::OwnWindow,
        Some(other) => {
            return Err(broken(
                FILE,
                format_args!("AU {id} heeft een onbekende launchMethod \"{other}\""),
            ))
        }
    })
}

fn mastery_score(id: &str, raw: Option<&str>) -> AppResult<Option<f64>> {
    let Some(raw) = raw.map(str::trim) else {
        return Ok(None);
    };
    match raw.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(Some(v)),
        _ => Err(broken(
            FILE,
            format_args!("AU {id} heeft masteryScore \"{raw}\"; dat moet tussen 0 en 1 liggen"),
        )),
    }
}

/// The AUs and blocks under `parent`, in order.
fn walk<R: Read + Seek>(
    files: &PackageFiles<R>,
    parent: Node<'_, '_>,
    depth: u32,
    units: &mut Vec<Unit>,
) -> AppResult<()> {
    for node in parent.children().filter(|n| n.is_element()) {
        let tag = node.tag_name().name();
        if tag != "au" && tag != "block" {
            continue;
        }
        let Some(id) = node
            .attribute("id")
            .map(str::trim)
            .filter(|i| !i.is_empty())
        else {
            return Err(broken(FILE, format_args!("een <{tag}> heeft geen id")));
        };
        let title = langstring(child(node, "title")).unwrap_or_else(|| id.to_owned());
        if tag == "block" {
            units.push(Unit {
                id: id.to_owned(),
                title,
                kind: UnitKind::Heading,
                launch: None,
                depth,
                mastery_score: None,
                move_on: None,
                launch_method: None,
                activity_type: None,
            });
            walk(files, node, depth + 1, units)?;
            continue;
        }
        let Some(url) = text(child(node, "url")) else {
            return Err(broken(FILE, format_args!("AU {id} heeft geen <url>")));
        };
        units.push(Unit {
            id: id.to_owned(),
            title,
            kind: UnitKind::Au,
            launch: Some(launch(files, FILE, id, url, true)?),
            depth,
            mastery_score: mastery_score(id, node.attribute("masteryScore"))?,
            move_on: Some(move_on(id, node.attribute("moveOn"))?),
            launch_method: Some(launch_method(id, node.attribute("launchMethod"))?),
            activity_type: node.attribute("activityType").map(str::to_owned),
        });
    }
    Ok(())
}

/// Reads a cmi5 course structure (see [`super::manifest`]).
pub(super) fn read<R: Read + Seek>(files: &PackageFiles<R>, xml: &str) -> AppResult<Manifest> {
    let doc = parse(FILE, xml)?;
    let root = doc.root_element();
    if root.tag_name().name() != "courseStructure" {
        return Err(broken(
            FILE,
            format_args!(
                "het hoofdelement is <{}>, niet <courseStructure>",
                root.tag_name().name()
            ),
        ));
    }
    let Some(course) = child(root, "course") else {
        return Err(broken(FILE, "er is geen <course>"));
    };
    let Some(title) = langstring(child(course, "title")) else {
        return Err(broken(FILE, "de <course> heeft geen titel"));
    };
    let mut units = Vec::new();
    walk(files, root, 0, &mut units)?;
    require_units(FILE, &units, "AU")?;
    Ok(Manifest {
        kind: Kind::Cmi5,
        title,
        identifier: course.attribute("id").map(str::to_owned),
        version: None,
        units,
        unsupported_sequencing: false,
        warnings: Vec::new(),
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

    const CMI5: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<courseStructure xmlns="https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd">
  <course id="https://zorgklas.nl/cursus/tillen">
    <title>
      <langstring lang="en-US">Safe lifting</langstring>
      <langstring lang="nl-NL">Veilig tillen</langstring>
    </title>
    <description><langstring lang="nl-NL">Over tillen</langstring></description>
  </course>
  <au id="https://zorgklas.nl/cursus/tillen/au/1" moveOn="CompletedAndPassed"
      masteryScore="0.8" launchMethod="OwnWindow"
      activityType="http://adlnet.gov/expapi/activities/lesson">
    <title><langstring lang="en">Basics</langstring></title>
    <url>au1/index.html?taal=nl</url>
  </au>
  <block id="https://zorgklas.nl/cursus/tillen/block/1">
    <title><langstring lang="de">Praxis</langstring></title>
    <au id="https://zorgklas.nl/cursus/tillen/au/2">
      <title><langstring lang="nl">Oefenen</langstring></title>
      <url>https://oefen.example.org/tillen</url>
    </au>
  </block>
</courseStructure>"#;

    #[test]
    fn a_cmi5_course_with_two_aus_and_a_block() {
        let m = package(&[(FILE, CMI5), ("au1/index.html", "<html/>")]).unwrap();
        assert_eq!(m.kind, Kind::Cmi5);
        assert_eq!(m.title, "Veilig tillen");
        assert_eq!(
            m.identifier.as_deref(),
            Some("https://zorgklas.nl/cursus/tillen")
        );
        assert_eq!(m.units.len(), 3);
        let au1 = &m.units[0];
        assert_eq!(au1.kind, UnitKind::Au);
        assert_eq!(au1.title, "Basics");
        assert_eq!(au1.launch.as_deref(), Some("au1/index.html?taal=nl"));
        assert_eq!(au1.depth, 0);
        assert_eq!(au1.move_on, Some(MoveOn::CompletedAndPassed));
        assert_eq!(au1.mastery_score, Some(0.8));
        assert_eq!(au1.launch_method, Some(LaunchMethod::OwnWindow));
        assert_eq!(
            au1.activity_type.as_deref(),
            Some("http://adlnet.gov/expapi/activities/lesson")
        );
        let block = &m.units[1];
        assert_eq!(
            (block.kind, block.title.as_str(), block.depth),
            (UnitKind::Heading, "Praxis", 0)
        );
        let au2 = &m.units[2];
        assert_eq!(au2.title, "Oefenen");
        assert_eq!(au2.depth, 1);
        assert_eq!(
            au2.launch.as_deref(),
            Some("https://oefen.example.org/tillen")
        );
        assert_eq!(au2.move_on, Some(MoveOn::NotApplicable));
        assert_eq!(au2.mastery_score, None);
        assert_eq!(au2.launch_method, Some(LaunchMethod::AnyWindow));
    }

    #[test]
    fn an_au_whose_file_is_missing_is_refused() {
        let e = package(&[(FILE, CMI5), ("au2/index.html", "<html/>")]).unwrap_err();
        assert_eq!(e.code, "package_launch_missing");
        assert!(e.message.contains("au1/index.html"), "{}", e.message);
        assert!(e.message.contains(FILE), "{}", e.message);
    }

    #[test]
    fn wrong_values_are_refused_by_name() {
        for (from, to, names) in [
            ("masteryScore=\"0.8\"", "masteryScore=\"80\"", "80"),
            (
                "moveOn=\"CompletedAndPassed\"",
                "moveOn=\"Whenever\"",
                "Whenever",
            ),
            (
                "launchMethod=\"OwnWindow\"",
                "launchMethod=\"Popup\"",
                "Popup",
            ),
            ("<url>au1/index.html?taal=nl</url>", "", "<url>"),
        ] {
            let xml = CMI5.replace(from, to);
            let e = package(&[(FILE, &xml), ("au1/index.html", "")]).unwrap_err();
            assert_eq!(e.code, "package_manifest_broken", "{to}");
            assert!(e.message.contains(names), "{}", e.message);
        }
    }

    #[test]
    fn a_course_without_aus_is_refused() {
        let xml = r#"<courseStructure xmlns="https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd">
  <course id="c"><title><langstring lang="nl">Leeg</langstring></title></course>
</courseStructure>"#;
        let e = package(&[(FILE, xml)]).unwrap_err();
        assert_eq!(e.code, "package_no_units");
        assert!(e.message.contains("AU"), "{}", e.message);
    }

    #[test]
    fn broken_xml_is_refused_with_its_line() {
        let e = package(&[(
            FILE,
            "<courseStructure>\n<course id=\"c\">\n</courseStructure>",
        )])
        .unwrap_err();
        assert_eq!(e.code, "package_manifest_broken");
        assert!(e.message.contains("cmi5.xml"), "{}", e.message);
        assert!(e.message.contains("regel 3"), "{}", e.message);
    }
}
