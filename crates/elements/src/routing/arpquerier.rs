//! ARPQuerier — encapsulates IP packets in Ethernet headers found via ARP.
//!
//! ## Synopsis
//! `ARPQuerier(IP, ETH [, keywords])`
//! `ARPQuerier(NAME [, keywords])`
//!
//! ## Ports
//! 2 inputs (IP packets; ARP replies), 1 or 2 outputs; push.
//!
//! ## Description
//! Input 0 takes IP packets whose destination-IP annotation names the next
//! hop. If the next hop's Ethernet address is known and fresh, the packet
//! gets an Ethernet header (from ETH, type IPv4) and leaves on output 0.
//! Packets to 255.255.255.255 or to BROADCAST go to FF-FF-FF-FF-FF-FF;
//! multicast addresses to 01-00-5E and their low 23 bits (RFC 1112);
//! packets whose annotation is 0.0.0.0 are dropped (reason `no_address`).
//!
//! Otherwise the packet waits in the next hop's entry and an ARP request
//! (broadcast, stamped like the packet) asks for the address — at most 10
//! a second for one address, and one every 2 seconds after 10 requests
//! without a reply. A known entry older than POLL_TIMEOUT is polled the
//! same way (a request to its known address, or broadcast with
//! BROADCAST_POLL) while packets still use it. Requests leave on output 1
//! if it is connected, else on output 0.
//!
//! Input 1 takes ARP replies (Ethernet frames). Every reply from a unicast
//! Ethernet address updates the table, and the packets waiting for its
//! sender leave in the order they came. The reply is then freed (reason
//! `arp_consumed`); other frames are freed as `not_arp_reply`.
//!
//! Entries expire TIMEOUT after their last reply; an expired entry, and
//! the packets still waiting in it, are freed (reason `expired`) when
//! ENTRY_CAPACITY needs room or at the next packet after the expiry check
//! falls due. When more than CAPACITY packets wait, the oldest entries'
//! packets are dropped (reason `queue_full`) until CAPACITY minus
//! CAPACITY / CAPACITY_SLIM_FACTOR wait; an entry already holding
//! ENTRY_PACKET_CAPACITY packets drops new ones.
//!
//! ## Arguments
//! - `IP`: this interface's address, optionally with its prefix length
//!   (`10.0.0.1/24`), which gives the default BROADCAST; or an
//!   `AddressInfo` name.
//! - `ETH`: this interface's Ethernet address. With one argument NAME,
//!   both come from that `AddressInfo` name.
//! - `CAPACITY` (default 2048): packets that may wait in all (0: no
//!   limit).
//! - `ENTRY_CAPACITY` (default 0, no limit): entries in the table.
//! - `ENTRY_PACKET_CAPACITY` (default 0, no limit): packets waiting for
//!   one address.
//! - `CAPACITY_SLIM_FACTOR` (default 2): see above; not 0.
//! - `TIMEOUT` (default 5 minutes; 0: never): how long an entry lives.
//! - `POLL_TIMEOUT` (default 1 minute; 0: never poll): age after which a
//!   used entry is refreshed.
//! - `BROADCAST`: the local broadcast address (default: from IP's prefix,
//!   else 255.255.255.255).
//! - `BROADCAST_POLL` (default false): send refresh polls as broadcasts.
//!
//! ## Handlers
//! - `table` (read): one line per entry, oldest first, as Click prints
//!   it: address, 1 if known (else 0), Ethernet address
//!   (FF-FF-FF-FF-FF-FF while unknown), age in seconds.
//! - `stats` (read): `N packets killed` and `N ARP queries sent` lines.
//! - `count`, `length` (read): entries; packets waiting.
//! - `queries`, `responses`, `drops` (read): requests sent, frames taken
//!   on input 1, packets dropped by the querier itself.
//! - `ipaddr`, `broadcast` (read/write): this interface's address and the
//!   broadcast address.
//! - `insert` (write): `IP ETH` sets an entry (packets waiting for it stay
//!   until the next reply, as in Click). `delete` (write): `IP` marks the
//!   entry unknown. `clear` (write): empties the table and the counters.
//!
//! ## Differences from Click
//! - The `TABLE` keyword (a shared `ARPTable` element) is not supported.
//! - Expired entries are reaped when packets arrive or a handler is read
//!   rather than by a timer; the memory held stays bounded by the
//!   capacities either way.
//! - Packets freed by the `clear` and `delete`-driven reaping outside
//!   packet processing are not counted under a drop reason.
//!
//! ## Example
//! ```text
//! arpq :: ARPQuerier(10.0.0.1, 00:01:02:03:04:05);
//! rt[0] -> arpq -> Queue -> ToDevice(eth0);
//! c[1] -> [1]arpq;  // ARP replies from eth0
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::sync::Arc;

use clickconf::args::{ArgValue, Args, EtherAddress, IpPrefix, Seconds};
use engine::{
    BuildContext, Clock, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec,
    Output,
};
use packet::anno::offset::VLAN_TCI;
use packet::{Packet, PacketBatch};

use super::arp::{self, ARP_FRAME, Arp};

pub const SPEC: ElementSpec = ElementSpec {
    class: "ARPQuerier",
    ports: "2/1-2",
    processing: "h/h",
    source: include_str!("arpquerier.rs"),
    drop_reasons: &[
        "arp_consumed",
        "not_arp_reply",
        "queue_full",
        "expired",
        "no_address",
        "no_headroom",
    ],
    handlers: &[
        HandlerSpec::read("table", "entries: address, known, Ethernet address, age"),
        HandlerSpec::read("stats", "packets killed and queries sent"),
        HandlerSpec::read("count", "entries in the table"),
        HandlerSpec::read("length", "packets waiting for an address"),
        HandlerSpec::read("queries", "ARP requests sent"),
        HandlerSpec::read("responses", "frames received on input 1"),
        HandlerSpec::read("drops", "packets dropped by the querier"),
        HandlerSpec::read_write("ipaddr", "this interface's IP address"),
        HandlerSpec::read_write("broadcast", "the local broadcast address"),
        HandlerSpec::write("insert", "set an entry: IP ETH"),
        HandlerSpec::write("delete", "mark an entry unknown: IP"),
        HandlerSpec::write("clear", "empty the table and counters"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

const ARP_CONSUMED: DropReason = DropReason(0);
const NOT_ARP_REPLY: DropReason = DropReason(1);
const QUEUE_FULL: DropReason = DropReason(2);
const EXPIRED: DropReason = DropReason(3);
const NO_ADDRESS: DropReason = DropReason(4);
const NO_HEADROOM: DropReason = DropReason(5);

const SECOND: u64 = 1_000_000_000;
const NIL: u32 = u32::MAX;

struct Entry {
    eth: [u8; 6],
    known: bool,
    live_ns: u64,
    /// Last request; `None` lets the next one go at once.
    polled_ns: Option<u64>,
    polls_since_reply: u8,
    /// Key in the age index.
    age: (u64, u64),
    /// Waiting packets: a list through the slab.
    head: u32,
    tail: u32,
    count: u32,
}

impl Entry {
    fn expired(&self, now: u64, timeout: u64) -> bool {
        timeout != 0 && self.live_ns.saturating_add(timeout) < now
    }
    fn fresh(&self, now: u64, timeout: u64) -> bool {
        self.known && !self.expired(now, timeout)
    }
    fn allow_poll(&self, now: u64) -> bool {
        let gap = if self.polls_since_reply >= 10 {
            2 * SECOND
        } else {
            SECOND / 10
        };
        self.polled_ns.is_none_or(|t| now >= t.saturating_add(gap))
    }
    fn mark_poll(&mut self, now: u64) {
        self.polled_ns = Some(now);
        self.polls_since_reply = self.polls_since_reply.saturating_add(1);
    }
}

struct Slot {
    packet: Option<Packet>,
    next: u32,
}

struct ARPQuerier {
    ip: Ipv4Addr,
    eth: [u8; 6],
    bcast: Ipv4Addr,
    broadcast_poll: bool,
    timeout_ns: u64,
    poll_ns: u64,
    capacity: u32,
    entry_capacity: u32,
    entry_packet_capacity: u32,
    slim_factor: u32,
    table: crate::util::IntMap<u32, Entry>,
    /// Entries oldest first: (live time, sequence) → address.
    ages: BTreeMap<(u64, u64), u32>,
    seq: u64,
    slab: Vec<Slot>,
    free_slots: Vec<u32>,
    waiting: u32,
    next_reap_ns: u64,
    queries: u64,
    responses: u64,
    drops: u64,
    table_drops: u64,
    query_port: usize,
    clock: Arc<dyn Clock>,
}

fn seconds_ns(s: Option<Seconds>, default: u64) -> u64 {
    s.map_or(default, |s| s.0.as_nanos().min(u128::from(u64::MAX)) as u64)
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    Ok(Box::new(configure(args, cx)?))
}

fn configure(args: &mut Args, cx: &BuildContext) -> Result<ARPQuerier, ConfigError> {
    let capacity = args.read::<u32>("CAPACITY")?.unwrap_or(2048);
    let entry_capacity = args.read::<u32>("ENTRY_CAPACITY")?.unwrap_or(0);
    let entry_packet_capacity = args.read::<u32>("ENTRY_PACKET_CAPACITY")?.unwrap_or(0);
    let slim_factor = args.read::<u32>("CAPACITY_SLIM_FACTOR")?.unwrap_or(2);
    let timeout_ns = seconds_ns(args.read::<Seconds>("TIMEOUT")?, 300 * SECOND);
    let bcast = args.read::<Ipv4Addr>("BROADCAST")?;
    if args.read::<String>("TABLE")?.is_some() {
        return Err(ConfigError::msg(
            "TABLE: shared ARPTable elements are not supported",
        ));
    }
    let poll_ns = seconds_ns(args.read::<Seconds>("POLL_TIMEOUT")?, 60 * SECOND);
    let broadcast_poll = args.read::<bool>("BROADCAST_POLL")?.unwrap_or(false);
    if slim_factor == 0 {
        return Err(ConfigError::msg("CAPACITY_SLIM_FACTOR cannot be zero"));
    }
    // `IP, ETH`, or one name standing for both (Click repeats the
    // argument).
    let positional = args.rest();
    let (ip_arg, eth_arg) = match positional.as_slice() {
        [one] => (one, one),
        [ip, eth] => (ip, eth),
        [] => return Err(ConfigError::msg("missing mandatory IP argument")),
        [_, _, extra, ..] => return Err(crate::util::arg_error(extra, "too many arguments")),
    };
    let prefix = IpPrefix::parse_arg(&ip_arg.text)
        .map_err(|e| crate::util::arg_error(ip_arg, format!("IP: {}", e.message)))?;
    let eth = EtherAddress::parse_arg(&eth_arg.text)
        .map_err(|e| crate::util::arg_error(eth_arg, format!("ETH: {}", e.message)))?;
    let ip = prefix.addr;
    let bcast = bcast.unwrap_or_else(|| {
        let b = Ipv4Addr::from(u32::from(ip) | !u32::from(prefix.mask()));
        if b == ip { Ipv4Addr::BROADCAST } else { b }
    });
    Ok(ARPQuerier {
        ip,
        eth: eth.0,
        bcast,
        broadcast_poll,
        timeout_ns,
        poll_ns,
        capacity,
        entry_capacity,
        entry_packet_capacity,
        slim_factor,
        table: crate::util::IntMap::default(),
        ages: BTreeMap::new(),
        seq: 0,
        slab: Vec::new(),
        free_slots: Vec::new(),
        waiting: 0,
        next_reap_ns: 0,
        queries: 0,
        responses: 0,
        drops: 0,
        table_drops: 0,
        query_port: usize::from(cx.noutputs > 1),
        clock: cx.clock.clone(),
    })
}

/// Ethernet address of IPv4 multicast group `a` (RFC 1112).
fn multicast_eth(a: Ipv4Addr) -> [u8; 6] {
    let o = a.octets();
    [0x01, 0x00, 0x5e, o[1] & 0x7f, o[2], o[3]]
}

impl ARPQuerier {
    fn next_age_key(&mut self, live_ns: u64) -> (u64, u64) {
        self.seq += 1;
        (live_ns, self.seq)
    }

    /// Moves `ip`'s entry to age position `live_ns`.
    fn set_live(&mut self, ip: u32, live_ns: u64) {
        let key = self.next_age_key(live_ns);
        if let Some(e) = self.table.get_mut(&ip) {
            self.ages.remove(&e.age);
            e.live_ns = live_ns;
            e.age = key;
            self.ages.insert(key, ip);
        }
    }

    /// Frees the packets waiting in `e` (returned for dropping).
    fn take_waiting(&mut self, head: u32, into: &mut impl FnMut(Packet)) {
        let mut at = head;
        while at != NIL {
            let slot = &mut self.slab[at as usize];
            let next = slot.next;
            if let Some(p) = slot.packet.take() {
                self.waiting -= 1;
                into(p);
            }
            self.free_slots.push(at);
            at = next;
        }
    }

    fn remove_entry(&mut self, ip: u32, reason: DropReason, out: Option<&mut Output>) {
        let Some(e) = self.table.remove(&ip) else {
            return;
        };
        self.ages.remove(&e.age);
        let mut dropped = 0;
        match out {
            Some(out) => self.take_waiting(e.head, &mut |p| {
                dropped += 1;
                out.drop(p, reason)
            }),
            None => self.take_waiting(e.head, &mut |_p| dropped += 1),
        }
        self.table_drops += dropped;
    }

    /// Click's `ARPTable::slim`: frees expired entries (and, over
    /// ENTRY_CAPACITY, the oldest), then packets of the oldest entries
    /// while more than CAPACITY wait.
    fn slim(&mut self, now: u64, mut out: Option<&mut Output>) {
        while let Some((_, &ip)) = self.ages.first_key_value() {
            let over = self.entry_capacity != 0 && self.table.len() > self.entry_capacity as usize;
            let expired = self
                .table
                .get(&ip)
                .is_some_and(|e| e.expired(now, self.timeout_ns));
            if !(expired || over) {
                break;
            }
            self.remove_entry(ip, EXPIRED, out.as_deref_mut());
        }
        if self.capacity != 0 && self.waiting > self.capacity {
            let slim_to = (self.capacity - self.capacity / self.slim_factor).max(1);
            let order: Vec<u32> = self.ages.values().copied().collect();
            for ip in order {
                if self.waiting <= slim_to {
                    break;
                }
                while self.waiting > slim_to {
                    let Some(e) = self.table.get_mut(&ip) else {
                        break;
                    };
                    if e.head == NIL {
                        break;
                    }
                    let at = e.head;
                    let slot = &mut self.slab[at as usize];
                    e.head = slot.next;
                    if e.head == NIL {
                        e.tail = NIL;
                    }
                    e.count -= 1;
                    let p = slot.packet.take();
                    self.free_slots.push(at);
                    self.waiting -= 1;
                    self.table_drops += 1;
                    if let (Some(p), Some(out)) = (p, out.as_deref_mut()) {
                        out.drop(p, QUEUE_FULL);
                    }
                }
            }
        }
    }

    /// Reaps expired entries once per TIMEOUT (Click runs a timer).
    fn reap(&mut self, now: u64, out: Option<&mut Output>) {
        if self.timeout_ns != 0 && now >= self.next_reap_ns {
            self.next_reap_ns = now.saturating_add(self.timeout_ns);
            self.slim(now, out);
        }
    }

    /// The entry for `ip`, made if new (Click's `ARPTable::ensure`).
    fn ensure(&mut self, ip: u32, now: u64, out: &mut Output) {
        if self.table.contains_key(&ip) {
            return;
        }
        if self.entry_capacity != 0 && self.table.len() >= self.entry_capacity as usize {
            // Click counts the new entry, then frees the oldest ones until
            // the count fits.
            while self.table.len() >= self.entry_capacity as usize {
                let Some((_, &old)) = self.ages.first_key_value() else {
                    break;
                };
                self.remove_entry(old, EXPIRED, Some(&mut *out));
            }
            self.slim(now, Some(out));
        }
        let age = self.next_age_key(now);
        self.table.insert(
            ip,
            Entry {
                eth: [0xff; 6],
                known: false,
                live_ns: now,
                polled_ns: None,
                polls_since_reply: 0,
                age,
                head: NIL,
                tail: NIL,
                count: 0,
            },
        );
        self.ages.insert(age, ip);
    }

    /// Prepends the Ethernet header and sends the packet.
    fn send(&self, mut p: Packet, dst: [u8; 6], out: &mut Output) {
        if self.encapsulate(&mut p, dst) {
            out.emit(0, p);
        } else {
            out.drop(p, NO_HEADROOM);
        }
    }

    /// Prepends an IPv4 Ethernet header to `dst`; false, changing nothing,
    /// when the packet has no headroom for it.
    #[inline]
    fn encapsulate(&self, p: &mut Packet, dst: [u8; 6]) -> bool {
        if p.push(14).is_err() {
            return false;
        }
        let h = p.data_prefix_mut(14);
        h[0..6].copy_from_slice(&dst);
        h[6..12].copy_from_slice(&self.eth);
        h[12..14].copy_from_slice(&[0x08, 0x00]);
        let at = p.data_offset();
        p.anno_mut().set_mac_header(Some(at));
        true
    }

    /// The usual case, done for the whole batch: when every packet goes to
    /// a known, fresh neighbour with no poll due and has room for the
    /// Ethernet header, adds the headers and returns true; otherwise
    /// changes nothing and returns false.
    fn encapsulate_known(&self, batch: &mut PacketBatch, now: u64) -> bool {
        if self.ip.is_unspecified() {
            return false;
        }
        // Packets in a batch mostly share a next hop: remember the last.
        let mut last: Option<(u32, [u8; 6])> = None;
        let mut known = |key: u32| -> Option<[u8; 6]> {
            if let Some((k, eth)) = last
                && k == key
            {
                return Some(eth);
            }
            let e = self.table.get(&key)?;
            let poll_due = self.poll_ns != 0
                && now >= e.live_ns.saturating_add(self.poll_ns)
                && e.allow_poll(now);
            if !e.fresh(now, self.timeout_ns) || poll_due {
                return None;
            }
            last = Some((key, e.eth));
            Some(e.eth)
        };
        // Commonest of all, one next hop for the whole batch: its entry is
        // looked up once and each packet only compared with it.
        if let Some(first) = batch.as_slice().first() {
            let key = u32::from(first.anno().dst_ip());
            if batch
                .iter()
                .all(|p| p.headroom() >= 14 && u32::from(p.anno().dst_ip()) == key)
            {
                let Some(dst) = known(key) else {
                    return false;
                };
                for p in batch.iter_mut() {
                    self.encapsulate(p, dst);
                }
                return true;
            }
        }
        let ready = batch
            .iter()
            .all(|p| p.headroom() >= 14 && known(u32::from(p.anno().dst_ip())).is_some());
        if !ready {
            return false;
        }
        for p in batch.iter_mut() {
            // Both hold (neighbour known, headroom there): checked above,
            // and nothing changed since.
            if let Some(dst) = known(u32::from(p.anno().dst_ip())) {
                self.encapsulate(p, dst);
            }
        }
        true
    }

    /// Sends a request for `target` to `dst`, stamped like `like`.
    fn query(&mut self, target: Ipv4Addr, dst: [u8; 6], like: &Packet, out: &mut Output) {
        let mut frame = [0u8; ARP_FRAME];
        arp::write(
            &mut frame,
            dst,
            self.eth,
            &Arp {
                op: 1,
                sender_eth: self.eth,
                sender_ip: self.ip,
                target_eth: [0; 6],
                target_ip: target,
            },
        );
        if let Ok(mut q) = Packet::from_slice(&frame) {
            q.anno_mut().timestamp = like.anno().timestamp;
            if let Some(tci) = like.anno().get::<2>(VLAN_TCI) {
                q.anno_mut().set(VLAN_TCI, &tci);
            }
            self.queries += 1;
            out.emit(self.query_port, q);
        }
    }

    fn handle_ip(&mut self, p: Packet, now: u64, out: &mut Output) {
        let dst = p.anno().dst_ip();
        if self.ip.is_unspecified() {
            self.drops += 1;
            out.drop(p, NO_ADDRESS);
            return;
        }
        let key = u32::from(dst);
        let (timeout, poll) = (self.timeout_ns, self.poll_ns);
        if let Some(e) = self.table.get_mut(&key)
            && e.fresh(now, timeout)
        {
            let eth = e.eth;
            let due = poll != 0 && now >= e.live_ns.saturating_add(poll) && e.allow_poll(now);
            if due {
                e.mark_poll(now);
                let to = if self.broadcast_poll { [0xff; 6] } else { eth };
                self.query(dst, to, &p, out);
            }
            self.send(p, eth, out);
            return;
        }
        if dst.is_broadcast() || dst == self.bcast {
            self.send(p, [0xff; 6], out);
        } else if dst.is_multicast() {
            self.send(p, multicast_eth(dst), out);
        } else if dst.is_unspecified() {
            self.drops += 1;
            out.drop(p, NO_ADDRESS);
        } else {
            self.append(key, p, now, out);
        }
    }

    /// Click's `ARPTable::append_query`: the packet waits; a request goes
    /// out if one is allowed.
    fn append(&mut self, ip: u32, p: Packet, now: u64, out: &mut Output) {
        self.ensure(ip, now, out);
        // Keep an entry still in use just this side of expiring.
        if self.timeout_ns != 0
            && let Some(e) = self.table.get(&ip)
        {
            let min_live = now.saturating_sub(self.timeout_ns);
            if e.live_ns < min_live {
                self.set_live(ip, min_live);
            }
        }
        let Some(e) = self.table.get(&ip) else {
            self.drops += 1;
            out.drop(p, QUEUE_FULL);
            return;
        };
        if self.entry_packet_capacity != 0 && e.count >= self.entry_packet_capacity {
            self.table_drops += 1;
            out.drop(p, QUEUE_FULL);
            return;
        }
        // The new packet counts before the slimming, as in Click.
        self.waiting += 1;
        if self.capacity != 0 && self.waiting > self.capacity {
            self.slim(now, Some(out));
        }
        let slot = match self.free_slots.pop() {
            Some(s) => s,
            None => {
                self.slab.push(Slot {
                    packet: None,
                    next: NIL,
                });
                (self.slab.len() - 1) as u32
            }
        };
        let target = Ipv4Addr::from(ip);
        let Some(e) = self.table.get_mut(&ip) else {
            self.waiting -= 1;
            self.free_slots.push(slot);
            out.drop(p, QUEUE_FULL);
            return;
        };
        let due = e.allow_poll(now);
        if due {
            e.mark_poll(now);
        }
        if e.tail == NIL {
            e.head = slot;
        } else {
            self.slab[e.tail as usize].next = slot;
        }
        e.tail = slot;
        e.count += 1;
        if due {
            self.query(target, [0xff; 6], &p, out);
        }
        self.slab[slot as usize] = Slot {
            packet: Some(p),
            next: NIL,
        };
    }

    /// Click's `ARPTable::insert`: sets the entry; returns the head of its
    /// waiting list (taken out of the entry) when `release`.
    fn insert(&mut self, ip: u32, eth: [u8; 6], now: u64, out: Option<&mut Output>) -> u32 {
        if !self.table.contains_key(&ip) {
            if let Some(out) = out {
                self.ensure(ip, now, out);
            } else {
                let age = self.next_age_key(now);
                self.table.insert(
                    ip,
                    Entry {
                        eth,
                        known: false,
                        live_ns: now,
                        polled_ns: None,
                        polls_since_reply: 0,
                        age,
                        head: NIL,
                        tail: NIL,
                        count: 0,
                    },
                );
                self.ages.insert(age, ip);
            }
        }
        self.set_live(ip, now);
        let Some(e) = self.table.get_mut(&ip) else {
            return NIL;
        };
        e.eth = eth;
        e.known = eth != [0xff; 6];
        e.polls_since_reply = 0;
        e.polled_ns = None;
        let head = e.head;
        e.head = NIL;
        e.tail = NIL;
        e.count = 0;
        head
    }

    fn handle_reply(&mut self, p: Packet, now: u64, out: &mut Output) {
        if p.len() < ARP_FRAME {
            out.drop(p, NOT_ARP_REPLY);
            return;
        }
        self.responses += 1;
        let reply = arp::parse(p.data())
            .filter(|a| a.op == 2 && a.sender_eth[0] & 1 == 0)
            .map(|a| (u32::from(a.sender_ip), a.sender_eth));
        let Some((ip, eth)) = reply else {
            out.drop(p, NOT_ARP_REPLY);
            return;
        };
        out.drop(p, ARP_CONSUMED);
        // Send the waiting packets in the order they arrived.
        let mut at = self.insert(ip, eth, now, Some(out));
        while at != NIL {
            let next = self.slab[at as usize].next;
            let packet = self.slab[at as usize].packet.take();
            self.free_slots.push(at);
            if let Some(w) = packet {
                self.waiting -= 1;
                self.handle_ip(w, now, out);
            }
            at = next;
        }
    }

    fn table_text(&self, now: u64) -> String {
        let mut s = String::new();
        for ip in self.ages.values() {
            let Some(e) = self.table.get(ip) else {
                continue;
            };
            // Click counts ages in jiffies (milliseconds).
            let age_ms = now / 1_000_000 - e.live_ns.min(now) / 1_000_000;
            let _ = writeln!(
                s,
                "{} {} {} {}.{:06}",
                Ipv4Addr::from(*ip),
                u8::from(e.fresh(now, self.timeout_ns)),
                crate::ethernet::unparse_ether(&e.eth),
                age_ms / 1000,
                age_ms % 1000 * 1000
            );
        }
        s
    }

    fn clear(&mut self) {
        let ips: Vec<u32> = self.table.keys().copied().collect();
        for ip in ips {
            self.remove_entry(ip, EXPIRED, None);
        }
        self.queries = 0;
        self.drops = 0;
        self.responses = 0;
    }
}

impl Element for ARPQuerier {
    fn push(&mut self, port: usize, batch: &mut PacketBatch, out: &mut Output) {
        let now = self.clock.monotonic_ns();
        self.reap(now, Some(out));
        if port == 0 && self.encapsulate_known(batch, now) {
            out.forward(0, batch);
            return;
        }
        for p in batch.drain() {
            if port == 0 {
                self.handle_ip(p, now, out);
            } else {
                self.handle_reply(p, now, out);
            }
        }
    }

    fn held(&self) -> usize {
        self.waiting as usize
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        let now = self.clock.monotonic_ns();
        match name {
            "table" => Ok(self.table_text(now)),
            "stats" => Ok(format!(
                "{} packets killed\n{} ARP queries sent\n",
                self.drops + self.table_drops,
                self.queries
            )),
            "count" => Ok(self.table.len().to_string()),
            "length" => Ok(self.waiting.to_string()),
            "queries" => Ok(self.queries.to_string()),
            "responses" => Ok(self.responses.to_string()),
            "drops" => Ok(self.drops.to_string()),
            "ipaddr" => Ok(self.ip.to_string()),
            "broadcast" => Ok(self.bcast.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        let now = self.clock.monotonic_ns();
        let words: Vec<&str> = value.split_ascii_whitespace().collect();
        let ip_arg = |w: &str| {
            Ipv4Addr::parse_arg(w)
                .map(u32::from)
                .map_err(|e| HandlerError::BadValue(format!("IP: {}", e.message)))
        };
        match name {
            "insert" => {
                let [ip, eth] = words.as_slice() else {
                    return Err(HandlerError::BadValue("expected 'IP ETH'".into()));
                };
                let ip = ip_arg(ip)?;
                let eth = EtherAddress::parse_arg(eth)
                    .map_err(|e| HandlerError::BadValue(format!("ETH: {}", e.message)))?;
                self.insert(ip, eth.0, now, None);
                Ok(())
            }
            "delete" => {
                let [ip] = words.as_slice() else {
                    return Err(HandlerError::BadValue("expected 'IP'".into()));
                };
                let ip = ip_arg(ip)?;
                // Click marks the entry unknown (a broadcast address).
                let head = self.insert(ip, [0xff; 6], now, None);
                if let Some(e) = self.table.get_mut(&ip) {
                    e.head = head;
                    let mut tail = head;
                    let mut n = 0;
                    while tail != NIL {
                        n += 1;
                        let next = self.slab[tail as usize].next;
                        if next == NIL {
                            break;
                        }
                        tail = next;
                    }
                    e.tail = tail;
                    e.count = n;
                }
                Ok(())
            }
            "clear" => {
                self.clear();
                Ok(())
            }
            "ipaddr" | "broadcast" => {
                let [a] = words.as_slice() else {
                    return Err(HandlerError::BadValue("expected IP address".into()));
                };
                let a = Ipv4Addr::from(ip_arg(a)?);
                if name == "ipaddr" {
                    self.ip = a;
                } else {
                    self.bcast = a;
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
    use engine::ManualClock;

    struct Harness {
        q: ARPQuerier,
        clock: Arc<ManualClock>,
    }

    fn harness(config: &str) -> Harness {
        let clock = Arc::new(ManualClock::new(packet::Timestamp::new(1_700_000_000, 0)));
        let mut cx = BuildContext::standalone("q", 2, 2);
        cx.clock = clock.clone();
        let mut args = Args::new(config);
        let q = configure(&mut args, &cx).unwrap();
        args.complete().unwrap();
        Harness { q, clock }
    }

    fn ip_packet(dst: [u8; 4]) -> Packet {
        let mut h = [0u8; 28];
        h[0] = 0x45;
        h[3] = 28;
        h[8] = 64;
        h[9] = 17;
        h[16..20].copy_from_slice(&dst);
        let mut p = Packet::from_slice(&h).unwrap();
        p.anno_mut().set_dst_ip(Ipv4Addr::from(dst));
        p
    }

    fn reply(ip: [u8; 4], eth: [u8; 6]) -> Packet {
        let mut f = [0u8; 60];
        arp::write(
            &mut f,
            [2, 0, 0, 0, 0, 0xfe],
            eth,
            &Arp {
                op: 2,
                sender_eth: eth,
                sender_ip: Ipv4Addr::from(ip),
                target_eth: [2, 0, 0, 0, 0, 0xfe],
                target_ip: Ipv4Addr::new(10, 0, 0, 254),
            },
        );
        Packet::from_slice(&f).unwrap()
    }

    impl Harness {
        /// Pushes `packets` into input `port`; returns what left on
        /// outputs 0 and 1.
        fn push(&mut self, port: usize, packets: Vec<Packet>) -> [Vec<Packet>; 2] {
            let mut batch = PacketBatch::new();
            for p in packets {
                batch.push(p);
            }
            let mut out = Output::new(2, SPEC.drop_reasons.len());
            self.q.push(port, &mut batch, &mut out);
            let mut take = |i: usize| {
                out.batch(i)
                    .map(|b| b.drain().collect::<Vec<_>>())
                    .unwrap_or_default()
            };
            [take(0), take(1)]
        }
    }

    #[test]
    fn queues_until_the_reply_then_sends_in_order() {
        let mut h = harness("10.0.0.254/24, 02:00:00:00:00:fe");
        assert_eq!(h.q.read_handler("broadcast").unwrap(), "10.0.0.255");
        let [_, q] = h.push(0, vec![ip_packet([10, 0, 0, 1]), ip_packet([10, 0, 0, 1])]);
        assert_eq!(q.len(), 1, "one request for two packets");
        let req = arp::parse(q[0].data()).unwrap();
        assert_eq!((req.op, req.target_ip), (1, Ipv4Addr::new(10, 0, 0, 1)));
        assert_eq!(&q[0].data()[..6], &[0xff; 6]);
        assert_eq!(h.q.read_handler("length").unwrap(), "2");
        // 100 ms later another packet may ask again.
        h.clock.advance(100_000_000);
        let [_, q] = h.push(0, vec![ip_packet([10, 0, 0, 1])]);
        assert_eq!(q.len(), 1);
        let [sent, _] = h.push(1, vec![reply([10, 0, 0, 1], [2, 0, 0, 0, 0, 1])]);
        assert_eq!(sent.len(), 3);
        assert_eq!(
            &sent[0].data()[..14],
            &[2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0xfe, 8, 0]
        );
        assert_eq!(h.q.read_handler("length").unwrap(), "0");
        assert_eq!(h.q.held(), 0);
        assert_eq!(
            h.q.read_handler("table").unwrap(),
            "10.0.0.1 1 02-00-00-00-00-01 0.000000\n"
        );
        h.clock.advance(1_500_000_000);
        assert_eq!(
            h.q.read_handler("table").unwrap(),
            "10.0.0.1 1 02-00-00-00-00-01 1.500000\n"
        );
        // Broadcasts and multicasts need no ARP; 0.0.0.0 is dropped.
        let [sent, _] = h.push(
            0,
            vec![
                ip_packet([10, 0, 0, 255]),
                ip_packet([224, 129, 2, 3]),
                ip_packet([0, 0, 0, 0]),
            ],
        );
        assert_eq!(sent.len(), 2);
        assert_eq!(&sent[0].data()[..6], &[0xff; 6]);
        assert_eq!(&sent[1].data()[..6], &[1, 0, 0x5e, 1, 2, 3]);
        assert_eq!(h.q.read_handler("drops").unwrap(), "1");
        assert_eq!(
            h.q.read_handler("stats").unwrap(),
            "1 packets killed\n2 ARP queries sent\n"
        );
        assert_eq!(h.q.read_handler("responses").unwrap(), "1");
    }

    #[test]
    fn batches_to_one_or_several_neighbours() {
        let mut h = harness("10.0.0.254, 02:00:00:00:00:fe");
        h.push(1, vec![reply([10, 0, 0, 1], [2, 0, 0, 0, 0, 1])]);
        h.push(1, vec![reply([10, 0, 0, 2], [2, 0, 0, 0, 0, 2])]);
        let to = |d: u8| ip_packet([10, 0, 0, d]);
        let [sent, q] = h.push(0, vec![to(1), to(1), to(1)]);
        assert!(q.is_empty());
        for p in &sent {
            assert_eq!(
                &p.data()[..14],
                &[2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0xfe, 8, 0]
            );
        }
        assert_eq!(sent.len(), 3);
        let [sent, _] = h.push(0, vec![to(1), to(2), to(1)]);
        let dsts: Vec<u8> = sent.iter().map(|p| p.data()[5]).collect();
        assert_eq!(dsts, [1, 2, 1]);
        // One unknown neighbour: the others still go, it waits.
        let [sent, q] = h.push(0, vec![to(2), to(3), to(2)]);
        let dsts: Vec<u8> = sent.iter().map(|p| p.data()[5]).collect();
        assert_eq!(dsts, [2, 2]);
        assert_eq!(q.len(), 1);
        assert_eq!(h.q.held(), 1);
    }

    #[test]
    fn entries_expire_and_are_polled() {
        let mut h = harness("10.0.0.254, 02:00:00:00:00:fe, TIMEOUT 10, POLL_TIMEOUT 5");
        assert_eq!(h.q.read_handler("broadcast").unwrap(), "255.255.255.255");
        h.push(1, vec![reply([10, 0, 0, 1], [2, 0, 0, 0, 0, 1])]);
        h.clock.advance(6 * SECOND);
        let [sent, q] = h.push(0, vec![ip_packet([10, 0, 0, 1])]);
        assert_eq!(sent.len(), 1, "still known");
        assert_eq!(q.len(), 1, "polled");
        assert_eq!(&q[0].data()[..6], &[2, 0, 0, 0, 0, 1], "unicast poll");
        h.clock.advance(5 * SECOND);
        let [sent, q] = h.push(0, vec![ip_packet([10, 0, 0, 1])]);
        assert_eq!(sent.len(), 0, "expired: waits again");
        assert_eq!(&q[0].data()[..6], &[0xff; 6]);
        assert_eq!(h.q.held(), 1);
        // Long after, the waiting packet goes with its reaped entry.
        h.clock.advance(30 * SECOND);
        h.push(0, vec![ip_packet([10, 0, 0, 2])]);
        assert_eq!(h.q.read_handler("count").unwrap(), "1");
        assert_eq!(h.q.held(), 1);
        assert_eq!(
            h.q.read_handler("stats").unwrap(),
            "1 packets killed\n3 ARP queries sent\n"
        );
    }

    #[test]
    fn capacities_bound_what_waits() {
        let mut h = harness("10.0.0.254, 02:00:00:00:00:fe, CAPACITY 4, ENTRY_CAPACITY 2");
        h.push(0, (0..6).map(|_| ip_packet([10, 0, 0, 1])).collect());
        // The fifth packet makes five, over 4: the oldest go until two
        // remain with it counted; then the sixth is added.
        assert_eq!(h.q.held(), 3);
        h.push(0, vec![ip_packet([10, 0, 0, 2]), ip_packet([10, 0, 0, 3])]);
        assert_eq!(h.q.read_handler("count").unwrap(), "2", "oldest entry gone");
        assert!(
            !h.q.table
                .contains_key(&u32::from(Ipv4Addr::new(10, 0, 0, 1)))
        );
        assert_eq!(h.q.held(), 2);
        h.q.write_handler("insert", "10.0.0.9 02:00:00:00:00:09")
            .unwrap();
        let [sent, _] = h.push(0, vec![ip_packet([10, 0, 0, 9])]);
        assert_eq!(sent.len(), 1);
        h.q.write_handler("delete", "10.0.0.9").unwrap();
        let [sent, _] = h.push(0, vec![ip_packet([10, 0, 0, 9])]);
        assert_eq!(sent.len(), 0);
        assert!(h.q.write_handler("insert", "10.0.0.9").is_err());
        h.q.write_handler("clear", "").unwrap();
        assert_eq!(h.q.read_handler("count").unwrap(), "0");
        assert_eq!(h.q.read_handler("queries").unwrap(), "0");
        assert_eq!(h.q.held(), 0);
    }

    #[test]
    fn name_form_and_bad_arguments() {
        let cx = BuildContext::standalone("q", 2, 1);
        for bad in [
            "10.0.0.1, 02:00:00:00:00:01, CAPACITY_SLIM_FACTOR 0",
            "10.0.0.1, 02:00:00:00:00:01, TABLE t",
            "10.0.0.1",
            "10.0.0.1, 02:00:00:00:00:01, 3",
        ] {
            assert!(configure(&mut Args::new(bad), &cx).is_err(), "{bad}");
        }
    }
}
