//! RadixIPLookup — IP routing lookup for large routing tables.
//!
//! ## Synopsis
//! `RadixIPLookup(ADDR1/MASK1 [GW1] OUT1, ADDR2/MASK2 [GW2] OUT2, ...)`
//!
//! ## Ports
//! 1 input, any number of outputs; push.
//!
//! ## Description
//! Looks up each packet's destination-IP annotation (set by
//! `GetIPAddress` or `SetIPAddress`) in the routing table and sends it to
//! the output of the longest matching prefix. A route with a gateway sets
//! the annotation to the gateway, so `ARPQuerier` resolves the next hop.
//! Packets that match no route are dropped (drop reason `no_route`).
//!
//! ## Arguments
//! - `ADDR/MASK [GW] OUT`, any number: one route. MASK is a length or a
//!   netmask (a bare address is a /32); GW is an address or `-`; OUT an
//!   output port. Addresses may be `AddressInfo` names. Of several routes
//!   for one prefix the first is kept (with a warning), as in Click.
//!
//! ## Handlers
//! - `table` (read): the routes, one a line: `ADDR/LEN`, gateway (or
//!   `-`), output, tab separated and in the order Click lists them.
//! - `lookup` (read with an address, as in Click: `READ rt.lookup
//!   10.0.0.1` on a control socket, `read rt.lookup 10.0.0.1` in a
//!   Script): answers `OUT` or `OUT GW` (`-1` when no route matches).
//!   Writing an address, then reading without one, also works.
//! - `add` (write): adds a route (`ADDR/MASK [GW] OUT`); fails if one
//!   for that prefix exists.
//! - `set` (write): adds a route, replacing one for the same prefix.
//! - `remove` (write): `ADDR/MASK` removes the prefix's route;
//!   `ADDR/MASK [GW] OUT` only if gateway and output match too.
//! - `ctrl` (write): lines `add ROUTE`, `set ROUTE`, `remove ROUTE`,
//!   applied as one operation: if one fails, none is.
//! - `flush` (write): removes every route.
//!
//! ## Differences from Click
//! - Click keeps the routes in a radix trie; here lookups read a
//!   DIR-16-8-8 multibit trie (at most three array reads, no allocation),
//!   updated in place when routes change.
//!
//! ## Example
//! ```text
//! rt :: RadixIPLookup(10.0.0.0/24 0, 10.0.1.0/24 1, 0.0.0.0/0 10.0.0.254 0);
//! GetIPAddress(16) -> rt;
//! ```

use clickconf::args::Args;
use engine::{BuildContext, ConfigError, Element, ElementSpec};

use super::table::{self, DYNAMIC_HANDLERS, Kind};

pub const SPEC: ElementSpec = ElementSpec {
    class: "RadixIPLookup",
    ports: "1/-",
    processing: "h/h",
    source: include_str!("radixiplookup.rs"),
    drop_reasons: &["no_route"],
    handlers: DYNAMIC_HANDLERS,
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    table::make(args, cx, Kind::Radix)
}
