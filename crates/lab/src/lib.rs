//! The lab: topologies from `fixtures/`, images from `containers/`, containers on links in
//! the lab's own network namespace, a capture per link, and teardown that happens whatever
//! way a run ends.

pub mod engine;
pub mod images;
pub mod lab;
pub mod netns;
pub mod probe;
pub mod slots;
mod teardown;
pub mod topology;

pub use engine::Engine;
pub use images::{ContainerImages, ImageResolver};
pub use lab::{Lab, LabOptions, NodeHandle};
pub use topology::Topology;
