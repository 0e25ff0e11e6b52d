//! Picking payloads out of decoded IKEv2 messages in tests.

/// The first payload of `$payloads` whose body is `$variant(..)`, its content cloned
/// (`Option`).
macro_rules! first_payload {
    ($payloads:expr, $variant:path) => {
        $payloads.iter().find_map(|p| match &p.body {
            $variant(x) => Some(x.clone()),
            _ => None,
        })
    };
}
pub(crate) use first_payload;
