//! Lab slots: how many labs may run on this host at once, across processes. A lab holds one
//! slot (an flock on `mip6lab-slot-<k>.lock` in the temp directory) for its whole life; the
//! kernel releases it when the process ends, however it ends.
//!
//! Labs no longer clash on addresses (each has its own network namespace); slots bound the
//! load two runs started together put on the host.

use anyhow::{bail, Result};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

/// A held slot; dropping it frees it.
pub struct Slot {
    _file: std::fs::File,
    pub index: usize,
}

/// How many labs this host runs at once: `MIP6LAB_HOST_SLOTS`, else 2 per core, at most one
/// per 1.5 GiB of available memory, at least 1.
pub fn host_slots() -> usize {
    if let Some(n) = std::env::var("MIP6LAB_HOST_SLOTS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
    {
        return n;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let by_memory = available_memory_mib().map_or(usize::MAX, |m| (m / 1536) as usize);
    (2 * cores).min(by_memory).max(1)
}

/// Labs one run starts at once by default (`mip6lab suite --jobs`): every slot of the host.
pub fn default_jobs() -> usize {
    host_slots()
}

/// `MemAvailable` from /proc/meminfo, in MiB.
pub fn available_memory_mib() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

impl Slot {
    /// Takes the first free slot, waiting up to `timeout` for one (without blocking the
    /// runtime: other labs of this process go on meanwhile).
    pub async fn acquire(timeout: Duration) -> Result<Slot> {
        let slots = host_slots();
        let deadline = Instant::now() + timeout;
        let mut told = false;
        loop {
            if let Some(slot) = Slot::try_acquire(slots)? {
                return Ok(slot);
            }
            if Instant::now() >= deadline {
                bail!("all {slots} lab slots of this host stayed busy for {timeout:?}");
            }
            if !told {
                crate::lab::note(&format!(
                    "mip6lab: all {slots} lab slots of this host are busy; waiting for one"
                ));
                told = true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The first free slot of `slots`, if any.
    pub fn try_acquire(slots: usize) -> Result<Option<Slot>> {
        for index in 0..slots {
            let path = std::env::temp_dir().join(format!("mip6lab-slot-{index}.lock"));
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)?;
            // SAFETY: flock on an fd we own.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
                return Ok(Some(Slot { _file: file, index }));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_exclusive_and_freed_on_drop() {
        // Far above any real slot count, so a lab running on this host does not interfere.
        let a = Slot::try_acquire(64).unwrap().unwrap();
        let b = Slot::try_acquire(64).unwrap().unwrap();
        assert_ne!(a.index, b.index);
        let held = a.index;
        drop(a);
        let c = Slot::try_acquire(64).unwrap().unwrap();
        assert!(c.index <= held.max(b.index));
    }
}
