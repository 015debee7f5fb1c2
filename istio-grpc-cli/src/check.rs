//! `istio-grpc check`: read the inputs, analyze them, print the findings, choose the exit status.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;
use istio_grpc_analyze::{Analysis, Baseline, CrdSet, Options, Report, Severity};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// What to check.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// CRDs to check against (a crd-all.gen.yaml of another Istio release, or other CRDs)
    /// instead of the Istio CRDs built into this binary.
    #[arg(long, value_name = "FILE", conflicts_with = "no_crds")]
    crds: Option<PathBuf>,
    /// Skip the structural-schema and CEL checks against CRDs.
    #[arg(long)]
    no_crds: bool,
    /// A compiled FileDescriptorSet (protoc/protox `--descriptor_set_out`): routes to its
    /// services are gRPC routes, routes serving its streaming methods must not carry a
    /// timeout, and a prefix must not capture one of its services by accident.
    #[arg(long, value_name = "FILE")]
    descriptor_set: Option<PathBuf>,
    /// The lowest severity that makes the exit status 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "SEVERITY")]
    fail_on: FailOn,
    /// Do not report a code on resources matching a pattern, as istioctl's --suppress:
    /// `CODE=<Kind> <name>.<namespace>`, `*` matching anything (`IST0132=VirtualService *.shop`).
    /// Repeatable. The galley.istio.io/analyze-suppress annotation on an object is always honoured.
    #[arg(long, value_name = "CODE=RESOURCE")]
    suppress: Vec<istio_grpc_analyze::Suppression>,
    /// Accept the findings listed in this file (written by --write-baseline): only new ones are
    /// reported and count for the exit status.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Write every finding (after suppressions and --baseline) to this file as a baseline, then
    /// report as usual.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    /// Exit 1 on errors (the default).
    Error,
    /// Exit 1 on warnings and errors.
    Warning,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// `file:line  severity  code  resource: path: message  fix: …`
    Human,
    /// A JSON document with every diagnostic and the summary.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands: annotations on the pull request.
    Github,
}

/// Why the command cannot run: printed as `istio-grpc: …`, exit status 2.
type Failure = String;

fn options(args: &Args) -> Result<Options, Failure> {
    let mut options = Options::default().suppress(args.suppress.iter().cloned());
    if let Some(path) = &args.crds {
        let set = std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| CrdSet::from_yaml(&t).map_err(|e| e.to_string()))
            .map_err(|e| format!("--crds {}: {e}", path.display()))?;
        options = options.crds(set);
    } else if !args.no_crds {
        let set = CrdSet::built_in().map_err(|e| format!("the built-in CRDs: {e}"))?;
        options = options.crds(set);
    }
    if let Some(path) = &args.descriptor_set {
        let services = std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|b| istio_grpc_builder::descriptor::services(&b).map_err(|e| e.to_string()))
            .map_err(|e| format!("--descriptor-set {}: {e}", path.display()))?;
        let streaming = services.iter().flat_map(|s| {
            s.methods
                .iter()
                .filter(|m| m.kind.is_streaming())
                .map(move |m| s.method_path(m))
        });
        options = options
            .streaming_methods(streaming)
            .grpc_services(services.iter().map(|s| s.name.clone()));
    }
    Ok(options)
}

/// Checks every input as it is read: a document's objects are dropped once checked, and only
/// what the checks across documents need is kept (see [`Analysis`]).
fn analyze(paths: &[PathBuf], options: &Options) -> Result<Report, Failure> {
    let mut analysis = Analysis::new(options);
    for path in paths {
        if path.as_os_str() == "-" {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| format!("stdin: {e}"))?;
            analysis.add_yaml(Some(std::path::Path::new("<stdin>")), &text);
        } else {
            analysis.add_path(path);
        }
    }
    Ok(analysis.finish())
}

/// `--format json`: every diagnostic and the summary, written as the report is serialized
/// (no second copy of the findings as JSON values).
#[derive(serde::Serialize)]
struct JsonReport<'a> {
    diagnostics: Each<'a>,
    summary: Summary,
    #[serde(rename = "exitCode")]
    exit_code: i32,
}

/// The findings of a report as a JSON array, each made as it is written.
struct Each<'a>(&'a Report);

impl serde::Serialize for Each<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter())
    }
}

#[derive(serde::Serialize)]
struct Summary {
    errors: usize,
    warnings: usize,
    infos: usize,
    documents: usize,
}

/// Writes the report to `out` as it is formatted, instead of building it in memory first.
fn render(
    report: &Report,
    format: Format,
    exit_code: i32,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let json = |e: serde_json::Error| std::io::Error::other(format!("cannot write JSON: {e}"));
    match format {
        Format::Human => {
            for d in report.iter() {
                writeln!(out, "{d}")?;
            }
            writeln!(out, "{}", report.summary())?;
        }
        Format::Json => {
            let doc = JsonReport {
                diagnostics: Each(report),
                summary: Summary {
                    errors: report.count(Severity::Error),
                    warnings: report.count(Severity::Warning),
                    infos: report.count(Severity::Info),
                    documents: report.documents(),
                },
                exit_code,
            };
            serde_json::to_writer_pretty(&mut *out, &doc).map_err(json)?;
            writeln!(out)?;
        }
        Format::Sarif => {
            serde_json::to_writer_pretty(&mut *out, &istio_grpc_analyze::output::sarif(report))
                .map_err(json)?;
            writeln!(out)?;
        }
        Format::Github => {
            out.write_all(istio_grpc_analyze::output::github(report).as_bytes())?;
            writeln!(out, "{}", report.summary())?;
        }
    }
    out.flush()
}

fn try_run(args: Args) -> Result<u8, Failure> {
    // the CRDs first: each document is checked against them as it is read
    let options = options(&args)?;
    let mut report = analyze(&args.paths, &options)?;
    if let Some(path) = &args.baseline {
        let baseline = std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| Baseline::from_json(&t))
            .map_err(|e| format!("--baseline {}: {e}", path.display()))?;
        report.accept(&baseline);
    }
    if let Some(path) = &args.write_baseline {
        let baseline = Baseline::of(
            report
                .diagnostics()
                .iter()
                .filter(|d| d.code != istio_grpc_analyze::codes::UNUSABLE_INPUT),
        );
        std::fs::write(path, baseline.to_json() + "\n")
            .map_err(|e| format!("--write-baseline {}: {e}", path.display()))?;
    }
    let exit_code = report.exit_code_at(match args.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
    });
    let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match render(&report, args.format, exit_code, &mut stdout) {
        // the reader stopped reading (`| head`): what it took was written
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(format!("cannot write the report: {e}")),
        Ok(()) => {}
    }
    // the process ends next: freeing every object one by one (a tenth of a second for a large
    // mesh) is left to the operating system
    std::mem::forget((options, report));
    Ok(u8::try_from(exit_code).unwrap_or(2))
}

/// Runs `istio-grpc check`. Exit status: 0 clean, 1 findings at the threshold, 2 unusable input.
pub(crate) fn run(args: Args) -> ExitCode {
    match try_run(args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("istio-grpc: {e}");
            ExitCode::from(2)
        }
    }
}
