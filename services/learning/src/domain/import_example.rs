//! The example file on the import page: with a module the member really has, so an admin who
//! copies it gets a file that imports, and without a module column when the catalogue is empty.

use uuid::Uuid;
use zk_content::domain::catalog::{self, CatalogQuery};
use zk_kernel::{AppResult, Platform, TenantId};

/// Modules looked at for one whose title can stand in a file as it is.
const CANDIDATES: &str = "20";

/// How to name a module in the example's modules column: the first title that a file can hold
/// as it is (no separator, list separator, quote or line break), else the first module's id
/// (an import takes ids too); `None` without modules.
pub fn module_name(modules: &[(Uuid, String)]) -> Option<String> {
    let plain =
        |t: &str| !t.trim().is_empty() && !t.contains([';', ',', '|', '"', '\t', '\n', '\r']);
    modules
        .iter()
        .find(|(_, title)| plain(title))
        .map(|(_, title)| title.trim().to_owned())
        .or_else(|| modules.first().map(|(id, _)| id.to_string()))
}

/// The module the example names, from the first of the member's catalogue by title.
pub async fn module(p: &Platform, tenant: TenantId) -> AppResult<Option<String>> {
    let query = CatalogQuery {
        per_page: Some(CANDIDATES.to_owned()),
        ..CatalogQuery::default()
    };
    let page = catalog::search(p, tenant, &query).await?;
    let modules: Vec<(Uuid, String)> = page
        .items
        .into_iter()
        .map(|m| (m.module_id, m.title))
        .collect();
    Ok(module_name(&modules))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_names_a_module_a_file_can_hold() {
        let id = |n| Uuid::from_u128(n);
        assert_eq!(module_name(&[]), None);
        assert_eq!(
            module_name(&[(id(1), "Valpreventie".into())]).as_deref(),
            Some("Valpreventie")
        );
        assert_eq!(
            module_name(&[
                (id(1), "Tillen, heffen en dragen".into()),
                (id(2), "Hygiëne; handen".into()),
                (id(3), " Medicatie ".into()),
            ])
            .as_deref(),
            Some("Medicatie")
        );
        assert_eq!(
            module_name(&[(id(1), "Tillen, heffen".into()), (id(2), "A|B".into())]),
            Some(id(1).to_string())
        );
    }
}
