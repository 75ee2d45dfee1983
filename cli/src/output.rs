//! Output settings shared by subcommands: format and colour.

use std::io::IsTerminal;

use clap::ValueEnum;

/// How a report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: diagnostics with source snippets.
    Text,
    /// One JSON document, for machines.
    Json,
}

/// When to colour text output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    /// When stdout is a terminal and `NO_COLOR` is unset.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl Color {
    /// Whether to emit colour on stdout.
    pub fn enabled(self) -> bool {
        match self {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
                    && std::io::stdout().is_terminal()
            }
        }
    }
}

/// Writes to stdout, ignoring a closed pipe (`herald ... | head` must not panic).
pub fn emit(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// Reports unusable input: the message on stderr and, for machine formats, one JSON object on
/// stdout so a script reading stdout still gets something to parse. Returns exit code 2.
pub fn unusable(machine_readable: bool, message: &str) -> u8 {
    eprintln!("error: {message}");
    if machine_readable {
        emit(&format!(
            "{}\n",
            serde_json::json!({"valid": false, "compatible": false, "error": message, "exit_code": EXIT_UNUSABLE})
        ));
    }
    EXIT_UNUSABLE
}

/// Exit code: everything fine.
pub const EXIT_OK: u8 = 0;
/// Exit code: problems found.
pub const EXIT_PROBLEMS: u8 = 1;
/// Exit code: unusable input (no catalog, unreadable path, bad flags).
pub const EXIT_UNUSABLE: u8 = 2;

/// How a compatibility report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// For people.
    Text,
    /// One JSON object.
    Json,
    /// GitHub Actions annotations (`::error file=...,line=...::...`) on the schema files.
    Github,
    /// A SARIF 2.1.0 log, for code scanning.
    Sarif,
    /// JUnit XML: one test case per change, breaking ones failed.
    Junit,
    /// A Markdown summary for a pull-request comment.
    Markdown,
}

/// Renders a compatibility report.
pub fn render_report(
    report: &herald_core::compat::report::Report,
    format: ReportFormat,
    color: bool,
) -> Result<String, String> {
    use herald_core::compat::render;
    Ok(match format {
        ReportFormat::Text => render::render_text(report, color),
        ReportFormat::Json => format!("{}\n", render::render_json(report)),
        ReportFormat::Github => render::render_github(report),
        ReportFormat::Sarif => format!("{}\n", render::render_sarif(report)),
        ReportFormat::Junit => render::render_junit(report),
        ReportFormat::Markdown => render::render_markdown(report),
    })
}

/// `--mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// NEW reads what OLD wrote.
    Backward,
    /// OLD reads what NEW writes.
    Forward,
    /// Both.
    Full,
    /// Backward, against every earlier version.
    BackwardTransitive,
    /// Forward, against every earlier version.
    ForwardTransitive,
    /// Full, against every earlier version.
    FullTransitive,
    /// No check.
    None,
}

impl From<ModeArg> for herald_core::compat::options::Mode {
    fn from(mode: ModeArg) -> Self {
        use herald_core::compat::options::Mode;
        match mode {
            ModeArg::Backward => Mode::Backward,
            ModeArg::Forward => Mode::Forward,
            ModeArg::Full => Mode::Full,
            ModeArg::BackwardTransitive => Mode::BackwardTransitive,
            ModeArg::ForwardTransitive => Mode::ForwardTransitive,
            ModeArg::FullTransitive => Mode::FullTransitive,
            ModeArg::None => Mode::None,
        }
    }
}

/// `--semantics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SemanticsArg {
    /// Every document valid under the schema counts (open content models included).
    Strict,
    /// Producers write only declared properties; consumers ignore undeclared ones and fill defaults.
    Tolerant,
}

impl From<SemanticsArg> for herald_core::compat::options::Semantics {
    fn from(semantics: SemanticsArg) -> Self {
        use herald_core::compat::options::Semantics;
        match semantics {
            SemanticsArg::Strict => Semantics::Strict,
            SemanticsArg::Tolerant => Semantics::Tolerant,
        }
    }
}

/// The options every compatibility command shares.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Which documents count: all valid ones (strict), or what herald's generated code writes and reads (tolerant).
    #[arg(long, value_enum, default_value = "strict")]
    pub semantics: SemanticsArg,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    /// When to use colour.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: Color,
}

impl ReportArgs {
    /// Unusable input (exit 2), reported in this command's format.
    pub fn unusable(&self, message: &str) -> u8 {
        unusable(self.format != ReportFormat::Text, message)
    }

    /// Prints `report` and returns the exit code: 0 compatible, 1 breaking, 2 when it cannot
    /// be rendered.
    pub fn print(&self, report: &herald_core::compat::report::Report) -> u8 {
        match render_report(report, self.format, self.color.enabled()) {
            Ok(text) => emit(&text),
            Err(error) => {
                eprintln!("error: {error}");
                return EXIT_UNUSABLE;
            }
        }
        if report.compatible {
            EXIT_OK
        } else {
            EXIT_PROBLEMS
        }
    }
}
