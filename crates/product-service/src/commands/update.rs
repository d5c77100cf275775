use platform_service::{CommandContext, HandlerError};
use product_contracts::{CategoryUpdated, ProductUpdated};

use super::{MAX_ID_LEN, MAX_SKU_LEN, check_len};
use crate::domain::{Category, CategoryCommand, Product, ProductCommand, category_stream};

/// Runs a command on an existing product (a missing one is a 404) and answers with
/// its version after it.
pub(super) async fn update_product(
    ctx: &CommandContext,
    sku: String,
    command: ProductCommand,
) -> Result<ProductUpdated, HandlerError> {
    check_len("sku", &sku, MAX_SKU_LEN)?;
    let done = ctx.update::<Product>(&sku, command).await?;
    Ok(ProductUpdated {
        sku,
        version: done.version,
    })
}

/// Runs a command on an existing category (a missing one is a 404) and answers with
/// its version after it.
pub(super) async fn update_category(
    ctx: &CommandContext,
    category_id: String,
    command: CategoryCommand,
) -> Result<CategoryUpdated, HandlerError> {
    check_len("categoryId", &category_id, MAX_ID_LEN)?;
    let done = ctx
        .update::<Category>(&category_stream(&category_id), command)
        .await
        .map_err(|err| match err {
            HandlerError::NotFound { what, .. } => HandlerError::NotFound {
                what,
                id: category_id.clone(),
            },
            other => other,
        })?;
    Ok(CategoryUpdated {
        category_id,
        version: done.version,
    })
}
