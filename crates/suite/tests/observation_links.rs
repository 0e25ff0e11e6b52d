//! An observation of several links: the first network's capture, then the others in
//! topology order, each frame's capture time found by capture and frame number.

use mip6lab_suite::{LinkObservation, Observation};
use std::time::Duration;

#[test]
fn links_come_first_network_first_and_times_are_found_by_capture_and_frame() {
    let ms = Duration::from_millis;
    let obs = Observation {
        pcap: "t/home.pcap".into(),
        frame_times: vec![ms(10), ms(30)],
        more_links: vec![LinkObservation {
            network: "access".into(),
            pcap: "t/access.pcap".into(),
            frame_times: vec![ms(20)],
            ..LinkObservation::default()
        }],
        ..Observation::default()
    };
    let pcaps: Vec<&str> = obs.links().map(|(p, _, _)| p).collect();
    assert_eq!(pcaps, ["t/home.pcap", "t/access.pcap"]);
    assert_eq!(obs.time_of("t/home.pcap", 2), Some(ms(30)));
    assert_eq!(obs.time_of("t/access.pcap", 1), Some(ms(20)));
    // Frame numbers are 1-based; unknown captures and frames have no time.
    assert_eq!(obs.time_of("t/access.pcap", 0), None);
    assert_eq!(obs.time_of("t/access.pcap", 2), None);
    assert_eq!(obs.time_of("t/asp.pcap", 1), None);
}
