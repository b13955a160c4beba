//! RatedSplitter — sends packets up to a rate to output 0, the rest to
//! output 1.
//!
//! ## Synopsis
//! `RatedSplitter(RATE)`
//!
//! ## Ports
//! 1 input, 2 outputs; push.
//!
//! ## Description
//! Packets within RATE packets per second (a token bucket holding a
//! hundredth of a second's worth, at least two) leave on output 0; packets
//! beyond it leave on output 1.
//!
//! ## Arguments
//! - `RATE`: packets per second.
//!
//! ## Handlers
//! - `rate` (read/write).
//!
//! ## Differences from Click
//! - Click spaces the packets it lets through evenly within each second;
//!   here short bursts up to the bucket size pass together.
//!
//! ## Example
//! ```text
//! rs :: RatedSplitter(1000); rs[0] -> Queue -> ...; rs[1] -> Discard;
//! ```

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, Element, ElementSpec, HandlerError, HandlerSpec, Simple,
    SimpleAction, Verdict,
};
use packet::Packet;

use super::RateLimit;

pub const SPEC: ElementSpec = ElementSpec {
    class: "RatedSplitter",
    ports: "1/2",
    processing: "h/h",
    source: include_str!("ratedsplitter.rs"),
    drop_reasons: &[],
    handlers: &[HandlerSpec::read_write("rate", "packets per second")],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct RatedSplitter {
    limit: RateLimit,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let rate = u64::from(args.read_mp::<u32>("RATE")?);
    Ok(Simple::boxed(RatedSplitter {
        limit: RateLimit::packets(rate, cx.clock.clone()),
    }))
}

impl SimpleAction for RatedSplitter {
    #[inline]
    fn action(&mut self, _packet: &mut Packet) -> Verdict {
        if self.limit.take(1) {
            Verdict::Pass
        } else {
            Verdict::Out(1)
        }
    }
    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        self.limit.read_handler(name)
    }
    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        self.limit.write_handler(name, value)
    }
}
