//! Proofs of participation (bewijs van deelname): issued in the member's name when a learner
//! completes a module, as an HTML page and a PDF made here (pdf-writer, no outside service), with
//! a verification code anyone can check at `/bewijs/{code}` on the member's host. NZK issues no
//! diplomas, and the proof says so. Admins can revoke one with a reason.

use crate::repo::proofs as repo;
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use zk_kernel::{
    paging::{Paging, PerPage},
    AppError, AppResult, Platform, TenantId,
};

/// Characters of a verification code: digits and capitals without 0/O and 1/I, so a code read
/// aloud or typed from paper can't be mistaken.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// A new verification code: 12 characters, 60 random bits.
pub fn new_code() -> String {
    let bytes = Uuid::new_v4().into_bytes();
    let mut bits: u128 = u128::from_be_bytes(bytes);
    (0..12)
        .map(|_| {
            let c = ALPHABET[(bits & 31) as usize] as char;
            bits >>= 5;
            c
        })
        .collect()
}

/// What a proof says of a learner who gave no name (the PDF is Dutch; pages translate it).
pub const NO_NAME: &str = "naam niet opgegeven";

/// A proof as its learner and the verification page see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProofView {
    pub id: Uuid,
    pub code: String,
    pub module_id: Uuid,
    pub version: i32,
    /// `null` when the learner gave no name (pages say "naam niet opgegeven").
    pub learner_name: Option<String>,
    pub module_title: String,
    pub member_name: String,
    /// The date of issue (`YYYY-MM-DD`).
    #[schema(format = Date)]
    pub issued_on: String,
    pub revoked: bool,
    /// Why an admin revoked it.
    pub revoked_reason: Option<String>,
}

fn view(r: repo::ProofRow) -> ProofView {
    ProofView {
        id: r.id,
        code: r.code,
        module_id: r.module_id,
        version: r.version,
        learner_name: Some(r.learner_name).filter(|n| !n.trim().is_empty()),
        module_title: r.module_title,
        member_name: r.member_name,
        issued_on: r.issued_at.date().to_string(),
        revoked: r.revoked_at.is_some(),
        revoked_reason: r.revoked_reason,
    }
}

/// Proofs per page unless asked otherwise, and at most.
pub const PER_PAGE: PerPage = PerPage::new(50, 200);

/// A proof in the admins' list: the proof, and whose it is.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListedProof {
    #[serde(flatten)]
    pub proof: ProofView,
    /// The learner's e-mail address (admins only: the proof itself never shows it).
    pub learner_email: Option<String>,
}

/// One page of the member's proofs (admins), newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProofPage {
    pub items: Vec<ListedProof>,
    /// Proofs that match, on every page.
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

/// The member's proofs (admins), optionally searched by learner, module or code; one page.
pub async fn list(
    p: &Platform,
    tenant: TenantId,
    q: Option<&str>,
    paging: Paging,
) -> AppResult<ProofPage> {
    let q = q.map(str::trim).filter(|q| !q.is_empty());
    let mut tx = p.db.begin_tenant(tenant).await?;
    let rows = repo::search(&mut tx, tenant, q, paging.limit(), paging.offset()).await?;
    tx.commit().await?;
    let total = rows.first().map_or(0, |r| r.total);
    Ok(ProofPage {
        items: rows
            .into_iter()
            .map(|f| ListedProof {
                proof: view(f.row),
                learner_email: f.learner_email,
            })
            .collect(),
        total,
        page: paging.page(),
        per_page: paging.per_page(),
    })
}

/// A proof that verifies, by code (unknown or revoked: 404).
pub async fn verify(p: &Platform, tenant: TenantId, code: &str) -> AppResult<ProofView> {
    if code.len() != 12 || !code.bytes().all(|b| ALPHABET.contains(&b)) {
        return Err(AppError::not_found());
    }
    let mut tx = p.db.begin_tenant(tenant).await?;
    let row = repo::valid_by_code(&mut tx, tenant, code)
        .await?
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    Ok(view(row))
}

/// The caller's proofs.
pub async fn mine(p: &Platform, tenant: TenantId, user: Uuid) -> AppResult<Vec<ProofView>> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let rows = repo::of_user(&mut tx, tenant, user, None).await?;
    tx.commit().await?;
    Ok(rows.into_iter().map(view).collect())
}

/// One of the caller's proofs (another's: 404).
pub async fn own(p: &Platform, tenant: TenantId, user: Uuid, id: Uuid) -> AppResult<ProofView> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let row = repo::of_user(&mut tx, tenant, user, Some(id))
        .await?
        .pop()
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    Ok(view(row))
}

/// Why an admin revokes a proof.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeInput {
    pub reason: String,
}

/// Revokes a proof of the member (admins); it no longer verifies.
pub async fn revoke(
    p: &Platform,
    tenant: TenantId,
    by: Uuid,
    id: Uuid,
    input: &RevokeInput,
) -> AppResult<()> {
    let reason = input.reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(AppError::validation(
            "reason",
            "invalid_length",
            "Geef in 1 tot 1000 tekens de reden van het intrekken.",
        ));
    }
    let mut tx = p.db.begin_tenant(tenant).await?;
    if !repo::revoke(&mut tx, tenant, id, by, reason).await? {
        return Err(AppError::not_found());
    }
    tx.commit().await?;
    tracing::info!(proof.id = %id, "proof revoked");
    Ok(())
}

/// Text for the PDF's standard fonts (WinAnsiEncoding): Latin-1 characters as they are, the
/// few typographic ones Windows-1252 adds at their codes, anything else as `?`.
pub(crate) fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '€' => 0x80,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '–' => 0x96,
            '—' => 0x97,
            c if (' '..='~').contains(&c) || ('\u{a0}'..='\u{ff}').contains(&c) => c as u8,
            _ => b'?',
        })
        .collect()
}

pub use zk_kernel::text::dutch_date_iso as dutch_long_date;

/// The colour `#rrggbb` as PDF fractions (NZK blue when it isn't one).
fn rgb(hex: &str) -> (f32, f32, f32) {
    let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap_or(0x1d4f91);
    let c = |shift: u32| ((v >> shift) & 255) as f32 / 255.0;
    (c(16), c(8), c(0))
}

/// The proof as a one-page A4 PDF in the member's colour, with the verification address.
pub fn pdf(proof: &ProofView, primary_color: &str, verify_url: &str) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let (catalog, tree, page, regular, bold, content, info) = (
        Ref::new(1),
        Ref::new(2),
        Ref::new(3),
        Ref::new(4),
        Ref::new(5),
        Ref::new(6),
        Ref::new(7),
    );
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids([page]).count(1);
    let mut p = pdf.page(page);
    p.media_box(Rect::new(0.0, 0.0, 595.0, 842.0));
    p.parent(tree);
    p.contents(content);
    {
        let mut resources = p.resources();
        let mut fonts = resources.fonts();
        fonts.pair(Name(b"F1"), regular);
        fonts.pair(Name(b"F2"), bold);
    }
    p.finish();
    for (id, name) in [(regular, &b"Helvetica"[..]), (bold, &b"Helvetica-Bold"[..])] {
        pdf.type1_font(id)
            .base_font(Name(name))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    pdf.document_info(info)
        .title(TextStr(&format!(
            "Bewijs van deelname: {}",
            proof.module_title
        )))
        .author(TextStr(&proof.member_name));

    let mut c = Content::new();
    let (r, g, b) = rgb(primary_color);
    c.set_fill_rgb(r, g, b);
    c.rect(0.0, 742.0, 595.0, 100.0);
    c.fill_nonzero();
    let line = |c: &mut Content, font: &[u8], size: f32, x: f32, y: f32, text: &str| {
        c.begin_text();
        c.set_font(Name(font), size);
        c.next_line(x, y);
        c.show(Str(&win_ansi(text)));
        c.end_text();
    };
    c.set_fill_rgb(1.0, 1.0, 1.0);
    line(&mut c, b"F2", 22.0, 56.0, 782.0, &proof.member_name);
    c.set_fill_rgb(0.1, 0.1, 0.1);
    line(&mut c, b"F2", 28.0, 56.0, 670.0, "Bewijs van deelname");
    line(&mut c, b"F1", 13.0, 56.0, 630.0, "Hierbij verklaart");
    line(&mut c, b"F2", 18.0, 56.0, 604.0, &proof.member_name);
    line(&mut c, b"F1", 13.0, 56.0, 578.0, "dat");
    let learner = proof.learner_name.as_deref().unwrap_or(NO_NAME);
    line(&mut c, b"F2", 20.0, 56.0, 550.0, learner);
    line(
        &mut c,
        b"F1",
        13.0,
        56.0,
        522.0,
        "de module heeft afgerond:",
    );
    line(&mut c, b"F2", 18.0, 56.0, 496.0, &proof.module_title);
    line(
        &mut c,
        b"F1",
        13.0,
        56.0,
        460.0,
        &format!(
            "op {} (versie {}).",
            dutch_long_date(&proof.issued_on),
            proof.version
        ),
    );
    line(
        &mut c,
        b"F1",
        11.0,
        56.0,
        200.0,
        &format!("Controleer dit bewijs op {verify_url}"),
    );
    line(
        &mut c,
        b"F1",
        11.0,
        56.0,
        182.0,
        &format!("Controlecode: {}", proof.code),
    );
    line(
        &mut c,
        b"F1",
        9.0,
        56.0,
        120.0,
        "Dit is een bewijs van deelname, geen diploma. De Nationale Zorgklas geeft geen diploma's uit;",
    );
    line(
        &mut c,
        b"F1",
        9.0,
        56.0,
        108.0,
        &format!("dit bewijs is uitgegeven door {}.", proof.member_name),
    );
    pdf.stream(content, &c.finish());
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_twelve_unambiguous_characters_and_differ() {
        let (a, b) = (new_code(), new_code());
        assert_eq!(a.len(), 12);
        assert!(a.bytes().all(|c| ALPHABET.contains(&c)));
        assert!(!a.contains('0') && !a.contains('O') && !a.contains('I') && !a.contains('1'));
        assert_ne!(a, b);
    }

    #[test]
    fn the_pdf_is_a_pdf_in_the_members_name_with_dutch_letters() {
        let proof = ProofView {
            id: Uuid::new_v4(),
            code: "ABCDEFGHJKLM".into(),
            module_id: Uuid::new_v4(),
            version: 2,
            learner_name: Some("Anneke Brouwer".into()),
            module_title: "Handhygiëne in vijf momenten".into(),
            member_name: "Zorggroep Noord".into(),
            issued_on: "2027-03-01".into(),
            revoked: false,
            revoked_reason: None,
        };
        let bytes = pdf(
            &proof,
            "#1d4f91",
            "https://noord.example/bewijs/ABCDEFGHJKLM",
        );
        assert!(bytes.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.trim_end().ends_with("%%EOF"));
        // The cross-reference table is where `startxref` says.
        let at: usize = text
            .rsplit("startxref")
            .next()
            .and_then(|t| t.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap();
        assert!(bytes[at..].starts_with(b"xref"));
        assert!(text.contains("(Zorggroep Noord)") && text.contains("1 maart 2027"));
        // "ë" in WinAnsiEncoding is one byte, 0xEB; a string with it is written in hex.
        let hex: String = win_ansi("Handhygiëne")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(hex.contains("eb"));
        assert!(
            text.to_lowercase().contains(&hex),
            "the title in WinAnsi bytes"
        );
        assert!(text.contains("geen diploma"));
    }

    #[test]
    fn dates_in_dutch() {
        assert_eq!(dutch_long_date("2026-11-29"), "29 november 2026");
        assert_eq!(dutch_long_date("nonsense"), "nonsense");
    }
}
