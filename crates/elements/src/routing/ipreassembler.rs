//! IPReassembler — puts fragmented IP packets back together.
//!
//! ## Synopsis
//! `IPReassembler([keywords HIMEM])`
//!
//! ## Ports
//! 1 input, 1 or 2 outputs; push.
//!
//! ## Description
//! IP packets that are not fragments pass to output 0 unchanged.
//! Fragments are held, by source, destination, protocol and IP ID, until
//! all of a datagram's bytes have arrived; then the datagram leaves on
//! output 0: the header of the fragment at offset 0 (with the link-level
//! header in front of it, if the packet had one) with its fragment field
//! cleared (DF kept), its total length set and its checksum recomputed,
//! followed by the reassembled payload, with the annotations (timestamp
//! included) of the fragment that completed it. Overlapping fragments are
//! accepted, later bytes overwriting earlier ones.
//!
//! A datagram still incomplete 30 seconds after its last fragment is
//! given up: with a second output, what arrived goes there as one packet
//! (holes zero-filled, header from the first fragment seen); otherwise its
//! fragments are gone. Memory is bounded: above HIMEM bytes held, the
//! oldest datagrams are given up the same way until use falls below three
//! quarters of it. Malformed fragments (bad lengths, a datagram over
//! 65,535 bytes) are dropped (reason `bad_fragment`). The network header
//! annotation must be set.
//!
//! ## Arguments
//! - `HIMEM` (default 262144): bytes held at most.
//!
//! ## Handlers
//! - `datagrams` (read): datagrams being reassembled.
//! - `memory` (read): bytes held.
//!
//! ## Differences from Click
//! - MAX_MTU_ANNO is not supported.
//!
//! ## Example
//! ```text
//! CheckIPHeader -> IPReassembler -> IPClassifier(tcp port 80, -) -> ...
//! ```

use std::collections::HashMap;
use std::sync::Arc;

use clickconf::args::Args;
use engine::{
    BuildContext, Clock, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec,
    Output,
};
use packet::{Annotations, Packet, PacketBatch};

pub const SPEC: ElementSpec = ElementSpec {
    class: "IPReassembler",
    ports: "1/1-2",
    processing: "h/h",
    source: include_str!("ipreassembler.rs"),
    drop_reasons: &["bad_fragment", "expired"],
    handlers: &[
        HandlerSpec::read("datagrams", "datagrams being reassembled"),
        HandlerSpec::read("memory", "bytes held"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

const BAD_FRAGMENT: DropReason = DropReason(0);
const EXPIRED: DropReason = DropReason(1);
const REAP_NS: u64 = 30_000_000_000;

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    src: [u8; 4],
    dst: [u8; 4],
    id: u16,
    proto: u8,
}

struct Datagram {
    /// Link-level header and IP header of the first fragment seen (and,
    /// once it arrives, of the one at offset 0).
    head: Vec<u8>,
    ip_at: usize,
    head_is_first: bool,
    anno: Annotations,
    payload: Vec<u8>,
    /// Byte ranges received, sorted and merged.
    have: Vec<(usize, usize)>,
    total: Option<usize>,
    last_ns: u64,
    order: u64,
}

impl Datagram {
    fn memory(&self) -> usize {
        self.head.len() + self.payload.len()
    }

    fn add_range(&mut self, start: usize, end: usize) {
        self.have.push((start, end));
        self.have.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(self.have.len());
        for &(s, e) in &self.have {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        self.have = merged;
    }

    fn complete(&self) -> bool {
        self.head_is_first
            && self.total.is_some_and(|t| {
                self.have.first() == Some(&(0, t)) || (t == 0 && self.have.is_empty())
            })
    }

    /// The datagram as one packet (holes zero-filled).
    fn build(&self) -> Option<Packet> {
        let total = self.total.unwrap_or(self.payload.len());
        let mut bytes = self.head.clone();
        let ip = self.ip_at;
        let hl = usize::from(bytes[ip] & 0x0f) * 4;
        let len = u16::try_from(hl + total).ok()?;
        bytes[ip + 2..ip + 4].copy_from_slice(&len.to_be_bytes());
        // Keep DF, clear MF and the offset.
        bytes[ip + 6] &= 0x40;
        bytes[ip + 7] = 0;
        bytes[ip + 10] = 0;
        bytes[ip + 11] = 0;
        let c = packet::checksum::checksum(&bytes[ip..ip + hl]);
        bytes[ip + 10..ip + 12].copy_from_slice(&c.to_be_bytes());
        let mut payload = self.payload.clone();
        payload.resize(total, 0);
        bytes.extend_from_slice(&payload);
        let mut p = Packet::from_slice(&bytes).ok()?;
        *p.anno_mut() = self.anno;
        if ip > 0 {
            p.set_mac_header(0);
        }
        p.set_network_header(ip, hl);
        Some(p)
    }
}

struct IPReassembler {
    datagrams: HashMap<Key, Datagram>,
    memory: usize,
    himem: usize,
    next_order: u64,
    expired_port: Option<usize>,
    clock: Arc<dyn Clock>,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let himem = args.read::<u32>("HIMEM")?.unwrap_or(256 * 1024) as usize;
    Ok(Box::new(IPReassembler {
        datagrams: HashMap::new(),
        memory: 0,
        himem: himem.max(1),
        next_order: 0,
        expired_port: (cx.noutputs > 1).then_some(1),
        clock: cx.clock.clone(),
    }))
}

impl IPReassembler {
    fn give_up(&mut self, key: Key, out: &mut Output) {
        let Some(d) = self.datagrams.remove(&key) else {
            return;
        };
        self.memory -= d.memory();
        match (self.expired_port, d.build()) {
            (Some(port), Some(p)) => out.emit(port, p),
            (_, Some(p)) => out.drop(p, EXPIRED),
            _ => out.count_drops(EXPIRED, 1),
        }
    }

    fn reap(&mut self, now: u64, out: &mut Output) {
        let old: Vec<Key> = self
            .datagrams
            .iter()
            .filter(|(_, d)| now.saturating_sub(d.last_ns) >= REAP_NS)
            .map(|(k, _)| *k)
            .collect();
        for k in old {
            self.give_up(k, out);
        }
        while self.memory > self.himem {
            let Some(oldest) = self
                .datagrams
                .iter()
                .min_by_key(|(_, d)| d.order)
                .map(|(k, _)| *k)
            else {
                break;
            };
            self.give_up(oldest, out);
            if self.memory <= self.himem * 3 / 4 {
                break;
            }
        }
    }

    /// Takes a fragment in; returns the datagram if it is now complete,
    /// or the packet back if it is not a valid fragment.
    fn absorb(&mut self, p: Packet, now: u64) -> Result<Option<Packet>, Packet> {
        let Some(ip_at) = p
            .network_header_data_offset()
            .and_then(|o| usize::try_from(o).ok())
        else {
            return Err(p);
        };
        let d = p.data();
        let Some(ip) = d.get(ip_at..) else {
            return Err(p);
        };
        if ip.len() < 20 {
            return Err(p);
        }
        let hl = usize::from(ip[0] & 0x0f) * 4;
        let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
        if hl < 20 || total < hl || ip.len() < total {
            return Err(p);
        }
        let frag = u16::from_be_bytes([ip[6], ip[7]]);
        let offset = usize::from(frag & 0x1fff) * 8;
        let more = frag & 0x2000 != 0;
        let data = &ip[hl..total];
        let end = offset + data.len();
        if end > 65535 - hl || (more && data.len() % 8 != 0) {
            return Err(p);
        }
        let key = Key {
            src: [ip[12], ip[13], ip[14], ip[15]],
            dst: [ip[16], ip[17], ip[18], ip[19]],
            id: u16::from_be_bytes([ip[4], ip[5]]),
            proto: ip[9],
        };
        let order = self.next_order;
        let existed = self.datagrams.contains_key(&key);
        let entry = self.datagrams.entry(key).or_insert_with(|| Datagram {
            head: d[..ip_at + hl].to_vec(),
            ip_at,
            head_is_first: false,
            anno: *p.anno(),
            payload: Vec::new(),
            have: Vec::new(),
            total: None,
            last_ns: now,
            order,
        });
        self.next_order += 1;
        // What this datagram already counted in `self.memory`.
        let before = if existed { entry.memory() } else { 0 };
        if offset == 0 {
            entry.head = d[..ip_at + hl].to_vec();
            entry.ip_at = ip_at;
            entry.head_is_first = true;
        }
        // As in Click, the datagram carries the annotations (the timestamp)
        // of the fragment that completed it.
        entry.anno = *p.anno();
        if !more {
            entry.total = Some(end);
        }
        if entry.payload.len() < end {
            entry.payload.resize(end, 0);
        }
        entry.payload[offset..end].copy_from_slice(data);
        entry.add_range(offset, end);
        entry.last_ns = now;
        self.memory = (self.memory + entry.memory()).saturating_sub(before);
        if entry.complete() {
            let built = entry.build();
            let d = self.datagrams.remove(&key).expect("present");
            self.memory -= d.memory();
            return Ok(built);
        }
        Ok(None)
    }
}

impl Element for IPReassembler {
    fn push(&mut self, _port: usize, batch: &mut PacketBatch, out: &mut Output) {
        let now = self.clock.monotonic_ns();
        for p in batch.drain() {
            let fragment = p
                .network_header()
                .filter(|h| h.len() >= 20)
                .is_some_and(|h| u16::from_be_bytes([h[6], h[7]]) & 0x3fff != 0);
            if !fragment {
                out.emit(0, p);
                continue;
            }
            match self.absorb(p, now) {
                Ok(Some(datagram)) => out.emit(0, datagram),
                Ok(None) => {}
                Err(bad) => out.drop(bad, BAD_FRAGMENT),
            }
        }
        self.reap(now, out);
    }

    fn held(&self) -> usize {
        self.datagrams.len()
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "datagrams" => Ok(self.datagrams.len().to_string()),
            "memory" => Ok(self.memory.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use packet::{Packet, PacketBatch};

    /// An IPv4 fragment: header length `hl`, fragment offset `off` (bytes),
    /// more-fragments flag, and `len` payload bytes of value `fill`.
    fn fragment(hl: usize, off: usize, more: bool, len: usize, fill: u8) -> Packet {
        let mut v = vec![0u8; hl + len];
        v[0] = 0x40 | (hl / 4) as u8;
        v[2..4].copy_from_slice(&((hl + len) as u16).to_be_bytes());
        v[4..6].copy_from_slice(&0x1234u16.to_be_bytes());
        let frag = (off / 8) as u16 | if more { 0x2000 } else { 0 };
        v[6..8].copy_from_slice(&frag.to_be_bytes());
        v[8] = 64;
        v[9] = 17;
        v[12..16].copy_from_slice(&[10, 0, 0, 1]);
        v[16..20].copy_from_slice(&[10, 0, 0, 2]);
        v[hl..].fill(fill);
        let mut p = Packet::from_slice(&v).unwrap();
        p.set_network_header(0, hl);
        p
    }

    #[test]
    fn out_of_order_overlapping_fragments_reassemble_and_free_memory() {
        let reg = crate::registry();
        let r = engine::Router::from_text(
            "t",
            "Idle -> x :: IPReassembler -> c :: Counter -> out :: ToDump(/dev/null); x[1] -> Discard",
            &reg,
        )
        .unwrap();
        let x = r.find("x").unwrap();
        let mut st = r.stepper();
        let mut b = PacketBatch::new();
        // Last fragment first (20-byte header), then an overlapping middle,
        // then the first with options (24-byte header).
        b.push(fragment(20, 32, false, 8, 3));
        b.push(fragment(20, 8, true, 32, 2));
        assert_eq!(b.len(), 2);
        st.inject(x, 0, b);
        assert_eq!(r.read_handler("x.datagrams").unwrap(), "1");
        assert_eq!(r.read_handler("c.count").unwrap(), "0");
        let mut b = PacketBatch::new();
        b.push(fragment(24, 0, true, 8, 1));
        st.inject(x, 0, b);
        assert_eq!(r.read_handler("c.count").unwrap(), "1");
        assert_eq!(r.read_handler("x.datagrams").unwrap(), "0");
        assert_eq!(r.read_handler("x.memory").unwrap(), "0");
    }

    #[test]
    fn bad_fragments_are_dropped() {
        let reg = crate::registry();
        let r =
            engine::Router::from_text("t", "Idle -> x :: IPReassembler -> Discard", &reg).unwrap();
        let x = r.find("x").unwrap();
        let mut st = r.stepper();
        let mut b = PacketBatch::new();
        // More fragments to come, but a payload that is not a multiple of 8.
        b.push(fragment(20, 0, true, 7, 1));
        // Past the 65,535-byte limit.
        b.push(fragment(20, 65528, false, 16, 1));
        st.inject(x, 0, b);
        assert_eq!(r.stats(x).total_dropped(), 2);
        assert_eq!(r.read_handler("x.datagrams").unwrap(), "0");
    }
}
