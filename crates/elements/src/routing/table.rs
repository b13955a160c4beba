//! The routing table shared by Click's route-lookup elements
//! (`LinearIPLookup`, `StaticIPLookup`, `RadixIPLookup`, `DirectIPLookup`,
//! `LookupIPRoute`): routes `ADDR/MASK [GW] OUT`, longest-prefix match on
//! the destination-IP annotation, and Click's `table`, `lookup`, `add`,
//! `set`, `remove`, `ctrl` and `flush` handlers.
//!
//! Key decision: every class looks up in a leaf-pushed multibit trie
//! ([`super::lpm`]) — DIR-24-8 with 16-bit cells for `DirectIPLookup`,
//! DIR-16-8-8 with 32-bit cells for the others — whose cells name a next
//! hop (a distinct gateway and output), so a lookup is two or three array
//! reads and never allocates. What differs between the classes is what
//! Click's data structures make visible: which handlers exist, and the
//! order in which `table` lists the routes after changes (kept here as
//! Click keeps it: slot reuse for the linear and radix tables, hash order
//! for the direct one).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::Ipv4Addr;

use clickconf::args::{ArgValue, Args, IpPrefix};
use engine::{BuildContext, ConfigError, DropReason, Element, HandlerError, HandlerSpec, Output};
use packet::PacketBatch;

use super::lpm::{Cell, Full, Trie};

/// One route. `port` is -1 in a removal request that names no output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    pub addr: u32,
    pub mask: u32,
    /// 0 when there is no gateway.
    pub gw: u32,
    pub port: i32,
}

impl Route {
    pub fn prefix_len(&self) -> u8 {
        self.mask.leading_ones() as u8
    }

    /// Click's unparsing: address/length, gateway or `-`, output; with
    /// `tabs`, tab separated and padded as Click's `table` prints them.
    pub fn unparse(&self, out: &mut String, tabs: bool) {
        let sep = if tabs { '\t' } else { ' ' };
        let start = out.len();
        let _ = write!(
            out,
            "{}/{}{sep}",
            Ipv4Addr::from(self.addr),
            self.prefix_len()
        );
        if tabs && out.len() < start + 17 {
            out.push('\t');
        }
        let mid = out.len();
        if self.gw != 0 {
            let _ = write!(out, "{}{sep}", Ipv4Addr::from(self.gw));
        } else {
            let _ = write!(out, "-{sep}");
        }
        if tabs && out.len() < mid + 9 {
            out.push('\t');
        }
        let _ = write!(out, "{}", self.port);
    }

    fn text(&self) -> String {
        let mut s = String::new();
        self.unparse(&mut s, false);
        s
    }

    /// Click's `IPRoute::match`: the same prefix and, when the request
    /// names an output, the same gateway and output.
    fn matches(&self, stored: &Route) -> bool {
        self.addr == stored.addr
            && self.mask == stored.mask
            && (self.port < 0 || (self.gw == stored.gw && self.port == stored.port))
    }
}

/// Parses `ADDR/MASK [GW] OUT` as Click's `cp_ip_route` does: a bare
/// address is a /32, the gateway may be `-`, and OUT may be left out only
/// when `removing` (it is then -1). The output's range is not checked.
pub fn parse_route(text: &str, removing: bool) -> Option<Route> {
    let mut words = text.split_ascii_whitespace();
    let prefix = IpPrefix::parse_arg(words.next()?).ok()?;
    let mask = u32::from(prefix.mask());
    let mut r = Route {
        addr: u32::from(prefix.addr) & mask,
        mask,
        gw: 0,
        port: -1,
    };
    let mut word = words.next();
    match word {
        Some("-") => word = words.next(),
        Some(w) => {
            if let Ok(gw) = Ipv4Addr::parse_arg(w) {
                r.gw = u32::from(gw);
                word = words.next();
            }
        }
        None => {}
    }
    match word {
        Some(w) => r.port = w.parse().ok()?,
        None if removing => {}
        None => return None,
    }
    words.next().is_none().then_some(r)
}

/// The classes, for what their Click counterparts make visible.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Linear,
    Static,
    Radix,
    Direct,
    /// Click's old name; behaves as `RadixIPLookup`.
    LookupIPRoute,
}

impl Kind {
    fn dynamic(self) -> bool {
        self != Kind::Static
    }
    fn has_flush(self) -> bool {
        matches!(self, Kind::Radix | Kind::Direct | Kind::LookupIPRoute)
    }
}

/// A next hop: where a route sends packets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hop {
    /// Output port; negative when there is no route.
    pub port: i32,
    /// Gateway; 0 when there is none.
    pub gw: u32,
}

const NO_HOP: Hop = Hop { port: -1, gw: 0 };

/// How `table` orders the routes, as each Click class stores them.
#[derive(Debug)]
enum Listing {
    /// Click's vector of routes (`LinearIPLookup`: a new route takes the
    /// first free slot; `RadixIPLookup`: the most recently freed one).
    Slots {
        slots: Vec<Option<(u32, u8)>>,
        /// Freed slots, most recent last (radix).
        freed: Vec<usize>,
        /// Slot of the last `0.0.0.0/32` route added (linear).
        zero_route: Option<usize>,
        radix: bool,
    },
    /// `DirectIPLookup`'s hash table: by bucket, newest first within one.
    Hashed { next_seq: u64 },
}

struct Stored {
    route: Route,
    hop: u32,
    /// Slot index, or insertion sequence for the hashed listing (0 for
    /// the default route, which Click keeps last in its bucket).
    key: u64,
}

/// Routes and their lookup structure.
pub struct RouteTable<C: Cell> {
    kind: Kind,
    first_stride: u32,
    trie: Trie<C>,
    /// Every route by (address, prefix length).
    routes: HashMap<(u32, u8), Stored>,
    /// Routes of each prefix length, to find the route that covers a
    /// removed one.
    per_length: [u32; 33],
    hops: Vec<Hop>,
    hop_refs: Vec<u32>,
    hop_index: HashMap<(u32, i32), u32>,
    free_hops: Vec<u32>,
    listing: Listing,
}

/// Why a change failed (Click's `-EEXIST`, `-ENOENT`, `-ENOMEM`).
#[derive(Debug, PartialEq, Eq)]
pub enum ChangeError {
    Exists(Route),
    NotFound(Route),
    Full(Route),
}

impl std::fmt::Display for ChangeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChangeError::Exists(r) => write!(f, "conflict with existing route '{}'", r.text()),
            ChangeError::NotFound(r) => write!(f, "route '{}' not found", r.text()),
            ChangeError::Full(r) => write!(f, "no memory to store route '{}'", r.text()),
        }
    }
}

fn len_mask(len: u8) -> u32 {
    if len == 0 { 0 } else { u32::MAX << (32 - len) }
}

/// `DirectIPLookup`'s prefix hash (Click's `prefix_hash`, with x86 shift
/// semantics for shifts by 32).
fn direct_bucket(prefix: u32, len: u32) -> u32 {
    let mut hash = prefix ^ (len << 5) ^ (prefix.wrapping_shr(len >> 2)).wrapping_sub(len);
    hash ^= (hash >> 23) ^ (hash >> 15).wrapping_mul(len) ^ (prefix >> 17).wrapping_mul(53);
    hash = hash.wrapping_sub(
        (prefix >> 3) ^ hash.wrapping_shr(len).wrapping_mul(7) ^ (hash >> 11).wrapping_mul(103),
    );
    (hash ^ (hash >> 17)) & (64 * 1024 - 1)
}

impl<C: Cell> RouteTable<C> {
    pub fn new(kind: Kind, first_stride: u32) -> RouteTable<C> {
        let listing = match kind {
            Kind::Direct => Listing::Hashed { next_seq: 1 },
            _ => Listing::Slots {
                slots: Vec::new(),
                freed: Vec::new(),
                zero_route: None,
                radix: kind != Kind::Linear && kind != Kind::Static,
            },
        };
        RouteTable {
            kind,
            first_stride,
            trie: Trie::new(first_stride),
            routes: HashMap::new(),
            per_length: [0; 33],
            hops: vec![NO_HOP],
            hop_refs: vec![0],
            hop_index: HashMap::new(),
            free_hops: Vec::new(),
            listing,
        }
    }

    /// The next hop for `dst` (port -1 when no route matches).
    #[inline(always)]
    pub fn lookup(&self, dst: u32) -> Hop {
        let h = self.trie.lookup(dst) as usize;
        self.hops.get(h).copied().unwrap_or(NO_HOP)
    }

    pub fn len(&self) -> usize {
        self.routes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// Index of the hop for (gw, port), made if new; hop 0 is reserved
    /// for the default route.
    fn hop_for(&mut self, gw: u32, port: i32) -> Option<u32> {
        if let Some(&h) = self.hop_index.get(&(gw, port)) {
            self.hop_refs[h as usize] += 1;
            return Some(h);
        }
        let h = match self.free_hops.pop() {
            Some(h) => h,
            None => {
                let h = self.hops.len() as u32;
                if h > Trie::<C>::max_hop() {
                    return None;
                }
                self.hops.push(NO_HOP);
                self.hop_refs.push(0);
                h
            }
        };
        self.hops[h as usize] = Hop { port, gw };
        self.hop_refs[h as usize] = 1;
        self.hop_index.insert((gw, port), h);
        Some(h)
    }

    fn unref_hop(&mut self, h: u32) {
        if h == 0 {
            self.hops[0] = NO_HOP;
            return;
        }
        let refs = &mut self.hop_refs[h as usize];
        *refs -= 1;
        if *refs == 0 {
            let hop = self.hops[h as usize];
            self.hop_index.remove(&(hop.gw, hop.port));
            self.free_hops.push(h);
        }
    }

    /// The route covering `addr/len` with the longest prefix shorter than
    /// `len`: its hop and length (hop 0, length 0 for the default route,
    /// present or not).
    fn cover(&self, addr: u32, len: u8) -> (u32, u8) {
        for l in (1..len).rev() {
            if self.per_length[usize::from(l)] != 0
                && let Some(s) = self.routes.get(&(addr & len_mask(l), l))
            {
                return (s.hop, l);
            }
        }
        (0, 0)
    }

    /// Adds `r` (Click's `add_route`): with `replace`, a route for the same
    /// prefix is replaced, otherwise that is an error. Returns the route
    /// replaced.
    pub fn add(&mut self, r: Route, replace: bool) -> Result<Option<Route>, ChangeError> {
        let len = r.prefix_len();
        let key = (r.addr, len);
        if let Some(old) = self.routes.get(&key) {
            let old_route = old.route;
            if !replace {
                return Err(ChangeError::Exists(old_route));
            }
            let old_hop = old.hop;
            let hop = if len == 0 {
                0
            } else {
                self.hop_for(r.gw, r.port).ok_or(ChangeError::Full(r))?
            };
            if len == 0 {
                self.hops[0] = Hop {
                    port: r.port,
                    gw: r.gw,
                };
            } else {
                self.trie.replace(r.addr, len, hop, len);
                self.unref_hop(old_hop);
            }
            let new_key = self.relist_replaced(key);
            let s = self.routes.get_mut(&key).expect("present");
            s.route = r;
            s.hop = hop;
            s.key = new_key;
            return Ok(Some(old_route));
        }
        let hop = if len == 0 {
            self.hops[0] = Hop {
                port: r.port,
                gw: r.gw,
            };
            0
        } else {
            let hop = self.hop_for(r.gw, r.port).ok_or(ChangeError::Full(r))?;
            if self.trie.insert(r.addr, len, hop) == Err(Full) {
                self.unref_hop(hop);
                return Err(ChangeError::Full(r));
            }
            hop
        };
        let list_key = self.list_new(key);
        self.routes.insert(
            key,
            Stored {
                route: r,
                hop,
                key: list_key,
            },
        );
        self.per_length[usize::from(len)] += 1;
        Ok(None)
    }

    /// Removes the route matching `r` (Click's `remove_route`); returns it.
    pub fn remove(&mut self, r: Route) -> Result<Route, ChangeError> {
        let len = r.prefix_len();
        let key = (r.addr, len);
        let Some(s) = self.routes.get(&key) else {
            return Err(ChangeError::NotFound(r));
        };
        if !r.matches(&s.route) {
            return Err(ChangeError::NotFound(r));
        }
        let s = self.routes.remove(&key).expect("present");
        self.per_length[usize::from(len)] -= 1;
        if len > 0 {
            let (hop, hop_len) = self.cover(r.addr, len);
            self.trie.replace(r.addr, len, hop, hop_len);
        }
        self.unref_hop(s.hop);
        self.unlist(key, s.key);
        Ok(s.route)
    }

    /// Removes every route.
    pub fn flush(&mut self) {
        *self = RouteTable::new(self.kind, self.first_stride);
    }

    /// Where a new route goes in the listing.
    fn list_new(&mut self, key: (u32, u8)) -> u64 {
        match &mut self.listing {
            Listing::Hashed { next_seq } => {
                if key.1 == 0 {
                    return 0;
                }
                *next_seq += 1;
                *next_seq
            }
            Listing::Slots {
                slots,
                freed,
                zero_route,
                radix,
            } => {
                let at = if *radix {
                    freed.pop()
                } else {
                    slots.iter().position(Option::is_none)
                };
                let at = match at {
                    Some(at) => {
                        slots[at] = Some(key);
                        at
                    }
                    None => {
                        slots.push(Some(key));
                        slots.len() - 1
                    }
                };
                if key == (0, 32) {
                    *zero_route = Some(at);
                }
                at as u64
            }
        }
    }

    /// Where a replaced route goes: the radix table moves it to a new
    /// slot and frees the old one; the others keep its place.
    fn relist_replaced(&mut self, key: (u32, u8)) -> u64 {
        let old = self.routes.get(&key).map_or(0, |s| s.key);
        match &mut self.listing {
            Listing::Slots {
                slots,
                freed,
                radix: true,
                ..
            } => {
                let at = match freed.pop() {
                    Some(at) => {
                        slots[at] = Some(key);
                        at
                    }
                    None => {
                        slots.push(Some(key));
                        slots.len() - 1
                    }
                };
                slots[old as usize] = None;
                freed.push(old as usize);
                at as u64
            }
            _ => old,
        }
    }

    fn unlist(&mut self, key: (u32, u8), list_key: u64) {
        let Listing::Slots {
            slots,
            freed,
            zero_route,
            radix,
        } = &mut self.listing
        else {
            return;
        };
        let at = list_key as usize;
        slots[at] = None;
        if *radix {
            freed.push(at);
            return;
        }
        // LinearIPLookup moves its zero route (0.0.0.0/32) into the first
        // free slot when a route before it is removed.
        match *zero_route {
            Some(z) if key == (0, 32) || z == at => *zero_route = None,
            Some(z) if at < z => {
                slots[z] = None;
                let first = slots.iter().position(Option::is_none).unwrap_or(z);
                slots[first] = Some((0, 32));
                *zero_route = Some(first);
                if let Some(s) = self.routes.get_mut(&(0, 32)) {
                    s.key = first as u64;
                }
            }
            _ => {}
        }
    }

    /// The routes as Click's `table` handler lists them.
    pub fn table(&self) -> String {
        let mut s = String::new();
        let mut emit = |r: &Route| {
            r.unparse(&mut s, true);
            s.push('\n');
        };
        match &self.listing {
            Listing::Slots { slots, .. } => {
                for key in slots.iter().flatten() {
                    if let Some(st) = self.routes.get(key) {
                        emit(&st.route);
                    }
                }
            }
            Listing::Hashed { .. } => {
                let mut all: Vec<&Stored> = self.routes.values().collect();
                all.sort_by_key(|s| {
                    let r = &s.route;
                    (
                        direct_bucket(r.addr, u32::from(r.prefix_len())),
                        std::cmp::Reverse(s.key),
                    )
                });
                for st in all {
                    emit(&st.route);
                }
            }
        }
        s
    }

    /// Click's `lookup` handler: `PORT` or `PORT GW`, -1 for no route.
    pub fn lookup_text(&self, addr: &str) -> Result<String, HandlerError> {
        let a = Ipv4Addr::parse_arg(addr.trim())
            .map_err(|_| HandlerError::BadValue("expected IP address".into()))?;
        let hop = self.lookup(u32::from(a));
        Ok(if hop.gw != 0 {
            format!("{} {}", hop.port, Ipv4Addr::from(hop.gw))
        } else {
            hop.port.to_string()
        })
    }
}

/// The handlers of the dynamic classes without `flush` (LinearIPLookup).
pub const LINEAR_HANDLERS: &[HandlerSpec] = &[
    HandlerSpec::read("table", "the routes: ADDR/LEN, gateway, output"),
    HandlerSpec::read_write(
        "lookup",
        "read with an address (`READ rt.lookup 10.0.0.1`): its output and gateway; or write an address, then read",
    ),
    HandlerSpec::write("add", "add a route: ADDR/MASK [GW] OUT"),
    HandlerSpec::write("set", "add or replace a route"),
    HandlerSpec::write("remove", "remove a route: ADDR/MASK [[GW] OUT]"),
    HandlerSpec::write(
        "ctrl",
        "lines 'add ROUTE', 'set ROUTE', 'remove ROUTE', applied all or none",
    ),
];

/// The handlers of RadixIPLookup, DirectIPLookup and LookupIPRoute.
pub const DYNAMIC_HANDLERS: &[HandlerSpec] = &[
    HandlerSpec::read("table", "the routes: ADDR/LEN, gateway, output"),
    HandlerSpec::read_write(
        "lookup",
        "read with an address (`READ rt.lookup 10.0.0.1`): its output and gateway; or write an address, then read",
    ),
    HandlerSpec::write("add", "add a route: ADDR/MASK [GW] OUT"),
    HandlerSpec::write("set", "add or replace a route"),
    HandlerSpec::write("remove", "remove a route: ADDR/MASK [[GW] OUT]"),
    HandlerSpec::write(
        "ctrl",
        "lines 'add ROUTE', 'set ROUTE', 'remove ROUTE', applied all or none",
    ),
    HandlerSpec::write("flush", "remove every route"),
];

pub const STATIC_HANDLERS: &[HandlerSpec] = &[
    HandlerSpec::read("table", "the routes: ADDR/LEN, gateway, output"),
    HandlerSpec::read_write(
        "lookup",
        "read with an address (`READ rt.lookup 10.0.0.1`): its output and gateway; or write an address, then read",
    ),
];

pub const NO_ROUTE: DropReason = DropReason(0);

/// A route-lookup element.
pub struct RouteLookup<C: Cell> {
    table: RouteTable<C>,
    noutputs: usize,
    last_lookup: String,
}

/// Builds a lookup element of class `kind` from its route arguments, as
/// Click's `IPRouteTable::configure`: every route must name an existing
/// output; of routes for the same prefix the first is kept.
pub fn make(
    args: &mut Args,
    cx: &BuildContext,
    kind: Kind,
) -> Result<Box<dyn Element>, ConfigError> {
    if kind == Kind::Direct {
        Ok(Box::new(build::<u16>(args, cx, kind, 24)?))
    } else {
        Ok(Box::new(build::<u32>(args, cx, kind, 16)?))
    }
}

fn build<C: Cell>(
    args: &mut Args,
    cx: &BuildContext,
    kind: Kind,
    first: u32,
) -> Result<RouteLookup<C>, ConfigError> {
    let mut table = RouteTable::<C>::new(kind, first);
    let mut duplicates = 0;
    for (i, arg) in args.rest().into_iter().enumerate() {
        let Some(route) = parse_route(&arg.text, false) else {
            return Err(crate::util::arg_error(
                &arg,
                format!("argument {} should be 'ADDR/MASK [GATEWAY] OUTPUT'", i + 1),
            ));
        };
        if route.port < 0 || route.port as usize >= cx.noutputs {
            return Err(crate::util::arg_error(
                &arg,
                format!("argument {} bad OUTPUT", i + 1),
            ));
        }
        match table.add(route, false) {
            Ok(_) => {}
            Err(ChangeError::Exists(_)) => duplicates += 1,
            Err(e) => return Err(crate::util::arg_error(&arg, e.to_string())),
        }
    }
    if duplicates > 0 {
        eprintln!(
            "{}: warning: {duplicates} later route{} for the same prefix ignored",
            cx.name,
            if duplicates > 1 { "s" } else { "" }
        );
    }
    Ok(RouteLookup {
        table,
        noutputs: cx.noutputs,
        last_lookup: String::new(),
    })
}

/// One handler command.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Command {
    Add,
    Set,
    Remove,
}

impl<C: Cell> RouteLookup<C> {
    pub fn table(&self) -> &RouteTable<C> {
        &self.table
    }

    /// Runs one command; returns what undoes it.
    fn run(&mut self, cmd: Command, text: &str) -> Result<(Command, Route), HandlerError> {
        let removing = cmd == Command::Remove;
        let route = parse_route(text, removing).ok_or_else(|| {
            HandlerError::BadValue(if removing {
                "expected 'ADDR/MASK [GATEWAY OUTPUT]'".into()
            } else {
                "expected 'ADDR/MASK [GATEWAY] OUTPUT'".into()
            })
        })?;
        let lowest = if removing { -1 } else { 0 };
        if route.port < lowest || (route.port >= 0 && route.port as usize >= self.noutputs) {
            return Err(HandlerError::BadValue("bad OUTPUT".into()));
        }
        let bad = |e: ChangeError| HandlerError::BadValue(e.to_string());
        Ok(match cmd {
            Command::Add | Command::Set => match self.table.add(route, cmd == Command::Set) {
                Ok(Some(old)) => (Command::Set, old),
                Ok(None) => (Command::Remove, route),
                Err(e) => return Err(bad(e)),
            },
            Command::Remove => (Command::Add, self.table.remove(route).map_err(bad)?),
        })
    }

    /// Click's `ctrl`: every line a command, applied all or none.
    fn ctrl(&mut self, value: &str) -> Result<(), HandlerError> {
        let mut undo: Vec<(Command, Route)> = Vec::new();
        let mut result = Ok(());
        for line in value.lines() {
            // Click uncomments the value first (`//` comments).
            let line = line.split("//").next().unwrap_or("").trim();
            let (word, rest) = line
                .split_once(|c: char| c.is_ascii_whitespace())
                .unwrap_or((line, ""));
            let cmd = match word {
                "" => continue,
                "add" => Command::Add,
                "set" => Command::Set,
                "remove" => Command::Remove,
                _ => {
                    result = Err(HandlerError::BadValue(format!("bad command '{word}'")));
                    break;
                }
            };
            match self.run(cmd, rest) {
                Ok(u) => undo.push(u),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        if result.is_err() {
            for (cmd, route) in undo.into_iter().rev() {
                let _ = match cmd {
                    Command::Remove => self.table.remove(route).map(|_| None),
                    Command::Add => self.table.add(route, false),
                    Command::Set => self.table.add(route, true),
                };
            }
        }
        result
    }
}

impl<C: Cell> Element for RouteLookup<C> {
    fn push(&mut self, _port: usize, batch: &mut PacketBatch, out: &mut Output) {
        let dst = |p: &packet::Packet| u32::from(p.anno().dst_ip());
        let Some(first) = batch.as_slice().first() else {
            return;
        };
        // Packets of a batch mostly take one route: the leading run that
        // does is annotated in place, and goes on whole if it is the batch.
        let hop = self.table.lookup(dst(first));
        let mut last = dst(first);
        let run = if hop.port < 0 {
            0
        } else {
            1 + batch.as_slice()[1..]
                .iter()
                .take_while(|p| {
                    let d = dst(p);
                    let same = d == last || self.table.lookup(d) == hop;
                    last = d;
                    same
                })
                .count()
        };
        if hop.gw != 0 {
            for p in &mut batch.as_mut_slice()[..run] {
                p.anno_mut().set_dst_ip(Ipv4Addr::from(hop.gw));
            }
        }
        if run == batch.len() {
            out.forward(hop.port as usize, batch);
            return;
        }
        let mut packets = batch.drain();
        for packet in packets.by_ref().take(run) {
            out.emit(hop.port as usize, packet);
        }
        for mut packet in packets {
            let hop = self.table.lookup(dst(&packet));
            if hop.port < 0 {
                out.drop(packet, NO_ROUTE);
                continue;
            }
            if hop.gw != 0 {
                packet.anno_mut().set_dst_ip(Ipv4Addr::from(hop.gw));
            }
            out.emit(hop.port as usize, packet);
        }
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "table" => Ok(self.table.table()),
            "lookup" => Ok(self.last_lookup.clone()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    /// `lookup` takes the address as a parameter, as in Click.
    fn read_handler_with(
        &mut self,
        name: &str,
        param: &str,
        _handlers: &dyn engine::HandlerAccess,
    ) -> Result<String, HandlerError> {
        match (name, param.trim()) {
            (_, "") => self.read_handler(name),
            ("lookup", address) => self.table.lookup_text(address),
            _ => Err(HandlerError::BadValue(format!(
                "handler '{name}' takes no parameters"
            ))),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        if name == "lookup" {
            self.last_lookup = self.table.lookup_text(value)?;
            return Ok(());
        }
        let kind = self.table.kind;
        if !kind.dynamic() {
            return Err(HandlerError::NotWritable(name.into()));
        }
        match name {
            "add" => self.run(Command::Add, value).map(drop),
            "set" => self.run(Command::Set, value).map(drop),
            "remove" => self.run(Command::Remove, value).map(drop),
            "ctrl" => self.ctrl(value),
            "flush" if kind.has_flush() => {
                self.table.flush();
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

    fn route(text: &str) -> Route {
        parse_route(text, false).unwrap()
    }

    fn lookup_element(kind: Kind, routes: &str) -> Box<dyn Element> {
        let mut args = Args::new(routes);
        let e = make(&mut args, &BuildContext::standalone("rt", 1, 3), kind).unwrap();
        args.complete().unwrap();
        e
    }

    #[test]
    fn lookup_reads_with_an_address_as_in_click() {
        let reg = crate::registry();
        let r = engine::Router::from_text(
            "t",
            "rt :: RadixIPLookup(0.0.0.0/0 10.0.0.254 0, 10.1.0.0/16 1); Idle -> rt; rt[0] -> Discard; rt[1] -> Discard;",
            &reg,
        )
        .unwrap();
        assert_eq!(r.read_handler_with("rt.lookup", "10.1.2.3").unwrap(), "1");
        assert_eq!(
            r.read_handler_with("rt.lookup", "8.8.8.8").unwrap(),
            "0 10.0.0.254"
        );
        assert!(r.read_handler_with("rt.lookup", "bogus").is_err());
        assert!(r.read_handler_with("rt.table", "x").is_err());
    }

    #[test]
    fn longest_prefix_wins() {
        for kind in [Kind::Linear, Kind::Radix, Kind::Direct] {
            let e = lookup_element(
                kind,
                "0.0.0.0/0 10.0.0.254 0, 10.0.0.0/8 1, 10.1.0.0/16 2, 10.1.2.3/32 0",
            );
            let mut e = e;
            let mut look = |a: &str| {
                e.write_handler("lookup", a).unwrap();
                e.read_handler("lookup").unwrap()
            };
            assert_eq!(look("10.1.2.3"), "0");
            assert_eq!(look("10.1.2.4"), "2");
            assert_eq!(look("10.9.0.1"), "1");
            assert_eq!(look("8.8.8.8"), "0 10.0.0.254");
        }
    }

    #[test]
    fn route_syntax_is_clicks() {
        assert_eq!(
            parse_route("18.26.4/24 1", false),
            Some(Route {
                addr: 0x121a_0400,
                mask: 0xffff_ff00,
                gw: 0,
                port: 1
            })
        );
        assert_eq!(route("1.2.3.4 - 2").mask, u32::MAX);
        assert_eq!(route("10.0.0.1/8 10.0.0.254 0").addr, 0x0a00_0000);
        assert_eq!(route("10.0.0.0/255.0.0.0 0").prefix_len(), 8);
        assert!(parse_route("10.0.0.0/8", false).is_none());
        assert_eq!(parse_route("10.0.0.0/8", true).unwrap().port, -1);
        assert_eq!(
            parse_route("10.0.0.0/8 1.1.1.1", true).unwrap().gw,
            0x0101_0101
        );
        assert!(parse_route("10.0.0.0/8 0 0", false).is_none());
        assert!(parse_route("10.0.0.0/40 0", false).is_none());
        assert!(parse_route("10.0.0.0/8 x", false).is_none());
        assert!(parse_route("", false).is_none());
    }

    #[test]
    fn table_text_is_clicks() {
        let e = lookup_element(
            Kind::Radix,
            "10.0.0.0/8 1, 18.26.4.0/255.255.255.0 18.26.4.1 2",
        );
        assert_eq!(
            e.read_handler("table").unwrap(),
            "10.0.0.0/8\t\t-\t\t1\n18.26.4.0/24\t\t18.26.4.1\t2\n"
        );
    }

    #[test]
    fn bad_configurations_are_errors() {
        for bad in ["10.0.0.0/8", "10.0.0.0/8 3", "10.0.0.0/8 -1", "nonsense 0"] {
            let mut args = Args::new(bad);
            assert!(
                make(
                    &mut args,
                    &BuildContext::standalone("rt", 1, 3),
                    Kind::Radix
                )
                .is_err(),
                "{bad}"
            );
        }
        // Duplicates keep the first route, as Click does.
        let e = lookup_element(Kind::Linear, "10.0.0.0/8 0, 10.0.0.0/8 1");
        assert_eq!(e.read_handler("table").unwrap(), "10.0.0.0/8\t\t-\t\t0\n");
    }

    /// The sequence Click 2.1 ran (tests/routing handlers): the listing
    /// after removals, additions and replacements matches Click's for
    /// each class.
    #[test]
    fn listing_after_changes_matches_click() {
        let config = "10.0.0.0/8 0, 10.0.0.0/8 1, 1.2.3.4 2.2.2.2 1, 0/0 1, 0.0.0.0/32 0";
        let script = |e: &mut Box<dyn Element>| {
            e.write_handler("remove", "10.0.0.0/8").unwrap();
            e.write_handler("add", "11.0.0.0/8 1").unwrap();
            e.write_handler("set", "1.2.3.4/32 0").unwrap();
            e.read_handler("table").unwrap()
        };
        let t = |rows: &[&str]| rows.iter().map(|r| format!("{r}\n")).collect::<String>();
        let mut r = lookup_element(Kind::Radix, config);
        assert_eq!(
            r.read_handler("table").unwrap(),
            t(&[
                "10.0.0.0/8\t\t-\t\t0",
                "1.2.3.4/32\t\t2.2.2.2\t\t1",
                "0.0.0.0/0\t\t-\t\t1",
                "0.0.0.0/32\t\t-\t\t0"
            ])
        );
        assert_eq!(
            script(&mut r),
            t(&[
                "11.0.0.0/8\t\t-\t\t1",
                "0.0.0.0/0\t\t-\t\t1",
                "0.0.0.0/32\t\t-\t\t0",
                "1.2.3.4/32\t\t-\t\t0"
            ])
        );
        let mut l = lookup_element(Kind::Linear, config);
        assert_eq!(
            script(&mut l),
            t(&[
                "0.0.0.0/32\t\t-\t\t0",
                "1.2.3.4/32\t\t-\t\t0",
                "0.0.0.0/0\t\t-\t\t1",
                "11.0.0.0/8\t\t-\t\t1"
            ])
        );
        l.write_handler("remove", "1.2.3.4/32").unwrap();
        assert_eq!(
            l.read_handler("table").unwrap(),
            t(&[
                "0.0.0.0/32\t\t-\t\t0",
                "0.0.0.0/0\t\t-\t\t1",
                "11.0.0.0/8\t\t-\t\t1"
            ])
        );
        let mut d = lookup_element(Kind::Direct, config);
        assert_eq!(
            d.read_handler("table").unwrap(),
            t(&[
                "0.0.0.0/0\t\t-\t\t1",
                "0.0.0.0/32\t\t-\t\t0",
                "10.0.0.0/8\t\t-\t\t0",
                "1.2.3.4/32\t\t2.2.2.2\t\t1"
            ])
        );
        assert_eq!(
            script(&mut d),
            t(&[
                "0.0.0.0/0\t\t-\t\t1",
                "11.0.0.0/8\t\t-\t\t1",
                "0.0.0.0/32\t\t-\t\t0",
                "1.2.3.4/32\t\t-\t\t0"
            ])
        );
        r.write_handler("flush", "").unwrap();
        assert_eq!(r.read_handler("table").unwrap(), "");
        assert!(l.write_handler("flush", "").is_err(), "Linear has no flush");
    }

    #[test]
    fn handler_errors_and_removal_matching() {
        let mut e = lookup_element(Kind::Radix, "10.0.0.0/8 10.0.0.1 1");
        let err = |r: Result<(), HandlerError>| r.unwrap_err().to_string();
        assert_eq!(
            err(e.write_handler("add", "10.0.0.0/8 2")),
            "conflict with existing route '10.0.0.0/8 10.0.0.1 1'"
        );
        assert_eq!(err(e.write_handler("add", "11.0.0.0/8 3")), "bad OUTPUT");
        assert_eq!(err(e.write_handler("add", "11.0.0.0/8 -1")), "bad OUTPUT");
        assert_eq!(
            err(e.write_handler("remove", "10.0.0.0/8 1")),
            "route '10.0.0.0/8 - 1' not found",
            "an output given: the gateway must match too"
        );
        e.write_handler("remove", "10.0.0.0/8 10.0.0.1 1").unwrap();
        assert_eq!(
            err(e.write_handler("remove", "10.0.0.0/8")),
            "route '10.0.0.0/8 - -1' not found"
        );
        assert!(e.write_handler("lookup", "nonsense").is_err());
        let mut s = lookup_element(Kind::Static, "10.0.0.0/8 1");
        assert!(s.write_handler("add", "11.0.0.0/8 1").is_err());
    }

    #[test]
    fn ctrl_is_all_or_nothing() {
        let mut e = lookup_element(Kind::Radix, "10.0.0.0/8 1, 12.0.0.0/8 1");
        let before = e.read_handler("table").unwrap();
        assert!(
            e.write_handler(
                "ctrl",
                "add 11.0.0.0/8 2\nset 10.0.0.0/8 2\nremove 12.0.0.0/8\nadd 10.0.0.0/8 0"
            )
            .is_err()
        );
        let mut look = |a: &str| {
            e.write_handler("lookup", a).unwrap();
            e.read_handler("lookup").unwrap()
        };
        assert_eq!(look("11.1.1.1"), "-1");
        assert_eq!(look("10.1.1.1"), "1");
        assert_eq!(look("12.1.1.1"), "1");
        let _ = before;
        e.write_handler("ctrl", "add 11.0.0.0/8 2 // comment\n\nremove 12.0.0.0/8\n")
            .unwrap();
        let mut look = |a: &str| {
            e.write_handler("lookup", a).unwrap();
            e.read_handler("lookup").unwrap()
        };
        assert_eq!(look("11.1.1.1"), "2");
        assert_eq!(look("12.1.1.1"), "-1");
        assert!(e.write_handler("ctrl", "frob 1.0.0.0/8 1").is_err());
    }

    #[test]
    fn default_route_and_hops_are_shared() {
        let mut t = RouteTable::<u16>::new(Kind::Direct, 24);
        t.add(route("0/0 9.9.9.9 1"), false).unwrap();
        t.add(route("10.0.0.0/8 9.9.9.9 1"), false).unwrap();
        t.add(route("10.1.0.0/16 2"), false).unwrap();
        assert_eq!(
            t.lookup(0x0b00_0000),
            Hop {
                port: 1,
                gw: 0x0909_0909
            }
        );
        t.remove(route("0/0 9.9.9.9 1")).unwrap();
        assert_eq!(t.lookup(0x0b00_0000).port, -1);
        assert_eq!(
            t.lookup(0x0a02_0000),
            Hop {
                port: 1,
                gw: 0x0909_0909
            }
        );
        t.remove(route("10.0.0.0/8 9.9.9.9 1")).unwrap();
        assert_eq!(t.lookup(0x0a02_0000).port, -1);
        assert_eq!(t.lookup(0x0a01_0000).port, 2);
        assert_eq!(t.hop_index.len(), 1, "unused hops are released");
    }

    /// Routes changed through the router's handler interface take effect
    /// for the next packets, for every dynamic class.
    #[test]
    fn routes_change_while_the_router_runs() {
        for class in [
            "RadixIPLookup",
            "DirectIPLookup",
            "LinearIPLookup",
            "LookupIPRoute",
        ] {
            let text = format!(
                "Idle -> in :: GetIPAddress(16) -> rt :: {class}(10.0.0.0/8 0);
                 rt[0] -> c0 :: Counter -> Discard; rt[1] -> c1 :: Counter -> Discard;"
            );
            let router = engine::Router::from_text("t", &text, &crate::registry())
                .unwrap_or_else(|e| panic!("{}", e.render()));
            let eid = router.find("in").unwrap();
            let send = || {
                let mut b = PacketBatch::new();
                b.push(
                    packet::Packet::from_slice(&crate::ip::testing::ipv4_udp(
                        64,
                        [1, 1, 1, 1],
                        [10, 1, 2, 3],
                    ))
                    .unwrap(),
                );
                router.inject(eid, 0, b);
            };
            let count = |c: &str| router.read_handler(&format!("{c}.count")).unwrap();
            send();
            router.write_handler("rt.add", "10.1.0.0/16 1").unwrap();
            send();
            router
                .write_handler("rt.ctrl", "remove 10.1.0.0/16\nset 10.0.0.0/8 1")
                .unwrap();
            send();
            router.write_handler("rt.remove", "10.0.0.0/8").unwrap();
            send();
            assert_eq!(
                (count("c0"), count("c1")),
                ("1".into(), "2".into()),
                "{class}"
            );
            assert_eq!(router.read_handler("rt.table").unwrap(), "", "{class}");
        }
        let router = engine::Router::from_text(
            "t",
            "Idle -> rt :: StaticIPLookup(10.0.0.0/8 0) -> Discard;",
            &crate::registry(),
        )
        .unwrap();
        assert!(router.write_handler("rt.add", "11.0.0.0/8 0").is_err());
    }
}
