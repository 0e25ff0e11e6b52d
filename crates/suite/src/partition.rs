//! Lab-sharing groups of a test selection, and their deterministic split into shards.
//!
//! Tests with the same setup and stimulus judge one lab run (the runner shares the
//! observation), so a group never splits: not across parallel labs, not across shards.

use crate::TestPurpose;

/// What makes two tests share one observation: the runner's scenario key without the rerun
/// round.
pub fn scenario_of(tp: &TestPurpose) -> String {
    format!(
        "{}|{:?}|{:?}|{:?}|{:?}|{:?}",
        tp.topology,
        tp.iut_env,
        tp.stimulus.map(|s| (s.node, s.env)),
        tp.peer_env,
        tp.until_event,
        tp.observe_for
    )
}

/// The tests (as indices into `tests`) grouped by scenario; groups in the order of their
/// first test, tests in selection order within a group.
pub fn lab_groups(tests: &[TestPurpose]) -> Vec<Vec<usize>> {
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, tp) in tests.iter().enumerate() {
        let key = scenario_of(tp);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, g)) => g.push(i),
            None => groups.push((key, vec![i])),
        }
    }
    groups.into_iter().map(|(_, g)| g).collect()
}

/// `K/N` of `--partition K/N`: shard K (from 1) of N. The error is one line, for the CLI.
pub fn parse_spec(spec: &str) -> Result<(usize, usize), String> {
    let bad = |why: &str| format!("--partition {spec}: {why}");
    let (k, n) = spec
        .split_once('/')
        .ok_or_else(|| bad("expected K/N, e.g. 2/4 (shard 2 of 4)"))?;
    let k: usize = k.trim().parse().map_err(|_| bad("K is not a number"))?;
    let n: usize = n.trim().parse().map_err(|_| bad("N is not a number"))?;
    if n == 0 {
        return Err(bad("N must be at least 1"));
    }
    if k == 0 || k > n {
        return Err(bad(&format!("K must be between 1 and {n}")));
    }
    Ok((k, n))
}

/// The tests of shard `k` of `n` (k from 1), as indices in selection order. Groups go, largest
/// first (ties: the earlier group), to the shard with the fewest tests so far (ties: the lowest
/// shard), so every machine computes the same split and shards differ by at most one group's
/// size. With more shards than groups, some shards are empty.
pub fn shard(groups: &[Vec<usize>], k: usize, n: usize) -> Vec<usize> {
    assert!((1..=n).contains(&k), "shard {k} of {n}");
    let mut by_size: Vec<&Vec<usize>> = groups.iter().collect();
    // Stable: equal sizes keep their selection order.
    by_size.sort_by_key(|g| std::cmp::Reverse(g.len()));
    let mut sizes = vec![0usize; n];
    let mut mine = Vec::new();
    for group in by_size {
        let (smallest, _) = sizes
            .iter()
            .enumerate()
            .min_by_key(|&(i, size)| (*size, i))
            .expect("n >= 1");
        sizes[smallest] += group.len();
        if smallest + 1 == k {
            mine.extend_from_slice(group);
        }
    }
    mine.sort_unstable();
    mine
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Observation, Scenario, TestBed};
    use mip6lab_contract::IutRole;
    use mip6lab_report::Outcome;

    fn judge(_: &Observation) -> Outcome {
        Outcome::pass("")
    }

    const BED_A: TestBed = TestBed::new(Scenario::Split, IutRole::Mn, "a");
    const BED_B: TestBed = TestBed::new(Scenario::Split, IutRole::Mn, "b");

    #[test]
    fn tests_of_one_scenario_stay_together_in_first_seen_order() {
        let tests = [
            TestPurpose::new(BED_A, "T1", "", &[], judge),
            TestPurpose::new(BED_B, "T2", "", &[], judge),
            TestPurpose::new(BED_A, "T3", "", &[], judge),
            TestPurpose::new(BED_A, "T4", "", &[], judge)
                .observe_for(std::time::Duration::from_secs(1)),
        ];
        assert_eq!(lab_groups(&tests), vec![vec![0, 2], vec![1], vec![3]]);
    }

    /// Groups of the given sizes over tests 0..: e.g. [2, 1] is [[0, 1], [2]].
    fn groups_of(sizes: &[usize]) -> Vec<Vec<usize>> {
        let mut next = 0;
        sizes
            .iter()
            .map(|&len| {
                let g: Vec<usize> = (next..next + len).collect();
                next += len;
                g
            })
            .collect()
    }

    #[rstest::rstest]
    #[case::one_shard(&[3, 1, 2], 1)]
    #[case::even(&[1, 1, 1, 1], 2)]
    #[case::uneven_groups(&[5, 1, 1, 2, 3, 1], 3)]
    #[case::more_shards_than_groups(&[2, 1], 4)]
    #[case::no_tests(&[], 3)]
    fn every_test_in_exactly_one_shard_and_groups_whole(#[case] sizes: &[usize], #[case] n: usize) {
        let groups = groups_of(sizes);
        let total: usize = sizes.iter().sum();
        let shards: Vec<Vec<usize>> = (1..=n).map(|k| shard(&groups, k, n)).collect();
        let mut all: Vec<usize> = shards.concat();
        all.sort_unstable();
        assert_eq!(all, (0..total).collect::<Vec<_>>(), "{shards:?}");
        for s in &shards {
            assert!(s.windows(2).all(|w| w[0] < w[1]), "selection order: {s:?}");
            for g in &groups {
                let inside = g.iter().filter(|i| s.contains(i)).count();
                assert!(inside == 0 || inside == g.len(), "group {g:?} split: {s:?}");
            }
        }
        // Balanced: shards differ by at most the largest group.
        let lens: Vec<usize> = shards.iter().map(Vec::len).collect();
        let spread = lens.iter().max().unwrap() - lens.iter().min().unwrap();
        assert!(
            spread <= sizes.iter().copied().max().unwrap_or(0),
            "{lens:?}"
        );
    }

    #[test]
    fn split_is_fixed_and_extra_shards_are_empty() {
        let groups = groups_of(&[1, 2, 1, 1]);
        assert_eq!(shard(&groups, 1, 2), vec![1, 2, 4]);
        assert_eq!(shard(&groups, 2, 2), vec![0, 3]);
        let groups = groups_of(&[2, 1]);
        assert_eq!(shard(&groups, 1, 3), vec![0, 1]);
        assert_eq!(shard(&groups, 2, 3), vec![2]);
        assert!(shard(&groups, 3, 3).is_empty());
    }

    #[rstest::rstest]
    #[case::first("1/4", Ok((1, 4)))]
    #[case::last("4/4", Ok((4, 4)))]
    #[case::k_zero("0/4", Err("--partition 0/4: K must be between 1 and 4"))]
    #[case::k_past_n("5/4", Err("--partition 5/4: K must be between 1 and 4"))]
    #[case::n_zero("1/0", Err("--partition 1/0: N must be at least 1"))]
    #[case::no_slash("3", Err("--partition 3: expected K/N, e.g. 2/4 (shard 2 of 4)"))]
    #[case::not_numbers("a/b", Err("--partition a/b: K is not a number"))]
    #[case::three_parts("1/2/3", Err("--partition 1/2/3: N is not a number"))]
    fn partition_specs(#[case] spec: &str, #[case] want: Result<(usize, usize), &str>) {
        assert_eq!(parse_spec(spec), want.map_err(str::to_string));
    }
}
