use platform_event_sourcing::StreamRange;
use platform_service::{CommandContext, HandlerError};

use super::{MAX_ID_LEN, check_len};
use crate::domain::{Category, category_stream};

/// The deepest category chain walked; a longer one is refused rather than followed
/// for ever (only a cycle written by two racing moves could make one).
const MAX_DEPTH: usize = 100;

/// The category `category_id` as it is now; a missing one breaks the rule `code`
/// (422: the command addresses something else, a product or another category).
pub(super) async fn existing_category(
    ctx: &CommandContext,
    category_id: &str,
    code: &'static str,
) -> Result<Category, HandlerError> {
    check_len("categoryId", category_id, MAX_ID_LEN)?;
    match ctx
        .reader()
        .load::<Category>(&category_stream(category_id), StreamRange::all())
        .await
    {
        Ok(loaded) => Ok(loaded.aggregate),
        Err(HandlerError::NotFound { .. }) => Err(HandlerError::Rule {
            code,
            message: format!("category {category_id} does not exist"),
        }),
        Err(other) => Err(other),
    }
}

/// The ancestors of `parent`, nearest first, up to a top-level category, read from
/// the Category aggregates: `parent`'s parent, its parent, and so on.
pub(super) async fn ancestors(
    ctx: &CommandContext,
    parent: &Category,
) -> Result<Vec<String>, HandlerError> {
    let mut chain = Vec::new();
    let mut next = parent.parent_id.clone();
    while let Some(id) = next {
        if chain.contains(&id) || chain.len() >= MAX_DEPTH {
            return Err(HandlerError::Rule {
                code: "category_cycle",
                message: format!(
                    "the categories above {} form a cycle or are too deep",
                    parent.id
                ),
            });
        }
        let category = existing_category(ctx, &id, "parent_not_found").await?;
        chain.push(id);
        next = category.parent_id;
    }
    Ok(chain)
}
