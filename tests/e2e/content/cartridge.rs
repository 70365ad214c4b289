//! Common Cartridge 1.3 (issue 24, item 5): a module goes out as an `.imscc` that any LMS reads
//! (manifest, pages, files, QTI, web links) and comes back in, at another member, as the same
//! blocks; a member exports only what it may read; a bad cartridge is refused with nothing kept;
//! whatever can't be imported is named.

use crate::support::*;
use std::collections::HashMap;
use std::io::{Read, Write};
use zk_test_support::scenario::files::PNG;

const CC: &str = "http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1";
const PDF: &[u8] = b"%PDF-1.4\n% test document\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

/// Every file of a zip: path → bytes.
fn unzip(bytes: &[u8]) -> HashMap<String, Vec<u8>> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a zip");
    let mut out = HashMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut b = Vec::new();
        f.read_to_end(&mut b).unwrap();
        out.insert(f.name().unwrap().into_owned(), b);
    }
    out
}

/// A zip of `files` (path, content), deflated.
fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (path, content) in files {
            z.start_file(*path, opts).unwrap();
            z.write_all(content).unwrap();
        }
        z.finish().unwrap();
    }
    out.into_inner()
}

fn text_of(n: roxmltree::Node<'_, '_>) -> String {
    n.descendants()
        .filter(|d| d.is_text())
        .filter_map(|d| d.text())
        .collect::<String>()
        .trim()
        .to_owned()
}

fn named<'a, 'i>(n: roxmltree::Node<'a, 'i>, name: &str) -> Vec<roxmltree::Node<'a, 'i>> {
    n.children()
        .filter(|c| c.tag_name().name() == name)
        .collect()
}

async fn export(user: &User, path: &str) -> Vec<u8> {
    let res = user.get(path).expect(StatusCode::OK).await;
    assert_eq!(res.headers["content-type"], "application/vnd.ims.imsccv1p3");
    assert!(res.headers["content-disposition"]
        .to_str()
        .unwrap()
        .ends_with(".imscc\""));
    res.body
}

async fn import(user: &User, bytes: Vec<u8>) -> zk_test_support::TestResponse {
    user.post("/api/v1/content/cartridges")
        .body("application/vnd.ims.imsccv1p3", bytes)
        .send()
        .await
}

/// The bytes of a media file as stored, and the member it belongs to.
async fn media_bytes(app: &TestApp, id: &str) -> (Vec<u8>, uuid::Uuid) {
    let mut owner = app.db.owner().await.unwrap();
    let (key, tenant): (String, uuid::Uuid) = sqlx::query_as(
        "SELECT object_key, tenant_id FROM content.media WHERE id = $1::uuid AND status = 'ready'",
    )
    .bind(id)
    .fetch_one(&mut owner)
    .await
    .unwrap();
    let o = app
        .platform
        .objects
        .get(&key)
        .await
        .unwrap()
        .expect("stored");
    (o.bytes.to_vec(), tenant)
}

#[tokio::test]
async fn a_module_goes_out_as_a_cartridge_and_comes_back_in_as_the_same_blocks() {
    let s = two_members().await;
    let image = s
        .a_author
        .upload("image", "handen.png", "image/png", PNG)
        .await;
    let pdf = s
        .a_author
        .upload("document", "protocol.pdf", "application/pdf", PDF)
        .await;
    let module = s
        .a_author
        .publish_module(json!({"title": "Handhygiëne in de wijk", "minutes": 20, "blocks": [
            {"type": "text", "markdown": "# Inleiding\n\nLees [de richtlijn](https://example.org/richtlijn) & doe het."},
            {"type": "image", "media": image, "alt": "Handen onder de kraan"},
            {"type": "document", "media": pdf, "title": "Protocol handhygiëne"},
            {"type": "quiz", "pass_mark": 70, "questions": [
                {"prompt": "Wanneer wast u uw handen?", "options": [
                    {"text": "Voor en na de zorg", "correct": true, "feedback": "Goed."},
                    {"text": "Alleen na de zorg", "feedback": "Nee: ook ervoor."}]},
                {"prompt": "Wat hoort bij handhygiëne?", "multiple": true, "options": [
                    {"text": "Zeep", "correct": true},
                    {"text": "Sieraden om", "feedback": "Sieraden af."},
                    {"text": "Handalcohol", "correct": true}]}]},
            {"type": "link", "url": "https://www.rivm.nl/hygiene", "label": "RIVM over hygiëne"}
        ]}))
        .await;
    let bytes = export(
        &s.a_author,
        &format!("/api/v1/content/modules/{}/cartridge", module.id),
    )
    .await;
    let files = unzip(&bytes);

    // The manifest: CC 1.3, one organization, the module with its blocks in order, every
    // resource's files in the zip.
    let manifest = String::from_utf8(files["imsmanifest.xml"].clone()).unwrap();
    let doc = roxmltree::Document::parse(&manifest).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().namespace(), Some(CC));
    assert!(manifest.contains("http://ltsc.ieee.org/xsd/imsccv1p3/LOM/manifest"));
    let metadata = named(root, "metadata")[0];
    assert_eq!(
        text_of(named(metadata, "schema")[0]),
        "IMS Common Cartridge"
    );
    assert_eq!(text_of(named(metadata, "schemaversion")[0]), "1.3.0");
    let org = named(named(root, "organizations")[0], "organization");
    assert_eq!(org.len(), 1);
    let top = named(named(org[0], "item")[0], "item");
    assert_eq!(top.len(), 1);
    assert_eq!(text_of(named(top[0], "title")[0]), "Handhygiëne in de wijk");
    let resources: HashMap<&str, roxmltree::Node<'_, '_>> =
        named(named(root, "resources")[0], "resource")
            .into_iter()
            .map(|r| (r.attribute("identifier").unwrap(), r))
            .collect();
    let kinds: Vec<&str> = named(top[0], "item")
        .iter()
        .map(|i| {
            resources[i.attribute("identifierref").unwrap()]
                .attribute("type")
                .unwrap()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "webcontent",
            "webcontent",
            "webcontent",
            "imsqti_xmlv1p2/imscc_xmlv1p3/assessment",
            "imswl_xmlv1p3"
        ]
    );
    for r in resources.values() {
        for f in named(*r, "file") {
            let href = f.attribute("href").unwrap();
            assert!(files.contains_key(href), "{href} is not in the zip");
        }
        if let Some(href) = r.attribute("href") {
            assert!(files.contains_key(href), "{href} is not in the zip");
        }
    }
    let png = files
        .iter()
        .find(|(k, _)| k.ends_with("/handen.png"))
        .expect("the image file");
    assert_eq!(png.1, PNG);
    let page = files
        .iter()
        .find(|(k, v)| {
            k.ends_with("index.html") && String::from_utf8_lossy(v).contains("Inleiding")
        })
        .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
        .expect("the text page");
    assert!(
        page.contains("<h1>Inleiding</h1>")
            && page.contains("href=\"https://example.org/richtlijn\""),
        "{page}"
    );

    // The QTI names the right answers: a single choice, and a multiple response with the wrong
    // option negated.
    let qti_path = files
        .keys()
        .find(|k| k.ends_with("assessment.xml"))
        .unwrap();
    let qti = String::from_utf8(files[qti_path].clone()).unwrap();
    let qdoc = roxmltree::Document::parse(&qti).unwrap();
    let items: Vec<_> = qdoc
        .descendants()
        .filter(|n| n.has_tag_name("item"))
        .collect();
    assert_eq!(items.len(), 2);
    let right = |item: roxmltree::Node<'_, '_>, negated: bool| -> Vec<String> {
        let labels: HashMap<String, String> = item
            .descendants()
            .filter(|n| n.has_tag_name("response_label"))
            .map(|l| (l.attribute("ident").unwrap().to_owned(), text_of(l)))
            .collect();
        let scoring = item
            .descendants()
            .filter(|n| n.has_tag_name("respcondition"))
            .find(|c| c.descendants().any(|d| d.has_tag_name("setvar")))
            .unwrap();
        let mut v: Vec<String> = scoring
            .descendants()
            .filter(|n| n.has_tag_name("varequal"))
            .filter(|v| v.ancestors().any(|a| a.has_tag_name("not")) == negated)
            .map(|v| labels[v.text().unwrap()].clone())
            .collect();
        v.sort();
        v
    };
    assert_eq!(right(items[0], false), ["Voor en na de zorg"]);
    assert_eq!(right(items[1], false), ["Handalcohol", "Zeep"]);
    assert_eq!(right(items[1], true), ["Sieraden om"]);
    assert!(qti.contains("cc.multiple_choice.v0p1") && qti.contains("cc.multiple_response.v0p1"));

    // Back in, at member B: the same blocks, B's own files.
    let res = import(&s.b_author, bytes).await;
    res.assert_status(StatusCode::CREATED);
    let body = res.json();
    assert_eq!(body["skipped"], json!([]), "{body}");
    assert_eq!(body["modules"].as_array().unwrap().len(), 1);
    assert_eq!(body["modules"][0]["title"], "Handhygiëne in de wijk");
    let copy = s
        .b_author
        .module(body["modules"][0]["id"].as_str().unwrap())
        .await;
    let blocks = copy.doc["blocks"].as_array().unwrap();
    let kinds: Vec<&str> = blocks.iter().map(|b| b["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["text", "image", "document", "quiz", "link"]);
    assert_eq!(
        blocks[0]["markdown"],
        "# Inleiding\n\nLees [de richtlijn](https://example.org/richtlijn) & doe het."
    );
    assert_eq!(blocks[1]["alt"], "Handen onder de kraan");
    assert_eq!(blocks[2]["title"], "Protocol handhygiëne");
    let original = &module.doc["blocks"][3];
    assert_eq!(blocks[3]["pass_mark"], 70);
    for (q, oq) in blocks[3]["questions"]
        .as_array()
        .unwrap()
        .iter()
        .zip(original["questions"].as_array().unwrap())
    {
        assert_eq!(q["prompt"], oq["prompt"]);
        assert_eq!(q["multiple"], oq["multiple"]);
        let strip = |o: &Value| {
            o["options"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| {
                    (
                        o["text"].clone(),
                        o["correct"] == true,
                        o["feedback"].clone(),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(strip(q), strip(oq));
    }
    assert_eq!(blocks[4]["url"], "https://www.rivm.nl/hygiene");
    assert_eq!(blocks[4]["label"], "RIVM over hygiëne");
    let b_tenant = s.b.tenant().await.id.0;
    for (block, expected) in [(&blocks[1], PNG), (&blocks[2], PDF)] {
        let id = block["media"].as_str().unwrap();
        assert_ne!(id, image);
        let (bytes, tenant) = media_bytes(&s.app, id).await;
        assert_eq!((bytes.as_slice(), tenant), (expected, b_tenant));
    }
    // A draft: B's authors edit and publish it like any own module.
    s.b_author
        .post(&format!("/api/v1/content/modules/{}/publish", copy.id))
        .json(&json!({"change_note": "Overgenomen uit een cartridge"}))
        .expect(StatusCode::CREATED)
        .await;
}

#[tokio::test]
async fn members_export_only_what_they_may_read_and_shared_modules_with_their_accents() {
    let s = two_members().await;
    let own = s
        .a_author
        .publish_module(text_module("Geheim van A", &["Alleen voor A."]))
        .await;
    let draft = s
        .a_author
        .draft_module(text_module("Concept van A", &["Nog niet af."]))
        .await;
    s.b_author
        .publish_module(text_module("Eigen module van B", &["Alleen voor B."]))
        .await;
    // Another member's module, an unknown one, or an unpublished one: 404.
    for (user, id, query) in [
        (&s.b_author, &own.id, ""),
        (&s.b_author, &draft.id, "?draft=true"),
        (&s.a_author, &uuid::Uuid::new_v4().to_string(), ""),
        (&s.a_author, &draft.id, ""),
    ] {
        user.get(&format!("/api/v1/content/modules/{id}/cartridge{query}"))
            .expect(StatusCode::NOT_FOUND)
            .await;
    }
    // Its authors may export the draft.
    let files = unzip(
        &export(
            &s.a_author,
            &format!("/api/v1/content/modules/{}/cartridge?draft=true", draft.id),
        )
        .await,
    );
    assert!(String::from_utf8_lossy(&files["imsmanifest.xml"]).contains("Concept van A"));
    // Learners don't export (quiz answers are in a cartridge).
    s.a_learner
        .get(&format!("/api/v1/content/modules/{}/cartridge", own.id))
        .expect(StatusCode::FORBIDDEN)
        .await;

    // A shared module as A shows it: with A's accent; B's export of it has none.
    let shared = s
        .editor
        .publish_module(text_module("Valpreventie", &["NZK: licht aan."]))
        .await;
    s.a_author
        .put(&format!("/api/v1/content/adoptions/{}", shared.id))
        .json(&json!({"follow": "auto", "accents": [
            {"anchor": shared.block(0), "position": "after", "block": {"type": "text", "markdown": "Bij A: de nachtlamp."}}]}))
        .expect(StatusCode::OK)
        .await;
    let pages = |files: &HashMap<String, Vec<u8>>| {
        files
            .iter()
            .filter(|(k, _)| k.ends_with(".html"))
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let path = format!("/api/v1/content/modules/{}/cartridge", shared.id);
    let of_a = pages(&unzip(&export(&s.a_author, &path).await));
    assert!(
        of_a.contains("NZK: licht aan.") && of_a.contains("Bij A: de nachtlamp."),
        "{of_a}"
    );
    let of_b = pages(&unzip(&export(&s.b_author, &path).await));
    assert!(
        of_b.contains("NZK: licht aan.") && !of_b.contains("nachtlamp"),
        "{of_b}"
    );

    // Everything of A: its own modules, never B's nor the shared one; admins only.
    s.a_author
        .get("/api/v1/content/export")
        .expect(StatusCode::FORBIDDEN)
        .await;
    let admin = s.a.admin().await;
    let all = unzip(&export(&admin, "/api/v1/content/export").await);
    let manifest = String::from_utf8_lossy(&all["imsmanifest.xml"]).into_owned();
    assert!(
        manifest.contains("Geheim van A") && manifest.contains("Concept van A"),
        "{manifest}"
    );
    assert!(!manifest.contains("van B") && !manifest.contains("Valpreventie"));
    assert!(!pages(&all).contains("Alleen voor B."));
}

const MANIFEST_11: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="m1" xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1">
  <metadata><schema>IMS Common Cartridge</schema><schemaversion>1.1.0</schemaversion></metadata>
  <organizations><organization identifier="o" structure="rooted-hierarchy"><item identifier="root">
    <item identifier="week1"><title>Week 1: Medicatie</title>
      <item identifier="i-page" identifierref="r-page"><title>Uitleg</title></item>
      <item identifier="i-quiz" identifierref="r-quiz"><title>Toets</title></item>
      <item identifier="i-forum" identifierref="r-forum"><title>Forum</title></item>
      <item identifier="i-lti" identifierref="r-lti"><title>Extern hulpmiddel</title></item>
      <item identifier="i-odd" identifierref="r-odd"><title>Vreemd</title></item>
      <item identifier="i-badlink" identifierref="r-badlink"><title>Slechte link</title></item>
      <item identifier="i-gone" identifierref="r-gone"><title>Weg</title></item>
    </item>
  </item></organization></organizations>
  <resources>
    <resource identifier="r-page" type="webcontent" href="pages/uitleg.html">
      <file href="pages/uitleg.html"/><file href="pages/pil.png"/><file href="pages/notes.txt"/></resource>
    <resource identifier="r-quiz" type="imsqti_xmlv1p2/imscc_xmlv1p1/assessment"><file href="quiz.xml"/></resource>
    <resource identifier="r-forum" type="imsdt_xmlv1p1"><file href="forum.xml"/></resource>
    <resource identifier="r-lti" type="imsbasiclti_xmlv1p0"><file href="lti.xml"/></resource>
    <resource identifier="r-odd" type="associatedcontent/imscc_xmlv1p1/learning-application-resource"><file href="pages/notes.txt"/></resource>
    <resource identifier="r-badlink" type="imswl_xmlv1p1"><file href="bad.xml"/></resource>
  </resources>
</manifest>"#;

const QUIZ_11: &str = r#"<questestinterop xmlns="http://www.imsglobal.org/xsd/ims_qtiasiv1p2"><assessment ident="a" title="Toets"><section ident="s">
  <item ident="mc"><itemmetadata><qtimetadata><qtimetadatafield><fieldlabel>cc_profile</fieldlabel><fieldentry>cc.multiple_choice.v0p1</fieldentry></qtimetadatafield></qtimetadata></itemmetadata>
    <presentation><material><mattext texttype="text/html">&lt;p&gt;Wie controleert de &lt;b&gt;medicatie&lt;/b&gt;?&lt;/p&gt;</mattext></material>
      <response_lid ident="r" rcardinality="Single"><render_choice>
        <response_label ident="a1"><material><mattext>Twee collega's</mattext></material></response_label>
        <response_label ident="a2"><material><mattext>Niemand</mattext></material></response_label></render_choice></response_lid></presentation>
    <resprocessing><respcondition continue="No"><conditionvar><varequal respident="r">a1</varequal></conditionvar><setvar action="Set" varname="SCORE">100</setvar></respcondition></resprocessing></item>
  <item ident="essay"><itemmetadata><qtimetadata><qtimetadatafield><fieldlabel>cc_profile</fieldlabel><fieldentry>cc.essay.v0p1</fieldentry></qtimetadatafield></qtimetadata></itemmetadata>
    <presentation><material><mattext>Beschrijf uw werkwijze.</mattext></material><response_str ident="r2"/></presentation></item>
</section></assessment></questestinterop>"#;

#[tokio::test]
async fn what_a_cartridge_holds_that_cannot_be_imported_is_named() {
    let s = two_members().await;
    let page = r#"<html><head><title>Uitleg</title><style>p{}</style></head><body>
        <p>Controleer <em>altijd</em> de <a href="https://www.kennisbank.nl/x">kennisbank</a>.</p>
        <img src="pil.png" alt="Een pil"/><script>alert(1)</script><p>Tot slot <a href="javascript:alert(1)">niets</a>.</p></body></html>"#;
    let bytes = zip_of(&[
        ("imsmanifest.xml", MANIFEST_11.as_bytes()),
        ("pages/uitleg.html", page.as_bytes()),
        ("pages/pil.png", PNG),
        ("pages/notes.txt", &b"notities"[..]),
        ("quiz.xml", QUIZ_11.as_bytes()),
        ("forum.xml", &b"<topic/>"[..]),
        ("lti.xml", &b"<cartridge_basiclti_link/>"[..]),
        (
            "bad.xml",
            &br#"<webLink xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imswl_v1p1"><title>Slecht</title><url href="javascript:alert(1)"/></webLink>"#[..],
        ),
    ]);
    let res = import(&s.a_author, bytes).await;
    res.assert_status(StatusCode::CREATED);
    let body = res.json();
    assert_eq!(body["modules"][0]["title"], "Week 1: Medicatie", "{body}");
    let m = s
        .a_author
        .module(body["modules"][0]["id"].as_str().unwrap())
        .await;
    let blocks = m.doc["blocks"].as_array().unwrap();
    let kinds: Vec<&str> = blocks.iter().map(|b| b["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["text", "image", "text", "quiz"], "{blocks:?}");
    assert_eq!(
        blocks[0]["markdown"],
        "Controleer *altijd* de [kennisbank](https://www.kennisbank.nl/x)."
    );
    assert_eq!(blocks[1]["alt"], "Een pil");
    assert_eq!(blocks[2]["markdown"], "Tot slot niets.");
    assert_eq!(
        blocks[3]["questions"][0]["prompt"],
        "Wie controleert de medicatie?"
    );
    assert_eq!(blocks[3]["questions"][0]["options"][0]["correct"], true);
    let skipped: HashMap<String, String> = body["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["item"].as_str().unwrap().to_owned(),
                s["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut items: Vec<&str> = skipped.keys().map(String::as_str).collect();
    items.sort();
    assert_eq!(
        items,
        [
            "i-badlink",
            "i-forum",
            "i-gone",
            "i-lti",
            "i-odd",
            "i-quiz/essay"
        ],
        "{body}"
    );
    assert!(skipped["i-forum"].contains("discussie"));
    assert!(skipped["i-quiz/essay"].contains("cc.essay.v0p1"));
    assert!(skipped["i-lti"].contains("LTI"));
}

#[tokio::test]
async fn a_bad_cartridge_is_refused_by_what_was_wrong_and_nothing_is_kept() {
    let s = two_members().await;
    let counts = || async {
        (
            s.app.count("content.modules").await,
            s.app.count("content.media").await,
        )
    };
    let before = counts().await;
    let page: &[u8] = b"<p>Tekst</p>";
    let with_a_page = |manifest: &str| {
        zip_of(&[
            ("imsmanifest.xml", manifest.as_bytes()),
            ("pages/uitleg.html", page),
            ("pages/pil.png", PNG),
            ("quiz.xml", QUIZ_11.as_bytes()),
        ])
    };
    let zeros = vec![b'0'; 8 << 20];
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "not a zip",
            b"<html>geen zip</html>".to_vec(),
            "cartridge_not_zip",
        ),
        (
            "no manifest",
            zip_of(&[("pages/uitleg.html", page)]),
            "cartridge_manifest_missing",
        ),
        (
            "broken manifest",
            with_a_page("<manifest><organizations>"),
            "cartridge_manifest_broken",
        ),
        (
            "a SCORM package",
            with_a_page(
                r#"<manifest xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"><metadata><schema>ADL SCORM</schema></metadata></manifest>"#,
            ),
            "cartridge_not_cc",
        ),
        (
            "a zip bomb",
            zip_of(&[
                ("imsmanifest.xml", MANIFEST_11.as_bytes()),
                ("pages/uitleg.html", zeros.as_slice()),
            ]),
            "package_compression_ratio",
        ),
        (
            "a path out of the zip",
            zip_of(&[
                ("imsmanifest.xml", MANIFEST_11.as_bytes()),
                ("../../etc/x.html", page),
            ]),
            "package_path_parent",
        ),
    ];
    for (what, bytes, code) in cases {
        let res = import(&s.a_author, bytes).await;
        res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            (res.error_code().as_str(), res.error_field().as_str()),
            (code, "cartridge"),
            "{what}: {}",
            res.text()
        );
        assert!(!res.json()["error"]["message"].as_str().unwrap().is_empty());
    }
    let res = s
        .a_author
        .post("/api/v1/content/cartridges")
        .json(&json!({"cartridge": "nee"}))
        .send()
        .await;
    res.assert_status(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        counts().await,
        before,
        "nothing of a refused cartridge is kept"
    );
}
