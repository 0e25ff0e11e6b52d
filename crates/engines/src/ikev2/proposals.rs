//! SA payload proposals: what this end offers and which offered proposal it accepts.

use super::*;

pub(super) fn ike_proposals(suites: &[Suite], groups: &[DhGroup]) -> Sa {
    let mut proposals = Vec::new();
    for (i, s) in suites.iter().enumerate() {
        let mut t = vec![Transform::new(transform_type::ENCR, s.encr.id())
            .with_key_length((s.encr.key_len() * 8) as u16)];
        t.push(Transform::new(transform_type::PRF, s.prf.id()));
        if !s.encr.is_aead() {
            t.push(Transform::new(transform_type::INTEG, s.integ.id()));
        }
        for g in groups {
            t.push(Transform::new(transform_type::DH, g.id()));
        }
        proposals.push(Proposal {
            number: (i + 1) as u8,
            protocol_id: protocol_id::IKE,
            transforms: t,
            ..Proposal::default()
        });
    }
    Sa { proposals }
}

pub(super) fn esp_proposals(suites: &[EspSuite], spi: u32) -> Sa {
    let mut proposals = Vec::new();
    for (i, s) in suites.iter().enumerate() {
        let mut t = vec![Transform::new(transform_type::ENCR, s.encr.id())
            .with_key_length((s.encr.key_len() * 8) as u16)];
        if !s.encr.is_aead() {
            t.push(Transform::new(transform_type::INTEG, s.integ.id()));
        }
        t.push(Transform::new(transform_type::ESN, 0));
        proposals.push(Proposal {
            number: (i + 1) as u8,
            protocol_id: protocol_id::ESP,
            spi: spi.to_be_bytes().to_vec(),
            transforms: t,
            ..Proposal::default()
        });
    }
    Sa { proposals }
}

pub(super) fn encr_of(t: &Transform) -> Option<Encr> {
    Encr::from_id(t.transform_id, t.key_length()?)
}

/// The IKE suite and groups of a proposal, if every type has an acceptable transform.
/// Returns (proposal with one transform per type, suite, acceptable groups in proposal order).
pub(super) fn pick_ike(
    prop: &Proposal,
    groups: &[DhGroup],
) -> Option<(Proposal, Suite, Vec<DhGroup>)> {
    if prop.protocol_id != protocol_id::IKE {
        return None;
    }
    let of = |ty: u8| {
        prop.transforms
            .iter()
            .filter(move |t| t.transform_type == ty)
    };
    let encr_t = of(transform_type::ENCR).find(|t| encr_of(t).is_some())?;
    let encr = encr_of(encr_t)?;
    let prf_t = of(transform_type::PRF).find(|t| Prf::from_id(t.transform_id).is_some())?;
    let prf = Prf::from_id(prf_t.transform_id)?;
    let integ_t = if encr.is_aead() {
        None
    } else {
        Some(
            of(transform_type::INTEG)
                .find(|t| matches!(Integ::from_id(t.transform_id), Some(i) if i != Integ::None))?,
        )
    };
    let integ = integ_t.map_or(Integ::None, |t| {
        Integ::from_id(t.transform_id).unwrap_or(Integ::None)
    });
    let offered: Vec<DhGroup> = of(transform_type::DH)
        .filter_map(|t| DhGroup::from_id(t.transform_id))
        .filter(|g| groups.contains(g))
        .collect();
    if offered.is_empty() {
        return None;
    }
    let mut t = vec![encr_t.clone(), prf_t.clone()];
    if let Some(i) = integ_t {
        t.push(i.clone());
    }
    t.push(Transform::new(transform_type::DH, offered[0].id()));
    Some((
        Proposal {
            reserved: 0,
            number: prop.number,
            protocol_id: protocol_id::IKE,
            spi: Vec::new(),
            transforms: t,
        },
        Suite { encr, integ, prf },
        offered,
    ))
}

/// An acceptable ESP proposal: (answer proposal with our SPI, suite, peer's SPI).
pub(super) fn pick_esp(
    sa: &Sa,
    ours: &[EspSuite],
    my_spi: u32,
) -> Option<(Proposal, EspSuite, u32)> {
    for prop in &sa.proposals {
        if prop.protocol_id != protocol_id::ESP || prop.spi.len() != 4 {
            continue;
        }
        let of = |ty: u8| {
            prop.transforms
                .iter()
                .filter(move |t| t.transform_type == ty)
        };
        for s in ours {
            let Some(e) = of(transform_type::ENCR).find(|t| encr_of(t) == Some(s.encr)) else {
                continue;
            };
            let i = if s.encr.is_aead() {
                None
            } else {
                match of(transform_type::INTEG).find(|t| t.transform_id == s.integ.id()) {
                    Some(i) => Some(i),
                    None => continue,
                }
            };
            let has_esn = of(transform_type::ESN).next().is_some();
            if has_esn && !of(transform_type::ESN).any(|t| t.transform_id == 0) {
                continue;
            }
            let mut t = vec![e.clone()];
            if let Some(i) = i {
                t.push(i.clone());
            }
            if has_esn {
                t.push(Transform::new(transform_type::ESN, 0));
            }
            let peer_spi = u32::from_be_bytes([prop.spi[0], prop.spi[1], prop.spi[2], prop.spi[3]]);
            return Some((
                Proposal {
                    reserved: 0,
                    number: prop.number,
                    protocol_id: protocol_id::ESP,
                    spi: my_spi.to_be_bytes().to_vec(),
                    transforms: t,
                },
                *s,
                peer_spi,
            ));
        }
    }
    None
}

/// The suite and SPI of a responder's chosen ESP proposal.
pub(super) fn chosen_esp(sa: &Sa) -> Option<(EspSuite, u32)> {
    let prop = sa.proposals.first()?;
    if prop.protocol_id != protocol_id::ESP || prop.spi.len() != 4 || sa.proposals.len() != 1 {
        return None;
    }
    let encr = encr_of(prop.transform(transform_type::ENCR)?)?;
    let integ = if encr.is_aead() {
        Integ::None
    } else {
        Integ::from_id(prop.transform(transform_type::INTEG)?.transform_id)?
    };
    let spi = u32::from_be_bytes([prop.spi[0], prop.spi[1], prop.spi[2], prop.spi[3]]);
    Some((EspSuite { encr, integ }, spi))
}

pub(super) fn esp_spi_from(b: &[u8]) -> Option<u32> {
    let a: [u8; 4] = b.try_into().ok()?;
    Some(u32::from_be_bytes(a))
}
