//! Shaping and congestion signals: rate shapers, DSCP and ECN marking.
//!
//! Key decision: the markers share one TOS-rewriting helper that updates
//! the header checksum incrementally, as Click's do.

pub mod bandwidthratedunqueue;
pub mod bandwidthshaper;
pub mod delayshaper;
pub mod frontdropqueue;
pub mod linkunqueue;
pub mod markipce;
pub mod red;
pub mod setipdscp;
pub mod setipecn;
pub mod shaper;
pub mod symbolic;

use engine::ElementSpec;
use packet::Packet;

/// Every element class of this group.
pub fn specs() -> Vec<ElementSpec> {
    vec![
        bandwidthratedunqueue::SPEC,
        bandwidthshaper::SPEC,
        delayshaper::SPEC,
        frontdropqueue::SPEC,
        linkunqueue::SPEC,
        markipce::SPEC,
        red::SPEC,
        setipdscp::SPEC,
        setipecn::SPEC,
        shaper::SPEC,
    ]
}

/// The TOS byte of the packet's IP header, if it has one.
fn tos(packet: &Packet) -> Option<u8> {
    packet
        .network_header()
        .filter(|h| h.len() >= 20)
        .map(|h| h[1])
}

/// Sets the TOS bits under `mask` to `value`, updating the checksum;
/// false if the packet has no IP header.
#[inline]
fn set_tos(packet: &mut Packet, mask: u8, value: u8) -> bool {
    let Some(h) = packet.network_header().filter(|h| h.len() >= 20) else {
        return false;
    };
    let tos = (h[1] & !mask) | (value & mask);
    let sum = u16::from_be_bytes([h[10], h[11]]);
    // Bytes that would stay as they are are not written, so that a source
    // refilling this buffer has nothing to copy back (traffic often has the
    // code point already). Click's update turns a checksum of 0xffff into 0
    // even when the TOS does not change; any other stays.
    if tos == h[1] && sum != 0xffff {
        return true;
    }
    let old = u16::from_be_bytes([h[0], h[1]]);
    let new = u16::from_be_bytes([h[0], tos]);
    let new_sum = packet::checksum::update_u16(sum, old, new);
    let Some(h) = packet
        .network_header_prefix_mut(20)
        .filter(|h| h.len() >= 20)
    else {
        return false;
    };
    h[1] = tos;
    h[10..12].copy_from_slice(&new_sum.to_be_bytes());
    true
}

/// Click's `GapRate`: spaces events evenly within each wall-clock second.
/// An event may happen when the fraction of the current second that has
/// passed, times the rate, reaches the events counted so far; at a new
/// second the count drops by the rate (if positive), so a second left
/// partly unused lets the next one catch up.
#[derive(Clone, Debug)]
pub(crate) struct GapRate {
    rate: u32,
    /// Microseconds per event, scaled by 2^12.
    ugap: u32,
    /// Events so far this second.
    sec_count: i64,
    /// The current second, or `None` after a reset.
    sec: Option<u64>,
}

impl GapRate {
    const UGAP_SHIFT: u32 = 12;
    const MAX_RATE: u32 = 1_000_000 << Self::UGAP_SHIFT;

    pub(crate) fn new(rate: u32) -> GapRate {
        let mut g = GapRate {
            rate: 0,
            ugap: 0,
            sec_count: 0,
            sec: None,
        };
        g.init(rate.min(Self::MAX_RATE));
        g
    }

    fn init(&mut self, rate: u32) {
        self.rate = rate;
        self.ugap = Self::MAX_RATE
            .checked_div(rate)
            .unwrap_or(Self::MAX_RATE + 1);
    }

    pub(crate) fn rate(&self) -> u32 {
        self.rate
    }

    /// Changes the rate, keeping the count in step with the time `now_ns`
    /// (wall clock).
    pub(crate) fn set_rate(&mut self, rate: u32, now_ns: u64) {
        let rate = rate.min(Self::MAX_RATE);
        if rate != self.rate {
            self.init(rate);
            if self.sec.is_some() && rate != 0 {
                let usec = (now_ns % 1_000_000_000 / 1000) as u32;
                self.sec_count = i64::from((usec << Self::UGAP_SHIFT) / self.ugap);
            }
        }
    }

    /// Forgets the count: the next check starts afresh.
    pub(crate) fn reset(&mut self) {
        self.sec = None;
    }

    /// Whether an event may happen at wall-clock time `now_ns`.
    pub(crate) fn need_update(&mut self, now_ns: u64) -> bool {
        let sec = now_ns / 1_000_000_000;
        let scaled = ((now_ns % 1_000_000_000 / 1000) as u32) << Self::UGAP_SHIFT;
        let need = scaled / self.ugap;
        match self.sec {
            None => {
                self.sec = Some(sec);
                let round_up = scaled - need * self.ugap > self.ugap / 2;
                self.sec_count = i64::from(need) + i64::from(round_up);
            }
            Some(s) if sec > s => {
                self.sec = Some(sec);
                if self.sec_count > 0 {
                    self.sec_count -= i64::from(self.rate);
                }
            }
            Some(_) => {}
        }
        i64::from(need) >= self.sec_count
    }

    /// Counts `n` events (packets, or bytes).
    pub(crate) fn update(&mut self, n: u64) {
        self.sec_count = self.sec_count.saturating_add(n as i64);
    }
}

#[cfg(test)]
mod gaprate_tests {
    use super::GapRate;

    const MS: u64 = 1_000_000;

    #[test]
    fn spaces_events_within_a_second() {
        // 10 per second from 5 s + 0: one every 100 ms.
        let mut g = GapRate::new(10);
        let t0 = 5_000 * MS;
        assert!(g.need_update(t0));
        g.update(1);
        assert!(!g.need_update(t0 + 50 * MS));
        assert!(g.need_update(t0 + 100 * MS));
        g.update(1);
        assert!(!g.need_update(t0 + 199 * MS));
        // Idle until 0.75 s: the events missed may happen at once.
        let mut n = 0;
        while g.need_update(t0 + 750 * MS) {
            g.update(1);
            n += 1;
        }
        assert_eq!(n, 6, "events 2 to 7 are due by 0.75 s");
        // A new second: the count drops by the rate.
        assert!(g.need_update(t0 + 1000 * MS + 1));
        g.reset();
        assert!(
            g.need_update(t0 + 1920 * MS),
            "after a reset an event may go"
        );
        g.reset();
        assert!(
            !g.need_update(t0 + 1999 * MS),
            "unless the second is nearer the next event (Click rounds)"
        );
        // Rate 0: nothing goes once past the first half-second.
        assert!(!GapRate::new(0).need_update(t0 + 600 * MS));
    }
}

#[cfg(test)]
mod set_tos_tests {
    use super::set_tos;
    use packet::Packet;

    /// An IPv4 header (TOS 0) with its checksum at bytes 10-11, then 8
    /// bytes of payload.
    fn packet(checksum: [u8; 2]) -> Packet {
        let mut h = [
            0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 1, 2, 3, 4, 5, 6,
            7, 8,
        ];
        h[10..12].copy_from_slice(&checksum);
        let mut p = Packet::from_slice(&h).unwrap();
        p.set_network_header(0, 20);
        p
    }

    #[test]
    fn an_unchanged_tos_writes_nothing() {
        let tag = Packet::new_origin_tag();
        let mut p = packet([0x66, 0xcf]);
        let frame = p.data().to_vec();
        p.refill(tag, &frame).unwrap();
        p.set_network_header(0, 20);
        assert!(set_tos(&mut p, 0xfc, 0));
        assert_eq!(p.data(), &frame[..]);
        assert_eq!(
            p.origin(),
            tag,
            "the buffer still holds what the source wrote"
        );
    }

    #[test]
    fn an_update_that_changes_no_word_keeps_every_checksum_but_0xffff() {
        // What lets `set_tos` skip the update when the TOS stays.
        for sum in 0..=u16::MAX {
            for word in [0x4500u16, 0x45b8, 0xffff, 0] {
                let kept = packet::checksum::update_u16(sum, word, word) == sum;
                assert_eq!(kept, sum != 0xffff, "sum {sum:#x}, word {word:#x}");
            }
        }
    }

    #[test]
    fn the_checksum_changes_as_in_click() {
        // Click's incremental update turns 0xffff into 0 even when the TOS
        // stays; so does ours.
        let mut p = packet([0xff, 0xff]);
        assert!(set_tos(&mut p, 0xfc, 0));
        assert_eq!(&p.data()[10..12], &[0, 0]);
        // A new code point: TOS and checksum change together.
        let mut p = packet([0x66, 0xcf]);
        assert!(set_tos(&mut p, 0xfc, 46 << 2));
        assert_eq!(p.data()[1], 46 << 2);
        assert_eq!(
            packet::checksum::checksum(&p.data()[..20]),
            0,
            "still a valid header"
        );
    }
}
