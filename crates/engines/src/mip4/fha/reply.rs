//! The FHA's Registration Reply (RFC 5944 §3.8.3), extensions in §3.8.3.3 order.

use super::{FhaConfig, FhaFaHaSa, FhaIpv6Items, FhaMnHaSa};
use crate::aaa::dualstack::prefix_value;
use mip6lab_wire::dsprofile::{Item, Message};
use mip6lab_wire::mip4::{auth, ext::reg_ext, Extension, RegistrationReply, ReplyCode, Repr};
use std::net::{Ipv4Addr, SocketAddr};

/// Whom a reply goes to and what protects it.
#[derive(Debug, Clone)]
pub(crate) struct ReplyTo {
    /// The request's source: the reply goes back there (RFC 5944 §3.8.3.1).
    pub src: SocketAddr,
    pub nai: Option<String>,
    /// The MN-HA SA that signs the reply (RFC 5944 §3.8.3.3 c).
    pub mn_ha: Option<FhaMnHaSa>,
    /// The FA-HA SA with the relaying FA (§3.8.3.3 e).
    pub fa_ha: Option<FhaFaHaSa>,
    /// The MN-FA Challenge to echo after MN-HA (RFC 4721 §3.4).
    pub challenge: Option<Vec<u8>>,
    /// The MN-HA AAA KeyGen Reply, right before MN-HA (RFC 3957 §6.4).
    pub keygen: Option<Extension>,
}

/// The fixed fields of one reply.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub code: ReplyCode,
    pub lifetime: u16,
    pub home_address: Ipv4Addr,
    pub home_agent: Ipv4Addr,
    pub identification: u64,
}

/// The IPv6 items as the profile's `rrp` rows carry them, in the draft's order (§4.1.1).
fn ipv6_extensions(cfg: &FhaConfig, items: &FhaIpv6Items) -> Vec<Extension> {
    let values = [
        (
            Item::Ipv6HomeAddress,
            items.hoa.map(|a| a.octets().to_vec()),
        ),
        (
            Item::Ipv6HomePrefix,
            items.home_prefix.map(|(p, l)| prefix_value(p, l)),
        ),
        (Item::Ipv6HaAddress, items.ha.map(|a| a.octets().to_vec())),
        (Item::Ipv6CareOf, items.coa.map(|a| a.octets().to_vec())),
    ];
    values
        .into_iter()
        .filter_map(|(item, v)| {
            let carrier = cfg.profile.carrier_of(item, Message::Rrp)?;
            crate::mip4::carrier_extension(carrier, v?)
        })
        .collect()
}

/// The reply's octets: fixed part, the NAI, the IPv6 items (for an accepted registration),
/// the KeyGen Reply, MN-HA, the Challenge, FA-HA.
pub(crate) fn reply_bytes(
    cfg: &FhaConfig,
    to: &ReplyTo,
    f: Fields,
    ipv6: Option<&FhaIpv6Items>,
) -> Result<Vec<u8>, String> {
    let mut extensions = Vec::new();
    if let Some(nai) = to.nai.as_ref().filter(|_| !cfg.knobs.no_nai_echo) {
        extensions.push(Extension::Nai(nai.as_bytes().to_vec()));
    }
    if let Some(items) = ipv6.filter(|_| !cfg.knobs.no_ipv6_items_in_rrp) {
        extensions.extend(ipv6_extensions(cfg, items));
    }
    let keygen = to.keygen.clone().filter(|_| !cfg.knobs.no_keygen_reply);
    let (keygen_before, keygen_after) = if cfg.knobs.keygen_after_mn_ha {
        (None, keygen)
    } else {
        (keygen, None)
    };
    extensions.extend(keygen_before);
    let rrp = Repr::Reply(RegistrationReply {
        code: f.code,
        lifetime: f.lifetime,
        home_address: f.home_address,
        home_agent: f.home_agent,
        // Stimulus: the low-order bits no longer match the Request's.
        identification: f.identification ^ u64::from(cfg.knobs.reply_identification_mismatch),
        extensions,
    });
    let mut b = rrp.to_bytes().map_err(|e| e.to_string())?;
    let sign = |b: &mut Vec<u8>, kind, spi, key: &[u8]| {
        auth::append_authenticated(b, kind, spi, key)
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    if let Some(sa) = &to.mn_ha {
        sign(&mut b, reg_ext::MN_HA_AUTH, sa.spi, &sa.key)?;
    }
    let after_mn_ha = keygen_after.into_iter().chain(
        to.challenge
            .as_ref()
            .map(|c| Extension::MnFaChallenge(c.clone())),
    );
    for e in after_mn_ha {
        let at = b.len();
        b.resize(at + e.wire_len(), 0);
        e.emit(&mut b[at..]).map_err(|e| e.to_string())?;
    }
    if let Some(sa) = &to.fa_ha {
        let mut key = sa.key.clone();
        if cfg.knobs.fa_ha_auth_wrong_key {
            // Stimulus: an authenticator the FA cannot verify.
            key.iter_mut().for_each(|b| *b ^= 0x5a);
        }
        sign(&mut b, reg_ext::FA_HA_AUTH, sa.spi, &key)?;
    }
    Ok(b)
}
