//! The learning service's domain: enrolments and progress (`learning`, with the batching
//! `progress_writer`), groups, learning-path enrolments, proofs, the passport, the overviews,
//! reminders, and the staff import (`staff_csv` reads HR's file, `staff_import` checks and
//! applies it, `staff_names` warns of names mangled by an encoding mistake, `import_example` names
//! a real module in the page's example, `import_turns` keeps one file per member at a time), and
//! for e-learning packages `scorm_data` (the SCORM run-time data model a package's SCO commits,
//! checked and interpreted), `cmi5` (the rules for the statements a cmi5 package's units send),
//! `package_play` (a package played on the member's package host and tracked) and
//! `package_commits` (the players' commits, batched like the progress writer's); `quiz_pages`
//! (long quizzes page by page, every page's answers saved through a batching writer); `queue_gauges`
//! shows the depths of its queues on `/metrics`.

pub mod batching;
pub mod cmi5;
pub mod cmi5_play;
pub mod enrol_preview;
pub mod group;
pub mod import_example;
pub mod import_turns;
pub mod learning;
pub mod mail_wake;
pub mod overview;
pub mod package_commits;
pub mod package_play;
pub mod passport;
pub mod path_enrolment;
pub mod people;
pub mod progress_writer;
pub mod proof;
pub mod queue_gauges;
pub mod quiz_pages;
pub mod record;
pub mod reminders;
pub mod scorm_data;
pub mod staff_csv;
pub mod staff_import;
pub mod staff_names;
