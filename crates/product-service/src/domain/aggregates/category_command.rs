/// What can be asked of a category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CategoryCommand {
    /// Create it.
    Create {
        /// Its id (chosen by the handler).
        category_id: String,
        /// Its name; not blank, trimmed.
        name: String,
        /// Its parent (the handler checked that it exists).
        parent_id: Option<String>,
    },
    /// Give it a new name.
    Rename {
        /// The new name; not blank, trimmed.
        name: String,
    },
    /// Move it under another parent, or to the top.
    Move {
        /// The new parent (`None`: top level).
        parent_id: Option<String>,
        /// The new parent's ancestors, nearest first, up to a top-level category, as
        /// the handler read them: moving under one of its own descendants shows up as
        /// this category in the chain.
        parent_ancestors: Vec<String>,
    },
}
