//! Machine-readable events on stdout. The lab reads them as the IUT's reported state; a
//! verdict never rests on them alone where the wire can show the same thing.

/// The line prefix the lab looks for in the container log.
pub const PREFIX: &str = "MIP6LAB-EVENT ";

pub fn emit(kind: &str, data: serde_json::Value) {
    let line = serde_json::json!({ "event": kind, "data": data });
    println!("{PREFIX}{line}");
}
