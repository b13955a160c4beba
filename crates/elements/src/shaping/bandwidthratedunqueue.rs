//! BandwidthRatedUnqueue — pulls packets and pushes them on at no more
//! than a bandwidth.
//!
//! ## Synopsis
//! `BandwidthRatedUnqueue(RATE [, keywords ACTIVE])`
//!
//! ## Ports
//! 1 input, 1 output; pull input, push output.
//!
//! ## Description
//! A task that pulls packets from its input while its token bucket (RATE
//! bytes per second, holding a hundredth of a second's worth, at least two
//! full-size frames) has tokens, each packet using its length, and pushes
//! them to its output. Put it after a queue to pace a link.
//!
//! ## Arguments
//! - `RATE`: a bandwidth (`125000`, `10Mbps`, …).
//! - `ACTIVE` (default true): whether the task runs.
//!
//! ## Handlers
//! - `rate` (read/write): bytes per second.
//!
//! ## Differences from Click
//! - A packet larger than the tokens left goes and empties the bucket
//!   (Click carries the debt into the next interval).
//!
//! ## Example
//! ```text
//! Queue(1000) -> BandwidthRatedUnqueue(10Mbps) -> ToDevice(eth0);
//! ```

use clickconf::args::{Args, Bandwidth};
use engine::{
    BuildContext, ConfigError, Element, ElementSpec, HandlerError, HandlerSpec, InitContext,
    Output, TaskContext, TaskStatus,
};
use packet::{MAX_BATCH, PacketBatch};

use crate::balance::RateLimit;

pub const SPEC: ElementSpec = ElementSpec {
    class: "BandwidthRatedUnqueue",
    ports: "1/1",
    processing: "l/h",
    source: include_str!("bandwidthratedunqueue.rs"),
    drop_reasons: &[],
    handlers: &[HandlerSpec::read_write("rate", "bytes per second")],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct BandwidthRatedUnqueue {
    limit: RateLimit,
    active: bool,
    batch: PacketBatch,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let rate = args.read_mp::<Bandwidth>("RATE")?.0;
    let active = args.read::<bool>("ACTIVE")?.unwrap_or(true);
    Ok(Box::new(BandwidthRatedUnqueue {
        limit: RateLimit::bytes(rate, cx.clock.clone()),
        active,
        batch: PacketBatch::new(),
    }))
}

impl Element for BandwidthRatedUnqueue {
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), ConfigError> {
        cx.schedule_task();
        Ok(())
    }

    fn run_task(&mut self, cx: &mut TaskContext<'_>, out: &mut Output) -> TaskStatus {
        if !self.active {
            return TaskStatus::Idle(None);
        }
        let mut moved = 0;
        while moved < MAX_BATCH && self.limit.available(1) > 0 {
            let before = self.batch.len();
            cx.pull_input(0, 1, &mut self.batch);
            let Some(p) = self.batch.as_slice().get(before) else {
                break;
            };
            self.limit.remove(p.len() as u64);
            moved += 1;
        }
        if self.batch.is_empty() {
            let now = cx.clock().monotonic_ns();
            let wake = if self.limit.available(1) == 0 {
                self.limit.next_token_at(now)
            } else {
                None
            };
            return TaskStatus::Idle(wake);
        }
        out.forward(0, &mut self.batch);
        TaskStatus::Worked
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        self.limit.read_handler(name)
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        self.limit.write_handler(name, value)
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use packet::{Packet, PacketBatch};

    #[test]
    fn paces_bytes() {
        let text =
            "Idle -> q :: Queue(1000) -> BandwidthRatedUnqueue(100000) -> c :: Counter -> Discard";
        let (r, clock) = crate::ip::testing::manual_router(text, 0);
        let q = r.find("q").unwrap();
        let mut st = r.stepper();
        let mut b = PacketBatch::new();
        for _ in 0..100 {
            b.push(Packet::from_slice(&[0u8; 500]).unwrap());
        }
        st.inject(q, 0, b);
        for _ in 0..5 {
            st.step();
        }
        // A full bucket of 3,028 bytes: 7 packets of 500 (the 7th overdraws).
        assert_eq!(r.read_handler("c.count").unwrap(), "7");
        clock.advance(100_000_000);
        for _ in 0..5 {
            st.step();
        }
        // 100 ms at 100,000 B/s refills the bucket (capped at 3,028).
        assert_eq!(r.read_handler("c.count").unwrap(), "14");
    }
}
