//! The flow table shared by the rewriter family: mappings keyed by flow
//! identifier in both directions, Click's guarantee and best-effort
//! expiry, a capacity, and the checksum arithmetic of a rewrite.
//!
//! Key decision: one hash index from (map, flow identifier) to a slot in a
//! slab of flows, so a packet costs one probe and no allocation; each flow
//! sits in one of two expiry heaps as in Click (guaranteed flows, then
//! best-effort ones), but a packet only stamps the flow's last-use time:
//! heap entries are brought up to date when they reach the top (when a
//! new flow needs room, or at the reap interval), which gives the same
//! choice of victim as Click's per-packet heap updates. The order in
//! which Click's hash table lists its entries (its `table` handlers) is
//! replayed from each entry's insertion number and the table's resizes,
//! so the handler text matches Click's line for line.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::fmt::Write as _;
use std::hash::{BuildHasher, Hash, Hasher};
use std::net::Ipv4Addr;

/// A flow identifier as Click's `IPFlowID`: addresses and ports (host
/// order numbers), no protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct FlowKey {
    pub saddr: u32,
    pub daddr: u32,
    pub sport: u16,
    pub dport: u16,
}

impl FlowKey {
    pub const fn new(saddr: u32, sport: u16, daddr: u32, dport: u16) -> FlowKey {
        FlowKey {
            saddr,
            daddr,
            sport,
            dport,
        }
    }

    /// The same flow seen from the other end.
    #[inline]
    pub fn reverse(&self) -> FlowKey {
        FlowKey {
            saddr: self.daddr,
            daddr: self.saddr,
            sport: self.dport,
            dport: self.sport,
        }
    }

    /// Click's `(SADDR, SPORT, DADDR, DPORT)`.
    pub fn unparse(&self, out: &mut String) {
        let _ = write!(
            out,
            "({}, {}, {}, {})",
            Ipv4Addr::from(self.saddr),
            self.sport,
            Ipv4Addr::from(self.daddr),
            self.dport
        );
    }

    /// Click's `IPFlowID::hashcode()` on a little-endian machine, cut to
    /// the 32 bits its hash table uses to pick a bucket.
    pub fn click_hash(&self) -> u32 {
        let sx = self.saddr.swap_bytes();
        let dx = self.daddr.swap_bytes();
        let (s, d) = (u32::from(self.sport), u32::from(self.dport));
        sx.rotate_left(s % 16 + 1) ^ dx.rotate_left(31 - d % 16) ^ ((d << 16) | s)
    }

    /// The 16-bit words of the identifier in Click's memory order
    /// (source address, destination address, source port, destination
    /// port), for checksum deltas.
    fn words(&self) -> [u16; 6] {
        [
            (self.saddr >> 16) as u16,
            self.saddr as u16,
            (self.daddr >> 16) as u16,
            self.daddr as u16,
            self.sport,
            self.dport,
        ]
    }
}

/// Which header fields identify a flow, for other elements that key
/// packets by flow (`FlowStats`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// Protocol, addresses and ports (ICMP echo with its ID as both ports).
    FiveTuple,
    /// Protocol and both addresses (ports kept where there are any).
    AddrPair,
}

/// A flow with its protocol, as seen in one direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FlowId {
    pub proto: u8,
    pub saddr: u32,
    pub sport: u16,
    pub daddr: u32,
    pub dport: u16,
}

impl FlowId {
    /// Reads the flow of an IPv4 packet (`ip` from its IP header); `None`
    /// for packets the kind cannot key (too short, later fragments of
    /// TCP/UDP, ICMP that is not echo or echo reply).
    pub fn of_packet(ip: &[u8], kind: KeyKind) -> Option<FlowId> {
        if ip.len() < 20 || ip[0] >> 4 != 4 {
            return None;
        }
        let hl = usize::from(ip[0] & 0x0f) * 4;
        let proto = ip[9];
        let saddr = u32::from_be_bytes([ip[12], ip[13], ip[14], ip[15]]);
        let daddr = u32::from_be_bytes([ip[16], ip[17], ip[18], ip[19]]);
        let later_fragment = u16::from_be_bytes([ip[6], ip[7]]) & 0x1fff != 0;
        let transport = ip.get(hl..).filter(|_| hl >= 20 && !later_fragment);
        let ports = match (kind, proto, transport) {
            (_, 6 | 17, Some(t)) if t.len() >= 4 => (
                u16::from_be_bytes([t[0], t[1]]),
                u16::from_be_bytes([t[2], t[3]]),
            ),
            (KeyKind::FiveTuple, 1, Some(t)) if t.len() >= 6 && matches!(t[0], 0 | 8) => {
                let id = u16::from_be_bytes([t[4], t[5]]);
                (id, id)
            }
            (KeyKind::AddrPair, ..) => (0, 0),
            _ => return None,
        };
        Some(FlowId {
            proto,
            saddr,
            sport: ports.0,
            daddr,
            dport: ports.1,
        })
    }
}

/// A key in the table: which of the element's maps (IPRewriter keeps TCP
/// and UDP apart) and the identifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MapKey {
    pub map: u8,
    pub key: FlowKey,
}

impl Hash for MapKey {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        let k = &self.key;
        state.write_u64(u64::from(k.saddr) << 32 | u64::from(k.daddr));
        state.write_u64(u64::from(k.sport) << 16 | u64::from(k.dport) | u64::from(self.map) << 32);
    }
}

/// Click's `click_update_in_cksum`: the checksum after one covered 16-bit
/// word changes from `old` to `new` (RFC 1624 eqn. 3, folded as Click
/// folds, so results match Click's byte for byte).
#[inline]
pub fn click_update(csum: u16, old: u16, new: u16) -> u16 {
    let sum = u32::from(!csum) + u32::from(!old) + u32::from(new);
    let sum = (sum & 0xffff) + (sum >> 16);
    !((sum + (sum >> 16)) as u16)
}

/// Applies a flow's checksum delta in one direction, as Click's
/// `IPRewriterFlow::update_csum`.
#[inline]
pub fn apply_delta(csum: u16, reply: bool, delta: u16) -> u16 {
    if delta == 0 {
        csum
    } else {
        click_update(csum, 0, if reply { delta } else { !delta })
    }
}

/// The checksum deltas of rewriting `from` into `to`: over the addresses
/// (IP header) and over addresses and ports (TCP/UDP pseudo-header).
pub fn deltas(from: &FlowKey, to: &FlowKey) -> (u16, u16) {
    let (a, b) = (from.words(), to.words());
    let mut ip = 0;
    for i in 0..4 {
        ip = click_update(ip, a[i], b[i]);
    }
    let mut udp = ip;
    for i in 4..6 {
        udp = click_update(udp, a[i], b[i]);
    }
    (ip, udp)
}

/// A seeded hash for flow keys: two multiplies and a fold.
#[derive(Clone, Copy)]
pub struct FlowHashState(u64);

impl FlowHashState {
    pub fn random() -> FlowHashState {
        let seed = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        FlowHashState(seed | 1)
    }
}

pub struct FlowHasher(u64);

impl Hasher for FlowHasher {
    #[inline]
    fn finish(&self) -> u64 {
        let x = self.0;
        x ^ (x >> 29)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    #[inline]
    fn write_u8(&mut self, v: u8) {
        self.write_u64(u64::from(v));
    }
    #[inline]
    fn write_u16(&mut self, v: u16) {
        self.write_u64(u64::from(v));
    }
    #[inline]
    fn write_u32(&mut self, v: u32) {
        self.write_u64(u64::from(v));
    }
    #[inline]
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0 ^ v)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(26);
    }
}

impl BuildHasher for FlowHashState {
    type Hasher = FlowHasher;
    #[inline]
    fn build_hasher(&self) -> FlowHasher {
        FlowHasher(self.0)
    }
}

/// How a flow's timeouts are chosen (Click's flow classes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeoutKind {
    /// One timeout (address rewriters, ICMP ping).
    Plain,
    /// TCP: done, bidirectional data, or neither.
    Tcp,
    /// UDP: streaming or not.
    Udp,
}

/// TCP state bits, as Click's `TCPFlow`.
pub const TCP_FORWARD_DONE: u8 = 1;
pub const TCP_BOTH_DONE: u8 = 3;
pub const TCP_FORWARD_DATA: u8 = 4;
pub const TCP_BOTH_DATA: u8 = 12;

/// One mapping: the flow's two entries and how to rewrite them.
#[derive(Clone, Copy, Debug)]
pub struct Flow {
    /// Entry keys: `[0]` the flow as it arrived, `[1]` the reply flow as
    /// it will arrive (the rewritten flow reversed).
    pub key: [FlowKey; 2],
    /// Output of each direction.
    pub output: [u32; 2],
    pub map: u8,
    /// The IP protocol Click records for the flow (0 for the address
    /// rewriters).
    pub proto: u8,
    pub input: u16,
    pub tkind: TimeoutKind,
    /// TCP or UDP state bits.
    pub tflags: u8,
    pub reply_anno: u8,
    /// Checksum deltas (forward direction).
    pub ip_delta: u16,
    pub port_delta: u16,
    /// When the last packet passed, in clock nanoseconds.
    pub used_ns: u64,
    /// The heap holding this flow's current entry (0 best effort, 1
    /// guaranteed) and that entry's key.
    heap: u8,
    heap_key: u64,
    /// Insertion numbers of the two entries in Click's hash table.
    seq: [u64; 2],
}

impl Flow {
    /// A new flow from `flowid` to `rewritten`, leaving by `fout` and its
    /// replies by `rout`.
    pub fn new(
        map: u8,
        flowid: FlowKey,
        rewritten: FlowKey,
        outputs: (u32, u32),
        input: u16,
        proto: u8,
        tkind: TimeoutKind,
    ) -> Flow {
        let (ip_delta, port_delta) = deltas(&flowid, &rewritten);
        Flow {
            key: [flowid, rewritten.reverse()],
            output: [outputs.0, outputs.1],
            map,
            proto,
            input,
            tkind,
            tflags: 0,
            reply_anno: 0,
            ip_delta,
            port_delta,
            used_ns: 0,
            heap: 0,
            heap_key: 0,
            seq: [0; 2],
        }
    }

    /// Where packets of direction `reply` are rewritten to: the other
    /// entry's key reversed (Click's `rewritten_flowid`).
    #[inline]
    pub fn rewritten(&self, reply: bool) -> FlowKey {
        self.key[usize::from(!reply)].reverse()
    }

    /// Click's UDP "streaming": three packets or more, replies among them.
    pub fn streaming(&self) -> bool {
        self.tflags > 6
    }

    /// Counts a UDP packet in direction `reply` (Click's `UDPFlow`).
    #[inline]
    pub fn note_udp(&mut self, reply: bool) {
        if reply {
            self.tflags |= 1;
        }
        if self.tflags < 6 {
            self.tflags += 2;
        }
    }

    /// Tracks TCP state from a segment's flags (Click's `TCPFlow`).
    #[inline]
    pub fn note_tcp(&mut self, reply: bool, flags: u8, payload: bool) {
        let shift = u8::from(reply);
        if flags & 0x04 != 0 {
            self.tflags |= TCP_BOTH_DONE;
        } else if flags & 0x01 != 0 {
            self.tflags |= TCP_FORWARD_DONE << shift;
        } else if flags & 0x02 != 0 || payload {
            self.tflags &= !(TCP_FORWARD_DONE << shift);
        }
        if payload {
            self.tflags |= TCP_FORWARD_DATA << shift;
        }
    }
}

/// Timeouts in nanoseconds: `(timeout, guarantee)` per kind; TCP has
/// three timeouts (no data both ways, data both ways, done).
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    pub plain: (u64, u64),
    pub tcp_nodata: u64,
    pub tcp_data: u64,
    pub tcp_done: u64,
    pub tcp_guarantee: u64,
    pub udp: u64,
    pub udp_streaming: u64,
    pub udp_guarantee: u64,
}

impl Timeouts {
    /// The flow's best-effort timeout and its guarantee.
    #[inline]
    pub fn of(&self, f: &Flow) -> (u64, u64) {
        match f.tkind {
            TimeoutKind::Plain => self.plain,
            TimeoutKind::Tcp => {
                let t = if f.tflags & TCP_BOTH_DONE == TCP_BOTH_DONE {
                    self.tcp_done
                } else if f.tflags & TCP_BOTH_DATA == TCP_BOTH_DATA {
                    self.tcp_data
                } else {
                    self.tcp_nodata
                };
                (t, self.tcp_guarantee)
            }
            TimeoutKind::Udp => {
                let t = if f.streaming() {
                    self.udp_streaming
                } else {
                    self.udp
                };
                (t, self.udp_guarantee)
            }
        }
    }
}

/// Per-input counts: live flows made there and mappings that failed.
#[derive(Clone, Copy, Debug, Default)]
pub struct InputStats {
    pub count: u32,
    pub failures: u32,
}

/// How Click's hash table for one map grew: its entry count, bucket
/// count, and after which insertion each resize happened.
#[derive(Clone, Debug)]
struct MapHistory {
    size: usize,
    nbuckets: u32,
    seq: u64,
    resizes: Vec<(u64, u32)>,
}

impl MapHistory {
    fn new() -> MapHistory {
        MapHistory {
            size: 0,
            nbuckets: 1,
            seq: 0,
            resizes: Vec::new(),
        }
    }

    /// Click's `rehash(nbuckets + 1)` when more than two entries share a
    /// bucket on average.
    fn balance(&mut self) {
        if self.size > 2 * self.nbuckets as usize && self.nbuckets < u32::MAX {
            let want = self.nbuckets + 1;
            let mut n: u32 = 1;
            while n < want {
                n = n.saturating_add(1).saturating_mul(2) - 1;
            }
            self.nbuckets = n;
            self.resizes.push((self.seq, n));
        }
    }
}

#[derive(Clone, Copy)]
struct Slot {
    flow: Flow,
    generation: u32,
    live: bool,
}

/// An expiry heap entry: (key, push number, slot, generation), smallest
/// key first, then oldest push.
type HeapEntry = Reverse<(u64, u64, u32, u32)>;

/// Mappings by entry key, with Click's expiry heaps and a capacity.
pub struct FlowTable {
    index: HashMap<MapKey, u32, FlowHashState>,
    slots: Vec<Slot>,
    free: Vec<u32>,
    heaps: [BinaryHeap<HeapEntry>; 2],
    pushes: u64,
    live: usize,
    pub capacity: usize,
    pub timeouts: Timeouts,
    pub inputs: Vec<InputStats>,
    history: [MapHistory; 2],
}

const BEST_EFFORT: u8 = 0;
const GUARANTEED: u8 = 1;

impl FlowTable {
    pub fn new(timeouts: Timeouts, capacity: usize, ninputs: usize) -> FlowTable {
        FlowTable {
            index: HashMap::with_hasher(FlowHashState::random()),
            slots: Vec::new(),
            free: Vec::new(),
            heaps: [BinaryHeap::new(), BinaryHeap::new()],
            pushes: 0,
            live: 0,
            capacity,
            timeouts,
            inputs: vec![InputStats::default(); ninputs],
            history: [MapHistory::new(), MapHistory::new()],
        }
    }

    /// Flows in the table (Click's `size`).
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Flows made by the element's inputs (Click's `table_size`).
    pub fn count(&self) -> u64 {
        self.inputs.iter().map(|s| u64::from(s.count)).sum()
    }

    /// Mappings that could not be made (Click's `mapping_failures`).
    pub fn failures(&self) -> u64 {
        self.inputs.iter().map(|s| u64::from(s.failures)).sum()
    }

    /// Counts a mapping failure on `input`.
    pub fn fail(&mut self, input: usize) {
        if let Some(s) = self.inputs.get_mut(input) {
            s.failures = s.failures.saturating_add(1);
        }
    }

    /// The slot and direction of the entry keyed `key` in map `map`.
    #[inline]
    pub fn lookup(&self, map: u8, key: &FlowKey) -> Option<(u32, bool)> {
        let v = *self.index.get(&MapKey { map, key: *key })?;
        Some((v >> 1, v & 1 != 0))
    }

    /// Whether any entry of map `map` has key `key` (a pattern's test for
    /// a free port or address).
    #[inline]
    pub fn contains(&self, map: u8, key: &FlowKey) -> bool {
        self.index.contains_key(&MapKey { map, key: *key })
    }

    #[inline]
    pub fn flow(&self, slot: u32) -> &Flow {
        &self.slots[slot as usize].flow
    }

    #[inline]
    pub fn flow_mut(&mut self, slot: u32) -> &mut Flow {
        &mut self.slots[slot as usize].flow
    }

    /// Records a packet of flow `slot` at `now`, after its state bits
    /// changed: its expiry moves on. A shorter timeout than the one its
    /// best-effort heap entry was filed under (a TCP FIN) files it again.
    #[inline]
    pub fn touch(&mut self, slot: u32, now: u64) {
        let timeouts = self.timeouts;
        let s = &mut self.slots[slot as usize];
        s.flow.used_ns = now;
        if s.flow.heap == BEST_EFFORT {
            let (timeout, _) = timeouts.of(&s.flow);
            let due = now.saturating_add(timeout);
            if due < s.flow.heap_key {
                let generation = s.generation;
                self.file(slot, generation, BEST_EFFORT, due);
            }
        }
    }

    fn file(&mut self, slot: u32, generation: u32, heap: u8, key: u64) {
        let f = &mut self.slots[slot as usize].flow;
        f.heap = heap;
        f.heap_key = key;
        self.pushes += 1;
        self.heaps[usize::from(heap)].push(Reverse((key, self.pushes, slot, generation)));
    }

    /// Whether a heap entry is the flow's current one.
    fn current(&self, heap: u8, e: &(u64, u64, u32, u32)) -> bool {
        let s = &self.slots[e.2 as usize];
        s.live && s.generation == e.3 && s.flow.heap == heap && s.flow.heap_key == e.0
    }

    /// The time flow `slot` expires, as Click's table shows it (the
    /// best-effort expiry even while guaranteed).
    pub fn expiry(&self, slot: u32) -> u64 {
        let f = &self.slots[slot as usize].flow;
        f.used_ns.saturating_add(self.timeouts.of(f).0)
    }

    /// Moves guaranteed flows whose guarantee is over to the best-effort
    /// heap (Click's `shift_heap_best_effort`).
    fn shift(&mut self, now: u64) {
        while let Some(&Reverse(e)) = self.heaps[1].peek() {
            if e.0 > now {
                break;
            }
            self.heaps[1].pop();
            if !self.current(GUARANTEED, &e) {
                continue;
            }
            let f = &self.slots[e.2 as usize].flow;
            let (timeout, guarantee) = self.timeouts.of(f);
            let until = f.used_ns.saturating_add(guarantee);
            if guarantee > 0 && until > now {
                self.file(e.2, e.3, GUARANTEED, until);
            } else {
                let due = f.used_ns.saturating_add(timeout);
                self.file(e.2, e.3, BEST_EFFORT, due);
            }
        }
    }

    /// The best-effort flow that expires first, with its expiry; entries
    /// out of date are filed again on the way (a flow used since it was
    /// filed may be guaranteed again, or expire later).
    fn best_effort_first(&mut self, now: u64) -> Option<(u32, u64)> {
        while let Some(&Reverse(e)) = self.heaps[0].peek() {
            if !self.current(BEST_EFFORT, &e) {
                self.heaps[0].pop();
                continue;
            }
            let f = &self.slots[e.2 as usize].flow;
            let (timeout, guarantee) = self.timeouts.of(f);
            let until = f.used_ns.saturating_add(guarantee);
            if guarantee > 0 && until > now {
                self.heaps[0].pop();
                self.file(e.2, e.3, GUARANTEED, until);
                continue;
            }
            let due = f.used_ns.saturating_add(timeout);
            if due > e.0 {
                self.heaps[0].pop();
                self.file(e.2, e.3, BEST_EFFORT, due);
                continue;
            }
            return Some((e.2, due));
        }
        None
    }

    /// Any guaranteed flow (the first to lose its guarantee).
    fn guaranteed_first(&mut self) -> Option<u32> {
        while let Some(&Reverse(e)) = self.heaps[1].peek() {
            if self.current(GUARANTEED, &e) {
                return Some(e.2);
            }
            self.heaps[1].pop();
        }
        None
    }

    /// Removes expired flows and then, while the table holds more than
    /// its capacity, the flows that expire first (Click's `shrink_heap`;
    /// `all` empties the table).
    pub fn reap(&mut self, now: u64, all: bool) {
        self.shift(now);
        while let Some((slot, due)) = self.best_effort_first(now) {
            if due > now {
                break;
            }
            self.destroy(slot);
        }
        let limit = if all { 0 } else { self.capacity };
        while self.live > limit {
            let victim = match self.best_effort_first(now) {
                Some((slot, _)) => slot,
                None => match self.guaranteed_first() {
                    Some(slot) => slot,
                    None => break,
                },
            };
            self.destroy(victim);
        }
        if self.live == 0 {
            self.heaps[0].clear();
            self.heaps[1].clear();
        }
    }

    /// Removes every flow made on `input`.
    pub fn remove_input(&mut self, input: usize) {
        for slot in 0..self.slots.len() as u32 {
            let s = &self.slots[slot as usize];
            if s.live && usize::from(s.flow.input) == input {
                self.destroy(slot);
            }
        }
    }

    /// Removes flow `slot`: its entries (where they are still its own),
    /// its count; its heap entry goes stale.
    fn destroy(&mut self, slot: u32) {
        let s = &mut self.slots[slot as usize];
        if !s.live {
            return;
        }
        s.live = false;
        s.generation = s.generation.wrapping_add(1);
        let flow = s.flow;
        for dir in 0..2u32 {
            let mk = MapKey {
                map: flow.map,
                key: flow.key[dir as usize],
            };
            if self.index.get(&mk) == Some(&(slot << 1 | dir)) {
                self.index.remove(&mk);
                let h = &mut self.history[usize::from(flow.map & 1)];
                h.size = h.size.saturating_sub(1);
            }
        }
        if let Some(st) = self.inputs.get_mut(usize::from(flow.input)) {
            st.count = st.count.saturating_sub(1);
        }
        self.live -= 1;
        self.free.push(slot);
    }

    /// Adds `flow`, first used at `now`, as Click's `store_flow`: a flow
    /// already using the new reply key is removed, and when the table is
    /// then over capacity the best-effort flow that expires first makes
    /// room (if there is none, or it is the new flow, the new flow fails
    /// and the failure is counted on its input). Returns the new slot.
    pub fn insert(&mut self, mut flow: Flow, now: u64) -> Option<u32> {
        flow.used_ns = now;
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(Slot {
                    flow,
                    generation: 0,
                    live: false,
                });
                (self.slots.len() - 1) as u32
            }
        };
        let generation = self.slots[slot as usize].generation;
        self.slots[slot as usize] = Slot {
            flow,
            generation,
            live: true,
        };
        self.live += 1;
        if let Some(st) = self.inputs.get_mut(usize::from(flow.input)) {
            st.count = st.count.saturating_add(1);
        }
        let m = usize::from(flow.map & 1);
        for dir in 0..2u32 {
            let mk = MapKey {
                map: flow.map,
                key: flow.key[dir as usize],
            };
            let seq = match self.index.insert(mk, slot << 1 | dir) {
                // Replacing an entry keeps its place in Click's bucket.
                Some(old) => {
                    let (os, od) = (old >> 1, (old & 1) as usize);
                    let seq = self.slots[os as usize].flow.seq[od];
                    if os != slot {
                        self.destroy_keeping(os, &mk);
                    }
                    seq
                }
                None => {
                    let h = &mut self.history[m];
                    h.size += 1;
                    h.seq += 1;
                    h.seq
                }
            };
            self.slots[slot as usize].flow.seq[dir as usize] = seq;
        }
        let (timeout, guarantee) = self.timeouts.of(&flow);
        if guarantee > 0 {
            self.file(slot, generation, GUARANTEED, now.saturating_add(guarantee));
        } else {
            self.file(slot, generation, BEST_EFFORT, now.saturating_add(timeout));
        }
        if self.live > self.capacity {
            self.shift(now);
            let victim = match self.best_effort_first(now) {
                Some((v, _)) => v,
                None => slot,
            };
            self.destroy(victim);
            if victim == slot {
                self.fail(usize::from(flow.input));
                return None;
            }
        }
        self.history[m].balance();
        Some(slot)
    }

    /// Destroys flow `slot` whose entry `taken` now belongs to another
    /// flow.
    fn destroy_keeping(&mut self, slot: u32, taken: &MapKey) {
        let keep = self.index.remove(taken);
        self.destroy(slot);
        if let Some(v) = keep {
            self.index.insert(*taken, v);
        }
    }

    /// Every entry of map `map` in the order Click's hash table lists
    /// them: (slot, reply direction).
    pub fn click_order(&self, map: u8) -> Vec<(u32, bool)> {
        let mut entries: Vec<(u64, u32, bool, u32)> = Vec::new();
        for (mk, &v) in &self.index {
            if mk.map != map {
                continue;
            }
            let (slot, dir) = (v >> 1, v & 1);
            let seq = self.slots[slot as usize].flow.seq[dir as usize];
            entries.push((seq, slot, dir != 0, mk.key.click_hash()));
        }
        entries.sort_unstable_by_key(|e| e.0);
        let history = &self.history[usize::from(map & 1)];
        // Chains are stored tail first: the head (newest) is last.
        let mut buckets: Vec<Vec<(u32, bool, u32)>> = vec![Vec::new()];
        let mut resizes = history.resizes.iter().peekable();
        let rehash = |buckets: &mut Vec<Vec<(u32, bool, u32)>>, n: u32| {
            let mut new: Vec<Vec<(u32, bool, u32)>> = vec![Vec::new(); n as usize];
            for chain in buckets.iter() {
                for &e in chain.iter().rev() {
                    new[(e.2 % n) as usize].push(e);
                }
            }
            *buckets = new;
        };
        for (seq, slot, dir, hash) in entries {
            while let Some(&&(after, n)) = resizes.peek() {
                if after >= seq {
                    break;
                }
                rehash(&mut buckets, n);
                resizes.next();
            }
            let n = buckets.len() as u32;
            buckets[(hash % n) as usize].push((slot, dir, hash));
        }
        for &(_, n) in resizes {
            rehash(&mut buckets, n);
        }
        buckets
            .iter()
            .flat_map(|chain| chain.iter().rev().map(|&(s, d, _)| (s, d)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(a: [u8; 4]) -> u32 {
        u32::from(Ipv4Addr::from(a))
    }

    fn timeouts(guarantee: u64) -> Timeouts {
        Timeouts {
            plain: (100, guarantee),
            tcp_nodata: 100,
            tcp_data: 1000,
            tcp_done: 10,
            tcp_guarantee: guarantee,
            udp: 100,
            udp_streaming: 100,
            udp_guarantee: guarantee,
        }
    }

    fn flow(n: u16) -> Flow {
        Flow::new(
            0,
            FlowKey::new(ip([10, 0, 0, 1]), n, ip([8, 8, 8, 8]), 53),
            FlowKey::new(ip([1, 0, 0, 1]), n + 1000, ip([8, 8, 8, 8]), 53),
            (0, 1),
            0,
            17,
            TimeoutKind::Plain,
        )
    }

    #[test]
    fn deltas_match_a_recomputed_checksum() {
        let from = FlowKey::new(ip([10, 0, 0, 1]), 40000, ip([8, 8, 8, 8]), 53);
        let to = FlowKey::new(ip([1, 0, 0, 1]), 1024, ip([8, 8, 8, 8]), 53);
        let (ipd, _) = deltas(&from, &to);
        let mut h = [
            0x45u8, 0, 0, 20, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 8, 8, 8, 8,
        ];
        let c = packet::checksum::checksum(&h);
        h[10..12].copy_from_slice(&c.to_be_bytes());
        let new = apply_delta(c, false, ipd);
        h[12..16].copy_from_slice(&[1, 0, 0, 1]);
        h[10..12].copy_from_slice(&[0, 0]);
        assert_eq!(new, packet::checksum::checksum(&h));
        assert_eq!(apply_delta(new, true, ipd), c, "the reply undoes it");
    }

    #[test]
    fn click_hash_order_of_a_small_table() {
        // Click listed these entries in this order (IPRewriter udp_table on
        // nat-flows.pcap): two resizes, entries newest first per bucket.
        let mut t = FlowTable::new(timeouts(5), usize::MAX, 1);
        let a = ip([10, 0, 0, 1]);
        let b = ip([10, 0, 0, 2]);
        let dns = ip([8, 8, 8, 8]);
        let public = ip([1, 0, 0, 1]);
        for (src, sport, port) in [(a, 40000, 1024), (b, 40000, 1025), (a, 1000, 1027)] {
            let f = Flow::new(
                0,
                FlowKey::new(src, sport, dns, 53),
                FlowKey::new(public, port, dns, 53),
                (0, 1),
                0,
                17,
                TimeoutKind::Udp,
            );
            t.insert(f, 0).unwrap();
        }
        let order: Vec<FlowKey> = t
            .click_order(0)
            .into_iter()
            .map(|(s, d)| t.flow(s).key[usize::from(d)])
            .collect();
        let expect = [
            FlowKey::new(dns, 53, public, 1027),
            FlowKey::new(dns, 53, public, 1024),
            FlowKey::new(a, 1000, dns, 53),
            FlowKey::new(b, 40000, dns, 53),
            FlowKey::new(a, 40000, dns, 53),
            FlowKey::new(dns, 53, public, 1025),
        ];
        assert_eq!(order, expect);
    }

    #[test]
    fn guaranteed_flows_refuse_newcomers_then_yield_to_them() {
        let mut t = FlowTable::new(timeouts(5), 2, 1);
        assert!(t.insert(flow(1), 0).is_some());
        assert!(t.insert(flow(2), 1).is_some());
        assert!(t.insert(flow(3), 2).is_none(), "both still guaranteed");
        assert_eq!(t.failures(), 1);
        // Flow 1 is used again at 4; at 7 flow 2's guarantee is over and
        // it expires before flow 1, so it makes room.
        let (s1, _) = t.lookup(0, &flow(1).key[0]).unwrap();
        t.touch(s1, 4);
        assert!(t.insert(flow(3), 7).is_some());
        assert!(t.lookup(0, &flow(2).key[0]).is_none(), "flow 2 evicted");
        assert!(t.lookup(0, &flow(1).key[1]).is_some(), "flow 1 kept");
        assert_eq!(t.len(), 2);
        // Reaping after every timeout empties the table.
        t.reap(1000, false);
        assert!(t.is_empty());
    }

    #[test]
    fn without_guarantee_the_oldest_flow_makes_room() {
        let mut t = FlowTable::new(timeouts(0), 2, 1);
        t.insert(flow(1), 0).unwrap();
        t.insert(flow(2), 1).unwrap();
        t.insert(flow(3), 2).unwrap();
        assert!(t.lookup(0, &flow(1).key[0]).is_none());
        assert_eq!((t.len(), t.failures()), (2, 0));
    }

    #[test]
    fn a_taken_reply_key_replaces_the_old_flow() {
        let mut t = FlowTable::new(timeouts(5), 10, 1);
        let mut f = flow(1);
        t.insert(f, 0).unwrap();
        f.key[0].saddr = ip([10, 0, 0, 9]);
        let s = t.insert(f, 0).unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!(t.lookup(0, &f.key[1]), Some((s, true)));
        assert!(t.lookup(0, &flow(1).key[0]).is_none());
        assert_eq!(t.click_order(0).len(), 2);
    }

    #[test]
    fn tcp_state_picks_the_timeout() {
        let to = timeouts(0);
        let mut f = Flow::new(
            0,
            FlowKey::default(),
            FlowKey::default(),
            (0, 0),
            0,
            6,
            TimeoutKind::Tcp,
        );
        assert_eq!(to.of(&f).0, 100);
        f.note_tcp(false, 0x10, true);
        f.note_tcp(true, 0x10, true);
        assert_eq!(to.of(&f).0, 1000);
        f.note_tcp(false, 0x11, false);
        assert_eq!(to.of(&f).0, 1000, "one FIN");
        f.note_tcp(true, 0x11, false);
        assert_eq!(to.of(&f).0, 10, "both FINs");
    }
}
