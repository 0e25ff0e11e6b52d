//! The MH dissector on hand-built Ethernet/IPv6 frames: BU with HAO and DNS Update, BA with
//! RH2, checksum judgement, malformed MH, and the entry point for decrypted ESP payloads.

use mip6lab_capture::dissect::mh::dissect_mh;
use mip6lab_capture::{decode_frames, Decoded, Endpoints, Frame};
use mip6lab_wire::ipv6ext::{OptionsHeaderRepr, Rh2Repr};
use mip6lab_wire::mh::{
    ba_status, BaFlags, BindingAck, BuFlags, DnsUpdate, FqdnForm, MhMessage, MobilityOption, Repr,
};
use std::net::{IpAddr, Ipv6Addr};
use support::{addr, binding_update, endpoints, ethernet_frame, ipv6, COA, HA, HOA};

mod support;

/// Frame `n`: IPv6 (next header `first`), then `ext` and `mh`.
fn frame(n: u64, src: Ipv6Addr, dst: Ipv6Addr, first: u8, ext: &[u8], mh: &[u8]) -> Frame {
    ethernet_frame(n, &ipv6(src, dst, first, 64, &[ext, mh].concat()))
}

fn bu_with_dns_update() -> Repr {
    binding_update(
        4711,
        BuFlags::A | BuFlags::H | BuFlags::K,
        150,
        &[
            MobilityOption::AlternateCoa(addr(COA)),
            MobilityOption::DnsUpdate(
                DnsUpdate::new(0, false, "mn1.example.com", FqdnForm::Text).unwrap(),
            ),
        ],
    )
}

fn ba_134() -> Repr {
    Repr::build(
        MhMessage::Ba(BindingAck {
            status: ba_status::DAD_FAILED,
            flags: BaFlags(0),
            seq: 4711,
            lifetime: 0,
        }),
        &[],
    )
}

/// Frame 1: the BU with DNS Update from the CoA to the HA, with an HAO, its checksum summed
/// over `checksum_src` → HA.
fn bu_from_care_of(checksum_src: Ipv6Addr) -> Frame {
    let (ha, hoa, coa) = (addr(HA), addr(HOA), addr(COA));
    let bu = bu_with_dns_update()
        .to_bytes_with_checksum(&checksum_src, &ha)
        .unwrap();
    let dest = OptionsHeaderRepr::with_home_address(135, hoa)
        .to_bytes()
        .unwrap();
    frame(1, coa, ha, 60, &dest, &bu)
}

#[test]
fn bu_with_hao_and_dns_update_and_ba_134_with_rh2() {
    let (ha, hoa, coa) = (addr(HA), addr(HOA), addr(COA));
    // BA: checksum over HA -> HoA (the final destination in the RH2).
    let ba = ba_134().to_bytes_with_checksum(&ha, &hoa).unwrap();
    let rh2 = Rh2Repr::new(135, hoa).to_bytes();
    let frames = [
        // BU: checksum over HoA (from the HAO) -> HA.
        bu_from_care_of(hoa),
        frame(2, ha, coa, 43, &rh2, &ba),
    ];
    let t = decode_frames(&frames, &endpoints());
    let text = t.to_text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "MN-CoA -> HA  MH BU type=5 seq=* flags=AHK lifetime=150 hao=2001:db8:1::100 \
             checksum=* checksum_ok=yes {PadN len=0} {AltCoA address=2001:db8:2::100} \
             {DNS-Update status=0 r=0 fqdn=mn1.example.com} {PadN len=3}",
            "HA -> MN-CoA  MH BA type=6 status=134 status_name=Duplicate Address Detection failed \
             flags= seq=* lifetime=0 rh2=2001:db8:1::100 checksum=* checksum_ok=yes {PadN len=2}",
        ]
    );
    let Decoded::Message(m) = &t.entries[0].decoded else {
        panic!("{:?}", t.entries[0].decoded)
    };
    assert_eq!(m.get("seq"), Some("4711"));
    assert!(m.get("checksum").unwrap().starts_with("0x"));
    assert_eq!(m.find("DNS-Update").unwrap().get("r"), Some("0"));
}

#[test]
fn checksum_over_the_care_of_address_is_judged_wrong() {
    // The classic mistake: summing over the CoA although an HAO is present.
    let t = decode_frames(&[bu_from_care_of(addr(COA))], &endpoints());
    assert!(t.to_text().contains("checksum_ok=no"), "{}", t.to_text());
}

#[test]
fn bu_at_home_without_extension_headers() {
    let (ha, hoa) = (addr(HA), addr(HOA));
    let bu = binding_update(
        1,
        BuFlags::A | BuFlags::H,
        0,
        &[MobilityOption::DnsUpdate(
            DnsUpdate::new(0, true, "mn1.example.com", FqdnForm::DnsWire).unwrap(),
        )],
    )
    .to_bytes_with_checksum(&hoa, &ha)
    .unwrap();
    let t = decode_frames(&[frame(1, hoa, ha, 135, &[], &bu)], &endpoints());
    assert_eq!(
        t.to_text().trim_end(),
        "MN-HoA -> HA  MH BU type=5 seq=* flags=AH lifetime=0 checksum=* checksum_ok=yes \
         {DNS-Update status=0 r=1 fqdn=mn1.example.com} {PadN len=5}"
    );
}

#[test]
fn malformed_and_unknown_mh() {
    let (ha, coa) = (addr(HA), addr(COA));
    // Header Len 3 on a 16-octet MH.
    let bad = [59, 3, 5, 0, 0, 0, 0, 1, 0x80, 0, 0, 1, 1, 2, 0, 0];
    // Unknown MH type 42 with one 8-octet unit of data.
    let unk = [59, 1, 42, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    let t = decode_frames(
        &[
            frame(1, coa, ha, 135, &[], &bad),
            frame(2, coa, ha, 135, &[], &unk),
        ],
        &endpoints(),
    );
    let text = t.to_text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "MN-CoA -> HA  MH malformed: Header Len 3 announces 32 octets, only 16 present at offset 1"
    );
    assert_eq!(
        lines[1],
        "MN-CoA -> HA  MH type 42 type=42 len=10 checksum=* checksum_ok=no"
    );
}

#[test]
fn entry_point_for_decrypted_payloads() {
    let (ha, hoa, coa) = (addr(HA), addr(HOA), addr(COA));
    let ba = ba_134().to_bytes_with_checksum(&ha, &hoa).unwrap();
    let d = dissect_mh(&ba, IpAddr::V6(ha), IpAddr::V6(coa), None, Some(hoa));
    let Decoded::Message(m) = d else {
        panic!("{d:?}")
    };
    assert_eq!(m.kind, "BA");
    assert_eq!(m.get("status"), Some("134"));
    assert_eq!(m.get("checksum_ok"), Some("yes"));
    // Without the RH2 address the final destination is wrong.
    let d = dissect_mh(&ba, IpAddr::V6(ha), IpAddr::V6(coa), None, None);
    let Decoded::Message(m) = d else {
        panic!("{d:?}")
    };
    assert_eq!(m.get("checksum_ok"), Some("no"));
    // IPv4 addresses: nothing to verify with.
    let d = dissect_mh(
        &ba,
        "192.0.2.1".parse().unwrap(),
        "192.0.2.2".parse().unwrap(),
        None,
        None,
    );
    let Decoded::Message(m) = d else {
        panic!("{d:?}")
    };
    assert_eq!(m.get("checksum_ok"), Some("unknown"));
    assert!(matches!(
        dissect_mh(&ba[..7], IpAddr::V6(ha), IpAddr::V6(coa), None, None),
        Decoded::Malformed { .. }
    ));
}

/// Frames built by an independent encoder (scapy, fixtures/pcaps/mh-scapy/make.py): every one
/// must decode as MH with a checksum that verifies under the HAO/RH2 address rules.
#[test]
fn scapy_built_frames_decode_with_good_checksums() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/pcaps/mh-scapy/mh-scapy.pcap");
    let out = mip6lab_capture::read_file(&path).unwrap();
    let t = decode_frames(&out.frames, &Endpoints::default());
    let text = t.to_text();
    let kinds: Vec<&str> = text
        .lines()
        .map(|l| l.split("  MH ").nth(1).unwrap_or(l))
        .map(|l| l.split(' ').next().unwrap_or(""))
        .collect();
    assert_eq!(
        kinds,
        ["BU", "BA", "BU", "BA", "BRR", "HoTI", "HoT", "CoTI", "CoT", "BE"],
        "{text}"
    );
    assert_eq!(text.matches("checksum_ok=yes").count(), 10, "{text}");
    // And the codec gives back scapy's exact octets.
    for f in &out.frames {
        let (_, payload) = mip6lab_capture::dissect::slice(f).unwrap().unwrap();
        let r = Repr::from_bytes(payload).unwrap();
        assert_eq!(r.to_bytes().unwrap(), payload);
        assert!(r.alignment_issues().is_empty(), "{r:?}");
    }
}
