//! Network access as judges read it: IEEE 802.1X (EAPOL frames and the EAP they carry,
//! RFC 3748) between supplicant and authenticator, and RADIUS (RFC 2865, 2866, 3579) between
//! the authenticator (the NAS) and the AAA servers, with the home agent assignment the lab's
//! RADIUS profile carries (`fixtures/requirements/radius-ha-assignment.md`).
//!
//! Order: every view has `position`, its entry's index in the observation's transcript,
//! which is capture order (across links once merged with [`Observation::from_links`](crate::Observation::from_links));
//! frame numbers are evidence pointers only.

use super::{parsed, unquoted};
use crate::Observation;
use mip6lab_capture::{Decoded, Entry, Part};
use mip6lab_wire::radius::{vendor, HaAssignment};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// RADIUS codes (RFC 2865 §3, RFC 2866 §3), Acct-Status-Type values (RFC 2866 §5.1) and
/// MIP6-Feature-Vector flags (RFC 5447 §4.2.5), as the wire crate defines them.
pub use mip6lab_wire::radius::{acct_status, code as radius_code, feature as mip6_feature};

/// The entries of `protocol`, with their index (capture order).
fn positioned<'a>(
    obs: &'a Observation,
    protocol: &'a str,
) -> impl Iterator<Item = (usize, &'a Entry, &'a Part)> + 'a {
    obs.transcript
        .entries
        .iter()
        .enumerate()
        .filter_map(move |(i, e)| match &e.decoded {
            Decoded::Message(m) if m.protocol == protocol => Some((i, e, m)),
            _ => None,
        })
}

/// An EAP packet's Code (RFC 3748 §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EapCode {
    Request,
    Response,
    Success,
    Failure,
    /// A code RFC 3748 does not define (shown as `code N`).
    Other,
}

/// How an authentication ended for the supplicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EapOutcome {
    Success,
    Failure,
}

/// An EAP packet, in an EAPOL frame or joined from RADIUS EAP-Message attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EapPacket<'a> {
    pub code: EapCode,
    /// The method's name for a Request or Response (`Identity`, `MD5-Challenge`, `type N`).
    pub method: Option<&'a str>,
    pub identifier: Option<u8>,
    /// The identity of a Response/Identity (or a Request/Identity's displayable message).
    pub identity: Option<&'a str>,
    /// Why the packet did not parse, when it did not.
    pub malformed: Option<&'a str>,
    pub part: &'a Part,
}

impl<'a> EapPacket<'a> {
    /// The EAP packet of a part the dissectors made (`EAP Response/Identity …`); `None` for
    /// any other part.
    pub fn from_part(m: &'a Part) -> Option<EapPacket<'a>> {
        if m.protocol != "EAP" {
            return None;
        }
        let described = m.kind.strip_prefix("EAP").map(str::trim_start)?;
        let (code_name, method) = match described.split_once('/') {
            Some((c, meth)) => (c, Some(meth)),
            None => (described, None),
        };
        let code = match code_name {
            "Request" => EapCode::Request,
            "Response" => EapCode::Response,
            "Success" => EapCode::Success,
            "Failure" => EapCode::Failure,
            _ => EapCode::Other,
        };
        Some(EapPacket {
            code,
            method,
            identifier: parsed(m, "id"),
            identity: m.get("identity").map(unquoted),
            malformed: m.get("malformed"),
            part: m,
        })
    }

    /// Success or Failure, for the packets that end an authentication.
    pub fn outcome(&self) -> Option<EapOutcome> {
        match self.code {
            EapCode::Success => Some(EapOutcome::Success),
            EapCode::Failure => Some(EapOutcome::Failure),
            _ => None,
        }
    }

    /// A Response/Identity: the identity the supplicant gave.
    pub fn response_identity(&self) -> Option<&'a str> {
        (self.code == EapCode::Response && self.method == Some("Identity"))
            .then_some(self.identity)
            .flatten()
    }
}

/// An EAPOL frame (IEEE 802.1X): sender and receiver roles (the MAC's role, `PAE-group` for
/// the group address), its Packet Type without `EAPOL-` (`EAP`, `Start`, `Logoff`, `Key`),
/// and the EAP packet an EAPOL-EAP frame carries.
#[derive(Debug, Clone)]
pub struct EapolFrame<'a> {
    pub entry: &'a Entry,
    pub position: usize,
    pub packet_type: &'a str,
    pub version: Option<u8>,
    pub eap: Option<EapPacket<'a>>,
}

impl EapolFrame<'_> {
    pub fn src(&self) -> &str {
        &self.entry.src
    }
    pub fn dst(&self) -> &str {
        &self.entry.dst
    }
}

/// A RADIUS message: its code (and the code's name, e.g. `Accounting-Request`), identifier and
/// attributes in order. EAP-Message attributes appear joined as one `EAP …` attribute.
#[derive(Debug, Clone)]
pub struct RadiusMessage<'a> {
    pub entry: &'a Entry,
    /// Index of the entry in the observation's transcript: capture order.
    pub position: usize,
    pub code: Option<u8>,
    pub name: &'a str,
    pub identifier: Option<u8>,
    pub attributes: Vec<RadiusAttribute<'a>>,
    /// The transcript part, for the attributes' children (vendor sub-attributes, EAP).
    pub part: &'a Part,
}

/// One attribute: its RFC name (`User-Name`, `Attr-N` when unknown) and its value as the
/// transcript shows it (text in quotes, `1 (Start)` for Acct-Status-Type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RadiusAttribute<'a> {
    pub name: &'a str,
    pub value: Option<&'a str>,
}

impl<'a> RadiusMessage<'a> {
    /// Whether this message has the RADIUS `code`.
    pub fn is(&self, code: u8) -> bool {
        self.code == Some(code)
    }

    /// The shown value of the first attribute called `name`.
    pub fn attribute(&self, name: &str) -> Option<&'a str> {
        self.attributes
            .iter()
            .find(|a| a.name == name)
            .and_then(|a| a.value)
    }

    /// Whether an attribute called `name` is present (with a value or not).
    pub fn has(&self, name: &str) -> bool {
        self.attributes.iter().any(|a| a.name == name)
    }

    /// User-Name, without the quotes around text.
    pub fn user_name(&self) -> Option<&'a str> {
        self.attribute("User-Name").map(unquoted)
    }

    /// Framed-IPv6-Address (RFC 6911).
    pub fn framed_ipv6_address(&self) -> Option<Ipv6Addr> {
        self.attribute("Framed-IPv6-Address")
            .and_then(|v| v.parse().ok())
    }

    /// Acct-Status-Type's number (shown as `1 (Start)`).
    pub fn acct_status(&self) -> Option<u32> {
        self.attribute("Acct-Status-Type")
            .and_then(|v| v.split_whitespace().next())
            .and_then(|n| n.parse().ok())
    }

    /// The EAP packet of the EAP-Message attribute(s), joined.
    pub fn eap(&self) -> Option<EapPacket<'a>> {
        self.part.children.iter().find_map(EapPacket::from_part)
    }

    pub fn has_message_authenticator(&self) -> bool {
        self.has("Message-Authenticator")
    }

    /// The State attribute's value (`0x…`; volatile, so compare within one observation).
    pub fn state(&self) -> Option<&'a str> {
        self.attribute("State")
    }

    /// Sub-attributes of the Vendor-Specific attributes of `vendor_id`, in order, as
    /// (name, shown value).
    pub fn vendor_attributes(&self, vendor_id: u32) -> Vec<RadiusAttribute<'a>> {
        let id = vendor_id.to_string();
        self.part
            .children
            .iter()
            .filter(|c| c.kind == "Vendor-Specific" && c.get("vendor") == Some(id.as_str()))
            .flat_map(|c| &c.children)
            .map(|s| RadiusAttribute {
                name: &s.kind,
                value: s.get("value"),
            })
            .collect()
    }

    /// The home agent assignment of the lab's RADIUS profile, read from the transcript as
    /// `HaAssignment::from_repr` reads it from the packet: MIP6-Feature-Vector (the first),
    /// WiMAX-hHA-IP-MIP6/-MIP4 and WiMAX-vHA-IP-MIP6 in order, the first
    /// MIP6-Home-Link-Prefix. `Err` names the first of them whose value did not read.
    pub fn ha_assignment(&self) -> Result<HaAssignment, String> {
        let mut out = HaAssignment::default();
        let bad = |name: &str, v: Option<&str>| format!("{name} {} does not read", or_q(v));
        for c in &self.part.children {
            let value = c.get("value");
            match c.kind.as_str() {
                "MIP6-Feature-Vector" if out.feature_vector.is_none() => {
                    let hex = value
                        .and_then(|v| v.split_whitespace().next())
                        .and_then(|v| v.strip_prefix("0x"));
                    let v = hex.and_then(|h| u64::from_str_radix(h, 16).ok());
                    out.feature_vector = Some(v.ok_or_else(|| bad(&c.kind, value))?);
                }
                "MIP6-Home-Link-Prefix" if out.home_link_prefix.is_none() => {
                    let p = value.and_then(super::address_and_length::<Ipv6Addr>);
                    out.home_link_prefix = Some(p.ok_or_else(|| bad(&c.kind, value))?);
                }
                _ => {}
            }
        }
        for s in self.vendor_attributes(vendor::WIMAX) {
            match s.name {
                "WiMAX-hHA-IP-MIP6" => out.home_agents.push(IpAddr::V6(
                    s.value
                        .and_then(|v| v.parse().ok())
                        .ok_or_else(|| bad(s.name, s.value))?,
                )),
                "WiMAX-hHA-IP-MIP4" => out.home_agents.push(IpAddr::V4(
                    s.value
                        .and_then(|v| v.parse::<Ipv4Addr>().ok())
                        .ok_or_else(|| bad(s.name, s.value))?,
                )),
                "WiMAX-vHA-IP-MIP6" => out.visited_agents.push(
                    s.value
                        .and_then(|v| v.parse().ok())
                        .ok_or_else(|| bad(s.name, s.value))?,
                ),
                _ => {}
            }
        }
        Ok(out)
    }
}

fn or_q(v: Option<&str>) -> &str {
    v.unwrap_or("(no value)")
}

/// The order, on the wire, of the supplicant's EAP outcome and the Access-Accept that
/// allowed it ([`Observation::access_order`]).
#[derive(Debug, Clone)]
pub struct AccessOrder<'a> {
    /// The identity the supplicant gave in its first Response/Identity.
    pub identity: Option<&'a str>,
    /// The first EAP Success or Failure sent to the supplicant.
    pub outcome: Option<(EapolFrame<'a>, EapOutcome)>,
    /// The first Access-Accept to the NAS answering a request for that identity.
    pub accept: Option<RadiusMessage<'a>>,
}

impl AccessOrder<'_> {
    /// Whether the Access-Accept reached the NAS before the EAP Success was sent to the
    /// supplicant (RFC 3579 §2.6.3: the authenticator sends EAP Success on Access-Accept);
    /// `None` unless both were seen.
    pub fn accept_first(&self) -> Option<bool> {
        let (success, _) = self
            .outcome
            .as_ref()
            .filter(|(_, o)| *o == EapOutcome::Success)?;
        Some(self.accept.as_ref()?.position < success.position)
    }

    /// The frames of the identity's Access-Accept and of the outcome, for evidence.
    pub fn frames(&self) -> Vec<u64> {
        self.accept
            .iter()
            .map(|a| a.entry.frame)
            .chain(self.outcome.iter().map(|(f, _)| f.entry.frame))
            .collect()
    }
}

impl Observation {
    /// RADIUS messages in capture order.
    pub fn radius_messages(&self) -> impl Iterator<Item = RadiusMessage<'_>> + '_ {
        positioned(self, "RADIUS").map(|(position, e, m)| RadiusMessage {
            entry: e,
            position,
            code: parsed(m, "code"),
            name: &m.kind,
            identifier: parsed(m, "id"),
            attributes: m
                .children
                .iter()
                .map(|c| RadiusAttribute {
                    name: &c.kind,
                    value: c.get("value"),
                })
                .collect(),
            part: m,
        })
    }

    /// The answer to `request`: the first later RADIUS message with its identifier, from
    /// the address it was sent to, back to its sender.
    pub fn radius_response_to<'a>(&'a self, request: &RadiusMessage) -> Option<RadiusMessage<'a>> {
        let id = request.identifier?;
        self.radius_messages().find(|m| {
            m.position > request.position
                && m.identifier == Some(id)
                && m.entry.src_addr == request.entry.dst_addr
                && m.entry.dst_addr == request.entry.src_addr
                && !m.is(radius_code::ACCESS_REQUEST)
        })
    }

    /// Access-Accepts answering an Access-Request for `user` (its User-Name), in capture
    /// order: one per hop a proxied request crossed (NAS ← AAAV ← AAAH), and again on each
    /// link the answer crossed.
    pub fn access_accepts_for<'a>(&'a self, user: &str) -> Vec<RadiusMessage<'a>> {
        let mut out: Vec<RadiusMessage> = self
            .radius_messages()
            .filter(|m| m.is(radius_code::ACCESS_REQUEST) && m.user_name() == Some(user))
            .filter_map(|req| self.radius_response_to(&req))
            .filter(|r| r.is(radius_code::ACCESS_ACCEPT))
            .collect();
        out.sort_by_key(|m| m.position);
        out.dedup_by_key(|m| m.position);
        out
    }

    /// The first Access-Accept for `user` sent to `to` (any receiver if `None`).
    pub fn access_accept_for<'a>(
        &'a self,
        user: &str,
        to: Option<&str>,
    ) -> Option<RadiusMessage<'a>> {
        self.access_accepts_for(user)
            .into_iter()
            .find(|m| to.is_none_or(|t| m.entry.dst == t))
    }

    /// EAPOL frames in capture order.
    pub fn eapol_frames(&self) -> impl Iterator<Item = EapolFrame<'_>> + '_ {
        positioned(self, "EAPOL").map(|(position, e, m)| EapolFrame {
            entry: e,
            position,
            packet_type: &m.kind,
            version: parsed(m, "version"),
            eap: m.children.iter().find_map(EapPacket::from_part),
        })
    }

    /// The identity `supplicant` gave in its first EAP Response/Identity.
    pub fn eap_identity_of(&self, supplicant: &str) -> Option<&str> {
        self.eapol_frames()
            .filter(|f| f.entry.src == supplicant)
            .find_map(|f| f.eap?.response_identity())
    }

    /// The first EAP Success or Failure sent in an EAPOL frame to `role`: addressed to its
    /// MAC, or to the PAE group address, which IEEE 802.1X-2010 §11.1.1 lets an authenticator
    /// use on a port (hostapd's `use_pae_group_addr`); the lab's access links are
    /// point-to-point, one supplicant per port, so the group frame is that supplicant's.
    pub fn eap_outcome_to(&self, role: &str) -> Option<(EapolFrame<'_>, EapOutcome)> {
        self.eapol_frames()
            .filter(|f| {
                f.entry.dst == role || f.entry.dst == mip6lab_capture::transcript::PAE_GROUP
            })
            .find_map(|f| {
                let o = f.eap.as_ref()?.outcome()?;
                Some((f, o))
            })
    }

    /// The supplicant's EAP outcome and the Access-Accept `nas` received for its identity,
    /// with their order in the capture.
    pub fn access_order<'a>(&'a self, supplicant: &str, nas: &str) -> AccessOrder<'a> {
        let identity = self.eap_identity_of(supplicant);
        AccessOrder {
            identity,
            outcome: self.eap_outcome_to(supplicant),
            accept: identity.and_then(|user| self.access_accept_for(user, Some(nas))),
        }
    }
}
