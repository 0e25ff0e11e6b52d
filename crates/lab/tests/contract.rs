//! What the lab promises every IUT, whatever the topology says (containers/iut/README.md).

use mip6lab_lab::lab::{capabilities, last_line, IUT_CAPABILITIES};
use mip6lab_lab::Topology;
use std::path::Path;

#[test]
fn every_iut_gets_net_admin_and_net_raw_in_every_topology() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/topologies");
    let mut iuts = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let topology = Topology::load(&path).unwrap();
        for node in &topology.nodes {
            let caps = capabilities(node);
            if node.image == "iut" {
                iuts += 1;
                for cap in IUT_CAPABILITIES {
                    assert!(caps.iter().any(|c| c == cap), "{}: {cap}", path.display());
                }
            } else {
                assert_eq!(caps, node.cap_add, "a peer gets only its topology's");
            }
        }
    }
    assert!(iuts >= 5, "the split topologies have IUT nodes");
}

#[test]
fn a_configuration_error_is_told_by_its_last_stderr_line() {
    assert_eq!(
        last_line("starting\nMIP6LAB_ROLE is missing  \n\n"),
        "MIP6LAB_ROLE is missing"
    );
    assert_eq!(last_line(" \n"), "(nothing on stderr)");
}
