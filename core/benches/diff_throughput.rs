//! `herald diff --mode backward` throughput on real schema pairs, against the Python peer
//! `jsonsubschema` (`isSubschema(old, new)`, the same inclusion question) in the same run, on
//! the same pairs, with the verdicts of both compared.
//!
//! Run: `cargo bench -p herald-core --bench diff_throughput`. The corpora are test data outside
//! the repository, read at run time from `../shared` beside the repository root (or
//! `HERALD_SHARED`): the Confluent vectors (`conformance/confluent/cases.jsonl`) and the Iglu
//! Central evolutions (`corpora/iglu/pairs.jsonl`, with `findings.md`, the ADDITION bumps known
//! to break). The bench skips with a message when they are absent.
//!
//! herald runs what `herald diff OLD NEW --mode backward` runs, minus the process and the
//! rendering: `load_schema_file` on both files (written to a temporary directory before the
//! clock starts), then `diff`. Best of `HERALD_BENCH_ROUNDS` rounds (default 5). The peer runs
//! `core/benches/jsonsubschema_peer.py` under `HERALD_BENCH_PYTHON` (default `python3`), once
//! per corpus, with a per-pair timeout of `HERALD_BENCH_PEER_TIMEOUT` seconds (default 10);
//! `HERALD_BENCH_PEER=off` skips it. Every witness herald prints is checked again here with
//! the `jsonschema` crate: valid under OLD, invalid under NEW (formats not asserted, as in
//! herald).

#![allow(missing_docs)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use herald_core::compat::diff::diff;
use herald_core::compat::input::{SchemaFile, load_schema_file};
use herald_core::compat::options::{Mode, Semantics};
use herald_core::compat::report::Report;
use serde_json::Value;

/// One corpus pair, written to files.
struct Pair {
    id: String,
    /// The Iglu SchemaVer label (`addition`, `revision`, `model`).
    label: Option<String>,
    /// Confluent's verdict.
    confluent: Option<bool>,
    old: Value,
    new: Value,
    old_path: PathBuf,
    new_path: PathBuf,
}

/// herald's answer for one pair.
#[derive(Debug, Clone)]
enum Verdict {
    Compatible,
    /// A break proven by a witness.
    Breaking {
        rule: String,
        instance_path: String,
        witness: Value,
    },
    /// A break herald could neither prove nor rule out.
    Unproven {
        rule: String,
        message: String,
    },
    /// A schema herald cannot use (exit 2).
    Error(String),
}

impl Verdict {
    fn of(report: &Report) -> Verdict {
        if report.compatible {
            return Verdict::Compatible;
        }
        if let Some(change) = report.breaking().find(|change| change.proven) {
            return Verdict::Breaking {
                rule: change.rule.to_string(),
                instance_path: change.instance_path.clone(),
                witness: change.witness.clone().unwrap_or(Value::Null),
            };
        }
        let change = report
            .breaking()
            .next()
            .unwrap_or_else(|| panic!("an incompatible report has a breaking change"));
        Verdict::Unproven {
            rule: change.rule.to_string(),
            message: change.message.clone(),
        }
    }

    fn class(&self) -> &'static str {
        match self {
            Verdict::Compatible => "compatible",
            Verdict::Breaking { .. } => "breaking",
            Verdict::Unproven { .. } => "unproven",
            Verdict::Error(_) => "error",
        }
    }

    fn describe(&self) -> String {
        match self {
            Verdict::Compatible => "compatible".to_string(),
            Verdict::Breaking {
                rule,
                instance_path,
                witness,
            } => format!(
                "breaking `{rule}` at `{instance_path}`, witness {}",
                shorten(witness)
            ),
            Verdict::Unproven { rule, message } => format!("unproven `{rule}`: {message}"),
            Verdict::Error(message) => format!("error: {message}"),
        }
    }
}

/// A witness as shown: strings longer than 40 characters are cut, their length noted.
fn shorten(witness: &Value) -> Value {
    match witness {
        Value::String(text) if text.chars().count() > 40 => {
            let head: String = text.chars().take(8).collect();
            Value::String(format!("{head}...({} chars)", text.chars().count()))
        }
        Value::Array(items) => Value::Array(items.iter().map(shorten).collect()),
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(key, value)| (key.clone(), shorten(value)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The peer's output (see `jsonsubschema_peer.py`).
struct Peer {
    version: String,
    seconds: f64,
    seconds_decided: f64,
    counts: BTreeMap<&'static str, u64>,
    error_kinds: String,
    per_pair: BTreeMap<String, String>,
    per_pair_seconds: BTreeMap<String, f64>,
}

const CLASSES: [&str; 4] = ["compatible", "breaking", "unproven", "error"];
const PEER_CLASSES: [&str; 4] = ["true", "false", "error", "timeout"];

fn main() {
    let rounds: usize = env_or("HERALD_BENCH_ROUNDS", 5);
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let shared = std::env::var_os("HERALD_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("../shared"));
    let confluent = shared.join("conformance/confluent/cases.jsonl");
    let iglu = shared.join("corpora/iglu/pairs.jsonl");
    if !confluent.is_file() || !iglu.is_file() {
        println!(
            "diff_throughput: skipped, the corpora are absent ({} and {}); they live in the \
             project's shared/ folder beside the repository (or set HERALD_SHARED)",
            confluent.display(),
            iglu.display()
        );
        return;
    }
    let scratch =
        tempfile::tempdir().unwrap_or_else(|error| panic!("temporary directory: {error}"));
    let expected_breaking = findings(&shared.join("corpora/iglu/findings.md"));
    let python = std::env::var("HERALD_BENCH_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let peer_on = std::env::var("HERALD_BENCH_PEER").map_or(true, |value| value != "off");
    let timeout: f64 = env_or("HERALD_BENCH_PEER_TIMEOUT", 10.0);

    println!(
        "diff_throughput: herald diff --mode backward (strict), best of {rounds} rounds; \
         jsonsubschema isSubschema(old, new), one pass, {timeout} s timeout per pair"
    );
    let mut summary = Vec::new();
    for (name, file) in [("confluent", &confluent), ("iglu", &iglu)] {
        let pairs = read_corpus(file, &scratch.path().join(name));
        println!(
            "\n=== {name}: {} pairs ({}) ===",
            pairs.len(),
            file.display()
        );

        let (verdicts, best, loaded) = time_herald(&pairs, rounds);
        let herald_rate = pairs.len() as f64 / best.as_secs_f64();
        let diff_only = time_diff_only(&loaded, rounds);
        println!(
            "herald        : {herald_rate:>10.1} pairs/s ({best:?} per pass, load + diff); \
             diff alone {:.1} pairs/s over the {} loadable pairs",
            loaded.len() as f64 / diff_only.as_secs_f64(),
            loaded.len()
        );
        let counts = count(verdicts.iter().map(Verdict::class));
        println!(
            "herald verdicts: {} compatible / {} breaking proven / {} unproven / {} errors",
            counts["compatible"], counts["breaking"], counts["unproven"], counts["error"]
        );
        let rechecked = recheck_witnesses(&pairs, &verdicts);
        if name == "confluent" {
            confluent_agreement(&pairs, &verdicts);
        } else {
            iglu_labels(&pairs, &verdicts, &expected_breaking);
        }

        let peer = if peer_on {
            run_peer(&python, &repo, file, timeout)
        } else {
            println!("jsonsubschema : skipped (HERALD_BENCH_PEER=off)");
            None
        };
        let Some(peer) = peer else {
            slowest(&pairs, None);
            summary.push(format!(
                "| {name} | {} | {herald_rate:.0} | - | - | - |",
                pairs.len()
            ));
            continue;
        };
        let peer_rate = pairs.len() as f64 / peer.seconds;
        println!(
            "jsonsubschema : {peer_rate:>10.1} pairs/s ({:.2} s for all pairs, {:.2} s of it on \
             the pairs it decided), version {}",
            peer.seconds, peer.seconds_decided, peer.version
        );
        println!(
            "jsonsubschema verdicts: {} true / {} false / {} errors ({}) / {} timeouts",
            peer.counts["true"],
            peer.counts["false"],
            peer.counts["error"],
            peer.error_kinds,
            peer.counts["timeout"]
        );
        // Timed-out pairs cost the peer the whole timeout; the rate without them is the fairer one.
        let timed_out: f64 = peer
            .per_pair
            .iter()
            .filter(|(_, verdict)| verdict.as_str() == "timeout")
            .filter_map(|(id, _)| peer.per_pair_seconds.get(id))
            .sum();
        let finished = pairs.len() as u64 - peer.counts["timeout"];
        let peer_rate_finished = finished as f64 / (peer.seconds - timed_out);
        println!(
            "speed-up herald / jsonsubschema: {:.0}x (over the {finished} pairs it finishes, \
             {peer_rate_finished:.1} pairs/s: {:.0}x)",
            herald_rate / peer_rate,
            herald_rate / peer_rate_finished
        );
        slowest(&pairs, Some(&peer));
        let agree = compare_verdicts(&pairs, &verdicts, &peer, &rechecked);
        summary.push(format!(
            "| {name} | {} | {herald_rate:.0} | {peer_rate:.2} ({peer_rate_finished:.1} without \
             timeouts) | {:.0}x ({:.0}x) | {agree} |",
            pairs.len(),
            herald_rate / peer_rate,
            herald_rate / peer_rate_finished
        ));
    }
    println!(
        "\n| corpus | pairs | herald pairs/s | jsonsubschema pairs/s | speed-up (without peer timeouts) | verdicts agree |"
    );
    println!("|---|---:|---:|---:|---:|---|");
    for line in summary {
        println!("{line}");
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// Reads a corpus and writes each schema to a file under `dir`.
fn read_corpus(file: &Path, dir: &Path) -> Vec<Pair> {
    std::fs::create_dir_all(dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display()));
    let text =
        std::fs::read_to_string(file).unwrap_or_else(|error| panic!("{}: {error}", file.display()));
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .enumerate()
        .map(|(at, line)| {
            let case: Value = serde_json::from_str(line)
                .unwrap_or_else(|error| panic!("{}:{}: {error}", file.display(), at + 1));
            let write = |side: &str| {
                let path = dir.join(format!("{at:04}-{side}.json"));
                let text = serde_json::to_string_pretty(&case[side])
                    .unwrap_or_else(|error| panic!("{error}"));
                std::fs::write(&path, text)
                    .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
                path
            };
            Pair {
                id: case["id"].as_str().unwrap_or_default().to_string(),
                label: case["label"].as_str().map(str::to_string),
                confluent: case["compatible"].as_bool(),
                old_path: write("old"),
                new_path: write("new"),
                old: case["old"].clone(),
                new: case["new"].clone(),
            }
        })
        .collect()
}

/// What `herald diff OLD NEW --mode backward` does for one pair, short of printing.
fn herald_diff(pair: &Pair) -> Result<Report, String> {
    let old = load_schema_file(&pair.old_path).map_err(|error| format!("old: {error}"))?;
    let new = load_schema_file(&pair.new_path).map_err(|error| format!("new: {error}"))?;
    Ok(diff(&old, &new, Mode::Backward, Semantics::Strict))
}

/// Best pass of load + diff over all pairs; the verdicts of the first; the loaded pairs.
fn time_herald(
    pairs: &[Pair],
    rounds: usize,
) -> (Vec<Verdict>, Duration, Vec<(SchemaFile, SchemaFile)>) {
    let mut best = Duration::MAX;
    let mut verdicts = Vec::new();
    for round in 0..rounds {
        let started = Instant::now();
        let found: Vec<Verdict> = pairs
            .iter()
            .map(|pair| match herald_diff(pair) {
                Ok(report) => Verdict::of(&report),
                Err(error) => Verdict::Error(error),
            })
            .collect();
        best = best.min(started.elapsed());
        black_box(&found);
        if round == 0 {
            verdicts = found;
        }
    }
    let loaded = pairs
        .iter()
        .filter_map(|pair| {
            Some((
                load_schema_file(&pair.old_path).ok()?,
                load_schema_file(&pair.new_path).ok()?,
            ))
        })
        .collect();
    (verdicts, best, loaded)
}

/// Best pass of `diff` alone over pairs already loaded.
fn time_diff_only(loaded: &[(SchemaFile, SchemaFile)], rounds: usize) -> Duration {
    let mut best = Duration::MAX;
    for _ in 0..rounds {
        let started = Instant::now();
        for (old, new) in loaded {
            black_box(diff(old, new, Mode::Backward, Semantics::Strict));
        }
        best = best.min(started.elapsed());
    }
    best
}

/// herald's five slowest pairs (each timed once, load + diff), with the peer's time on them.
fn slowest(pairs: &[Pair], peer: Option<&Peer>) {
    let mut times: Vec<(Duration, &Pair)> = pairs
        .iter()
        .map(|pair| {
            let started = Instant::now();
            black_box(herald_diff(pair).ok());
            (started.elapsed(), pair)
        })
        .collect();
    times.sort_by_key(|(took, _)| std::cmp::Reverse(*took));
    println!("herald's slowest pairs:");
    for (took, pair) in times.iter().take(5) {
        let theirs = peer
            .and_then(|peer| peer.per_pair_seconds.get(&pair.id))
            .map_or(String::new(), |seconds| {
                format!(", jsonsubschema {:.1} ms", seconds * 1000.0)
            });
        println!(
            "  {:>8.2} ms  {} ({} + {} bytes){theirs}",
            took.as_secs_f64() * 1000.0,
            pair.id,
            pair.old.to_string().len(),
            pair.new.to_string().len()
        );
    }
}

fn count<'a>(classes: impl Iterator<Item = &'a str>) -> BTreeMap<&'a str, usize> {
    let mut counts: BTreeMap<&str, usize> = CLASSES.iter().map(|class| (*class, 0)).collect();
    for class in classes {
        *counts.entry(class).or_default() += 1;
    }
    counts
}

/// Checks every witness herald printed with the `jsonschema` crate on its own: valid under OLD,
/// invalid under NEW. Returns, per pair, whether the witness holds (None: no witness).
fn recheck_witnesses(pairs: &[Pair], verdicts: &[Verdict]) -> Vec<Option<bool>> {
    let compile = |schema: &Value| {
        jsonschema::options()
            .should_validate_formats(false)
            .build(schema)
            .ok()
    };
    let checked: Vec<Option<bool>> = pairs
        .iter()
        .zip(verdicts)
        .map(|(pair, verdict)| {
            let Verdict::Breaking { witness, .. } = verdict else {
                return None;
            };
            let (Some(old), Some(new)) = (compile(&pair.old), compile(&pair.new)) else {
                return Some(false);
            };
            Some(old.is_valid(witness) && !new.is_valid(witness))
        })
        .collect();
    let bad: Vec<&str> = pairs
        .iter()
        .zip(&checked)
        .filter(|(_, holds)| **holds == Some(false))
        .map(|(pair, _)| pair.id.as_str())
        .collect();
    println!(
        "witnesses re-checked with the jsonschema crate: {} hold, {} do not{}",
        checked.iter().filter(|holds| **holds == Some(true)).count(),
        bad.len(),
        if bad.is_empty() {
            String::new()
        } else {
            format!(" ({})", bad.join(", "))
        }
    );
    checked
}

/// herald against Confluent's BACKWARD verdicts.
fn confluent_agreement(pairs: &[Pair], verdicts: &[Verdict]) {
    let mut agree = 0;
    let mut differ = Vec::new();
    for (pair, verdict) in pairs.iter().zip(verdicts) {
        let herald = match verdict {
            Verdict::Compatible => Some(true),
            Verdict::Breaking { .. } | Verdict::Unproven { .. } => Some(false),
            Verdict::Error(_) => None,
        };
        if herald == pair.confluent {
            agree += 1;
        } else {
            differ.push(format!(
                "  {}: confluent {:?}, herald {}",
                pair.id,
                pair.confluent,
                verdict.describe()
            ));
        }
    }
    println!(
        "herald vs Confluent's verdicts: {agree} of {} agree",
        pairs.len()
    );
    for line in differ {
        println!("{line}");
    }
}

/// herald's verdicts per SchemaVer label, and against findings.md's known breaking ADDITIONs.
fn iglu_labels(pairs: &[Pair], verdicts: &[Verdict], expected_breaking: &[String]) {
    let mut by_label: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    for (pair, verdict) in pairs.iter().zip(verdicts) {
        let label = pair.label.as_deref().unwrap_or("?");
        *by_label
            .entry(label)
            .or_default()
            .entry(verdict.class())
            .or_default() += 1;
    }
    for (label, counts) in &by_label {
        println!("  {label}: {counts:?}");
    }
    let additions: Vec<(&Pair, &Verdict)> = pairs
        .iter()
        .zip(verdicts)
        .filter(|(pair, _)| pair.label.as_deref() == Some("addition"))
        .collect();
    let agree = additions
        .iter()
        .filter(|(pair, verdict)| {
            let breaks = expected_breaking.contains(&pair.id);
            matches!(
                (breaks, verdict),
                (true, Verdict::Breaking { .. }) | (false, Verdict::Compatible)
            )
        })
        .count();
    println!(
        "ADDITION pairs against findings.md's expected verdicts ({} breaking, the rest compatible): {agree} of {} agree",
        expected_breaking.len(),
        additions.len()
    );
    for (pair, verdict) in &additions {
        let breaks = expected_breaking.contains(&pair.id);
        if breaks && matches!(verdict, Verdict::Compatible) {
            println!(
                "  SOUNDNESS BUG: {} breaks (findings.md) but herald says compatible",
                pair.id
            );
        } else if breaks != matches!(verdict, Verdict::Breaking { .. }) {
            println!(
                "  differs: {} (findings.md: {}), herald {}",
                pair.id,
                if breaks { "breaking" } else { "compatible" },
                verdict.describe()
            );
        }
    }
    println!("findings.md's breaking ADDITION bumps:");
    for id in expected_breaking {
        match pairs.iter().position(|pair| &pair.id == id) {
            Some(at) => println!("  {id}: {}", verdicts[at].describe()),
            None => println!("  {id}: not in pairs.jsonl"),
        }
    }
}

/// The ids of findings.md's numbered list: the ADDITION bumps that really break.
fn findings(path: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(path) else {
        println!(
            "({} is absent: no expected verdicts for the Iglu pairs)",
            path.display()
        );
        return Vec::new();
    };
    text.lines()
        .filter_map(|line| {
            let (number, rest) = line.split_once(". `")?;
            if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let (id, _) = rest.split_once('`')?;
            id.contains("->").then(|| id.to_string())
        })
        .collect()
}

/// Runs the Python peer on a corpus; None (with how to get it) when it cannot run.
fn run_peer(python: &str, repo: &Path, corpus: &Path, timeout: f64) -> Option<Peer> {
    let script = repo.join("core/benches/jsonsubschema_peer.py");
    let install = "to compare with jsonsubschema: python3 -m venv /tmp/jss-venv && \
                   /tmp/jss-venv/bin/pip install jsonsubschema, then set \
                   HERALD_BENCH_PYTHON=/tmp/jss-venv/bin/python (herald's figures above stand alone)";
    let output = match Command::new(python)
        .arg(&script)
        .arg(corpus)
        .arg("--timeout")
        .arg(timeout.to_string())
        .output()
    {
        Ok(output) => output,
        Err(error) => {
            println!("jsonsubschema : not run, cannot start `{python}` ({error}); {install}");
            return None;
        }
    };
    if !output.status.success() {
        // Exit 3: the script could not import jsonsubschema and said how to install it.
        let hint = if output.status.code() == Some(3) {
            "herald's figures above stand alone"
        } else {
            install
        };
        println!(
            "jsonsubschema : not run ({}): {}; {hint}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
        return None;
    }
    let value: Value = match serde_json::from_slice(&output.stdout) {
        Ok(value) => value,
        Err(error) => {
            println!("jsonsubschema : unreadable output ({error})");
            return None;
        }
    };
    let number = |key: &str| value[key].as_u64().unwrap_or_default();
    Some(Peer {
        version: value["version"].as_str().unwrap_or("?").to_string(),
        seconds: value["seconds"].as_f64().unwrap_or(f64::NAN),
        seconds_decided: value["seconds_decided"].as_f64().unwrap_or(f64::NAN),
        counts: [
            ("true", number("true")),
            ("false", number("false")),
            ("error", number("errors")),
            ("timeout", number("timeouts")),
        ]
        .into_iter()
        .collect(),
        error_kinds: value["error_kinds"].to_string(),
        per_pair: value["per_pair"]
            .as_object()
            .map(|pairs| {
                pairs
                    .iter()
                    .map(|(id, verdict)| (id.clone(), verdict.as_str().unwrap_or("?").to_string()))
                    .collect()
            })
            .unwrap_or_default(),
        per_pair_seconds: value["per_pair_seconds"]
            .as_object()
            .map(|pairs| {
                pairs
                    .iter()
                    .map(|(id, seconds)| (id.clone(), seconds.as_f64().unwrap_or(f64::NAN)))
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// Cross-tabulates the two tools' verdicts and lists every pair where they differ. Returns the
/// agreement as "N of M decided by both (K undecided by jsonsubschema)".
fn compare_verdicts(
    pairs: &[Pair],
    verdicts: &[Verdict],
    peer: &Peer,
    rechecked: &[Option<bool>],
) -> String {
    let mut table: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut lines = Vec::new();
    let (mut both, mut agree, mut peer_undecided) = (0, 0, 0);
    for ((pair, verdict), holds) in pairs.iter().zip(verdicts).zip(rechecked) {
        let theirs = peer
            .per_pair
            .get(&pair.id)
            .map_or("missing", String::as_str);
        let theirs_class = if theirs.starts_with("error") {
            "error"
        } else {
            theirs
        };
        *table.entry((verdict.class(), theirs_class)).or_default() += 1;
        let herald_decided = matches!(verdict, Verdict::Compatible | Verdict::Breaking { .. });
        let peer_decided = matches!(theirs, "true" | "false");
        if !peer_decided {
            peer_undecided += 1;
        }
        if herald_decided && peer_decided {
            both += 1;
            if (theirs == "true") == matches!(verdict, Verdict::Compatible) {
                agree += 1;
                continue;
            }
        } else if !herald_decided && !peer_decided {
            lines.push(format!(
                "  neither decides {}: jsonsubschema {theirs}, herald {}",
                pair.id,
                verdict.describe()
            ));
            continue;
        } else if peer_decided {
            lines.push(format!(
                "  herald undecided {}: jsonsubschema {theirs}, herald {}",
                pair.id,
                verdict.describe()
            ));
            continue;
        } else {
            let check = match holds {
                Some(true) => " (witness re-checked: holds)",
                Some(false) => " (witness re-checked: DOES NOT HOLD)",
                None => "",
            };
            lines.push(format!(
                "  jsonsubschema undecided {}: jsonsubschema {theirs}, herald {}{check}",
                pair.id,
                verdict.describe()
            ));
            continue;
        }
        let check = match holds {
            Some(true) => " (witness re-checked: holds, jsonsubschema is wrong)",
            Some(false) => " (witness re-checked: DOES NOT HOLD)",
            None => " (herald compatible where jsonsubschema says not: check by hand)",
        };
        lines.push(format!(
            "  DISAGREE {}: jsonsubschema {theirs}, herald {}{check}",
            pair.id,
            verdict.describe()
        ));
    }
    println!("verdicts (herald x jsonsubschema):");
    print!("  {:>12}", "");
    for column in PEER_CLASSES {
        print!(" {column:>8}");
    }
    println!();
    for row in CLASSES {
        print!("  {row:>12}");
        for column in PEER_CLASSES {
            print!(
                " {:>8}",
                table.get(&(row, column)).copied().unwrap_or_default()
            );
        }
        println!();
    }
    println!(
        "agree on {agree} of the {both} pairs both decide; jsonsubschema leaves {peer_undecided} undecided"
    );
    for line in lines {
        println!("{line}");
    }
    format!("{agree} of {both} decided by both; {peer_undecided} undecided by jsonsubschema")
}
