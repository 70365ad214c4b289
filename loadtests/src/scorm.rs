//! The `scorm` scenario: SCORM 1.2 commits of many learners, as the player's run-time sends them.
//!
//! Each virtual learner has its own play session (a token, from `--scorm-tokens`), one page load
//! (`session`) per `zk-load` run and an increasing `seq`. Request `n` is learner `n % L`'s commit
//! number `n / L + 1`: with many more learners than workers, one learner's commits are never in
//! flight together, as with one browser tab. Every commit carries the whole data model as the
//! sample SCO sets it (lesson status `incomplete`, a location, about 1,900 characters of suspend
//! data, the session time, exit `suspend`): about 2 KB of JSON, the typical size the issue names.
//! The status stays `incomplete`, so no commit completes the block: every commit takes the same
//! path (session, package, enrolment lock, attempt upsert, commit).

use crate::client::Generate;
use anyhow::{bail, Context};
use bytes::Bytes;
use http::Uri;
use serde_json::json;

/// The sample SCORM 1.2 package's SCO (`samples/scorm12/imsmanifest.xml`).
pub const DEFAULT_UNIT: &str = "veilig-tillen";
/// Characters of `cmi.suspend_data` per commit (SCORM 1.2 allows 4,096).
pub const SUSPEND_CHARS: usize = 1_900;

/// Commits of many learners, each on its own play session.
#[derive(Debug)]
pub struct Commits {
    /// `/speler/{token}/commit` per learner.
    paths: Vec<Uri>,
    unit: String,
    /// Prefix of the page-load ids: unique per `zk-load` run, so a second run against the same
    /// database opens new loads instead of sending "late" commits of old ones.
    load: String,
    /// Filler for the suspend data (JSON-safe characters only).
    filler: String,
}

impl Commits {
    /// Commits for these play-session tokens, of SCO `unit`; `load` names this run's page loads.
    pub fn new(tokens: &[String], unit: &str, load: &str) -> anyhow::Result<Self> {
        if tokens.is_empty() {
            bail!("no play-session tokens");
        }
        let paths = tokens
            .iter()
            .map(|t| {
                format!("/speler/{t}/commit")
                    .parse()
                    .with_context(|| format!("invalid token {t:?}"))
            })
            .collect::<anyhow::Result<Vec<Uri>>>()?;
        // What the sample SCO keeps: the pages seen and its answers, as JSON, padded to size.
        let filler = "tillen-met-hulpmiddel;rug-recht;knieen-gebogen;last-dicht-bij-het-lichaam;"
            .repeat(SUSPEND_CHARS / 70 + 1);
        Ok(Self {
            paths,
            unit: unit.to_owned(),
            load: load.to_owned(),
            filler,
        })
    }

    /// Learners.
    pub fn learners(&self) -> usize {
        self.paths.len()
    }

    /// The body of learner `learner`'s commit number `seq`.
    pub fn body(&self, learner: usize, seq: u64) -> Vec<u8> {
        let page = seq % 3 + 1;
        let head = format!("{{\"pagina\":{page},\"commit\":{seq},\"notities\":\"");
        let tail = "\"}";
        let room = SUSPEND_CHARS.saturating_sub(head.len() + tail.len());
        let suspend = format!("{head}{}{tail}", &self.filler[..room]);
        // Thirty seconds of this page load per commit, as a browser's keepalive commits add up.
        let seconds = seq * 30;
        let session_time = format!(
            "{:04}:{:02}:{:02}.00",
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60
        );
        let body = json!({
            "unit": self.unit,
            "session": format!("{}-{learner}", self.load),
            "seq": seq,
            "values": {
                "cmi.core.lesson_status": "incomplete",
                "cmi.core.lesson_location": page.to_string(),
                "cmi.suspend_data": suspend,
                "cmi.core.session_time": session_time,
                "cmi.core.exit": "suspend",
            },
        });
        body.to_string().into_bytes()
    }
}

impl Generate for Commits {
    fn make(&self, n: usize) -> (Uri, Bytes) {
        let learner = n % self.paths.len();
        let seq = (n / self.paths.len()) as u64 + 1;
        (
            self.paths[learner].clone(),
            Bytes::from(self.body(learner, seq)),
        )
    }
}

/// The token of a player address (`http://{slug}.{package_domain}:{port}/speler/{token}`).
pub fn token_from_location(location: &str) -> Option<&str> {
    location
        .split_once("/speler/")
        .map(|(_, t)| t)
        .filter(|t| !t.is_empty() && !t.contains('/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn each_learner_commits_in_order_with_about_2_kb() {
        let c = Commits::new(&["a".into(), "b".into()], DEFAULT_UNIT, "run1").expect("commits");
        let (uri, body) = c.make(0);
        assert_eq!(uri.path(), "/speler/a/commit");
        let v: Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(v["seq"], 1);
        assert_eq!(v["session"], "run1-0");
        assert_eq!(v["unit"], DEFAULT_UNIT);
        assert_eq!(
            v["values"]["cmi.suspend_data"]
                .as_str()
                .expect("suspend data")
                .len(),
            SUSPEND_CHARS
        );
        assert!((1_900..2_300).contains(&body.len()), "{} bytes", body.len());
        let (uri, body) = c.make(3);
        assert_eq!(uri.path(), "/speler/b/commit");
        let v: Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(v["seq"], 2);
        assert_eq!(v["session"], "run1-1");
        assert_eq!(v["values"]["cmi.core.session_time"], "0000:01:00.00");
    }

    #[test]
    fn the_token_is_read_from_the_player_address() {
        assert_eq!(
            token_from_location("http://bench.pakket.localhost:18080/speler/abc_D-1"),
            Some("abc_D-1")
        );
        assert_eq!(token_from_location("http://bench.localhost/leren"), None);
    }
}
