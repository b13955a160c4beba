//! BandwidthShaper — lets pulled packets through at no more than a
//! bandwidth, evenly spaced.
//!
//! ## Synopsis
//! `BandwidthShaper(RATE)`
//!
//! ## Ports
//! 1 input, 1 or 2 outputs; pull.
//!
//! ## Description
//! As `Shaper`, counting bytes: within each second of the wall clock, a
//! pull takes a packet from the input only once the fraction of the second
//! that has passed, times RATE, reaches the bytes already let through this
//! second; the packet then counts its whole length. Both outputs are
//! shaped alike.
//!
//! ## Arguments
//! - `RATE` (bandwidth): `125000`, `1Mbps`, ….
//!
//! ## Handlers
//! - `rate` (read/write): RATE, printed as Click prints bandwidths.
//! - `reset` (write): forget the count, so a packet may go at once.
//!
//! ## Differences from Click
//! - A pull that asks for a batch gets every packet due at that moment
//!   (Click's pull returns one).
//! - Bandwidths are parsed exactly (Click reads `2.5Mbps` as 2.501248
//!   Mbps).
//!
//! ## Example
//! ```text
//! Queue -> BandwidthShaper(10Mbps) -> ToDevice(eth0);
//! ```

use clickconf::args::Args;
use engine::{BuildContext, ConfigError, Element, ElementSpec, HandlerSpec};

pub const SPEC: ElementSpec = ElementSpec {
    class: "BandwidthShaper",
    ports: "1/1-2",
    processing: "l/l",
    source: include_str!("bandwidthshaper.rs"),
    drop_reasons: &[],
    handlers: &[
        HandlerSpec::read_write("rate", "the bandwidth"),
        HandlerSpec::write("reset", "forget the count"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    super::shaper::make_shaper(args, cx, true)
}
