//! Before many people are enrolled at once (a group or a department), the page shows who and
//! how many will be, when that is more than [`ASK_ABOVE`]: a click on the wrong department
//! of 300 people should not send 300 mails.

use super::{group, group::Viewer, learning};
use crate::repo::learning as repo;
use uuid::Uuid;
use zk_kernel::{AppResult, Platform, TenantId};

/// Above this many new enrolments, the page asks first.
pub const ASK_ABOVE: usize = 10;

/// What the enrolment is in.
#[derive(Clone, Copy, Debug)]
pub enum Target {
    Module(Uuid),
    Path(Uuid),
}

/// Whom: the learners of a group (the viewer may see) or a department's people.
#[derive(Clone, Debug)]
pub enum Whom {
    Group(Uuid),
    Department(String),
}

/// Who would be enrolled now, and how many are enrolled already.
#[derive(Debug)]
pub struct Preview {
    /// The names of those not yet enrolled, sorted.
    pub new: Vec<String>,
    pub already: usize,
}

impl Preview {
    /// Whether the page should ask before enrolling.
    pub fn ask(&self) -> bool {
        self.new.len() > ASK_ABOVE
    }
}

/// The preview of enrolling `whom` in `into` (the same people the enrolment itself reaches; a
/// department or group the viewer may not use is refused as the enrolment would be).
pub async fn preview(
    p: &Platform,
    tenant: TenantId,
    viewer: Viewer,
    into: Target,
    whom: &Whom,
) -> AppResult<Preview> {
    let users = match whom {
        Whom::Group(g) => group::enrollable_learners(p, tenant, viewer, *g).await?,
        Whom::Department(d) => {
            if !viewer.is_admin {
                return Err(zk_kernel::AppError::forbidden());
            }
            let mut tx = p.db.begin_tenant(tenant).await?;
            let users = learning::department_members(&mut tx, tenant, d).await?;
            tx.commit().await?;
            users
        }
    };
    let (module, path) = match into {
        Target::Module(m) => (Some(m), None),
        Target::Path(path_id) => (None, Some(path_id)),
    };
    let mut tx = p.db.begin_tenant(tenant).await?;
    let new = repo::not_yet_enrolled(&mut tx, tenant, &users, module, path).await?;
    tx.commit().await?;
    Ok(Preview {
        already: users.len() - new.len(),
        new,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asks_only_above_ten() {
        let of = |n: usize| Preview {
            new: (0..n).map(|i| format!("p{i}")).collect(),
            already: 0,
        };
        assert!(!of(10).ask());
        assert!(of(11).ask());
    }
}
