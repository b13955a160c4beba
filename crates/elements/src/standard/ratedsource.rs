//! RatedSource — generates packets at a given rate.
//!
//! ## Synopsis
//! `RatedSource([DATA, RATE, LIMIT, ACTIVE, KEYWORDS])`
//!
//! ## Ports
//! No inputs; 1 output, agnostic.
//!
//! ## Description
//! Makes packets holding DATA, at most RATE packets per second, and at most
//! LIMIT of them. The rate is kept by a token bucket on the router's clock
//! that holds up to 2 packets' worth of tokens (RATE/100 when RATE is 200 or
//! more) and starts full. In push mode its task sends as many packets as the
//! bucket allows each time it runs and otherwise sleeps until the next token
//! is due; in pull mode a pull gets packets only while tokens last. Packets
//! are stamped with the time they were made.
//!
//! ## Arguments
//! - `DATA` (string, default Click's 69-byte filler text): the packet bytes.
//! - `RATE` (integer, default 10): packets per second.
//! - `LIMIT` (integer, default -1): packets to make; negative is no limit.
//! - `ACTIVE` (bool, default true): whether to make packets.
//! - `LENGTH` / `DATASIZE` (integer): packet length; DATA is cut, or repeated
//!   to fill, to this length.
//! - `BANDWIDTH` (bandwidth): sets RATE to BANDWIDTH divided by the packet
//!   length.
//! - `STOP` (bool, default false): stop the router once LIMIT is reached.
//!
//! ## Handlers
//! - `count` (read): packets made.
//! - `reset` (write): zero `count` and start again towards LIMIT.
//! - `data`, `rate`, `limit`, `active` (read/write): as the arguments.
//! - `length`, `datasize` (read/write): the LENGTH argument; -1 when unset.
//!
//! ## Differences from Click
//! Click sends one packet per task run; here a run sends every packet the
//! bucket allows (up to a batch of 256), so the long-run rate is the same
//! and bursts are as large as the bucket. Time is measured in nanoseconds,
//! not in Click's millisecond ticks. When LIMIT is reached the task ends, so
//! a later write to `reset` or `limit` does not restart a push source. Each
//! packet gets its own buffer and copy of DATA (Click hands out clones).
//! A write to `data` is read with the argument syntax (quotes, `\<hex>`);
//! Click takes the written text as it is. Writing `data` keeps LENGTH
//! (Click's write forgets it).
//!
//! ## Example
//! ```text
//! RatedSource(\<0800>, 10, 1000) -> Queue -> Discard;
//! ```

use std::any::Any;
use std::sync::Arc;

use clickconf::args::{Args, Bandwidth, Bytes};
use engine::{
    BuildContext, Clock, ConfigError, Element, ElementSpec, HandlerError, HandlerSpec, InitContext,
    Output, Processing, TaskContext, TaskStatus,
};
use packet::{MAX_BATCH, MAX_PACKET_LEN, Packet, PacketBatch};

use crate::standard::infinitesource::DEFAULT_DATA;
use crate::util::parse_handler_value;

pub const SPEC: ElementSpec = ElementSpec {
    class: "RatedSource",
    ports: "0/1",
    processing: "a/a",
    source: include_str!("ratedsource.rs"),
    drop_reasons: &[],
    handlers: &[
        HandlerSpec::read("count", "packets made"),
        HandlerSpec::write("reset", "zero count and start again towards LIMIT"),
        HandlerSpec::read_write("data", "packet contents"),
        HandlerSpec::read_write("rate", "packets per second"),
        HandlerSpec::read_write("limit", "packets to make; -1 is no limit"),
        HandlerSpec::read_write("active", "whether to make packets"),
        HandlerSpec::read_write("length", "packet length; -1 is the length of DATA"),
        HandlerSpec::read_write("datasize", "same as length (deprecated)"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

const NS_PER_SEC: u64 = 1_000_000_000;

/// A token bucket measured on the router's monotonic clock in nanoseconds.
///
/// One token is `NS_PER_SEC` units of fill; `rate` tokens per second add
/// `rate` units per nanosecond, so refills are exact integer arithmetic and
/// a run is the same every time under a manual clock. Like Click's, a new
/// bucket fills completely at its first refill, unless its rate is zero.
#[derive(Debug, Clone)]
pub(crate) struct TokenBucket {
    rate: u64,
    capacity: u64,
    /// Fill in units of 1/NS_PER_SEC token.
    level: u64,
    last_ns: Option<u64>,
}

impl TokenBucket {
    /// A bucket filling at `rate` tokens per second that holds at most
    /// `capacity` tokens (at least 1).
    pub(crate) fn new(rate: u64, capacity: u64) -> TokenBucket {
        TokenBucket {
            rate,
            capacity: capacity.max(1),
            level: 0,
            last_ns: None,
        }
    }

    fn max_level(&self) -> u64 {
        self.capacity.saturating_mul(NS_PER_SEC)
    }

    pub(crate) fn rate(&self) -> u64 {
        self.rate
    }

    /// Changes rate and capacity, keeping the tokens held (up to the new
    /// capacity).
    pub(crate) fn assign(&mut self, rate: u64, capacity: u64) {
        self.rate = rate;
        self.capacity = capacity.max(1);
        self.level = self.level.min(self.max_level());
    }

    /// Sets the bucket to hold `tokens` tokens (up to its capacity).
    pub(crate) fn set(&mut self, tokens: u64) {
        self.level = tokens.saturating_mul(NS_PER_SEC).min(self.max_level());
    }

    /// Adds the tokens earned since the last refill.
    pub(crate) fn refill(&mut self, now_ns: u64) {
        let max = self.max_level();
        match self.last_ns {
            None if self.rate > 0 => self.level = max,
            Some(last) if self.rate > 0 => {
                let elapsed = now_ns.saturating_sub(last) as u128;
                let add = elapsed.saturating_mul(self.rate as u128);
                self.level = (self.level as u128 + add).min(max as u128) as u64;
            }
            _ => {}
        }
        self.last_ns = Some(self.last_ns.map_or(now_ns, |l| l.max(now_ns)));
    }

    /// Whole tokens held.
    pub(crate) fn tokens(&self) -> u64 {
        self.level / NS_PER_SEC
    }

    /// Removes `n` tokens (or all there are).
    pub(crate) fn remove(&mut self, n: u64) {
        self.level = self.level.saturating_sub(n.saturating_mul(NS_PER_SEC));
    }

    /// The monotonic time at which the bucket will hold one whole token, or
    /// `None` if it never will (rate 0).
    pub(crate) fn next_token_at(&self, now_ns: u64) -> Option<u64> {
        if self.level >= NS_PER_SEC {
            return Some(now_ns);
        }
        if self.rate == 0 {
            return None;
        }
        let missing = NS_PER_SEC - self.level;
        Some(now_ns.saturating_add(missing.div_ceil(self.rate)))
    }

    /// The monotonic time at which the bucket will hold `n` whole tokens
    /// (`None`: never, at rate 0 or beyond its capacity).
    pub(crate) fn tokens_at(&self, now_ns: u64, n: u64) -> Option<u64> {
        let want = n.saturating_mul(NS_PER_SEC);
        if self.level >= want {
            return Some(now_ns);
        }
        if self.rate == 0 || n > self.capacity {
            return None;
        }
        Some(now_ns.saturating_add((want - self.level).div_ceil(self.rate)))
    }
}

/// Click's burst for a rate: two packets, or a hundredth of a second's worth.
fn burst_for(rate: u64) -> u64 {
    if rate < 200 { 2 } else { rate / 100 }
}

pub struct RatedSource {
    data: Vec<u8>,
    /// The packet bytes: DATA fitted to LENGTH.
    packet: Vec<u8>,
    datasize: i64,
    limit: i64,
    active: bool,
    stop: bool,
    count: u64,
    bucket: TokenBucket,
    push: bool,
    clock: Arc<dyn Clock>,
}

/// DATA cut to `datasize` bytes, or repeated until it fills them (zeros
/// when DATA is empty); an error if the result would not fit in a packet.
fn fit(data: &[u8], datasize: i64) -> Result<Vec<u8>, String> {
    let len = usize::try_from(datasize).unwrap_or(data.len());
    check_length(len)?;
    Ok(if len <= data.len() {
        data[..len].to_vec()
    } else if data.is_empty() {
        vec![0; len]
    } else {
        data.iter().copied().cycle().take(len).collect()
    })
}

fn check_length(len: usize) -> Result<(), String> {
    if len > MAX_PACKET_LEN {
        Err(format!(
            "packet length {len} exceeds the maximum {MAX_PACKET_LEN}"
        ))
    } else {
        Ok(())
    }
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let data = args
        .read_p::<Bytes>("DATA")?
        .map_or_else(|| DEFAULT_DATA.to_vec(), |b| b.0);
    let mut rate = args.read_p::<u32>("RATE")?.unwrap_or(10) as u64;
    let limit = args.read_p::<i64>("LIMIT")?.unwrap_or(-1);
    let active = args.read_p::<bool>("ACTIVE")?.unwrap_or(true);
    let length = args.read::<i64>("LENGTH")?;
    let datasize = args.read::<i64>("DATASIZE")?.or(length).unwrap_or(-1);
    let stop = args.read::<bool>("STOP")?.unwrap_or(false);
    let bandwidth = args.read::<Bandwidth>("BANDWIDTH")?;
    let packet = fit(&data, datasize).map_err(ConfigError::msg)?;
    let mut burst = burst_for(rate);
    if let Some(bw) = bandwidth {
        let bytes_per_sec = bw.0;
        if bytes_per_sec > 0 {
            rate = bytes_per_sec / (packet.len().max(1) as u64);
            burst = burst_for(rate);
            if datasize > 0 {
                burst = burst.max(2 * datasize as u64);
            }
        }
    }
    // Click starts the bucket with one token, so that even a zero RATE
    // sends one packet.
    let mut bucket = TokenBucket::new(rate, burst);
    bucket.set(1);
    Ok(Box::new(RatedSource {
        data,
        packet,
        datasize,
        limit,
        active,
        stop,
        count: 0,
        bucket,
        push: true,
        clock: cx.clock.clone(),
    }))
}

impl RatedSource {
    /// Packets still to make before LIMIT, capped at `want`.
    fn allowance(&self, want: usize) -> usize {
        if self.limit < 0 {
            want
        } else {
            (self.limit as u64)
                .saturating_sub(self.count)
                .min(want as u64) as usize
        }
    }

    fn limit_reached(&self) -> bool {
        self.limit >= 0 && self.count >= self.limit as u64
    }

    /// Makes up to `want` packets that the bucket allows; returns how many.
    fn make_into(&mut self, want: usize, now_ns: u64, emit: &mut impl FnMut(Packet)) -> usize {
        self.bucket.refill(now_ns);
        let n = self.bucket.tokens().min(want as u64) as usize;
        if n == 0 {
            return 0;
        }
        self.bucket.remove(n as u64);
        let stamp = self.clock.wall();
        for _ in 0..n {
            let mut p = Packet::new();
            // The length was checked against MAX_PACKET_LEN when set.
            let _ = p.reset_with(&self.packet);
            p.anno_mut().timestamp = stamp;
            emit(p);
        }
        self.count += n as u64;
        n
    }

    fn set_packet(&mut self, data: Vec<u8>, datasize: i64) -> Result<(), HandlerError> {
        let packet = fit(&data, datasize).map_err(HandlerError::BadValue)?;
        self.data = data;
        self.datasize = datasize;
        self.packet = packet;
        Ok(())
    }
}

impl Element for RatedSource {
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), ConfigError> {
        self.push = cx.output(0) == Processing::Push;
        if self.push {
            cx.schedule_task();
        }
        Ok(())
    }

    fn run_task(&mut self, cx: &mut TaskContext<'_>, out: &mut Output) -> TaskStatus {
        if !self.active {
            return TaskStatus::Idle(None);
        }
        if self.limit_reached() {
            if self.stop {
                cx.stop_router();
            }
            return TaskStatus::Done;
        }
        let now = cx.clock().monotonic_ns();
        let want = self.allowance(MAX_BATCH);
        if self.make_into(want, now, &mut |p| out.emit(0, p)) > 0 {
            if self.limit_reached() && self.stop {
                cx.stop_router();
            }
            return TaskStatus::Worked;
        }
        TaskStatus::Idle(self.bucket.next_token_at(now))
    }

    fn pull(
        &mut self,
        _port: usize,
        max: usize,
        cx: &mut TaskContext<'_>,
        into: &mut PacketBatch,
        _out: &mut Output,
    ) {
        if !self.active {
            return;
        }
        if self.limit_reached() {
            if self.stop {
                cx.stop_router();
            }
            return;
        }
        let now = cx.clock().monotonic_ns();
        let want = self.allowance(max);
        self.make_into(want, now, &mut |p| into.push(p));
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "count" => Ok(self.count.to_string()),
            "data" => Ok(String::from_utf8_lossy(&self.data).into_owned()),
            "rate" => Ok(self.bucket.rate().to_string()),
            "limit" => Ok(if self.limit < 0 {
                "-1".to_string()
            } else {
                self.limit.to_string()
            }),
            "active" => Ok(self.active.to_string()),
            "length" | "datasize" => Ok(self.datasize.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "reset" => {
                self.count = 0;
                self.bucket.set(1);
            }
            "data" => {
                let bytes: Bytes = parse_handler_value(name, value)?;
                self.set_packet(bytes.0, self.datasize)?;
            }
            "rate" => {
                let rate: u32 = parse_handler_value(name, value)?;
                let rate = rate as u64;
                self.bucket.assign(rate, burst_for(rate));
            }
            "limit" => self.limit = parse_handler_value(name, value)?,
            "active" => {
                let active: bool = parse_handler_value(name, value)?;
                if active && !self.active {
                    self.bucket.set(1);
                }
                self.active = active;
            }
            "length" | "datasize" => {
                let datasize: i64 = parse_handler_value(name, value)?;
                self.set_packet(self.data.clone(), datasize)?;
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

    #[test]
    fn bucket_starts_full_and_refills_at_rate() {
        let mut b = TokenBucket::new(10, 2);
        b.refill(5);
        assert_eq!(b.tokens(), 2);
        b.remove(2);
        assert_eq!(b.tokens(), 0);
        assert_eq!(b.next_token_at(5), Some(5 + 100_000_000));
        b.refill(5 + 99_999_999);
        assert_eq!(b.tokens(), 0);
        b.refill(5 + 100_000_000);
        assert_eq!(b.tokens(), 1);
        b.refill(10 * NS_PER_SEC);
        assert_eq!(b.tokens(), 2, "capped at capacity");
        let mut idle = TokenBucket::new(0, 1);
        idle.refill(0);
        assert_eq!(idle.tokens(), 0, "an idle bucket does not fill");
        assert_eq!(idle.next_token_at(0), None);
        idle.set(1);
        idle.refill(NS_PER_SEC);
        assert_eq!(idle.tokens(), 1);
    }

    #[test]
    fn bucket_never_overflows() {
        let mut b = TokenBucket::new(u32::MAX as u64, u32::MAX as u64);
        b.refill(0);
        b.refill(u64::MAX);
        assert_eq!(b.tokens(), u32::MAX as u64);
        b.remove(u64::MAX);
        assert_eq!(b.tokens(), 0);
    }

    #[test]
    fn fit_cuts_or_repeats() {
        assert_eq!(fit(b"abc", -1).unwrap(), b"abc");
        assert_eq!(fit(b"abc", 2).unwrap(), b"ab");
        assert_eq!(fit(b"abc", 7).unwrap(), b"abcabca");
        assert_eq!(fit(b"", 3).unwrap(), [0, 0, 0]);
        assert!(fit(b"abc", i64::MAX).is_err());
        assert!(fit(b"abc", MAX_PACKET_LEN as i64 + 1).is_err());
    }

    #[test]
    fn sends_at_the_rate() {
        let h = Harness::new(
            "src :: RatedSource(\\<0800>, 10, 5, STOP true) -> c :: Counter -> Discard;",
        );
        let mut s = h.router.stepper();
        // The bucket starts with two tokens.
        assert_eq!(s.step(), TaskStatus::Worked);
        assert_eq!(h.read("c.count"), "2");
        match s.step() {
            TaskStatus::Idle(Some(at)) => assert_eq!(at, 100_000_000),
            other => panic!("expected a timed idle, got {other:?}"),
        }
        h.clock.advance(100_000_000);
        assert_eq!(s.step(), TaskStatus::Worked);
        assert_eq!(h.read("c.count"), "3");
        h.clock.advance(1_000_000_000);
        assert_eq!(s.step(), TaskStatus::Worked);
        assert_eq!(h.read("c.count"), "5");
        assert_eq!(h.read("src.count"), "5");
        assert!(h.stopped(), "stops as soon as LIMIT is reached");
        assert_eq!(s.step(), TaskStatus::Done);
    }

    #[test]
    fn length_repeats_data_and_handlers_work() {
        let h = Harness::new(
            "src :: RatedSource(\\<01 02 03>, LENGTH 8, LIMIT 1) -> c :: Counter -> Discard;",
        );
        let mut s = h.router.stepper();
        s.step();
        assert_eq!(h.read("c.byte_count"), "8");
        assert_eq!(h.read("src.length"), "8");
        assert_eq!(h.read("src.rate"), "10");
        assert_eq!(h.read("src.limit"), "1");
        h.write("src.rate", "1000").unwrap();
        assert_eq!(h.read("src.rate"), "1000");
        assert!(h.write("src.rate", "fast").is_err());
        h.write("src.length", "-1").unwrap();
        assert_eq!(h.read("src.length"), "-1");
        assert!(h.write("src.length", "100000").is_err());
        assert_eq!(h.read("src.length"), "-1");
    }

    #[test]
    fn pull_mode_is_rate_limited() {
        let h = Harness::new(
            "src :: RatedSource(RATE 1000) -> u :: Unqueue -> c :: Counter -> Discard;",
        );
        let mut s = h.router.stepper();
        s.step();
        assert_eq!(h.read("c.count"), "10", "a full bucket of RATE/100");
        s.step();
        assert_eq!(h.read("c.count"), "10");
        h.clock.advance(5_000_000);
        s.step();
        assert_eq!(h.read("c.count"), "15");
    }

    #[test]
    fn inactive_makes_nothing() {
        let h = Harness::new("src :: RatedSource(ACTIVE false) -> c :: Counter -> Discard;");
        let mut s = h.router.stepper();
        assert_eq!(s.step(), TaskStatus::Idle(None));
        assert_eq!(h.read("c.count"), "0");
        h.write("src.active", "true").unwrap();
        assert_eq!(s.step(), TaskStatus::Worked);
        assert_eq!(h.read("c.count"), "2");
    }

    #[test]
    fn zero_rate_sends_one_packet_as_click_does() {
        let h = Harness::new("src :: RatedSource(RATE 0) -> c :: Counter -> Discard;");
        let mut s = h.router.stepper();
        assert_eq!(s.step(), TaskStatus::Worked);
        h.clock.advance(10 * NS_PER_SEC);
        assert_eq!(s.step(), TaskStatus::Idle(None));
        assert_eq!(h.read("c.count"), "1");
    }
}
