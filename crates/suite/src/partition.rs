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
}
