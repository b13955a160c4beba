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
//! Emulates a link: a task takes packets from its input one after the
//! other as the link becomes free (each occupies it for its length over
//! BANDWIDTH) and pushes each out LATENCY after its last bit was sent.
//! Packets in flight are held (at most what the link's delay-bandwidth
//! product allows, plus one).
//!
//! ## Arguments
//! - `LATENCY`: the link's delay (`10ms`, …).
//! - `BANDWIDTH`: its rate (`10Mbps`, `125000`, …).
//!
//! ## Handlers
//! - `latency`, `bandwidth` (read).
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
    BuildContext, ConfigError, Element, ElementSpec, HandlerError, HandlerSpec, InitContext,
    Output, TaskContext, TaskStatus,
};
use packet::{Packet, PacketBatch};

pub const SPEC: ElementSpec = ElementSpec {
    class: "LinkUnqueue",
    ports: "1/1",
    processing: "l/h",
    source: include_str!("linkunqueue.rs"),
    drop_reasons: &[],
    handlers: &[
        HandlerSpec::read("latency", "the link's delay, in seconds"),
        HandlerSpec::read("bandwidth", "the link's rate, in bytes per second"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct LinkUnqueue {
    latency_ns: u64,
    bytes_per_sec: u64,
    /// When the link finishes sending what it has taken.
    free_at: u64,
    /// Packets sent and when each arrives at the far end.
    in_flight: VecDeque<(u64, Packet)>,
    scratch: PacketBatch,
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let latency = args.read_mp::<Seconds>("LATENCY")?;
    let bandwidth = args.read_mp::<Bandwidth>("BANDWIDTH")?.0;
    if bandwidth == 0 {
        return Err(ConfigError::msg("BANDWIDTH must be positive"));
    }
    Ok(Box::new(LinkUnqueue {
        latency_ns: u64::try_from(latency.0.as_nanos()).unwrap_or(u64::MAX),
        bytes_per_sec: bandwidth,
        free_at: 0,
        in_flight: VecDeque::new(),
        scratch: PacketBatch::new(),
    }))
}

impl Element for LinkUnqueue {
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), ConfigError> {
        cx.schedule_task();
        Ok(())
    }

    fn run_task(&mut self, cx: &mut TaskContext<'_>, out: &mut Output) -> TaskStatus {
        let now = cx.clock().monotonic_ns();
        // Take packets while the link is free.
        while self.free_at <= now {
            cx.pull_input(0, 1, &mut self.scratch);
            let Some(p) = self.scratch.drain().next() else {
                break;
            };
            let tx = (p.len() as u128 * 1_000_000_000 / u128::from(self.bytes_per_sec)) as u64;
            self.free_at = self.free_at.max(now) + tx;
            let arrival = self.free_at.saturating_add(self.latency_ns);
            self.in_flight.push_back((arrival, p));
        }
        let mut worked = false;
        while let Some((arrival, _)) = self.in_flight.front() {
            if *arrival > now {
                break;
            }
            if let Some((_, p)) = self.in_flight.pop_front() {
                out.emit(0, p);
                worked = true;
            }
        }
        if worked {
            return TaskStatus::Worked;
        }
        let next = self.in_flight.front().map(|(t, _)| *t);
        let wake = match next {
            Some(t) => t.min(self.free_at.max(now)),
            None if self.free_at > now => self.free_at,
            None => return TaskStatus::Idle(None),
        };
        TaskStatus::Idle(Some(wake))
    }

    fn held(&self) -> usize {
        self.in_flight.len()
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "latency" => Ok(format!("{:.6}", self.latency_ns as f64 / 1e9)),
            "bandwidth" => Ok(self.bytes_per_sec.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
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
        let text = "Idle -> q :: Queue -> LinkUnqueue(50ms, 1000) -> c :: Counter -> Discard";
        let (r, clock) = crate::ip::testing::manual_router(text, 0);
        let q = r.find("q").unwrap();
        let mut st = r.stepper();
        let mut b = PacketBatch::new();
        for _ in 0..3 {
            b.push(Packet::from_slice(&[0u8; 100]).unwrap());
        }
        st.inject(q, 0, b);
        let count = |r: &Router| r.read_handler("c.count").unwrap();
        // Step at the times the task asks to be woken, as the router does.
        let mut at = 0u64;
        let mut step_to = |t_ms: u64| {
            clock.advance(t_ms * 1_000_000 - at);
            at = t_ms * 1_000_000;
            st.step();
        };
        step_to(0);
        assert_eq!(count(&r), "0");
        step_to(100); // the link is free: the second packet starts
        step_to(149);
        assert_eq!(count(&r), "0", "the first arrives at 100 + 50 ms");
        step_to(150);
        assert_eq!(count(&r), "1");
        step_to(200); // the third starts
        step_to(250);
        assert_eq!(count(&r), "2", "the second 100 ms after the first");
        step_to(350);
        assert_eq!(count(&r), "3");
    }
}
