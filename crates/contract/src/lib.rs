//! The IUT contract, shared by the harness (lab, suite, CLI) and the reference implementation:
//! the roles an IUT can take, the event-line format, and (later in this crate) the
//! environment names and the mutation-knob table. Written once here so the two sides cannot
//! drift apart. The prose contract for vendors is `containers/iut/README.md`.

pub mod role;

pub use role::IutRole;

/// Machine-readable event lines on an IUT's stdout: `MIP6LAB-EVENT {"event": …, "data": …}`.
/// Events may end an observation early or annotate a report; no verdict rests on them.
pub mod events {
    /// The line prefix the lab looks for in a container's log.
    pub const PREFIX: &str = "MIP6LAB-EVENT ";
}
