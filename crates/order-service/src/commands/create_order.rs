use order_contracts::{CreateOrder, CreateOrderResult};
use platform_service::{
    CommandContext, CommandHandler, ErrorResponse, HandlerError, register_command_handler,
};
use uuid::Uuid;

use super::check_id;
use crate::domain::{Order, OrderCommand};
use crate::policy::Reach;

/// Opens a new draft order under a fresh id; a customer's own, whether they name
/// themselves or leave the customer out.
pub struct CreateOrderHandler;

impl CommandHandler for CreateOrderHandler {
    type Command = CreateOrder;
    type Aggregate = Order;

    const ERRORS: &'static [ErrorResponse] = &[
        ErrorResponse::new(403, "`forbidden`: a customer named another customer"),
        ErrorResponse::new(
            422,
            "a rule was broken: `customer_required`, `order_already_exists`",
        ),
    ];

    async fn handle(
        ctx: CommandContext,
        command: CreateOrder,
    ) -> Result<CreateOrderResult, HandlerError> {
        check_id("customerId", &command.customer_id)?;
        let customer_id = Reach::of(ctx.user()).new_order_customer(command.customer_id)?;
        let order_id = Uuid::now_v7().to_string();
        ctx.create::<Order>(
            &order_id,
            OrderCommand::Create {
                order_id: order_id.clone(),
                customer_id: customer_id.clone(),
                created_by: ctx.user().map(|user| user.id.clone()),
            },
        )
        .await?;
        Ok(CreateOrderResult {
            order_id,
            customer_id,
        })
    }
}

register_command_handler!(CreateOrderHandler);
