//! `mip6lab iut check`: lints a vendor's IUT image against the container contract
//! (`containers/iut/README.md`) before any suite runs: (a) the image is in the local store,
//! (b) the PICS declares every item the suite uses for the role, (c) the IUT starts in its
//! role's topology and gets going within a bound, (d) it refuses a broken configuration, and
//! (e) which test purposes its PICS makes NOT-APPLICABLE. Every wait is bounded; every lab is
//! torn down (by `Lab::down`, or by its drop on an error path).

use crate::{repo_root, say, utc_stamp, Args};
use anyhow::{anyhow, bail, Context, Result};
use mip6lab_capture::keylog::KeyLog;
use mip6lab_capture::{DnsMessage, Endpoints, Transcript};
use mip6lab_lab::lab::{Artifacts, Iut, NodeHandle};
use mip6lab_lab::{Engine, Lab, LabOptions, Topology};
use mip6lab_suite::images::ReferenceImages;
use mip6lab_suite::observe::{decrypted, describe_queries, dns_queries_from, ike, mh, same_name};
use mip6lab_suite::{IutRole, Observation, Pics};
use mip6lab_suite_split::mn_discovery::{HA_NAME, SRV_QNAME};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const USAGE: &str = "usage: mip6lab iut check IMAGE --role mn|ha --pics FILE [--out DIR]\n       \
                     mip6lab iut check [IMAGE] --role mn|ha --pics FILE --pics-only";

/// An MN must have asked DNS for its HA, an HA must have reported ready, within this.
const START_BOUND: Duration = Duration::from_secs(30);
/// A ready HA must still be running this long after its ready line.
const STAY_UP: Duration = Duration::from_secs(3);
/// A configuration error must end the IUT within this.
const BAD_CONFIG_BOUND: Duration = Duration::from_secs(10);
/// Lines of an IUT's log shown with a failure.
const LOG_TAIL: usize = 12;

/// `iut check` knows the split suite's roles: MN and HA.
fn parse_role(s: &str) -> Result<IutRole> {
    match s.parse::<IutRole>() {
        Ok(r @ (IutRole::Mn | IutRole::Ha)) => Ok(r),
        _ => bail!("--role {s}: the role is mn (mobile node) or ha (home agent)"),
    }
}

/// What `iut check` needs of a split-suite role.
trait SplitRole {
    /// The split suite's other IUT role.
    fn other(self) -> IutRole;
    /// PICS items of the role start with this.
    fn prefix(self) -> String;
    fn upper(self) -> String;
    /// The topology the split suite runs this role's IUT in.
    fn topology(self) -> &'static str;
}

impl SplitRole for IutRole {
    fn other(self) -> IutRole {
        if self == IutRole::Mn {
            IutRole::Ha
        } else {
            IutRole::Mn
        }
    }

    fn prefix(self) -> String {
        format!("{}.", self.token())
    }

    fn upper(self) -> String {
        self.token().to_ascii_uppercase()
    }

    fn topology(self) -> &'static str {
        if self == IutRole::Mn {
            "split-mn-iut"
        } else {
            "split-ha-iut"
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Pass,
    Fail,
    /// The harness could not run the check (Docker, a peer not ready): not the IUT's fault,
    /// but nothing was checked either.
    Error,
    /// Not run because an earlier check failed.
    Skip,
    /// Advisory: worth fixing, does not decide the exit status.
    Warn,
    Info,
}

impl Status {
    fn label(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Error => "ERROR",
            Status::Skip => "SKIP",
            Status::Warn => "WARN",
            Status::Info => "INFO",
        }
    }
}

type Line = (Status, String);

/// Prints each result as it comes (the lab checks take a while) and counts them.
#[derive(Default)]
struct Report {
    passed: usize,
    failed: usize,
    skipped: usize,
}

impl Report {
    fn print(&mut self, check: &str, lines: &[Line]) {
        for (status, text) in lines {
            match status {
                Status::Pass => self.passed += 1,
                Status::Fail | Status::Error => self.failed += 1,
                Status::Skip => self.skipped += 1,
                Status::Warn | Status::Info => {}
            }
            let lines: Vec<String> = text.lines().flat_map(|l| wrap(l, WRAP)).collect();
            let mut it = lines.iter();
            println!(
                "{:<5} {check:<14} {}",
                status.label(),
                it.next().map(String::as_str).unwrap_or("")
            );
            for l in it {
                println!("{:21}{l}", "");
            }
        }
    }
}

/// Width of a reason's text column (after status and check name: about 100 columns).
const WRAP: usize = 80;

/// Greedy word wrap; a word longer than the width stays whole.
fn wrap(line: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for word in line.split(' ') {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    out.push(cur);
    out
}

/// What the split suite asks of an IUT: each test purpose's role and PICS items, and every
/// item name anything declares (to catch typos).
struct SuiteView {
    tps: Vec<(IutRole, &'static str, &'static [&'static str])>,
    catalog: BTreeSet<String>,
}

impl SuiteView {
    fn load(root: &Path) -> Result<SuiteView> {
        let mut tps = Vec::new();
        let mut catalog = BTreeSet::new();
        for tp in mip6lab_suite_split::SUITE.tests() {
            catalog.extend(tp.pics.iter().map(|s| s.to_string()));
            tps.push((tp.iut_role(), tp.id, tp.pics));
        }
        // Items the reference declares are known even before a test uses them.
        if let Ok(p) = Pics::load(&root.join("fixtures/pics/reference.toml")) {
            catalog.extend(p.items.into_keys());
        }
        Ok(SuiteView { tps, catalog })
    }

    fn of(
        &self,
        role: IutRole,
    ) -> impl Iterator<Item = &(IutRole, &'static str, &'static [&'static str])> {
        self.tps.iter().filter(move |t| t.0 == role)
    }
}

fn topology_file(root: &Path, name: &str) -> PathBuf {
    root.join(mip6lab_suite::suite::TOPOLOGIES_DIR)
        .join(format!("{name}.toml"))
}

fn declares_true(pics: &Pics, role: IutRole) -> Vec<&str> {
    pics.items
        .iter()
        .filter(|(k, v)| **v && k.starts_with(&role.prefix()))
        .map(|(k, _)| k.as_str())
        .collect()
}

/// (b): every item the role's test purposes use is declared, and nothing unknown is.
fn lint_pics(pics: &Pics, role: IutRole, view: &SuiteView) -> Vec<Line> {
    let used: BTreeSet<&str> = view.of(role).flat_map(|t| t.2.iter().copied()).collect();
    let undeclared: Vec<&str> = used
        .iter()
        .copied()
        .filter(|i| pics.get(i).is_none())
        .collect();
    let unknown: Vec<&str> = pics
        .items
        .keys()
        .map(String::as_str)
        .filter(|i| !view.catalog.contains(*i))
        .collect();
    let mut out = Vec::new();
    if undeclared.is_empty() && unknown.is_empty() {
        let decl: Vec<String> = used
            .iter()
            .map(|i| format!("{i} = {}", pics.get(i).unwrap_or(false)))
            .collect();
        out.push((
            Status::Pass,
            format!(
                "\"{}\" declares every item the {} test purposes use: {}",
                pics.iut_name,
                role.upper(),
                if decl.is_empty() {
                    "(none)".to_string()
                } else {
                    decl.join(", ")
                }
            ),
        ));
    } else {
        let mut why = Vec::new();
        if !undeclared.is_empty() {
            why.push(format!(
                "undeclared: {} (the suite uses them; an item left out counts as unsupported, \
                 so declare each true or false)",
                undeclared.join(", ")
            ));
        }
        if !unknown.is_empty() {
            why.push(format!(
                "unknown: {} (no test purpose and no reference PICS item has that name: a \
                 typo? it would count for nothing)",
                unknown.join(", ")
            ));
        }
        out.push((Status::Fail, why.join("\n")));
    }
    let other = declares_true(pics, role.other());
    if !other.is_empty() {
        out.push((
            Status::Info,
            format!(
                "also declares {} items true ({}): the suite runs its {} test purposes with this \
                 image as the {} too; check that role with --role {}",
                role.other().upper(),
                other.join(", "),
                role.other().upper(),
                role.other().upper(),
                role.other().token()
            ),
        ));
    }
    let unused: Vec<&str> = view
        .catalog
        .iter()
        .map(String::as_str)
        .filter(|i| i.starts_with(&role.prefix()) && !used.contains(i) && pics.get(i).is_none())
        .collect();
    if !unused.is_empty() {
        out.push((
            Status::Info,
            format!(
                "not declared, and no test purpose uses them yet: {}",
                unused.join(", ")
            ),
        ));
    }
    out
}

/// (e): the test purposes this PICS rules out, and those of the other role it cannot.
fn not_applicable(pics: &Pics, role: IutRole, view: &SuiteView) -> Vec<Line> {
    let mine: Vec<_> = view.of(role).collect();
    let na: Vec<String> = mine
        .iter()
        .filter_map(|(_, id, items)| pics.unmet(items).map(|why| format!("{id:<30} {why}")))
        .collect();
    let mut out = vec![(
        Status::Info,
        if na.is_empty() {
            format!(
                "none of the {} {} test purposes is NOT-APPLICABLE with this PICS",
                mine.len(),
                role.upper()
            )
        } else {
            format!(
                "{} of the {} {} test purposes will be NOT-APPLICABLE (no lab runs):\n{}",
                na.len(),
                mine.len(),
                role.upper(),
                na.join("\n")
            )
        },
    )];
    // Test purposes of the other role that no PICS item rules out run with this image in
    // that role; harmless when the image plays both roles, noise when it does not. A PICS
    // that does not declare the other role true (role.mn, role.ha) rules them all out.
    let other = role.other();
    let plays_other = pics.get(&other.pics_item()) == Some(true);
    if plays_other && declares_true(pics, other).is_empty() {
        let run: Vec<&str> = view
            .of(other)
            .filter(|(_, _, items)| pics.unmet(items).is_none())
            .map(|(_, id, _)| *id)
            .collect();
        if !run.is_empty() {
            out.push((
                Status::Warn,
                format!(
                    "{} {} test purpose(s) need no PICS item, so `mip6lab suite split` also runs \
                     them with this image as the {}; their verdicts say nothing about this {}:\n{}",
                    run.len(),
                    other.upper(),
                    other.upper(),
                    role.upper(),
                    run.join(", ")
                ),
            ));
        }
    }
    out
}

pub fn cmd_iut(rest: &[String]) -> Result<ExitCode> {
    match rest.split_first() {
        Some((c, r)) if c == "check" => cmd_check(r),
        Some((c, _)) => bail!("unknown command `iut {c}`\n{USAGE}"),
        None => bail!("which `iut` command?\n{USAGE}"),
    }
}

/// Why --role is needed, with a guess from the PICS when it points one way.
fn role_missing(pics: &Path) -> String {
    let hint = match Pics::load(pics) {
        Ok(p) => match (
            declares_true(&p, IutRole::Mn).is_empty(),
            declares_true(&p, IutRole::Ha).is_empty(),
        ) {
            (false, true) => " (its PICS declares only MN items true: --role mn?)",
            (true, false) => " (its PICS declares only HA items true: --role ha?)",
            (false, false) => " (its PICS declares MN and HA items true: check each role)",
            (true, true) => "",
        },
        Err(_) => "",
    };
    format!("--role mn or --role ha is required: which role the image plays{hint}\n{USAGE}")
}

fn cmd_check(rest: &[String]) -> Result<ExitCode> {
    let a = Args::parse(rest, &["pics", "role", "out"], &["pics-only"])?;
    let pics_only = a.has("pics-only");
    let image = match a.positional[..] {
        [i] => Some(i),
        [] if pics_only => None,
        [] => bail!("which image? a local Docker image tag, e.g. vendor/mn:1.2\n{USAGE}"),
        _ => bail!("one image at a time\n{USAGE}"),
    };
    let pics_path = PathBuf::from(a.value("pics").ok_or_else(|| {
        anyhow!(
            "--pics FILE is required: the IUT's PICS (TOML, as fixtures/pics/reference.toml)\n\
             {USAGE}"
        )
    })?);
    let role = match a.value("role") {
        Some(r) => parse_role(r)?,
        None => bail!("{}", role_missing(&pics_path)),
    };
    let root = repo_root()?;
    let view = SuiteView::load(&root)?;
    println!(
        "mip6lab iut check: {} as the {}, PICS {}",
        image.unwrap_or("(no image)"),
        role.upper(),
        pics_path.display()
    );
    let mut report = Report::default();

    // (a) before (b): a missing image is the commonest first mistake.
    let engine_and_image = match image {
        Some(tag) if !pics_only => {
            let rt = tokio::runtime::Runtime::new()?;
            let ok = rt.block_on(check_image(tag, &mut report));
            Some((rt, tag, ok))
        }
        _ => None,
    };

    let pics = match Pics::load(&pics_path) {
        Ok(p) => {
            report.print("pics", &lint_pics(&p, role, &view));
            Some(p)
        }
        Err(e) => {
            report.print("pics", &[(Status::Fail, format!("{e:#}"))]);
            None
        }
    };

    let mut out_dir = None;
    if let Some((rt, tag, image_ok)) = engine_and_image {
        if image_ok {
            let out = match a.value("out") {
                Some(o) => PathBuf::from(o),
                None => root.join("reports").join(format!(
                    "iut-check-{}-{}",
                    utc_stamp(),
                    role.upper().to_lowercase()
                )),
            };
            std::fs::create_dir_all(&out)
                .with_context(|| format!("cannot create {}", out.display()))?;
            // Absolute: the lab bind-mounts rendered files from here.
            let out = out.canonicalize()?;
            let env = start_env(role, pics.as_ref());
            let start = if role == IutRole::Mn {
                rt.block_on(guard(start_mn(&root, tag, &env, &out.join("start"))))
            } else {
                rt.block_on(guard(start_ha(&root, tag, &out.join("start"))))
            };
            report.print("start", &start);
            let bad = rt.block_on(guard(bad_config(&root, role, tag, &out.join("bad-config"))));
            report.print("bad-config", &bad);
            out_dir = Some(out);
        } else {
            let why = (Status::Skip, "not run: the image check failed".to_string());
            report.print("start", std::slice::from_ref(&why));
            report.print("bad-config", &[why]);
        }
    }

    match &pics {
        Some(p) => report.print("not-applicable", &not_applicable(p, role, &view)),
        None => report.print(
            "not-applicable",
            &[(Status::Skip, "not run: the PICS did not load".into())],
        ),
    }

    if pics_only {
        println!("(--pics-only: the image, its start and its bad-configuration handling were not checked)");
    }
    println!(
        "iut check: {} passed, {} failed{}",
        report.passed,
        report.failed,
        if report.skipped > 0 {
            format!(", {} skipped", report.skipped)
        } else {
            String::new()
        }
    );
    if let Some(out) = out_dir {
        println!("evidence (pcaps, logs, key logs): {}", out.display());
    }
    Ok(if report.failed == 0 && report.skipped == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Extra IUT settings for the start check: as the suite's first test of the role would give
/// them, with lookup by name for an MN whose PICS denies SRV discovery.
fn start_env(role: IutRole, pics: Option<&Pics>) -> Vec<(String, String)> {
    let by_name = pics.is_some_and(|p| {
        p.get("mn.discovery.srv") == Some(false) && p.get("mn.discovery.name") == Some(true)
    });
    if role == IutRole::Mn && by_name {
        vec![(
            "MIP6LAB_HA_NAME".into(),
            HA_NAME.trim_end_matches('.').into(),
        )]
    } else {
        Vec::new()
    }
}

/// A harness failure inside a lab check becomes an ERROR line, not an abort: the other
/// checks still run and the summary still prints.
async fn guard(f: impl std::future::Future<Output = Result<Vec<Line>>>) -> Vec<Line> {
    match f.await {
        Ok(lines) => lines,
        Err(e) => vec![(
            Status::Error,
            format!("the harness could not run this check: {e:#}"),
        )],
    }
}

/// (a) The image is in the local store: the lab never pulls.
async fn check_image(tag: &str, report: &mut Report) -> bool {
    let engine = match Engine::connect().await {
        Ok(e) => e,
        Err(e) => {
            report.print("image", &[(Status::Error, format!("{e:#}"))]);
            return false;
        }
    };
    match engine.image_size(tag).await {
        Some(size) => {
            report.print(
                "image",
                &[(
                    Status::Pass,
                    format!(
                        "{tag} is in the local image store ({} MB)",
                        size / 1_000_000
                    ),
                )],
            );
            true
        }
        None => {
            report.print(
                "image",
                &[(
                    Status::Fail,
                    format!(
                        "{tag} is not in the local Docker image store (the lab never pulls): \
                         build it (`docker build -t {tag} DIR`) or load it (`docker load -i \
                         IMAGE.tar`); `docker images` lists what is there"
                    ),
                )],
            );
            false
        }
    }
}

fn wall_now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// A lab whose reference peers (the harness HA or MN) come from the reference binary.
async fn up(topology: Topology, opts: LabOptions) -> Result<Lab> {
    Lab::up_with(topology, opts, Vec::new(), Arc::new(ReferenceImages)).await
}

/// Starts the lab's IUT; when it does not start, takes the lab down and gives the failing
/// line instead.
async fn start_iut_or_fail(
    mut lab: Lab,
    env: &[(String, String)],
) -> Result<std::result::Result<(Lab, NodeHandle), Vec<Line>>> {
    match lab.start_iut(env).await {
        Ok(iut) => Ok(Ok((lab, iut))),
        Err(e) => {
            lab.down().await?;
            Ok(Err(vec![(
                Status::Fail,
                format!("the container did not start: {e:#}"),
            )]))
        }
    }
}

fn options(root: &Path, out: &Path, image: &str) -> LabOptions {
    LabOptions {
        root: root.to_path_buf(),
        out_dir: out.to_path_buf(),
        iut: Iut::Image(image.to_string()),
    }
}

fn tail(log: &str, n: usize) -> String {
    let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.is_empty() {
        return "(its log is empty)".into();
    }
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| format!("| {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `MIP6LAB-EVENT` kinds an IUT printed, in order, each once.
fn events(log: &str) -> Vec<String> {
    let mut seen = Vec::new();
    for l in log.lines() {
        let Some((_, json)) = l.split_once(mip6lab_contract::events::PREFIX) else {
            continue;
        };
        if let Some(kind) = serde_json::from_str::<serde_json::Value>(json)
            .ok()
            .and_then(|v| v.get("event")?.as_str().map(str::to_string))
        {
            if !seen.contains(&kind) {
                seen.push(kind);
            }
        }
    }
    seen
}

fn events_line(log: &str) -> Line {
    let ev = events(log);
    (
        Status::Info,
        if ev.is_empty() {
            "no MIP6LAB-EVENT lines (optional: verdicts rest on the capture)".into()
        } else {
            format!("events (advisory): {}", ev.join(", "))
        },
    )
}

/// The first capture decoded as the suite decodes it (setup frames left out, every key log
/// of the lab applied), with each frame's capture time.
fn decode(artifacts: &Artifacts, endpoints: &Endpoints) -> Result<(Transcript, Vec<Duration>)> {
    let pcap = artifacts
        .pcaps
        .first()
        .context("the topology has no network, so nothing was captured")?;
    let read = mip6lab_capture::read_file(pcap)?;
    if let Some(e) = read.error {
        bail!("capture unreadable: {e}");
    }
    let mut keys = KeyLog::default();
    for k in &artifacts.keylogs {
        if let Ok(log) = KeyLog::load(k) {
            keys.merge(log);
        }
    }
    let setup = artifacts.setup_frames.first().copied().unwrap_or(0);
    let transcript = mip6lab_capture::decode_with_keys(&read.frames, endpoints, setup, keys);
    let times = read.frames.iter().map(|f| f.timestamp).collect();
    Ok((transcript, times))
}

/// What the IUT logged as keys (`$MIP6LAB_KEYLOG_DIR/keys.log`), advisory.
fn keylog_lines(out: &Path, node: &str) -> Vec<Line> {
    let path = out.join("keys").join(node).join("keys.log");
    if !path.exists() {
        return vec![(
            Status::Info,
            "no key log ($MIP6LAB_KEYLOG_DIR/keys.log): optional while the harness's own peer \
             logs its keys, as in the split topologies; without any keys, tests that need \
             decryption are INCONCLUSIVE"
                .into(),
        )];
    }
    match mip6lab_capture::keylog::KeyLog::load(&path) {
        Ok(log) => {
            let mut v = vec![(
                Status::Info,
                format!(
                    "key log keys/{node}/keys.log: {} IKE SA(s), {} ESP SA(s)",
                    log.ike.len(),
                    log.esp.len()
                ),
            )];
            if !log.skipped.is_empty() {
                v.push((
                    Status::Warn,
                    format!(
                        "key log lines the harness cannot use:\n{}",
                        log.skipped.join("\n")
                    ),
                ));
            }
            v
        }
        Err(e) => vec![(
            Status::Warn,
            format!("key log keys/{node}/keys.log is unreadable, so it decrypts nothing: {e}"),
        )],
    }
}

/// A query that starts home agent discovery: the SRV of §5.1.2 or an HA's name (§5.1.1).
fn asks_for_ha(m: &DnsMessage) -> bool {
    (m.qtype == "SRV" && same_name(&m.qname, SRV_QNAME))
        || ["ha1.example.com.", "ha2.example.com.", HA_NAME]
            .iter()
            .any(|n| same_name(&m.qname, n))
}

/// (c) for an MN: in the MN-IUT topology (harness HA, BIND, FreeRADIUS), it asks DNS for its
/// HA within the bound. It then runs on (its whole flow, exit 0) until the bound at most.
async fn start_mn(
    root: &Path,
    image: &str,
    env: &[(String, String)],
    out: &Path,
) -> Result<Vec<Line>> {
    let topology = Topology::load(&topology_file(root, IutRole::Mn.topology()))?;
    let endpoints = topology.endpoints();
    let node = topology
        .iut()
        .context("the MN topology has no iut node")?
        .name
        .clone();
    say(&format!(
        "mip6lab: starting {} with the MN under test (up to {} s) …",
        IutRole::Mn.topology(),
        START_BOUND.as_secs()
    ));
    let lab = up(topology, options(root, out, image)).await?;
    let t0 = wall_now();
    let started = Instant::now();
    let (lab, iut) = match start_iut_or_fail(lab, env).await? {
        Ok(started) => started,
        Err(lines) => return Ok(lines),
    };
    let code = lab.wait_exit(&iut, START_BOUND).await?;
    let ran = started.elapsed();
    let exited = code.is_some() || ran < START_BOUND;
    let log = lab.logs(&iut).await.unwrap_or_default();
    // Frames still in flight should reach the capture.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let artifacts = lab.down().await?;
    let (transcript, times) = decode(&artifacts, &endpoints)?;
    let obs = Observation {
        transcript,
        ..Observation::default()
    };
    let at = |frame: u64| {
        times
            .get(frame.saturating_sub(1) as usize)
            .map(|t| t.saturating_sub(t0).as_secs_f64())
            .unwrap_or(f64::NAN)
    };
    let exit_text = match (exited, code) {
        (true, Some(c)) => format!("exited {c} after {:.1} s", ran.as_secs_f64()),
        (true, None) => format!("exited after {:.1} s", ran.as_secs_f64()),
        (false, _) => format!("was still running after {} s", START_BOUND.as_secs()),
    };

    let mut lines = Vec::new();
    let first = dns_queries_from(&obs, "MN").find(|(_, m)| asks_for_ha(m));
    match first {
        Some((e, m)) if at(e.frame) <= START_BOUND.as_secs_f64() => lines.push((
            Status::Pass,
            format!(
                "asked DNS for its HA ({} {}) {:.1} s after it started (frame {} of start/{})",
                m.qtype,
                m.qname,
                at(e.frame),
                e.frame,
                pcap_name(&artifacts)
            ),
        )),
        Some((e, m)) => lines.push((
            Status::Fail,
            format!(
                "asked DNS for its HA ({} {}) only {:.1} s after it started (bound {} s)",
                m.qtype,
                m.qname,
                at(e.frame),
                START_BOUND.as_secs()
            ),
        )),
        None => {
            let other = describe_queries(dns_queries_from(&obs, "MN"));
            lines.push((
                Status::Fail,
                format!(
                    "no DNS query for its HA ({SRV_QNAME} SRV, or an HA's name) within {} s; \
                     it asked DNS for {other}; it {exit_text}. Its log:\n{}",
                    START_BOUND.as_secs(),
                    tail(&log, LOG_TAIL)
                ),
            ));
        }
    }
    lines.push(match (exited, code) {
        (true, Some(0)) => (
            Status::Info,
            format!("{exit_text}: its flow ended, as the contract's MN does"),
        ),
        (true, _) => (
            Status::Warn,
            format!(
                "{exit_text}: an MN exits 0 when its flow is done. Its log:\n{}",
                tail(&log, LOG_TAIL)
            ),
        ),
        (false, _) => (
            Status::Info,
            format!(
                "still running after {} s (stopped); the suite watches an MN for up to 45 s per \
                 test, or until its `done` event",
                START_BOUND.as_secs()
            ),
        ),
    });
    lines.push((Status::Info, progress(&obs)));
    lines.push(events_line(&log));
    lines.extend(keylog_lines(out, &node));
    Ok(lines)
}

fn pcap_name(artifacts: &Artifacts) -> String {
    artifacts
        .pcaps
        .first()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// How far the MN got on the wire, for orientation (the suite judges each step).
fn progress(obs: &Observation) -> String {
    let mut steps = Vec::new();
    if dns_queries_from(obs, "MN").next().is_some() {
        steps.push("DNS query".to_string());
    }
    if ike(obs, "IKE_SA_INIT request", Some("MN")).next().is_some() {
        steps.push("IKE_SA_INIT".into());
    }
    if let Some((_, m)) = ike(obs, "IKE_AUTH request", Some("MN")).next() {
        steps.push(if decrypted(m) {
            "IKE_AUTH (decrypted)".into()
        } else {
            "IKE_AUTH (not decrypted)".into()
        });
    }
    if mh(obs, "BU", Some("MN")).next().is_some() {
        steps.push("BU".into());
    }
    if mh(obs, "BA", None).next().is_some() {
        steps.push("BA".into());
    }
    if steps.is_empty() {
        "on the wire: nothing from the MN".into()
    } else {
        format!("on the wire: {}", steps.join(" → "))
    }
}

/// (c) for an HA: in the HA-IUT topology (BIND, FreeRADIUS; the tester MN is not started),
/// its ready line comes within the bound (the lab's readiness wait) and it stays up.
async fn start_ha(root: &Path, image: &str, out: &Path) -> Result<Vec<Line>> {
    let topology = Topology::load(&topology_file(root, IutRole::Ha.topology()))?;
    say(&format!(
        "mip6lab: starting {} with the HA under test (ready within {} s) …",
        IutRole::Ha.topology(),
        START_BOUND.as_secs()
    ));
    let mut lab = up(topology, options(root, out, image)).await?;
    let started = Instant::now();
    let iut = match lab.start_iut(&[]).await {
        Ok(h) => h,
        Err(e) => {
            lab.down().await?;
            // A readiness failure ends with the node's log (show its tail); anything else
            // means the container never ran.
            let text = format!("{e:#}");
            let line = match text.split_once("--- its log ---") {
                Some((head, log)) => format!(
                    "no line with \"event\":\"ready\" within {} s: {}\nIts log:\n{}",
                    START_BOUND.as_secs(),
                    head.trim(),
                    tail(log, LOG_TAIL)
                ),
                None => format!("the container did not start: {text}"),
            };
            return Ok(vec![(Status::Fail, line)]);
        }
    };
    let ready_after = started.elapsed();
    let code = lab.wait_exit(&iut, STAY_UP).await?;
    let gone = code.is_some() || started.elapsed() < ready_after + STAY_UP;
    let log = lab.logs(&iut).await.unwrap_or_default();
    lab.down().await?;
    let mut lines = vec![if gone {
        (
            Status::Fail,
            format!(
                "reported ready after {:.1} s, then exited{} within {} s: an HA serves until \
                 the lab stops it. Its log:\n{}",
                ready_after.as_secs_f64(),
                code.map(|c| format!(" {c}")).unwrap_or_default(),
                STAY_UP.as_secs(),
                tail(&log, LOG_TAIL)
            ),
        )
    } else {
        (
            Status::Pass,
            format!(
                "reported ready after {:.1} s and was still running {} s later",
                ready_after.as_secs_f64(),
                STAY_UP.as_secs()
            ),
        )
    }];
    lines.push(events_line(&log));
    Ok(lines)
}

/// The role's topology cut down to the IUT and the DNS server (a peer the capture needs),
/// with MIP6LAB_ROLE removed and no readiness wait on the IUT.
fn bad_config_topology(root: &Path, role: IutRole) -> Result<Topology> {
    let mut t = Topology::load(&topology_file(root, role.topology()))?;
    t.nodes.retain(|n| n.image == "iut" || n.role == "DNS");
    if t.nodes.len() != 2 {
        bail!(
            "topology {} needs an iut node and a DNS node for this check",
            t.name
        );
    }
    let iut = t
        .nodes
        .iter_mut()
        .find(|n| n.image == "iut")
        .context("no iut node")?;
    iut.env.remove("MIP6LAB_ROLE");
    iut.ready = None;
    Ok(t)
}

/// (d) With MIP6LAB_ROLE unset the IUT must exit non-zero (the contract: 2, with a message)
/// within the bound, not hang or guess.
async fn bad_config(root: &Path, role: IutRole, image: &str, out: &Path) -> Result<Vec<Line>> {
    let topology = bad_config_topology(root, role)?;
    say(&format!(
        "mip6lab: starting the IUT with MIP6LAB_ROLE unset (must exit within {} s) …",
        BAD_CONFIG_BOUND.as_secs()
    ));
    let lab = up(topology, options(root, out, image)).await?;
    let (lab, iut) = match start_iut_or_fail(lab, &[]).await? {
        Ok(started) => started,
        Err(lines) => return Ok(lines),
    };
    let started = Instant::now();
    let code = lab.wait_exit(&iut, BAD_CONFIG_BOUND).await?;
    let took = started.elapsed();
    let exited = code.is_some() || took < BAD_CONFIG_BOUND;
    let log = lab.logs(&iut).await.unwrap_or_default();
    lab.down().await?;
    let said = log
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(|l| format!(": \"{l}\""))
        .unwrap_or_else(|| " and printed nothing (say what is wrong)".into());
    Ok(vec![match (exited, code) {
        (true, Some(0)) => (
            Status::Fail,
            format!(
                "with MIP6LAB_ROLE unset it exited 0 after {:.1} s{said}; a configuration error \
                 must exit non-zero (2)",
                took.as_secs_f64()
            ),
        ),
        (true, c) => (
            if log.trim().is_empty() {
                Status::Warn
            } else {
                Status::Pass
            },
            format!(
                "with MIP6LAB_ROLE unset it exited {}after {:.1} s{said}{}",
                c.map(|c| format!("{c} ")).unwrap_or_default(),
                took.as_secs_f64(),
                match c {
                    Some(2) => "",
                    _ => " (the contract asks for exit status 2)",
                }
            ),
        ),
        (false, _) => (
            Status::Fail,
            format!(
                "with MIP6LAB_ROLE unset it was still running after {} s: a configuration error \
                 must end it (exit 2, with a message). Its log:\n{}",
                BAD_CONFIG_BOUND.as_secs(),
                tail(&log, LOG_TAIL)
            ),
        ),
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> SuiteView {
        SuiteView {
            tps: vec![
                (IutRole::Mn, "TP-MN-1", &[]),
                (IutRole::Mn, "TP-MN-2", &["mn.auth.eap"]),
                (IutRole::Mn, "TP-MN-3", &["mn.hoa.autoconf"]),
                (IutRole::Ha, "TP-HA-1", &["ha.auth.psk"]),
            ],
            catalog: [
                "mn.auth.eap",
                "mn.hoa.autoconf",
                "ha.auth.psk",
                "mn.discovery.srv",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        }
    }

    fn pics(items: &str) -> Pics {
        Pics::parse(&format!("[iut]\nname = \"x\"\n[pics]\n{items}")).unwrap()
    }

    #[test]
    fn undeclared_and_unknown_items_fail_the_pics_check() {
        let lint_mn = |items: &str| lint_pics(&pics(items), IutRole::Mn, &view());
        let l = lint_mn("mn.auth.eap = true\n");
        assert_eq!(l[0].0, Status::Fail);
        assert!(l[0].1.contains("undeclared: mn.hoa.autoconf"), "{l:?}");
        let l = lint_mn("mn.auth.eap = true\nmn.hoa.autoconf = false\nmn.auth.eapp = true\n");
        assert_eq!(l[0].0, Status::Fail);
        assert!(l[0].1.contains("unknown: mn.auth.eapp"), "{l:?}");
        let l = lint_mn("mn.auth.eap = true\nmn.hoa.autoconf = false\n");
        assert_eq!(l[0].0, Status::Pass, "{l:?}");
        assert!(l[0].1.contains("mn.hoa.autoconf = false"), "{l:?}");
        assert!(l.iter().any(|(_, t)| t.contains("mn.discovery.srv")));
    }

    #[test]
    fn denied_items_list_not_applicable_tests_and_the_other_role_is_flagged() {
        let p = pics("mn.auth.eap = false\nmn.hoa.autoconf = true\n");
        let l = not_applicable(&p, IutRole::Mn, &view());
        assert!(l[0].1.starts_with("1 of the 3 MN"), "{l:?}");
        assert!(l[0].1.contains("TP-MN-2"), "{l:?}");
        // HA tests all need an item this PICS leaves out: nothing runs in the wrong role.
        assert_eq!(l.len(), 1, "{l:?}");
        let l = not_applicable(
            &pics("ha.auth.psk = true\nrole.mn = true\n"),
            IutRole::Ha,
            &view(),
        );
        assert_eq!(
            l[0].1,
            "none of the 1 HA test purposes is NOT-APPLICABLE with this PICS"
        );
        assert_eq!(l[1].0, Status::Warn);
        assert!(l[1].1.ends_with("TP-MN-1"), "{l:?}");
        // An HA-only PICS rules out every MN test by its role item: nothing to warn about.
        for role_mn in ["role.mn = false\n", ""] {
            let p = pics(&format!("ha.auth.psk = true\nrole.ha = true\n{role_mn}"));
            let l = not_applicable(&p, IutRole::Ha, &view());
            assert_eq!(l.len(), 1, "{role_mn}: {l:?}");
        }
    }

    #[test]
    fn events_are_listed_once_in_order() {
        let log = "x\nMIP6LAB-EVENT {\"data\":{},\"event\":\"ready\"}\n\
                   MIP6LAB-EVENT {\"event\":\"ike_sa\"}\nMIP6LAB-EVENT {\"event\":\"ready\"}\n\
                   MIP6LAB-EVENT not json\n";
        assert_eq!(events(log), ["ready", "ike_sa"]);
    }

    #[test]
    fn wrapping_keeps_words_whole() {
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap("abcdefgh ij", 4), ["abcdefgh", "ij"]);
        assert_eq!(wrap("", 4), [""]);
    }

    #[test]
    fn only_the_split_roles_parse() {
        assert_eq!(parse_role("mn").ok(), Some(IutRole::Mn));
        assert_eq!(parse_role("ha").ok(), Some(IutRole::Ha));
        assert!(parse_role("cn").is_err());
        assert!(
            parse_role("fa").is_err(),
            "no split test puts an FA under test"
        );
    }
}
