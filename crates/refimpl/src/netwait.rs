//! Waits until the lab has given this container its fixture addresses. The lab attaches
//! static addresses after the container starts, so sending earlier would use a throw-away
//! address and confuse the capture.

use anyhow::{anyhow, bail, Context, Result};
use std::net::Ipv6Addr;
use std::time::{Duration, Instant};

pub fn wait_for_addresses(addrs: &[Ipv6Addr], timeout: Duration) -> Result<()> {
    if addrs.is_empty() {
        return Ok(());
    }
    let deadline = Instant::now() + timeout;
    loop {
        let table = std::fs::read_to_string("/proc/net/if_inet6").unwrap_or_default();
        let missing: Vec<_> = addrs
            .iter()
            .filter(|a| !has_usable_address(&table, a))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            bail!("addresses {missing:?} not configured within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `/proc/net/if_inet6` rows: address hex, ifindex, prefix length, scope, flags, name.
/// The address is usable when present and not tentative (IFA_F_TENTATIVE = 0x40).
fn has_usable_address(table: &str, addr: &Ipv6Addr) -> bool {
    let hex: String = addr.octets().iter().map(|b| format!("{b:02x}")).collect();
    table.lines().any(|row| {
        let cols: Vec<&str> = row.split_whitespace().collect();
        cols.len() >= 5
            && cols[0] == hex
            && u32::from_str_radix(cols[4], 16).is_ok_and(|flags| flags & 0x40 == 0)
    })
}

/// The index of interface `name`.
pub fn if_index(name: &str) -> Result<u32> {
    let c = std::ffi::CString::new(name).context("interface name")?;
    // SAFETY: a NUL-terminated name; the call only reads it.
    match unsafe { libc::if_nametoindex(c.as_ptr()) } {
        0 => bail!("no interface {name}"),
        i => Ok(i),
    }
}

/// The first global address of `iface` (`/proc/net/if_inet6`, scope 00): the relay's
/// link-address on the access link (RFC 8415 §19.1.1).
pub fn global_address(iface: &str) -> Result<Ipv6Addr> {
    let table = std::fs::read_to_string("/proc/net/if_inet6").context("/proc/net/if_inet6")?;
    table
        .lines()
        .filter_map(|row| {
            let cols: Vec<&str> = row.split_whitespace().collect();
            (cols.len() >= 6 && cols[5] == iface && cols[3] == "00")
                .then(|| u128::from_str_radix(cols[0], 16).ok().map(Ipv6Addr::from))
                .flatten()
        })
        .next()
        .ok_or_else(|| anyhow!("{iface} has no global IPv6 address"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tentative_addresses_do_not_count() {
        let a: Ipv6Addr = "2001:db8:1::100".parse().unwrap();
        let ready = "20010db8000100000000000000000100 02 40 00 80     eth0\n";
        let tentative = "20010db8000100000000000000000100 02 40 00 c0     eth0\n";
        assert!(has_usable_address(ready, &a));
        assert!(!has_usable_address(tentative, &a));
        assert!(!has_usable_address("", &a));
    }
}
