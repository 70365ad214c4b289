//! The learning service: enrolments (by staff, by groups and departments, by learners
//! themselves, in paths), progress and quizzes scored on the server, the module page a learner
//! works on, proofs, the passport with its reminders, overviews, and the staff import.

mod cmi5;
mod enrolments;
mod groups;
mod learner_day;
mod mails;
mod module_page;
mod overviews;
mod packages;
mod passport;
mod paths;
mod people;
mod proofs;
mod quiz_pages;
mod quizzes;
mod record;
mod staff_import;
