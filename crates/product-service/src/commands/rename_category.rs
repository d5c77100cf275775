use platform_service::{
    Access, CommandContext, CommandHandler, ErrorResponse, HandlerError, register_command_handler,
};
use product_contracts::{CategoryUpdated, RenameCategory};

use super::update_category;
use crate::domain::{Category, CategoryCommand};
use crate::policy::CATALOG_CHANGE;

/// Renames a category; its current name is a no-op.
pub struct RenameCategoryHandler;

impl CommandHandler for RenameCategoryHandler {
    type Command = RenameCategory;
    type Aggregate = Category;

    const ACCESS: Access = CATALOG_CHANGE;

    const ERRORS: &'static [ErrorResponse] = &[
        ErrorResponse::new(404, "`not_found`: no such category"),
        ErrorResponse::new(422, "a rule was broken: `name_required`, `name_too_long`"),
    ];

    async fn handle(
        ctx: CommandContext,
        command: RenameCategory,
    ) -> Result<CategoryUpdated, HandlerError> {
        let rename = CategoryCommand::Rename { name: command.name };
        update_category(&ctx, command.category_id, rename).await
    }
}

register_command_handler!(RenameCategoryHandler);
