//! RatedSplitter — sends packets up to a rate to output 0, the rest to
//! output 1.
//!
//! ## Synopsis
//! `RatedSplitter(RATE [, keywords BURST_DURATION, BURST_SIZE])`
//!
//! ## Ports
//! 1 input, 1 or 2 outputs; push.
//!
//! ## Description
//! Packets up to RATE packets per second leave on output 0; the others
//! leave on output 1, or are dropped (reason `over_rate`) if it is not
//! connected. Unlike a meter, RATE packets per second still pass when more
//! arrive. The rate is kept by a token bucket that starts full and holds
//! 20 ms at RATE unless BURST_DURATION or BURST_SIZE says otherwise (and at
//! least one packet, or a millisecond's worth).
//!
//! ## Arguments
//! - `RATE` (integer): packets per second.
//! - `BURST_DURATION` (time): bucket capacity as time at RATE.
//! - `BURST_SIZE` (integer): bucket capacity in packets. At most one of
//!   the two may be given.
//!
//! ## Handlers
//! - `rate` (read/write): RATE; the capacity follows as configured.
//!
//! ## Differences from Click
//! - Time is measured in nanoseconds rather than Click's millisecond ticks,
//!   so tokens arrive smoothly rather than once a millisecond.
//!
//! ## Example
//! ```text
//! rs :: RatedSplitter(2000); rs[0] -> Queue -> ...; rs[1] -> Discard;
//! ```

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec, Simple,
    SimpleAction, Verdict,
};
use packet::Packet;

use super::{RateLimit, Unit};

pub const SPEC: ElementSpec = ElementSpec {
    class: "RatedSplitter",
    ports: "1/1-2",
    processing: "h/h",
    source: include_str!("ratedsplitter.rs"),
    drop_reasons: &["over_rate"],
    handlers: &[HandlerSpec::read_write("rate", "packets per second")],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

pub(crate) struct RatedSplitter {
    limit: RateLimit,
    over: Verdict,
}

/// Builds a splitter counting packets or bytes (shared with
/// `BandwidthRatedSplitter`).
pub(crate) fn make_splitter(
    args: &mut Args,
    cx: &BuildContext,
    unit: Unit,
) -> Result<Box<dyn Element>, ConfigError> {
    let limit = RateLimit::configure(args, unit, cx.clock.clone())?;
    Ok(Simple::boxed(RatedSplitter {
        limit,
        over: if cx.noutputs > 1 {
            Verdict::Out(1)
        } else {
            Verdict::Drop(DropReason(0))
        },
    }))
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    make_splitter(args, cx, Unit::Packets)
}

impl SimpleAction for RatedSplitter {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        if self.limit.admit_now(packet.len()) {
            Verdict::Pass
        } else {
            self.over
        }
    }
    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "rate" => Ok(self.limit.rate_text()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "rate" => self.limit.set_rate_text(value),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}
