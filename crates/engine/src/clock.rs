//! Time as an input to the engine.
//!
//! Key decision: elements never read the system clock themselves; they ask
//! the router's [`Clock`], so a test or a simulated-time run can drive time
//! by hand and get the same result every time.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use packet::Timestamp;

/// A source of time.
pub trait Clock: Send + Sync {
    /// Monotonic nanoseconds since an arbitrary start.
    fn monotonic_ns(&self) -> u64;
    /// Wall-clock time, for packet timestamps.
    fn wall(&self) -> Timestamp;
}

/// The system's clocks.
#[derive(Debug)]
pub struct SystemClock {
    start: Instant,
}

impl SystemClock {
    pub fn new() -> SystemClock {
        SystemClock {
            start: Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::new()
    }
}

impl Clock for SystemClock {
    fn monotonic_ns(&self) -> u64 {
        self.start.elapsed().as_nanos() as u64
    }
    fn wall(&self) -> Timestamp {
        let d = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp(d.as_nanos() as u64)
    }
}

/// A clock that moves only when told to.
#[derive(Debug, Default)]
pub struct ManualClock {
    now_ns: AtomicU64,
    wall_base: u64,
}

impl ManualClock {
    /// A clock at monotonic zero whose wall time starts at `wall_base`.
    pub fn new(wall_base: Timestamp) -> ManualClock {
        ManualClock {
            now_ns: AtomicU64::new(0),
            wall_base: wall_base.0,
        }
    }
    /// Moves time forward by `ns` nanoseconds.
    pub fn advance(&self, ns: u64) {
        self.now_ns.fetch_add(ns, Ordering::Relaxed);
    }
}

impl Clock for ManualClock {
    fn monotonic_ns(&self) -> u64 {
        self.now_ns.load(Ordering::Relaxed)
    }
    fn wall(&self) -> Timestamp {
        Timestamp(self.wall_base + self.monotonic_ns())
    }
}
