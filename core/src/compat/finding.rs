//! What the engine finds: a break (or a question it cannot settle) at an instance path, with
//! a hint for building the document that shows it, and the compatible changes it notices.

use serde_json::Value;

use crate::schema::refs::NodeRef;

/// A step of an instance path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Seg {
    /// An object property.
    Key(String),
    /// An array position.
    Index(usize),
}

/// Renders an instance path as a JSON pointer.
pub fn pointer_of(path: &[Seg]) -> String {
    path.iter()
        .map(|seg| match seg {
            Seg::Key(name) => format!("/{}", crate::source::escape_token(name)),
            Seg::Index(at) => format!("/{at}"),
        })
        .collect()
}

/// What the producer's document has at the finding's path.
#[derive(Debug, Clone, PartialEq)]
pub enum Hint {
    /// This value.
    Value(Value),
    /// Nothing: the property is absent.
    Absent,
    /// Any value the producer allows.
    Sample,
    /// A value of one of these JSON types (`conj::types` bits).
    OfType(u8),
    /// A value that is none of these.
    NotIn(Vec<Value>),
    /// An array of exactly this many items.
    ArrayOfLength(u64),
    /// An array with two equal items.
    DuplicateItems,
    /// An object with as few properties as the producer allows.
    FewestProperties,
    /// An object with as many properties as the producer allows, at least this many.
    MostProperties(u64),
    /// An object with an extra property of this name.
    ExtraProperty(String),
    /// An object with the first property and without the second.
    WithWithout(String, String),
}

/// Whether a finding is a break the engine believes in, or a question it could not settle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Certainty {
    /// The engine found a difference; the witness builder will show it.
    Broken,
    /// The engine could not prove the producer's documents are accepted.
    Unproven,
}

/// A place where the consumer may reject what the producer writes.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The rule's stable ID.
    pub rule: &'static str,
    /// Broken or unproven.
    pub certainty: Certainty,
    /// What changed.
    pub message: String,
    /// Where in the producer's schema.
    pub producer: Option<NodeRef>,
    /// Where in the consumer's schema.
    pub consumer: NodeRef,
    /// Where in the document.
    pub path: Vec<Seg>,
    /// How to build the document.
    pub hint: Hint,
    /// More (path, hint) candidates to try when the first does not make a witness.
    pub alternatives: Vec<(Vec<Seg>, Hint)>,
}

/// A compatible change worth reporting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Info {
    /// The rule's stable ID.
    pub rule: &'static str,
    /// What changed.
    pub message: String,
    /// Where in the producer's schema.
    pub producer: Option<NodeRef>,
    /// Where in the consumer's schema.
    pub consumer: NodeRef,
    /// Where in the document.
    pub path: Vec<Seg>,
}

impl Finding {
    /// A break at `path`.
    pub fn broken(
        rule: &'static str,
        message: impl Into<String>,
        producer: Option<NodeRef>,
        consumer: NodeRef,
        path: &[Seg],
        hint: Hint,
    ) -> Self {
        Finding {
            rule,
            certainty: Certainty::Broken,
            message: message.into(),
            producer,
            consumer,
            path: path.to_vec(),
            hint,
            alternatives: Vec::new(),
        }
    }
}

impl Info {
    /// A compatible change at `path`.
    pub fn new(
        rule: &'static str,
        message: impl Into<String>,
        producer: Option<NodeRef>,
        consumer: NodeRef,
        path: &[Seg],
    ) -> Self {
        Info {
            rule,
            message: message.into(),
            producer,
            consumer,
            path: path.to_vec(),
        }
    }
}
