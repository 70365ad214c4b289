//! Menus by role (issue 22, part 6): every page shows a role the same menu, with what that role
//! can use and nothing else, and every link in it answers.

use crate::support::*;

/// The links of the page's main menu, without which one is the current page.
fn menu(html: &str) -> Vec<String> {
    let nav = html
        .split("<nav class=\"site-nav\"")
        .nth(1)
        .and_then(|rest| rest.split("</nav>").next())
        .expect("the main menu");
    nav.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| !href.starts_with("/taal/"))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn every_role_sees_its_own_menu_on_every_page_and_every_link_answers() {
    let app = app().await;
    let m = app.member("menu").await;
    let learner_only = ["/", "/leren", "/leren/paspoort", "/mijn-account"];
    // (role, the mailbox of its user `…@menu.test`, the menu expected)
    let cases: [(Role, &str, Vec<&str>); 5] = [
        (Role::Learner, "leerling", learner_only.to_vec()),
        (
            Role::Teacher,
            "docent",
            vec![
                "/",
                "/leren",
                "/leren/paspoort",
                "/leren/groepen",
                "/mijn-account",
            ],
        ),
        (
            Role::Author,
            "auteur",
            vec![
                "/",
                "/leren",
                "/leren/paspoort",
                "/leren/auteur",
                "/mijn-account",
            ],
        ),
        (
            Role::Reviewer,
            "beoordelaar",
            vec![
                "/",
                "/leren",
                "/leren/paspoort",
                "/leren/inzendingen",
                "/mijn-account",
            ],
        ),
        (
            Role::Admin,
            "beheer",
            vec![
                "/",
                "/leren",
                "/leren/paspoort",
                "/leren/groepen",
                "/leren/auteur",
                "/beheer",
                "/leren/overzicht",
                "/leren/beheer",
                "/beheer/import",
                "/beheer/huisstijl",
                "/beheer/lms",
                "/abonnement",
                "/mijn-account",
            ],
        ),
    ];
    for (role, mailbox, expected) in cases {
        let session = m
            .user(&format!("{mailbox}@menu.test"), role)
            .await
            .login()
            .await;
        let mut first: Option<Vec<String>> = None;
        for page in &expected {
            let res = session.get(page).send().await;
            assert_eq!(res.status, StatusCode::OK, "{role:?} {page}");
            let links = menu(&res.text());
            match &first {
                None => first = Some(links),
                Some(f) => assert_eq!(&links, f, "{role:?}: the menu on {page}"),
            }
        }
        let links = first.unwrap();
        assert_eq!(links, expected, "{role:?}'s menu");
        if role == Role::Learner {
            let catalogue = session.page("/leren").await;
            assert!(
                !catalogue.contains("/leren/voorstellen")
                    && !catalogue.contains("/leren/inzendingen"),
                "learners see no proposals or submissions"
            );
        }
    }
}
