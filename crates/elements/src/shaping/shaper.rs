//! Shaper — lets pulled packets through at no more than a rate.
//!
//! ## Synopsis
//! `Shaper(RATE)`
//!
//! ## Ports
//! 1 input, 1 output; pull.
//!
//! ## Description
//! A pull-through element: when pulled, it pulls from its input only as
//! many packets as RATE (packets per second) allows now, from a token
//! bucket holding a hundredth of a second's worth (at least two). Put it
//! after a queue and before a pulling element such as `Unqueue`,
//! `ToDevice` or a scheduler.
//!
//! ## Arguments
//! - `RATE`: packets per second.
//!
//! ## Handlers
//! - `rate` (read/write).
//!
//! ## Differences from Click
//! - Click spaces packets evenly; here bursts up to the bucket size pass.
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

use crate::balance::RateLimit;

pub const SPEC: ElementSpec = ElementSpec {
    class: "Shaper",
    ports: "1/1",
    processing: "l/l",
    source: include_str!("shaper.rs"),
    drop_reasons: &[],
    handlers: &[HandlerSpec::read_write("rate", "packets per second")],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct Shaper {
    limit: RateLimit,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let rate = u64::from(args.read_mp::<u32>("RATE")?);
    Ok(Box::new(Shaper {
        limit: RateLimit::packets(rate, cx.clock.clone()),
    }))
}

impl Element for Shaper {
    fn pull(
        &mut self,
        _port: usize,
        max: usize,
        cx: &mut TaskContext<'_>,
        into: &mut PacketBatch,
        _out: &mut Output,
    ) {
        let n = self.limit.available(max as u64) as usize;
        if n == 0 {
            return;
        }
        let before = into.len();
        cx.pull_input(0, n, into);
        self.limit.remove((into.len() - before) as u64);
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
