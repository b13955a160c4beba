//! TimedSource — generates a packet every INTERVAL.
//!
//! ## Synopsis
//! `TimedSource([INTERVAL, DATA, KEYWORDS])`
//!
//! ## Ports
//! No inputs; 1 output, push.
//!
//! ## Description
//! Pushes a packet holding DATA once every INTERVAL, the first one INTERVAL
//! after the router starts. Each packet is due INTERVAL after the previous
//! one was due, so a late run catches up. Once LIMIT packets are sent, the
//! element stops the router an INTERVAL after the last packet if STOP is
//! true. Packets are stamped with the time they were sent.
//!
//! ## Arguments
//! - `INTERVAL` (time, default 0.5 s): time between packets; must be
//!   positive.
//! - `DATA` (string, default Click's 69-byte filler text): the packet bytes.
//! - `LIMIT` (integer, default -1): packets to send; negative is no limit.
//! - `ACTIVE` (bool, default true): whether to send packets.
//! - `STOP` (bool, default false): stop the router once LIMIT is reached.
//! - `HEADROOM` (integer, default Switchyard's default headroom): bytes of
//!   headroom in each packet.
//!
//! ## Handlers
//! - `count` (read): packets sent.
//! - `reset` (write): zero `count`; sends a packet at once if the timer had
//!   stopped.
//! - `data`, `limit`, `interval`, `active`, `headroom` (read/write): as the
//!   arguments. Activating an inactive source sends a packet at once.
//!
//! ## Differences from Click
//! The default headroom is Switchyard's rather than Click's.
//! Once LIMIT is reached and the last interval has passed, the task ends,
//! so a later write to `reset` or `limit` does not restart it. Each packet
//! gets its own buffer and copy of DATA (Click hands out clones).
//! A write to `data` is read with the argument syntax (quotes, `\<hex>`);
//! Click takes the written text as it is.
//!
//! ## Example
//! ```text
//! TimedSource(INTERVAL 0.333) -> Print(tick) -> Discard;
//! ```

use std::any::Any;
use std::sync::Arc;

use clickconf::args::{Args, Bytes, Seconds};
use engine::{
    BuildContext, Clock, ConfigError, Element, ElementSpec, HandlerError, HandlerSpec, InitContext,
    Output, TaskContext, TaskStatus,
};
use packet::{BUFFER_CAPACITY, DEFAULT_HEADROOM, MAX_BATCH, Packet, Timestamp};

use crate::standard::infinitesource::DEFAULT_DATA;
use crate::util::parse_handler_value;

pub const SPEC: ElementSpec = ElementSpec {
    class: "TimedSource",
    ports: "0/1",
    processing: "h/h",
    source: include_str!("timedsource.rs"),
    drop_reasons: &[],
    handlers: &[
        HandlerSpec::read("count", "packets sent"),
        HandlerSpec::write("reset", "zero count and restart the timer"),
        HandlerSpec::read_write("data", "packet contents"),
        HandlerSpec::read_write("limit", "packets to send; -1 is no limit"),
        HandlerSpec::read_write("interval", "time between packets"),
        HandlerSpec::read_write("active", "whether to send packets"),
        HandlerSpec::read_write("headroom", "bytes of headroom per packet"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

const NS_PER_SEC: u64 = 1_000_000_000;

pub struct TimedSource {
    data: Vec<u8>,
    interval_ns: u64,
    limit: i64,
    active: bool,
    stop: bool,
    headroom: usize,
    count: u64,
    /// When the timer fires next, if it is scheduled.
    next_ns: Option<u64>,
    /// The first run has not happened yet: the timer starts then.
    unstarted: bool,
    clock: Arc<dyn Clock>,
}

/// Click's rendering of an interval: `500ms`, `20us`, `7ns` below a second,
/// else a timestamp as Click prints one (see [`click_timestamp`]) and `s`.
pub(crate) fn unparse_interval(ns: u64) -> String {
    if ns < NS_PER_SEC {
        if ns.is_multiple_of(1_000_000) {
            format!("{}ms", ns / 1_000_000)
        } else if ns.is_multiple_of(1000) {
            format!("{}us", ns / 1000)
        } else {
            format!("{ns}ns")
        }
    } else {
        format!("{}s", click_timestamp(Timestamp(ns)))
    }
}

/// A timestamp as Click prints one: seconds, a dot, and six decimals when
/// the time is a whole number of microseconds, else nine.
pub(crate) fn click_timestamp(t: Timestamp) -> String {
    if t.nsec().is_multiple_of(1000) {
        format!("{}.{:06}", t.sec(), t.usec())
    } else {
        format!("{}.{:09}", t.sec(), t.nsec())
    }
}

/// A packet holding `data` with exactly `headroom` bytes in front of it.
pub(crate) fn packet_with_headroom(headroom: usize, data: &[u8]) -> Option<Packet> {
    let mut p = Packet::new();
    if headroom >= DEFAULT_HEADROOM {
        let extra = headroom - DEFAULT_HEADROOM;
        p.put(extra).ok()?;
        p.pull(extra).ok()?;
    } else {
        let less = DEFAULT_HEADROOM - headroom;
        p.push(less).ok()?;
        p.take(less).ok()?;
    }
    p.extend_from_slice(data).ok()?;
    Some(p)
}

fn check_fits(headroom: usize, len: usize) -> Result<(), String> {
    if headroom.saturating_add(len) > BUFFER_CAPACITY {
        Err(format!(
            "{len} bytes of data and {headroom} of headroom exceed the buffer size {BUFFER_CAPACITY}"
        ))
    } else {
        Ok(())
    }
}

fn seconds_ns(s: Seconds) -> u64 {
    u64::try_from(s.0.as_nanos()).unwrap_or(u64::MAX)
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let interval_ns = args
        .read_p::<Seconds>("INTERVAL")?
        .map_or(NS_PER_SEC / 2, seconds_ns);
    let data = args
        .read_p::<Bytes>("DATA")?
        .map_or_else(|| DEFAULT_DATA.to_vec(), |b| b.0);
    let limit = args.read::<i64>("LIMIT")?.unwrap_or(-1);
    let active = args.read::<bool>("ACTIVE")?.unwrap_or(true);
    let stop = args.read::<bool>("STOP")?.unwrap_or(false);
    let headroom = args.read::<usize>("HEADROOM")?.unwrap_or(DEFAULT_HEADROOM);
    if interval_ns == 0 {
        return Err(ConfigError::msg("INTERVAL must be positive"));
    }
    check_fits(headroom, data.len()).map_err(ConfigError::msg)?;
    Ok(Box::new(TimedSource {
        data,
        interval_ns,
        limit,
        active,
        stop,
        headroom,
        count: 0,
        next_ns: None,
        unstarted: true,
        clock: cx.clock.clone(),
    }))
}

impl TimedSource {
    fn limit_reached(&self) -> bool {
        self.limit >= 0 && self.count >= self.limit as u64
    }

    /// Click's `schedule_now` when the timer is not scheduled.
    fn wake(&mut self) {
        if self.next_ns.is_none() && self.active && !self.unstarted {
            self.next_ns = Some(self.clock.monotonic_ns());
        }
    }
}

impl Element for TimedSource {
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), ConfigError> {
        cx.schedule_task();
        Ok(())
    }

    fn run_task(&mut self, cx: &mut TaskContext<'_>, out: &mut Output) -> TaskStatus {
        let now = cx.clock().monotonic_ns();
        if self.unstarted {
            self.unstarted = false;
            if self.active {
                self.next_ns = Some(now.saturating_add(self.interval_ns));
            }
        }
        let mut sent = 0;
        while let Some(due) = self.next_ns {
            if due > now {
                break;
            }
            if !self.active {
                self.next_ns = None;
                break;
            }
            if self.limit_reached() {
                self.next_ns = None;
                if self.stop {
                    cx.stop_router();
                }
                if sent > 0 {
                    return TaskStatus::Worked;
                }
                return TaskStatus::Done;
            }
            if sent == MAX_BATCH {
                return TaskStatus::Worked;
            }
            // The length was checked against the buffer size when set.
            if let Some(mut p) = packet_with_headroom(self.headroom, &self.data) {
                p.anno_mut().timestamp = cx.clock().wall();
                out.emit(0, p);
            }
            self.count += 1;
            sent += 1;
            self.next_ns = Some(due.saturating_add(self.interval_ns));
        }
        if sent > 0 {
            TaskStatus::Worked
        } else {
            TaskStatus::Idle(self.next_ns)
        }
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "count" => Ok(self.count.to_string()),
            "data" => Ok(String::from_utf8_lossy(&self.data).into_owned()),
            "limit" => Ok(self.limit.to_string()),
            "interval" => Ok(unparse_interval(self.interval_ns)),
            "active" => Ok(self.active.to_string()),
            "headroom" => Ok(self.headroom.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "reset" => {
                self.count = 0;
                self.wake();
            }
            "data" => {
                let bytes: Bytes = parse_handler_value(name, value)?;
                check_fits(self.headroom, bytes.0.len()).map_err(HandlerError::BadValue)?;
                self.data = bytes.0;
            }
            "limit" => self.limit = parse_handler_value(name, value)?,
            "interval" => {
                let s: Seconds = parse_handler_value(name, value)?;
                let ns = seconds_ns(s);
                if ns == 0 {
                    return Err(HandlerError::BadValue("bad interval".into()));
                }
                self.interval_ns = ns;
            }
            "active" => {
                self.active = parse_handler_value(name, value)?;
                self.wake();
            }
            "headroom" => {
                let headroom: usize = parse_handler_value(name, value)?;
                check_fits(headroom, self.data.len()).map_err(HandlerError::BadValue)?;
                self.headroom = headroom;
            }
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
    fn interval_text_is_clicks() {
        assert_eq!(unparse_interval(500 * MS), "500ms");
        assert_eq!(unparse_interval(20_000), "20us");
        assert_eq!(unparse_interval(7), "7ns");
        assert_eq!(unparse_interval(1_500 * MS), "1.500000s");
        assert_eq!(unparse_interval(NS_PER_SEC + 1), "1.000000001s");
        assert_eq!(click_timestamp(Timestamp::new(5, 7_000)), "5.000007");
        assert_eq!(click_timestamp(Timestamp::new(5, 7_001)), "5.000007001");
    }

    #[test]
    fn headroom_is_exact() {
        for h in [0, 1, 60, DEFAULT_HEADROOM, DEFAULT_HEADROOM + 1, 500] {
            let p = packet_with_headroom(h, b"xyz").unwrap();
            assert_eq!(p.headroom(), h);
            assert_eq!(p.data(), b"xyz");
        }
        assert!(packet_with_headroom(BUFFER_CAPACITY, b"x").is_none());
    }

    #[test]
    fn sends_every_interval_then_stops() {
        let h =
            Harness::new("s :: TimedSource(0.1, \\<aa bb>, LIMIT 2, STOP true) -> c :: Collect;");
        let mut st = h.router.stepper();
        assert_eq!(st.step(), TaskStatus::Idle(Some(100 * MS)));
        h.clock.advance(99 * MS);
        assert_eq!(st.step(), TaskStatus::Idle(Some(100 * MS)));
        h.clock.advance(MS);
        assert_eq!(st.step(), TaskStatus::Worked);
        assert_eq!(h.read("c.log"), "aabb p0\n");
        h.clock.advance(100 * MS);
        assert_eq!(st.step(), TaskStatus::Worked);
        assert_eq!(h.read("s.count"), "2");
        assert!(!h.stopped());
        assert_eq!(st.step(), TaskStatus::Idle(Some(300 * MS)));
        h.clock.advance(100 * MS);
        assert_eq!(st.step(), TaskStatus::Done);
        assert!(h.stopped());
        assert_eq!(h.read("c.count"), "2");
    }

    #[test]
    fn late_runs_catch_up() {
        let h = Harness::new("s :: TimedSource(INTERVAL 10ms) -> c :: Collect;");
        let mut st = h.router.stepper();
        st.step();
        h.clock.advance(55 * MS);
        assert_eq!(st.step(), TaskStatus::Worked);
        assert_eq!(h.read("c.count"), "5");
        assert_eq!(st.step(), TaskStatus::Idle(Some(60 * MS)));
    }

    #[test]
    fn handlers() {
        let h = Harness::new("s :: TimedSource(ACTIVE false, DATA x) -> c :: Collect;");
        let mut st = h.router.stepper();
        assert_eq!(st.step(), TaskStatus::Idle(None));
        assert_eq!(h.read("s.interval"), "500ms");
        assert_eq!(h.read("s.active"), "false");
        assert_eq!(h.read("s.data"), "x");
        h.write("s.interval", "2").unwrap();
        assert_eq!(h.read("s.interval"), "2.000000s");
        assert!(h.write("s.interval", "0").is_err());
        h.write("s.active", "true").unwrap();
        assert_eq!(st.step(), TaskStatus::Worked, "activation sends at once");
        assert_eq!(h.read("c.log"), "78 p0\n");
        assert_eq!(st.step(), TaskStatus::Idle(Some(2_000 * MS)));
        h.write("s.headroom", "3").unwrap();
        assert_eq!(h.read("s.headroom"), "3");
        assert!(h.write("s.headroom", "100000").is_err());
    }
}
