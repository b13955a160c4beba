//! LookupIPRoute — IP routing lookup, under Click's old name.
//!
//! ## Synopsis
//! `LookupIPRoute(ADDR1/MASK1 [GW1] OUT1, ADDR2/MASK2 [GW2] OUT2, ...)`
//!
//! ## Ports
//! 1 input, any number of outputs; push.
//!
//! ## Description
//! Looks up each packet's destination-IP annotation (set by
//! `GetIPAddress` or `SetIPAddress`) in the routing table and sends it to
//! the output of the longest matching prefix. A route with a gateway sets
//! the annotation to the gateway, so `ARPQuerier` resolves the next hop.
//! Packets with no route, or whose route's output is `-1`, are dropped
//! (drop reason `no_route`).
//!
//! ## Arguments
//! - `ADDR/MASK [GW] OUT`: one route. MASK is a length or a netmask; GW is
//!   an address or `-`; OUT an output port or `-1`. Addresses may be
//!   `AddressInfo` names.
//!
//! ## Handlers
//! - `table` (read): the routes, one a line: `ADDR/LEN`, gateway (or
//!   `-`), output, separated by tabs as Click prints them.
//! - `lookup` (read/write): write an address, then read its output port
//!   and gateway (`-1` when no route matches).
//! - `add`, `set`, `remove` (write): routes in the argument syntax, one a
//!   line; `set` replaces a route for the same prefix, `add` refuses to.
//! - `ctrl` (write): lines `add ROUTE`, `set ROUTE`, `remove ROUTE`.
//! - `flush` (write): removes every route.
//!
//! ## Differences from Click
//! - Not in Click 2.1 (its predecessors had LookupIPRoute); here it is the same element as RadixIPLookup, kept so old configurations run.
//!
//! ## Example
//! ```text
//! rt :: LookupIPRoute(10.0.0.0/24 0, 10.0.1.0/24 1, 0.0.0.0/0 10.0.0.254 0);
//! GetIPAddress(16) -> rt;
//! ```

use clickconf::args::Args;
use engine::{BuildContext, ConfigError, Element, ElementSpec};

use super::table::{self, DYNAMIC_HANDLERS};

pub const SPEC: ElementSpec = ElementSpec {
    class: "LookupIPRoute",
    ports: "1/-",
    processing: "h/h",
    source: include_str!("lookupiproute.rs"),
    drop_reasons: &["no_route"],
    handlers: DYNAMIC_HANDLERS,
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    table::make(args, cx, true)
}
