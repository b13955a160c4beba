//! BandwidthRatedUnqueue — pulls packets and pushes them on at no more
//! than a bandwidth.
//!
//! ## Synopsis
//! `BandwidthRatedUnqueue(RATE [, keywords BURST_DURATION, BURST_BYTES, ACTIVE])`
//!
//! ## Ports
//! 1 input, 1 output; pull input, push output.
//!
//! ## Description
//! A task that pulls packets from its input while its token bucket of bytes
//! allows and pushes them to its output; put it after a queue to pace a
//! link. The bucket fills at RATE, starts full and holds 20 ms at RATE (or
//! BURST_DURATION, or BURST_BYTES) plus 131,072 bytes: a packet is pulled
//! while it holds at least 131,072 bytes and then takes its length
//! (emptying the bucket rather than overdrawing it), as in Click. When the
//! bucket is short the task sleeps until it has refilled enough.
//!
//! ## Arguments
//! - `RATE` (bandwidth): `125000`, `10Mbps`, ….
//! - `BURST_DURATION` (time): bucket capacity as time at RATE.
//! - `BURST_BYTES` (integer): bucket capacity in bytes. At most one of the
//!   two may be given.
//! - `ACTIVE` (bool, default true): whether the task runs.
//!
//! ## Handlers
//! - `rate` (read/write): RATE, printed as Click prints bandwidths.
//! - `active` (read/write): whether the task runs.
//! - `calls` (read): task runs, runs that moved nothing, packets pushed and
//!   pulls that found no packet.
//!
//! ## Differences from Click
//! - A task run moves every packet the bucket allows (up to a batch of 256)
//!   rather than one; the long-run rate is the same. `pushes` in `calls`
//!   counts packets.
//! - Time is measured in nanoseconds rather than Click's millisecond ticks.
//! - `ACTIVE` is accepted as an argument (Click has only the handler).
//!
//! ## Example
//! ```text
//! Queue(1000) -> BandwidthRatedUnqueue(10Mbps) -> ToDevice(eth0);
//! ```

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, Element, ElementSpec, HandlerError, HandlerSpec, InitContext,
    Output, TaskContext, TaskStatus,
};
use packet::{MAX_BATCH, PacketBatch};

use crate::balance::{RateLimit, Unit};
use crate::util::parse_handler_value;

pub const SPEC: ElementSpec = ElementSpec {
    class: "BandwidthRatedUnqueue",
    ports: "1/1",
    processing: "l/h",
    source: include_str!("bandwidthratedunqueue.rs"),
    drop_reasons: &[],
    handlers: &[
        HandlerSpec::read_write("rate", "the bandwidth"),
        HandlerSpec::read_write("active", "whether the task runs"),
        HandlerSpec::read("calls", "task runs, empty runs, pushes and failed pulls"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct BandwidthRatedUnqueue {
    limit: RateLimit,
    active: bool,
    runs: u64,
    empty_runs: u64,
    pushes: u64,
    failed_pulls: u64,
    batch: PacketBatch,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let limit = RateLimit::configure(args, Unit::Bytes, cx.clock.clone())?;
    let active = args.read::<bool>("ACTIVE")?.unwrap_or(true);
    Ok(Box::new(BandwidthRatedUnqueue {
        limit,
        active,
        runs: 0,
        empty_runs: 0,
        pushes: 0,
        failed_pulls: 0,
        batch: PacketBatch::new(),
    }))
}

impl Element for BandwidthRatedUnqueue {
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), ConfigError> {
        cx.schedule_task();
        Ok(())
    }

    fn run_task(&mut self, cx: &mut TaskContext<'_>, out: &mut Output) -> TaskStatus {
        self.runs += 1;
        if !self.active {
            return TaskStatus::Idle(None);
        }
        let now = cx.clock().monotonic_ns();
        if !self.limit.ready(now) {
            self.empty_runs += 1;
            return TaskStatus::Idle(self.limit.next_ready_at(now));
        }
        while self.batch.len() < MAX_BATCH && self.limit.ready(now) {
            let before = self.batch.len();
            cx.pull_input(0, 1, &mut self.batch);
            let Some(p) = self.batch.as_slice().get(before) else {
                break;
            };
            self.limit.charge(p.len());
        }
        if self.batch.is_empty() {
            self.failed_pulls += 1;
            self.empty_runs += 1;
            return TaskStatus::Idle(None);
        }
        self.pushes += self.batch.len() as u64;
        out.forward(0, &mut self.batch);
        TaskStatus::Worked
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "rate" => Ok(self.limit.rate_text()),
            "active" => Ok(self.active.to_string()),
            "calls" => Ok(format!(
                "{} calls to run_task()\n{} empty runs\n{} pushes\n{} failed pulls\n",
                self.runs, self.empty_runs, self.pushes, self.failed_pulls
            )),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "rate" => self.limit.set_rate_text(value),
            "active" => {
                self.active = parse_handler_value(name, value)?;
                Ok(())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use packet::{Packet, PacketBatch};

    #[test]
    fn paces_bytes_as_click() {
        // 100,000 B/s: 2,000 bytes in 20 ms plus the 131,072 threshold.
        let text = "Idle -> q :: Queue(1000) -> u :: BandwidthRatedUnqueue(100000) -> c :: Counter -> Discard";
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
        // 133,072 tokens: packets pass while at least 131,072 remain
        // before each: 2,000 / 500 = 4, plus the one taken at 131,072.
        assert_eq!(r.read_handler("c.count").unwrap(), "5");
        // 500 bytes take 5 ms at 100,000 B/s.
        clock.advance(4_900_000);
        st.step();
        assert_eq!(r.read_handler("c.count").unwrap(), "5");
        clock.advance(100_000);
        st.step();
        assert_eq!(r.read_handler("c.count").unwrap(), "6");
        clock.advance(1_000_000_000);
        for _ in 0..5 {
            st.step();
        }
        assert_eq!(
            r.read_handler("c.count").unwrap(),
            "11",
            "capped at the capacity"
        );
        // Click prints these (its bucket arithmetic, not the exact rate).
        assert_eq!(r.read_handler("u.rate").unwrap(), "800.4kbps");
        r.write_handler("u.rate", "1Mbps").unwrap();
        assert_eq!(r.read_handler("u.rate").unwrap(), "1.000496Mbps");
    }

    #[test]
    fn burst_arguments() {
        let reg = crate::registry();
        let build = |t: &str| engine::Router::from_text("t", t, &reg).map(|_| ());
        assert!(
            build("Idle -> Queue -> BandwidthRatedUnqueue(1Mbps, BURST_BYTES 1000) -> Discard")
                .is_ok()
        );
        assert!(
            build("Idle -> Queue -> BandwidthRatedUnqueue(1Mbps, BURST_DURATION 1s) -> Discard")
                .is_ok()
        );
        assert!(build("Idle -> Queue -> BandwidthRatedUnqueue(1Mbps, BURST_DURATION 1s, BURST_BYTES 9) -> Discard").is_err());
        assert!(
            build("Idle -> Queue -> BandwidthRatedUnqueue(1Mbps, BURST_SIZE 9) -> Discard")
                .is_err()
        );
    }
}
