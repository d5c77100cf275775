/// What can be asked of a product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProductCommand {
    /// Create it.
    Create {
        /// Its id, chosen by the caller.
        id: String,
        /// What it is called; must not be blank (surrounding whitespace is dropped).
        title: String,
        /// Who it belongs to; must not be blank.
        owner_id: String,
    },
    /// Give it a new title.
    Rename {
        /// The new title; must not be blank (surrounding whitespace is dropped).
        title: String,
    },
}
