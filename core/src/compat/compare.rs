//! One comparison of two schemas in one direction, from engine findings to reported changes:
//! each break gets its witness, each finding without one becomes "could not prove", and a
//! final search for a breaking document guards against a rule the engine got wrong.

use serde_json::Value;

use super::engine::Engine;
use super::finding::{Certainty, Finding, pointer_of};
use super::options::{Direction, Semantics};
use super::rules::rule_info;
use super::side::Side;
use super::witness::Judge;
use crate::schema::refs::NodeRef;

/// A change between two schemas.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The rule's stable ID.
    pub rule: &'static str,
    /// Whether it can reject documents.
    pub breaking: bool,
    /// Whether a witness proves the break (always true for breaking changes with a witness).
    pub proven: bool,
    /// What changed.
    pub message: String,
    /// The direction it was found in.
    pub direction: Direction,
    /// Where in the old schema (a node), when known.
    pub old_node: Option<NodeRef>,
    /// Where in the new schema (a node), when known.
    pub new_node: Option<NodeRef>,
    /// Where in the document.
    pub instance_path: String,
    /// A document the writer's schema accepts and the reader's rejects.
    pub witness: Option<Value>,
}

/// What to try, beyond the engine's findings, to catch a break no rule saw.
#[derive(Debug, Clone, Copy)]
pub enum SafetyNet<'v> {
    /// Documents sampled from the producer's schema (one pair at a time: `herald diff`).
    Sample,
    /// Documents the producer is known to write: each version's examples (`herald check`,
    /// where sampling every pair of a large catalog would cost more than the check).
    Documents(
        &'v [crate::catalog::raw::Example],
        &'v [crate::catalog::raw::Example],
    ),
}

/// Compares `old` and `new` in `direction`: in backward, producers use OLD and consumers NEW.
pub fn compare(
    old: &Side<'_>,
    new: &Side<'_>,
    direction: Direction,
    semantics: Semantics,
) -> Vec<Change> {
    compare_with(old, new, direction, semantics, SafetyNet::Sample)
}

/// [`compare`] with a chosen safety net.
pub fn compare_with(
    old: &Side<'_>,
    new: &Side<'_>,
    direction: Direction,
    semantics: Semantics,
    net: SafetyNet<'_>,
) -> Vec<Change> {
    let (producer, consumer) = match direction {
        Direction::Backward => (old, new),
        Direction::Forward => (new, old),
    };
    let mut engine = Engine::new(producer, consumer, semantics);
    engine.run();
    let judge = Judge::new(producer, consumer, semantics);
    let place = |producer_node: Option<NodeRef>, consumer_node: Option<NodeRef>| match direction {
        Direction::Backward => (producer_node, consumer_node),
        Direction::Forward => (consumer_node, producer_node),
    };
    let mut changes: Vec<Change> = Vec::new();
    for finding in dedupe(engine.findings) {
        let witness = judge.witness(&finding);
        let (old_node, new_node) = place(finding.producer.clone(), Some(finding.consumer.clone()));
        let (rule, message, proven) = match (&witness, finding.certainty) {
            (Some(_), _) if finding.rule == "cannot-prove-compatible" => {
                ("breaking-change", finding.message.clone(), true)
            }
            (Some(_), _) => (finding.rule, finding.message.clone(), true),
            (None, Certainty::Unproven) if finding.rule == "cannot-prove-compatible" => {
                (finding.rule, finding.message.clone(), false)
            }
            (None, _) => (
                "cannot-prove-compatible",
                format!(
                    "{} (herald found no document that breaks, but could not prove that none does)",
                    finding.message
                ),
                false,
            ),
        };
        changes.push(Change {
            rule,
            breaking: true,
            proven,
            message,
            direction,
            old_node,
            new_node,
            instance_path: pointer_of(&finding.path),
            witness,
        });
    }
    let caught = || match net {
        SafetyNet::Sample => judge.search(),
        SafetyNet::Documents(old_documents, new_documents) => {
            let written = if direction == Direction::Backward {
                old_documents
            } else {
                new_documents
            };
            written
                .iter()
                .map(|example| &example.payload)
                .find(|document| judge.breaks(document))
                .cloned()
        }
    };
    // The engine's proof is the guarantee; when it could only say "could not prove", look
    // for a document that settles the question the other way.
    if !changes.is_empty()
        && changes.iter().all(|change| !change.proven)
        && let Some(witness) = caught()
    {
        changes.retain(|change| change.proven);
        let (old_node, new_node) = place(Some(producer.root.clone()), Some(consumer.root.clone()));
        changes.push(Change {
            rule: "breaking-change",
            breaking: true,
            proven: true,
            message: "a document the writer's schema accepts is rejected by the reader's"
                .to_string(),
            direction,
            old_node,
            new_node,
            instance_path: String::new(),
            witness: Some(witness),
        });
    }
    for info in engine.infos {
        let (old_node, new_node) = place(info.producer.clone(), Some(info.consumer.clone()));
        changes.push(Change {
            rule: info.rule,
            breaking: rule_info(info.rule).is_some_and(|rule| rule.breaking),
            proven: true,
            message: info.message,
            direction,
            old_node,
            new_node,
            instance_path: pointer_of(&info.path),
            witness: None,
        });
    }
    changes
}

/// One finding per (rule, path, consumer node); a repeated one's witness hints become the
/// kept one's alternatives (another disjunct of the producer may show the break).
fn dedupe(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    for finding in findings {
        match out.iter_mut().find(|seen| {
            seen.rule == finding.rule
                && seen.path == finding.path
                && seen.consumer == finding.consumer
        }) {
            Some(seen) => {
                let hint = (finding.path, finding.hint);
                if seen.alternatives.len() < 8 && !seen.alternatives.contains(&hint) {
                    seen.alternatives.push(hint);
                }
            }
            None => out.push(finding),
        }
    }
    out
}
