//! How a lab gets the image of each node: the lab is handed an [`ImageResolver`] and does not
//! know how any particular image (e.g. the reference IUT's) is made.

use crate::engine::Engine;
use crate::lab::{Iut, LabOptions};
use crate::topology::NodeSpec;
use anyhow::{bail, Result};
use std::future::Future;
use std::pin::Pin;

/// Every recipe under `containers/` starts from it (`containers/base/ensure-base.sh`).
pub const BASE_IMAGE: &str = "debian:bookworm-slim";
/// What a node's holder container runs (`sleep infinity`): the base image has it.
pub const HOLDER_IMAGE: &str = BASE_IMAGE;

pub type ImageFuture<'a> = Pin<Box<dyn Future<Output = Result<String>> + Send + 'a>>;

/// Turns a topology node's `image` (`iut`, `refimpl`, or a directory under `containers/`)
/// into the tag of a local image, building it if need be.
pub trait ImageResolver: Send + Sync {
    fn resolve<'a>(
        &'a self,
        engine: &'a Engine,
        opts: &'a LabOptions,
        node: &'a NodeSpec,
    ) -> ImageFuture<'a>;
}

/// Images the lab can name without help: each directory under `containers/` (tagged by the
/// hash of its recipe) and a vendor IUT's ready image. The reference IUT's image is not one
/// of them: a caller that runs the reference hands the lab a resolver that builds it.
pub struct ContainerImages;

impl ImageResolver for ContainerImages {
    fn resolve<'a>(
        &'a self,
        engine: &'a Engine,
        opts: &'a LabOptions,
        node: &'a NodeSpec,
    ) -> ImageFuture<'a> {
        Box::pin(async move {
            match (node.image.as_str(), &opts.iut) {
                ("iut", Iut::Image(tag)) => Ok(tag.clone()),
                ("iut", Iut::None) => bail!(
                    "node {} is the IUT, but this lab runs without one (a recording runs peers \
                     only)",
                    node.name
                ),
                ("iut", Iut::Reference { .. }) | ("refimpl", _) => bail!(
                    "node {} needs the reference IUT's image, and this lab was given no resolver \
                     that builds it",
                    node.name
                ),
                (dir, _) => {
                    let recipe = opts.root.join("containers").join(dir);
                    engine.ensure_image(dir, &recipe, &[]).await
                }
            }
        })
    }
}
