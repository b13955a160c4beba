//! BandwidthRatedSplitter — sends packets up to a bandwidth to output 0,
//! the rest to output 1.
//!
//! ## Synopsis
//! `BandwidthRatedSplitter(RATE [, keywords BURST_DURATION, BURST_BYTES])`
//!
//! ## Ports
//! 1 input, 1 or 2 outputs; push.
//!
//! ## Description
//! Packets up to RATE (a bandwidth such as `384kbps`) leave on output 0;
//! the others leave on output 1, or are dropped (reason `over_rate`) if it
//! is not connected. The rate is kept by a token bucket of bytes that
//! starts full and holds 20 ms at RATE (or BURST_DURATION, or BURST_BYTES)
//! plus 131,072 bytes: a packet passes while the bucket holds at least
//! 131,072 bytes and then takes its length (emptying the bucket, not
//! overdrawing it, if it holds less), as in Click.
//!
//! ## Arguments
//! - `RATE` (bandwidth): `125000`, `1Mbps`, `10MBps`, ….
//! - `BURST_DURATION` (time): bucket capacity as time at RATE.
//! - `BURST_BYTES` (integer): bucket capacity in bytes. At most one of the
//!   two may be given.
//!
//! ## Handlers
//! - `rate` (read/write): RATE, printed as Click prints bandwidths
//!   (`8kbps`, `1Mbps`, …).
//!
//! ## Differences from Click
//! - Time is measured in nanoseconds rather than Click's millisecond ticks.
//! - Bandwidths are parsed exactly (Click reads `2.5Mbps` as 2.501248
//!   Mbps).
//!
//! ## Example
//! ```text
//! b :: BandwidthRatedSplitter(10Mbps); b[0] -> ...; b[1] -> Discard;
//! ```

use clickconf::args::Args;
use engine::{BuildContext, ConfigError, Element, ElementSpec, HandlerSpec};

use super::Unit;

pub const SPEC: ElementSpec = ElementSpec {
    class: "BandwidthRatedSplitter",
    ports: "1/1-2",
    processing: "h/h",
    source: include_str!("bandwidthratedsplitter.rs"),
    drop_reasons: &["over_rate"],
    handlers: &[HandlerSpec::read_write("rate", "the bandwidth")],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    super::ratedsplitter::make_splitter(args, cx, Unit::Bytes)
}
