//! ESP dissector (being written: claims nothing yet).

use super::{Context, Dissector, Packet};
use crate::transcript::Decoded;

pub struct Esp;

impl Dissector for Esp {
    fn name(&self) -> &'static str {
        "ESP"
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
