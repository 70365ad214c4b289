//! People learning, through the learning API: staff enrol learners and make groups; learners
//! mark blocks done, answer quizzes and complete modules.

use super::{
    module::Module,
    user::{Requests, User},
};
use crate::http::TestResponse;
use http::StatusCode;
use serde_json::{json, Value};

/// A learner's enrolment in a module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enrolment {
    /// The enrolment's id.
    pub id: String,
}

impl User {
    /// Enrols `learner` in the module `module` (the user being an admin or a teacher).
    pub async fn enrol(&self, learner: &User, module: &str) -> Enrolment {
        self.enrol_with(learner, module, json!({})).await
    }

    /// Enrols `learner` in `module` with a deadline (`yyyy-mm-dd`).
    pub async fn enrol_until(&self, learner: &User, module: &str, deadline: &str) -> Enrolment {
        self.enrol_with(learner, module, json!({"deadline": deadline}))
            .await
    }

    async fn enrol_with(&self, learner: &User, module: &str, mut body: Value) -> Enrolment {
        body["user_id"] = json!(learner.id);
        body["module_id"] = json!(module);
        let id = self
            .post("/api/v1/learning/enrolments")
            .json(&body)
            .expect(StatusCode::CREATED)
            .await
            .id();
        Enrolment { id }
    }

    /// Makes a group named `name` with `members`, each as `"teacher"` or `"learner"` (the user
    /// being an admin); returns its id.
    pub async fn make_group(&self, name: &str, members: &[(&User, &str)]) -> String {
        let group = self
            .post("/api/v1/learning/groups")
            .json(&json!({"name": name}))
            .expect(StatusCode::CREATED)
            .await
            .id();
        for (member, role) in members {
            self.put(&format!(
                "/api/v1/learning/groups/{group}/members/{}",
                member.id
            ))
            .json(&json!({"role": role}))
            .expect(StatusCode::NO_CONTENT)
            .await;
        }
        group
    }

    /// Marks `block` of the enrolment done (the user being its learner); returns the progress.
    pub async fn mark_done(&self, enrolment: &Enrolment, block: &str) -> Value {
        self.post(&format!(
            "/api/v1/learning/enrolments/{}/blocks/{block}/done",
            enrolment.id
        ))
        .expect(StatusCode::OK)
        .await
        .json()
    }

    /// Answers the quiz `block` of the enrolment with `answers` (per question id, the chosen
    /// option ids), whatever the outcome.
    pub async fn answer(&self, enrolment: &Enrolment, block: &str, answers: Value) -> TestResponse {
        self.post(&format!(
            "/api/v1/learning/enrolments/{}/attempts",
            enrolment.id
        ))
        .json(&json!({"block_id": block, "answers": answers}))
        .send()
        .await
    }

    /// Passes the quiz at block `block` of `module` with its right answers; returns the result.
    pub async fn pass_quiz(&self, enrolment: &Enrolment, module: &Module, block: usize) -> Value {
        let res = self
            .answer(enrolment, &module.block(block), module.right_answers(block))
            .await;
        res.assert_status(StatusCode::CREATED);
        let result = res.json();
        assert_eq!(result["passed"], true, "{result}");
        result
    }

    /// Does every block of `module`: passes its quizzes and marks the rest done.
    pub async fn complete(&self, enrolment: &Enrolment, module: &Module) {
        let blocks = module.doc["blocks"].as_array().expect("blocks").len();
        for i in 0..blocks {
            if module.doc["blocks"][i]["type"] == "quiz" {
                self.pass_quiz(enrolment, module, i).await;
            } else {
                self.mark_done(enrolment, &module.block(i)).await;
            }
        }
    }

    /// The user's own enrolments with their progress (`items` of `/enrolments/mine`).
    pub async fn my_enrolments(&self) -> Value {
        self.get("/api/v1/learning/enrolments/mine")
            .expect(StatusCode::OK)
            .await
            .json()["items"]
            .clone()
    }
}
