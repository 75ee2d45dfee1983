//! The pipeline: load and validate the catalog, convert the schemas, decide the upcast steps,
//! build each module's template context, render, and lay the modules out as files.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use herald_core::catalog::Catalog;
use herald_core::names::{field_name, type_name};
use herald_core::schema::compile::CatalogRetriever;
use herald_core::schema::refs::NodeRef;
use indexmap::IndexMap;
use serde_json::{Value, json};

use crate::convert::{SHARED_MODULE, Unsupported};
use crate::definitions::definition_context;
use crate::error::GenerateError;
use crate::events::{EventInput, event_context};
use crate::hash::catalog_hash;
use crate::ir::{Definition, TypeRef, render_imports};
use crate::output::{GENERATED_MARKER, RenderedModule};
use crate::paths::Types;
use crate::prepare::{Prepared, prepare};
use crate::render::{Renderer, format_module};
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

/// Generates the code for the catalog at `root`.
pub fn generate(root: &Path, options: &Options) -> Result<Generated, GenerateError> {
    let Prepared {
        catalog,
        event_names,
        definitions,
    } = prepare(root, options)?;
    let Some((_, manifest)) = &catalog.manifest else {
        return Err(GenerateError::Invalid(
            "herald.yaml could not be read".into(),
        ));
    };
    let services: Vec<&String> = match &options.service {
        Some(name) => vec![name],
        None => manifest.services.keys().collect(),
    };
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
    // Each event's upcast proofs and template context depend on that event alone: build them
    // on every core, then queue them in catalog order (the first error in that order wins,
    // as when they were built one after another).
    let event_list: Vec<&String> = event_names.iter().collect();
    let event_jobs = crate::parallel::map(&event_list, |name| {
        event_job(&catalog, &retriever, &definitions, &types, name)
    });
    for job in event_jobs {
        if let Some(job) = job? {
            render(job.template, job.path, job.context)?;
        }
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

    finish(&catalog, &renderer, &jobs)
}

/// Renders, parses and prints every job on every core, and adds the header and the inputs.
pub(crate) fn finish(
    catalog: &Catalog,
    renderer: &Renderer,
    jobs: &[RenderJob],
) -> Result<Generated, GenerateError> {
    let catalog_name = catalog
        .manifest
        .as_ref()
        .map_or("", |(_, manifest)| manifest.catalog.as_str());
    // Handlebars first, on every core; then parsing and printing (most of the time), largest
    // text first, so a big module (a service producing every event) does not start last while
    // the other cores run out of work. Results stay in job order: the first job that fails,
    // at either step, is the error reported.
    let mut results =
        crate::parallel::map(jobs, |job| renderer.render_text(job.template, &job.context));
    let mut pending: Vec<(usize, &str)> = results
        .iter()
        .enumerate()
        .filter_map(|(at, text)| Some((at, text.as_ref().ok()?.as_str())))
        .collect();
    pending.sort_by_key(|(_, text)| std::cmp::Reverse(text.len()));
    let formatted = crate::parallel::map(&pending, |(at, text)| {
        format_module(text, jobs[*at].template, &jobs[*at].path.join("::"))
    });
    let positions: Vec<usize> = pending.into_iter().map(|(at, _)| at).collect();
    for (at, body) in positions.into_iter().zip(formatted) {
        results[at] = body;
    }
    let modules = jobs
        .iter()
        .zip(results)
        .map(|(job, body)| {
            body.map(|body| RenderedModule {
                path: job.path.clone(),
                body,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;

    let header = format!(
        "{GENERATED_MARKER} from the catalog `{}` (catalog hash {}).\n// Do not edit: change the catalog and run `herald generate` again.",
        catalog_name,
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

/// The render job of one event's module: its upcast steps proven, its context built. `None`
/// for a name the catalog has no versions of.
fn event_job(
    catalog: &Catalog,
    retriever: &CatalogRetriever,
    definitions: &IndexMap<Vec<String>, Vec<Definition>>,
    types: &Types<'_>,
    name: &str,
) -> Result<Option<RenderJob>, GenerateError> {
    let Some(versions) = catalog.events.get(name) else {
        return Ok(None);
    };
    let compatible = crate::upcast::compatible_steps(catalog, retriever, versions);
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
        key_location: &|at| location(catalog, versions[at].file, "/key"),
        schemas: versions
            .iter()
            .map(|version| crate::schemas::version_schema(catalog, version))
            .collect(),
    };
    let own = definitions.get(&module).map(Vec::as_slice).unwrap_or(&[]);
    let context = event_context(&input, own, types)?;
    Ok(Some(RenderJob {
        template: "event.rs.hbs",
        path: module,
        context,
    }))
}

/// A module to render: its template, where it goes, and the template's context.
pub(crate) struct RenderJob {
    pub(crate) template: &'static str,
    pub(crate) path: Vec<String>,
    pub(crate) context: Value,
}

pub(crate) fn definitions_context(definitions: &[Definition], module: &[String]) -> Value {
    let mut imports = BTreeSet::new();
    let rendered: Vec<Value> = definitions
        .iter()
        .map(|definition| definition_context(definition, module, &mut imports))
        .collect();
    json!({"definitions": rendered, "imports": render_imports(module, &imports)})
}

pub(crate) fn version_struct(event: &str, version: u32) -> TypeRef {
    TypeRef {
        module: event_module(event),
        name: format!("{}V{version}", type_name(event)),
    }
}

pub(crate) fn event_module(event: &str) -> Vec<String> {
    vec!["events".into(), field_name(event)]
}

fn replica_module(service_module: &[String], table: &str) -> Vec<String> {
    [
        service_module.to_vec(),
        vec![format!("replica_{}", field_name(table))],
    ]
    .concat()
}

pub(crate) fn location(
    catalog: &Catalog,
    file: herald_core::source::FileId,
    pointer: &str,
) -> String {
    let source = catalog.sources.get(file);
    let (line, column) = source.line_column(source.span_of_value(pointer).start);
    format!("{}:{line}:{column}", source.display)
}

pub(crate) fn unsupported(catalog: &Catalog, problem: Unsupported) -> GenerateError {
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
