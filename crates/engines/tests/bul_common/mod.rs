//! Test shorthand over the Binding Update List's sans-IO verbs: each call, then the actions
//! it queued.
#![allow(dead_code)]

use mip6lab_engines::binding::{BaInput, BindingUpdateList, MnAction, MnError};
use mip6lab_engines::io::SansIo;
use mip6lab_wire::mh::options::MobilityOption;
use mip6lab_wire::mh::BindingAck;
use std::net::Ipv6Addr;

pub trait BulActions {
    /// `register`, then the queued actions.
    fn register_acts(
        &mut self,
        ha: Ipv6Addr,
        coa: Ipv6Addr,
        dns: Option<&str>,
        now: u64,
    ) -> Result<Vec<MnAction>, MnError>;
    /// `deregister`, then the queued actions.
    fn deregister_acts(
        &mut self,
        ha: Ipv6Addr,
        coa: Ipv6Addr,
        dns: Option<&str>,
        now: u64,
    ) -> Result<Vec<MnAction>, MnError>;
    /// A BA as input, then the queued actions.
    fn ba_acts(
        &mut self,
        ha: Ipv6Addr,
        ba: &BindingAck,
        options: &[MobilityOption],
        now: u64,
    ) -> Vec<MnAction>;
    /// The timers at `now`, then the queued actions.
    fn timer_acts(&mut self, now: u64) -> Vec<MnAction>;
}

fn drain(b: &mut BindingUpdateList) -> Vec<MnAction> {
    std::iter::from_fn(|| b.poll_event()).collect()
}

impl BulActions for BindingUpdateList {
    fn register_acts(
        &mut self,
        ha: Ipv6Addr,
        coa: Ipv6Addr,
        dns: Option<&str>,
        now: u64,
    ) -> Result<Vec<MnAction>, MnError> {
        self.register(ha, coa, dns, now)?;
        Ok(drain(self))
    }

    fn deregister_acts(
        &mut self,
        ha: Ipv6Addr,
        coa: Ipv6Addr,
        dns: Option<&str>,
        now: u64,
    ) -> Result<Vec<MnAction>, MnError> {
        self.deregister(ha, coa, dns, now)?;
        Ok(drain(self))
    }

    fn ba_acts(
        &mut self,
        ha: Ipv6Addr,
        ba: &BindingAck,
        options: &[MobilityOption],
        now: u64,
    ) -> Vec<MnAction> {
        self.handle_input(now, BaInput { ha, ba, options });
        drain(self)
    }

    fn timer_acts(&mut self, now: u64) -> Vec<MnAction> {
        self.handle_timeout(now);
        drain(self)
    }
}
