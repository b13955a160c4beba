//! Shaper — lets pulled packets through at no more than a rate, evenly
//! spaced.
//!
//! ## Synopsis
//! `Shaper(RATE)`
//!
//! ## Ports
//! 1 input, 1 or 2 outputs; pull.
//!
//! ## Description
//! A pull-through element that lets at most RATE packets per second pass,
//! spaced evenly: within each second of the wall clock, a pull on output 0
//! pulls a packet from the input only once the fraction of the second that
//! has passed, times RATE, reaches the packets already let through this
//! second (Click's `GapRate`; a second left partly unused lets the next
//! one catch up). Otherwise the pull returns nothing. The output is as
//! smooth as the pulls are regular: put it between a queue and a puller
//! that asks often (`Unqueue`, `ToDevice`, a scheduler).
//!
//! A pull on the optional output 1 returns a packet only when output 0
//! could not take one now, without shaping it (for sampling in a pull
//! path, as with `PrioSched`).
//!
//! ## Arguments
//! - `RATE` (integer): packets per second.
//!
//! ## Handlers
//! - `rate` (read/write): RATE.
//! - `reset` (write): forget the count, so a packet may go at once.
//!
//! ## Differences from Click
//! - A pull that asks for a batch gets every packet due at that moment
//!   (Click's pull returns one); the spacing is the same.
//!
//! ## Example
//! ```text
//! Queue -> Shaper(1000) -> Unqueue -> ...
//! ```

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, Element, ElementSpec, HandlerError, HandlerSpec, Output, TaskContext,
};
use packet::PacketBatch;

use super::GapRate;

pub const SPEC: ElementSpec = ElementSpec {
    class: "Shaper",
    ports: "1/1-2",
    processing: "l/l",
    source: include_str!("shaper.rs"),
    drop_reasons: &[],
    handlers: &[
        HandlerSpec::read_write("rate", "packets per second"),
        HandlerSpec::write("reset", "forget the count"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

/// A shaper counting packets, or bytes (`BandwidthShaper`).
pub(crate) struct Shaper {
    gap: GapRate,
    bytes: bool,
    clock: std::sync::Arc<dyn engine::Clock>,
}

pub(crate) fn make_shaper(
    args: &mut Args,
    cx: &BuildContext,
    bytes: bool,
) -> Result<Box<dyn Element>, ConfigError> {
    let rate = if bytes {
        args.read_mp::<clickconf::args::Bandwidth>("RATE")?
            .0
            .min(u64::from(u32::MAX)) as u32
    } else {
        args.read_mp::<u32>("RATE")?
    };
    Ok(Box::new(Shaper {
        gap: GapRate::new(rate),
        bytes,
        clock: cx.clock.clone(),
    }))
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    make_shaper(args, cx, false)
}

impl Element for Shaper {
    fn pull(
        &mut self,
        port: usize,
        max: usize,
        cx: &mut TaskContext<'_>,
        into: &mut PacketBatch,
        _out: &mut Output,
    ) {
        let now = cx.clock().wall().0;
        if port == 1 && !self.bytes {
            // Unshaped packets, only when the shaped output could not go.
            if !self.gap.need_update(now) {
                cx.pull_input(0, max, into);
            }
            return;
        }
        let mut taken = 0;
        while taken < max && self.gap.need_update(now) {
            let before = into.len();
            cx.pull_input(0, 1, into);
            let Some(p) = into.as_slice().get(before) else {
                return;
            };
            self.gap.update(if self.bytes { p.len() as u64 } else { 1 });
            taken += 1;
        }
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "rate" if self.bytes => Ok(crate::balance::unparse_bandwidth(u64::from(
                self.gap.rate(),
            ))),
            "rate" => Ok(self.gap.rate().to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "rate" => {
                let rate = if self.bytes {
                    crate::util::parse_handler_value::<clickconf::args::Bandwidth>(name, value)?
                        .0
                        .min(u64::from(u32::MAX)) as u32
                } else {
                    crate::util::parse_handler_value::<u32>(name, value)?
                };
                self.gap.set_rate(rate, self.clock.wall().0);
                Ok(())
            }
            "reset" => {
                self.gap.reset();
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
    use engine::Router;
    use packet::{Packet, PacketBatch};

    fn count(r: &Router, h: &str) -> u64 {
        r.read_handler(h).unwrap().trim().parse().unwrap()
    }

    #[test]
    fn shapers_space_packets_evenly() {
        // Wall time starts at 5 s + 0.
        let (r, clock) = crate::ip::testing::manual_router(
            "Idle -> q :: Queue(1000) -> s :: Shaper(1000) -> Unqueue -> a :: Counter -> Discard;
             Idle -> q2 :: Queue(1000) -> BandwidthShaper(100000) -> Unqueue -> b :: Counter -> Discard;",
            5_000_000_000,
        );
        let q = r.find("q").unwrap();
        let q2 = r.find("q2").unwrap();
        let mut st = r.stepper();
        let mut b = PacketBatch::new();
        let mut b2 = PacketBatch::new();
        for _ in 0..100 {
            b.push(Packet::from_slice(&[0u8; 60]).unwrap());
            b2.push(Packet::from_slice(&[0u8; 1000]).unwrap());
        }
        st.inject(q, 0, b);
        st.inject(q2, 0, b2);
        for _ in 0..10 {
            st.step();
        }
        // One packet at once; then one per millisecond, and 1,000 bytes
        // per 10 ms.
        assert_eq!((count(&r, "a.count"), count(&r, "b.count")), (1, 1));
        clock.advance(10_000_000);
        st.step();
        assert_eq!((count(&r, "a.count"), count(&r, "b.count")), (11, 2));
        clock.advance(9_999_999);
        st.step();
        assert_eq!((count(&r, "a.count"), count(&r, "b.count")), (20, 2));
        clock.advance(1);
        st.step();
        assert_eq!(count(&r, "a.count"), 21, "at 20 ms, the 21st");
        st.step();
        assert_eq!(count(&r, "a.count"), 21);
        r.write_handler("s.reset", "").unwrap();
        st.step();
        assert_eq!(count(&r, "a.count"), 22, "a reset lets one more go");
        r.write_handler("s.rate", "10").unwrap();
        assert_eq!(r.read_handler("s.rate").unwrap(), "10");
    }

    #[test]
    fn output_1_takes_what_output_0_cannot() {
        let (r, _clock) = crate::ip::testing::manual_router(
            "Idle -> q :: Queue(1000) -> s :: Shaper(10);
             s[0] -> [0] ps :: PrioSched -> Unqueue -> a :: Counter -> Discard;
             s[1] -> [1] ps;",
            5_000_000_000,
        );
        let q = r.find("q").unwrap();
        let mut st = r.stepper();
        let mut b = PacketBatch::new();
        for _ in 0..5 {
            b.push(Packet::from_slice(&[0u8; 60]).unwrap());
        }
        st.inject(q, 0, b);
        for _ in 0..3 {
            st.step();
        }
        assert_eq!(count(&r, "a.count"), 5);
    }
}
