//! IKEv2 dissector (being written: claims nothing yet).

use super::{Context, Dissector, Packet};
use crate::transcript::Decoded;

pub struct Ikev2;

impl Dissector for Ikev2 {
    fn name(&self) -> &'static str {
        "IKEv2"
    }

    fn claims(&self, _: &Packet, _: &[u8]) -> bool {
        false
    }

    fn dissect(&self, _: &Packet, payload: &[u8], _: &mut Context) -> Decoded {
        Decoded::Unknown {
            length: payload.len(),
        }
    }
}
