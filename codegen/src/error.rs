//! Why generation failed. Every variant says where: the catalog file and line, the template,
//! or the output path.

/// A generation failure.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The catalog directory cannot be used at all.
    #[error(transparent)]
    Catalog(#[from] herald_core::catalog::UnusableCatalog),
    /// The catalog has errors (`herald validate` shows them); already rendered with file,
    /// line and column.
    #[error("the catalog has errors; `herald validate` must pass before generating:\n{0}")]
    Invalid(String),
    /// Something in a schema herald cannot generate code for.
    #[error("{location}: {reason}")]
    Unsupported {
        /// `file:line:column`.
        location: String,
        /// Why.
        reason: String,
    },
    /// `--service` names no service of the catalog.
    #[error("no service `{0}` in the catalog (services: {1})")]
    UnknownService(String, String),
    /// A template could not be registered or rendered.
    #[error("template `{template}`: {message}")]
    Template {
        /// The template's file name.
        template: String,
        /// handlebars' message, with the template's line and column.
        message: String,
    },
    /// A template rendered text that is not Rust.
    #[error(
        "template `{template}` rendered invalid Rust for module `{module}` at {line}:{column}: {message}\n    {source_line}"
    )]
    Syntax {
        /// The template's file name.
        template: String,
        /// The module being rendered.
        module: String,
        /// Line in the rendered text.
        line: usize,
        /// Column in the rendered text.
        column: usize,
        /// syn's message.
        message: String,
        /// The offending rendered line.
        source_line: String,
    },
    /// Reading templates or writing output failed.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}
