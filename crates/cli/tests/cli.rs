//! The `mip6lab` command as a user meets it: decoding, and clear errors on bad input.

use std::process::Command;

mod common;
use common::{mip6lab, root, stdout_of_success, text};

#[test]
fn decode_names_roles_from_the_topology() {
    let s = stdout_of_success(&[
        "decode",
        "fixtures/pcaps/split-discovery/srv-mutant-udp.pcap",
        "--topology",
        "split-discovery",
    ]);
    assert!(
        s.contains("MN -> DNS  DNS query SRV _mip6._udp.example.com."),
        "{s}"
    );
    assert!(
        s.contains("DNS -> MN  DNS response Non-Existent Domain"),
        "{s}"
    );
}

#[test]
fn decode_json_is_valid_json() {
    let out = mip6lab(&[
        "decode",
        "fixtures/pcaps/split-discovery/srv-reference.pcap",
        "--json",
    ]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["entries"].as_array().is_some_and(|e| !e.is_empty()));
}

#[test]
fn decode_of_a_damaged_file_shows_what_it_can_and_says_where_it_broke() {
    let src =
        std::fs::read(root().join("fixtures/pcaps/split-discovery/srv-reference.pcap")).unwrap();
    let cut = std::env::temp_dir().join(format!("mip6lab-cut-{}.pcap", std::process::id()));
    std::fs::write(&cut, &src[..src.len() - 10]).unwrap();
    let out = mip6lab(&["decode", cut.to_str().unwrap()]);
    let _ = std::fs::remove_file(&cut);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    // Where it broke, as a byte offset, and the file named once.
    assert!(err.contains("frame") && err.contains("at byte "), "{err}");
    assert_eq!(err.matches("mip6lab-cut-").count(), 1, "{err}");
    assert!(!out.stdout.is_empty());
}

/// A vendor's own code points: the same capture read with a profile that puts the IPv6 home
/// address under another vendor type names that NVSE differently; a bad profile is a clear
/// error naming its row.
#[test]
fn decode_names_dual_stack_items_by_the_profile_given() {
    let pcap = "fixtures/pcaps/dualstack-reference/integrated/access.pcap";
    let lab = stdout_of_success(&["decode", pcap, "--topology", "record-dualstack"]);
    assert!(
        lab.contains(
            "vendor_type=1 value=0x20010db8003101000000000000008001 profile_item=ipv6-hoa"
        ),
        "{lab}"
    );
    let text_of = |p: &str| std::fs::read_to_string(root().join(p)).unwrap();
    // The vendor's profile: the lab's with the IPv6 home address and IPv6 CoA swapped.
    let theirs = text_of("fixtures/profiles/dualstack.toml")
        .replace("vendor-type = 1\n", "vendor-type = 99\n")
        .replace("vendor-type = 4\n", "vendor-type = 1\n")
        .replace("vendor-type = 99\n", "vendor-type = 4\n");
    let file = std::env::temp_dir().join(format!("mip6lab-profile-{}.toml", std::process::id()));
    std::fs::write(&file, theirs).unwrap();
    let vendor = stdout_of_success(&["decode", pcap, "--profile", file.to_str().unwrap()]);
    assert!(
        vendor.contains(
            "vendor_type=1 value=0x20010db8003101000000000000008001 profile_item=ipv6-coa"
        ),
        "{vendor}"
    );
    std::fs::write(&file, "[[row]]\nitem = \"bogus\"\n").unwrap();
    let out = mip6lab(&["decode", pcap, "--profile", file.to_str().unwrap()]);
    let _ = std::fs::remove_file(&file);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--profile"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn decode_of_a_missing_file_is_a_clear_error() {
    let out = mip6lab(&["decode", "no/such.pcap"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no/such.pcap"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn unknown_suite_and_unknown_knob_are_refused_before_any_lab() {
    let out = mip6lab(&["suite", "nosuch"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("available: split"));
    let out = mip6lab(&["suite", "split", "--knobs", "mn.bogus=1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("unknown knob `mn.bogus`"),
        "{}",
        text(&out.stderr)
    );
    let out = mip6lab(&["suite", "split", "--only", "TP-NOPE"]);
    assert!(text(&out.stderr).contains("no test purpose TP-NOPE"));
}

#[test]
fn without_docker_the_suite_says_what_to_install() {
    let out = Command::new(env!("CARGO_BIN_EXE_mip6lab"))
        .args(["suite", "split", "--out"])
        .arg(std::env::temp_dir().join("mip6lab-nodocker"))
        .current_dir(root())
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let e = text(&out.stderr);
    assert!(e.contains("apt-get install docker.io"), "{e}");
}

#[test]
fn knobs_lists_the_mutations() {
    let s = stdout_of_success(&["knobs"]);
    let line = |name: &str| {
        s.lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no {name} in\n{s}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    // role, kind, the requirements a mutant breaks (several for some), text.
    assert!(line("mn.srv_proto").starts_with("mn.srv_proto mn mutant RFC5026-5.1.2-MN-MUST-3:"));
    assert!(line("ha.no_proxy_dad")
        .contains("ha mutant RFC5026-5.3.2-HA-MUST-6, RFC5026-5.3.2-HA-MUST-7:"));
    assert!(line("ha.silent").starts_with("ha.silent ha stimulus "));
    assert!(s.contains("mutant `mn.srv_proto=_udp`; values: any text; default `_ipv6`"));
}

#[test]
fn decode_with_keys_decrypts_ike_auth() {
    let pcap = "fixtures/pcaps/ikev2-strongswan/bootstrap.pcap";
    let without = text(&mip6lab(&["decode", pcap]).stdout);
    assert!(without.contains("decrypted=no"), "{without}");
    let s = stdout_of_success(&[
        "decode",
        pcap,
        "--keys",
        "fixtures/pcaps/ikev2-strongswan/ikev2_decryption_table",
    ]);
    assert!(
        s.contains("INTERNAL_IP6_ADDRESS len=17 value=2001:db8:1:100::1/64"),
        "{s}"
    );
    let bad = mip6lab(&["decode", pcap, "--keys", "Cargo.toml"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad.stderr).contains("Cargo.toml:"),
        "{}",
        text(&bad.stderr)
    );
}
