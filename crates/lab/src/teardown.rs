//! What makes a lab go whatever way a run ends: the runs alive in this process, the signal
//! handler that removes them, and the sweep of runs whose process died.

use crate::engine::{remove_run_blocking, Engine};
use crate::lab::note;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

// ---- runs alive in this process, for the signal handler -------------------------------

fn active_runs() -> &'static Mutex<BTreeSet<String>> {
    static RUNS: OnceLock<Mutex<BTreeSet<String>>> = OnceLock::new();
    RUNS.get_or_init(|| {
        install_signal_cleanup();
        Mutex::new(BTreeSet::new())
    })
}

pub(crate) fn register_run(run: &str) {
    active_runs()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(run.to_string());
}

pub(crate) fn unregister_run(run: &str) {
    active_runs()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(run);
}

/// On SIGINT/SIGTERM/SIGHUP: remove every live run's containers and networks, then exit.
/// Set by the signal handler: no new container may start.
pub(crate) static SHUTTING_DOWN: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

fn install_signal_cleanup() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        note("mip6lab: cannot install signal handlers; Ctrl-C may leave containers (mip6lab gc)");
        return;
    };
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            note(&format!("\nmip6lab: signal {sig}: tearing the lab down"));
            SHUTTING_DOWN.store(true, std::sync::atomic::Ordering::SeqCst);
            // A container or lab being created when the signal came may appear after the
            // first sweep: sweep again (runs read afresh) until nothing is left (bounded).
            for _ in 0..4 {
                let runs: Vec<String> = active_runs()
                    .lock()
                    .map(|r| r.iter().cloned().collect())
                    .unwrap_or_default();
                let mut left = 0;
                for r in &runs {
                    left += remove_run_blocking(r);
                }
                if left == 0 {
                    break;
                }
                std::thread::sleep(Duration::from_millis(500));
            }
            std::process::exit(128 + sig);
        }
    });
}

/// Objects of dead processes (a SIGKILL, a crash) are removed and reported; objects of a
/// live process (another run on this host) are left alone.
pub(crate) async fn clear_leftovers(engine: &Engine) {
    let spaces = crate::netns::delete_orphans();
    let Ok(mut found) = engine.find(None).await else {
        return;
    };
    let dead = |pid: u32| pid == 0 || !Path::new(&format!("/proc/{pid}")).exists();
    found.containers.retain(|x| dead(x.2));
    found.holders.retain(|x| dead(x.2));
    found.networks.retain(|x| dead(x.2));
    let objects = || {
        found
            .containers
            .iter()
            .chain(found.holders.iter())
            .chain(found.networks.iter())
    };
    if objects().next().is_some() || !spaces.is_empty() {
        let runs: BTreeSet<&str> = objects().map(|x| x.1.as_str()).collect();
        note(&format!(
            "mip6lab: earlier run(s) {} ended without teardown; removing their {} container(s), \
             {} network(s) and {} network namespace(s)",
            runs.into_iter().collect::<Vec<_>>().join(", "),
            found.containers.len() + found.holders.len(),
            found.networks.len(),
            spaces.len()
        ));
        if let Err(e) = engine.remove(&found).await {
            note(&format!(
                "mip6lab: cannot remove leftovers: {e:#} (try `mip6lab gc`)"
            ));
        }
    }
}
