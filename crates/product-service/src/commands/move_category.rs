use platform_service::{
    Access, CommandContext, CommandHandler, ErrorResponse, HandlerError, register_command_handler,
};
use product_contracts::{CategoryUpdated, MoveCategory};

use super::{ancestors, existing_category, update_category};
use crate::domain::{Category, CategoryCommand};
use crate::policy::CATALOG_CHANGE;

/// Moves a category under an existing parent, or to the top. The handler reads the
/// new parent's chain of ancestors from the Category aggregates; the aggregate refuses
/// a move under itself or a descendant (`category_cycle`).
///
/// Two moves racing on different categories (A under B while B goes under A) each see
/// a chain without the other's move; such a cycle is not prevented, and a later walk
/// that meets it is refused as `category_cycle` instead of looping.
pub struct MoveCategoryHandler;

impl CommandHandler for MoveCategoryHandler {
    type Command = MoveCategory;
    type Aggregate = Category;

    const ACCESS: Access = CATALOG_CHANGE;

    const ERRORS: &'static [ErrorResponse] = &[
        ErrorResponse::new(404, "`not_found`: no such category"),
        ErrorResponse::new(
            422,
            "a rule was broken: `category_cycle`, `parent_not_found`",
        ),
    ];

    async fn handle(
        ctx: CommandContext,
        command: MoveCategory,
    ) -> Result<CategoryUpdated, HandlerError> {
        let parent_ancestors = match &command.parent_id {
            Some(parent_id) => {
                let parent = existing_category(&ctx, parent_id, "parent_not_found").await?;
                ancestors(&ctx, &parent).await?
            }
            None => Vec::new(),
        };
        let move_under = CategoryCommand::Move {
            parent_id: command.parent_id,
            parent_ancestors,
        };
        update_category(&ctx, command.category_id, move_under).await
    }
}

register_command_handler!(MoveCategoryHandler);
