//! The routing table shared by Click's route-lookup elements
//! (`LinearIPLookup`, `RadixIPLookup`, `DirectIPLookup`, `StaticIPLookup`,
//! `LookupIPRoute`): routes `ADDR/MASK [GW] OUT`, longest-prefix match on
//! the destination-IP annotation, and the `table`/`add`/`remove`/`set`/
//! `flush`/`lookup` handlers.
//!
//! Key decision: one table serves every class. Lookups probe one hash map
//! per prefix length present, longest first, so a table of a thousand
//! routes over a dozen lengths costs a dozen probes at most and no
//! allocation; changes rebuild the maps (routes change rarely).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::{BuildHasherDefault, Hasher};
use std::net::Ipv4Addr;

use clickconf::args::{ArgValue, Args, IpPrefix};
use engine::{BuildContext, ConfigError, DropReason, Element, HandlerError, HandlerSpec, Output};
use packet::PacketBatch;

/// One route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    pub addr: u32,
    pub mask: u32,
    /// 0 when there is no gateway.
    pub gw: u32,
    /// Output port; -1 for a route that drops.
    pub port: i32,
}

impl Route {
    fn prefix_len(&self) -> u32 {
        self.mask.leading_ones()
    }

    /// Click's `table` line: address/length, gateway or `-`, port, tab
    /// separated and padded as Click pads them.
    fn unparse(&self, out: &mut String) {
        let start = out.len();
        let _ = write!(out, "{}/{}\t", Ipv4Addr::from(self.addr), self.prefix_len());
        if out.len() < start + 17 {
            out.push('\t');
        }
        let mid = out.len();
        if self.gw != 0 {
            let _ = write!(out, "{}\t", Ipv4Addr::from(self.gw));
        } else {
            out.push_str("-\t");
        }
        if out.len() < mid + 9 {
            out.push('\t');
        }
        let _ = writeln!(out, "{}", self.port);
    }
}

/// Parses `ADDR/MASK [GW] OUT` (OUT may be `-1`, meaning drop).
pub fn parse_route(text: &str, noutputs: usize) -> Result<Route, String> {
    let words: Vec<&str> = text.split_ascii_whitespace().collect();
    let (prefix, gw, port) = match words.as_slice() {
        [p, o] => (*p, None, *o),
        [p, g, o] => (*p, Some(*g), *o),
        _ => {
            return Err(format!(
                "route '{text}': expected ADDR/MASK [GATEWAY] OUTPUT"
            ));
        }
    };
    let prefix = IpPrefix::parse_arg(prefix).map_err(|e| format!("route '{text}': {e}"))?;
    let gw = match gw {
        None | Some("-") => 0,
        Some(g) => {
            u32::from(Ipv4Addr::parse_arg(g).map_err(|e| format!("route '{text}': gateway: {e}"))?)
        }
    };
    let port: i32 = port
        .parse()
        .map_err(|_| format!("route '{text}': bad output '{port}'"))?;
    if port < -1 || (port >= 0 && port as usize >= noutputs) {
        return Err(format!("route '{text}': output {port} out of range"));
    }
    let mask = u32::from(prefix.mask());
    Ok(Route {
        addr: u32::from(prefix.addr) & mask,
        mask,
        gw,
        port,
    })
}

/// A multiplicative hash for 32-bit keys (addresses are not adversarial
/// here: the table holds configured routes, not packet data).
#[derive(Default)]
struct AddrHasher(u64);

impl Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u32(&mut self, v: u32) {
        self.0 = u64::from(v).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 16;
    }
}

type AddrMap = HashMap<u32, usize, BuildHasherDefault<AddrHasher>>;

/// Routes and their lookup structure.
#[derive(Debug, Default)]
pub struct RouteTable {
    routes: Vec<Route>,
    /// (mask, masked address → route index), longest mask first.
    levels: Vec<(u32, AddrMap)>,
}

impl RouteTable {
    fn rebuild(&mut self) {
        let mut levels: Vec<(u32, AddrMap)> = Vec::new();
        for (i, r) in self.routes.iter().enumerate() {
            let level = match levels.iter_mut().find(|(m, _)| *m == r.mask) {
                Some(l) => l,
                None => {
                    levels.push((r.mask, AddrMap::default()));
                    levels.last_mut().expect("just pushed")
                }
            };
            level.1.insert(r.addr, i);
        }
        levels.sort_by_key(|(m, _)| std::cmp::Reverse(m.leading_ones()));
        self.levels = levels;
    }

    /// Adds a route; with `replace`, an existing route for the same prefix
    /// is replaced, else it is an error.
    pub fn add(&mut self, r: Route, replace: bool) -> Result<(), String> {
        match self
            .routes
            .iter_mut()
            .find(|o| o.addr == r.addr && o.mask == r.mask)
        {
            Some(old) if replace => *old = r,
            Some(_) => {
                return Err(format!(
                    "conflict with existing route for {}/{}",
                    Ipv4Addr::from(r.addr),
                    r.prefix_len()
                ));
            }
            None => self.routes.push(r),
        }
        self.rebuild();
        Ok(())
    }

    /// Removes the route for `r`'s prefix (and gateway and port, if given).
    pub fn remove(&mut self, r: Route, exact: bool) -> Result<(), String> {
        let before = self.routes.len();
        self.routes.retain(|o| {
            !(o.addr == r.addr
                && o.mask == r.mask
                && (!exact || (o.gw == r.gw && o.port == r.port)))
        });
        if self.routes.len() == before {
            return Err(format!(
                "route for {}/{} not found",
                Ipv4Addr::from(r.addr),
                r.prefix_len()
            ));
        }
        self.rebuild();
        Ok(())
    }

    /// The longest-prefix route for `dst`.
    #[inline]
    pub fn lookup(&self, dst: u32) -> Option<&Route> {
        for (mask, map) in &self.levels {
            if let Some(&i) = map.get(&(dst & mask)) {
                return self.routes.get(i);
            }
        }
        None
    }

    /// The routes in the order they were added, as Click lists them.
    pub fn table(&self) -> String {
        let mut s = String::new();
        for r in &self.routes {
            r.unparse(&mut s);
        }
        s
    }

    pub fn len(&self) -> usize {
        self.routes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }
}

/// The handlers a route-lookup class offers; `StaticIPLookup` offers only
/// `table` and `lookup`.
pub const DYNAMIC_HANDLERS: &[HandlerSpec] = &[
    HandlerSpec::read("table", "the routes: ADDR/LEN, gateway, output"),
    HandlerSpec::read_write(
        "lookup",
        "write an address; reading then gives its output and gateway",
    ),
    HandlerSpec::write("add", "add routes (ADDR/MASK [GW] OUT), one per line"),
    HandlerSpec::write("set", "add or replace routes"),
    HandlerSpec::write("remove", "remove routes"),
    HandlerSpec::write("ctrl", "commands: add ROUTE, set ROUTE, remove ROUTE"),
    HandlerSpec::write("flush", "remove every route"),
];

pub const STATIC_HANDLERS: &[HandlerSpec] = &[
    HandlerSpec::read("table", "the routes: ADDR/LEN, gateway, output"),
    HandlerSpec::read_write(
        "lookup",
        "write an address; reading then gives its output and gateway",
    ),
];

pub const NO_ROUTE: DropReason = DropReason(0);

/// A route-lookup element.
pub struct RouteLookup {
    table: RouteTable,
    noutputs: usize,
    dynamic: bool,
    last_lookup: String,
}

/// Builds a lookup element from its route arguments.
pub fn make(
    args: &mut Args,
    cx: &BuildContext,
    dynamic: bool,
) -> Result<Box<dyn Element>, ConfigError> {
    let mut table = RouteTable::default();
    for arg in args.rest() {
        if arg.text.is_empty() {
            continue;
        }
        let route = parse_route(&arg.text, cx.noutputs)
            .map_err(|message| crate::util::arg_error(&arg, message))?;
        table
            .add(route, false)
            .map_err(|message| crate::util::arg_error(&arg, message))?;
    }
    Ok(Box::new(RouteLookup {
        table,
        noutputs: cx.noutputs,
        dynamic,
        last_lookup: String::new(),
    }))
}

impl RouteLookup {
    fn change(&mut self, value: &str, op: &str) -> Result<(), HandlerError> {
        for line in value.lines().flat_map(|l| l.split(',')) {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let route = parse_route(line, self.noutputs).map_err(HandlerError::BadValue)?;
            match op {
                "add" => self.table.add(route, false),
                "set" => self.table.add(route, true),
                _ => self
                    .table
                    .remove(route, line.split_ascii_whitespace().count() == 3),
            }
            .map_err(HandlerError::BadValue)?;
        }
        Ok(())
    }

    pub fn table(&self) -> &RouteTable {
        &self.table
    }
}

impl Element for RouteLookup {
    fn push(&mut self, _port: usize, batch: &mut PacketBatch, out: &mut Output) {
        for mut packet in batch.drain() {
            let dst = u32::from(packet.anno().dst_ip());
            match self.table.lookup(dst) {
                Some(r) if r.port >= 0 => {
                    if r.gw != 0 {
                        packet.anno_mut().set_dst_ip(Ipv4Addr::from(r.gw));
                    }
                    out.emit(r.port as usize, packet);
                }
                _ => out.drop(packet, NO_ROUTE),
            }
        }
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "table" => Ok(self.table.table()),
            "lookup" => Ok(self.last_lookup.clone()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        if name == "lookup" {
            let a =
                Ipv4Addr::parse_arg(value.trim()).map_err(|e| HandlerError::BadValue(e.message))?;
            self.last_lookup = match self.table.lookup(u32::from(a)) {
                Some(r) if r.gw != 0 => format!("{} {}", r.port, Ipv4Addr::from(r.gw)),
                Some(r) => r.port.to_string(),
                None => "-1".to_string(),
            };
            return Ok(());
        }
        if !self.dynamic {
            return Err(HandlerError::NotWritable(name.into()));
        }
        match name {
            "add" | "set" | "remove" => self.change(value, name),
            "flush" => {
                self.table = RouteTable::default();
                Ok(())
            }
            "ctrl" => {
                for line in value.lines() {
                    let line = line.trim();
                    if line.is_empty() {
                        continue;
                    }
                    let (cmd, rest) = line.split_once(' ').unwrap_or((line, ""));
                    match cmd {
                        "add" | "set" | "remove" => self.change(rest, cmd)?,
                        _ => {
                            return Err(HandlerError::BadValue(format!("unknown command '{cmd}'")));
                        }
                    }
                }
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
    use super::*;

    fn table(routes: &[&str]) -> RouteTable {
        let mut t = RouteTable::default();
        for r in routes {
            t.add(parse_route(r, 4).unwrap(), false).unwrap();
        }
        t
    }

    #[test]
    fn longest_prefix_wins() {
        let t = table(&[
            "0.0.0.0/0 10.0.0.254 0",
            "10.0.0.0/8 1",
            "10.1.0.0/16 2",
            "10.1.2.3/32 3",
        ]);
        let port = |a: [u8; 4]| t.lookup(u32::from(Ipv4Addr::from(a))).map(|r| r.port);
        assert_eq!(port([10, 1, 2, 3]), Some(3));
        assert_eq!(port([10, 1, 2, 4]), Some(2));
        assert_eq!(port([10, 9, 0, 1]), Some(1));
        assert_eq!(port([8, 8, 8, 8]), Some(0));
        assert_eq!(
            t.lookup(u32::from(Ipv4Addr::new(1, 1, 1, 1))).unwrap().gw,
            u32::from(Ipv4Addr::new(10, 0, 0, 254))
        );
    }

    #[test]
    fn table_text_is_clicks() {
        let t = table(&["10.0.0.0/8 1", "18.26.4.0/255.255.255.0 18.26.4.1 2"]);
        assert_eq!(
            t.table(),
            "10.0.0.0/8\t\t-\t\t1\n18.26.4.0/24\t\t18.26.4.1\t2\n"
        );
    }

    #[test]
    fn bad_routes_are_errors() {
        assert!(parse_route("10.0.0.0/8", 2).is_err());
        assert!(parse_route("10.0.0.0/8 5", 2).is_err());
        assert!(parse_route("10.0.0.0/40 0", 2).is_err());
        assert!(parse_route("10.0.0.0/8 x 0", 2).is_err());
        assert!(parse_route("10.0.0.0/8 -1", 2).is_ok());
        let mut t = table(&["10.0.0.0/8 1"]);
        assert!(
            t.add(parse_route("10.0.0.0/8 2", 4).unwrap(), false)
                .is_err()
        );
        assert!(t.add(parse_route("10.0.0.0/8 2", 4).unwrap(), true).is_ok());
        assert!(
            t.remove(parse_route("11.0.0.0/8 2", 4).unwrap(), false)
                .is_err()
        );
    }
}
