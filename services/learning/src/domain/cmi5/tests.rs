use super::*;
use serde_json::json;

const REGISTRATION: &str = "760e3480-ba55-4991-94b0-01820dbd23a2";
const OTHER_REGISTRATION: &str = "11111111-2222-4333-8444-555555555555";
const AU: &str = "https://zorg.example.nl/pakket/42/au/1";
const HOME: &str = "https://zorg.example.nl";

fn session(move_on: MoveOn, mastery_score: Option<f64>, launch_mode: LaunchMode) -> Session {
    Session {
        registration: REGISTRATION.parse().expect("uuid"),
        session_id: "sessie-1".to_owned(),
        actor_home_page: HOME.to_owned(),
        actor_name: "lid-7".to_owned(),
        activity_id: AU.to_owned(),
        move_on,
        mastery_score,
        launch_mode,
        state: State::default(),
    }
}

fn normal() -> Session {
    session(MoveOn::CompletedAndPassed, Some(0.8), LaunchMode::Normal)
}

fn initialized(mut s: Session) -> Session {
    s.state.initialized = true;
    s
}

/// A cmi5 defined statement with `verb` about the AU, with what each verb needs.
fn defined(verb: &str) -> Value {
    let mut st = json!({
        "id": "0cacc365-ed8d-4735-8000-80c8e9273529",
        "actor": {"objectType": "Agent", "account": {"homePage": HOME, "name": "lid-7"}},
        "verb": {"id": verb},
        "object": {"objectType": "Activity", "id": AU},
        "context": {
            "registration": REGISTRATION,
            "contextActivities": {"category": [{"id": CATEGORY_CMI5}]},
            "extensions": {EXT_SESSION_ID: "sessie-1"}
        },
        "timestamp": "2026-12-07T13:00:00Z"
    });
    let result = match verb {
        COMPLETED => Some(json!({"completion": true, "duration": "PT4M"})),
        PASSED => Some(json!({"success": true, "duration": "PT4M", "score": {"scaled": 0.9}})),
        FAILED => Some(json!({"success": false, "duration": "PT4M", "score": {"scaled": 0.5}})),
        TERMINATED => Some(json!({"duration": "PT10M30S"})),
        _ => None,
    };
    if let Some(r) = result {
        st["result"] = r;
    }
    if matches!(verb, COMPLETED | PASSED | FAILED) {
        st["context"]["contextActivities"]["category"] =
            json!([{"id": CATEGORY_CMI5}, {"id": CATEGORY_MOVEON}]);
    }
    st
}

/// A cmi5 allowed statement: another verb, no cmi5 category.
fn allowed() -> Value {
    let mut st = defined("http://adlnet.gov/expapi/verbs/answered");
    st["object"]["id"] = json!(format!("{AU}/vraag-1"));
    st["context"]["contextActivities"] = json!({});
    st
}

fn code(session: &Session, st: &Value) -> &'static str {
    match check(session, st) {
        Err(e) => {
            assert!(e.status.is_client_error(), "{e:?}");
            e.code
        }
        Ok(effect) => panic!("accepted with {effect:?}"),
    }
}

/// Runs statements through a session, applying each effect.
fn run(mut s: Session, statements: &[Value]) -> Session {
    for st in statements {
        let effect = check(&s, st).unwrap_or_else(|e| panic!("{}: {e}", st["verb"]["id"]));
        s.state = s.state.after(effect);
    }
    s
}

#[test]
fn the_verbs_are_the_specs() {
    assert_eq!(VERBS.len(), 9);
    assert_eq!(INITIALIZED, "http://adlnet.gov/expapi/verbs/initialized");
    assert_eq!(ABANDONED, "https://w3id.org/xapi/adl/verbs/abandoned");
    assert_eq!(WAIVED, "https://w3id.org/xapi/adl/verbs/waived");
    assert_eq!(SATISFIED, "https://w3id.org/xapi/adl/verbs/satisfied");
    for v in [LAUNCHED, COMPLETED, PASSED, FAILED, TERMINATED] {
        assert!(v.starts_with("http://adlnet.gov/expapi/verbs/"), "{v}");
    }
}

#[test]
fn completed_then_passed_satisfies_completed_and_passed() {
    let s = normal();
    assert_eq!(
        check(&s, &defined(INITIALIZED)).ok(),
        Some(Effect::Initialized)
    );
    let s = run(s, &[defined(INITIALIZED), allowed(), defined(COMPLETED)]);
    assert!(!satisfied(MoveOn::CompletedAndPassed, &s.state));
    assert_eq!(
        check(&s, &defined(PASSED)).ok(),
        Some(Effect::Passed(Some(0.9)))
    );
    let s = run(s, &[defined(PASSED)]);
    assert!(satisfied(MoveOn::CompletedAndPassed, &s.state));
    assert_eq!(
        check(&s, &defined(TERMINATED)).ok(),
        Some(Effect::Terminated)
    );
    let s = run(s, &[defined(TERMINATED)]);
    assert!(s.state.terminated && satisfied(s.move_on, &s.state));
}

#[test]
fn a_score_equal_to_the_mastery_score_passes() {
    let s = initialized(normal());
    let mut st = defined(PASSED);
    st["result"]["score"]["scaled"] = json!(0.8);
    st["context"]["extensions"][EXT_MASTERY_SCORE] = json!(0.8);
    assert_eq!(check(&s, &st).ok(), Some(Effect::Passed(Some(0.8))));
    st["result"]
        .as_object_mut()
        .expect("result")
        .remove("score");
    assert_eq!(check(&s, &st).ok(), Some(Effect::Passed(None)));
}

#[test]
fn move_on_rules() {
    let none = State::default();
    let completed = State {
        completed: true,
        ..none
    };
    let passed = State {
        passed: true,
        ..none
    };
    let both = State {
        completed: true,
        passed: true,
        ..none
    };
    let cases = [
        (MoveOn::Passed, [false, false, true, true]),
        (MoveOn::Completed, [false, true, false, true]),
        (MoveOn::CompletedAndPassed, [false, false, false, true]),
        (MoveOn::CompletedOrPassed, [false, true, true, true]),
        (MoveOn::NotApplicable, [true, true, true, true]),
    ];
    for (move_on, want) in cases {
        let got = [none, completed, passed, both].map(|s| satisfied(move_on, &s));
        assert_eq!(got, want, "{move_on:?}");
    }
}

#[test]
fn completed_or_passed_with_only_completed() {
    let s = session(MoveOn::CompletedOrPassed, None, LaunchMode::Normal);
    let s = run(
        s,
        &[
            defined(INITIALIZED),
            defined(COMPLETED),
            defined(TERMINATED),
        ],
    );
    assert!(satisfied(s.move_on, &s.state));
}

#[test]
fn passed_needs_passed() {
    let s = session(MoveOn::Passed, Some(0.8), LaunchMode::Normal);
    let s = run(
        s,
        &[defined(INITIALIZED), defined(COMPLETED), defined(FAILED)],
    );
    assert!(!satisfied(s.move_on, &s.state));
    // A later session of the same registration may pass after a fail.
    let mut next = s.clone();
    next.state = State {
        completed: true,
        ..State::default()
    };
    let next = run(next, &[defined(INITIALIZED), defined(PASSED)]);
    assert!(satisfied(next.move_on, &next.state));
}

#[test]
fn another_launchs_actor_registration_or_session_is_refused() {
    let s = initialized(normal());
    let mut st = defined(COMPLETED);
    st["actor"]["account"]["name"] = json!("lid-8");
    assert_eq!(code(&s, &st), "cmi5_wrong_actor");
    let mut st = allowed();
    st["actor"] = json!({"mbox": "mailto:a@example.nl"});
    assert_eq!(code(&s, &st), "cmi5_wrong_actor");
    let mut st = allowed();
    st["actor"]["objectType"] = json!("Group");
    assert_eq!(code(&s, &st), "cmi5_wrong_actor");
    for registration in [json!(OTHER_REGISTRATION), json!("geen-uuid"), Value::Null] {
        let mut st = defined(COMPLETED);
        st["context"]["registration"] = registration;
        assert_eq!(code(&s, &st), "cmi5_wrong_registration");
    }
    let mut st = allowed();
    st["context"]["extensions"][EXT_SESSION_ID] = json!("sessie-2");
    assert_eq!(code(&s, &st), "cmi5_wrong_session");
    let e = check(&s, &st).expect_err("refused");
    assert_eq!(e.status, StatusCode::FORBIDDEN);
    // The registration compares as a UUID, whatever the case.
    let mut st = allowed();
    st["context"]["registration"] = json!(REGISTRATION.to_uppercase());
    assert_eq!(check(&s, &st).ok(), Some(Effect::None));
}

#[test]
fn initialized_comes_first_and_once() {
    let s = normal();
    for verb in [COMPLETED, PASSED, FAILED, TERMINATED] {
        assert_eq!(code(&s, &defined(verb)), "cmi5_not_initialized", "{verb}");
    }
    assert_eq!(code(&s, &allowed()), "cmi5_not_initialized");
    let s = initialized(s);
    assert_eq!(code(&s, &defined(INITIALIZED)), "cmi5_already_initialized");
}

#[test]
fn nothing_after_terminated_or_abandoned() {
    let s = run(normal(), &[defined(INITIALIZED), defined(TERMINATED)]);
    for st in [
        defined(INITIALIZED),
        defined(COMPLETED),
        defined(PASSED),
        defined(TERMINATED),
        allowed(),
    ] {
        assert_eq!(code(&s, &st), "cmi5_terminated");
    }
    let mut s = initialized(normal());
    s.state.abandoned = true;
    assert_eq!(code(&s, &allowed()), "cmi5_terminated");
}

#[test]
fn completed_once_per_registration() {
    let s = run(normal(), &[defined(INITIALIZED), defined(COMPLETED)]);
    assert_eq!(code(&s, &defined(COMPLETED)), "cmi5_already_completed");
}

#[test]
fn passed_or_failed_once_per_session_and_passed_once_per_registration() {
    let s = run(normal(), &[defined(INITIALIZED), defined(PASSED)]);
    assert_eq!(code(&s, &defined(PASSED)), "cmi5_already_passed");
    assert_eq!(code(&s, &defined(FAILED)), "cmi5_failed_after_passed");
    let s = run(normal(), &[defined(INITIALIZED), defined(FAILED)]);
    assert_eq!(code(&s, &defined(FAILED)), "cmi5_already_judged");
    assert_eq!(code(&s, &defined(PASSED)), "cmi5_already_judged");
    // A new session after a passed one still can't fail.
    let mut next = s.clone();
    next.state = State {
        passed: true,
        ..State::default()
    }
    .after(Effect::Initialized);
    assert_eq!(code(&next, &defined(FAILED)), "cmi5_failed_after_passed");
}

#[test]
fn the_score_must_agree_with_the_mastery_score() {
    let s = initialized(normal());
    let mut st = defined(PASSED);
    st["result"]["score"]["scaled"] = json!(0.79);
    assert_eq!(code(&s, &st), "cmi5_below_mastery");
    let mut st = defined(FAILED);
    st["result"]["score"]["scaled"] = json!(0.8);
    assert_eq!(code(&s, &st), "cmi5_above_mastery");
    let mut st = defined(PASSED);
    st["context"]["extensions"][EXT_MASTERY_SCORE] = json!(0.5);
    assert_eq!(code(&s, &st), "cmi5_wrong_mastery_score");
    for scaled in [json!(1.5), json!(-0.1), json!("0.9")] {
        let mut st = defined(PASSED);
        st["result"]["score"]["scaled"] = scaled;
        assert_eq!(code(&s, &st), "cmi5_invalid_score");
    }
    // Without a masteryScore any score goes.
    let free = initialized(session(MoveOn::Passed, None, LaunchMode::Normal));
    let mut st = defined(PASSED);
    st["result"]["score"]["scaled"] = json!(0.1);
    assert_eq!(check(&free, &st).ok(), Some(Effect::Passed(Some(0.1))));
}

#[test]
fn browse_and_review_only_initialize_and_terminate() {
    for mode in [LaunchMode::Browse, LaunchMode::Review] {
        let s = run(
            session(MoveOn::Completed, None, mode),
            &[defined(INITIALIZED), allowed()],
        );
        for verb in [COMPLETED, PASSED, FAILED] {
            assert_eq!(
                code(&s, &defined(verb)),
                "cmi5_not_normal_mode",
                "{mode:?} {verb}"
            );
        }
        let s = run(s, &[defined(TERMINATED)]);
        assert!(!satisfied(s.move_on, &s.state));
    }
}

#[test]
fn defined_statements_are_about_the_au() {
    let s = initialized(normal());
    let mut st = defined(COMPLETED);
    st["object"]["id"] = json!("https://zorg.example.nl/pakket/42/au/2");
    assert_eq!(code(&s, &st), "cmi5_wrong_activity");
}

#[test]
fn the_lms_verbs_are_the_lms() {
    let s = initialized(normal());
    for verb in LMS_VERBS {
        assert_eq!(code(&s, &defined(verb)), "cmi5_lms_verb", "{verb}");
    }
}

#[test]
fn the_cmi5_category_decides_defined_or_allowed() {
    let s = initialized(normal());
    // A cmi5 verb about the AU without the category is refused ...
    let mut st = defined(COMPLETED);
    st["context"]["contextActivities"]["category"] = json!([{"id": CATEGORY_MOVEON}]);
    assert_eq!(code(&s, &st), "cmi5_missing_category");
    // ... about a part of it, it is a cmi5 allowed statement (the spec's scenario 18).
    st["object"]["id"] = json!(format!("{AU}/instructie"));
    assert_eq!(check(&s, &st).ok(), Some(Effect::None));
    // Another verb must not carry the category.
    let mut st = allowed();
    st["context"]["contextActivities"]["category"] = json!({"id": CATEGORY_CMI5});
    assert_eq!(code(&s, &st), "cmi5_category_not_allowed");
    // A single category object counts like a list of one.
    let mut st = defined(TERMINATED);
    st["context"]["contextActivities"]["category"] = json!({"id": CATEGORY_CMI5});
    assert_eq!(check(&s, &st).ok(), Some(Effect::Terminated));
}

#[test]
fn the_result_follows_the_verb() {
    let s = initialized(normal());
    let cases: [(&str, &str, Value, &str); 9] = [
        (
            COMPLETED,
            "/result/completion",
            json!(false),
            "cmi5_invalid_completion",
        ),
        (
            COMPLETED,
            "/result/success",
            json!(true),
            "cmi5_invalid_success",
        ),
        (
            COMPLETED,
            "/result/score",
            json!({"scaled": 1.0}),
            "cmi5_result_not_allowed",
        ),
        (
            PASSED,
            "/result/success",
            json!(false),
            "cmi5_invalid_success",
        ),
        (
            PASSED,
            "/result/completion",
            json!(true),
            "cmi5_invalid_completion",
        ),
        (
            FAILED,
            "/result/success",
            json!(true),
            "cmi5_invalid_success",
        ),
        (
            TERMINATED,
            "/result/completion",
            json!(true),
            "cmi5_invalid_completion",
        ),
        (
            TERMINATED,
            "/result/duration",
            json!("10 minuten"),
            "cmi5_invalid_duration",
        ),
        (
            COMPLETED,
            "/result/duration",
            json!("PT"),
            "cmi5_invalid_duration",
        ),
    ];
    for (verb, pointer, value, want) in cases {
        let mut st = defined(verb);
        let key = pointer.trim_start_matches("/result/");
        st["result"][key] = value;
        assert_eq!(code(&s, &st), want, "{verb} {pointer}");
    }
    let mut st = defined(PASSED);
    st["result"]
        .as_object_mut()
        .expect("result")
        .remove("success");
    assert_eq!(code(&s, &st), "cmi5_invalid_success");
    let mut st = defined(COMPLETED);
    st["result"]
        .as_object_mut()
        .expect("result")
        .remove("completion");
    assert_eq!(code(&s, &st), "cmi5_invalid_completion");
}

#[test]
fn duration_is_required_where_the_spec_says() {
    let s = initialized(normal());
    for verb in [COMPLETED, PASSED, FAILED, TERMINATED] {
        let mut st = defined(verb);
        st["result"]
            .as_object_mut()
            .expect("result")
            .remove("duration");
        assert_eq!(code(&s, &st), "cmi5_missing_duration", "{verb}");
    }
    // Initialized may have one, or not.
    let fresh = normal();
    let mut st = defined(INITIALIZED);
    assert_eq!(check(&fresh, &st).ok(), Some(Effect::Initialized));
    st["result"] = json!({"duration": "PT0S"});
    assert_eq!(check(&fresh, &st).ok(), Some(Effect::Initialized));
    for d in ["PT4M30S", "P1DT2H", "PT0.5S", "P2W", "P1Y2M3DT4H5M6S"] {
        assert!(is_duration(d), "{d}");
    }
    for d in ["", "P", "PT", "P1", "4M", "PT4M30", "P1DT", "PTT1S", "P1X"] {
        assert!(!is_duration(d), "{d}");
    }
}

#[test]
fn the_moveon_category_goes_with_success_or_completion() {
    let s = initialized(normal());
    for verb in [COMPLETED, PASSED, FAILED] {
        let mut st = defined(verb);
        st["context"]["contextActivities"]["category"] = json!([{"id": CATEGORY_CMI5}]);
        assert_eq!(code(&s, &st), "cmi5_moveon_category", "{verb}");
    }
    let mut st = defined(TERMINATED);
    st["context"]["contextActivities"]["category"] =
        json!([{"id": CATEGORY_CMI5}, {"id": CATEGORY_MOVEON}]);
    assert_eq!(code(&s, &st), "cmi5_moveon_category");
}

#[test]
fn a_statement_without_a_verb_is_refused() {
    let s = initialized(normal());
    let mut st = allowed();
    st.as_object_mut().expect("statement").remove("verb");
    assert_eq!(code(&s, &st), "cmi5_invalid_statement");
    assert_eq!(code(&s, &json!([1, 2])), "cmi5_invalid_statement");
}

#[test]
fn every_refusal_has_a_dutch_message_and_a_field() {
    let s = initialized(normal());
    let e = check(&s, &defined(INITIALIZED)).expect_err("refused");
    assert_eq!(e.status, StatusCode::BAD_REQUEST);
    assert_eq!(e.field.as_deref(), Some("verb.id"));
    assert_eq!(e.message, "Deze sessie is al gestart ('initialized').");
}
