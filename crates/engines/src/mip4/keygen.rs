//! The mobile node's side of RFC 3957 MN-HA key generation (draft-qin-mip6-dsbootstrapping-00
//! §6: "[MIPKEYS] can be used to create Mobility Security Associations between the MN and
//! FHA"): reading the MN-HA AAA KeyGen Reply of a Registration Reply, deriving the key (§5) and
//! checking the reply's MN-HA authenticator with it (§3 steps 8 and 9). The FHA's side is in
//! [`super::fha`].

use super::mn::{check_auth, DropReason};
use super::SecurityAssociation;
use mip6lab_wire::mip4::{auth, ext, reg_ext, Extension, KeyGen};

/// Octets of the shortest Key Generation Nonce RFC 3957 §5 and §6.4 allow (128 bits).
pub const MIN_NONCE_LEN: usize = 16;

/// The MN-HA SA a Registration Reply to a Request with the MN-HA AAA KeyGen Request
/// establishes, and the key's Lifetime in seconds; `Err` says why the reply MUST be discarded:
///
/// - no MN-HA AAA KeyGen Reply before the MN-HA extension (§3 step 8: "if no MN-HA Key
///   Generation Nonce Reply extension is present, the mobile node MUST discard"; §6.4: it
///   "MUST appear … before the MN-HA Authentication extension", so one after it is not
///   covered and counts as absent), or more than one;
/// - a subtype other than 1, a body too short, an AAA SPI that is not the MN's MN-AAA SPI
///   (§6.4: it names the SA whose key derives the MN-HA key), an algorithm other than HMAC-MD5
///   or a replay method other than timestamps (what this MN implements, RFC 5944 §3.5.1,
///   §5.7), a nonce under 128 bits (§5, §6.4);
/// - an MN-HA authenticator missing, doubled, with another SPI than the HA SPI, or wrong for
///   the derived key (§3 step 9: "MUST discard the Registration Reply and the new Mobility
///   Security Association").
///
/// `identifier` is the NAI the Request carried, or its Home Address octets without one (§5).
pub fn keyed_sa(
    msg: &[u8],
    extensions: &[Extension],
    mn_aaa: &SecurityAssociation,
    identifier: &[u8],
) -> Result<(SecurityAssociation, u32), DropReason> {
    let fail = |why: String| DropReason::KeyGeneration(why);
    let covered_end = extensions
        .iter()
        .position(|e| e.kind() == reg_ext::MN_HA_AUTH)
        .unwrap_or(extensions.len());
    let replies: Vec<&Extension> = extensions[..covered_end]
        .iter()
        .filter(|e| e.kind() == reg_ext::MN_HA_KEYGEN_REPLY)
        .collect();
    let reply =
        match replies.as_slice() {
            [one] => *one,
            [] if extensions[covered_end..]
                .iter()
                .any(|e| e.kind() == reg_ext::MN_HA_KEYGEN_REPLY) =>
            {
                return Err(fail(
                    "the MN-HA KeyGen Reply follows the MN-HA authentication (RFC 3957 §6.4: MUST \
                 appear before it)"
                        .into(),
                ))
            }
            [] => return Err(fail(
                "no MN-HA KeyGen Reply to the KeyGen Request (RFC 3957 §3 step 8: MUST discard)"
                    .into(),
            )),
            more => return Err(fail(format!("{} MN-HA KeyGen Replies", more.len()))),
        };
    let Some(KeyGen::MnHaAaaReply {
        lifetime,
        aaa_spi,
        ha_spi,
        algorithm,
        replay_method,
        nonce,
    }) = reply.keygen().filter(|_| is_from_aaa(reply))
    else {
        return Err(fail(
            "the MN-HA KeyGen Reply is not a well-formed subtype 1, from AAA (RFC 3957 §6.4)"
                .into(),
        ));
    };
    if aaa_spi != mn_aaa.spi {
        return Err(fail(format!(
            "AAA SPI {aaa_spi}, not the MN-AAA SPI {} (RFC 3957 §6.4)",
            mn_aaa.spi
        )));
    }
    if algorithm != ext::KEYGEN_ALGORITHM_HMAC_MD5 {
        return Err(fail(format!(
            "algorithm {algorithm}: only HMAC-MD5 (1) here (RFC 3957 §4, RFC 5944 §3.5.1)"
        )));
    }
    if replay_method != ext::KEYGEN_REPLAY_TIMESTAMPS {
        return Err(fail(format!(
            "replay method {replay_method}: only timestamps (2) here (RFC 3957 §4)"
        )));
    }
    if nonce.len() < MIN_NONCE_LEN {
        return Err(fail(format!(
            "a nonce of {} octets (RFC 3957 §6.4: at least 128 bits)",
            nonce.len()
        )));
    }
    let key = auth::mn_ha_key_from_aaa(&mn_aaa.key, nonce, identifier);
    let sa = SecurityAssociation::new(ha_spi, key.to_vec());
    check_auth(msg, extensions, reg_ext::MN_HA_AUTH, &sa)?;
    Ok((sa, lifetime))
}

fn is_from_aaa(e: &Extension) -> bool {
    matches!(e, Extension::KeyGen { subtype, .. } if *subtype == ext::KEYGEN_FROM_AAA)
}
