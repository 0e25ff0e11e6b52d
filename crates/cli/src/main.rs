//! `mip6lab`: run a conformance suite in a lab, decode a capture, clean up after killed runs.

use anyhow::{anyhow, bail, Context, Result};
use mip6lab_lab::lab::Iut;
use mip6lab_lab::{Engine, Topology};
use mip6lab_report::{Partition, RunResult};
use mip6lab_suite::suite::TOPOLOGIES_DIR;
use mip6lab_suite::{Pics, RunOptions, Runner, Suite};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod baseline_cmd;
mod bench_cmd;
mod decode_cmd;
mod interop_cmd;
mod iut_check;
mod mutants;
mod report_cmd;

const USAGE: &str = "\
mip6lab — Mobile IPv6 bootstrapping conformance lab

USAGE:
  mip6lab suite <NAME> [--iut-image TAG --pics FILE] [--knobs SPEC] [--only TP-ID] [--out DIR]
                [--rerun N] [--baseline FILE] [--strict] [--jobs N] [--partition K/N]
      Run a suite (split) against the built-in reference IUT, or against a vendor image.
      Writes DIR/<run-id>/{results.json,junit.xml} and per-test pcaps, logs, transcripts;
      DIR/latest points at the newest run; also index.html (the HTML report) and, per test,
      why.txt and MANIFEST.sha256. Exit 0 only if no test with a gating requirement failed,
      none errored and none was flaky. By default only BCP 14 capitals gate: a FAIL whose
      requirements are all SHOULD/MAY, lowercase or in-effect \"must\", or not obligations
      is advisory. Lab checks (tests of the harness's own peers) are listed apart; their
      FAIL is an ERROR. Closes with the breakdown, then `suite: N passed, M failed, K
      skipped` (failed: FAIL, ERROR, FLAKY; skipped: INCONCLUSIVE, NOT-APPLICABLE).
      --strict        gate on lowercase and in-effect MUST-level requirements too.
      --jobs N        labs at once (default: from cores and free memory; 1: one after
                      another). Each lab has its own network namespace, so labs never clash
                      on addresses; results stay in test order.
      --pics FILE     the IUT's PICS (TOML: [iut] name, [pics] item = true|false); a test
                      needing an item not declared true is NOT-APPLICABLE, with no lab.
                      Required with --iut-image; default fixtures/pics/reference.toml.
      --rerun N       run each test N more times (N >= 1; in <TP-ID>/rerun-<k>/); a test
                      whose verdicts differ is FLAKY, gets its worst run's verdict and never
                      counts as a pass.
      --baseline FILE compare with an expected-verdict baseline ([verdicts] \"TP-ID\" =
                      \"PASS\"; e.g. fixtures/baselines/reference.toml), print the changes and
                      write baseline.json; the exit status is then the comparison's: 1 on a
                      regression (a change to anything but PASS) or a test missing from the
                      run, 0 if only improvements or new tests (with --only, only that test
                      is compared).
      --partition K/N run shard K of N (1 <= K <= N) of the selected tests, split by
                      lab-sharing group (tests judging one observation stay together),
                      balanced by test count, the same split on every machine; a shard may
                      be empty. results.json records the shard; `mip6lab report --merge`
                      joins the shards into one run.
  mip6lab bench-suite <NAME> [--jobs N] [--out DIR]
      Run the suite with --jobs 1, then with the default (or N) labs at once, and print both
      wall times and their ratio, the harness's peak memory, where the labs' time goes (lab
      up, IUT start, observation, teardown, decode) and the slowest tests. Run it warm (a run
      that had to build images says so).
  mip6lab baseline check <RESULTS.json|RUN-DIR> <BASELINE.toml>
      Compare a recorded run with a baseline, as --baseline does (exit 1 on a regression or a
      missing test).
  mip6lab baseline write <RESULTS.json|RUN-DIR> <OUT.toml>
      Write the run's verdicts as a baseline (flaky tests: their worst verdict, noted).
  mip6lab report <RESULTS.json|RUN-DIR>... [--out DIR]
      Re-render a run's index.html (next to its results.json, or in DIR/<run-id>/ when
      several). With two runs also compare.html (verdict changes). With runs of several
      IUTs or IUT roles also the interop matrix, in DIR (default: the current directory):
      interop.html and interop.json, a row per test purpose (by suite, role, then the
      strongest level of its requirements), a column per implementation and role (for each
      suite, its newest run there), each cell the verdict, its one-line reason and a link
      to the test's why.txt; an empty cell: not run.
  mip6lab report --merge OUT_DIR <SHARD-RUN-DIR|RESULTS.json>... [--allow-missing]
      Merge the shards of one run (`mip6lab suite --partition K/N`, e.g. on several CI
      runners) into OUT_DIR (new or empty): results.json, junit.xml and index.html as a run
      writes them, tests in the suite's order, each shard's test directories copied in (OUT_DIR
      stands alone). The shards must be one run (suite, IUT, knobs, PICS, --strict, mip6lab
      version, N, peer versions), each K once. A missing K is an error naming it, unless
      --allow-missing: the report then says INCOMPLETE first and the gate fails. Exit status:
      the gate's, as for `mip6lab suite`.
  mip6lab record <TOPOLOGY> [--out DIR] [--timeout SECS] [--env NODE:VAR=VALUE]...
      Run a peers-only topology (no IUT; e.g. record-ikev2, record-ddns, record-integrated)
      until its `wait = \"exit\"` nodes have exited (at most SECS, default 120), then tear it
      down. --env sets (empty VALUE: removes) a MIP6LAB_* variable of one node.
      Writes DIR (default reports/record-<topology>-<stamp>/): one pcap per network,
      logs/<node>.log, record.json. Exit 0 only if every waited node exited with 0.
  mip6lab decode <FILE.pcap|FILE.pcapng> [--keys FILE]... [--json] [--topology NAME]
                 [--profile FILE]
      Print the normalized transcript of a capture (roles from a topology's addresses;
      --profile: a vendor's dual-stack code points, the format of
      fixtures/profiles/dualstack.toml, instead of the lab's).
  mip6lab gc [--all]
      Remove lab containers and networks whose run is dead (--all: every lab object).
  mip6lab knobs
      List the reference IUT's knobs: role, kind (mutant or stimulus), the requirements a
      mutant breaks and its setting, the accepted values and the conforming default.
  mip6lab mutants <NAME> [--out DIR] [--first-catch] [--jobs N]
      Run the suite against the reference IUT with no knob (nothing may fail) and with each
      mutant. A mutant is caught only by a FAIL of a test citing a requirement the knob
      breaks (`mip6lab knobs`), with the IUT alive (not crashed) and the tester not timed
      out; an ERROR, INCONCLUSIVE or other FAIL does not count. Prints and saves (DIR/…/
      mutants.txt, mutants.json) the map: per knob caught or NOT CAUGHT (crashed, tester
      timed out, …), the catching test and its FAIL reason. A mutant runs only the tests
      whose IUT role it changes (mn.* knobs: MN under test). --first-catch stops each mutant
      at its first qualifying catch (CI's budget); without it the map is complete. --jobs N:
      labs at once (default from cores and memory): the clean run spreads over N labs, then
      N mutants run at once; the map stays in knob order.
  mip6lab interop [--only NAME]... [--out DIR] [--list] [--write-baselines]
      Build each third-party implementation packaged as an IUT (containers/iut/interop.toml:
      its recipe containers/iut/<name>/, suite, PICS, expected-verdict baseline), run its
      suite against it with its PICS and baseline (DIR/<name>/<run-id>/, DIR default
      reports/interop), and (without --only) the reference IUT against its baseline, then
      render the interop matrix over all the runs (DIR/interop.html, DIR/interop.json). Exit 1 if any implementation's verdicts differ from its baseline.
      --list prints the implementations; --write-baselines rewrites each baseline from its
      run (each FAIL, INCONCLUSIVE or ERROR noted with its reason) instead of gating.
  mip6lab list <NAME>
      List a suite's test purposes and the requirements they verify, then the catalog's
      counts by level and by keyword kind (capital, lowercase, in effect, not an obligation).
  mip6lab iut check <IMAGE> --role mn|ha --pics FILE [--out DIR] [--pics-only]
      Lint a vendor IUT image before a suite runs (contract: containers/iut/README.md): the
      image is local, the PICS declares every item the split suite uses for the role, the
      IUT starts in its role's topology (MN: asks DNS for its HA within 30 s; HA: ready line
      within 30 s), with MIP6LAB_ROLE unset it exits non-zero within 10 s; lists the tests its
      PICS makes NOT-APPLICABLE. Each check prints PASS/FAIL with a reason; exit 0 only if all
      pass. Evidence in DIR (default reports/iut-check-<stamp>-<role>/). --pics-only: the
      PICS checks alone, without Docker.

ENVIRONMENT:
  MIP6LAB_ROOT      repository root (default: found by walking up from the current directory)
  MIP6LAB_REFIMPL   path to the mip6lab-refimpl binary (default: next to this binary)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("mip6lab: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode> {
    let (cmd, rest) = match args.split_first() {
        Some((c, r)) => (c.as_str(), r),
        None => {
            eprint!("{USAGE}");
            return Ok(ExitCode::from(2));
        }
    };
    match cmd {
        "suite" => cmd_suite(rest),
        "bench-suite" => bench_cmd::cmd_bench_suite(rest),
        "report" => report_cmd::cmd_report(rest),
        "baseline" => baseline_cmd::cmd_baseline(rest),
        "decode" => cmd_decode(rest),
        "record" => cmd_record(rest),
        "gc" => cmd_gc(rest),
        "knobs" => cmd_knobs(),
        "mutants" => mutants::cmd_mutants(rest),
        "iut" => iut_check::cmd_iut(rest),
        "interop" => interop_cmd::cmd_interop(rest),
        "list" => cmd_list(rest),
        "-h" | "--help" | "help" => {
            print!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => bail!("unknown command `{other}`\n\n{USAGE}"),
    }
}

/// Flags of the form `--name value` or `--name`, and positional arguments.
struct Args<'a> {
    positional: Vec<&'a str>,
    flags: Vec<(&'a str, Option<&'a str>)>,
}

impl<'a> Args<'a> {
    fn parse(raw: &'a [String], with_value: &[&str], bare: &[&str]) -> Result<Args<'a>> {
        let mut a = Args {
            positional: Vec::new(),
            flags: Vec::new(),
        };
        let mut it = raw.iter();
        while let Some(s) = it.next() {
            if let Some(name) = s.strip_prefix("--") {
                if with_value.contains(&name) {
                    let v = it.next().ok_or_else(|| anyhow!("--{name} needs a value"))?;
                    a.flags.push((name, Some(v.as_str())));
                } else if bare.contains(&name) {
                    a.flags.push((name, None));
                } else {
                    bail!("unknown option --{name}");
                }
            } else {
                a.positional.push(s.as_str());
            }
        }
        Ok(a)
    }

    fn value(&self, name: &str) -> Option<&'a str> {
        self.flags
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| *v)
    }

    fn values(&self, name: &str) -> Vec<&'a str> {
        self.flags
            .iter()
            .filter(|(n, _)| *n == name)
            .filter_map(|(_, v)| *v)
            .collect()
    }

    fn has(&self, name: &str) -> bool {
        self.flags.iter().any(|(n, _)| *n == name)
    }
}

/// A suite from the registry (`crates/registry`), by name.
fn suite_by_name(name: &str) -> Result<&'static Suite> {
    mip6lab_registry::by_name(name).map_err(|e| anyhow!(e))
}

/// The repository root holds `fixtures/topologies`; found from MIP6LAB_ROOT or by walking up.
fn repo_root() -> Result<PathBuf> {
    if let Ok(r) = std::env::var("MIP6LAB_ROOT") {
        let p = PathBuf::from(r);
        if p.join("fixtures/topologies").is_dir() {
            return Ok(p.canonicalize()?);
        }
        bail!("MIP6LAB_ROOT={} has no fixtures/topologies", p.display());
    }
    let mut dir = std::env::current_dir()?;
    loop {
        if dir.join("fixtures/topologies").is_dir() && dir.join("containers").is_dir() {
            return Ok(dir);
        }
        if !dir.pop() {
            bail!(
                "cannot find the mip6lab repository (a directory with fixtures/topologies and \
                 containers/): run from inside it or set MIP6LAB_ROOT"
            );
        }
    }
}

fn refimpl_binary() -> Result<PathBuf> {
    if let Ok(p) = std::env::var("MIP6LAB_REFIMPL") {
        return Ok(PathBuf::from(p));
    }
    let exe = std::env::current_exe()?;
    let sibling = exe.with_file_name("mip6lab-refimpl");
    if sibling.is_file() {
        return Ok(sibling);
    }
    bail!(
        "the reference IUT binary is not at {}: build it with `cargo build --bins` or set \
         MIP6LAB_REFIMPL",
        sibling.display()
    )
}

/// The reference's knobs, from the contract's table: one line with role, kind, the
/// requirements a mutant breaks and what the knob changes; one with its setting and values.
fn cmd_knobs() -> Result<ExitCode> {
    use mip6lab_contract::knobs::KNOBS;
    println!("{:<34} {:<5} {:<9} breaks: text", "knob", "role", "kind");
    for k in KNOBS {
        let roles: Vec<&str> = k.roles.iter().map(|r| r.token()).collect();
        let (kind, what) = match k.is_stimulus() {
            true => ("stimulus", k.text.to_string()),
            false => ("mutant", k.summary()),
        };
        println!("{:<34} {:<5} {kind:<9} {what}", k.name, roles.join(","));
        let default = match k.default {
            "" => "none".to_string(),
            d => format!("`{d}`"),
        };
        let mutant = k
            .mutant()
            .map(|m| format!("mutant `{m}`; "))
            .unwrap_or_default();
        println!(
            "{:<34} {mutant}values: {}; default {default}",
            "",
            k.values.describe()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn cmd_list(rest: &[String]) -> Result<ExitCode> {
    let a = Args::parse(rest, &[], &[])?;
    let suite = match a.positional.first() {
        Some(name) => suite_by_name(name)?,
        None => mip6lab_registry::default_suite(),
    };
    for tp in suite.tests() {
        let pics = if tp.pics.is_empty() {
            String::new()
        } else {
            format!("  PICS: {}", tp.pics.join(", "))
        };
        println!(
            "{:<28} {}  [{}]{pics}",
            tp.id,
            tp.title,
            tp.requirements.join(", ")
        );
    }
    // The catalog's size by level and by keyword kind (what gates by default: capitals).
    let catalog = suite.catalog(&repo_root()?)?;
    println!("catalog: {}", catalog.summary());
    Ok(ExitCode::SUCCESS)
}

fn cmd_suite(rest: &[String]) -> Result<ExitCode> {
    let a = Args::parse(
        rest,
        &[
            "iut-image",
            "knobs",
            "only",
            "out",
            "pics",
            "rerun",
            "baseline",
            "jobs",
            "partition",
        ],
        &["strict"],
    )?;
    let name = *a
        .positional
        .first()
        .ok_or_else(|| anyhow!("which suite? e.g. `mip6lab suite split`"))?;
    let suite = suite_by_name(name)?;
    let mut tests = suite.tests();
    if let Some(only) = a.value("only") {
        tests.retain(|t| t.id == only);
        if tests.is_empty() {
            bail!("suite {name} has no test purpose {only} (see `mip6lab list {name}`)");
        }
    }
    let reruns = match a.value("rerun") {
        Some(n) => match n.parse::<u32>() {
            Ok(0) => {
                bail!("--rerun 0: N must be at least 1 (leave --rerun out to run each test once)")
            }
            Ok(n) => n,
            Err(_) => bail!("--rerun {n}: not a number of extra runs"),
        },
        None => 0,
    };
    let jobs = match a.value("jobs") {
        Some(n) => match n.parse::<usize>() {
            Ok(n) if n >= 1 => n,
            _ => bail!("--jobs {n}: a number of labs at once, at least 1"),
        },
        None => mip6lab_lab::slots::default_jobs(),
    };
    // Shard K of N: whole lab-sharing groups, the same split on every machine.
    let partition = match a.value("partition") {
        Some(spec) => {
            use mip6lab_suite::partition::{lab_groups, parse_spec, shard};
            let (k, n) = parse_spec(spec).map_err(|e| anyhow!(e))?;
            let selected_total = tests.len();
            tests = shard(&lab_groups(&tests), k, n)
                .into_iter()
                .map(|i| tests[i])
                .collect();
            Some(Partition {
                k,
                n,
                selected_total,
                tests: tests.iter().map(|t| t.id.to_string()).collect(),
            })
        }
        None => None,
    };
    // The header's count: which shard, and how many tests of the selection.
    let count = match &partition {
        Some(p) => p.describe(),
        None => format!("{} test(s)", tests.len()),
    };
    let root = repo_root()?;
    let knobs = a.value("knobs").unwrap_or("").to_string();
    let iut = match a.value("iut-image") {
        Some(tag) => {
            if !knobs.is_empty() {
                bail!("--knobs applies to the reference IUT only, not to --iut-image");
            }
            Iut::Image(tag.to_string())
        }
        None => {
            let binary = refimpl_binary()?;
            if !knobs.is_empty() {
                let out = std::process::Command::new(&binary)
                    .args(["--check-knobs", &knobs])
                    .output()
                    .with_context(|| format!("cannot run {}", binary.display()))?;
                if !out.status.success() {
                    bail!("{}", String::from_utf8_lossy(&out.stderr).trim());
                }
            }
            Iut::Reference { binary }
        }
    };
    // What the IUT supports decides which tests apply; a vendor IUT must say so.
    let pics_path = match (a.value("pics"), &iut) {
        (Some(p), _) => PathBuf::from(p),
        (None, Iut::Image(tag)) => bail!(
            "--iut-image {tag} needs --pics FILE: the IUT's PICS (TOML) declaring which \
             optional features it supports; see fixtures/pics/reference.toml for the format"
        ),
        (None, _) => root.join("fixtures/pics/reference.toml"),
    };
    let pics = Pics::load(&pics_path)?;
    let baseline = match a.value("baseline") {
        Some(p) => {
            let b = baseline_cmd::load(Path::new(p))?;
            // A partial run is compared with its part of the baseline only.
            let b = if a.value("only").is_some() || partition.is_some() {
                b.restricted_to(tests.iter().map(|t| t.id))
            } else {
                b
            };
            Some((PathBuf::from(p), b))
        }
        None => None,
    };
    // Check every topology before any container starts.
    for tp in &tests {
        Topology::load(&topology_path(&root, tp.topology))?;
    }
    let out_base = match a.value("out") {
        Some(o) => PathBuf::from(o),
        None => root.join("reports"),
    };
    std::fs::create_dir_all(&out_base)
        .with_context(|| format!("cannot create {}", out_base.display()))?;
    let out_base = out_base.canonicalize()?;
    let run_id = format!("{}-{name}-{:04x}", utc_stamp(), rand::random::<u16>());
    let run_dir = out_base.join(&run_id);
    std::fs::create_dir_all(&run_dir)?;

    let rt = tokio::runtime::Runtime::new()?;
    let mut run = rt.block_on(async {
        // Fail before the first test when Docker is missing, with what to install (an empty
        // shard needs no Docker).
        if !tests.is_empty() {
            Engine::connect().await?;
        }
        let pics_name = pics.iut_name.clone();
        let runner = Runner::new(RunOptions {
            root: root.clone(),
            run_dir: run_dir.clone(),
            run_id: run_id.clone(),
            suite: name.to_string(),
            iut,
            knobs: knobs.clone(),
        })
        .with_pics(Some(pics))
        .with_reruns(reruns)
        .with_jobs(jobs);
        let total = tests.len();
        say(&format!(
            "mip6lab: suite {name}: {count}, {jobs} lab(s) at once{}{}, PICS {} ({pics_name}) → {}",
            if knobs.is_empty() {
                String::new()
            } else {
                format!(", knobs {knobs}")
            },
            if reruns > 0 {
                format!(", each run {} times", reruns + 1)
            } else {
                String::new()
            },
            pics_path.display(),
            run_dir.display()
        ));
        let (run, _) = runner
            .run_all_with(
                &tests,
                |i, tp| say(&format!("[{}/{total}] running {} …", i + 1, tp.id)),
                |i, rec| {
                    let r = &rec.result;
                    let (label, runs) = if r.runs.is_empty() {
                        (r.outcome.verdict.to_string(), String::new())
                    } else {
                        let label = if r.flaky {
                            r.verdict_label()
                        } else {
                            r.outcome.verdict.to_string()
                        };
                        (label, format!(" [runs: {}]", r.runs_text()))
                    };
                    say(&format!(
                        "[{}/{total}] {label:<13} {}{} ({:.1}s){runs}\n         {}",
                        i + 1,
                        r.id,
                        if r.lab_check { " [lab check]" } else { "" },
                        r.duration_ms as f64 / 1000.0,
                        r.outcome.reason
                    ));
                },
            )
            .await;
        anyhow::Ok(run)
    })?;
    run.strict = a.has("strict");
    run.partition = partition;
    report_cmd::finish_suite(&mut run, &run_dir, &root, suite);
    write_results(&run, &run_dir, &out_base)?;
    println!("{}", run.summary_table());
    println!("results: {}", run_dir.display());
    // The breakdown, then the plain closing line CI systems read (`suite: N passed, M failed,
    // K skipped`, as the JUnit file counts them); lab checks are not the IUT's verdicts.
    print!("{}", run.closing_lines());
    match baseline {
        Some((path, b)) => {
            let c = mip6lab_report::baseline::compare(&b, &run);
            baseline_cmd::print(&c, &path, &run);
            // The comparison is printed; a file that cannot be written must not hide it.
            if let Err(e) = baseline_cmd::save(&c, &path, &run_dir) {
                say(&format!(
                    "mip6lab: warning: baseline.json not written: {e:#}"
                ));
            }
            if !run.gate_ok() {
                println!("gate: failed, but --baseline decides the exit status");
            }
            Ok(baseline_cmd::exit(&c))
        }
        None => Ok(report_cmd::gate_exit(&run)),
    }
}

/// Progress on stderr; a closed stderr (a killed pager, a CI log gone) must not abort a run
/// whose lab still has to be torn down.
fn say(msg: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{msg}");
}

fn write_results(run: &RunResult, run_dir: &Path, out_base: &Path) -> Result<()> {
    report_cmd::write_run_files(run, run_dir)?;
    let latest = out_base.join("latest");
    let _ = std::fs::remove_file(&latest);
    #[cfg(unix)]
    std::os::unix::fs::symlink(run_dir.file_name().unwrap_or_default(), &latest)
        .with_context(|| format!("cannot point {} at the run", latest.display()))?;
    Ok(())
}

fn utc_stamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A topology by name (`fixtures/topologies/<name>.toml`) or by path.
fn topology_path(root: &Path, arg: &str) -> PathBuf {
    if arg.ends_with(".toml") {
        PathBuf::from(arg)
    } else {
        root.join(TOPOLOGIES_DIR).join(format!("{arg}.toml"))
    }
}

/// `--env NODE:VAR=VALUE`: one variable of one node, set or (empty VALUE) removed, so one
/// topology can record its variants.
fn set_node_env(topology: &mut Topology, set: &str) -> Result<()> {
    let (node, assignment) = set
        .split_once(':')
        .ok_or_else(|| anyhow!("--env {set}: not NODE:VAR=VALUE"))?;
    let (var, value) = assignment
        .split_once('=')
        .ok_or_else(|| anyhow!("--env {set}: not NODE:VAR=VALUE"))?;
    if mip6lab_contract::env::find(var).is_none() {
        bail!("--env {set}: {var} is not a MIP6LAB_* variable of the contract (containers/iut/README.md)");
    }
    let names: Vec<String> = topology.nodes.iter().map(|n| n.name.clone()).collect();
    let spec = topology
        .nodes
        .iter_mut()
        .find(|n| n.name == node)
        .ok_or_else(|| {
            anyhow!(
                "--env {set}: no node `{node}` (nodes: {})",
                names.join(", ")
            )
        })?;
    if value.is_empty() {
        spec.env.remove(var);
    } else {
        spec.env.insert(var.to_string(), value.to_string());
    }
    Ok(())
}

fn cmd_record(rest: &[String]) -> Result<ExitCode> {
    let a = Args::parse(rest, &["out", "timeout", "env"], &[])?;
    let [name] = a.positional[..] else {
        bail!(
            "usage: mip6lab record TOPOLOGY [--out DIR] [--timeout SECS] [--env NODE:VAR=VALUE]..."
        );
    };
    let timeout = match a.value("timeout") {
        Some(t) => std::time::Duration::from_secs(
            t.parse()
                .with_context(|| format!("--timeout {t}: not a number of seconds"))?,
        ),
        None => std::time::Duration::from_secs(120),
    };
    let root = repo_root()?;
    let mut topology = Topology::load(&topology_path(&root, name))?;
    for set in a.values("env") {
        set_node_env(&mut topology, set)?;
    }
    if let Some(iut) = topology.iut() {
        bail!(
            "topology {} has an iut node (`{}`): record runs peers only; use `mip6lab suite` \
             for tests against an IUT",
            topology.name,
            iut.name
        );
    }
    let waited: Vec<String> = topology.exit_waited().map(|n| n.name.clone()).collect();
    if waited.is_empty() {
        say(&format!(
            "mip6lab: no node of {} has wait = \"exit\": recording for {}s",
            topology.name,
            timeout.as_secs()
        ));
    }
    let out = match a.value("out") {
        Some(o) => PathBuf::from(o),
        None => root
            .join("reports")
            .join(format!("record-{}-{}", topology.name, utc_stamp())),
    };
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    // Absolute: rendered files are bind-mounted from here.
    let out = out.canonicalize()?;
    let topo_name = topology.name.clone();

    let rt = tokio::runtime::Runtime::new()?;
    let (artifacts, exits, run_id) = rt.block_on(async {
        say(&format!(
            "mip6lab: recording {topo_name} (waiting for {}) → {}",
            if waited.is_empty() {
                "the timeout".to_string()
            } else {
                waited.join(", ")
            },
            out.display()
        ));
        let opts = mip6lab_lab::LabOptions {
            root: root.clone(),
            out_dir: out.clone(),
            iut: Iut::None,
        };
        // A recording's peers may include the reference (`image = "refimpl"`).
        let images = std::sync::Arc::new(mip6lab_suite::images::ReferenceImages);
        let lab = mip6lab_lab::Lab::up_with(topology, opts, Vec::new(), images).await?;
        let run_id = lab.run_id.clone();
        let exits = lab.wait_exited(timeout).await;
        // Frames still in flight when the last client exited should reach the capture.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        // Teardown whatever the wait said; an error there is reported after it.
        let artifacts = lab.down().await?;
        anyhow::Ok((artifacts, exits?, run_id))
    })?;

    let mut ok = true;
    let mut nodes = Vec::new();
    for (node, code) in &exits {
        let state = match code {
            Some(0) => "exited 0".to_string(),
            Some(c) => {
                ok = false;
                format!("exited {c}")
            }
            None => {
                ok = false;
                format!("still running after {}s (stopped)", timeout.as_secs())
            }
        };
        say(&format!("mip6lab: node {}: {state}", node.name));
        nodes.push(serde_json::json!({ "node": node.name, "role": node.role, "exit": code }));
    }
    let rel = |p: &Path| p.strip_prefix(&out).unwrap_or(p).display().to_string();
    let mut pcaps = Vec::new();
    for (p, setup) in artifacts.pcaps.iter().zip(&artifacts.setup_frames) {
        let read = mip6lab_capture::read_file(p)?;
        pcaps.push(serde_json::json!({
            "file": rel(p),
            "frames": read.frames.len(),
            "setup_frames": setup,
        }));
        println!(
            "{}  ({} frames, first {setup} setup)",
            p.display(),
            read.frames.len()
        );
    }
    for l in &artifacts.logs {
        println!("{}", l.display());
    }
    let meta = serde_json::json!({
        "topology": topo_name,
        "run_id": run_id,
        "recorded_utc": utc_stamp(),
        "timeout_s": timeout.as_secs(),
        "pcaps": pcaps,
        "logs": artifacts.logs.iter().map(|p| rel(p)).collect::<Vec<_>>(),
        "waited": nodes,
    });
    std::fs::write(
        out.join("record.json"),
        serde_json::to_string_pretty(&meta)? + "\n",
    )?;
    println!("recorded: {}", out.display());
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn cmd_decode(rest: &[String]) -> Result<ExitCode> {
    let a = Args::parse(rest, &["topology", "keys", "profile"], &["json"])?;
    let [file] = a.positional[..] else {
        bail!(
            "usage: mip6lab decode FILE [--keys FILE]... [--json] [--topology NAME] [--profile FILE]"
        );
    };
    // The dual-stack encoding profile naming vendor extensions: the lab's, or a vendor's own
    // code points in the same TOML format (fixtures/profiles/dualstack.toml).
    let profile = match a.value("profile") {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("--profile {p}: cannot read"))?;
            mip6lab_wire::dsprofile::Profile::from_toml(&text)
                .map_err(|e| anyhow!("--profile {p}: {e}"))?
        }
        None => mip6lab_wire::dsprofile::Profile::lab(),
    };
    // Keys: mip6lab's key log, or Wireshark's ikev2_decryption_table / esp_sa; repeatable.
    let mut keys = mip6lab_capture::keylog::KeyLog::default();
    for k in a.values("keys") {
        let log = mip6lab_capture::keylog::KeyLog::load(k)?;
        for s in &log.skipped {
            say(&format!("mip6lab: key log: skipped {s}"));
        }
        keys.merge(log);
    }
    let endpoints = match a.value("topology") {
        Some(t) => {
            let root = repo_root()?;
            Topology::load(&root.join(TOPOLOGIES_DIR).join(format!("{t}.toml")))?.endpoints()
        }
        None => mip6lab_capture::Endpoints::default(),
    };
    let frames = mip6lab_capture::stream::FrameReader::open(Path::new(file))?;
    let dissectors = mip6lab_capture::dissect::Dissectors::standard();
    let mut ctx = mip6lab_capture::dissect::Context { keys, profile };
    let decoder = mip6lab_capture::stream::Decoder::new(&endpoints, 0, &dissectors, &mut ctx);
    // Decoded and written frame by frame; a read error ends the frames and is told after them.
    let mut read_error = None;
    let frames = frames.map_while(|f| f.map_err(|e| read_error = Some(e)).ok());
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = if a.has("json") {
        decode_cmd::write_json(&mut out, decoder, frames)
    } else {
        decode_cmd::write_text(&mut out, decoder, frames)
    };
    // A reader that stops early (`| head`) is not an error.
    match written.and_then(|()| std::io::Write::flush(&mut out)) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        r => r?,
    }
    if let Some(e) = &read_error {
        eprintln!("mip6lab: {e} (the frames before it are shown)");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn cmd_gc(rest: &[String]) -> Result<ExitCode> {
    let a = Args::parse(rest, &[], &["all"])?;
    let all = a.has("all");
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let engine = Engine::connect().await?;
        let mut found = engine.find(None).await?;
        if !all {
            // Keep what belongs to a live mip6lab process.
            let alive = |pid: &u32| *pid != 0 && Path::new(&format!("/proc/{pid}")).exists();
            found.containers.retain(|(_, _, pid)| !alive(pid));
            found.holders.retain(|(_, _, pid)| !alive(pid));
            found.networks.retain(|(_, _, pid)| !alive(pid));
        }
        let (c, n) = engine.remove(&found).await?;
        let spaces = if all {
            let names = mip6lab_lab::netns::list_with_owner();
            for (name, _) in &names {
                let run = name
                    .trim_start_matches(mip6lab_lab::netns::NETNS_PREFIX)
                    .split('-')
                    .next()
                    .unwrap_or_default();
                mip6lab_lab::netns::delete_run(run);
            }
            names.len()
        } else {
            mip6lab_lab::netns::delete_orphans().len()
        };
        println!("removed {c} container(s), {n} network(s) and {spaces} network namespace(s)");
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_417), (2025, 11, 25));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn args_parse() {
        let raw: Vec<String> = ["split", "--knobs", "a=b", "--json"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let a = Args::parse(&raw, &["knobs"], &["json"]).unwrap();
        assert_eq!(a.positional, vec!["split"]);
        assert_eq!(a.value("knobs"), Some("a=b"));
        assert!(a.has("json"));
        assert!(Args::parse(&raw[..2], &["knobs"], &[]).is_err());
        assert!(Args::parse(&raw, &[], &[]).is_err());
    }

    #[test]
    fn verdict_names() {
        assert_eq!(mip6lab_report::Verdict::Pass.to_string(), "PASS");
    }
}
