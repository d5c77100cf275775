use platform_service::{
    Access, CommandContext, CommandHandler, ErrorResponse, HandlerError, register_command_handler,
};
use product_contracts::{CreateCategory, CreateCategoryResult};
use uuid::Uuid;

use super::existing_category;
use crate::domain::{Category, CategoryCommand, category_stream};
use crate::policy::CATALOG_CHANGE;

/// Creates a category under a fresh id, at the top or under an existing parent.
pub struct CreateCategoryHandler;

impl CommandHandler for CreateCategoryHandler {
    type Command = CreateCategory;
    type Aggregate = Category;

    const ACCESS: Access = CATALOG_CHANGE;

    const ERRORS: &'static [ErrorResponse] = &[ErrorResponse::new(
        422,
        "a rule was broken: `name_required`, `name_too_long`, `parent_not_found`",
    )];

    async fn handle(
        ctx: CommandContext,
        command: CreateCategory,
    ) -> Result<CreateCategoryResult, HandlerError> {
        if let Some(parent_id) = &command.parent_id {
            existing_category(&ctx, parent_id, "parent_not_found").await?;
        }
        let category_id = Uuid::now_v7().to_string();
        let create = CategoryCommand::Create {
            category_id: category_id.clone(),
            name: command.name,
            parent_id: command.parent_id,
        };
        ctx.create::<Category>(&category_stream(&category_id), create)
            .await?;
        Ok(CreateCategoryResult { category_id })
    }
}

register_command_handler!(CreateCategoryHandler);
