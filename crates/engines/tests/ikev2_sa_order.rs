//! IKE SAs are addressed by handle (their SPI) and kept in creation order: the oldest is
//! evicted first past `max_sas`, and timer work (retransmissions) goes oldest first.

mod ikev2_common;

use ikev2_common::*;
use mip6lab_engines::ikev2::{IkeEngine, InitiateRequest, SaId};
use mip6lab_wire::ikev2::Message;

/// An initiator that keeps at most `max_sas` IKE SAs, with `n` of them started.
fn initiator(max_sas: usize, n: usize) -> (IkeEngine, Vec<SaId>) {
    let mut c = mn_config();
    c.limits.max_sas = max_sas;
    let mut mn = IkeEngine::new(c, rng(5));
    let sas = (0..n)
        .map(|_| mn.initiate(0, InitiateRequest::dynamic_hoa(ha_addr())))
        .collect();
    (mn, sas)
}

/// The initiator SPIs of the queued datagrams, in order.
fn sent_spis(mn: &mut IkeEngine) -> Vec<[u8; 8]> {
    std::iter::from_fn(|| mn.send())
        .map(|d| Message::from_bytes(&d).unwrap().ispi)
        .collect()
}

#[test]
fn the_oldest_sa_is_evicted_first() {
    let (mut mn, sas) = initiator(3, 5);
    assert_eq!(mn.sa_count(), 3);
    for (i, sa) in sas.iter().enumerate() {
        let gone = mn.liveness_check(0, *sa) == Err("no such IKE SA".to_string());
        assert_eq!(gone, i < 2, "SA {i} of 5 with room for 3");
    }
}

#[test]
fn retransmissions_go_oldest_first_and_name_their_sa() {
    let (mut mn, sas) = initiator(8, 4);
    let first: Vec<[u8; 8]> = sas.iter().map(|s| s.0).collect();
    assert_eq!(
        sent_spis(&mut mn),
        first,
        "each SA's IKE_SA_INIT, in creation order"
    );
    mn.handle_timeout(10_000);
    assert_eq!(sent_spis(&mut mn), first, "retransmitted in the same order");
}
