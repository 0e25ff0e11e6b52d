//! Mobility Header over userspace ESP: the kernel here has neither ESP nor MIPv6, so BUs
//! and BAs go out on a raw socket and come back through an AF_PACKET tap.

use anyhow::{anyhow, Result};
use mip6lab_engines_io::ikev2::esp_io::{EspSocket, InnerMessage, MhFlow, OutboundSa, SendReport};
use std::net::Ipv6Addr;
use std::time::Duration;

pub const SEND_TIMEOUT: Duration = Duration::from_secs(2);

/// The interface that holds `addr` (from `/proc/net/if_inet6`).
pub fn interface_of(addr: Ipv6Addr) -> Result<String> {
    let hex: String = addr.octets().iter().map(|b| format!("{b:02x}")).collect();
    let table = std::fs::read_to_string("/proc/net/if_inet6")?;
    table
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|c| c.len() >= 6 && c[0] == hex)
        .map(|c| c[5].to_string())
        .ok_or_else(|| anyhow!("no interface holds {addr}"))
}

/// Without MIPv6 the kernel answers a received HAO or type 2 routing header with an ICMPv6
/// Parameter Problem; this node handles both in userspace, so those errors would be false.
/// Returns what was done, for the log.
pub fn suppress_parameter_problems() -> String {
    for tool in ["ip6tables", "ip6tables-legacy"] {
        let st = std::process::Command::new(tool)
            .args([
                "-I",
                "OUTPUT",
                "-p",
                "ipv6-icmp",
                "--icmpv6-type",
                "parameter-problem",
                "-j",
                "DROP",
            ])
            .status();
        if matches!(st, Ok(s) if s.success()) {
            return format!("{tool}: outgoing ICMPv6 Parameter Problem dropped");
        }
    }
    "could not install the ICMPv6 Parameter Problem filter (needs NET_ADMIN and ip6tables)".into()
}

pub fn random_iv(sa: &OutboundSa) -> Vec<u8> {
    let mut iv = vec![0u8; sa.keys.encr.iv_len()];
    crate::ike::fill_random(&mut iv);
    iv
}

/// An MH, MPS or MPA over ESP along `flow` (see [`EspSocket::send_message`]).
pub async fn send<M: InnerMessage>(
    sock: &EspSocket,
    sa: &mut OutboundSa,
    msg: &M,
    flow: &MhFlow,
) -> Result<SendReport> {
    let iv = random_iv(sa);
    sock.send_message(sa, msg, flow, &iv, SEND_TIMEOUT)
        .await
        .map_err(|e| anyhow!("send {} over ESP ({flow:?}): {e}", msg.describe()))
}
