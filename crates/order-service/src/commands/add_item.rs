use order_contracts::{AddItem, OrderUpdated};
use platform_service::{
    CommandContext, CommandHandler, ErrorResponse, HandlerError, register_command_handler,
};

use super::{check_id, update_order};
use crate::domain::{Order, OrderCommand};
use crate::settings::OrderSettings;

/// Adds units of a product to a draft order.
pub struct AddItemHandler;

impl CommandHandler for AddItemHandler {
    type Command = AddItem;
    type Aggregate = Order;

    const ERRORS: &'static [ErrorResponse] = &[
        ErrorResponse::new(
            404,
            "`not_found`: no such order (or, for a customer, another customer's)",
        ),
        ErrorResponse::new(
            422,
            "a rule was broken: `product_required`, `invalid_quantity`, `negative_price`, `price_mismatch`, `out_of_range`, `too_many_lines`, `order_not_draft`",
        ),
    ];

    async fn handle(ctx: CommandContext, command: AddItem) -> Result<OrderUpdated, HandlerError> {
        check_id("productId", &command.product_id)?;
        let add = OrderCommand::AddItem {
            product_id: command.product_id,
            quantity: command.quantity,
            price: command.price,
            max_lines: ctx.settings::<OrderSettings>()?.max_lines_per_order,
        };
        update_order(&ctx, command.order_id, add).await
    }
}

register_command_handler!(AddItemHandler);
