//! Machine-readable events on stdout, in the contract's line format
//! (`mip6lab_contract::events`). The lab reads them as the IUT's reported state; a verdict
//! never rests on them alone where the wire can show the same thing.

pub fn emit(kind: &str, data: serde_json::Value) {
    println!("{}", mip6lab_contract::events::line(kind, data));
}
