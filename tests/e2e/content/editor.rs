//! The module editor's pages: an author builds, orders, edits, previews and publishes a module
//! with forms; bad input shows its message and changes nothing; another member's author can't
//! open it.

use super::{catalogue, titles};
use crate::support::*;

#[tokio::test]
async fn authors_build_a_module_with_forms_and_bad_input_changes_nothing() {
    let s = two_members().await;
    let (app, author) = (&s.app, &s.a_author);
    let session = author.login().await;
    s.a_learner
        .login()
        .await
        .get("/leren/auteur")
        .expect(StatusCode::FORBIDDEN)
        .await;
    let form = |path: &str, fields: &[(&str, &str)]| session.post(path).form(fields);
    let draft_of = |id: &str| {
        let (author, id) = (author.clone(), id.to_owned());
        async move { author.module(&id).await.doc }
    };

    // A title is needed; the form says so and nothing is made.
    let res = form("/leren/auteur", &[("title", ""), ("minutes", "20")])
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(res.text().contains("Geef een titel"), "{}", res.text());
    assert_eq!(app.count("content.modules").await, 0);
    let res = form(
        "/leren/auteur",
        &[("title", "Valpreventie thuis"), ("minutes", "20")],
    )
    .expect(StatusCode::SEE_OTHER)
    .await;
    let editor = res.location().unwrap();
    let id = editor.trim_start_matches("/leren/auteur/").to_owned();

    for fields in [
        vec![("type", "text"), ("markdown", "Ruim **losse kleden** op.")],
        vec![
            ("type", "link"),
            ("url", "https://www.veiligheid.nl/valpreventie"),
            ("label", "VeiligheidNL"),
        ],
        vec![
            ("type", "quiz"),
            ("prompt", "Wat helpt?"),
            ("option1", "Goed licht"),
            ("option2", "Losse kleden"),
            ("correct", "1"),
            ("pass_mark", "100"),
        ],
    ] {
        let res = form(&format!("{editor}/blokken"), &fields)
            .expect(StatusCode::SEE_OTHER)
            .await;
        assert_eq!(res.location().unwrap(), format!("{editor}?opgeslagen=1"));
    }
    let draft = draft_of(&id).await;
    let blocks = draft["blocks"].as_array().unwrap().clone();
    assert_eq!(
        blocks
            .iter()
            .map(|b| b["type"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec!["text", "link", "quiz"]
    );

    // Bad blocks: the editor shows the message, the draft is unchanged.
    for (fields, message) in [
        (
            vec![
                ("type", "quiz"),
                ("prompt", "Wat?"),
                ("option1", "a"),
                ("option2", "b"),
                ("pass_mark", "50"),
            ],
            "Markeer minstens één goed antwoord",
        ),
        (
            vec![("type", "text"), ("markdown", "<script>alert(1)</script>")],
            "HTML is niet toegestaan",
        ),
        (
            vec![("type", "image"), ("media", ""), ("alt", "Een trap")],
            "Kies een bestand",
        ),
    ] {
        let res = form(&format!("{editor}/blokken"), &fields)
            .expect(StatusCode::UNPROCESSABLE_ENTITY)
            .await;
        assert!(res.text().contains(message), "{message}: {}", res.text());
    }
    assert_eq!(draft_of(&id).await, draft);

    // Move the quiz up, remove the link, edit the text, set the details.
    let quiz = blocks[2]["id"].as_str().unwrap();
    let link = blocks[1]["id"].as_str().unwrap();
    let text = blocks[0]["id"].as_str().unwrap();
    for (path, fields) in [
        (format!("{editor}/blokken/{quiz}/omhoog"), vec![]),
        (format!("{editor}/blokken/{link}/verwijderen"), vec![]),
        (
            format!("{editor}/blokken/{text}/bewerken"),
            vec![("markdown", "Ruim losse kleden en snoeren op.")],
        ),
        (
            format!("{editor}/gegevens"),
            vec![
                ("title", "Valpreventie thuis"),
                ("summary", "Vallen voorkomen bij cliënten thuis."),
                ("mbo_level", "2"),
                ("minutes", "25"),
                ("tags", "valpreventie, veiligheid"),
                ("language", "nl"),
            ],
        ),
    ] {
        form(&path, &fields).expect(StatusCode::SEE_OTHER).await;
    }
    // Someone else's block id: not found, nothing changes.
    form(
        &format!("{editor}/blokken/{}/verwijderen", uuid::Uuid::new_v4()),
        &[],
    )
    .expect(StatusCode::NOT_FOUND)
    .await;
    let d = draft_of(&id).await;
    assert_eq!(
        d["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec![text, quiz]
    );
    assert_eq!(
        (d["mbo_level"].as_i64(), d["minutes"].as_i64()),
        (Some(2), Some(25))
    );
    assert_eq!(d["tags"], json!(["valpreventie", "veiligheid"]));
    assert_eq!(
        d["blocks"][0]["markdown"],
        "Ruim losse kleden en snoeren op."
    );

    // Dragging sends the whole order; it must name every block once.
    let order = format!("{editor}/volgorde");
    form(&order, &[("order", quiz), ("order", text)])
        .expect(StatusCode::SEE_OTHER)
        .await;
    let res = form(&order, &[("order", quiz)])
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(res.text().contains("precies één keer"));
    let now = draft_of(&id).await;
    assert_eq!(now["blocks"][0]["id"].as_str(), Some(quiz));
    // Blocks are edited in place and keep their id (a quiz's questions and answers too; the
    // empty question at the end adds one); a bad change is refused, nothing saved.
    let question_id = now["blocks"][0]["questions"][0]["id"].clone();
    let html = session.get(&editor).send().await.text();
    assert!(
        html.contains("name=\"q1_prompt\"") && html.contains("name=\"q2_prompt\""),
        "every question and one new one in the form"
    );
    form(
        &format!("{editor}/blokken/{quiz}/bewerken"),
        &[
            ("q1_prompt", "Wat helpt het meest?"),
            ("q1_option1", "Goed licht"),
            ("q1_option2", "Losse kleden"),
            ("q1_option3", "Een leuning"),
            ("q1_correct", "1"),
            ("q1_correct", "3"),
            ("q1_multiple", "1"),
            ("q1_feedback2", "Nee: daar struikelt u over."),
            ("q2_prompt", "Wie controleert de leuning?"),
            ("q2_option1", "De huismeester"),
            ("q2_option2", "Niemand"),
            ("q2_correct", "1"),
            ("pass_mark", "80"),
        ],
    )
    .expect(StatusCode::SEE_OTHER)
    .await;
    let edited = draft_of(&id).await;
    let q = &edited["blocks"][0];
    assert_eq!(
        (q["id"].as_str(), q["pass_mark"].as_i64()),
        (Some(quiz), Some(80))
    );
    assert_eq!(q["questions"][0]["prompt"], "Wat helpt het meest?");
    assert_eq!(q["questions"][0]["id"], question_id);
    assert_eq!(q["questions"][0]["options"].as_array().unwrap().len(), 3);
    assert_eq!(
        q["questions"][0]["options"][1]["feedback"],
        "Nee: daar struikelt u over."
    );
    assert_eq!(q["questions"][1]["prompt"], "Wie controleert de leuning?");
    assert!(
        q["questions"][1]["id"].is_string(),
        "the new question got an id"
    );
    let res = form(
        &format!("{editor}/blokken/{quiz}/bewerken"),
        &[
            ("q1_prompt", "Wat?"),
            ("q1_option1", "a"),
            ("q1_option2", "b"),
            ("pass_mark", "80"),
        ],
    )
    .expect(StatusCode::UNPROCESSABLE_ENTITY)
    .await;
    assert!(res.text().contains("Markeer minstens één goed antwoord"));
    assert_eq!(draft_of(&id).await, edited);
    // The preview shows the draft as a learner will see it: no answers marked.
    let html = session
        .get(&format!("{editor}/voorbeeld"))
        .send()
        .await
        .text();
    assert!(
        html.contains("Voorbeeld van het concept")
            && html.contains("Goed licht")
            && !html.contains("(goed)"),
        "{html}"
    );
    // Publishing needs a change note; then the catalogue has it.
    form(&format!("{editor}/publiceren"), &[("change_note", "")])
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(app.count("content.module_versions").await, 0);
    let res = form(
        &format!("{editor}/publiceren"),
        &[("change_note", "Eerste versie")],
    )
    .send()
    .await;
    assert_eq!(res.location().unwrap(), format!("{editor}?gepubliceerd=1"));
    let page = session
        .get(&format!("{editor}?gepubliceerd=1"))
        .send()
        .await
        .text();
    assert!(page.contains("Versie 1 is gepubliceerd."), "{page}");
    // Words an author who is no Markdown or exam expert needs, next to the fields.
    assert!(
        page.contains("De cesuur is hoeveel procent van de vragen iemand goed moet hebben"),
        "the pass mark explained: {page}"
    );
    let licence = page
        .split("data-testid=\"licence-hint\"")
        .nth(1)
        .expect("the licences explained");
    assert!(
        licence.contains("als ze uw organisatie als maker noemen")
            && licence.contains("onder dezelfde licentie delen"),
        "{licence}"
    );
    assert!(
        page.contains("data-md-for=\"nieuw-tekst\"") && page.contains("data-md-preview"),
        "the Markdown toolbar and preview: {page}"
    );
    assert_eq!(
        titles(&catalogue(&s.a_learner, "?q=valpreventie").await),
        vec!["Valpreventie thuis"]
    );
    // B's author can't open A's editor.
    let b_session = s.b_author.login().await;
    b_session
        .get(&format!("/leren/auteur/{id}"))
        .expect(StatusCode::NOT_FOUND)
        .await;
    b_session
        .post(&format!("/leren/auteur/{id}/publiceren"))
        .form(&[("change_note", "x")])
        .expect(StatusCode::NOT_FOUND)
        .await;
}
