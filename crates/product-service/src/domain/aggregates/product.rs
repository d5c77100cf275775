use chrono::{DateTime, Utc};
use platform_core::Aggregate;
use product_contracts::{Discount, Money, ProductDiscount};
use rust_decimal::Decimal;

use super::fields::trimmed_name;
use super::{MAX_DESCRIPTION_LEN, ProductCommand, ProductError, is_valid_sku};
use crate::domain::events::{
    DiscountApplied, DiscountRemoved, PriceSet, ProductCategorised, ProductCreated,
    ProductDetailsChanged, ProductDiscontinued, ProductEvent, ProductImported,
};

/// A product of the catalog, rebuilt from its events. Its stream id is its SKU.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Product {
    /// Its SKU; empty until created.
    pub sku: String,
    /// What it is called.
    pub name: String,
    /// What it is.
    pub description: String,
    /// The category it is in.
    pub category_id: Option<String>,
    /// Its price, once set.
    pub price: Option<Money>,
    /// Its discounts, expired ones included until removed, in the order applied.
    pub discounts: Vec<ProductDiscount>,
    /// Whether it is discontinued.
    pub discontinued: bool,
}

impl Aggregate for Product {
    /// Stored with every event: never rename it once events exist.
    const TYPE: &'static str = "Product";
    type Command = ProductCommand;
    type Event = ProductEvent;
    type Error = ProductError;

    fn handle(&self, command: ProductCommand) -> Result<Vec<ProductEvent>, ProductError> {
        let creates = matches!(
            command,
            ProductCommand::Create { .. } | ProductCommand::Import { .. }
        );
        if !creates && self.discontinued {
            return Err(ProductError::Discontinued(self.sku.clone()));
        }
        match command {
            ProductCommand::Create {
                sku,
                name,
                description,
                category_id,
            } => {
                let (sku, name, description) = self.new_product(sku, &name, description)?;
                Ok(vec![
                    ProductCreated {
                        sku,
                        name,
                        description,
                        category_id,
                    }
                    .into(),
                ])
            }
            ProductCommand::Import {
                sku,
                name,
                description,
                category_id,
                price,
                source,
            } => {
                let (sku, name, description) = self.new_product(sku, &name, description)?;
                if let Some(price) = &price {
                    check_price(price)?;
                }
                if source.trim().is_empty() {
                    return Err(ProductError::SourceRequired);
                }
                Ok(vec![
                    ProductImported {
                        sku,
                        name,
                        description,
                        category_id,
                        price,
                        source,
                    }
                    .into(),
                ])
            }
            ProductCommand::ChangeDetails { name, description } => {
                self.change_details(&name, description)
            }
            ProductCommand::Categorise { category_id } => Ok(self.categorise(category_id)),
            ProductCommand::SetPrice { price, now } => self.set_price(price, now),
            ProductCommand::ApplyDiscount {
                discount_id,
                discount,
                valid_from,
                valid_until,
            } => self.apply_discount(ProductDiscount {
                discount_id,
                discount,
                valid_from,
                valid_until,
            }),
            ProductCommand::RemoveDiscount { discount_id } => self.remove_discount(discount_id),
            ProductCommand::Discontinue { reason } => Ok(vec![
                ProductDiscontinued {
                    sku: self.sku.clone(),
                    reason,
                }
                .into(),
            ]),
        }
    }

    fn apply(&mut self, event: &ProductEvent) {
        match event {
            ProductEvent::ProductCreated(e) => {
                self.sku.clone_from(&e.sku);
                self.name.clone_from(&e.name);
                self.description.clone_from(&e.description);
                self.category_id.clone_from(&e.category_id);
            }
            ProductEvent::ProductImported(e) => {
                self.sku.clone_from(&e.sku);
                self.name.clone_from(&e.name);
                self.description.clone_from(&e.description);
                self.category_id.clone_from(&e.category_id);
                self.price.clone_from(&e.price);
            }
            ProductEvent::ProductDetailsChanged(e) => {
                self.name.clone_from(&e.name);
                self.description.clone_from(&e.description);
            }
            ProductEvent::ProductCategorised(e) => self.category_id.clone_from(&e.category_id),
            ProductEvent::PriceSet(e) => self.price = Some(e.price.clone()),
            ProductEvent::DiscountApplied(e) => self.discounts.push(ProductDiscount {
                discount_id: e.discount_id.clone(),
                discount: e.discount.clone(),
                valid_from: e.valid_from,
                valid_until: e.valid_until,
            }),
            ProductEvent::DiscountRemoved(e) => {
                self.discounts.retain(|d| d.discount_id != e.discount_id);
            }
            ProductEvent::ProductDiscontinued(_) => self.discontinued = true,
        }
    }
}

impl Product {
    /// The price after the best discount in force at `now`, if it has a price.
    pub fn effective_price(&self, now: DateTime<Utc>) -> Option<Money> {
        let price = self.price.as_ref()?;
        Some(product_contracts::effective_price(
            price,
            &self.discounts,
            now,
        ))
    }

    /// The checked SKU, name and description of a product about to be created.
    fn new_product(
        &self,
        sku: String,
        name: &str,
        description: String,
    ) -> Result<(String, String, String), ProductError> {
        if !self.sku.is_empty() {
            return Err(ProductError::SkuTaken(self.sku.clone()));
        }
        if !is_valid_sku(&sku) {
            return Err(ProductError::InvalidSku(sku));
        }
        let (name, description) = details(name, description)?;
        Ok((sku, name, description))
    }

    /// The same details again decide nothing.
    fn change_details(
        &self,
        name: &str,
        description: String,
    ) -> Result<Vec<ProductEvent>, ProductError> {
        let (name, description) = details(name, description)?;
        if name == self.name && description == self.description {
            return Ok(Vec::new());
        }
        Ok(vec![
            ProductDetailsChanged {
                sku: self.sku.clone(),
                name,
                description,
            }
            .into(),
        ])
    }

    /// The category it is already in decides nothing.
    fn categorise(&self, category_id: Option<String>) -> Vec<ProductEvent> {
        if category_id == self.category_id {
            return Vec::new();
        }
        vec![
            ProductCategorised {
                sku: self.sku.clone(),
                category_id,
                previous_category_id: self.category_id.clone(),
            }
            .into(),
        ]
    }

    /// The price it already has decides nothing. Every discount not expired at `now`
    /// must still leave the new price above zero, and amounts must be in its currency.
    fn set_price(
        &self,
        price: Money,
        now: DateTime<Utc>,
    ) -> Result<Vec<ProductEvent>, ProductError> {
        check_price(&price)?;
        if self.price.as_ref() == Some(&price) {
            return Ok(Vec::new());
        }
        for discount in self.discounts.iter().filter(|d| !d.expired_at(now)) {
            check_leaves_a_price(discount, &price)?;
        }
        Ok(vec![
            PriceSet {
                sku: self.sku.clone(),
                price,
                previous: self.price.clone(),
            }
            .into(),
        ])
    }

    fn apply_discount(&self, applied: ProductDiscount) -> Result<Vec<ProductEvent>, ProductError> {
        let Some(price) = &self.price else {
            return Err(ProductError::PriceRequired);
        };
        match &applied.discount {
            Discount::Percentage(percent)
                if *percent <= Decimal::ZERO || *percent >= Decimal::ONE_HUNDRED =>
            {
                return Err(ProductError::InvalidDiscount(format!(
                    "a percentage must be above 0 and below 100, got {percent}"
                )));
            }
            Discount::Amount(amount) if !amount.has_valid_currency() => {
                return Err(ProductError::InvalidCurrency(amount.currency.clone()));
            }
            Discount::Amount(amount) if !amount.is_positive() => {
                return Err(ProductError::InvalidDiscount(format!(
                    "an amount must be above zero, got {amount}"
                )));
            }
            _ => {}
        }
        if applied
            .valid_until
            .is_some_and(|until| until <= applied.valid_from)
        {
            return Err(ProductError::InvalidDiscountWindow);
        }
        if self
            .discounts
            .iter()
            .any(|d| d.discount_id == applied.discount_id)
        {
            return Err(ProductError::DiscountExists(applied.discount_id));
        }
        check_leaves_a_price(&applied, price)?;
        Ok(vec![
            DiscountApplied {
                sku: self.sku.clone(),
                discount_id: applied.discount_id,
                discount: applied.discount,
                valid_from: applied.valid_from,
                valid_until: applied.valid_until,
            }
            .into(),
        ])
    }

    fn remove_discount(&self, discount_id: String) -> Result<Vec<ProductEvent>, ProductError> {
        if !self.discounts.iter().any(|d| d.discount_id == discount_id) {
            return Err(ProductError::DiscountNotFound(discount_id));
        }
        Ok(vec![
            DiscountRemoved {
                sku: self.sku.clone(),
                discount_id,
            }
            .into(),
        ])
    }
}

/// The trimmed name and the description, within their rules.
fn details(name: &str, description: String) -> Result<(String, String), ProductError> {
    let name = trimmed_name(name).map_err(|blank| {
        if blank {
            ProductError::NameRequired
        } else {
            ProductError::NameTooLong
        }
    })?;
    if description.chars().count() > MAX_DESCRIPTION_LEN {
        return Err(ProductError::DescriptionTooLong);
    }
    Ok((name, description))
}

/// A price is above zero, in an ISO 4217 currency.
fn check_price(price: &Money) -> Result<(), ProductError> {
    if !price.has_valid_currency() {
        return Err(ProductError::InvalidCurrency(price.currency.clone()));
    }
    if !price.is_positive() {
        return Err(ProductError::InvalidPrice(price.clone()));
    }
    Ok(())
}

/// `discount` is in `price`'s currency (an amount) and leaves it above zero.
fn check_leaves_a_price(discount: &ProductDiscount, price: &Money) -> Result<(), ProductError> {
    if let Discount::Amount(amount) = &discount.discount
        && amount.currency != price.currency
    {
        return Err(ProductError::CurrencyMismatch {
            expected: price.currency.clone(),
            found: amount.currency.clone(),
        });
    }
    match discount.discount.apply_to(price) {
        Some(left) if left.is_positive() => Ok(()),
        _ => Err(ProductError::DiscountTooLarge {
            discount_id: discount.discount_id.clone(),
            price: price.clone(),
        }),
    }
}
