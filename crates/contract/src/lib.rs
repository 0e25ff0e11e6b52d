//! The IUT contract, shared by the harness (lab, suite, CLI) and the reference implementation:
//! the roles an IUT can take ([`IutRole`]), the `MIP6LAB_*` environment variables ([`env`]),
//! the event lines on an IUT's stdout ([`events`]) and the reference's mutation knobs
//! ([`knobs`]). Written once here so the two sides cannot drift apart. The prose contract for
//! vendors is `containers/iut/README.md`.

pub mod env;
pub mod events;
pub mod knobs;
pub mod role;

pub use role::IutRole;
