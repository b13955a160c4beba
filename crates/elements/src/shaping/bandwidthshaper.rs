//! BandwidthShaper — lets pulled packets through at no more than a
//! bandwidth.
//!
//! ## Synopsis
//! `BandwidthShaper(RATE)`
//!
//! ## Ports
//! 1 input, 1 output; pull.
//!
//! ## Description
//! As `Shaper`, counting bytes: when pulled, it pulls packets one at a
//! time while its token bucket (RATE bytes per second, holding a
//! hundredth of a second's worth, at least two full-size frames) has
//! tokens, each packet using its length in tokens.
//!
//! ## Arguments
//! - `RATE`: a bandwidth (`125000`, `1Mbps`, …).
//!
//! ## Handlers
//! - `rate` (read/write): bytes per second.
//!
//! ## Differences from Click
//! - A packet larger than the tokens left is let through and the bucket
//!   emptied (Click carries the debt into the next interval).
//!
//! ## Example
//! ```text
//! Queue -> BandwidthShaper(10Mbps) -> ToDevice(eth0);
//! ```

use clickconf::args::{Args, Bandwidth};
use engine::{
    BuildContext, ConfigError, Element, ElementSpec, HandlerError, HandlerSpec, Output, TaskContext,
};
use packet::PacketBatch;

use crate::balance::RateLimit;

pub const SPEC: ElementSpec = ElementSpec {
    class: "BandwidthShaper",
    ports: "1/1",
    processing: "l/l",
    source: include_str!("bandwidthshaper.rs"),
    drop_reasons: &[],
    handlers: &[HandlerSpec::read_write("rate", "bytes per second")],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct BandwidthShaper {
    limit: RateLimit,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let rate = args.read_mp::<Bandwidth>("RATE")?.0;
    Ok(Box::new(BandwidthShaper {
        limit: RateLimit::bytes(rate, cx.clock.clone()),
    }))
}

impl Element for BandwidthShaper {
    fn pull(
        &mut self,
        _port: usize,
        max: usize,
        cx: &mut TaskContext<'_>,
        into: &mut PacketBatch,
        _out: &mut Output,
    ) {
        let mut pulled = 0;
        while pulled < max && self.limit.available(1) > 0 {
            let before = into.len();
            cx.pull_input(0, 1, into);
            let Some(p) = into.as_slice().get(before) else {
                break;
            };
            self.limit.remove(p.len() as u64);
            pulled += 1;
        }
    }
    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        self.limit.read_handler(name)
    }
    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        self.limit.write_handler(name, value)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
