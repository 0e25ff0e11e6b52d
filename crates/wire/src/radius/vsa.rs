//! Vendor-Specific (26, RFC 2865 §5.26): `Vendor-Id(4) ‖ String`, the String read as
//! sub-attributes in the vendor's format:
//! - the recommended form `vendor-type(1) ‖ vendor-length(1) ‖ value` (Microsoft, 3GPP2, and
//!   any vendor not listed here when the String has exactly that shape);
//! - WiMAX (vendor 24757, format `1,1,c`): `type(1) ‖ length(1) ‖ continuation(1) ‖ value`,
//!   where the continuation octet's high bit (C) says the next sub-attribute of the same type
//!   continues this value and its other bits are reserved (0).
//!
//! A String that is not such a sequence stays raw (`subs: None`).

use super::dictionary::{decode_value, vendor, vendor_attr_info, AttrType, Value};
use crate::tlv::Format;
use crate::{Error, Result};

/// WiMAX's continuation flag (the C bit of the continuation octet).
pub const WIMAX_CONTINUED: u8 = 0x80;

/// One sub-attribute of a Vendor-Specific attribute.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VendorAttribute {
    pub vendor_type: u8,
    /// WiMAX's continuation octet; `None` for vendors with the RFC 2865 form.
    pub continuation: Option<u8>,
    pub value: Vec<u8>,
}

/// Vendor-Specific (26): Vendor-Id, then the String, read as sub-attributes when it has the
/// vendor's form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VendorSpecific {
    pub vendor_id: u32,
    /// The String after the Vendor-Id, raw (what [`VendorSpecific::to_bytes`] emits).
    pub data: Vec<u8>,
    /// The sub-attributes if `data` is exactly a sequence of them in the vendor's format;
    /// `None` for other layouts.
    pub subs: Option<Vec<VendorAttribute>>,
}

/// Whether a vendor's sub-attributes carry WiMAX's continuation octet.
fn has_continuation(vendor_id: u32) -> bool {
    vendor_id == vendor::WIMAX
}

impl VendorAttribute {
    /// A sub-attribute in the vendor's format (WiMAX: continuation octet 0).
    pub fn new(vendor_id: u32, vendor_type: u8, value: impl Into<Vec<u8>>) -> VendorAttribute {
        VendorAttribute {
            vendor_type,
            continuation: has_continuation(vendor_id).then_some(0),
            value: value.into(),
        }
    }

    /// Whether the next sub-attribute of this type continues this value (WiMAX's C bit).
    pub fn continued(&self) -> bool {
        self.continuation.is_some_and(|c| c & WIMAX_CONTINUED != 0)
    }

    fn header_len(&self) -> usize {
        2 + usize::from(self.continuation.is_some())
    }

    /// The name of this vendor type, or `None` when the vendor's table does not list it.
    pub fn name(&self, vendor_id: u32) -> Option<&'static str> {
        vendor_attr_info(vendor_id, self.vendor_type).map(|(n, _)| n)
    }

    /// Reads the value by the vendor table's type (octets for types not listed). `Err`
    /// (offset within the value) when it does not have that form, or when a WiMAX value of
    /// a fixed-size type is marked continued (the C bit is only for strings and octets).
    pub fn decode(&self, vendor_id: u32) -> Result<Value> {
        let (name, ty) = vendor_attr_info(vendor_id, self.vendor_type)
            .unwrap_or(("vendor attribute", AttrType::Octets));
        if self.continued() && !matches!(ty, AttrType::Text | AttrType::Octets) {
            return Err(Error::new(
                0,
                format!("{name} marked continued, but its type has a fixed size"),
            ));
        }
        decode_value(ty, name, &self.value)
    }
}

impl VendorSpecific {
    /// Reads the value of a Vendor-Specific attribute. `Err` if it is shorter than the
    /// Vendor-Id.
    pub fn parse(v: &[u8]) -> Result<VendorSpecific> {
        let Some((id, data)) = v.split_first_chunk::<4>() else {
            return Err(Error::new(
                v.len(),
                format!("Vendor-Specific of {} octets, Vendor-Id needs 4", v.len()),
            ));
        };
        let vendor_id = u32::from_be_bytes(*id);
        Ok(VendorSpecific {
            vendor_id,
            subs: parse_subs(vendor_id, data),
            data: data.to_vec(),
        })
    }

    /// A Vendor-Specific value holding `subs` laid out in the vendor's format. `Err` (offset
    /// in the String) when a sub-attribute does not fit its one-octet length, or the whole
    /// value exceeds 253 octets.
    pub fn from_subs(vendor_id: u32, subs: Vec<VendorAttribute>) -> Result<VendorSpecific> {
        let mut data = Vec::new();
        for s in &subs {
            let len = s.header_len() + s.value.len();
            if len > 255 {
                return Err(Error::new(
                    data.len() + 1,
                    format!(
                        "vendor type {} of {len} octets (at most 255)",
                        s.vendor_type
                    ),
                ));
            }
            data.extend_from_slice(&[s.vendor_type, len as u8]);
            data.extend(s.continuation);
            data.extend_from_slice(&s.value);
        }
        let vs = VendorSpecific {
            vendor_id,
            data,
            subs: Some(subs),
        };
        vs.to_bytes()?;
        Ok(vs)
    }

    /// The attribute value: Vendor-Id then the raw String. `Err` over 253 octets.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut v = self.vendor_id.to_be_bytes().to_vec();
        v.extend_from_slice(&self.data);
        if v.len() > super::MAX_VALUE_LEN {
            return Err(Error::new(
                0,
                format!("Vendor-Specific value of {} octets (at most 253)", v.len()),
            ));
        }
        Ok(v)
    }

    /// The first sub-attribute of a vendor type.
    pub fn sub(&self, vendor_type: u8) -> Option<&[u8]> {
        self.subs
            .as_ref()?
            .iter()
            .find(|s| s.vendor_type == vendor_type)
            .map(|s| s.value.as_slice())
    }
}

fn parse_subs(vendor_id: u32, d: &[u8]) -> Option<Vec<VendorAttribute>> {
    if d.is_empty() {
        return None;
    }
    let continuation = has_continuation(vendor_id);
    // Both forms have the attribute layout (Length counts the header); WiMAX's value then
    // starts with its continuation octet.
    Format::RADIUS_ATTRIBUTES
        .items(d, 0)
        .map(|item| {
            let i = item.ok()?;
            let (continuation, value) = if continuation {
                let (c, rest) = i.value.split_first()?;
                (Some(*c), rest)
            } else {
                (None, i.value)
            };
            Some(VendorAttribute {
                vendor_type: i.kind as u8,
                continuation,
                value: value.to_vec(),
            })
        })
        .collect()
}

/// The value of the first sub-attribute `vendor_type` of `vendor_id` among `vsas` (in packet
/// order), WiMAX continuations joined: while a fragment has the C bit set, the next
/// sub-attribute of the same type is appended.
pub fn joined_vendor_value<'a>(
    vsas: impl IntoIterator<Item = &'a VendorSpecific>,
    vendor_id: u32,
    vendor_type: u8,
) -> Option<Vec<u8>> {
    let mut fragments = vsas
        .into_iter()
        .filter(|v| v.vendor_id == vendor_id)
        .filter_map(|v| v.subs.as_ref())
        .flatten()
        .filter(|s| s.vendor_type == vendor_type);
    let first = fragments.next()?;
    let mut out = first.value.clone();
    let mut more = first.continued();
    while more {
        match fragments.next() {
            Some(s) => {
                out.extend_from_slice(&s.value);
                more = s.continued();
            }
            None => break,
        }
    }
    Some(out)
}
