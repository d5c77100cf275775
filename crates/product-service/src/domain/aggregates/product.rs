use platform_core::Aggregate;

use super::{ProductCommand, ProductError};
use crate::domain::events::{ProductCreated, ProductEvent, ProductRenamed};

/// A product, rebuilt from its events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Product {
    /// Its id; empty until created.
    pub id: String,
    /// What it is called.
    pub title: String,
    /// Who it belongs to.
    pub owner_id: String,
}

impl Aggregate for Product {
    /// Stored with every event: never rename it once events exist.
    const TYPE: &'static str = "Product";
    type Command = ProductCommand;
    type Event = ProductEvent;
    type Error = ProductError;

    fn handle(&self, command: ProductCommand) -> Result<Vec<ProductEvent>, ProductError> {
        match command {
            ProductCommand::Create {
                id,
                title,
                owner_id,
            } => self.create(id, title, owner_id),
            ProductCommand::Rename { title } => self.rename(title),
        }
    }

    fn apply(&mut self, event: &ProductEvent) {
        match event {
            ProductEvent::ProductCreated(e) => {
                self.id.clone_from(&e.product_id);
                self.title.clone_from(&e.title);
                self.owner_id.clone_from(&e.owner_id);
            }
            ProductEvent::ProductRenamed(e) => self.title.clone_from(&e.title),
        }
    }
}

impl Product {
    fn create(
        &self,
        id: String,
        title: String,
        owner_id: String,
    ) -> Result<Vec<ProductEvent>, ProductError> {
        if !self.id.is_empty() {
            return Err(ProductError::AlreadyExists(self.id.clone()));
        }
        let title = required_title(&title)?;
        if owner_id.trim().is_empty() {
            return Err(ProductError::OwnerRequired);
        }
        Ok(vec![
            ProductCreated {
                product_id: id,
                title,
                owner_id,
            }
            .into(),
        ])
    }

    /// Renaming to the title it already has decides nothing.
    fn rename(&self, title: String) -> Result<Vec<ProductEvent>, ProductError> {
        let title = required_title(&title)?;
        if title == self.title {
            return Ok(Vec::new());
        }
        Ok(vec![
            ProductRenamed {
                product_id: self.id.clone(),
                title,
            }
            .into(),
        ])
    }
}

/// The title without surrounding whitespace; a blank one breaks a rule.
fn required_title(title: &str) -> Result<String, ProductError> {
    match title.trim() {
        "" => Err(ProductError::TitleRequired),
        trimmed => Ok(trimmed.to_owned()),
    }
}
