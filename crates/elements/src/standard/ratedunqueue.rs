//! RatedUnqueue — pulls packets at a given rate and pushes them out.
//!
//! ## Synopsis
//! `RatedUnqueue(RATE [, KEYWORDS])`
//!
//! ## Ports
//! 1 input, pull; 1 output, push.
//!
//! ## Description
//! Runs a task that pulls packets from its input at most RATE packets per
//! second and pushes them out of its output. The rate is kept by a token
//! bucket on the router's clock that starts full and holds 20 milliseconds'
//! worth of tokens (at least one) unless BURST_DURATION or BURST_SIZE says
//! otherwise. When the bucket is empty the task sleeps until the next token
//! is due.
//!
//! ## Arguments
//! - `RATE` (integer, required): packets per second.
//! - `BURST_DURATION` (time, default 20 ms): bucket capacity as time at
//!   RATE.
//! - `BURST_SIZE` (integer): bucket capacity in packets. At most one of
//!   BURST_DURATION and BURST_SIZE may be given.
//! - `ACTIVE` (bool, default true): whether the task runs.
//!
//! ## Handlers
//! - `rate` (read/write): RATE; the capacity follows as configured.
//! - `active` (read/write): whether the task runs.
//! - `calls` (read): task runs, runs that moved nothing, packets pushed and
//!   pulls that found no packet.
//!
//! ## Differences from Click
//! A task run moves every packet the bucket allows (up to a batch of 256)
//! rather than one; the long-run rate is the same. Time is measured in
//! nanoseconds rather than Click's millisecond ticks, though the capacity
//! is at least one tick's worth of tokens as in Click. `pushes` in `calls`
//! counts packets. `ACTIVE` is accepted as an argument (Click has only the
//! handler).
//!
//! ## Example
//! ```text
//! FromDump(in.pcap) -> Queue -> RatedUnqueue(1000) -> ToDevice(eth0);
//! ```

use std::any::Any;

use clickconf::args::{Args, Seconds};
use engine::{
    BuildContext, ConfigError, Element, ElementSpec, HandlerError, HandlerSpec, InitContext,
    Output, TaskContext, TaskStatus,
};
use packet::{MAX_BATCH, PacketBatch};

use crate::standard::ratedsource::TokenBucket;
use crate::util::parse_handler_value;

pub const SPEC: ElementSpec = ElementSpec {
    class: "RatedUnqueue",
    ports: "1/1",
    processing: "l/h",
    source: include_str!("ratedunqueue.rs"),
    drop_reasons: &[],
    handlers: &[
        HandlerSpec::read_write("rate", "packets per second"),
        HandlerSpec::read_write("active", "whether the task runs"),
        HandlerSpec::read("calls", "task runs, empty runs, pushes and failed pulls"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

const NS_PER_SEC: u64 = 1_000_000_000;
/// Click's clock tick, which bounds the smallest useful capacity.
const TICKS_PER_SEC: u64 = 1000;

/// How the bucket's capacity is set.
#[derive(Debug, Clone, Copy)]
enum Burst {
    Duration { ns: u64 },
    Size(u64),
}

impl Burst {
    fn capacity(self, rate: u64) -> u64 {
        let tokens = match self {
            Burst::Size(n) => n,
            Burst::Duration { ns } => {
                let t = rate as u128 * ns as u128 / NS_PER_SEC as u128;
                t.min(u32::MAX as u128) as u64
            }
        };
        let min = if rate == 0 {
            1
        } else {
            rate.div_ceil(TICKS_PER_SEC)
        };
        tokens.max(1).max(min)
    }
}

pub struct RatedUnqueue {
    bucket: TokenBucket,
    burst: Burst,
    active: bool,
    runs: u64,
    empty_runs: u64,
    pushes: u64,
    failed_pulls: u64,
    batch: PacketBatch,
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let rate = args.read_mp::<u32>("RATE")? as u64;
    let duration = args.read::<Seconds>("BURST_DURATION")?;
    let size = args.read::<u32>("BURST_SIZE")?;
    let active = args.read::<bool>("ACTIVE")?.unwrap_or(true);
    let burst = match (duration, size) {
        (Some(_), Some(_)) => {
            return Err(ConfigError::msg(
                "cannot specify both BURST_DURATION and BURST_SIZE",
            ));
        }
        (Some(d), None) => Burst::Duration {
            // Click reads the duration in milliseconds.
            ns: u64::try_from(d.0.as_millis()).unwrap_or(u64::MAX / 1_000_000) * 1_000_000,
        },
        (None, Some(n)) => Burst::Size(n as u64),
        (None, None) => Burst::Duration { ns: 20_000_000 },
    };
    Ok(Box::new(RatedUnqueue {
        bucket: TokenBucket::new(rate, burst.capacity(rate)),
        burst,
        active,
        runs: 0,
        empty_runs: 0,
        pushes: 0,
        failed_pulls: 0,
        batch: PacketBatch::new(),
    }))
}

impl Element for RatedUnqueue {
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
        self.bucket.refill(now);
        let tokens = self.bucket.tokens();
        if tokens == 0 {
            self.empty_runs += 1;
            return TaskStatus::Idle(self.bucket.next_token_at(now));
        }
        let want = tokens.min(MAX_BATCH as u64) as usize;
        cx.pull_input(0, want, &mut self.batch);
        if self.batch.is_empty() {
            self.failed_pulls += 1;
            self.empty_runs += 1;
            return TaskStatus::Idle(None);
        }
        let got = self.batch.len() as u64;
        self.bucket.remove(got);
        self.pushes += got;
        out.forward(0, &mut self.batch);
        TaskStatus::Worked
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "rate" => Ok(self.bucket.rate().to_string()),
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
            "rate" => {
                let rate: u32 = parse_handler_value(name, value)?;
                let rate = rate as u64;
                self.bucket.assign(rate, self.burst.capacity(rate));
            }
            "active" => self.active = parse_handler_value(name, value)?,
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standard::null::harness::Harness;

    const MS: u64 = 1_000_000;

    #[test]
    fn capacity_rules() {
        let d = Burst::Duration { ns: 20 * MS };
        assert_eq!(d.capacity(1000), 20);
        assert_eq!(d.capacity(10), 1);
        assert_eq!(d.capacity(0), 1);
        assert_eq!(Burst::Size(1).capacity(100_000), 100);
        assert_eq!(Burst::Size(5).capacity(10), 5);
        assert_eq!(Burst::Size(0).capacity(10), 1);
    }

    #[test]
    fn moves_packets_at_the_rate() {
        let h = Harness::new("Idle -> q :: Queue -> r :: RatedUnqueue(1000) -> c :: Collect;");
        let data = [0u8; 4];
        let datas: Vec<&[u8]> = (0..100).map(|_| &data[..]).collect();
        h.inject("q", 0, &datas);
        let mut s = h.router.stepper();
        assert_eq!(s.step(), TaskStatus::Worked);
        assert_eq!(h.read("c.count"), "20", "a full bucket: 20 ms at 1000/s");
        assert_eq!(s.step(), TaskStatus::Idle(Some(MS)));
        h.clock.advance(10 * MS);
        assert_eq!(s.step(), TaskStatus::Worked);
        assert_eq!(h.read("c.count"), "30");
        h.clock.advance(1000 * MS);
        s.step();
        assert_eq!(h.read("c.count"), "50", "the bucket holds at most 20");
        assert_eq!(h.read("q.length"), "50");
        h.write("r.active", "false").unwrap();
        h.clock.advance(1000 * MS);
        assert_eq!(s.step(), TaskStatus::Idle(None));
        assert_eq!(h.read("c.count"), "50");
        h.write("r.active", "true").unwrap();
        h.write("r.rate", "100000").unwrap();
        assert_eq!(h.read("r.rate"), "100000");
        h.clock.advance(1000 * MS);
        s.step();
        assert_eq!(h.read("c.count"), "100");
        assert_eq!(s.step(), TaskStatus::Idle(None));
        assert_eq!(
            h.read("r.calls"),
            "7 calls to run_task()\n2 empty runs\n100 pushes\n1 failed pulls\n"
        );
    }

    #[test]
    fn arguments() {
        assert!(Harness::try_new("Idle -> Queue -> RatedUnqueue -> Discard;").is_err());
        assert!(
            Harness::try_new(
                "Idle -> Queue -> RatedUnqueue(10, BURST_SIZE 4, BURST_DURATION 1) -> Discard;"
            )
            .is_err()
        );
        let h = Harness::new(
            "Idle -> q :: Queue -> r :: RatedUnqueue(10, BURST_SIZE 4) -> c :: Collect;",
        );
        h.inject("q", 0, &[b"a", b"b", b"c", b"d", b"e"]);
        h.router.stepper().step();
        assert_eq!(h.read("c.count"), "4");
    }
}
