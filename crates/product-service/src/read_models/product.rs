use chrono::{DateTime, Utc};
use platform_read_models::ReadModel;
use product_contracts::{Money, ProductDiscount, ProductView, effective_price};
use rust_decimal::Decimal;

use super::reducers;
use crate::domain::Product;

/// One row per product in `rm_products`: what GetProduct and ListProducts answer from.
///
/// The price is stored as two columns (numeric amount, text currency) and the
/// discounts as a jsonb list with their windows. The effective price is not stored:
/// it depends on the time of the question (a discount starts or ends without any
/// event), so [`ProductReadModel::view_at`] computes it from the price and the
/// discounts for the moment asked.
#[derive(Debug, Clone, PartialEq, ReadModel)]
#[read_model(table = "rm_products", aggregate = Product)]
pub struct ProductReadModel {
    /// The SKU (the row key: the stream id).
    #[aggregate_id]
    pub sku: String,
    /// What it is called.
    #[map_from_event(ProductCreated)]
    #[map_from_event(ProductImported)]
    #[map_from_event(ProductDetailsChanged)]
    pub name: String,
    /// What it is.
    #[map_from_event(ProductCreated)]
    #[map_from_event(ProductImported)]
    #[map_from_event(ProductDetailsChanged)]
    pub description: String,
    /// Its category; indexed, so `find_by_category_id` lists a category's products.
    #[index]
    #[map_from_event(ProductCreated)]
    #[map_from_event(ProductImported)]
    #[map_from_event(ProductCategorised)]
    pub category_id: Option<String>,
    /// The price's amount, exact.
    #[reduce(ProductImported, PriceSet, with = reducers::price_amount)]
    pub price_amount: Option<Decimal>,
    /// The price's currency.
    #[reduce(ProductImported, PriceSet, with = reducers::price_currency)]
    pub price_currency: Option<String>,
    /// The discounts (jsonb), with their windows.
    #[reduce(DiscountApplied, DiscountRemoved, with = reducers::discounts)]
    pub discounts: Vec<ProductDiscount>,
    /// Whether it is discontinued.
    #[map_from_event(ProductDiscontinued, value = true)]
    pub discontinued: bool,
    /// When it was created (or imported).
    #[map_from_event(ProductCreated, envelope = occurred_at)]
    #[map_from_event(ProductImported, envelope = occurred_at)]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[map_from_event(ProductCreated, envelope = occurred_at)]
    #[map_from_event(ProductImported, envelope = occurred_at)]
    #[map_from_event(ProductDetailsChanged, envelope = occurred_at)]
    #[map_from_event(ProductCategorised, envelope = occurred_at)]
    #[map_from_event(PriceSet, envelope = occurred_at)]
    #[map_from_event(DiscountApplied, envelope = occurred_at)]
    #[map_from_event(DiscountRemoved, envelope = occurred_at)]
    #[map_from_event(ProductDiscontinued, envelope = occurred_at)]
    pub updated_at: DateTime<Utc>,
    /// The last stream version applied.
    #[version]
    pub version: i64,
}

impl ProductReadModel {
    /// The price, when it has one.
    pub fn price(&self) -> Option<Money> {
        Some(Money::new(self.price_amount?, self.price_currency.clone()?))
    }

    /// The product as clients see it, with the effective price at `now`.
    pub fn view_at(self, now: DateTime<Utc>) -> ProductView {
        let price = self.price();
        ProductView {
            effective_price: price
                .as_ref()
                .map(|price| effective_price(price, &self.discounts, now)),
            sku: self.sku,
            name: self.name,
            description: self.description,
            category_id: self.category_id,
            price,
            discounts: self.discounts,
            discontinued: self.discontinued,
            stock: None,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        }
    }
}
