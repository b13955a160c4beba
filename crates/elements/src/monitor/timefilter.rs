//! TimeFilter — passes packets whose timestamps fall in a time range.
//!
//! ## Synopsis
//! `TimeFilter([START, END, keywords START_AFTER, END_AFTER, START_DELAY, END_DELAY, INTERVAL, STOP])`
//!
//! ## Ports
//! 1 input, 1 or 2 outputs; push.
//!
//! ## Description
//! Packets whose timestamp annotation is at or after the start and before
//! the end leave on output 0; others leave on output 1 if it is
//! connected, else are dropped (reason `out_of_range`). The start is START
//! (seconds since the epoch), or START_AFTER seconds after the first
//! packet's timestamp, or START_DELAY seconds after the router starts;
//! likewise the end with END, END_AFTER, END_DELAY, or INTERVAL (seconds
//! after the start). With STOP true the router stops when a packet at or
//! past the end arrives.
//!
//! ## Arguments
//! - `START`, `END`: absolute times.
//! - `START_AFTER`, `END_AFTER`, `START_DELAY`, `END_DELAY`, `INTERVAL`:
//!   relative times, as above (each side takes one form).
//! - `STOP` (default false): stop the router at the end.
//!
//! ## Differences from Click
//! - END_CALL is not supported (STOP is).
//!
//! ## Example
//! ```text
//! FromDump(trace.pcap, STOP true) -> TimeFilter(START_AFTER 10, INTERVAL 60) -> ...
//! ```

use std::sync::Arc;

use clickconf::args::{Args, Seconds};
use engine::{
    BuildContext, Clock, ConfigError, DropReason, Element, ElementSpec, InitContext, Output,
    TaskContext, TaskStatus,
};
use packet::PacketBatch;

pub const SPEC: ElementSpec = ElementSpec {
    class: "TimeFilter",
    ports: "1/1-2",
    processing: "h/h",
    source: include_str!("timefilter.rs"),
    drop_reasons: &["out_of_range"],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Anchor {
    Absolute,
    FirstPacket,
    Start,
    Init,
}

struct TimeFilter {
    first: (u64, Anchor),
    last: Option<(u64, Anchor)>,
    ready: bool,
    stop: bool,
    stop_now: bool,
    reject: Option<usize>,
    clock: Arc<dyn Clock>,
}

fn ns(s: Seconds) -> u64 {
    u64::try_from(s.0.as_nanos()).unwrap_or(u64::MAX)
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let start = args.read_p::<Seconds>("START")?;
    let end = args.read_p::<Seconds>("END")?;
    let start_delay = args.read::<Seconds>("START_DELAY")?;
    let end_delay = args.read::<Seconds>("END_DELAY")?;
    let start_after = args.read::<Seconds>("START_AFTER")?;
    let end_after = args.read::<Seconds>("END_AFTER")?;
    let interval = args.read::<Seconds>("INTERVAL")?;
    let stop = args.read::<bool>("STOP")?.unwrap_or(false);
    let first = match (start, start_after, start_delay) {
        (Some(s), None, None) => (ns(s), Anchor::Absolute),
        (None, Some(s), None) => (ns(s), Anchor::FirstPacket),
        (None, None, Some(s)) => (ns(s), Anchor::Init),
        (None, None, None) => (0, Anchor::FirstPacket),
        _ => {
            return Err(ConfigError::msg(
                "START, START_AFTER and START_DELAY are mutually exclusive",
            ));
        }
    };
    let last = match (end, end_after, end_delay, interval) {
        (Some(s), None, None, None) => Some((ns(s), Anchor::Absolute)),
        (None, Some(s), None, None) => Some((ns(s), Anchor::FirstPacket)),
        (None, None, Some(s), None) => Some((ns(s), Anchor::Init)),
        (None, None, None, Some(s)) => Some((ns(s), Anchor::Start)),
        (None, None, None, None) => None,
        _ => {
            return Err(ConfigError::msg(
                "END, END_AFTER, END_DELAY and INTERVAL are mutually exclusive",
            ));
        }
    };
    Ok(Box::new(TimeFilter {
        first,
        last,
        ready: false,
        stop,
        stop_now: false,
        reject: (cx.noutputs > 1).then_some(1),
        clock: cx.clock.clone(),
    }))
}

impl TimeFilter {
    /// Turns relative times into absolute ones at the first packet.
    fn settle(&mut self, first_packet: u64) {
        if self.first.1 == Anchor::FirstPacket {
            self.first = (self.first.0.saturating_add(first_packet), Anchor::Absolute);
        }
        if let Some((t, anchor)) = self.last {
            let t = match anchor {
                Anchor::FirstPacket => t.saturating_add(first_packet),
                Anchor::Start => t.saturating_add(self.first.0),
                _ => t,
            };
            self.last = Some((t, Anchor::Absolute));
        }
        self.ready = true;
    }
}

impl Element for TimeFilter {
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), ConfigError> {
        let now = self.clock.wall().0;
        if self.first.1 == Anchor::Init {
            self.first = (self.first.0.saturating_add(now), Anchor::Absolute);
        }
        if let Some((t, Anchor::Init)) = self.last {
            self.last = Some((t.saturating_add(now), Anchor::Absolute));
        }
        if self.stop {
            cx.schedule_task();
        }
        Ok(())
    }

    fn push(&mut self, _port: usize, batch: &mut PacketBatch, out: &mut Output) {
        for p in batch.drain() {
            let t = p.anno().timestamp.0;
            if !self.ready {
                self.settle(t);
            }
            let past_end = self.last.is_some_and(|(end, _)| t >= end);
            if past_end && self.stop {
                self.stop_now = true;
            }
            if t < self.first.0 || past_end {
                match self.reject {
                    Some(port) => out.emit(port, p),
                    None => out.drop(p, DropReason(0)),
                }
            } else {
                out.emit(0, p);
            }
        }
    }

    fn run_task(&mut self, cx: &mut TaskContext<'_>, _out: &mut Output) -> TaskStatus {
        if self.stop_now {
            cx.stop_router();
            return TaskStatus::Done;
        }
        TaskStatus::Idle(None)
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
