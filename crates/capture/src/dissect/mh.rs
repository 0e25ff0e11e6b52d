//! MH dissector: IPv6 payloads with Next Header 135, decoded with `mip6lab_wire::mh`.
//!
//! Field names are fixed (a tshark cross-check relies on them): `type`, `checksum` (volatile),
//! `checksum_ok`; BU `seq` `flags` `lifetime`; BA `status` `status_name` `flags` `seq`
//! `lifetime`; BE `status` `home_address`; `hao` / `rh2` from the extension headers. Mobility
//! options are children (`Pad1`, `PadN`, `BRA`, `AltCoA`, `NonceIdx`, `BAD`, `DNS-Update`,
//! `MN-ID`, the RFC 5555 ones `IPv4-HoA` `IPv4-AddrAck` `NAT-Detect` `IPv4-CoA`, `opt N`).

use super::{with_mip6_checksum, Context, Dissector, Packet, Transport};
use crate::transcript::{Decoded, Part};
use mip6lab_wire::ipv6ext;
use mip6lab_wire::mh::{self, checksum, MhMessage, MobilityOption, Repr};
use std::net::{IpAddr, Ipv6Addr};

pub struct Mh;

impl Dissector for Mh {
    fn name(&self) -> &'static str {
        "MH"
    }

    fn claims(&self, pkt: &Packet, _: &[u8]) -> bool {
        pkt.transport
            == Transport::Other {
                next_header: mh::NEXT_HEADER,
            }
    }

    fn dissect(&self, pkt: &Packet, payload: &[u8], _: &mut Context) -> Decoded {
        let (hao, rh2, ext_error) = match pkt.ext_first {
            Some(first) => match ext_addresses(first, &pkt.ext) {
                Ok((hao, rh2)) => (hao, rh2, None),
                Err(e) => (None, None, Some(e.to_string())),
            },
            None => (None, None, None),
        };
        match dissect_mh(payload, pkt.src, pkt.dst, hao, rh2) {
            Decoded::Message(m) => match ext_error {
                Some(e) => Decoded::Message(m.field("ext_malformed", e)),
                None => Decoded::Message(m),
            },
            other => other,
        }
    }
}

/// The Home Address option's address and the type 2 routing header's address, if present.
fn ext_addresses(
    first: u8,
    ext: &[u8],
) -> mip6lab_wire::Result<(Option<Ipv6Addr>, Option<Ipv6Addr>)> {
    let chain = ipv6ext::walk(first, ext)?;
    Ok((chain.home_address()?, chain.rh2()?.map(|r| r.home_address)))
}

/// Decodes one Mobility Header. `src`/`dst` are the IPv6 header's addresses; `hao` is the
/// address of a Home Address option and `rh2` the address of a type 2 routing header on the
/// same packet, if any. They are shown as fields and used for the checksum pseudo-header (HAO
/// replaces the source, RH2 gives the final destination). Also the entry point for an MH found
/// inside a decrypted ESP payload.
pub fn dissect_mh(
    bytes: &[u8],
    src: IpAddr,
    dst: IpAddr,
    hao: Option<Ipv6Addr>,
    rh2: Option<Ipv6Addr>,
) -> Decoded {
    let repr = match Repr::from_bytes(bytes) {
        Ok(r) => r,
        Err(e) => return Decoded::malformed("MH", e),
    };
    let kind = repr.message.mh_type();
    let name = mh::type_name(kind)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("type {kind}"));
    let mut m = Part::new("MH", name).field("type", kind);
    if repr.payload_proto != mh::PAYLOAD_PROTO_NONE {
        m = m.field("payload_proto", repr.payload_proto);
    }
    m = match &repr.message {
        MhMessage::Bu(b) => m
            .volatile("seq", b.seq)
            .field("flags", b.flags.letters())
            .field("lifetime", b.lifetime),
        MhMessage::Ba(b) => m
            .field("status", b.status)
            .field("status_name", b.status_name().unwrap_or("unknown"))
            .field("flags", b.flags.letters())
            .volatile("seq", b.seq)
            .field("lifetime", b.lifetime),
        MhMessage::Be(b) => m
            .field("status", b.status)
            .field("home_address", b.home_address),
        MhMessage::HoTI { cookie, .. } | MhMessage::CoTI { cookie, .. } => {
            m.volatile("cookie", hex::encode(cookie))
        }
        MhMessage::HoT(t) | MhMessage::CoT(t) => m
            .volatile("nonce_index", t.nonce_index)
            .volatile("cookie", hex::encode(t.cookie))
            .volatile("keygen_token", hex::encode(t.keygen_token)),
        MhMessage::Brr { .. } => m,
        MhMessage::Unknown { data, .. } => m.field("len", data.len()),
    };
    m = with_mip6_checksum(m, (src, dst), hao, rh2, repr.checksum, |s, d| {
        checksum::verify(s, d, bytes)
    });
    for o in &repr.options {
        m = m.child(option_message(o));
    }
    Decoded::Message(m)
}

fn option_message(o: &MobilityOption) -> Part {
    let opt = |kind: &str| Part::new("MH", kind);
    match o {
        MobilityOption::Pad1 => opt("Pad1"),
        MobilityOption::PadN(d) => opt("PadN").field("len", d.len()),
        MobilityOption::BindingRefreshAdvice { interval } => opt("BRA").field("interval", interval),
        MobilityOption::AlternateCoa(a) => opt("AltCoA").field("address", a),
        MobilityOption::NonceIndices { home, care_of } => opt("NonceIdx")
            .field("home", home)
            .field("care_of", care_of),
        MobilityOption::BindingAuthData(d) => opt("BAD")
            .field("len", d.len())
            .volatile("auth", hex::encode(d)),
        MobilityOption::MnId {
            subtype,
            identifier,
        } => opt("MN-ID")
            .field("subtype", subtype)
            .field("id", text_or_hex(identifier)),
        MobilityOption::DnsUpdate(u) => {
            let mut c = opt("DNS-Update")
                .field("status", u.status)
                .field("r", u8::from(u.remove()));
            if u.reserved() != 0 {
                c = c.field("reserved", format!("0x{:02x}", u.reserved()));
            }
            c.field(
                "fqdn",
                u.fqdn()
                    .unwrap_or_else(|| format!("0x{}", hex::encode(&u.identity))),
            )
        }
        MobilityOption::Ipv4HomeAddress(h) => reserved(
            opt("IPv4-HoA")
                .field("prefix_len", h.prefix_len)
                .field("p", u8::from(h.p))
                .field("address", h.address),
            h.reserved.into(),
        ),
        MobilityOption::Ipv4AddressAck(a) => reserved(
            opt("IPv4-AddrAck")
                .field("status", a.status.code())
                .field("status_name", a.status.name().unwrap_or("unknown"))
                .field("prefix_len", a.prefix_len)
                .field("address", a.address),
            a.reserved.into(),
        ),
        MobilityOption::NatDetection(n) => reserved(
            opt("NAT-Detect")
                .field("f", u8::from(n.force_udp))
                .field("refresh", n.refresh_time),
            n.reserved.into(),
        ),
        MobilityOption::Ipv4CareOf(c) => reserved(
            opt("IPv4-CoA").field("address", c.address),
            c.reserved.into(),
        ),
        MobilityOption::Unknown { kind, data } => {
            opt(&format!("opt {kind}")).field("len", data.len())
        }
    }
}

/// Shows a reserved field only when a sender set it (MUST be zero, RFC 5555 §3).
fn reserved(p: Part, value: u32) -> Part {
    if value == 0 {
        p
    } else {
        p.field("reserved", format!("0x{value:x}"))
    }
}

fn text_or_hex(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) if !s.is_empty() && s.chars().all(|c| c.is_ascii_graphic()) => s.to_owned(),
        _ => format!("0x{}", hex::encode(b)),
    }
}
