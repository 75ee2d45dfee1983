//! `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf` (with draft-04's
//! boolean exclusives): rules `minimum-increased`, `maximum-decreased`, `multiple-of-narrowed`
//! and their mirrors. Witness numbers are searched near the bounds, honouring the producer's
//! integer-ness and `multipleOf`.

use serde_json::{Map, Value};

use crate::compat::conj::{Conj, types};
use crate::compat::decimal::is_multiple;
use crate::compat::engine::Engine;
use crate::compat::facets::{Bound, Facets, NumberFacet};
use crate::compat::finding::{Finding, Hint, Info, Seg};
use crate::schema::refs::NodeRef;

/// Checks the consumer's numeric keywords against the numbers the producer may write.
pub fn check(
    engine: &mut Engine<'_, '_>,
    producer: &Conj,
    facets: &Facets,
    consumer: &NodeRef,
    object: &Map<String, Value>,
    path: &[Seg],
) {
    if facets.types & (types::INTEGER | types::FRACTION) == 0 {
        return;
    }
    let keywords = [
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
    ];
    if !keywords.iter().any(|keyword| object.contains_key(*keyword)) {
        return;
    }
    // Read the consumer node's own bounds the way the producer's are read.
    let own = Facets::of(engine.consumer, &Conj::of([consumer.clone()]));
    let wanted = NumberFacet {
        lower: own_bound(object, "minimum", "exclusiveMinimum", own.number.lower),
        upper: own_bound(object, "maximum", "exclusiveMaximum", own.number.upper),
        multiples: object
            .get("multipleOf")
            .and_then(Value::as_f64)
            .into_iter()
            .collect(),
    };
    let integers_only = facets.types & types::FRACTION == 0;
    let have = &facets.number;
    let first = producer.nodes().next().cloned();
    let fits = |n: f64| in_producer(have, integers_only, n);

    if let Some(lower) = wanted.lower {
        let below = |n: f64| n < lower.value || (lower.exclusive && n == lower.value);
        match candidates(have, integers_only, lower.value)
            .into_iter()
            .find(|n| fits(*n) && below(*n))
        {
            Some(number) => engine.report(Finding::broken(
                "minimum-increased",
                format!(
                    "numbers from {} are required by the reader; the writer may write {}",
                    describe(lower, ">"),
                    show(number)
                ),
                first.clone(),
                consumer.clone(),
                path,
                Hint::Value(number_value(number)),
            )),
            None if !lower_implied(have, integers_only, lower) => engine.unproven(
                producer,
                consumer,
                path,
                "a lower bound changed and no breaking number was found",
            ),
            None => {
                if have.lower.is_some_and(|old| old.value > lower.value) {
                    engine.note(Info::new(
                        "minimum-decreased",
                        format!("the lower bound is {}", show(lower.value)),
                        first.clone(),
                        consumer.clone(),
                        path,
                    ));
                }
            }
        }
    }
    if let Some(upper) = wanted.upper {
        let above = |n: f64| n > upper.value || (upper.exclusive && n == upper.value);
        match candidates(have, integers_only, upper.value)
            .into_iter()
            .find(|n| fits(*n) && above(*n))
        {
            Some(number) => engine.report(Finding::broken(
                "maximum-decreased",
                format!(
                    "numbers up to {} are allowed by the reader; the writer may write {}",
                    describe(upper, "<"),
                    show(number)
                ),
                first.clone(),
                consumer.clone(),
                path,
                Hint::Value(number_value(number)),
            )),
            None if !upper_implied(have, integers_only, upper) => engine.unproven(
                producer,
                consumer,
                path,
                "an upper bound changed and no breaking number was found",
            ),
            None => {
                if have.upper.is_some_and(|old| old.value < upper.value) {
                    engine.note(Info::new(
                        "maximum-increased",
                        format!("the upper bound is {}", show(upper.value)),
                        first.clone(),
                        consumer.clone(),
                        path,
                    ));
                }
            }
        }
    }
    for &divisor in &wanted.multiples {
        if multiple_implied(have, integers_only, divisor) {
            continue;
        }
        let breaking = candidates(have, integers_only, divisor)
            .into_iter()
            .find(|n| fits(*n) && is_multiple(*n, divisor) == Some(false));
        match breaking {
            Some(number) => {
                let rule = if divisor == 1.0 && number.fract() != 0.0 {
                    "integer-required"
                } else {
                    "multiple-of-narrowed"
                };
                engine.report(Finding::broken(
                    rule,
                    format!(
                        "numbers must be multiples of {} by the reader; the writer may write {}",
                        show(divisor),
                        show(number)
                    ),
                    first.clone(),
                    consumer.clone(),
                    path,
                    Hint::Value(number_value(number)),
                ));
            }
            None => engine.unproven(
                producer,
                consumer,
                path,
                "`multipleOf` changed and no breaking number was found",
            ),
        }
    }
}

fn own_bound(
    object: &Map<String, Value>,
    inclusive: &str,
    exclusive: &str,
    read: Option<Bound>,
) -> Option<Bound> {
    (object.contains_key(inclusive) || object.contains_key(exclusive))
        .then_some(read)
        .flatten()
}

/// Whether the producer's numbers are all within `lower`.
fn lower_implied(have: &NumberFacet, integers_only: bool, lower: Bound) -> bool {
    let Some(old) = have.lower else {
        return false;
    };
    if old.value > lower.value || (old.value == lower.value && (old.exclusive || !lower.exclusive))
    {
        return true;
    }
    // Integers: `> 4.5` and `>= 5` are the same set.
    integers_only
        && smallest_integer(old) >= smallest_integer(lower)
        && (!lower.exclusive || smallest_integer(old) as f64 > lower.value)
}

fn upper_implied(have: &NumberFacet, integers_only: bool, upper: Bound) -> bool {
    let Some(old) = have.upper else {
        return false;
    };
    if old.value < upper.value || (old.value == upper.value && (old.exclusive || !upper.exclusive))
    {
        return true;
    }
    integers_only
        && largest_integer(old) <= largest_integer(upper)
        && (!upper.exclusive || (largest_integer(old) as f64) < upper.value)
}

fn multiple_implied(have: &NumberFacet, integers_only: bool, divisor: f64) -> bool {
    have.multiples
        .iter()
        .any(|m| is_multiple(*m, divisor) == Some(true))
        || (integers_only && is_multiple(1.0, divisor) == Some(true))
}

fn smallest_integer(bound: Bound) -> i64 {
    let ceil = bound.value.ceil();
    (if bound.exclusive && ceil == bound.value {
        ceil + 1.0
    } else {
        ceil
    }) as i64
}

fn largest_integer(bound: Bound) -> i64 {
    let floor = bound.value.floor();
    (if bound.exclusive && floor == bound.value {
        floor - 1.0
    } else {
        floor
    }) as i64
}

/// Whether the producer may write `n`.
fn in_producer(have: &NumberFacet, integers_only: bool, n: f64) -> bool {
    if integers_only && n.fract() != 0.0 {
        return false;
    }
    if let Some(lower) = have.lower
        && (n < lower.value || (lower.exclusive && n == lower.value))
    {
        return false;
    }
    if let Some(upper) = have.upper
        && (n > upper.value || (upper.exclusive && n == upper.value))
    {
        return false;
    }
    have.multiples
        .iter()
        .all(|m| is_multiple(n, *m) == Some(true))
}

/// Numbers worth trying near `anchor` and the producer's own bounds.
fn candidates(have: &NumberFacet, integers_only: bool, anchor: f64) -> Vec<f64> {
    let mut anchors = vec![anchor, 0.0, 1.0];
    anchors.extend(have.lower.map(|bound| bound.value));
    anchors.extend(have.upper.map(|bound| bound.value));
    let mut steps = vec![1.0, 0.5, 0.25, 0.1, 0.01];
    steps.extend(have.multiples.iter().copied());
    let mut out = Vec::new();
    for a in &anchors {
        for step in &steps {
            let base = (a / step).floor() * step;
            for k in -3..=3 {
                out.push(base + f64::from(k) * step);
            }
        }
        out.push(a.floor());
        out.push(a.ceil());
    }
    out.retain(|n| n.is_finite() && (!integers_only || n.fract() == 0.0));
    out.sort_by(|a, b| (a - anchor).abs().total_cmp(&(b - anchor).abs()));
    out.dedup();
    out
}

fn describe(bound: Bound, direction: &str) -> String {
    let equal = if bound.exclusive { "" } else { "=" };
    format!("{direction}{equal} {}", show(bound.value))
}

fn show(n: f64) -> String {
    number_value(n).to_string()
}

fn number_value(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}
