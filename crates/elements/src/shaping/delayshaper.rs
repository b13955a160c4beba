//! DelayShaper — holds each packet until a delay after its timestamp.
//!
//! ## Synopsis
//! `DelayShaper(DELAY)`
//!
//! ## Ports
//! 1 input, 1 output; pull.
//!
//! ## Description
//! A pull-through element: a packet with timestamp T leaves no earlier
//! than T + DELAY on the wall clock (a packet without a timestamp is
//! stamped when pulled from the input). Until then it is held (one packet
//! at most) and pulls return nothing. Leaving, the packet is stamped with
//! the time now. After a queue fed by `FromDevice` (which stamps packets
//! as they arrive) it adds a fixed latency, as a long link does.
//!
//! ## Arguments
//! - `DELAY`: a time (`10ms`, `0.5`, …).
//!
//! ## Handlers
//! - `delay` (read/write): DELAY, printed as Click prints intervals
//!   (`10ms`, `1.500000s`). A new delay applies to packets pulled after.
//!
//! ## Differences from Click
//! - None known.
//!
//! ## Example
//! ```text
//! FromDevice(eth0) -> Queue -> DelayShaper(50ms) -> ToDevice(eth1);
//! ```

use std::sync::Arc;

use clickconf::args::{Args, Seconds};
use engine::{
    BuildContext, Clock, ConfigError, Element, ElementSpec, HandlerError, HandlerSpec, Output,
    TaskContext,
};
use packet::{Packet, PacketBatch, Timestamp};

pub const SPEC: ElementSpec = ElementSpec {
    class: "DelayShaper",
    ports: "1/1",
    processing: "l/l",
    source: include_str!("delayshaper.rs"),
    drop_reasons: &[],
    handlers: &[HandlerSpec::read_write(
        "delay",
        "added latency, in seconds",
    )],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct DelayShaper {
    delay_ns: u64,
    held: Option<Packet>,
    scratch: PacketBatch,
    clock: Arc<dyn Clock>,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let delay = args.read_mp::<Seconds>("DELAY")?;
    Ok(Box::new(DelayShaper {
        delay_ns: u64::try_from(delay.0.as_nanos()).unwrap_or(u64::MAX),
        held: None,
        scratch: PacketBatch::new(),
        clock: cx.clock.clone(),
    }))
}

impl Element for DelayShaper {
    fn pull(
        &mut self,
        _port: usize,
        max: usize,
        cx: &mut TaskContext<'_>,
        into: &mut PacketBatch,
        _out: &mut Output,
    ) {
        let now = self.clock.wall().0;
        let mut moved = 0;
        while moved < max {
            let mut p = match self.held.take() {
                Some(p) => p,
                None => {
                    cx.pull_input(0, 1, &mut self.scratch);
                    let Some(mut p) = self.scratch.drain().next() else {
                        return;
                    };
                    // Click: stamp now if the packet has no time (seconds 0).
                    let t = p.anno().timestamp.0;
                    let t = if t < 1_000_000_000 { now } else { t };
                    p.anno_mut().timestamp = Timestamp(t.saturating_add(self.delay_ns));
                    p
                }
            };
            if p.anno().timestamp.0 > now {
                self.held = Some(p);
                return;
            }
            p.anno_mut().timestamp = Timestamp(now);
            into.push(p);
            moved += 1;
        }
    }

    fn held(&self) -> usize {
        usize::from(self.held.is_some())
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "delay" => Ok(unparse_interval(self.delay_ns)),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "delay" => {
                let s: Seconds = crate::util::parse_handler_value("delay", value)?;
                self.delay_ns = u64::try_from(s.0.as_nanos()).unwrap_or(u64::MAX);
                Ok(())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// A time interval as Click prints one (`Timestamp::unparse_interval`):
/// `10ms`, `15us`, `15200ns` below a second, else `1.500000s` (nine
/// digits when the nanoseconds are not whole microseconds).
pub(crate) fn unparse_interval(ns: u64) -> String {
    let (sec, sub) = (ns / 1_000_000_000, ns % 1_000_000_000);
    if sec == 0 {
        if sub % 1_000_000 == 0 {
            format!("{}ms", sub / 1_000_000)
        } else if sub % 1000 == 0 {
            format!("{}us", sub / 1000)
        } else {
            format!("{sub}ns")
        }
    } else if sub % 1000 == 0 {
        format!("{sec}.{:06}s", sub / 1000)
    } else {
        format!("{sec}.{sub:09}s")
    }
}

#[cfg(test)]
mod tests {
    use packet::{Packet, PacketBatch};

    #[test]
    fn packets_wait_their_delay() {
        let text = "Idle -> q :: Queue -> DelayShaper(10ms) -> Unqueue -> c :: Counter -> Discard";
        let (r, clock) = crate::ip::testing::manual_router(text, 1_000_000_000);
        let q = r.find("q").unwrap();
        let mut st = r.stepper();
        let mut b = PacketBatch::new();
        for i in 0..4u64 {
            let mut p = Packet::from_slice(&[0u8; 60]).unwrap();
            // Stamped 1 ms apart from the clock's start.
            p.anno_mut().timestamp = packet::Timestamp(1_000_000_000 + i * 1_000_000);
            b.push(p);
        }
        st.inject(q, 0, b);
        st.step();
        assert_eq!(r.read_handler("c.count").unwrap(), "0");
        clock.advance(11_500_000);
        st.step();
        assert_eq!(
            r.read_handler("c.count").unwrap(),
            "2",
            "stamped at 0 and 1 ms"
        );
        clock.advance(10_000_000);
        st.step();
        assert_eq!(r.read_handler("c.count").unwrap(), "4");
    }

    #[test]
    fn intervals_print_as_click() {
        use super::unparse_interval as u;
        assert_eq!(u(1_500_000_000), "1.500000s");
        assert_eq!(u(10_000_000), "10ms");
        assert_eq!(u(15_200), "15200ns");
        assert_eq!(u(15_000), "15us");
        assert_eq!(u(0), "0ms");
        assert_eq!(u(2_000_000_001), "2.000000001s");
    }

    #[test]
    fn unstamped_packets_wait_from_when_pulled_and_leave_stamped() {
        let text =
            "Idle -> q :: Queue -> d :: DelayShaper(10ms) -> Unqueue -> c :: Counter -> Discard";
        let (r, clock) = crate::ip::testing::manual_router(text, 7_000_000_000);
        let q = r.find("q").unwrap();
        let mut st = r.stepper();
        let mut b = PacketBatch::new();
        b.push(Packet::from_slice(&[0u8; 60]).unwrap());
        st.inject(q, 0, b);
        st.step();
        clock.advance(9_000_000);
        st.step();
        assert_eq!(r.read_handler("c.count").unwrap(), "0");
        clock.advance(1_000_000);
        st.step();
        assert_eq!(r.read_handler("c.count").unwrap(), "1");
        assert_eq!(r.read_handler("d.delay").unwrap(), "10ms");
    }
}
