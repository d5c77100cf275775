use platform_read_models::ReadModel;
use platform_service::{HandlerError, QueryContext};

/// The row of read model `R` under `key`, as the view `V`; no such row is a 404 naming
/// `what` and the key.
pub(super) async fn view_by_key<R, V>(
    ctx: &QueryContext,
    what: &str,
    key: &str,
) -> Result<V, HandlerError>
where
    R: ReadModel,
    V: From<R>,
{
    let row = ctx.read_model::<R>().get(key).await?;
    row.map(V::from)
        .ok_or_else(|| HandlerError::not_found(what, key))
}
