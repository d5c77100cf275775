use platform_core::Aggregate;

use super::fields::trimmed_name;
use super::{CategoryCommand, CategoryError};
use crate::domain::events::{CategoryCreated, CategoryEvent, CategoryMoved, CategoryRenamed};

/// The stream id of category `category_id`: `category:{id}`, which no SKU can be.
pub fn category_stream(category_id: &str) -> String {
    format!("category:{category_id}")
}

/// A category of the catalog, rebuilt from its events; categories nest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Category {
    /// Its id; empty until created.
    pub id: String,
    /// What it is called.
    pub name: String,
    /// The category it is under (`None`: top level).
    pub parent_id: Option<String>,
}

impl Aggregate for Category {
    /// Stored with every event: never rename it once events exist.
    const TYPE: &'static str = "Category";
    type Command = CategoryCommand;
    type Event = CategoryEvent;
    type Error = CategoryError;

    fn handle(&self, command: CategoryCommand) -> Result<Vec<CategoryEvent>, CategoryError> {
        match command {
            CategoryCommand::Create {
                category_id,
                name,
                parent_id,
            } => {
                if !self.id.is_empty() {
                    return Err(CategoryError::AlreadyExists(self.id.clone()));
                }
                Ok(vec![
                    CategoryCreated {
                        category_id,
                        name: name_rule(&name)?,
                        parent_id,
                    }
                    .into(),
                ])
            }
            CategoryCommand::Rename { name } => {
                let name = name_rule(&name)?;
                if name == self.name {
                    return Ok(Vec::new());
                }
                Ok(vec![
                    CategoryRenamed {
                        category_id: self.id.clone(),
                        name,
                    }
                    .into(),
                ])
            }
            CategoryCommand::Move {
                parent_id,
                parent_ancestors,
            } => self.move_under(parent_id, &parent_ancestors),
        }
    }

    fn apply(&mut self, event: &CategoryEvent) {
        match event {
            CategoryEvent::CategoryCreated(e) => {
                self.id.clone_from(&e.category_id);
                self.name.clone_from(&e.name);
                self.parent_id.clone_from(&e.parent_id);
            }
            CategoryEvent::CategoryRenamed(e) => self.name.clone_from(&e.name),
            CategoryEvent::CategoryMoved(e) => self.parent_id.clone_from(&e.parent_id),
        }
    }
}

impl Category {
    /// The parent it already has decides nothing; itself or a descendant (itself in
    /// the new parent's ancestors) is a cycle.
    fn move_under(
        &self,
        parent_id: Option<String>,
        parent_ancestors: &[String],
    ) -> Result<Vec<CategoryEvent>, CategoryError> {
        if parent_id == self.parent_id {
            return Ok(Vec::new());
        }
        if let Some(parent) = &parent_id
            && (*parent == self.id || parent_ancestors.contains(&self.id))
        {
            return Err(CategoryError::Cycle {
                category_id: self.id.clone(),
                parent_id: parent.clone(),
            });
        }
        Ok(vec![
            CategoryMoved {
                category_id: self.id.clone(),
                parent_id,
                previous_parent_id: self.parent_id.clone(),
            }
            .into(),
        ])
    }
}

fn name_rule(name: &str) -> Result<String, CategoryError> {
    trimmed_name(name).map_err(|blank| {
        if blank {
            CategoryError::NameRequired
        } else {
            CategoryError::NameTooLong
        }
    })
}
