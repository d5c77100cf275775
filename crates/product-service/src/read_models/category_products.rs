use platform_read_models::ReadModel;

use super::reducers;
use crate::domain::Product;

/// One row per category in `rm_category_products`: the SKUs of the products in it,
/// sorted.
///
/// A group_by model keyed by the product's optional `categoryId` (absent: the event
/// touches no row). A recategorisation names the category the product leaves
/// (`left = "previousCategoryId"`): the platform applies it to that row with
/// [`reducers::leave_category`] as well as to the new one. Names and the discontinued
/// flag are not here: `ProductDetailsChanged` and `ProductDiscontinued` do not carry
/// the category, so no row could be found for them; ListCategoryProducts reads both
/// from `rm_products`.
#[derive(Debug, Clone, PartialEq, ReadModel)]
#[read_model(table = "rm_category_products", aggregate = Product, group_by = category_id)]
pub struct CategoryProductsReadModel {
    /// The category (the row key).
    #[map_from_event(ProductCreated)]
    #[map_from_event(ProductImported)]
    #[map_from_event(ProductCategorised, left = "previousCategoryId")]
    pub category_id: String,
    /// The SKUs of its products (jsonb), sorted.
    #[reduce(
        ProductCreated,
        ProductImported,
        ProductCategorised,
        with = reducers::enter_category
    )]
    #[on_leave(with = reducers::leave_category)]
    pub skus: Vec<String>,
}
