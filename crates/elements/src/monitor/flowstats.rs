//! FlowStats — keeps per-5-tuple statistics of the packets passing through.
//!
//! ## Synopsis
//! `FlowStats([keywords CAPACITY, TIMEOUT])`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! Counts, for every flow (protocol, source and destination address and,
//! for TCP and UDP, ports; ICMP echo ID as both ports), its packets and
//! bytes (IP length), the times of its first and last packet, and for TCP
//! the flags seen. Each direction is its own flow. Packets pass unchanged;
//! packets without an IP header, and later fragments (whose ports are not
//! there), count as one "unclassified" total. At most CAPACITY flows are
//! kept; when the table is full, flows idle longer than TIMEOUT are
//! removed, and if none is, the new flow is not recorded (counted in
//! `overflows`). The network header annotation must be set.
//!
//! ## Arguments
//! - `CAPACITY` (default 65536): flows kept.
//! - `TIMEOUT` (default 300 s): idle time after which a flow may be
//!   removed to make room.
//!
//! ## Handlers
//! - `flows` (read): one line per flow, by first packet:
//!   `PROTO SRC SPORT DST DPORT packets BYTES first FIRST last LAST flags FLAGS`
//!   (times in seconds since the epoch, TCP flags as tcpdump letters).
//! - `count` (read): flows kept. `overflows` (read): new flows not kept.
//! - `unclassified` (read): packets not counted by flow.
//! - `reset` (write): forget every flow.
//!
//! ## Differences from Click
//! - Not in Click 2.1; it plays the part of Click's `TCPCollector` and
//!   `AggregateIPFlows` + `AggregateCounter` for a per-flow monitor whose
//!   table is read through one handler.
//!
//! ## Example
//! ```text
//! FromDevice(eth0) -> CheckIPHeader(14) -> fs :: FlowStats(CAPACITY 100000) -> ...
//! // yard run … -h fs.flows
//! ```

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::sync::Arc;

use clickconf::args::{Args, Seconds};
use engine::{
    BuildContext, Clock, ConfigError, Element, ElementSpec, HandlerError, HandlerSpec, Simple,
    SimpleAction, Verdict,
};
use packet::Packet;

use crate::nat::flow::{FlowHashState, FlowId, KeyKind};

pub const SPEC: ElementSpec = ElementSpec {
    class: "FlowStats",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("flowstats.rs"),
    drop_reasons: &[],
    handlers: &[
        HandlerSpec::read(
            "flows",
            "one line per flow: tuple, packets, bytes, times, flags",
        ),
        HandlerSpec::read("count", "flows kept"),
        HandlerSpec::read("overflows", "new flows not kept because the table was full"),
        HandlerSpec::read("unclassified", "packets not counted by flow"),
        HandlerSpec::write("reset", "forget every flow"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

#[derive(Clone, Copy)]
struct Stats {
    packets: u64,
    bytes: u64,
    first_ns: u64,
    last_ns: u64,
    flags: u8,
    /// Order of the flow's first packet, for listing.
    order: u64,
}

struct FlowStats {
    flows: HashMap<FlowId, Stats, FlowHashState>,
    capacity: usize,
    timeout_ns: u64,
    overflows: u64,
    unclassified: u64,
    next_order: u64,
    clock: Arc<dyn Clock>,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let capacity = args.read::<u32>("CAPACITY")?.unwrap_or(65536) as usize;
    let timeout = args
        .read::<Seconds>("TIMEOUT")?
        .map_or(300.0, |s| s.0.as_secs_f64());
    if capacity == 0 {
        return Err(ConfigError::msg("CAPACITY must be at least 1"));
    }
    Ok(Simple::boxed(FlowStats {
        flows: HashMap::with_hasher(FlowHashState::random()),
        capacity,
        timeout_ns: (timeout * 1e9) as u64,
        overflows: 0,
        unclassified: 0,
        next_order: 0,
        clock: cx.clock.clone(),
    }))
}

/// Wall-clock nanoseconds of a packet: its timestamp, else now.
fn stamp(packet: &Packet, clock: &dyn Clock) -> u64 {
    let t = packet.anno().timestamp;
    if t.0 != 0 { t.0 } else { clock.wall().0 }
}

fn flag_letters(f: u8) -> String {
    let mut s = String::new();
    for (bit, c) in [
        (2, 'S'),
        (1, 'F'),
        (4, 'R'),
        (8, 'P'),
        (0x10, '.'),
        (0x20, 'U'),
    ] {
        if f & bit != 0 {
            s.push(c);
        }
    }
    if s.is_empty() { "-".into() } else { s }
}

impl FlowStats {
    fn make_room(&mut self, now: u64) -> bool {
        let timeout = self.timeout_ns;
        self.flows
            .retain(|_, s| now.saturating_sub(s.last_ns) < timeout);
        self.flows.len() < self.capacity
    }
}

impl SimpleAction for FlowStats {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        let Some(ip) = packet.network_header() else {
            self.unclassified += 1;
            return Verdict::Pass;
        };
        let Some(id) = FlowId::of_packet(ip, KeyKind::FiveTuple).or_else(|| {
            // Protocols without ports are flows of addresses.
            if ip.len() >= 20 && !matches!(ip[9], 6 | 17 | 1) {
                FlowId::of_packet(ip, KeyKind::AddrPair)
            } else {
                None
            }
        }) else {
            self.unclassified += 1;
            return Verdict::Pass;
        };
        let len = u64::from(u16::from_be_bytes([ip[2], ip[3]]));
        let hl = usize::from(ip[0] & 0x0f) * 4;
        let flags = if ip[9] == 6 {
            ip.get(hl + 13).copied().unwrap_or(0)
        } else {
            0
        };
        let now = stamp(packet, &*self.clock);
        if let Some(s) = self.flows.get_mut(&id) {
            s.packets += 1;
            s.bytes += len;
            s.last_ns = now;
            s.flags |= flags;
            return Verdict::Pass;
        }
        if self.flows.len() >= self.capacity && !self.make_room(now) {
            self.overflows += 1;
            return Verdict::Pass;
        }
        self.flows.insert(
            id,
            Stats {
                packets: 1,
                bytes: len,
                first_ns: now,
                last_ns: now,
                flags,
                order: self.next_order,
            },
        );
        self.next_order += 1;
        Verdict::Pass
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "flows" => {
                let mut all: Vec<(&FlowId, &Stats)> = self.flows.iter().collect();
                all.sort_by_key(|(_, s)| s.order);
                let mut out = String::new();
                let secs =
                    |ns: u64| format!("{}.{:06}", ns / 1_000_000_000, ns % 1_000_000_000 / 1000);
                for (id, s) in all {
                    let proto = match id.proto {
                        6 => "tcp".to_string(),
                        17 => "udp".to_string(),
                        1 => "icmp".to_string(),
                        p => p.to_string(),
                    };
                    let _ = writeln!(
                        out,
                        "{proto} {} {} {} {} packets {} bytes {} first {} last {} flags {}",
                        Ipv4Addr::from(id.saddr),
                        id.sport,
                        Ipv4Addr::from(id.daddr),
                        id.dport,
                        s.packets,
                        s.bytes,
                        secs(s.first_ns),
                        secs(s.last_ns),
                        flag_letters(s.flags)
                    );
                }
                Ok(out)
            }
            "count" => Ok(self.flows.len().to_string()),
            "overflows" => Ok(self.overflows.to_string()),
            "unclassified" => Ok(self.unclassified.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, _value: &str) -> Result<(), HandlerError> {
        match name {
            "reset" => {
                self.flows.clear();
                self.overflows = 0;
                self.unclassified = 0;
                Ok(())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn flows_are_counted_per_direction() {
        let reg = crate::registry();
        let cfg = format!(
            "FromDump({}/../../testdata/captures/tcp-flows.pcap, STOP true) -> MarkIPHeader(14) -> fs :: FlowStats -> Discard",
            env!("CARGO_MANIFEST_DIR")
        );
        let router = engine::Router::from_text("t", &cfg, &reg).unwrap();
        router.run(&engine::RunOptions { threads: 1 });
        let flows = router.read_handler("fs.flows").unwrap();
        // Three connections and a refused SYN, each direction a flow.
        assert_eq!(router.read_handler("fs.count").unwrap(), "8", "{flows}");
        let first = flows.lines().next().unwrap();
        assert!(
            first.starts_with(
                "tcp 10.0.0.1 43000 10.0.0.2 80 packets 6 bytes 380 first 1700000000.000000 "
            ),
            "{first}"
        );
        assert!(first.ends_with("flags SFP."), "{first}");
    }
}
