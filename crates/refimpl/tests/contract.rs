//! The reference IUT's command-line and environment contract, without a lab.

use std::process::Command;

fn refimpl() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mip6lab-refimpl"));
    for (k, _) in std::env::vars() {
        if k.starts_with("MIP6LAB_") {
            c.env_remove(k);
        }
    }
    c
}

#[test]
fn lists_and_checks_knobs() {
    let out = refimpl().arg("--list-knobs").output().unwrap();
    assert!(out.status.success());
    let s = String::from_utf8_lossy(&out.stdout);
    for k in ["mn.srv_service", "mn.srv_proto", "mn.name_qtype"] {
        assert!(s.contains(k), "{s}");
    }
    assert!(refimpl()
        .args(["--check-knobs", "mn.srv_proto=_udp"])
        .status()
        .unwrap()
        .success());
    let bad = refimpl()
        .args(["--check-knobs", "mn.srv_proto"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("name=value"));
    let bad = refimpl()
        .args(["--check-knobs", "mn.idi_type=email"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr)
            .contains("knob `mn.idi_type`: `email` is not one of fqdn, ipv6, hoa"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

#[test]
fn knob_lists_come_from_the_contract_table() {
    use mip6lab_contract::knobs::{self, KNOBS};
    let out = refimpl().arg("--list-knobs").output().unwrap();
    let listed: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or("").to_string())
        .collect();
    let table: Vec<&str> = KNOBS.iter().map(|k| k.name).collect();
    assert_eq!(listed, table);
    let out = refimpl().arg("--list-mutants").output().unwrap();
    assert!(out.status.success());
    let listed: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(listed, knobs::mutants().collect::<Vec<_>>());
    // Every mutant is accepted by the binary's own check.
    for m in &listed {
        assert!(refimpl()
            .args(["--check-knobs", m])
            .status()
            .unwrap()
            .success());
    }
}

#[test]
fn missing_settings_are_a_configuration_error() {
    let out = refimpl().output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("configuration error"));
}

#[test]
fn dhcp_shapes_are_listed_and_an_unknown_one_is_a_configuration_error() {
    use mip6lab_engines::dhcpv6::SHAPES;
    let out = refimpl().arg("--list-dhcp-shapes").output().unwrap();
    assert!(out.status.success());
    let listed: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or("").to_string())
        .collect();
    assert_eq!(listed, SHAPES.iter().map(|s| s.name).collect::<Vec<_>>());
    let out = refimpl()
        .env("MIP6LAB_ROLE", "dhcpv6-stimulus")
        .env("MIP6LAB_DHCP_HA", "2001:db8:f::1")
        .env("MIP6LAB_DHCP_DECOY_HA", "2001:db8:d::dec0")
        .env("MIP6LAB_DHCP_SHAPE", "impolite")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("configuration error") && err.contains("`impolite`"),
        "{err}"
    );
    for s in SHAPES {
        assert!(err.contains(s.name), "{err}");
    }
}

#[test]
fn a_bad_dhcp_server_setting_is_a_configuration_error_naming_it() {
    for (var, value) in [
        ("MIP6LAB_DHCP_VDINF_HA", "2001:db8:2::zz"),
        ("MIP6LAB_DHCP_HOME_NETWORKS", "example.net"),
        ("MIP6LAB_DHCP_RSOO_ENABLED", "idinf"),
    ] {
        let out = refimpl()
            .env("MIP6LAB_ROLE", "dhcp-server")
            .env(var, value)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{var}={value}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("configuration error") && err.contains(var),
            "{var}={value}: {err}"
        );
    }
}
