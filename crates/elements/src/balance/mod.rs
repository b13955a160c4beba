//! Load balancing and splitting: hashing, round-robin and random
//! switches.

pub mod bandwidthratedsplitter;
pub mod hashswitch;
pub mod randomswitch;
pub mod ratedsplitter;
pub mod roundrobinswitch;
pub mod strideswitch;

use std::sync::Arc;

use engine::{Clock, ElementSpec, HandlerError};

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

/// A rate in packets or bytes per second, as a token bucket on the
/// router's clock, shared by the rate-limiting elements.
pub(crate) struct RateLimit {
    bucket: TokenBucket,
    /// Smallest bucket: 2 packets, or 2 full-size frames of bytes.
    floor: u64,
    clock: Arc<dyn Clock>,
}

impl RateLimit {
    pub(crate) fn packets(rate: u64, clock: Arc<dyn Clock>) -> RateLimit {
        RateLimit::new(rate, 2, clock)
    }

    pub(crate) fn bytes(rate: u64, clock: Arc<dyn Clock>) -> RateLimit {
        RateLimit::new(rate, 2 * 1514, clock)
    }

    fn new(rate: u64, floor: u64, clock: Arc<dyn Clock>) -> RateLimit {
        RateLimit {
            bucket: TokenBucket::new(rate, (rate / 100).max(floor)),
            floor,
            clock,
        }
    }

    /// Takes `cost` tokens if the bucket holds them.
    #[inline]
    pub(crate) fn take(&mut self, cost: u64) -> bool {
        self.bucket.refill(self.clock.monotonic_ns());
        if self.bucket.tokens() >= cost {
            self.bucket.remove(cost);
            true
        } else {
            false
        }
    }

    /// Tokens available now (up to `max`).
    pub(crate) fn available(&mut self, max: u64) -> u64 {
        self.bucket.refill(self.clock.monotonic_ns());
        self.bucket.tokens().min(max)
    }

    pub(crate) fn remove(&mut self, n: u64) {
        self.bucket.remove(n);
    }

    /// When the bucket will next hold a token (for a task's idle wait).
    pub(crate) fn next_token_at(&self, now_ns: u64) -> Option<u64> {
        self.bucket.next_token_at(now_ns)
    }

    pub(crate) fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "rate" => Ok(self.bucket.rate().to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    pub(crate) fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "rate" => {
                let rate: u64 = crate::util::parse_handler_value("rate", value)?;
                self.bucket.assign(rate, (rate / 100).max(self.floor));
                Ok(())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
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
             Idle -> bw :: BandwidthRatedSplitter(1MBps) -> c :: Counter -> Discard; bw[1] -> d :: Counter -> Discard;",
            0,
        );
        let s = r.find("s").unwrap();
        let bw = r.find("bw").unwrap();
        let mut st = r.stepper();
        // The buckets start full: 10 packets (1000/100), 10,000 bytes.
        st.inject(s, 0, batch(50, 100));
        st.inject(bw, 0, batch(50, 1000));
        assert_eq!((count(&r, "a.count"), count(&r, "b.count")), (10, 40));
        assert_eq!((count(&r, "c.count"), count(&r, "d.count")), (10, 40));
        // Half a millisecond later: half a packet's worth, not enough.
        clock.advance(500_000);
        st.inject(s, 0, batch(1, 100));
        assert_eq!(count(&r, "a.count"), 10);
        // Four milliseconds on: four packets, and 4,000 bytes.
        clock.advance(3_500_000);
        st.inject(s, 0, batch(10, 100));
        st.inject(bw, 0, batch(10, 1000));
        assert_eq!(count(&r, "a.count"), 14);
        assert_eq!(count(&r, "c.count"), 14);
    }

    #[test]
    fn shapers_pull_no_faster_than_the_rate() {
        let (r, clock) = crate::ip::testing::manual_router(
            "Idle -> q :: Queue(1000) -> Shaper(1000) -> Unqueue -> a :: Counter -> Discard;
             Idle -> q2 :: Queue(1000) -> BandwidthShaper(100000) -> Unqueue -> b :: Counter -> Discard;",
            0,
        );
        let q = r.find("q").unwrap();
        let q2 = r.find("q2").unwrap();
        let mut st = r.stepper();
        st.inject(q, 0, batch(100, 60));
        st.inject(q2, 0, batch(100, 1000));
        for _ in 0..10 {
            st.step();
        }
        // Full buckets: 10 packets; 3,028 bytes let 4 frames through (the
        // last one overdraws).
        assert_eq!(count(&r, "a.count"), 10);
        let first = count(&r, "b.count");
        assert!((3..=4).contains(&first), "{first}");
        clock.advance(10_000_000);
        for _ in 0..10 {
            st.step();
        }
        assert_eq!(count(&r, "a.count"), 20, "10 ms later, 10 more");
        assert!(count(&r, "b.count") <= first + 4);
    }
}
