//! `items`, `prefixItems`, `additionalItems`, `minItems`, `maxItems`, `uniqueItems`,
//! `contains`: rules `min-items-increased`, `max-items-decreased`, `unique-items-added`,
//! `contains-added` and their mirrors; item schemas are compared position by position.

use serde_json::{Map, Value};

use crate::compat::conj::{Conj, types};
use crate::compat::engine::Engine;
use crate::compat::facets::{Facets, any_false};
use crate::compat::finding::{Finding, Hint, Info, Seg};
use crate::compat::tolerant;
use crate::schema::refs::NodeRef;

const ARRAY_KEYWORDS: &[&str] = &[
    "items",
    "prefixItems",
    "additionalItems",
    "minItems",
    "maxItems",
    "uniqueItems",
    "contains",
    "minContains",
    "maxContains",
    "unevaluatedItems",
];

/// Checks the consumer's array keywords against the arrays the producer may write.
pub fn check(
    engine: &mut Engine<'_, '_>,
    producer: &Conj,
    facets: &Facets,
    consumer: &NodeRef,
    object: &Map<String, Value>,
    path: &mut Vec<Seg>,
) {
    if facets.types & types::ARRAY == 0
        || !ARRAY_KEYWORDS
            .iter()
            .any(|keyword| object.contains_key(*keyword))
    {
        return;
    }
    let wanted = Facets::of(engine.consumer, &Conj::of([consumer.clone()]));
    let have = &facets.array;
    let first = producer.nodes().next().cloned();
    // The producer cannot write past a position whose schema is `false`.
    let mut producer_max = have.max_items;
    for at in 0..=facets.prefix_len() {
        if any_false(engine.producer, &facets.item(at)) {
            producer_max = Some(producer_max.map_or(at as u64, |max| max.min(at as u64)));
            break;
        }
    }
    let reachable = |at: usize| producer_max.is_none_or(|max| (at as u64) < max);

    let positions = facets.prefix_len().max(wanted.prefix_len());
    for at in 0..=positions {
        if !reachable(at) {
            break;
        }
        let consumer_items = wanted.item(at);
        if consumer_items.is_empty() {
            continue;
        }
        let producer_item = Conj::of(facets.item(at));
        path.push(Seg::Index(at));
        for item in &consumer_items {
            engine.includes(&producer_item, item, path);
        }
        path.pop();
    }

    if object.contains_key("minItems") && have.min_items < wanted.array.min_items {
        engine.report(Finding::broken(
            "min-items-increased",
            format!(
                "arrays need at least {} items by the reader; the writer may write {}",
                wanted.array.min_items, have.min_items
            ),
            first.clone(),
            consumer.clone(),
            path,
            Hint::ArrayOfLength(have.min_items),
        ));
    } else if object.contains_key("minItems") && have.min_items > wanted.array.min_items {
        engine.note(Info::new(
            "min-items-decreased",
            format!("`minItems` is {}", wanted.array.min_items),
            first.clone(),
            consumer.clone(),
            path,
        ));
    }
    if let Some(max) = wanted.array.max_items
        && object.contains_key("maxItems")
    {
        if producer_max.is_none_or(|old| old > max) {
            engine.report(Finding::broken(
                "max-items-decreased",
                format!(
                    "arrays may have at most {max} items by the reader; the writer may write more"
                ),
                first.clone(),
                consumer.clone(),
                path,
                Hint::ArrayOfLength(max + 1),
            ));
        } else if have.max_items.is_some_and(|old| old < max) {
            engine.note(Info::new(
                "max-items-increased",
                format!("`maxItems` is {max}"),
                first.clone(),
                consumer.clone(),
                path,
            ));
        }
    }
    // A tolerant reading of two different items may be equal (a dropped property).
    let merged_by_reading = wanted.array.unique
        && have.unique
        && producer_max.is_none_or(|max| max >= 2)
        && engine.reader_place().is_some_and(|place| {
            (0..=facets
                .prefix_len()
                .max(tolerant::prefix_len(engine.consumer, place)))
                .any(|at| {
                    !tolerant::items(engine.consumer, place, at).is_empty()
                        && Facets::of(
                            engine.producer,
                            &crate::compat::conj::expand(
                                engine.producer,
                                &Conj::of(facets.item(at)),
                            ),
                        )
                        .types
                            & (types::OBJECT | types::ARRAY)
                            != 0
                })
        });
    if wanted.array.unique
        && (!have.unique || merged_by_reading)
        && producer_max.is_none_or(|max| max >= 2)
    {
        engine.report(Finding::broken(
            "unique-items-added",
            "array items must be unique by the reader; the writer may repeat an item",
            first.clone(),
            consumer.clone(),
            path,
            Hint::DuplicateItems,
        ));
    } else if have.unique && !wanted.array.unique && object.contains_key("uniqueItems") {
        engine.note(Info::new(
            "unique-items-removed",
            "items no longer need to be unique",
            first.clone(),
            consumer.clone(),
            path,
        ));
    }
    for (contains, min, max) in &wanted.array.contains {
        let mut missed = Vec::new();
        if contains_guaranteed(
            engine,
            facets,
            producer_max,
            (contains, *min, *max),
            path,
            &mut missed,
        ) {
            continue;
        }
        let mut finding = Finding::broken(
            "contains-added",
            format!(
                "arrays must contain at least {min} matching item(s) by the reader; the writer's arrays need not"
            ),
            first.clone(),
            consumer.clone(),
            path,
            Hint::ArrayOfLength(have.min_items),
        );
        // Items that fail `contains` show it too.
        finding.alternatives.extend(missed);
        engine.report(finding);
    }
}

/// Whether every producer array has between `min` and `max` items matching `contains`.
///
/// `contains` applies to items, which a tolerant reader reads with its item schemas (or
/// whole, where it has none): each check runs at the item's place.
fn contains_guaranteed(
    engine: &mut Engine<'_, '_>,
    facets: &Facets,
    producer_max: Option<u64>,
    (contains, min, max): (&NodeRef, u64, Option<u64>),
    path: &[Seg],
    missed: &mut Vec<(Vec<Seg>, Hint)>,
) -> bool {
    if min == 0 && max.is_none() {
        return true;
    }
    let reader = engine.reader_place().map(<[NodeRef]>::to_vec);
    let writer = engine.writer_place().map(<[NodeRef]>::to_vec);
    let reader_prefix = reader
        .as_deref()
        .map_or(0, |place| tolerant::prefix_len(engine.consumer, place));
    let writer_prefix = writer
        .as_deref()
        .map_or(0, |place| tolerant::prefix_len(engine.producer, place));
    let positions = facets.prefix_len().max(reader_prefix).max(writer_prefix);
    let item_place = |side, place: &Option<Vec<NodeRef>>, at: usize| {
        place
            .as_deref()
            .map(|place| tolerant::items(side, place, at))
            .filter(|items| !items.is_empty())
    };
    // Every item the producer may write matches, and there are enough of them.
    let all_match = (0..=positions).all(|at| {
        let item = Conj::of(facets.item(at));
        let reads = item_place(engine.consumer, &reader, at);
        let writes = item_place(engine.producer, &writer, at);
        let mut at_item = path.to_vec();
        at_item.push(Seg::Index(at));
        let found = engine.at_place(at_item.len(), reads, writes, |engine| {
            engine.trial(|engine| engine.includes(&item, contains, &mut at_item))
        });
        let matched = found.is_empty();
        for finding in found {
            missed.push((finding.path, finding.hint));
            missed.extend(finding.alternatives);
        }
        matched
    });
    if all_match
        && facets.array.min_items >= min
        && max.is_none_or(|max| producer_max.is_some_and(|old| old <= max))
    {
        return true;
    }
    // The producer's own `contains` implies the consumer's (read as written: only where
    // neither side reads or writes items with schemas of their own).
    let items_whole = (0..=positions).all(|at| {
        item_place(engine.consumer, &reader, at).is_none()
            && item_place(engine.producer, &writer, at).is_none()
    });
    let mut at_item = path.to_vec();
    at_item.push(Seg::Index(0));
    let depth = at_item.len();
    items_whole
        && max.is_none()
        && facets.array.contains.iter().any(|(own, own_min, _)| {
            *own_min >= min
                && engine.at_place(depth, None, None, |engine| {
                    engine
                        .trial(|engine| {
                            engine.includes(
                                &Conj::of([own.clone()]),
                                contains,
                                &mut at_item.clone(),
                            )
                        })
                        .is_empty()
                })
        })
}
