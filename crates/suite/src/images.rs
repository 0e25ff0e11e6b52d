//! The reference IUT's image, for the labs of a suite run (and of `mip6lab iut check` and
//! `mip6lab record`): packaged from the reference binary, once per binary version.

use anyhow::{Context, Result};
use mip6lab_lab::images::{ContainerImages, ImageFuture, ImageResolver};
use mip6lab_lab::lab::{Iut, LabOptions};
use mip6lab_lab::topology::NodeSpec;
use mip6lab_lab::Engine;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Resolves `iut` (when the reference is under test) and `refimpl` (the harness's own
/// reference peers, e.g. the tester MN towards an HA under test) to the reference image;
/// every other image as [`ContainerImages`] does.
pub struct ReferenceImages;

impl ImageResolver for ReferenceImages {
    fn resolve<'a>(
        &'a self,
        engine: &'a Engine,
        opts: &'a LabOptions,
        node: &'a NodeSpec,
    ) -> ImageFuture<'a> {
        match (node.image.as_str(), &opts.iut) {
            ("iut", Iut::Reference { binary }) => Box::pin(reference_image(engine, opts, binary)),
            // A tester peer built from the reference: the same binary and image as the
            // reference IUT.
            ("refimpl", _) => {
                Box::pin(
                    async move { reference_image(engine, opts, &reference_binary(opts)).await },
                )
            }
            _ => ContainerImages.resolve(engine, opts, node),
        }
    }
}

/// The reference binary: the IUT's when the reference is under test, else
/// `MIP6LAB_REFIMPL`, else the workspace's debug build.
fn reference_binary(opts: &LabOptions) -> PathBuf {
    match &opts.iut {
        Iut::Reference { binary } => binary.clone(),
        _ => std::env::var_os("MIP6LAB_REFIMPL")
            .map(PathBuf::from)
            .unwrap_or_else(|| opts.root.join("target/debug/mip6lab-refimpl")),
    }
}

/// The reference image for `binary`, built once per binary version in this process
/// (hashing a debug binary on every node start costs a second).
async fn reference_image(engine: &Engine, opts: &LabOptions, binary: &Path) -> Result<String> {
    static MEMO: Mutex<Vec<(PathBuf, std::time::SystemTime, u64, String)>> = Mutex::new(Vec::new());
    let meta = std::fs::metadata(binary).with_context(|| {
        format!(
            "reference binary {} (build it: cargo build -p mip6lab-refimpl)",
            binary.display()
        )
    })?;
    let (mtime, len) = (meta.modified()?, meta.len());
    let memo = MEMO.lock().ok().and_then(|m| {
        m.iter()
            .find(|(p, t, l, _)| p == binary && *t == mtime && *l == len)
            .map(|e| e.3.clone())
    });
    // Another mip6lab process building a newer reference prunes older tags: a remembered
    // tag is used only while its image is still there.
    if let Some(tag) = memo {
        if engine.image_exists(&tag).await {
            return Ok(tag);
        }
    }
    let bin =
        std::fs::read(binary).with_context(|| format!("reference binary {}", binary.display()))?;
    let recipe = opts.root.join("containers").join("refimpl");
    let tag = engine
        .ensure_image("refimpl", &recipe, &[("mip6lab-refimpl", bin)])
        .await?;
    if let Ok(mut m) = MEMO.lock() {
        m.push((binary.to_path_buf(), mtime, len, tag.clone()));
    }
    Ok(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_under_test_is_built_from_its_own_binary() {
        let opts = |iut| LabOptions {
            root: PathBuf::from("/repo"),
            out_dir: PathBuf::from("/out"),
            iut,
        };
        let binary = PathBuf::from("/bin/mip6lab-refimpl");
        assert_eq!(
            reference_binary(&opts(Iut::Reference {
                binary: binary.clone()
            })),
            binary
        );
        // A vendor IUT's labs take the reference peers from MIP6LAB_REFIMPL or the workspace.
        let peers = reference_binary(&opts(Iut::Image("vendor/ha:1".into())));
        match std::env::var_os("MIP6LAB_REFIMPL") {
            Some(p) => assert_eq!(peers, PathBuf::from(p)),
            None => assert_eq!(peers, Path::new("/repo/target/debug/mip6lab-refimpl")),
        }
    }
}
