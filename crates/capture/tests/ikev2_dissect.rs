//! IKEv2 and ESP dissectors on hand-built Ethernet/IPv6/UDP frames: an IKE_SA_INIT pair, an
//! IKE_AUTH with SK decrypted through a key log (and not without one), UDP 4500 with the
//! non-ESP marker, and ESP carrying a BU decrypted into its MH child.

use mip6lab_capture::dissect::{Context, Dissectors};
use mip6lab_capture::keylog::KeyLog;
use mip6lab_capture::{decode_with, Frame};
use mip6lab_wire::crypto::{DirectionKeys, Encr, IkeKeys, Integ, Suite};
use mip6lab_wire::esp;
use mip6lab_wire::ikev2::*;
use mip6lab_wire::ipv6ext::OptionsHeaderRepr;
use mip6lab_wire::mh::BuFlags;
use std::net::Ipv6Addr;
use support::{addr, binding_update, endpoints, ethernet_frame, ipv6, udp, COA, HA, HOA};

mod support;

const ISPI: [u8; 8] = [1, 2, 3, 4, 5, 6, 7, 8];
const RSPI: [u8; 8] = [9, 10, 11, 12, 13, 14, 15, 16];

/// UDP over IPv6 in frame `n`.
fn udp_frame(
    n: u64,
    src: Ipv6Addr,
    dst: Ipv6Addr,
    sport: u16,
    dport: u16,
    payload: &[u8],
) -> Frame {
    ethernet_frame(n, &ipv6(src, dst, 17, 64, &udp(sport, dport, payload)))
}

fn msg(exchange: u8, flags: u8, message_id: u32, payloads: Vec<Payload>) -> Message {
    Message {
        ispi: ISPI,
        rspi: if exchange == exchange::IKE_SA_INIT && flags & flags::R == 0 {
            [0; 8]
        } else {
            RSPI
        },
        version: VERSION_2_0,
        exchange,
        flags,
        message_id,
        payloads,
    }
}

fn ike_proposal() -> Sa {
    Sa {
        proposals: vec![Proposal {
            number: 1,
            protocol_id: protocol_id::IKE,
            transforms: vec![
                Transform::new(transform_type::ENCR, 12).with_key_length(128),
                Transform::new(transform_type::PRF, 5),
                Transform::new(transform_type::INTEG, 12),
                Transform::new(transform_type::DH, 31),
            ],
            ..Proposal::default()
        }],
    }
}

/// An IKE_SA_INIT with our proposal, a group 31 KE of `ke_octet`s and a nonce of
/// `nonce_octet`s, then `more` payloads.
fn sa_init(flags: u8, ke_octet: u8, nonce_octet: u8, more: Vec<Payload>) -> Vec<u8> {
    let mut payloads = vec![
        Payload::new(PayloadBody::Sa(ike_proposal())),
        Payload::new(PayloadBody::Ke(Ke {
            group: 31,
            reserved: 0,
            data: vec![ke_octet; 32],
        })),
        Payload::new(PayloadBody::Nonce(vec![nonce_octet; 32])),
    ];
    payloads.extend(more);
    msg(exchange::IKE_SA_INIT, flags, 0, payloads).to_bytes()
}

fn sa_init_pair() -> (Vec<u8>, Vec<u8>) {
    let nat_detection = Payload::new(PayloadBody::Notify(Notify::new(
        notify_type::NAT_DETECTION_SOURCE_IP,
        vec![0x33; 20],
    )));
    (
        sa_init(flags::I, 0x11, 0x22, vec![nat_detection]),
        sa_init(flags::R, 0x44, 0x55, vec![]),
    )
}

fn ike_keys() -> IkeKeys {
    IkeKeys::from_shared_secret(
        Suite::AES128_SHA256,
        &[0x66; 32],
        &[0x22; 32],
        &[0x55; 32],
        &ISPI,
        &RSPI,
    )
    .unwrap()
}

fn auth_pair(k: &IkeKeys) -> (Vec<u8>, Vec<u8>) {
    let req_inner = vec![
        Payload::new(PayloadBody::IdI(Id::fqdn("mn1.example.com"))),
        Payload::new(PayloadBody::Auth(Auth::new(
            auth_method::SHARED_KEY_MIC,
            vec![0xaa; 32],
        ))),
        Payload::new(PayloadBody::Cp(Cp::new(
            cfg_type::REQUEST,
            vec![
                CpAttribute::request(cp_attr::INTERNAL_IP6_ADDRESS),
                CpAttribute::request(cp_attr::MIP6_HOME_PREFIX),
            ],
        ))),
        Payload::new(PayloadBody::TsI(Ts::new(vec![TrafficSelector::mh_range(
            addr(HOA),
            addr(HOA),
            5,
            6,
        )]))),
    ];
    let resp_inner = vec![
        Payload::new(PayloadBody::IdR(Id::fqdn("ha.example.com"))),
        Payload::new(PayloadBody::Cp(Cp::new(
            cfg_type::REPLY,
            vec![
                CpAttribute::internal_ip6_address(addr(HOA), 64),
                CpAttribute::mip6_home_prefix(HomePrefix {
                    lifetime: 3600,
                    prefix: addr("2001:db8:1::"),
                    prefix_len: 64,
                }),
            ],
        ))),
        Payload::new(PayloadBody::Notify(Notify::new(
            notify_type::USE_ASSIGNED_HOA,
            vec![],
        ))),
    ];
    let ike_auth = |flags: u8, inner: &[Payload], iv_octet: u8, keys: DirectionKeys| {
        let outer = msg(exchange::IKE_AUTH, flags, 1, vec![]);
        sk::encrypt(&outer, inner, &[iv_octet; 16], &keys).unwrap()
    };
    (
        ike_auth(flags::I, &req_inner, 7, k.initiator()),
        ike_auth(flags::R, &resp_inner, 8, k.responder()),
    )
}

/// The SPIs and the four SK_e/SK_a keys in hex, in key-log order.
fn hex_keys(k: &IkeKeys) -> [String; 6] {
    [
        hex::encode(ISPI),
        hex::encode(RSPI),
        hex::encode(&k.sk_ei),
        hex::encode(&k.sk_er),
        hex::encode(&k.sk_ai),
        hex::encode(&k.sk_ar),
    ]
}

fn own_keylog(k: &IkeKeys) -> String {
    let [ispi, rspi, ei, er, ai, ar] = hex_keys(k);
    format!(
        "# mip6lab key log\nIKE {ispi} {rspi} aes-cbc-128 hmac-sha2-256-128 SK_ei={ei} SK_er={er} \
         SK_ai={ai} SK_ar={ar}\n"
    )
}

fn decode(frames: &[Frame], keys: KeyLog) -> Vec<String> {
    let t = decode_with(
        frames,
        &endpoints(),
        0,
        &Dissectors::standard(),
        &mut Context {
            keys,
            ..Context::default()
        },
    );
    t.to_text().lines().map(str::to_owned).collect()
}

#[test]
fn ike_sa_init_pair() {
    let (req, resp) = sa_init_pair();
    let frames = [
        udp_frame(1, addr(COA), addr(HA), 500, 500, &req),
        udp_frame(2, addr(HA), addr(COA), 500, 500, &resp),
    ];
    let lines = decode(&frames, KeyLog::default());
    let sa = "{SA {proposal num=1 protocol=IKE \
              transforms=ENCR:AES_CBC-128,PRF:HMAC_SHA2_256,INTEG:HMAC_SHA2_256_128,DH:CURVE25519}}";
    assert_eq!(
        lines,
        [
            format!(
                "MN-CoA -> HA  IKEv2 IKE_SA_INIT request ispi=* rspi=* exchange=34 msgid=0 flags=I \
                 {sa} {{KE group=31 len=32}} {{Ni len=32 data=*}} \
                 {{N type=16388 name=NAT_DETECTION_SOURCE_IP data=*}}"
            ),
            format!(
                "HA -> MN-CoA  IKEv2 IKE_SA_INIT response ispi=* rspi=* exchange=34 msgid=0 flags=R \
                 {sa} {{KE group=31 len=32}} {{Nr len=32 data=*}}"
            ),
        ]
    );
}

#[test]
fn ike_auth_decrypted_with_a_key_log_and_not_without() {
    let k = ike_keys();
    let (req, resp) = auth_pair(&k);
    // Port 4500 with the non-ESP marker for the request.
    let frames = [
        udp_frame(
            1,
            addr(COA),
            addr(HA),
            4500,
            4500,
            &[&[0u8; 4][..], &req].concat(),
        ),
        udp_frame(2, addr(HA), addr(COA), 500, 500, &resp),
    ];
    let keys = KeyLog::parse("test.keys", &own_keylog(&k)).unwrap();
    let lines = decode(&frames, keys);
    assert_eq!(
        lines,
        [
            "MN-CoA -> HA  IKEv2 IKE_AUTH request ispi=* rspi=* exchange=35 msgid=1 flags=I \
             {SK decrypted=yes {IDi id_type=2 id=mn1.example.com} {AUTH method=2 len=32} \
             {CP cfg_type=CFG_REQUEST {INTERNAL_IP6_ADDRESS len=0} {MIP6_HOME_PREFIX len=0}} \
             {TSi {TS type=ipv6 proto=135 start=2001:db8:1::100 end=2001:db8:1::100 \
             ports=1280-1536 mh_types=5-6}}}",
            "HA -> MN-CoA  IKEv2 IKE_AUTH response ispi=* rspi=* exchange=35 msgid=1 flags=R \
             {SK decrypted=yes {IDr id_type=2 id=ha.example.com} \
             {CP cfg_type=CFG_REPLY {INTERNAL_IP6_ADDRESS len=17 value=2001:db8:1::100/64} \
             {MIP6_HOME_PREFIX len=21 value=2001:db8:1::/64 lifetime=3600}} \
             {N type=42 name=USE_ASSIGNED_HoA}}",
        ]
    );

    let lines = decode(&frames, KeyLog::default());
    assert!(lines[0].ends_with("flags=I {SK decrypted=no reason=no key for this SA}"));
    assert!(lines[1].ends_with("flags=R {SK decrypted=no reason=no key for this SA}"));

    // Wrong keys: the ICV does not verify.
    let mut wrong = k.clone();
    wrong.sk_ai[0] ^= 1;
    let keys = KeyLog::parse("wrong.keys", &own_keylog(&wrong)).unwrap();
    let lines = decode(&frames, keys);
    assert!(
        lines[0].ends_with("{SK decrypted=no reason=ICV mismatch}"),
        "{}",
        lines[0]
    );
    assert!(lines[1].contains("decrypted=yes"));
}

#[test]
fn ike_auth_decrypted_with_wireshark_table() {
    let k = ike_keys();
    let (req, _) = auth_pair(&k);
    let [ispi, rspi, ei, er, ai, ar] = hex_keys(&k);
    let csv = format!(
        "\"{ispi}\",\"{rspi}\",\"{ei}\",\"{er}\",\"AES-CBC-128 [RFC3602]\",\"{ai}\",\"{ar}\",\
         \"HMAC_SHA2_256_128 [RFC4868]\"\n"
    );
    let keys = KeyLog::parse("ikev2_decryption_table", &csv).unwrap();
    let lines = decode(&[udp_frame(1, addr(COA), addr(HA), 500, 500, &req)], keys);
    assert!(lines[0].contains("{SK decrypted=yes {IDi id_type=2 id=mn1.example.com}"));
}

#[test]
fn malformed_ike_is_reported() {
    let (req, _) = sa_init_pair();
    let lines = decode(
        &[udp_frame(1, addr(COA), addr(HA), 500, 500, &req[..40])],
        KeyLog::default(),
    );
    assert!(
        lines[0].starts_with("MN-CoA -> HA  IKEv2 malformed: IKE length"),
        "{}",
        lines[0]
    );
}

fn esp_sa() -> DirectionKeys {
    DirectionKeys {
        encr: Encr::AesGcm16 { key_len: 16 },
        integ: Integ::None,
        enc_key: vec![0x5c; 20],
        integ_key: vec![],
    }
}

#[test]
fn esp_with_bu_decrypted() {
    let (ha, hoa, coa) = (addr(HA), addr(HOA), addr(COA));
    let sa = esp_sa();
    let bu = binding_update(7, BuFlags::A | BuFlags::H, 150, &[])
        .to_bytes_with_checksum(&hoa, &ha)
        .unwrap();
    let pkt = esp::encapsulate(0xc000_0001, 1, 135, &bu, &[1; 8], &sa).unwrap();
    // IPv6 + Destination Options (HAO) + ESP, as RFC 4877 transport mode lays it out.
    let dest = OptionsHeaderRepr::with_home_address(50, hoa)
        .to_bytes()
        .unwrap();
    let f1 = ethernet_frame(1, &ipv6(coa, ha, 60, 64, &[dest, pkt.clone()].concat()));
    // A dummy packet (next header 59) over ESP-in-UDP.
    let dummy = esp::encapsulate(0xc000_0001, 2, 59, b"", &[2; 8], &sa).unwrap();
    let f2 = udp_frame(2, coa, ha, 4500, 4500, &dummy);
    let f3 = udp_frame(3, coa, ha, 4500, 4500, &[0xff]);
    let frames = [f1, f2, f3];

    let keys = KeyLog::parse(
        "k",
        &format!(
            "ESP c0000001 {COA} * aes-gcm16-128 none enc={}\n",
            hex::encode(&sa.enc_key)
        ),
    )
    .unwrap();
    let lines = decode(&frames, keys);
    assert_eq!(lines.len(), 3);
    assert!(
        lines[0].starts_with(
            "MN-CoA -> HA  ESP spi=* seq=1 decrypted=yes next_header=135 {BU type=5 seq=* \
             flags=AH lifetime=150 hao=2001:db8:1::100 checksum=* checksum_ok=yes"
        ),
        "{}",
        lines[0]
    );
    assert_eq!(
        lines[1],
        "MN-CoA -> HA  ESP spi=* seq=2 decrypted=yes next_header=59"
    );
    assert_eq!(lines[2], "MN-CoA -> HA  ESP NAT-keepalive");

    let lines = decode(&frames, KeyLog::default());
    assert_eq!(
        lines[0],
        "MN-CoA -> HA  ESP spi=* seq=1 decrypted=no reason=no key for this SA"
    );

    // Wireshark esp_sa with a wildcard source.
    let csv = format!(
        "\"IPv6\",\"*\",\"{HA}\",\"0xc0000001\",\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x{}\",\"NULL\",\"\"\n",
        hex::encode(&sa.enc_key)
    );
    let keys = KeyLog::parse("esp_sa", &csv).unwrap();
    let lines = decode(&frames, keys);
    assert!(
        lines[1].ends_with("decrypted=yes next_header=59"),
        "{}",
        lines[1]
    );
}
