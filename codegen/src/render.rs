//! Templates → formatted Rust: handlebars in strict mode without HTML escaping renders each
//! module, `syn` parses the result (a template bug is an error naming the template, and no
//! file is written), and `prettyplease` prints it.

use std::path::Path;

use handlebars::Handlebars;
use serde_json::Value;

use crate::error::GenerateError;

/// The embedded templates, by name (the file name under `templates/`).
pub const TEMPLATES: &[(&str, &str)] = &[
    ("mod.rs.hbs", include_str!("../../templates/mod.rs.hbs")),
    (
        "support.rs.hbs",
        include_str!("../../templates/support.rs.hbs"),
    ),
    (
        "shared.rs.hbs",
        include_str!("../../templates/shared.rs.hbs"),
    ),
    (
        "events.rs.hbs",
        include_str!("../../templates/events.rs.hbs"),
    ),
    ("event.rs.hbs", include_str!("../../templates/event.rs.hbs")),
    (
        "services.rs.hbs",
        include_str!("../../templates/services.rs.hbs"),
    ),
    (
        "service.rs.hbs",
        include_str!("../../templates/service.rs.hbs"),
    ),
    (
        "producer.rs.hbs",
        include_str!("../../templates/producer.rs.hbs"),
    ),
    (
        "consumer.rs.hbs",
        include_str!("../../templates/consumer.rs.hbs"),
    ),
    (
        "replica.rs.hbs",
        include_str!("../../templates/replica.rs.hbs"),
    ),
    ("types.rs.hbs", include_str!("../../templates/types.rs.hbs")),
    (
        "partials/definition.hbs",
        include_str!("../../templates/partials/definition.hbs"),
    ),
];

/// A handlebars registry with herald's templates, each optionally replaced by a file of the
/// same name under `overrides`.
pub struct Renderer {
    registry: Handlebars<'static>,
}

impl Renderer {
    /// Registers the embedded templates, then the overrides.
    pub fn new(overrides: Option<&Path>) -> Result<Self, GenerateError> {
        let mut registry = Handlebars::new();
        registry.set_strict_mode(true);
        registry.register_escape_fn(handlebars::no_escape);
        for (name, text) in TEMPLATES {
            let text = match overrides {
                Some(dir) if dir.join(name).is_file() => {
                    let path = dir.join(name);
                    std::fs::read_to_string(&path).map_err(|source| GenerateError::Io {
                        path: path.display().to_string(),
                        source,
                    })?
                }
                _ => (*text).to_string(),
            };
            let key = template_key(name);
            let result = if let Some(partial) = name.strip_prefix("partials/") {
                registry.register_partial(partial.trim_end_matches(".hbs"), text)
            } else {
                registry.register_template_string(&key, text)
            };
            result.map_err(|error| GenerateError::Template {
                template: (*name).to_string(),
                message: error.to_string(),
            })?;
        }
        Ok(Renderer { registry })
    }

    /// Renders template `name` (e.g. `event.rs.hbs`) with `context`: the module's text, not
    /// yet parsed (see [`format_module`]).
    pub fn render_text(&self, name: &str, context: &Value) -> Result<String, GenerateError> {
        self.registry
            .render(&template_key(name), context)
            .map_err(|error| GenerateError::Template {
                template: name.to_string(),
                message: error.to_string(),
            })
    }
}

/// Parses the text template `template` rendered for `module` and returns it printed by
/// `prettyplease`; when the text is not a Rust file, the error names the template and the
/// module. Each module is parsed once.
pub fn format_module(text: &str, template: &str, module: &str) -> Result<String, GenerateError> {
    format_parsed(text, template, module)
}

/// Parses `text` and prints it. The parser keeps every text it saw on this thread to answer
/// line/column questions; after the one question an error asks, that memory is released, so
/// generating thousands of modules stays linear.
fn format_parsed(text: &str, template: &str, module: &str) -> Result<String, GenerateError> {
    let result = match syn::parse_file(text) {
        Ok(file) => Ok(prettyplease::unparse(&file)),
        Err(error) => Err(syntax_error(template, module, text, &error)),
    };
    proc_macro2::extra::invalidate_current_thread_spans();
    result
}

fn template_key(name: &str) -> String {
    name.trim_end_matches(".hbs").to_string()
}

/// Parses and pretty-prints a whole file.
pub fn format_file(text: &str, what: &str) -> Result<String, GenerateError> {
    format_parsed(text, "(assembled)", what)
}

fn syntax_error(template: &str, module: &str, text: &str, error: &syn::Error) -> GenerateError {
    let start = error.span().start();
    let line = text.lines().nth(start.line.saturating_sub(1)).unwrap_or("");
    GenerateError::Syntax {
        template: template.to_string(),
        module: module.to_string(),
        line: start.line,
        column: start.column + 1,
        message: error.to_string(),
        source_line: line.trim().to_string(),
    }
}
