//! ARPQuerier — puts IP packets in Ethernet frames, finding next hops by ARP.
//!
//! ## Synopsis
//! `ARPQuerier(IP, ETH [, keywords TIMEOUT, POLL_TIMEOUT, CAPACITY, BROADCAST])`
//!
//! ## Ports
//! 2 inputs (IP packets; ARP replies), 1 or 2 outputs; push.
//!
//! ## Description
//! Input 0 takes IP packets (data starting at the IP header) whose
//! destination-IP annotation names the next hop (if it is 0, the header's
//! destination is used). If the next hop's Ethernet address is known and
//! fresh, the packet gets an Ethernet header (source ETH, type IPv4) and
//! leaves on output 0. Otherwise it waits, and an ARP request for the next
//! hop (from IP and ETH) is sent, again at most once per POLL_TIMEOUT
//! while packets wait. Packets to the broadcast address go to
//! ff:ff:ff:ff:ff:ff.
//!
//! Input 1 takes ARP replies (Ethernet frames); each one updates the
//! table and releases the packets waiting for its sender. The reply is
//! then dropped (reason `arp_consumed`); frames that are not ARP replies
//! are dropped as `not_arp_reply`.
//!
//! ARP requests leave on output 1 if it is connected, else on output 0.
//!
//! ## Arguments
//! - `IP`: this interface's address (or an `AddressInfo` name).
//! - `ETH`: this interface's Ethernet address.
//! - `TIMEOUT` (default 300 s): how long an entry stays fresh.
//! - `POLL_TIMEOUT` (default 1 s): time between requests for one address.
//! - `CAPACITY` (default 2048): packets that may wait in all; beyond it
//!   the oldest waiting packet of the same next hop is dropped (reason
//!   `queue_full`).
//! - `BROADCAST`: the subnet's broadcast address, also sent to
//!   ff:ff:ff:ff:ff:ff.
//!
//! ## Handlers
//! - `table` (read): one line per entry, as Click prints it: address, 1
//!   if resolved (else 0), Ethernet address (FF-FF-FF-FF-FF-FF while
//!   unresolved), seconds since the entry was made or updated.
//! - `count` (read): entries. `length` (read): packets waiting.
//! - `queries` (read), `responses` (read): ARP requests sent and replies
//!   used.
//! - `insert` (write): `IP ETH` adds a static entry. `clear` (write):
//!   empties the table.
//!
//! ## Differences from Click
//! - Click's `ARPQuerier(NAME)` form (an interface name) is not supported.
//! - Packets waiting for an address that never answers stay until they
//!   are pushed out by newer ones (CAPACITY); Click also expires them.
//!
//! ## Example
//! ```text
//! arpq :: ARPQuerier(10.0.0.1, 00:01:02:03:04:05);
//! rt[0] -> arpq -> Queue -> ToDevice(eth0);
//! c[1] -> [1]arpq;  // ARP replies from eth0
//! ```

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::sync::Arc;

use clickconf::args::{ArgValue, Args, EtherAddress, Seconds};
use engine::{
    BuildContext, Clock, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec,
    Output,
};
use packet::{Packet, PacketBatch};

use super::arp::{self, ARP_FRAME, Arp};

pub const SPEC: ElementSpec = ElementSpec {
    class: "ARPQuerier",
    ports: "2/1-2",
    processing: "h/h",
    source: include_str!("arpquerier.rs"),
    drop_reasons: &["arp_consumed", "not_arp_reply", "queue_full", "no_headroom"],
    handlers: &[
        HandlerSpec::read("table", "entries: address, Ethernet address, age, waiting"),
        HandlerSpec::read("count", "entries in the table"),
        HandlerSpec::read("length", "packets waiting for an address"),
        HandlerSpec::read("queries", "ARP requests sent"),
        HandlerSpec::read("responses", "ARP replies used"),
        HandlerSpec::write("insert", "add an entry: IP ETH"),
        HandlerSpec::write("clear", "empty the table"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

const ARP_CONSUMED: DropReason = DropReason(0);
const NOT_ARP_REPLY: DropReason = DropReason(1);
const QUEUE_FULL: DropReason = DropReason(2);
const NO_HEADROOM: DropReason = DropReason(3);

#[derive(Default)]
struct Entry {
    eth: Option<[u8; 6]>,
    updated_ns: u64,
    /// Static entries never expire.
    permanent: bool,
    last_query_ns: Option<u64>,
    waiting: VecDeque<Packet>,
}

struct ARPQuerier {
    ip: Ipv4Addr,
    eth: [u8; 6],
    broadcast: Option<Ipv4Addr>,
    timeout_ns: u64,
    poll_ns: u64,
    capacity: usize,
    table: HashMap<Ipv4Addr, Entry>,
    waiting: usize,
    queries: u64,
    responses: u64,
    query_port: usize,
    clock: Arc<dyn Clock>,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let ip = args.read_mp::<Ipv4Addr>("IP")?;
    let eth = args.read_mp::<EtherAddress>("ETH")?;
    let timeout = args
        .read::<Seconds>("TIMEOUT")?
        .map_or(300.0, |s| s.0.as_secs_f64());
    let poll = args
        .read::<Seconds>("POLL_TIMEOUT")?
        .map_or(1.0, |s| s.0.as_secs_f64());
    let capacity = args.read::<u32>("CAPACITY")?.unwrap_or(2048) as usize;
    let broadcast = args.read::<Ipv4Addr>("BROADCAST")?;
    let _ = args.read::<u32>("ENTRY_CAPACITY")?;
    Ok(Box::new(ARPQuerier {
        ip,
        eth: eth.0,
        broadcast,
        timeout_ns: (timeout * 1e9) as u64,
        poll_ns: (poll * 1e9) as u64,
        capacity: capacity.max(1),
        table: HashMap::new(),
        waiting: 0,
        queries: 0,
        responses: 0,
        query_port: usize::from(cx.noutputs > 1),
        clock: cx.clock.clone(),
    }))
}

impl ARPQuerier {
    /// Prepends the Ethernet header to `dst` and sends the packet.
    fn send(&self, mut p: Packet, dst: [u8; 6], out: &mut Output) {
        if p.push(14).is_err() {
            out.drop(p, NO_HEADROOM);
            return;
        }
        let h = p.data_mut();
        h[0..6].copy_from_slice(&dst);
        h[6..12].copy_from_slice(&self.eth);
        h[12..14].copy_from_slice(&[0x08, 0x00]);
        let at = p.data_offset();
        p.anno_mut().set_mac_header(Some(at));
        out.emit(0, p);
    }

    /// Sends a request for `target`, stamped like the packet that needs it.
    fn query(&mut self, target: Ipv4Addr, stamp: packet::Timestamp, out: &mut Output) {
        let mut frame = [0u8; ARP_FRAME];
        arp::write(
            &mut frame,
            [0xff; 6],
            self.eth,
            &Arp {
                op: 1,
                sender_eth: self.eth,
                sender_ip: self.ip,
                target_eth: [0; 6],
                target_ip: target,
            },
        );
        if let Ok(mut p) = Packet::from_slice(&frame) {
            p.anno_mut().timestamp = stamp;
            self.queries += 1;
            out.emit(self.query_port, p);
        }
    }

    fn handle_ip(&mut self, p: Packet, now: u64, out: &mut Output) {
        let mut next = p.anno().dst_ip();
        if next.is_unspecified()
            && let Some(h) = p.data().get(16..20)
        {
            next = Ipv4Addr::new(h[0], h[1], h[2], h[3]);
        }
        if next.is_broadcast() || Some(next) == self.broadcast {
            self.send(p, [0xff; 6], out);
            return;
        }
        let timeout = self.timeout_ns;
        let stamp = p.anno().timestamp;
        let entry = self.table.entry(next).or_default();
        if let Some(eth) = entry.eth
            && (entry.permanent || now.saturating_sub(entry.updated_ns) < timeout)
        {
            self.send(p, eth, out);
            return;
        }
        entry.waiting.push_back(p);
        self.waiting += 1;
        if self.waiting > self.capacity
            && let Some(old) = entry.waiting.pop_front()
        {
            self.waiting -= 1;
            out.drop(old, QUEUE_FULL);
        }
        let due = entry
            .last_query_ns
            .is_none_or(|t| now.saturating_sub(t) >= self.poll_ns);
        if due {
            entry.last_query_ns = Some(now);
            self.query(next, stamp, out);
        }
    }

    fn handle_arp(&mut self, p: Packet, now: u64, out: &mut Output) {
        let Some(reply) = arp::parse(p.data()).filter(|a| a.op == 2) else {
            out.drop(p, NOT_ARP_REPLY);
            return;
        };
        out.drop(p, ARP_CONSUMED);
        if reply.sender_ip.is_unspecified() || reply.sender_eth[0] & 1 != 0 {
            return;
        }
        self.responses += 1;
        let entry = self.table.entry(reply.sender_ip).or_default();
        entry.eth = Some(reply.sender_eth);
        entry.updated_ns = now;
        let waiting = std::mem::take(&mut entry.waiting);
        self.waiting -= waiting.len();
        for w in waiting {
            self.send(w, reply.sender_eth, out);
        }
    }
}

impl Element for ARPQuerier {
    fn push(&mut self, port: usize, batch: &mut PacketBatch, out: &mut Output) {
        let now = self.clock.monotonic_ns();
        for p in batch.drain() {
            if port == 0 {
                self.handle_ip(p, now, out);
            } else {
                self.handle_arp(p, now, out);
            }
        }
    }

    fn held(&self) -> usize {
        self.waiting
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        let now = self.clock.monotonic_ns();
        match name {
            "table" => {
                let mut entries: Vec<_> = self.table.iter().collect();
                entries.sort_by_key(|(ip, _)| **ip);
                let mut s = String::new();
                for (ip, e) in entries {
                    let ok = u8::from(e.eth.is_some());
                    let eth = e.eth.unwrap_or([0xff; 6]);
                    let age = now.saturating_sub(e.updated_ns);
                    let _ = writeln!(
                        s,
                        "{ip} {ok} {} {}.{:06}",
                        crate::ethernet::unparse_ether(&eth),
                        age / 1_000_000_000,
                        age % 1_000_000_000 / 1000
                    );
                }
                Ok(s)
            }
            "count" => Ok(self.table.len().to_string()),
            "length" => Ok(self.waiting.to_string()),
            "queries" => Ok(self.queries.to_string()),
            "responses" => Ok(self.responses.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "insert" => {
                let words: Vec<&str> = value.split_ascii_whitespace().collect();
                let [ip, eth] = words.as_slice() else {
                    return Err(HandlerError::BadValue("expected IP ETH".into()));
                };
                let ip = Ipv4Addr::parse_arg(ip).map_err(|e| HandlerError::BadValue(e.message))?;
                let eth =
                    EtherAddress::parse_arg(eth).map_err(|e| HandlerError::BadValue(e.message))?;
                let entry = self.table.entry(ip).or_default();
                entry.eth = Some(eth.0);
                entry.permanent = true;
                Ok(())
            }
            "clear" => {
                // Waiting packets are freed with their entries.
                self.table.clear();
                self.waiting = 0;
                Ok(())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
