//! The lab's RADIUS profile for home-agent assignment from the AAAH to the NAS
//! (`fixtures/requirements/radius-ha-assignment.md`): MIP6-Feature-Vector (124),
//! WiMAX-hHA-IP-MIP6/-MIP4 (24757/7, /6) for the home HA, WiMAX-vHA-IP-MIP6 (24757/65) for a
//! local HA, MIP6-Home-Link-Prefix (125). [`HaAssignment`] reads them from a packet and writes
//! them back, so the NAS role and the tests share one reading.

use super::dictionary::{attr, vendor, wimax, Value};
use super::{Attribute, Repr, VendorSpecific};
use crate::{Error, Result};
use std::net::{IpAddr, Ipv6Addr};

/// What an Access-Accept (or a request's hint) carries of the profile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HaAssignment {
    pub feature_vector: Option<u64>,
    /// WiMAX-hHA-IP-MIP6 and WiMAX-hHA-IP-MIP4 values, in packet order.
    pub home_agents: Vec<IpAddr>,
    /// WiMAX-vHA-IP-MIP6 values, in packet order.
    pub visited_agents: Vec<Ipv6Addr>,
    /// The first MIP6-Home-Link-Prefix: prefix and length.
    pub home_link_prefix: Option<(Ipv6Addr, u8)>,
}

impl HaAssignment {
    /// Reads the profile's attributes of `r`. `Err` at the offset in the emitted packet of
    /// the first of them whose value is malformed; attributes outside the profile are not
    /// looked at.
    pub fn from_repr(r: &Repr) -> Result<HaAssignment> {
        let mut out = HaAssignment::default();
        let mut off = super::MIN_LEN;
        for a in &r.attributes {
            let value_at = off + 2;
            off += a.wire_len();
            let read = |a: &Attribute| a.decode().map_err(|e| e.shifted(value_at));
            match a.kind {
                attr::MIP6_FEATURE_VECTOR if out.feature_vector.is_none() => {
                    if let Value::Integer64(v) = read(a)? {
                        out.feature_vector = Some(v);
                    }
                }
                attr::MIP6_HOME_LINK_PREFIX if out.home_link_prefix.is_none() => {
                    if let Value::HomeLinkPrefix { len, prefix } = read(a)? {
                        out.home_link_prefix = Some((prefix, len));
                    }
                }
                attr::VENDOR_SPECIFIC => {
                    let vs = VendorSpecific::parse(&a.value).map_err(|e| e.shifted(value_at))?;
                    out.read_wimax(&vs, value_at)?;
                }
                _ => {}
            }
        }
        Ok(out)
    }

    fn read_wimax(&mut self, vs: &VendorSpecific, value_at: usize) -> Result<()> {
        let (vendor::WIMAX, Some(subs)) = (vs.vendor_id, &vs.subs) else {
            return Ok(());
        };
        // Vendor-Id, then each sub-attribute's type, length and continuation octets.
        let mut sub_at = value_at + 4;
        for s in subs {
            let at = sub_at + 3;
            sub_at = at + s.value.len();
            if !matches!(
                s.vendor_type,
                wimax::HHA_IP_MIP6 | wimax::HHA_IP_MIP4 | wimax::VHA_IP_MIP6
            ) {
                continue;
            }
            match s.decode(vendor::WIMAX).map_err(|e| e.shifted(at))? {
                Value::Ipv6(a) if s.vendor_type == wimax::VHA_IP_MIP6 => {
                    self.visited_agents.push(a)
                }
                Value::Ipv6(a) => self.home_agents.push(IpAddr::V6(a)),
                Value::Ipv4(a) => self.home_agents.push(IpAddr::V4(a)),
                other => return Err(Error::new(at, format!("unexpected {other:?}"))),
            }
        }
        Ok(())
    }

    /// Whether the packet assigned anything (a feature vector alone does not).
    pub fn assigns(&self) -> bool {
        !self.home_agents.is_empty()
            || !self.visited_agents.is_empty()
            || self.home_link_prefix.is_some()
    }

    /// The attributes that carry it: the feature vector, then one VSA per HA, then the home
    /// link prefix. `Err` for a prefix length over 128.
    pub fn attributes(&self) -> Result<Vec<Attribute>> {
        let mut out = Vec::new();
        if let Some(v) = self.feature_vector {
            out.push(Attribute::typed(
                attr::MIP6_FEATURE_VECTOR,
                &Value::Integer64(v),
            )?);
        }
        for a in &self.home_agents {
            out.push(match a {
                IpAddr::V6(a) => Attribute::vendor(vendor::WIMAX, wimax::HHA_IP_MIP6, &a.octets()),
                IpAddr::V4(a) => Attribute::vendor(vendor::WIMAX, wimax::HHA_IP_MIP4, &a.octets()),
            });
        }
        for a in &self.visited_agents {
            out.push(Attribute::vendor(
                vendor::WIMAX,
                wimax::VHA_IP_MIP6,
                &a.octets(),
            ));
        }
        if let Some((prefix, len)) = self.home_link_prefix {
            out.push(Attribute::typed(
                attr::MIP6_HOME_LINK_PREFIX,
                &Value::HomeLinkPrefix { len, prefix },
            )?);
        }
        Ok(out)
    }
}
