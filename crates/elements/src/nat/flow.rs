//! The flow table shared by the rewriter family: flows keyed by their
//! 5-tuple in each direction, with expiry and a capacity; and the header
//! rewriting with incremental checksum updates.
//!
//! Key decision: one hash map from a direction's key to the flow's slot
//! in a slab, so a lookup is one probe and a flow's two directions share
//! one record. The hash is seeded per table, so flows chosen to collide
//! in one table do not collide in another run. Expired flows are reclaimed
//! from a queue in creation order (timeouts are per protocol, so that is
//! nearly expiry order); a flow whose expiry moved on is queued again.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::hash::{BuildHasher, Hasher};
use std::net::Ipv4Addr;

use packet::checksum::{update_u16, update_u32};

/// Which header fields identify a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// Protocol, addresses and ports (TCP, UDP; ICMP echo with its ID in
    /// both port places).
    FiveTuple,
    /// The source address only (IPAddrRewriter).
    SourceAddr,
    /// Both addresses (IPAddrPairRewriter).
    AddrPair,
}

/// A flow as seen in one direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FlowId {
    pub proto: u8,
    pub saddr: u32,
    pub sport: u16,
    pub daddr: u32,
    pub dport: u16,
}

impl FlowId {
    /// The same flow seen from the other end.
    pub fn reverse(&self) -> FlowId {
        FlowId {
            proto: self.proto,
            saddr: self.daddr,
            sport: self.dport,
            daddr: self.saddr,
            dport: self.sport,
        }
    }

    /// The key a table files this direction under.
    pub fn key(&self, kind: KeyKind, reply: bool) -> FlowId {
        match kind {
            KeyKind::FiveTuple => *self,
            KeyKind::SourceAddr if !reply => FlowId {
                proto: 0,
                saddr: self.saddr,
                sport: 0,
                daddr: 0,
                dport: 0,
            },
            KeyKind::SourceAddr => FlowId {
                proto: 0,
                saddr: 0,
                sport: 0,
                daddr: self.daddr,
                dport: 0,
            },
            KeyKind::AddrPair => FlowId {
                proto: 0,
                saddr: self.saddr,
                sport: 0,
                daddr: self.daddr,
                dport: 0,
            },
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

    /// Reads the flow of an IPv4 packet (`ip` from its IP header);
    /// `None` for packets the kind cannot key (too short, later fragments
    /// of TCP/UDP, ICMP that is not echo or echo reply).
    pub fn of_packet(ip: &[u8], kind: KeyKind) -> Option<FlowId> {
        if ip.len() < 20 || ip[0] >> 4 != 4 {
            return None;
        }
        let hl = usize::from(ip[0] & 0x0f) * 4;
        let proto = ip[9];
        let saddr = u32::from_be_bytes([ip[12], ip[13], ip[14], ip[15]]);
        let daddr = u32::from_be_bytes([ip[16], ip[17], ip[18], ip[19]]);
        let later_fragment = u16::from_be_bytes([ip[6], ip[7]]) & 0x1fff != 0;
        if kind != KeyKind::FiveTuple {
            // Keyed by addresses; the ports, where there are any, are kept
            // so rewriting leaves them as they are.
            let ports = match (proto, ip.get(hl..hl + 4)) {
                (6 | 17, Some(t)) if hl >= 20 && !later_fragment => (
                    u16::from_be_bytes([t[0], t[1]]),
                    u16::from_be_bytes([t[2], t[3]]),
                ),
                _ => (0, 0),
            };
            return Some(FlowId {
                proto,
                saddr,
                sport: ports.0,
                daddr,
                dport: ports.1,
            });
        }
        if hl < 20 || later_fragment {
            return None;
        }
        let t = ip.get(hl..)?;
        let (sport, dport) = match proto {
            6 | 17 => (
                u16::from_be_bytes([*t.first()?, *t.get(1)?]),
                u16::from_be_bytes([*t.get(2)?, *t.get(3)?]),
            ),
            1 if matches!(t.first(), Some(0 | 8)) => {
                let id = u16::from_be_bytes([*t.get(4)?, *t.get(5)?]);
                (id, id)
            }
            _ => return None,
        };
        Some(FlowId {
            proto,
            saddr,
            sport,
            daddr,
            dport,
        })
    }
}

/// Rewrites the addresses and ports of the packet whose IP header starts
/// `ip` from `from` to `to`, updating the IP, TCP, UDP or ICMP checksums
/// incrementally (a UDP checksum of 0, meaning none, stays 0).
pub fn rewrite(ip: &mut [u8], from: &FlowId, to: &FlowId) {
    if ip.len() < 20 {
        return;
    }
    let hl = usize::from(ip[0] & 0x0f) * 4;
    let mut sum = u16::from_be_bytes([ip[10], ip[11]]);
    sum = update_u32(sum, from.saddr, to.saddr);
    sum = update_u32(sum, from.daddr, to.daddr);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    ip[12..16].copy_from_slice(&to.saddr.to_be_bytes());
    ip[16..20].copy_from_slice(&to.daddr.to_be_bytes());
    let first_fragment = u16::from_be_bytes([ip[6], ip[7]]) & 0x1fff == 0;
    if hl < 20 || !first_fragment {
        return;
    }
    let proto = ip[9];
    let Some(t) = ip.get_mut(hl..) else {
        return;
    };
    let csum_at = match proto {
        6 => 16,
        17 => 6,
        1 => 2,
        _ => return,
    };
    if proto == 1 {
        // ICMP echo: the ID, no pseudo-header.
        if t.len() >= 8 && from.sport != to.sport {
            let s = u16::from_be_bytes([t[2], t[3]]);
            t[2..4].copy_from_slice(&update_u16(s, from.sport, to.sport).to_be_bytes());
            t[4..6].copy_from_slice(&to.sport.to_be_bytes());
        }
        return;
    }
    if t.len() < 4 {
        return;
    }
    t[0..2].copy_from_slice(&to.sport.to_be_bytes());
    t[2..4].copy_from_slice(&to.dport.to_be_bytes());
    if t.len() < csum_at + 2 {
        return;
    }
    let mut s = u16::from_be_bytes([t[csum_at], t[csum_at + 1]]);
    if proto == 17 && s == 0 {
        return;
    }
    s = update_u32(s, from.saddr, to.saddr);
    s = update_u32(s, from.daddr, to.daddr);
    s = update_u16(s, from.sport, to.sport);
    s = update_u16(s, from.dport, to.dport);
    if proto == 17 && s == 0 {
        s = 0xffff;
    }
    t[csum_at..csum_at + 2].copy_from_slice(&s.to_be_bytes());
}

/// A seeded multiply-xorshift hash for flow keys.
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
    fn finish(&self) -> u64 {
        let mut x = self.0;
        x ^= x >> 29;
        x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x ^ (x >> 32)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_u8(&mut self, v: u8) {
        self.0 = (self.0 ^ u64::from(v)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fn write_u16(&mut self, v: u16) {
        self.0 = (self.0 ^ u64::from(v)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fn write_u32(&mut self, v: u32) {
        self.0 = (self.0 ^ u64::from(v)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

impl BuildHasher for FlowHashState {
    type Hasher = FlowHasher;
    fn build_hasher(&self) -> FlowHasher {
        FlowHasher(self.0)
    }
}

/// One flow: its two directions, their rewritten forms and outputs.
#[derive(Clone, Copy, Debug)]
pub struct Flow {
    /// The flow as it arrived first, and as it leaves.
    pub forward: FlowId,
    pub rewritten: FlowId,
    pub forward_port: usize,
    pub reply_port: usize,
    /// The input it was made on.
    pub input: usize,
    pub expiry_ns: u64,
    /// TCP: FIN or RST seen, so the shorter timeout applies.
    pub done: bool,
}

/// Flows by direction key, with expiry and a capacity.
pub struct FlowTable {
    kind: KeyKind,
    map: HashMap<FlowId, (u32, bool), FlowHashState>,
    slots: Vec<Option<Flow>>,
    free: Vec<u32>,
    /// (slot, expiry when queued), in creation order.
    expiry: VecDeque<(u32, u64)>,
    pub capacity: usize,
    pub failures: u64,
}

impl FlowTable {
    pub fn new(kind: KeyKind, capacity: usize) -> FlowTable {
        FlowTable {
            kind,
            map: HashMap::with_hasher(FlowHashState::random()),
            slots: Vec::new(),
            free: Vec::new(),
            expiry: VecDeque::new(),
            capacity,
            failures: 0,
        }
    }

    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    pub fn len(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The flow a packet keyed `id` belongs to, and whether it is the
    /// reply direction.
    #[inline]
    pub fn lookup(&mut self, id: &FlowId, now: u64) -> Option<(&mut Flow, bool)> {
        let &(slot, reply) = self.map.get(&id.key(self.kind, false)).or_else(|| {
            if self.kind == KeyKind::SourceAddr {
                self.map.get(&id.key(self.kind, true))
            } else {
                None
            }
        })?;
        let flow = self.slots.get_mut(slot as usize)?.as_mut()?;
        if flow.expiry_ns <= now {
            return None;
        }
        Some((flow, reply))
    }

    /// Whether a flow already uses `id` as a direction key.
    pub fn contains(&self, id: &FlowId, reply: bool) -> bool {
        self.map.contains_key(&id.key(self.kind, reply))
    }

    /// Reclaims flows whose time is up.
    pub fn expire(&mut self, now: u64) {
        while let Some(&(slot, queued)) = self.expiry.front() {
            if queued > now {
                break;
            }
            self.expiry.pop_front();
            let Some(Some(flow)) = self.slots.get(slot as usize) else {
                continue;
            };
            if flow.expiry_ns > now {
                let e = flow.expiry_ns;
                self.expiry.push_back((slot, e));
                continue;
            }
            self.remove(slot);
        }
    }

    fn remove(&mut self, slot: u32) {
        if let Some(flow) = self.slots[slot as usize].take() {
            let kind = self.kind;
            self.map.remove(&flow.forward.key(kind, false));
            self.map.remove(&flow.rewritten.reverse().key(kind, true));
            self.free.push(slot);
        }
    }

    /// Adds a flow; false (and a failure counted) when the table is full
    /// even after reclaiming expired flows.
    pub fn insert(&mut self, flow: Flow, now: u64) -> bool {
        if self.len() >= self.capacity {
            self.expire(now);
            if self.len() >= self.capacity {
                self.failures += 1;
                return false;
            }
        }
        let slot = match self.free.pop() {
            Some(s) => {
                self.slots[s as usize] = Some(flow);
                s
            }
            None => {
                self.slots.push(Some(flow));
                (self.slots.len() - 1) as u32
            }
        };
        let kind = self.kind;
        self.map
            .insert(flow.forward.key(kind, false), (slot, false));
        self.map
            .insert(flow.rewritten.reverse().key(kind, true), (slot, true));
        self.expiry.push_back((slot, flow.expiry_ns));
        true
    }

    /// Every live flow, in slot order.
    pub fn flows(&self) -> impl Iterator<Item = &Flow> {
        self.slots.iter().flatten()
    }

    pub fn clear(&mut self) {
        self.map.clear();
        self.slots.clear();
        self.free.clear();
        self.expiry.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: [u8; 4], sp: u16, d: [u8; 4], dp: u16) -> FlowId {
        FlowId {
            proto: 17,
            saddr: u32::from(Ipv4Addr::from(s)),
            sport: sp,
            daddr: u32::from(Ipv4Addr::from(d)),
            dport: dp,
        }
    }

    #[test]
    fn rewriting_keeps_checksums_valid() {
        // IPv4/UDP with a real checksum.
        let mut p = vec![
            0x45, 0, 0, 32, 0, 1, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 8, 8, 8, 8, 0x30, 0x39, 0,
            53, 0, 12, 0, 0, 1, 2, 3, 4,
        ];
        let c = packet::checksum::checksum(&p[..20]);
        p[10..12].copy_from_slice(&c.to_be_bytes());
        let pseudo = |p: &[u8]| {
            let mut v = p[12..20].to_vec();
            v.extend_from_slice(&[0, 17, 0, 12]);
            v.extend_from_slice(&p[20..]);
            v
        };
        let c = packet::checksum::checksum(&pseudo(&p));
        p[26..28].copy_from_slice(&c.to_be_bytes());
        let from = FlowId::of_packet(&p, KeyKind::FiveTuple).unwrap();
        let to = id([1, 0, 0, 1], 1024, [8, 8, 8, 8], 53);
        rewrite(&mut p, &from, &to);
        assert!(packet::checksum::verify(&p[..20]));
        assert!(packet::checksum::verify(&pseudo(&p)));
        assert_eq!(FlowId::of_packet(&p, KeyKind::FiveTuple).unwrap(), to);
    }

    #[test]
    fn capacity_and_expiry() {
        let mut t = FlowTable::new(KeyKind::FiveTuple, 2);
        let flow = |n: u16, exp: u64| Flow {
            forward: id([10, 0, 0, 1], n, [8, 8, 8, 8], 53),
            rewritten: id([1, 0, 0, 1], n + 1000, [8, 8, 8, 8], 53),
            forward_port: 0,
            reply_port: 1,
            input: 0,
            expiry_ns: exp,
            done: false,
        };
        assert!(t.insert(flow(1, 100), 0));
        assert!(t.insert(flow(2, 200), 0));
        assert!(!t.insert(flow(3, 300), 50), "full");
        assert_eq!(t.failures, 1);
        assert!(t.insert(flow(3, 300), 150), "flow 1 expired");
        let reply = id([8, 8, 8, 8], 53, [1, 0, 0, 1], 1003);
        let (f, is_reply) = t.lookup(&reply, 160).unwrap();
        assert!(is_reply);
        assert_eq!(f.forward.sport, 3);
        assert!(
            t.lookup(&id([10, 0, 0, 1], 1, [8, 8, 8, 8], 53), 160)
                .is_none()
        );
    }
}
