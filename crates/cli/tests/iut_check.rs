//! `mip6lab iut check` as a vendor meets it. Argument errors and the PICS checks need no
//! Docker (`--pics-only` never connects to it); the last test runs the whole check against
//! the example image built by containers/iut/example/build.sh.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{fresh_dir, mip6lab, root, text};

/// Output lines joined again where the report wrapped them, so phrases can be matched.
fn unwrapped(b: &[u8]) -> String {
    text(b).lines().map(str::trim).collect::<Vec<_>>().join(" ")
}

fn tmp(name: &str) -> PathBuf {
    fresh_dir(&format!("iut-check-{name}"))
}

/// `mip6lab iut check --role ROLE --pics PICS --pics-only`: the PICS checks alone.
fn check_pics_only(role: &str, pics: &str) -> Output {
    mip6lab(&[
        "iut",
        "check",
        "--role",
        role,
        "--pics",
        pics,
        "--pics-only",
    ])
}

fn write_pics(dir: &Path, items: &str) -> String {
    let p = dir.join("pics.toml");
    std::fs::write(
        &p,
        format!("[iut]\nname = \"vendor MN\"\n\n[pics]\n{items}"),
    )
    .unwrap();
    p.display().to_string()
}

#[test]
fn arguments_are_checked_before_anything_runs() {
    let out = mip6lab(&["iut"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("mip6lab iut check IMAGE"),
        "{}",
        text(&out.stderr)
    );

    let out = mip6lab(&["iut", "lint", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unknown command `iut lint`"));

    let out = mip6lab(&["iut", "check", "--role", "mn", "--pics", "p.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("which image?"),
        "{}",
        text(&out.stderr)
    );

    let out = mip6lab(&["iut", "check", "img", "--role", "mn"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--pics FILE is required"));

    let out = mip6lab(&["iut", "check", "img", "--role", "cn", "--pics", "p.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--role cn: the role is mn"));

    let out = mip6lab(&["iut", "check", "a", "b", "--role", "mn", "--pics", "p.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("one image at a time"));

    let out = mip6lab(&["iut", "check", "img", "--pics", "p.toml", "--verbose"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unknown option --verbose"));
}

#[test]
fn a_missing_role_is_an_error_with_a_hint_from_the_pics() {
    let d = tmp("role");
    let pics = write_pics(&d, "mn.auth.eap = true\nha.auth.psk = false\n");
    let out = mip6lab(&["iut", "check", "vendor/mn:1", "--pics", &pics]);
    assert_eq!(out.status.code(), Some(2));
    let e = text(&out.stderr);
    assert!(e.contains("--role mn or --role ha is required"), "{e}");
    assert!(e.contains("declares only MN items true: --role mn?"), "{e}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn the_reference_and_example_pics_pass_for_both_roles() {
    for pics in [
        "fixtures/pics/reference.toml",
        "containers/iut/example/pics.toml",
    ] {
        for role in ["mn", "ha"] {
            let out = check_pics_only(role, pics);
            let s = unwrapped(&out.stdout);
            assert_eq!(out.status.code(), Some(0), "{pics} {role}: {s}");
            assert!(s.contains("PASS  pics"), "{s}");
            assert!(s.contains("is NOT-APPLICABLE with this PICS"), "{s}");
            assert!(s.contains("iut check: 1 passed, 0 failed"), "{s}");
        }
    }
}

#[test]
fn the_contract_documents_every_pics_item_the_reference_declares() {
    let readme = std::fs::read_to_string(root().join("containers/iut/README.md")).unwrap();
    let reference = mip6lab_suite::Pics::load(&root().join("fixtures/pics/reference.toml"));
    for item in reference.unwrap().items.keys() {
        assert!(
            readme.contains(&format!("| `{item}` |")),
            "containers/iut/README.md has no PICS table row for {item}"
        );
    }
}

#[test]
fn undeclared_and_misspelt_items_fail_and_denied_features_are_not_applicable() {
    let d = tmp("lint");
    // mn.hoa.autoconf left out, mn.auth.eap denied, one typo.
    let pics = write_pics(
        &d,
        "mn.auth.cert = true\nmn.auth.eap = false\nmn.hoa.preconfigured = true\n\
         mn.auth.certificate = true\n",
    );
    let out = check_pics_only("mn", &pics);
    let s = unwrapped(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{s}");
    assert!(s.contains("FAIL  pics"), "{s}");
    let undeclared = s
        .split_once("undeclared: ")
        .and_then(|(_, r)| r.split_once(" (the suite uses them"))
        .map(|(list, _)| list)
        .unwrap_or("");
    assert!(undeclared.contains("mn.hoa.autoconf"), "{s}");
    assert!(s.contains("unknown: mn.auth.certificate"), "{s}");
    // Exactly the MN tests needing a denied or missing item are named, with the reason.
    let declared = mip6lab_suite::Pics::load(Path::new(&pics)).unwrap();
    for tp in mip6lab_suite_split::SUITE.tests() {
        if tp.iut_role() != mip6lab_suite::IutRole::Mn {
            continue;
        }
        let na = declared.unmet(tp.pics).is_some();
        assert_eq!(s.contains(tp.id), na, "{}: {s}", tp.id);
    }
    assert!(s.contains("mn.auth.eap = false"), "{s}");
    assert!(
        s.contains("mn.hoa.autoconf not declared (counts as unsupported)"),
        "{s}"
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn an_unreadable_pics_fails_its_check_and_skips_the_report() {
    let d = tmp("bad");
    let p = d.join("pics.toml");
    std::fs::write(&p, "[iut]\nname = \"x\"\n[pics]\nmn.auth.eap = \"yes\"\n").unwrap();
    let out = check_pics_only("mn", p.to_str().unwrap());
    let s = unwrapped(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{s}");
    assert!(s.contains("FAIL  pics"), "{s}");
    assert!(s.contains("must be true or false"), "{s}");
    assert!(s.contains("SKIP  not-applicable"), "{s}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn an_ha_pics_is_warned_about_mn_tests_it_cannot_rule_out() {
    let d = tmp("ha");
    // Every HA item of the reference, with auto-configuration denied.
    let reference = mip6lab_suite::Pics::load(&root().join("fixtures/pics/reference.toml"));
    let items: String = reference
        .unwrap()
        .items
        .keys()
        .filter(|k| k.starts_with("ha."))
        .map(|k| format!("{k} = {}\n", k != "ha.hoa.autoconf"))
        .collect();
    // MN tests that need no PICS item run against an image whose PICS says it is an MN
    // too (role.mn = true); the report says so. With role.mn = false none runs.
    let unguarded = mip6lab_suite_split::SUITE
        .tests()
        .iter()
        .any(|tp| tp.iut_role() != mip6lab_suite::IutRole::Ha && tp.pics.is_empty());
    for (role_mn, warned) in [(true, unguarded), (false, false)] {
        let pics = write_pics(&d, &format!("{items}role.ha = true\nrole.mn = {role_mn}\n"));
        let out = check_pics_only("ha", &pics);
        let s = unwrapped(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{s}");
        assert!(s.contains("TP-SPLIT-HA-HOME-PREFIX-01"), "{s}");
        assert_eq!(
            s.contains("WARN  not-applicable"),
            warned,
            "role.mn = {role_mn}: {s}"
        );
    }
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
// Not a skip: ignored only under plain `cargo test` because it needs Docker (and the
// reference binary the example image packages); `just test` and CI run it with
// --include-ignored, where a missing prerequisite fails it.
#[ignore = "needs Docker: run with --include-ignored (just test)"]
fn the_example_image_passes_the_mn_check() {
    let build = Command::new("bash")
        .arg(root().join("containers/iut/example/build.sh"))
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "build.sh failed:\n{}{}",
        text(&build.stdout),
        text(&build.stderr)
    );
    let out_dir = tmp("example");
    let out = mip6lab(&[
        "iut",
        "check",
        "mip6lab-example-iut:latest",
        "--role",
        "mn",
        "--pics",
        "containers/iut/example/pics.toml",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    let s = unwrapped(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{s}\n{}", text(&out.stderr));
    for check in ["image", "pics", "start", "bad-config"] {
        assert!(s.contains(&format!("PASS  {check}")), "{check}: {s}");
    }
    assert!(s.contains("SRV _mip6._ipv6.example.com."), "{s}");
    assert!(s.contains("MIP6LAB_ROLE unset it exited 2"), "{s}");
    assert!(out_dir.join("start/home.pcap").is_file());
    let _ = std::fs::remove_dir_all(&out_dir);
}
