//! The pipeline: load and validate the catalog, convert the schemas, decide the upcast steps,
//! build each module's template context, render, and lay the modules out as files.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use herald_core::catalog::Catalog;
use herald_core::diagnostics::{Diagnostics, TextOptions, render_text};
use herald_core::names::{field_name, type_name};
use herald_core::schema::compile::CatalogRetriever;
use herald_core::schema::refs::NodeRef;
use serde_json::{Value, json};

use crate::convert::{Converter, SHARED_MODULE, Unsupported};
use crate::definitions::definition_context;
use crate::error::GenerateError;
use crate::events::{EventInput, event_context};
use crate::hash::catalog_hash;
use crate::ir::{Definition, TypeRef, render_imports};
use crate::output::{GENERATED_MARKER, RenderedModule};
use crate::paths::Types;
use crate::render::Renderer;
use crate::replicas::{ReplicaInput, apply_fn_name, replica_context};
use crate::services::{ServiceEvent, consumer_context, producer_context};

/// What to generate.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Only what this service produces and consumes (and its replicas).
    pub service: Option<String>,
    /// A directory whose templates replace the embedded ones of the same name.
    pub templates: Option<PathBuf>,
}

/// Generated modules, ready to be laid out as files or as one file.
#[derive(Debug, Clone)]
pub struct Generated {
    /// Every module, parents before children.
    pub modules: Vec<RenderedModule>,
    /// The first lines of every file (catalog name and hash).
    pub header: String,
    /// Every catalog file read, for build scripts' `rerun-if-changed`.
    pub inputs: Vec<PathBuf>,
}

/// Diagnostics `herald generate` resolves itself: property names that collide as Rust
/// identifiers get distinct ones, keywords get renamed.
const RESOLVED_BY_CODEGEN: &[&str] = &["names::collision", "names::keyword"];

/// Generates the code for the catalog at `root`.
pub fn generate(root: &Path, options: &Options) -> Result<Generated, GenerateError> {
    let validation = herald_core::validate_catalog(root)?;
    let catalog = validation.catalog;
    let blocking: Vec<_> = validation
        .diagnostics
        .iter()
        .filter(|d| {
            d.severity == herald_core::diagnostics::Severity::Error
                && !RESOLVED_BY_CODEGEN.contains(&d.code)
        })
        .cloned()
        .collect();
    if !blocking.is_empty() {
        let mut shown = Diagnostics::default();
        for diagnostic in blocking {
            shown.push(diagnostic);
        }
        return Err(GenerateError::Invalid(render_text(
            &catalog.sources,
            &shown,
            TextOptions::default(),
        )));
    }
    let Some((_, manifest)) = &catalog.manifest else {
        return Err(GenerateError::Invalid(
            "herald.yaml could not be read".into(),
        ));
    };
    let services: Vec<&String> = match &options.service {
        Some(name) => {
            if !manifest.services.contains_key(name) {
                let known: Vec<&str> = manifest.services.keys().map(String::as_str).collect();
                return Err(GenerateError::UnknownService(
                    name.clone(),
                    known.join(", "),
                ));
            }
            vec![name]
        }
        None => manifest.services.keys().collect(),
    };
    let event_names: BTreeSet<String> = match &options.service {
        Some(name) => {
            let service = &manifest.services[name];
            service
                .produces
                .iter()
                .chain(&service.consumes)
                .cloned()
                .collect()
        }
        None => catalog.events.keys().cloned().collect(),
    };

    let mut roots = Vec::new();
    for name in &event_names {
        for version in catalog.events.get(name).into_iter().flatten() {
            roots.push((
                version.catalog_path.clone(),
                version_struct(name, version.raw.version),
            ));
        }
    }
    let mut converter = Converter::new(&catalog.schemas, &roots);
    for name in &event_names {
        for version in catalog.events.get(name).into_iter().flatten() {
            converter
                .convert_root(&version.catalog_path, &version.raw.description)
                .map_err(|problem| unsupported(&catalog, problem))?;
        }
    }
    let definitions = converter.finish();
    let types = Types::new(&definitions);
    let renderer = Renderer::new(options.templates.as_deref())?;
    let retriever = CatalogRetriever::new(&catalog.schemas);
    // Contexts are built in order here; rendering, parsing and printing (most of the time)
    // run afterwards on every core.
    let mut jobs: Vec<RenderJob> = Vec::new();
    let mut render =
        |template: &'static str, path: Vec<String>, context: Value| -> Result<(), GenerateError> {
            jobs.push(RenderJob {
                template,
                path,
                context,
            });
            Ok(())
        };
    let title = format!(
        " Typed events, producers, consumers and replica stores of the `{}` catalog{}.",
        manifest.catalog,
        options
            .service
            .as_ref()
            .map(|s| format!(", for the service `{s}`"))
            .unwrap_or_default()
    );
    render(
        "mod.rs.hbs",
        vec![],
        json!({"title": crate::defaults::string_literal(&title)}),
    )?;
    let referenced = crate::schemas::referenced_documents(
        &catalog,
        event_names
            .iter()
            .filter_map(|name| catalog.events.get(name))
            .flatten(),
    );
    render(
        "support.rs.hbs",
        vec!["support".into()],
        json!({"referenced_documents": referenced}),
    )?;
    let shared = vec![SHARED_MODULE.to_string()];
    if let Some(shared_definitions) = definitions.get(&shared) {
        render(
            "shared.rs.hbs",
            shared.clone(),
            definitions_context(shared_definitions, &shared),
        )?;
    }
    render("events.rs.hbs", vec!["events".into()], json!({}))?;
    // The upcast proofs are independent per event: prove them on every core.
    let event_list: Vec<&String> = event_names.iter().collect();
    let proofs = crate::parallel::map(&event_list, |name| {
        catalog
            .events
            .get(*name)
            .map(|versions| crate::upcast::compatible_steps(&catalog, &retriever, versions))
    });
    for (name, compatible) in event_names.iter().zip(proofs) {
        let (Some(versions), Some(compatible)) = (catalog.events.get(name), compatible) else {
            continue;
        };
        let module = event_module(name);
        let input = EventInput {
            name,
            versions,
            module: module.clone(),
            structs: versions
                .iter()
                .map(|version| version_struct(name, version.raw.version))
                .collect(),
            compatible,
            locations: versions
                .iter()
                .map(|version| location(&catalog, version.file, "/key"))
                .collect(),
            schemas: versions
                .iter()
                .map(|version| crate::schemas::version_schema(&catalog, version))
                .collect(),
        };
        let own = definitions.get(&module).map(Vec::as_slice).unwrap_or(&[]);
        let context = event_context(&input, own, &types)?;
        render("event.rs.hbs", module, context)?;
    }

    render("services.rs.hbs", vec!["services".into()], json!({}))?;
    for service_name in services {
        let service = &manifest.services[service_name];
        let base = vec!["services".to_string(), field_name(service_name)];
        let doc = service.description.clone().unwrap_or_default();
        render(
            "service.rs.hbs",
            base.clone(),
            json!({"module_doc": crate::doc::inner_doc_attrs(&[format!("The `{service_name}` service. {doc}")])}),
        )?;
        let describe = |name: &String, applies: Vec<(Vec<String>, String)>| {
            let versions = catalog.events.get(name)?;
            let latest = versions.last()?;
            Some(ServiceEvent {
                name: name.clone(),
                latest: version_struct(name, latest.raw.version),
                version: latest.raw.version,
                all_versions: TypeRef {
                    module: event_module(name),
                    name: type_name(name),
                },
                applies,
            })
        };
        let produced: Vec<ServiceEvent> = service
            .produces
            .iter()
            .filter_map(|name| describe(name, Vec::new()))
            .collect();
        if !produced.is_empty() {
            let module = [base.clone(), vec!["producer".into()]].concat();
            render(
                "producer.rs.hbs",
                module.clone(),
                producer_context(service_name, &module, &produced),
            )?;
        }
        let mut consumed = Vec::new();
        for name in &service.consumes {
            let applies = service
                .replicas
                .iter()
                .filter(|(_, replica)| replica.apply.contains_key(name))
                .map(|(table, _)| (replica_module(&base, table), apply_fn_name(name)))
                .collect();
            consumed.extend(describe(name, applies));
        }
        if !consumed.is_empty() {
            let module = [base.clone(), vec!["consumer".into()]].concat();
            render(
                "consumer.rs.hbs",
                module.clone(),
                consumer_context(service_name, &module, &consumed),
            )?;
        }
        for (table, replica) in &service.replicas {
            let module = replica_module(&base, table);
            let events = replica
                .apply
                .keys()
                .filter_map(|name| {
                    let latest = catalog.events.get(name)?.last()?;
                    Some((name.clone(), version_struct(name, latest.raw.version)))
                })
                .collect();
            let input = ReplicaInput {
                service: service_name,
                table,
                replica,
                module: module.clone(),
                events,
            };
            let context = replica_context(&input, &types).map_err(|reason| {
                let (file, _) = catalog
                    .manifest
                    .as_ref()
                    .map_or((herald_core::source::FileId(0), ()), |(f, _)| (*f, ()));
                GenerateError::Unsupported {
                    location: location(
                        &catalog,
                        file,
                        &format!("/services/{service_name}/replicas/{table}"),
                    ),
                    reason,
                }
            })?;
            render("replica.rs.hbs", module, context)?;
        }
    }

    let rendered = crate::parallel::map(&jobs, |job| {
        renderer
            .render(job.template, &job.context, &job.path.join("::"))
            .map(|body| RenderedModule {
                path: job.path.clone(),
                body,
            })
    });
    let modules = rendered.into_iter().collect::<Result<Vec<_>, _>>()?;

    let header = format!(
        "{GENERATED_MARKER} from the catalog `{}` (catalog hash {}).\n// Do not edit: change the catalog and run `herald generate` again.",
        manifest.catalog,
        catalog_hash(&catalog.sources)
    );
    let mut inputs: Vec<PathBuf> = catalog
        .sources
        .iter()
        .map(|(_, file)| file.path.clone())
        .collect();
    inputs.sort();
    Ok(Generated {
        modules,
        header,
        inputs,
    })
}

/// A module to render: its template, where it goes, and the template's context.
struct RenderJob {
    template: &'static str,
    path: Vec<String>,
    context: Value,
}

fn definitions_context(definitions: &[Definition], module: &[String]) -> Value {
    let mut imports = BTreeSet::new();
    let rendered: Vec<Value> = definitions
        .iter()
        .map(|definition| definition_context(definition, module, &mut imports))
        .collect();
    json!({"definitions": rendered, "imports": render_imports(module, &imports)})
}

fn version_struct(event: &str, version: u32) -> TypeRef {
    TypeRef {
        module: event_module(event),
        name: format!("{}V{version}", type_name(event)),
    }
}

fn event_module(event: &str) -> Vec<String> {
    vec!["events".into(), field_name(event)]
}

fn replica_module(service_module: &[String], table: &str) -> Vec<String> {
    [
        service_module.to_vec(),
        vec![format!("replica_{}", field_name(table))],
    ]
    .concat()
}

fn location(catalog: &Catalog, file: herald_core::source::FileId, pointer: &str) -> String {
    let source = catalog.sources.get(file);
    let (line, column) = source.line_column(source.span_of_value(pointer).start);
    format!("{}:{line}:{column}", source.display)
}

fn unsupported(catalog: &Catalog, problem: Unsupported) -> GenerateError {
    let NodeRef { doc, pointer } = &problem.node;
    let location = match catalog.schemas.doc(doc) {
        Some(schema_doc) => location(
            catalog,
            schema_doc.file,
            &format!("{}{pointer}", schema_doc.root),
        ),
        None => doc.clone(),
    };
    GenerateError::Unsupported {
        location,
        reason: problem.reason,
    }
}
