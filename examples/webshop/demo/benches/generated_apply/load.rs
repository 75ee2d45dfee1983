//! The load both handlers apply, and the `products` replica it must leave behind.
//!
//! Every product is created first (so no adjustment waits for its row); then each event picks
//! a product at random and is a `StockAdjusted` (nine in ten: the delta path) or a re-published
//! `ProductCreated` (one in ten: the upsert's update path, guarded by the event id). The
//! expected replica is computed alongside, so a round that skipped or doubled any event fails.

use std::collections::BTreeMap;

use herald_runtime::Envelope;
use herald_webshop_demo::generated::events::product_created::ProductCreatedV1;
use herald_webshop_demo::generated::events::stock_adjusted::{
    StockAdjustedV1, StockAdjustedV1Reason,
};
use herald_webshop_demo::generated::shared::Money;

/// One row of `products`, as both handlers must leave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductRow {
    /// Stock-keeping unit.
    pub sku: String,
    /// Display name.
    pub name: String,
    /// Units on hand.
    pub stock: i64,
    /// The time of the last event applied.
    pub updated_at: Option<String>,
    /// How many events changed the row.
    pub version: i64,
}

/// The envelopes, in publishing order, and the replica they imply (by product id).
pub struct Load {
    /// What the bus delivers.
    pub envelopes: Vec<Envelope>,
    /// What `products` holds once every envelope is applied.
    pub expected: BTreeMap<String, ProductRow>,
}

/// `products` products created, then `total - products` adjustments and re-publications.
pub fn build(products: usize, total: usize) -> Load {
    let mut random = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut clock = Clock(0);
    let ids: Vec<String> = (0..products)
        .map(|_| uuid::Uuid::new_v4().to_string())
        .collect();
    let mut envelopes = Vec::with_capacity(total.max(products));
    let mut expected = BTreeMap::new();
    for (number, id) in ids.iter().enumerate() {
        let created = product(id, number, 0, &mut random, &mut clock);
        envelopes.push(wrap(&created));
        expected.insert(id.clone(), row_of(&created));
    }
    for _ in products..total {
        let number = random.below(products as u64) as usize;
        let id = &ids[number];
        let row = expected
            .get_mut(id)
            .expect("every product was created first");
        if random.below(10) == 0 {
            let republished = product(id, number, row.version, &mut random, &mut clock);
            envelopes.push(wrap(&republished));
            let version = row.version + 1;
            *row = ProductRow {
                version,
                ..row_of(&republished)
            };
        } else {
            let adjusted = adjustment(id, &mut random, &mut clock);
            envelopes.push(wrap(&adjusted));
            row.stock += adjusted.delta;
            row.updated_at = Some(adjusted.adjusted_at.clone());
            row.version += 1;
        }
    }
    // The upsert and the update apply set columns only for an event newer than the row's last
    // (by id): the expected replica assumes ids grow in publishing order, as UUIDv7s do.
    assert!(
        envelopes.windows(2).all(|pair| pair[0].id < pair[1].id),
        "event ids must grow in publishing order"
    );
    Load {
        envelopes,
        expected,
    }
}

/// `ProductCreated` for product `number`, revision `revision`.
fn product(
    id: &str,
    number: usize,
    revision: i64,
    random: &mut XorShift,
    clock: &mut Clock,
) -> ProductCreatedV1 {
    ProductCreatedV1 {
        product_id: id.to_owned(),
        sku: format!("SKU-{number:05}"),
        name: format!("Product {number} (revision {revision})"),
        price: Money {
            amount: 100 + random.below(10_000) as i64,
            currency: "EUR".to_owned(),
        },
        initial_stock: random.below(500),
        created_at: clock.tick(),
    }
}

/// A `StockAdjusted` of -5 to +10 units.
fn adjustment(id: &str, random: &mut XorShift, clock: &mut Clock) -> StockAdjustedV1 {
    const REASONS: [StockAdjustedV1Reason; 5] = [
        StockAdjustedV1Reason::Restock,
        StockAdjustedV1Reason::Return,
        StockAdjustedV1Reason::Damaged,
        StockAdjustedV1Reason::Lost,
        StockAdjustedV1Reason::CountCorrection,
    ];
    StockAdjustedV1 {
        product_id: id.to_owned(),
        delta: random.below(16) as i64 - 5,
        reason: REASONS[random.below(REASONS.len() as u64) as usize],
        adjusted_at: clock.tick(),
    }
}

fn row_of(created: &ProductCreatedV1) -> ProductRow {
    ProductRow {
        sku: created.sku.clone(),
        name: created.name.clone(),
        stock: created.initial_stock as i64,
        updated_at: Some(created.created_at.clone()),
        version: 1,
    }
}

fn wrap<E: herald_runtime::Event>(event: &E) -> Envelope {
    Envelope::wrap("inventory", event, None).expect("the webshop's events serialize")
}

/// A deterministic pseudo-random sequence (xorshift64): the same load every run.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

/// Event times one second apart from 2026-03-01T00:00:00Z, as RFC 3339.
struct Clock(i64);

impl Clock {
    fn tick(&mut self) -> String {
        const START: i64 = 1_772_323_200;
        self.0 += 1;
        time::OffsetDateTime::from_unix_timestamp(START + self.0)
            .expect("a time in range")
            .format(&time::format_description::well_known::Rfc3339)
            .expect("RFC 3339 formats every UTC time")
    }
}
