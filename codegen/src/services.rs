//! Per service: the typed publisher of what it produces and the handler trait (with its
//! dispatching `Handler`) of what it consumes.

use std::collections::BTreeSet;

use herald_core::names::{field_name, type_name};
use serde_json::{Value, json};

use crate::defaults::string_literal;
use crate::ir::{Ty, TypeRef, render_imports};

/// One event a service produces or consumes.
pub struct ServiceEvent {
    /// The catalog name.
    pub name: String,
    /// The latest version struct.
    pub latest: TypeRef,
    /// The latest version number.
    pub version: u32,
    /// The enum over all versions.
    pub all_versions: TypeRef,
    /// The apply functions of the service's replicas for this event (module path, fn name).
    pub applies: Vec<(Vec<String>, String)>,
}

/// The producer module's context.
pub fn producer_context(service: &str, module: &[String], events: &[ServiceEvent]) -> Value {
    let mut imports = BTreeSet::from(["support".to_string()]);
    let events: Vec<Value> = events
        .iter()
        .map(|event| {
            json!({
                "name": event.name, "version": event.version, "method": field_name(&event.name),
                "ty": Ty::Named(event.latest.clone()).render(module, &mut imports),
            })
        })
        .collect();
    json!({
        "module_doc": string_literal(&format!(" What `{service}` publishes.")),
        "imports": render_imports(module, &imports),
        "service": service,
        "publisher": format!("{}Publisher", type_name(service)),
        "events": events,
    })
}

/// The consumer module's context.
pub fn consumer_context(service: &str, module: &[String], events: &[ServiceEvent]) -> Value {
    let mut imports = BTreeSet::new();
    let events: Vec<Value> = events
        .iter()
        .map(|event| {
            let applies: Vec<String> = event
                .applies
                .iter()
                .map(|(path, function)| {
                    TypeRef {
                        module: path.clone(),
                        name: function.clone(),
                    }
                    .render(module, &mut imports)
                })
                .collect();
            let replicas = event
                .applies
                .iter()
                .filter_map(|(path, _)| path.last())
                .map(|name| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(", ");
            json!({
                "name": event.name, "method": format!("on_{}", field_name(&event.name)),
                "literal": string_literal(&event.name),
                "ty": Ty::Named(event.latest.clone()).render(module, &mut imports),
                "all_versions": Ty::Named(event.all_versions.clone()).render(module, &mut imports),
                "applies": applies, "replicas": replicas,
            })
        })
        .collect();
    let escaped = service.replace('{', "{{").replace('}', "}}");
    json!({
        "module_doc": string_literal(&format!(" What `{service}` does with the events it consumes.")),
        "imports": render_imports(module, &imports),
        "service": service,
        "trait_name": format!("{}Handlers", type_name(service)),
        "consumer": format!("{}Consumer", type_name(service)),
        "reject_format": string_literal(&format!("{escaped} does not consume `{{other}}`")),
        "events": events,
    })
}
