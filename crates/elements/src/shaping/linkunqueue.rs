//! LinkUnqueue — pulls packets and pushes them on as a serial link
//! would: paced by a bandwidth and delayed by a latency.
//!
//! ## Synopsis
//! `LinkUnqueue(LATENCY, BANDWIDTH)`
//!
//! ## Ports
//! 1 input, 1 output; pull input, push output.
//!
//! ## Description
//! Emulates a serial link with latency LATENCY and bandwidth BANDWIDTH
//! (such as `384kbps`, at least 100 bytes per second): every packet is
//! delayed by LATENCY, plus its length over BANDWIDTH, plus the time the
//! packets ahead of it on the link take. Packets are pushed out when they
//! arrive at the far end, stamped with that time.
//!
//! It holds only the packets in transit: it pulls from its input only while
//! there is room on the link, that is while the last packet taken would
//! have arrived by LATENCY from now. Put a queue before it to emulate a
//! link fed by a queue. Packets sent back to back follow each other on the
//! link; after a pause the next starts at once. A packet's length counts
//! its extra-length annotation, as in Click.
//!
//! ## Arguments
//! - `LATENCY` (time): the link's delay (`10ms`, …).
//! - `BANDWIDTH` (bandwidth): its rate (`10Mbps`, `125000`, …); Click keeps
//!   it in units of 100 bytes per second.
//!
//! ## Handlers
//! - `latency` (read/write), `bandwidth` (read/write): the arguments;
//!   writing either empties the link (its packets are dropped, reason
//!   `reset`).
//! - `size` (read): packets on the link now.
//! - `reset` (write): drop the packets on the link.
//!
//! ## Differences from Click
//! - None known.
//!
//! ## Example
//! ```text
//! Queue(1000) -> LinkUnqueue(20ms, 10Mbps) -> ToDevice(eth1);
//! ```

use std::collections::VecDeque;

use clickconf::args::{Args, Bandwidth, Seconds};
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec,
    InitContext, Output, TaskContext, TaskStatus,
};
use packet::{Packet, PacketBatch, Timestamp};

use super::delayshaper::unparse_interval;

pub const SPEC: ElementSpec = ElementSpec {
    class: "LinkUnqueue",
    ports: "1/1",
    processing: "l/h",
    source: include_str!("linkunqueue.rs"),
    drop_reasons: &["reset"],
    handlers: &[
        HandlerSpec::read_write("latency", "the link's delay"),
        HandlerSpec::read_write("bandwidth", "the link's rate, in bytes per second"),
        HandlerSpec::read("size", "packets on the link"),
        HandlerSpec::write("reset", "drop the packets on the link"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct LinkUnqueue {
    latency_ns: u64,
    /// The bandwidth in units of 100 bytes per second, as Click keeps it.
    bandwidth: u64,
    /// Packets on the link, each with its wall-clock arrival time.
    link: VecDeque<(u64, Packet)>,
    /// Whether the last packet was taken right after the one before.
    back_to_back: bool,
    /// Packets dropped by a reset, reported at the next run.
    reset_drops: Vec<Packet>,
    scratch: PacketBatch,
}

fn bandwidth_units(bytes_per_sec: u64) -> Result<u64, String> {
    if bytes_per_sec < 100 {
        return Err("bandwidth too small, minimum 100Bps".into());
    }
    Ok(bytes_per_sec.min(u64::from(u32::MAX)) / 100)
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let latency = args.read_mp::<Seconds>("LATENCY")?;
    let bandwidth =
        bandwidth_units(args.read_mp::<Bandwidth>("BANDWIDTH")?.0).map_err(ConfigError::msg)?;
    Ok(Box::new(LinkUnqueue {
        latency_ns: u64::try_from(latency.0.as_nanos()).unwrap_or(u64::MAX),
        bandwidth,
        link: VecDeque::new(),
        back_to_back: false,
        reset_drops: Vec::new(),
        scratch: PacketBatch::new(),
    }))
}

impl LinkUnqueue {
    /// When a packet sent from `start` has fully crossed: its length over
    /// the bandwidth, in whole microseconds as Click computes it.
    fn arrival(&self, p: &Packet, start: u64) -> u64 {
        let extra = p
            .anno()
            .get::<4>(packet::anno::offset::EXTRA_LENGTH)
            .map_or(0, u32::from_ne_bytes);
        let length = (p.len() as u32).wrapping_add(extra);
        let usec = (length.wrapping_mul(10_000)) as u64 / self.bandwidth;
        start.saturating_add(usec * 1000)
    }

    fn reset(&mut self) {
        self.reset_drops.extend(self.link.drain(..).map(|(_, p)| p));
        self.back_to_back = false;
    }
}

impl Element for LinkUnqueue {
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), ConfigError> {
        cx.schedule_task();
        Ok(())
    }

    fn run_task(&mut self, cx: &mut TaskContext<'_>, out: &mut Output) -> TaskStatus {
        for p in self.reset_drops.drain(..) {
            out.drop(p, DropReason(0));
        }
        let mono = cx.clock().monotonic_ns();
        let now = cx.clock().wall().0;
        let now_delayed = now.saturating_add(self.latency_ns);
        let mut worked = false;
        // Take packets while there is room on the link.
        while self.link.back().is_none_or(|(t, _)| *t <= now_delayed) {
            cx.pull_input(0, 1, &mut self.scratch);
            let Some(p) = self.scratch.drain().next() else {
                self.back_to_back = false;
                break;
            };
            let start = match self.link.back() {
                Some((t, _)) if self.back_to_back => *t,
                _ => now_delayed,
            };
            let arrival = self.arrival(&p, start);
            self.link.push_back((arrival, p));
            self.back_to_back = true;
            worked = true;
        }
        // Deliver what has arrived.
        while self.link.front().is_some_and(|(t, _)| *t <= now) {
            if let Some((t, mut p)) = self.link.pop_front() {
                p.anno_mut().timestamp = Timestamp(t);
                out.emit(0, p);
                worked = true;
            }
        }
        if worked {
            return TaskStatus::Worked;
        }
        // Wake for the next arrival, or when there is room for more.
        let Some((head, _)) = self.link.front() else {
            return TaskStatus::Idle(None);
        };
        let tail = self.link.back().map_or(*head, |(t, _)| *t);
        let expiry = (*head).min(tail.saturating_sub(self.latency_ns));
        TaskStatus::Idle(Some(mono.saturating_add(expiry.saturating_sub(now))))
    }

    fn held(&self) -> usize {
        self.link.len() + self.reset_drops.len()
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "latency" => Ok(unparse_interval(self.latency_ns)),
            "bandwidth" => Ok((self.bandwidth * 100).to_string()),
            "size" => Ok(self.link.len().to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "latency" => {
                let s: Seconds = crate::util::parse_handler_value(name, value)?;
                self.latency_ns = u64::try_from(s.0.as_nanos()).unwrap_or(u64::MAX);
            }
            "bandwidth" => {
                let b: Bandwidth = crate::util::parse_handler_value(name, value)?;
                self.bandwidth = bandwidth_units(b.0).map_err(HandlerError::BadValue)?;
            }
            "reset" => {}
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        self.reset();
        Ok(())
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use engine::Router;
    use packet::{Packet, PacketBatch};

    #[test]
    fn packets_take_transmission_time_plus_latency() {
        // 1,000 bytes per second: a 100-byte packet takes 100 ms to send.
        // The link has room while the last packet taken arrives within
        // 50 ms (the latency) from now.
        let text = "Idle -> q :: Queue -> l :: LinkUnqueue(50ms, 1000) -> c :: Counter -> Discard";
        let (r, clock) = crate::ip::testing::manual_router(text, 1_000_000_000);
        let q = r.find("q").unwrap();
        let mut st = r.stepper();
        let mut b = PacketBatch::new();
        for _ in 0..3 {
            b.push(Packet::from_slice(&[0u8; 100]).unwrap());
        }
        st.inject(q, 0, b);
        let count = |r: &Router| r.read_handler("c.count").unwrap();
        let mut at = 0u64;
        let mut step_to = |t_ms: u64| {
            clock.advance(t_ms * 1_000_000 - at);
            at = t_ms * 1_000_000;
            st.step();
        };
        // At 0 the first is taken, arriving at 0 + 50 + 100 = 150 ms.
        step_to(0);
        assert_eq!(r.read_handler("l.size").unwrap(), "1");
        step_to(99);
        assert_eq!(r.read_handler("l.size").unwrap(), "1", "no room yet");
        // At 100 ms: 150 <= 100 + 50, room: the second follows back to
        // back, arriving at 250 ms.
        step_to(100);
        assert_eq!(r.read_handler("l.size").unwrap(), "2");
        step_to(149);
        assert_eq!(count(&r), "0");
        step_to(150);
        assert_eq!(count(&r), "1");
        step_to(200); // room again: the third, arriving at 350 ms
        step_to(249);
        assert_eq!(count(&r), "1");
        step_to(250);
        assert_eq!(count(&r), "2");
        step_to(350);
        assert_eq!(count(&r), "3");
        assert_eq!(r.read_handler("l.latency").unwrap(), "50ms");
        assert_eq!(r.read_handler("l.bandwidth").unwrap(), "1000");
    }

    #[test]
    fn reset_empties_the_link() {
        let text = "Idle -> q :: Queue -> l :: LinkUnqueue(1s, 100) -> c :: Counter -> Discard";
        let (r, _clock) = crate::ip::testing::manual_router(text, 1_000_000_000);
        let q = r.find("q").unwrap();
        let l = r.find("l").unwrap();
        let mut st = r.stepper();
        let mut b = PacketBatch::new();
        b.push(Packet::from_slice(&[0u8; 100]).unwrap());
        st.inject(q, 0, b);
        st.step();
        assert_eq!(r.read_handler("l.size").unwrap(), "1");
        r.write_handler("l.reset", "").unwrap();
        assert_eq!(r.read_handler("l.size").unwrap(), "0");
        st.step();
        assert_eq!(r.stats(l).total_dropped(), 1);
        assert!(r.write_handler("l.bandwidth", "99").is_err());
        r.write_handler("l.latency", "0.5").unwrap();
        assert_eq!(r.read_handler("l.latency").unwrap(), "500ms");
        let reg = crate::registry();
        assert!(
            Router::from_text("t", "Idle -> Queue -> LinkUnqueue(0, 50) -> Discard", &reg).is_err()
        );
    }
}
