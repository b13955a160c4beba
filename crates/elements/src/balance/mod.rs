//! Load balancing and splitting: hashing, round-robin and random
//! switches.

pub mod bandwidthratedsplitter;
pub mod hashswitch;
pub mod randomswitch;
pub mod ratedsplitter;
pub mod roundrobinswitch;
pub mod strideswitch;
pub mod symbolic;

use std::sync::Arc;

use clickconf::args::{Args, Bandwidth, Seconds};
use engine::{Clock, ConfigError, ElementSpec, HandlerError};

use crate::standard::ratedsource::TokenBucket;

/// Every element class of this group.
pub fn specs() -> Vec<ElementSpec> {
    vec![
        bandwidthratedsplitter::SPEC,
        hashswitch::SPEC,
        randomswitch::SPEC,
        ratedsplitter::SPEC,
        roundrobinswitch::SPEC,
        strideswitch::SPEC,
    ]
}

/// Tokens a bandwidth bucket must hold before a packet may pass (Click's
/// `tb_bandwidth_thresh`): a packet then takes its length, leaving the
/// bucket empty rather than in debt if it holds less.
pub(crate) const BANDWIDTH_THRESH: u64 = 131_072;

/// What a rate counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unit {
    Packets,
    Bytes,
}

/// How a bucket's capacity is set: `BURST_DURATION` (milliseconds at the
/// rate, default 20) or `BURST_SIZE`/`BURST_BYTES`.
#[derive(Clone, Copy, Debug)]
enum Burst {
    Millis(u64),
    Tokens(u64),
}

/// A rate in packets or bytes per second as Click's `RatedUnqueue`,
/// `RatedSplitter` and their bandwidth variants keep it: a token bucket on
/// the router's clock that starts full, holding 20 ms at the rate unless
/// `BURST_DURATION` or `BURST_SIZE` (`BURST_BYTES`) says otherwise, and for
/// bytes [`BANDWIDTH_THRESH`] more.
pub(crate) struct RateLimit {
    bucket: TokenBucket,
    unit: Unit,
    burst: Burst,
    clock: Arc<dyn Clock>,
}

impl RateLimit {
    /// Reads `RATE`, `BURST_DURATION` and `BURST_SIZE` (packets) or
    /// `BURST_BYTES` (bytes) as Click does.
    pub(crate) fn configure(
        args: &mut Args,
        unit: Unit,
        clock: Arc<dyn Clock>,
    ) -> Result<RateLimit, ConfigError> {
        let rate = match unit {
            Unit::Packets => u64::from(args.read_mp::<u32>("RATE")?),
            Unit::Bytes => args
                .read_mp::<Bandwidth>("RATE")?
                .0
                .min(u64::from(u32::MAX)),
        };
        let duration = args.read::<Seconds>("BURST_DURATION")?;
        let size_name = match unit {
            Unit::Packets => "BURST_SIZE",
            Unit::Bytes => "BURST_BYTES",
        };
        let size = args.read::<u32>(size_name)?;
        let burst = match (duration, size) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::msg(format!(
                    "cannot specify both BURST_DURATION and {size_name}"
                )));
            }
            (Some(d), None) => Burst::Millis(u64::try_from(d.0.as_millis()).unwrap_or(u64::MAX)),
            (None, Some(n)) => Burst::Tokens(u64::from(n)),
            (None, None) => Burst::Millis(20),
        };
        let capacity = capacity(unit, burst, rate);
        Ok(RateLimit {
            bucket: TokenBucket::new(rate, capacity),
            unit,
            burst,
            clock,
        })
    }

    /// Tokens a packet needs in the bucket to pass.
    #[inline]
    fn need(&self) -> u64 {
        match self.unit {
            Unit::Packets => 1,
            Unit::Bytes => BANDWIDTH_THRESH,
        }
    }

    /// Whether a packet of `len` bytes may pass now; if so, takes its
    /// tokens (one packet, or `len` bytes).
    #[inline]
    pub(crate) fn admit(&mut self, now_ns: u64, len: usize) -> bool {
        self.bucket.refill(now_ns);
        if self.bucket.tokens() < self.need() {
            return false;
        }
        self.bucket.remove(match self.unit {
            Unit::Packets => 1,
            Unit::Bytes => len as u64,
        });
        true
    }

    /// As [`RateLimit::admit`] at the clock's time now.
    #[inline]
    pub(crate) fn admit_now(&mut self, len: usize) -> bool {
        let now = self.clock.monotonic_ns();
        self.admit(now, len)
    }

    /// Whether a packet could pass at `now_ns` (refilling first).
    #[inline]
    pub(crate) fn ready(&mut self, now_ns: u64) -> bool {
        self.bucket.refill(now_ns);
        self.bucket.tokens() >= self.need()
    }

    /// Takes the tokens of a packet of `len` bytes (after [`Self::ready`]).
    #[inline]
    pub(crate) fn charge(&mut self, len: usize) {
        self.bucket.remove(match self.unit {
            Unit::Packets => 1,
            Unit::Bytes => len as u64,
        });
    }

    /// When a packet may next pass (`None`: never, at rate 0).
    pub(crate) fn next_ready_at(&self, now_ns: u64) -> Option<u64> {
        self.bucket.tokens_at(now_ns, self.need())
    }

    /// The `rate` handler's text: a number, or a bandwidth as Click prints
    /// it. As in Click, this is the rate as its bucket arithmetic keeps it
    /// (tokens per millisecond tick, in units of the capacity), which can
    /// differ slightly from the rate configured when the capacity is large
    /// next to the rate (1 byte per second with the default burst reads 0).
    pub(crate) fn rate_text(&self) -> String {
        let rate = self.bucket.rate();
        let kept = click_bucket_rate(rate, capacity(self.unit, self.burst, rate));
        match self.unit {
            Unit::Packets => kept.to_string(),
            Unit::Bytes => unparse_bandwidth(kept),
        }
    }

    /// Sets a new rate (as a `RATE` argument), keeping the burst setting;
    /// the tokens held stay (up to the new capacity).
    pub(crate) fn set_rate_text(&mut self, value: &str) -> Result<(), HandlerError> {
        let rate = match self.unit {
            Unit::Packets => u64::from(crate::util::parse_handler_value::<u32>("rate", value)?),
            Unit::Bytes => crate::util::parse_handler_value::<Bandwidth>("rate", value)?
                .0
                .min(u64::from(u32::MAX)),
        };
        self.bucket
            .assign(rate, capacity(self.unit, self.burst, rate));
        Ok(())
    }
}

/// Click's capacity for a rate: the burst in tokens (at least 1 and one
/// millisecond's worth), plus [`BANDWIDTH_THRESH`] for bytes.
fn capacity(unit: Unit, burst: Burst, rate: u64) -> u64 {
    let mut tokens = match burst {
        Burst::Tokens(n) => n,
        Burst::Millis(ms) => {
            (u128::from(rate) * u128::from(ms) / 1000).min(u128::from(u32::MAX)) as u64
        }
    };
    if unit == Unit::Bytes {
        tokens = (tokens + BANDWIDTH_THRESH).min(u64::from(u32::MAX));
    }
    let min = if rate == 0 { 1 } else { rate.div_ceil(1000) };
    tokens.max(1).max(min)
}

/// The rate Click's `TokenRate` reports for `rate` and `capacity`: tokens
/// are scaled so the capacity fills 32 bits, and refilled per millisecond.
fn click_bucket_rate(rate: u64, capacity: u64) -> u64 {
    if rate == 0 {
        return 0;
    }
    let scale = u128::from(u32::MAX) / u128::from(capacity.clamp(1, u64::from(u32::MAX)));
    let per_tick = (u128::from(rate) * scale / 1000).max(1);
    ((per_tick / 2 + per_tick * 1000) / scale).min(u128::from(u32::MAX)) as u64
}

/// A bandwidth in bytes per second as Click prints one (`BandwidthArg::
/// unparse`): `8kbps`, `1Mbps`, `2.5Gbps`, or `MBps` above 2^29.
pub(crate) fn unparse_bandwidth(bytes_per_sec: u64) -> String {
    let x = bytes_per_sec.min(u64::from(u32::MAX));
    if x >= 0x2000_0000 {
        format!("{}MBps", unparse_real10(x, 6))
    } else if x >= 125_000_000 {
        format!("{}Gbps", unparse_real10(x * 8, 9))
    } else if x >= 125_000 {
        format!("{}Mbps", unparse_real10(x * 8, 6))
    } else {
        format!("{}kbps", unparse_real10(x * 8, 3))
    }
}

/// `value / 10^digits` in decimal without trailing zeros (Click's
/// `cp_unparse_real10`).
fn unparse_real10(value: u64, digits: u32) -> String {
    let one = 10u64.pow(digits);
    let (int, frac) = (value / one, value % one);
    if frac == 0 {
        return int.to_string();
    }
    let f = format!("{frac:0width$}", width = digits as usize);
    format!("{int}.{}", f.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use engine::Router;
    use packet::{Packet, PacketBatch};

    fn batch(n: usize, len: usize) -> PacketBatch {
        let mut b = PacketBatch::new();
        for _ in 0..n {
            b.push(Packet::from_slice(&vec![0u8; len]).unwrap());
        }
        b
    }

    fn count(r: &Router, h: &str) -> u64 {
        r.read_handler(h).unwrap().trim().parse().unwrap()
    }

    #[test]
    fn splitters_pass_the_rate_and_divert_the_rest() {
        let (r, clock) = crate::ip::testing::manual_router(
            "Idle -> s :: RatedSplitter(1000) -> a :: Counter -> Discard; s[1] -> b :: Counter -> Discard;
             Idle -> bw :: BandwidthRatedSplitter(1MBps) -> c :: Counter -> Discard; bw[1] -> d :: Counter -> Discard;
             Idle -> one :: RatedSplitter(10, BURST_SIZE 3) -> e :: Counter -> Discard;",
            0,
        );
        let s = r.find("s").unwrap();
        let bw = r.find("bw").unwrap();
        let one = r.find("one").unwrap();
        let mut st = r.stepper();
        // Full buckets: 20 ms at 1000/s; 20,000 bytes plus 131,072, and a
        // packet passes while 131,072 are left, so 21 of 1,000 bytes.
        st.inject(s, 0, batch(50, 100));
        st.inject(bw, 0, batch(50, 1000));
        st.inject(one, 0, batch(10, 60));
        assert_eq!((count(&r, "a.count"), count(&r, "b.count")), (20, 30));
        assert_eq!((count(&r, "c.count"), count(&r, "d.count")), (21, 29));
        assert_eq!(count(&r, "e.count"), 3);
        assert_eq!(r.stats(one).total_dropped(), 7, "no output 1: dropped");
        // Half a millisecond later: half a packet's worth, not enough.
        clock.advance(500_000);
        st.inject(s, 0, batch(1, 100));
        assert_eq!(count(&r, "a.count"), 20);
        // Four milliseconds on: four packets, and 4,000 bytes (four more
        // packets of 1,000 once the bucket is back at 131,072).
        clock.advance(3_500_000);
        st.inject(s, 0, batch(10, 100));
        st.inject(bw, 0, batch(10, 1000));
        assert_eq!(count(&r, "a.count"), 24);
        assert_eq!(count(&r, "c.count"), 25);
        // Click prints 8.004Mbps for 1MBps too (its bucket arithmetic).
        assert_eq!(r.read_handler("bw.rate").unwrap(), "8.004Mbps");
        r.write_handler("s.rate", "50").unwrap();
        assert_eq!(r.read_handler("s.rate").unwrap(), "50");
    }

    #[test]
    fn splitter_rates_are_exact_over_time() {
        let (r, clock) = crate::ip::testing::manual_router(
            "Idle -> s :: RatedSplitter(500) -> a :: Counter -> Discard; s[1] -> Discard",
            0,
        );
        let s = r.find("s").unwrap();
        let mut st = r.stepper();
        // Ten packets every millisecond for a second: the first full bucket
        // (10), then 499.5 tokens by the last injection at 999 ms.
        for _ in 0..1000 {
            st.inject(s, 0, batch(10, 60));
            clock.advance(1_000_000);
        }
        assert_eq!(count(&r, "a.count"), 509);
    }

    #[test]
    fn bandwidth_unparse_as_click() {
        use super::unparse_bandwidth as u;
        assert_eq!(u(1000), "8kbps");
        assert_eq!(u(125_000), "1Mbps");
        assert_eq!(u(312_656), "2.501248Mbps");
        assert_eq!(u(125), "1kbps");
        assert_eq!(u(1), "0.008kbps");
        assert_eq!(u(125_000_000), "1Gbps");
        assert_eq!(u(0x2000_0000), "536.870912MBps");
    }

    #[test]
    fn reported_rates_follow_clicks_bucket_arithmetic() {
        use super::click_bucket_rate as r;
        // Values Click's rate handlers print for these settings.
        assert_eq!(r(1, 5), 1);
        assert_eq!(r(1, 131_372), 0);
        assert_eq!(r(1000, 131_372), 1000);
        assert_eq!(r(100, 131_074), 100);
    }
}
