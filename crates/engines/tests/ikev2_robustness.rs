//! Arbitrary datagrams to both roles: no panic, state stays bounded. The inputs are random
//! bytes, valid messages with random mutations, and replays of a real exchange's messages
//! in random order.

mod ikev2_common;

use ikev2_common::*;
use mip6lab_engines::ikev2::{IkeEngine, InitiateRequest};
use proptest::prelude::*;

/// The datagrams of one complete exchange (both directions), for mutation.
fn corpus() -> Vec<Vec<u8>> {
    let mut t = Pair::default();
    t.initiate_and_run(InitiateRequest::dynamic_hoa(ha_addr()));
    let mut v = t.to_ha.clone();
    v.extend(t.to_mn.clone());
    v
}

/// An EAP backend that keeps asking for an identity and never finishes.
struct Echo;

impl mip6lab_engines::ikev2::EapBackend for Echo {
    fn start(&mut self, _identity: &[u8]) -> mip6lab_engines::ikev2::EapStep {
        mip6lab_engines::ikev2::EapStep::Send(vec![1, 1, 0, 5, 1])
    }
    fn step(&mut self, m: &[u8]) -> mip6lab_engines::ikev2::EapStep {
        // Echo back whatever came (possibly malformed: the engine must cope).
        mip6lab_engines::ikev2::EapStep::Send(m.to_vec())
    }
}

fn check_bounds(e: &IkeEngine) {
    let l = e.config().limits;
    assert!(e.sa_count() <= l.max_sas);
    assert!(e.half_open_count() <= l.max_half_open);
    let (o, ev) = e.queued();
    assert!(o <= l.max_queue && ev <= l.max_queue);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_datagrams_never_panic(
        inputs in proptest::collection::vec(
            (any::<u8>(), any::<usize>(), proptest::collection::vec(any::<u8>(), 0..600), any::<u16>(), any::<u8>()),
            1..12),
    ) {
        let corpus = corpus();
        let mut ha = IkeEngine::new(ha_config(), rng(5));
        // An EAP backend too, so first IKE_AUTH requests without AUTH reach it.
        ha.set_eap_backend(Box::new(|| Box::new(Echo)));
        let mut mn = IkeEngine::new(mn_config(), rng(6));
        mn.initiate(0, InitiateRequest::dynamic_hoa(ha_addr()));
        let mut now = 0u64;
        for (mode, pick, raw, at, val) in inputs {
            let d = match mode % 4 {
                0 => raw,
                1 => {
                    // A real message with one octet changed.
                    let mut d = corpus[pick % corpus.len()].clone();
                    let i = usize::from(at) % d.len();
                    d[i] ^= val | 1;
                    d
                }
                2 => {
                    // A real message cut short or extended.
                    let mut d = corpus[pick % corpus.len()].clone();
                    d.truncate(usize::from(at) % (d.len() + 1));
                    d.extend_from_slice(&raw[..raw.len().min(8)]);
                    d
                }
                _ => corpus[pick % corpus.len()].clone(),
            };
            now += u64::from(val) * 10;
            ha.recv(now, &d);
            mn.recv(now, &d);
            ha.handle_timeout(now);
            mn.handle_timeout(now);
            // Whatever the engines answer goes to the other side too.
            while let Some(x) = ha.send() { mn.recv(now, &x); }
            while let Some(x) = mn.send() { ha.recv(now, &x); }
            check_bounds(&ha);
            check_bounds(&mn);
        }
        while ha.poll_event().is_some() {}
        while mn.poll_event().is_some() {}
    }
}

#[test]
fn a_flood_of_init_requests_stays_bounded() {
    let mut ha = IkeEngine::new(ha_config(), rng(7));
    for s in 0..200u64 {
        let mut mn = IkeEngine::new(mn_config(), rng(1000 + s));
        mn.initiate(0, InitiateRequest::dynamic_hoa(ha_addr()));
        ha.recv(0, &mn.send().unwrap());
    }
    check_bounds(&ha);
    assert_eq!(ha.half_open_count(), ha.config().limits.max_half_open);
    // Queues drop the oldest entries past their bound.
    let (o, ev) = ha.queued();
    assert!(o <= ha.config().limits.max_queue && ev <= ha.config().limits.max_queue);
}
