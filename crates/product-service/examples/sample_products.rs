//! Writes the sample catalog `data/products.csv`: deterministic, realistic-looking
//! products, prices in EUR, about one in ten without a price.
//!
//! ```text
//! cargo run -p product-service --example sample_products -- 3000 > crates/product-service/data/products.csv
//! ```

/// A department: SKU prefix, nouns, what they are made of, a price range in cents.
type Department = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    (u64, u64),
);

/// The departments, in turn.
const DEPARTMENTS: &[Department] = &[
    (
        "KIT",
        &[
            "Kettle",
            "Saucepan",
            "Frying Pan",
            "Chef's Knife",
            "Cutting Board",
            "Colander",
            "Teapot",
            "Mixing Bowl",
        ],
        &[
            "stainless steel",
            "cast iron",
            "enamelled steel",
            "beech wood",
            "borosilicate glass",
        ],
        (499, 12_999),
    ),
    (
        "GRD",
        &[
            "Watering Can",
            "Pruning Shears",
            "Hose Reel",
            "Planter",
            "Garden Trowel",
            "Bird Feeder",
        ],
        &[
            "galvanised steel",
            "recycled plastic",
            "terracotta",
            "ash wood",
        ],
        (299, 8_999),
    ),
    (
        "OFF",
        &[
            "Notebook",
            "Desk Lamp",
            "Fountain Pen",
            "Stapler",
            "Document Tray",
            "Monitor Stand",
        ],
        &["recycled paper", "aluminium", "bamboo", "brass"],
        (249, 14_999),
    ),
    (
        "TXT",
        &[
            "Bath Towel",
            "Duvet Cover",
            "Cushion",
            "Throw Blanket",
            "Tea Towel",
            "Table Runner",
        ],
        &["organic cotton", "linen", "merino wool", "waffle cotton"],
        (599, 17_999),
    ),
    (
        "OUT",
        &[
            "Rain Jacket",
            "Hiking Backpack",
            "Camping Stove",
            "Sleeping Bag",
            "Head Torch",
            "Water Bottle",
        ],
        &[
            "ripstop nylon",
            "recycled polyester",
            "titanium",
            "insulated steel",
        ],
        (999, 49_999),
    ),
];

const ADJECTIVES: &[&str] = &[
    "Classic",
    "Compact",
    "Nordic",
    "Everyday",
    "Heritage",
    "Studio",
    "Pro",
    "Essential",
    "Coastal",
    "Alpine",
    "Urban",
    "Deluxe",
];
const COLOURS: &[&str] = &[
    "black",
    "white",
    "slate grey",
    "sage green",
    "ochre",
    "navy",
    "terracotta",
    "natural",
];
const SIZES: &[&str] = &["S", "M", "L", "XL"];

/// A small deterministic generator (PCG-style LCG): the same file on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

fn main() -> anyhow::Result<()> {
    let count: u64 = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(3000);
    let mut rng = Lcg(20_261_201);
    let stdout = std::io::stdout();
    let mut out = csv::Writer::from_writer(stdout.lock());
    out.write_record([
        "sku",
        "name",
        "description",
        "category_id",
        "price",
        "currency",
    ])?;
    for n in 0..count {
        let (prefix, nouns, materials, (low, high)) =
            DEPARTMENTS[(n % DEPARTMENTS.len() as u64) as usize];
        let noun = rng.pick(nouns);
        let adjective = rng.pick(ADJECTIVES);
        let colour = rng.pick(COLOURS);
        let material = rng.pick(materials);
        let sku = format!("{prefix}-{:05}", 10_000 + n);
        let sized = matches!(prefix, "TXT" | "OUT");
        let name = if sized && rng.next().is_multiple_of(2) {
            format!("{adjective} {noun}, {colour}, size {}", rng.pick(SIZES))
        } else {
            format!("{adjective} {noun} ({colour})")
        };
        let description = match rng.next() % 4 {
            0 => String::new(),
            1 => format!("{noun} in {material}. Made to last, easy to care for."),
            2 => format!(
                "Our \"{adjective}\" {} in {material}, finished in {colour}.",
                noun.to_lowercase()
            ),
            _ => format!("{material}, {colour}; ships in recyclable packaging."),
        };
        let (price, currency) = if rng.next().is_multiple_of(10) {
            (String::new(), String::new())
        } else {
            let cents = low + rng.next() % (high - low);
            // Shop prices: end in .99, .49 or .00.
            let euros = cents / 100;
            let ending = ["99", "49", "00"][(rng.next() % 3) as usize];
            (format!("{euros}.{ending}"), "EUR".to_owned())
        };
        out.write_record([sku.as_str(), &name, &description, "", &price, &currency])?;
    }
    out.flush()?;
    Ok(())
}
