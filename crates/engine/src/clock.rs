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
    /// Simulated time: when every task is idle, the router moves the clock
    /// to the earliest wake-up (`ns`, monotonic) instead of sleeping.
    /// Returns whether the clock moved; real clocks never do.
    fn warp_to(&self, _ns: u64) -> bool {
        false
    }
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

/// A clock that moves only when told to, or, made with
/// [`ManualClock::simulated`], also when the router is idle (Click's
/// `--simtime`).
#[derive(Debug, Default)]
pub struct ManualClock {
    now_ns: AtomicU64,
    wall_base: u64,
    simulated: bool,
}

impl ManualClock {
    /// A clock at monotonic zero whose wall time starts at `wall_base`.
    pub fn new(wall_base: Timestamp) -> ManualClock {
        ManualClock {
            now_ns: AtomicU64::new(0),
            wall_base: wall_base.0,
            simulated: false,
        }
    }
    /// A clock for simulated time: the router jumps it to the next timer
    /// whenever no task has work.
    pub fn simulated(wall_base: Timestamp) -> ManualClock {
        ManualClock {
            simulated: true,
            ..ManualClock::new(wall_base)
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
    fn warp_to(&self, ns: u64) -> bool {
        if !self.simulated {
            return false;
        }
        self.now_ns.fetch_max(ns, Ordering::Relaxed) < ns
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_simulated_clocks_warp_and_only_forward() {
        let manual = ManualClock::new(Timestamp(0));
        assert!(!manual.warp_to(5));
        assert_eq!(manual.monotonic_ns(), 0);
        let sim = ManualClock::simulated(Timestamp(1_000));
        assert!(sim.warp_to(50));
        assert!(!sim.warp_to(20));
        assert_eq!(sim.monotonic_ns(), 50);
        assert_eq!(sim.wall(), Timestamp(1_050));
        assert!(!SystemClock::new().warp_to(u64::MAX));
    }
}
