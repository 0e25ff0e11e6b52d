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
}

#[test]
fn missing_settings_are_a_configuration_error() {
    let out = refimpl().output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("configuration error"));
}
