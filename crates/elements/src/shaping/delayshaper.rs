//! DelayShaper — holds each packet until a delay after its timestamp.
//!
//! ## Synopsis
//! `DelayShaper(DELAY)`
//!
//! ## Ports
//! 1 input, 1 output; pull.
//!
//! ## Description
//! A pull-through element: a packet pulled from the input may leave when
//! the router's clock reaches its timestamp annotation plus DELAY; until
//! then it is held (one packet at most) and pulls return nothing. After
//! a queue fed by `FromDevice` (which stamps packets as they arrive) or a
//! source that stamps them as it makes them, it adds a fixed latency, as
//! a long link does.
//!
//! ## Arguments
//! - `DELAY`: a time (`10ms`, `0.5`, …).
//!
//! ## Handlers
//! - `delay` (read/write).
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
use packet::{Packet, PacketBatch};

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
            let p = match self.held.take() {
                Some(p) => p,
                None => {
                    cx.pull_input(0, 1, &mut self.scratch);
                    match self.scratch.drain().next() {
                        Some(p) => p,
                        None => return,
                    }
                }
            };
            if p.anno().timestamp.0.saturating_add(self.delay_ns) > now {
                self.held = Some(p);
                return;
            }
            into.push(p);
            moved += 1;
        }
    }

    fn held(&self) -> usize {
        usize::from(self.held.is_some())
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "delay" => Ok(format!("{:.6}", self.delay_ns as f64 / 1e9)),
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
}
