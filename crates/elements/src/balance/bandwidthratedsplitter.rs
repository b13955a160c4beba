//! BandwidthRatedSplitter — sends packets up to a bandwidth to output 0,
//! the rest to output 1.
//!
//! ## Synopsis
//! `BandwidthRatedSplitter(RATE)`
//!
//! ## Ports
//! 1 input, 2 outputs; push.
//!
//! ## Description
//! Packets within RATE (bytes per second, or with units such as `10Mbps`)
//! leave on output 0, counting each packet's length; packets beyond it
//! leave on output 1. The token bucket holds a hundredth of a second's
//! worth of bytes, at least two full-size frames.
//!
//! ## Arguments
//! - `RATE`: a bandwidth (`125000`, `1Mbps`, `10MBps`, …).
//!
//! ## Handlers
//! - `rate` (read/write): bytes per second.
//!
//! ## Differences from Click
//! - As `RatedSplitter`: short bursts up to the bucket size pass together.
//!
//! ## Example
//! ```text
//! b :: BandwidthRatedSplitter(10Mbps); b[0] -> ...; b[1] -> Discard;
//! ```

use clickconf::args::{Args, Bandwidth};
use engine::{
    BuildContext, ConfigError, Element, ElementSpec, HandlerError, HandlerSpec, Simple,
    SimpleAction, Verdict,
};
use packet::Packet;

use super::RateLimit;

pub const SPEC: ElementSpec = ElementSpec {
    class: "BandwidthRatedSplitter",
    ports: "1/2",
    processing: "h/h",
    source: include_str!("bandwidthratedsplitter.rs"),
    drop_reasons: &[],
    handlers: &[HandlerSpec::read_write("rate", "bytes per second")],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct BandwidthRatedSplitter {
    limit: RateLimit,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let rate = args.read_mp::<Bandwidth>("RATE")?.0;
    Ok(Simple::boxed(BandwidthRatedSplitter {
        limit: RateLimit::bytes(rate, cx.clock.clone()),
    }))
}

impl SimpleAction for BandwidthRatedSplitter {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        if self.limit.take(packet.len() as u64) {
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
