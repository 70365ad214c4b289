//! Long quizzes page by page, with every page's answers saved on the server: a learner on a
//! phone answers two questions, goes on, and loses nothing when the connection drops, the
//! battery dies or they continue on another device. Handing the quiz in scores the saved
//! answers as one attempt (`learning::attempt`, which deletes them in its transaction).
//!
//! Saving goes through a batching writer (`batching::Queue`, like the progress writer): on an
//! exam morning thousands of learners save a page at about the same moment, and one transaction
//! (one WAL flush) then keeps the answers of many. Per member in the batch: set the tenant, read
//! its enrolments in one statement, check every page in memory against the version the learner
//! follows (the module comes from the cache), and write all answers in one statement.

use super::{
    batching::{self, Queue},
    learning::{self, Answers, AttemptInput},
};
use crate::repo::learning as repo;
use sqlx::types::Json;
use std::collections::HashMap;
use tokio::sync::oneshot;
use uuid::Uuid;
use zk_content::domain::{
    catalog::{self, PublishedModule},
    module::{self, BlockBody, Question},
};
use zk_kernel::{AppError, AppResult, Platform, TenantId};

/// Questions per page.
pub const PER_PAGE: usize = 2;
/// From this many questions on, the module page sends the learner to the quiz's pages instead
/// of showing one form.
pub const PAGED_FROM: usize = 8;

/// Whether a quiz of `questions` questions is answered page by page.
pub fn is_paged(questions: usize) -> bool {
    questions >= PAGED_FROM
}

/// The number of pages of a quiz of `questions` questions (at least one).
pub fn pages(questions: usize) -> usize {
    questions.div_ceil(PER_PAGE).max(1)
}

/// One page of a quiz as the learner sees it.
#[derive(Debug)]
pub struct QuizPage {
    pub module: PublishedModule,
    pub enrolment: Uuid,
    pub block: Uuid,
    /// 1-based.
    pub page: usize,
    pub pages: usize,
    /// The number of the page's first question (1-based).
    pub first_number: usize,
    /// The page's questions, in the learner's order (shuffled per attempt when the module
    /// shuffles), without which options are right.
    pub questions: Vec<Question>,
    /// Every answer saved so far in this quiz (all pages), still valid for the version shown.
    pub saved: Answers,
    /// Questions of the whole quiz.
    pub total: usize,
    /// The quiz is passed already.
    pub done: bool,
    /// The enrolment's quiz attempts so far (the hand-in form sends it back: `hand_in`'s `seen`).
    pub attempts: i64,
}

impl QuizPage {
    /// Questions with at least one option saved.
    pub fn answered(&self) -> usize {
        self.saved.values().filter(|o| !o.is_empty()).count()
    }
}

/// The caller's enrolment's quiz `block`, page `page` (1-based; 404 outside the quiz): one
/// query (the enrolment with the saved answers); the module comes from the cache.
pub async fn page(
    p: &Platform,
    tenant: TenantId,
    user: Uuid,
    enrolment: Uuid,
    block: Uuid,
    page: usize,
) -> AppResult<QuizPage> {
    let (e, saved, module) = sitting(p, tenant, user, enrolment, block).await?;
    let mut questions = quiz_of(&module, block)?.to_vec();
    if module.doc.shuffle {
        let seed = module::shuffle_seed(e.id, block, e.attempts);
        module::shuffled(&mut questions, |q| q.id, &seed);
        for q in &mut questions {
            module::shuffled(&mut q.options, |o| o.id, &seed);
        }
    }
    let total = questions.len();
    let pages = pages(total);
    if page == 0 || page > pages {
        return Err(AppError::not_found());
    }
    let saved = still_valid(&questions, saved);
    let start = (page - 1) * PER_PAGE;
    let on_page = questions
        .into_iter()
        .skip(start)
        .take(PER_PAGE)
        .collect::<Vec<_>>();
    Ok(QuizPage {
        done: e.done.contains(&block),
        attempts: e.attempts,
        module,
        enrolment: e.id,
        block,
        page,
        pages,
        first_number: start + 1,
        questions: on_page,
        saved,
        total,
    })
}

/// What is saved so far in a quiz of the caller's enrolment (the API's view of the pages).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SavedAnswers {
    /// Per question id, the options chosen (empty: saved without an answer).
    #[schema(value_type = Object)]
    pub answers: Answers,
    /// Questions with at least one option chosen.
    pub answered: usize,
    /// Questions of the quiz.
    pub questions: usize,
    /// Pages of the quiz ([`PER_PAGE`] questions each).
    pub pages: usize,
}

/// Answers to save in a quiz, by question (any questions of it, on any page).
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveAnswersInput {
    /// Per question id, the chosen option ids (an empty list clears the question).
    #[schema(value_type = Object)]
    pub answers: Answers,
}

/// The answers saved in the caller's enrolment's quiz `block`, still valid for the version it
/// follows (404: not the caller's enrolment, or no quiz of it).
pub async fn saved(
    p: &Platform,
    tenant: TenantId,
    user: Uuid,
    enrolment: Uuid,
    block: Uuid,
) -> AppResult<SavedAnswers> {
    let (_, saved, module) = sitting(p, tenant, user, enrolment, block).await?;
    let questions = quiz_of(&module, block)?;
    let answers = still_valid(questions, saved);
    Ok(SavedAnswers {
        answered: answers.values().filter(|o| !o.is_empty()).count(),
        questions: questions.len(),
        pages: pages(questions.len()),
        answers,
    })
}

/// The caller's enrolment `enrolment` (404 for anyone else's), the answers saved in its quiz
/// `block`, and the module version it follows: one query, the module from the cache.
async fn sitting(
    p: &Platform,
    tenant: TenantId,
    user: Uuid,
    enrolment: Uuid,
    block: Uuid,
) -> AppResult<(repo::EnrolmentRow, Answers, PublishedModule)> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let (e, saved) = repo::enrolment_with_saved(&mut tx, tenant, enrolment, user, block)
        .await?
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    let module = catalog::published_at(p, tenant, e.module_id, e.version, false).await?;
    Ok((e, saved, module))
}

/// The questions of the quiz `block` of a shown module (404 when it is no quiz of it).
fn quiz_of(module: &PublishedModule, block: Uuid) -> AppResult<&[Question]> {
    match module
        .blocks
        .iter()
        .find(|b| b.block.id == Some(block))
        .map(|b| &b.block.body)
    {
        Some(BlockBody::Quiz { questions, .. }) => Ok(questions),
        _ => Err(AppError::not_found()),
    }
}

/// Saved answers that still fit the quiz (a new version may have dropped a question or an
/// option): the others are left out, never an error for the learner.
fn still_valid(questions: &[Question], saved: Answers) -> Answers {
    saved
        .into_iter()
        .filter_map(|(qid, chosen)| {
            let q = questions.iter().find(|q| q.id == Some(qid))?;
            let kept: Vec<Uuid> = chosen
                .into_iter()
                .filter(|o| q.options.iter().any(|opt| opt.id == Some(*o)))
                .collect();
            Some((qid, kept))
        })
        .collect()
}

/// One saved answer's row: (enrolment, quiz block, question).
type AnswerKey = (Uuid, Uuid, Uuid);

/// One page's answers of one learner.
struct Job {
    tenant: TenantId,
    user: Uuid,
    enrolment: Uuid,
    block: Uuid,
    answers: Answers,
    reply: oneshot::Sender<AppResult<()>>,
}

/// Saves waiting for their transaction (for `/metrics`; 0 before the first save).
pub fn waiting(p: &Platform) -> usize {
    p.extensions.get::<Queue<Job>>().map_or(0, |q| q.len())
}

fn queue(p: &Platform) -> std::sync::Arc<Queue<Job>> {
    p.extensions.get_or_init(|| {
        let p = p.clone();
        Queue::start("quiz answer writer", move |jobs| {
            let p = p.clone();
            async move { run_batch(&p, jobs).await }
        })
    })
}

/// Saves answers of the caller's enrolment's quiz `block` (a question with no option chosen is
/// kept as answered with nothing, so unticking on a page sticks); answers after the commit.
/// Answers naming a question or option the quiz doesn't have are refused by field, and nothing
/// of the page is kept.
pub async fn save(
    p: &Platform,
    tenant: TenantId,
    user: Uuid,
    enrolment: Uuid,
    block: Uuid,
    answers: Answers,
) -> AppResult<()> {
    if answers.is_empty() {
        return Ok(());
    }
    queue(p)
        .ask(|reply| Job {
            tenant,
            user,
            enrolment,
            block,
            answers,
            reply,
        })
        .await
}

/// How a hand-in ended: the attempt to show (on the module page).
#[derive(Debug)]
pub struct HandedIn {
    pub module_id: Uuid,
    /// The attempt's number at this quiz.
    pub number: i32,
}

/// Hands the quiz in: saves the last page's answers, then scores everything saved as one
/// attempt (the usual retry rules apply) and clears the saved answers with it.
///
/// `seen` is the enrolment's number of attempts when the page was shown: when it has grown
/// since, this page was handed in already (a double tap, a reload of the form), and the answer
/// is that attempt, not a second one made of whatever is left.
pub async fn hand_in(
    p: &Platform,
    tenant: TenantId,
    user: Uuid,
    enrolment: Uuid,
    block: Uuid,
    last: Answers,
    seen: Option<i64>,
) -> AppResult<HandedIn> {
    let (e, mut saved, module) = sitting(p, tenant, user, enrolment, block).await?;
    if seen.is_some_and(|seen| e.attempts > seen) {
        let mut tx = p.db.begin_tenant(tenant).await?;
        let number = repo::last_attempt_number(&mut tx, tenant, enrolment, block).await?;
        tx.commit().await?;
        if let Some(number) = number {
            return Ok(HandedIn {
                module_id: e.module_id,
                number,
            });
        }
    }
    saved.extend(last.iter().map(|(q, o)| (*q, o.clone())));
    save(p, tenant, user, enrolment, block, last).await?;
    let answers = still_valid(quiz_of(&module, block)?, saved)
        .into_iter()
        .filter(|(_, o)| !o.is_empty())
        .collect();
    let input = AttemptInput {
        block_id: block,
        answers,
    };
    let r = learning::attempt(p, tenant, user, enrolment, &input).await?;
    Ok(HandedIn {
        module_id: r.module_id,
        number: r.number,
    })
}

async fn run_batch(p: &Platform, mut jobs: Vec<Job>) {
    jobs.sort_by_key(|j| (j.tenant.0, j.enrolment));
    match try_batch(p, &jobs).await {
        Ok(results) => {
            for (job, result) in jobs.into_iter().zip(results) {
                let _ = job.reply.send(result);
            }
        }
        Err(e) => {
            tracing::warn!(
                error.code = e.code,
                jobs = jobs.len(),
                "quiz answer batch failed; one by one"
            );
            for job in jobs {
                let result = match try_batch(p, std::slice::from_ref(&job)).await {
                    Ok(mut r) => r.pop().unwrap_or_else(|| Err(AppError::not_found())),
                    Err(e) => Err(e),
                };
                let _ = job.reply.send(result);
            }
        }
    }
}

/// All jobs in one transaction; `Err` when the transaction itself failed. Round trips: BEGIN,
/// COMMIT, and per member three (tenant, enrolments, answers), plus one per module version not
/// in the cache.
async fn try_batch(p: &Platform, jobs: &[Job]) -> AppResult<Vec<AppResult<()>>> {
    let mut tx = p.db.app.begin().await?;
    let mut results = Vec::with_capacity(jobs.len());
    for run in batching::member_runs(jobs, |j| j.tenant) {
        let group = &jobs[run];
        let tenant = group[0].tenant;
        zk_kernel::db::set_tenant(&mut tx, tenant).await?;
        let mut ids: Vec<Uuid> = group.iter().map(|j| j.enrolment).collect();
        ids.dedup();
        let rows: HashMap<Uuid, repo::EnrolmentRow> =
            repo::enrolments_by_ids(&mut tx, tenant, &ids)
                .await?
                .into_iter()
                .map(|r| (r.id, r))
                .collect();
        // The answers accepted, one per question: a page saved twice in one batch (a double
        // tap, two devices) keeps the later save, as two transactions would; one upsert can't
        // touch a row twice.
        let mut accepted: Vec<(AnswerKey, &[Uuid])> = Vec::new();
        for job in group {
            let Some(e) = rows.get(&job.enrolment).filter(|e| e.user_id == job.user) else {
                results.push(Err(AppError::not_found()));
                continue;
            };
            let shown =
                catalog::published_at_on(p, &mut tx, tenant, e.module_id, e.version, false).await?;
            let checked = quiz_of(&shown, job.block).and_then(|qs| {
                let pass_mark = 0;
                learning::score(qs, pass_mark, &job.answers)
            });
            match checked {
                Ok(_) => {
                    accepted.extend(
                        job.answers
                            .iter()
                            .map(|(q, o)| ((job.enrolment, job.block, *q), o.as_slice())),
                    );
                    results.push(Ok(()));
                }
                Err(err) if err.status.is_client_error() => results.push(Err(err)),
                Err(err) => return Err(err),
            }
        }
        let (mut e_ids, mut blocks, mut questions, mut options) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for ((e, b, q), o) in last_per_question(accepted) {
            e_ids.push(e);
            blocks.push(b);
            questions.push(q);
            options.push(Json(o.to_vec()));
        }
        repo::save_answers_many(&mut tx, tenant, &e_ids, &blocks, &questions, &options).await?;
    }
    tx.commit().await?;
    Ok(results)
}

/// The last answer per (enrolment, quiz, question), in the order they arrived.
fn last_per_question<K: Copy + Eq + std::hash::Hash, V>(answers: Vec<(K, V)>) -> Vec<(K, V)> {
    let mut at: HashMap<K, usize> = HashMap::with_capacity(answers.len());
    let mut kept: Vec<(K, V)> = Vec::with_capacity(answers.len());
    for (key, value) in answers {
        match at.get(&key) {
            Some(&i) => kept[i].1 = value,
            None => {
                at.insert(key, kept.len());
                kept.push((key, value));
            }
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use zk_content::domain::module::QuizOption;

    #[test]
    fn long_quizzes_go_by_pages_of_two() {
        assert!(!is_paged(7));
        assert!(is_paged(8));
        assert_eq!(pages(16), 8);
        assert_eq!(pages(5), 3);
        assert_eq!(pages(0), 1);
    }

    #[test]
    fn a_question_saved_twice_in_one_batch_keeps_the_later_answer() {
        let kept = last_per_question(vec![(1, "a"), (2, "b"), (1, "c"), (3, "d"), (2, "e")]);
        assert_eq!(kept, vec![(1, "c"), (2, "e"), (3, "d")]);
    }

    #[test]
    fn saved_answers_that_no_longer_fit_are_left_out() {
        let (q1, o1, o2, gone) = (
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
        );
        let option = |id| QuizOption {
            id: Some(id),
            text: "x".into(),
            correct: false,
            feedback: String::new(),
        };
        let questions = vec![Question {
            id: Some(q1),
            prompt: "?".into(),
            multiple: true,
            options: vec![option(o1), option(o2)],
        }];
        let saved = Answers::from([(q1, vec![o1, gone]), (Uuid::new_v4(), vec![o2])]);
        assert_eq!(
            still_valid(&questions, saved),
            Answers::from([(q1, vec![o1])])
        );
    }
}
