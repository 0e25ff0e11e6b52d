//! Address and name arithmetic every layer needs (the engines, the judges, the CLI): one copy.

use std::net::Ipv6Addr;

/// Whether `a` is inside `prefix/len` (a length over 128 counts as 128).
pub fn in_prefix(a: Ipv6Addr, prefix: Ipv6Addr, len: u8) -> bool {
    let mask = prefix_mask(len);
    u128::from(a) & mask == u128::from(prefix) & mask
}

/// The first and last address of `prefix/len`.
pub fn prefix_range(prefix: Ipv6Addr, len: u8) -> (Ipv6Addr, Ipv6Addr) {
    let mask = prefix_mask(len);
    let first = u128::from(prefix) & mask;
    (Ipv6Addr::from(first), Ipv6Addr::from(first | !mask))
}

fn prefix_mask(len: u8) -> u128 {
    match u32::from(len.min(128)) {
        0 => 0,
        l => u128::MAX << (128 - l),
    }
}

/// The `ip6.arpa.` owner name of an address, nibbles reversed (RFC 3596 §2.5).
pub fn reverse_name(a: Ipv6Addr) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(73);
    for b in a.octets().iter().rev() {
        for nibble in [b & 0xf, b >> 4] {
            s.push(char::from(HEX[usize::from(nibble)]));
            s.push('.');
        }
    }
    s.push_str("ip6.arpa.");
    s
}

/// Whether two domain names are the same, ignoring ASCII case and the root's trailing dot.
pub fn same_name(a: &str, b: &str) -> bool {
    a.trim_end_matches('.')
        .eq_ignore_ascii_case(b.trim_end_matches('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_names_and_reverse_names() {
        let p: Ipv6Addr = "2001:db8:1:100::".parse().unwrap();
        assert!(in_prefix("2001:db8:1:100::8001".parse().unwrap(), p, 64));
        assert!(!in_prefix("2001:db8:1:101::1".parse().unwrap(), p, 64));
        assert!(in_prefix("::1".parse().unwrap(), p, 0));
        assert_eq!(
            prefix_range(p, 120),
            (p, "2001:db8:1:100::ff".parse().unwrap())
        );
        assert_eq!(
            reverse_name("2001:db8::1".parse().unwrap()),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."
        );
        assert!(same_name("MN1.example.com.", "mn1.example.com"));
        assert!(!same_name("mn1.example.com", "mn2.example.com"));
    }
}
