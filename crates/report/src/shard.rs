//! Partitioned runs: what a shard records (`mip6lab suite --partition K/N`), and the merge of
//! the shards' results into one run (`mip6lab report --merge`).

use crate::RunResult;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// A shard's place in its partitioned run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partition {
    /// This shard, from 1.
    pub k: usize,
    /// How many shards the run has.
    pub n: usize,
    /// The tests selected before the split (all shards together).
    pub selected_total: usize,
    /// The IDs of this shard's tests, in selection order.
    pub tests: Vec<String>,
}

impl Partition {
    /// `shard 2/4: 7 of 30 selected test(s)`.
    pub fn describe(&self) -> String {
        format!(
            "shard {}/{}: {} of {} selected test(s)",
            self.k,
            self.n,
            self.tests.len(),
            self.selected_total
        )
    }
}

/// What a merged run was merged from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Merged {
    /// How many shards the run was split into.
    pub n: usize,
    /// The tests selected before the split.
    pub selected_total: usize,
    /// The shards merged, by K.
    pub shards: Vec<MergedShard>,
    /// The K of every shard that was not there (only with `--allow-missing`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<usize>,
}

/// One merged shard.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergedShard {
    pub k: usize,
    pub run_id: String,
    pub host: String,
    /// How many tests it ran.
    pub tests: usize,
}

impl Merged {
    /// How many selected tests no merged shard ran.
    pub fn tests_not_run(&self) -> usize {
        let ran: usize = self.shards.iter().map(|s| s.tests).sum();
        self.selected_total.saturating_sub(ran)
    }

    /// `shard(s) 2, 4 of 4 missing: 9 of 30 selected test(s) did not run`.
    pub fn missing_text(&self) -> String {
        format!(
            "shard(s) {} of {} missing: {} of {} selected test(s) did not run",
            join(&self.missing),
            self.n,
            self.tests_not_run(),
            self.selected_total
        )
    }

    /// `3 of 4 shard(s): 1/4 (<run-id> on <host>), …`.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = self
            .shards
            .iter()
            .map(|s| format!("{}/{} ({} on {})", s.k, self.n, s.run_id, s.host))
            .collect();
        format!(
            "{} of {} shard(s): {}",
            self.shards.len(),
            self.n,
            parts.join(", ")
        )
    }
}

fn join(ks: &[usize]) -> String {
    ks.iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn label(r: &RunResult) -> String {
    match &r.partition {
        Some(p) => format!("run {} (shard {}/{})", r.run_id, p.k, p.n),
        None => format!("run {}", r.run_id),
    }
}

/// Merges the shards of one partitioned run into one run named `run_id`: the results in the
/// order of `suite_order` (the suite's test IDs), the run's metadata from the shards (start:
/// the earliest; duration: to the latest end; hosts: each once). Errors: a run that is not a
/// shard, shards of different runs (suite, IUT, knobs, PICS, gate profile, mip6lab version,
/// N, selection, peer versions), a K given twice, a test in two shards or not in the suite, a
/// shard whose results are not its tests, and a missing shard unless `allow_missing` (then
/// [`Merged::missing`] lists it and the gate fails).
pub fn merge(
    shards: Vec<RunResult>,
    suite_order: &[&str],
    run_id: &str,
    allow_missing: bool,
) -> Result<RunResult, String> {
    let first = shards.first().ok_or("no shard to merge")?;
    for r in &shards {
        let p = r
            .partition
            .as_ref()
            .ok_or_else(|| format!("{} is not a shard: it ran without --partition", label(r)))?;
        check_same_run(first, r)?;
        if !(1..=p.n).contains(&p.k) {
            return Err(format!("{}: K is not between 1 and N", label(r)));
        }
        let mut ran: Vec<&str> = r.results.iter().map(|t| t.id.as_str()).collect();
        let mut given: Vec<&str> = p.tests.iter().map(String::as_str).collect();
        ran.sort_unstable();
        given.sort_unstable();
        if ran != given {
            return Err(format!(
                "{}: its results ({}) are not the tests of its shard ({}); was the run cut short?",
                label(r),
                ran.join(", "),
                given.join(", ")
            ));
        }
    }
    let n = first.partition.as_ref().map_or(0, |p| p.n);
    let selected_total = first.partition.as_ref().map_or(0, |p| p.selected_total);

    let mut by_k: BTreeMap<usize, RunResult> = BTreeMap::new();
    for r in shards {
        let k = r.partition.as_ref().map_or(0, |p| p.k);
        if let Some(seen) = by_k.get(&k) {
            return Err(format!(
                "shard {k}/{n} given twice: {} and {}",
                label(seen),
                label(&r)
            ));
        }
        by_k.insert(k, r);
    }
    let missing: Vec<usize> = (1..=n).filter(|k| !by_k.contains_key(k)).collect();
    if !missing.is_empty() && !allow_missing {
        return Err(format!(
            "shard(s) {} of {n} missing (given: {}); pass their run directories too, or \
             --allow-missing to merge what is there (the gate then fails)",
            join(&missing),
            join(&by_k.keys().copied().collect::<Vec<_>>())
        ));
    }

    let position: HashMap<&str, usize> = suite_order
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, i))
        .collect();
    let mut shard_of: HashMap<String, usize> = HashMap::new();
    let mut peer_versions: BTreeMap<String, (String, usize)> = BTreeMap::new();
    let mut hosts: Vec<String> = Vec::new();
    let mut merged_shards = Vec::new();
    let mut results = Vec::new();
    for (&k, r) in &by_k {
        for t in &r.results {
            if let Some(other) = shard_of.insert(t.id.clone(), k) {
                return Err(format!("test {} is in shard {other} and shard {k}", t.id));
            }
            if !position.contains_key(t.id.as_str()) {
                return Err(format!(
                    "test {} of {} is not in suite {} as this mip6lab knows it",
                    t.id,
                    label(r),
                    r.suite
                ));
            }
        }
        for (peer, version) in &r.peer_versions {
            match peer_versions.get(peer) {
                Some((v, other)) if v != version => {
                    return Err(format!(
                        "peer {peer} was {v} in shard {other} and {version} in shard {k}: \
                         not one run"
                    ))
                }
                _ => {
                    peer_versions.insert(peer.clone(), (version.clone(), k));
                }
            }
        }
        if !hosts.contains(&r.host) {
            hosts.push(r.host.clone());
        }
        merged_shards.push(MergedShard {
            k,
            run_id: r.run_id.clone(),
            host: r.host.clone(),
            tests: r.results.len(),
        });
    }
    let ran = shard_of.len();
    if (missing.is_empty() && ran != selected_total) || ran > selected_total {
        return Err(format!(
            "the shards ran {ran} test(s), but {selected_total} were selected: not one run"
        ));
    }

    let start = by_k.values().map(|r| r.started_unix).min().unwrap_or(0);
    let end_ms = by_k
        .values()
        .map(|r| r.started_unix * 1000 + r.duration_ms)
        .max()
        .unwrap_or(0);
    // The metadata the shards share (checked above) comes from the first.
    let mut template: Option<RunResult> = None;
    for mut r in by_k.into_values() {
        results.append(&mut r.results);
        template.get_or_insert(r);
    }
    let template = template.unwrap_or_default();
    results.sort_by_key(|t| position[t.id.as_str()]);
    Ok(RunResult {
        schema_version: RunResult::SCHEMA_VERSION,
        run_id: run_id.to_string(),
        started_unix: start,
        duration_ms: end_ms.saturating_sub(start * 1000),
        host: hosts.join(", "),
        peer_versions: peer_versions
            .into_iter()
            .map(|(p, (v, _))| (p, v))
            .collect(),
        partition: None,
        merged: Some(Merged {
            n,
            selected_total,
            shards: merged_shards,
            missing,
        }),
        results,
        ..template
    })
}

/// Shards of one run agree on everything that decides a verdict.
fn check_same_run(a: &RunResult, b: &RunResult) -> Result<(), String> {
    let (pa, pb) = (
        a.partition.clone().unwrap_or_default(),
        b.partition.clone().unwrap_or_default(),
    );
    let pics = |r: &RunResult| serde_json::to_string(&r.pics).unwrap_or_default();
    let fields: [(&str, String, String); 8] = [
        ("suite", a.suite.clone(), b.suite.clone()),
        ("IUT", a.iut.clone(), b.iut.clone()),
        ("knobs", a.knobs.clone(), b.knobs.clone()),
        ("PICS", pics(a), pics(b)),
        ("--strict", a.strict.to_string(), b.strict.to_string()),
        (
            "mip6lab version",
            a.mip6lab_version.clone(),
            b.mip6lab_version.clone(),
        ),
        ("N (shard count)", pa.n.to_string(), pb.n.to_string()),
        (
            "selected test count",
            pa.selected_total.to_string(),
            pb.selected_total.to_string(),
        ),
    ];
    for (what, va, vb) in fields {
        if va != vb {
            return Err(format!(
                "{} and {} are not one run: {what} `{va}` vs `{vb}`",
                label(a),
                label(b)
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Outcome, TestResult, Verdict};

    const ORDER: [&str; 5] = ["A", "B", "C", "D", "E"];

    /// Shard k of n of a 5-test selection, with these tests (passing).
    fn shard(k: usize, n: usize, ids: &[&str], started_unix: u64) -> RunResult {
        RunResult {
            duration_ms: 2000,
            host: format!("runner-{k}"),
            partition: Some(Partition {
                k,
                n,
                selected_total: 5,
                tests: ids.iter().map(|s| s.to_string()).collect(),
            }),
            peer_versions: [("bind".to_string(), "9.18".to_string())].into(),
            results: ids
                .iter()
                .map(|id| TestResult {
                    id: id.to_string(),
                    outcome: Outcome::pass("ok"),
                    requirement_levels: [("R".into(), "MUST".into())].into(),
                    requirements: vec!["R".into()],
                    ..TestResult::default()
                })
                .collect(),
            ..RunResult::begin(&format!("run-{k}"), "split", "reference", "", started_unix)
        }
    }

    fn three_shards() -> Vec<RunResult> {
        vec![
            shard(2, 3, &["B", "E"], 100),
            shard(1, 3, &["A", "D"], 103),
            shard(3, 3, &["C"], 101),
        ]
    }

    fn ids(r: &RunResult) -> Vec<&str> {
        r.results.iter().map(|t| t.id.as_str()).collect()
    }

    #[test]
    fn merges_in_suite_order_with_the_shards_metadata() {
        let run = merge(three_shards(), &ORDER, "merged", false).unwrap();
        assert_eq!(ids(&run), ORDER);
        assert_eq!(run.run_id, "merged");
        assert_eq!((run.started_unix, run.duration_ms), (100, 5000));
        assert_eq!(run.host, "runner-1, runner-2, runner-3");
        assert_eq!(run.peer_versions["bind"], "9.18");
        assert!(run.partition.is_none());
        let m = run.merged.as_ref().unwrap();
        assert_eq!(m.shards.iter().map(|s| s.k).collect::<Vec<_>>(), [1, 2, 3]);
        assert!(m.missing.is_empty() && run.missing_shards().is_empty());
        assert!(run.gate_ok());
        assert!(!run.closing_lines().contains("INCOMPLETE"));
        // It survives results.json.
        let back: RunResult = serde_json::from_str(&serde_json::to_string(&run).unwrap()).unwrap();
        assert_eq!(back.merged, run.merged);
    }

    #[test]
    fn merged_gate_follows_the_tests() {
        let mut shards = three_shards();
        shards[2].results[0].outcome = Outcome::fail("no");
        let run = merge(shards, &ORDER, "m", false).unwrap();
        assert_eq!(run.results[2].outcome.verdict, Verdict::Fail);
        assert!(!run.gate_ok());
    }

    #[test]
    fn a_missing_shard_is_an_error_naming_it() {
        let mut shards = three_shards();
        shards.remove(0);
        let e = merge(shards, &ORDER, "m", false).unwrap_err();
        assert!(
            e.starts_with("shard(s) 2 of 3 missing (given: 1, 3)"),
            "{e}"
        );
    }

    #[test]
    fn allow_missing_merges_what_is_there_and_fails_the_gate() {
        let mut shards = three_shards();
        shards.remove(0);
        let run = merge(shards, &ORDER, "m", true).unwrap();
        assert_eq!(ids(&run), ["A", "C", "D"]);
        assert_eq!(run.missing_shards(), [2]);
        assert!(!run.gate_ok(), "two tests did not run");
        let m = run.merged.as_ref().unwrap();
        assert_eq!(
            m.missing_text(),
            "shard(s) 2 of 3 missing: 2 of 5 selected test(s) did not run"
        );
        assert!(run
            .closing_lines()
            .contains("INCOMPLETE: shard(s) 2 of 3 missing"));
    }

    #[rstest::rstest]
    #[case::suite(|r: &mut RunResult| r.suite = "integrated".into(), "suite `split` vs `integrated`")]
    #[case::iut(|r: &mut RunResult| r.iut = "vendor/mn:1".into(), "IUT `reference` vs `vendor/mn:1`")]
    #[case::knobs(|r: &mut RunResult| r.knobs = "mn.x=1".into(), "knobs `` vs `mn.x=1`")]
    #[case::pics(|r: &mut RunResult| { r.pics.insert("role.mn".into(), true.into()); }, "PICS `{}`")]
    #[case::strict(|r: &mut RunResult| r.strict = true, "--strict `false` vs `true`")]
    #[case::n(|r: &mut RunResult| r.partition.as_mut().unwrap().n = 4, "N (shard count) `3` vs `4`")]
    #[case::selection(|r: &mut RunResult| r.partition.as_mut().unwrap().selected_total = 6, "selected test count `5` vs `6`")]
    #[case::peers(|r: &mut RunResult| { r.peer_versions.insert("bind".into(), "9.20".into()); }, "peer bind was 9.20 in shard 1 and 9.18 in shard 2")]
    #[case::not_a_shard(|r: &mut RunResult| r.partition = None, "run run-1 is not a shard")]
    #[case::cut_short(|r: &mut RunResult| { r.results.pop(); }, "its results (A) are not the tests of its shard (A, D)")]
    #[case::twice(|r: &mut RunResult| { r.partition.as_mut().unwrap().k = 2; r.partition.as_mut().unwrap().tests = vec!["A".into(), "D".into()]; }, "shard 2/3 given twice")]
    #[case::k_out_of_range(|r: &mut RunResult| r.partition.as_mut().unwrap().k = 4, "K is not between 1 and N")]
    #[case::unknown_test(|r: &mut RunResult| { r.results[0].id = "Z".into(); r.partition.as_mut().unwrap().tests[0] = "Z".into(); }, "test Z of run run-1 (shard 1/3) is not in suite split")]
    #[case::test_in_two_shards(|r: &mut RunResult| { r.results[0].id = "C".into(); r.partition.as_mut().unwrap().tests[0] = "C".into(); }, "test C is in shard 1 and shard 3")]
    fn shards_of_different_runs_are_refused(#[case] spoil: fn(&mut RunResult), #[case] want: &str) {
        let mut shards = three_shards();
        spoil(&mut shards[1]);
        let e = merge(shards, &ORDER, "m", true).unwrap_err();
        assert!(e.contains(want), "{e}");
    }

    #[test]
    fn nothing_to_merge_and_a_wrong_total_are_errors() {
        assert!(merge(vec![], &ORDER, "m", false).is_err());
        let mut shards = three_shards();
        for s in &mut shards {
            s.partition.as_mut().unwrap().selected_total = 6;
        }
        let e = merge(shards, &ORDER, "m", false).unwrap_err();
        assert!(e.contains("ran 5 test(s), but 6 were selected"), "{e}");
    }

    #[test]
    fn an_empty_shard_merges() {
        let shards = vec![
            shard(1, 2, &["A", "B", "C", "D", "E"], 100),
            shard(2, 2, &[], 100),
        ];
        let run = merge(shards, &ORDER, "m", false).unwrap();
        assert_eq!(run.results.len(), 5);
        assert_eq!(run.merged.unwrap().shards[1].tests, 0);
    }

    #[test]
    fn older_results_have_no_partition() {
        let v2 = r#"{"schema_version":2,"run_id":"r","suite":"split","iut":"reference",
            "knobs":"","started_unix":0,"duration_ms":5,"results":[]}"#;
        let r: RunResult = serde_json::from_str(v2).unwrap();
        assert!(r.partition.is_none() && r.merged.is_none());
        let text = serde_json::to_string(&r).unwrap();
        assert!(
            !text.contains("partition") && !text.contains("merged"),
            "{text}"
        );
        let shard = shard(1, 2, &["A"], 0);
        let back: RunResult =
            serde_json::from_str(&serde_json::to_string(&shard).unwrap()).unwrap();
        assert_eq!(back.partition, shard.partition);
        assert_eq!(
            shard.partition.unwrap().describe(),
            "shard 1/2: 1 of 5 selected test(s)"
        );
    }
}
