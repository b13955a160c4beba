//! FastUDPFlows — makes UDP packets of many flows quickly, for load tests.
//!
//! ## Synopsis
//! `FastUDPFlows(RATE, LIMIT, LENGTH, SRCETH, SRCIP, DSTETH, DSTIP, FLOWS, FLOWSIZE [, CHECKSUM, ACTIVE])`
//!
//! ## Ports
//! No inputs, 1 output; pull.
//!
//! ## Description
//! Makes Ethernet/IPv4/UDP packets of LENGTH bytes (Ethernet header
//! included) from SRCETH/SRCIP to DSTETH/DSTIP, TTL 250, zero payload,
//! spread over FLOWS flows that differ in their (random) UDP ports. Each
//! packet belongs to a flow chosen at random; after FLOWSIZE packets a
//! flow takes new random ports, becoming a new flow. RATE is packets per
//! second (0: as fast as pulled); LIMIT is the total number of packets
//! (-1: no limit). The destination-IP annotation and the network header
//! are set.
//!
//! ## Arguments
//! - `RATE`, `LIMIT`, `LENGTH` (at least 42), `SRCETH`, `SRCIP`, `DSTETH`,
//!   `DSTIP`, `FLOWS` (at least 1), `FLOWSIZE` (at least 1): as above.
//! - `CHECKSUM` (default true): compute UDP checksums.
//! - `ACTIVE` (default true): make packets at all.
//!
//! ## Handlers
//! - `count` (read): packets made. `reset` (write): count from zero.
//! - `active` (read/write).
//!
//! ## Differences from Click
//! - Packets are copies of the flow's template in pooled buffers; Click
//!   hands out clones of one buffer per flow. The bytes are the same.
//!
//! ## Example
//! ```text
//! FastUDPFlows(0, 5000000, 64, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 8.8.8.8, 1000, 1000000)
//!   -> Unqueue(BURST 32) -> ...
//! ```

use std::net::Ipv4Addr;
use std::sync::Arc;

use clickconf::args::{Args, EtherAddress};
use engine::{
    BuildContext, Clock, ConfigError, Element, ElementSpec, HandlerError, HandlerSpec, Output,
    TaskContext,
};
use packet::PacketBatch;

pub const SPEC: ElementSpec = ElementSpec {
    class: "FastUDPFlows",
    ports: "0/1",
    processing: "l/l",
    source: include_str!("fastudpflows.rs"),
    drop_reasons: &[],
    handlers: &[
        HandlerSpec::read("count", "packets made"),
        HandlerSpec::write("reset", "count from zero"),
        HandlerSpec::read_write("active", "whether packets are made"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct Flow {
    template: Vec<u8>,
    sent: u64,
}

pub(crate) struct FastUDPFlows {
    flows: Vec<Flow>,
    flowsize: u64,
    limit: Option<u64>,
    count: u64,
    checksum: bool,
    active: bool,
    /// Nanoseconds between packets (0: unlimited), and when the next may go.
    interval_ns: u64,
    next_ns: u64,
    rng: u64,
    clock: Arc<dyn Clock>,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let rate = args.read_mp::<u32>("RATE")?;
    let limit = args.read_mp::<i64>("LIMIT")?;
    let len = args.read_mp::<u32>("LENGTH")? as usize;
    let src_eth = args.read_mp::<EtherAddress>("SRCETH")?;
    let src_ip = args.read_mp::<Ipv4Addr>("SRCIP")?;
    let dst_eth = args.read_mp::<EtherAddress>("DSTETH")?;
    let dst_ip = args.read_mp::<Ipv4Addr>("DSTIP")?;
    let nflows = args.read_mp::<u32>("FLOWS")? as usize;
    let flowsize = args.read_mp::<u64>("FLOWSIZE")?;
    let checksum = args.read_p::<bool>("CHECKSUM")?.unwrap_or(true);
    let active = args.read_p::<bool>("ACTIVE")?.unwrap_or(true);
    let e = FastUDPFlows::new(
        FlowsConfig {
            rate,
            limit,
            len,
            src: (src_eth, src_ip),
            dst: (dst_eth, dst_ip),
            nflows,
            flowsize,
            checksum,
            active,
            ports: None,
        },
        cx,
    )?;
    Ok(Box::new(e))
}

/// What a fast UDP source makes.
pub(crate) struct FlowsConfig {
    pub rate: u32,
    pub limit: i64,
    pub len: usize,
    pub src: (EtherAddress, Ipv4Addr),
    pub dst: (EtherAddress, Ipv4Addr),
    pub nflows: usize,
    pub flowsize: u64,
    pub checksum: bool,
    pub active: bool,
    /// Fixed source and destination ports (else random per flow).
    pub ports: Option<(u16, u16)>,
}

impl FastUDPFlows {
    pub(crate) fn new(c: FlowsConfig, cx: &BuildContext) -> Result<FastUDPFlows, ConfigError> {
        let FlowsConfig {
            rate,
            limit,
            len,
            src: (src_eth, src_ip),
            dst: (dst_eth, dst_ip),
            nflows,
            flowsize,
            checksum,
            active,
            ports,
        } = c;
        if !(42..=9000).contains(&len) {
            return Err(ConfigError::msg(format!("LENGTH {len} must be 42 to 9000")));
        }
        if nflows == 0 || nflows > 1 << 20 || flowsize == 0 {
            return Err(ConfigError::msg(
                "FLOWS must be 1 to 1048576 and FLOWSIZE at least 1",
            ));
        }
        let mut e = FastUDPFlows {
            flows: Vec::with_capacity(nflows),
            flowsize,
            limit: u64::try_from(limit).ok(),
            count: 0,
            checksum,
            active,
            interval_ns: if rate == 0 {
                0
            } else {
                1_000_000_000 / u64::from(rate)
            },
            next_ns: 0,
            rng: 0x9e37_79b9_7f4a_7c15 ^ (cx.name.len() as u64),
            clock: cx.clock.clone(),
        };
        for _ in 0..nflows {
            let mut t = vec![0u8; len];
            t[0..6].copy_from_slice(&dst_eth.0);
            t[6..12].copy_from_slice(&src_eth.0);
            t[12..14].copy_from_slice(&[0x08, 0x00]);
            t[14] = 0x45;
            t[16..18].copy_from_slice(&((len - 14) as u16).to_be_bytes());
            t[22] = 250;
            t[23] = 17;
            t[26..30].copy_from_slice(&src_ip.octets());
            t[30..34].copy_from_slice(&dst_ip.octets());
            let c = packet::checksum::checksum(&t[14..34]);
            t[24..26].copy_from_slice(&c.to_be_bytes());
            t[38..40].copy_from_slice(&((len - 34) as u16).to_be_bytes());
            e.flows.push(Flow {
                template: t,
                sent: 0,
            });
        }
        for i in 0..nflows {
            match ports {
                Some((sp, dp)) => e.set_ports(i, sp, dp),
                None => e.new_ports(i),
            }
        }
        Ok(e)
    }
}

impl FastUDPFlows {
    fn random(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        x
    }

    fn new_ports(&mut self, i: usize) {
        let sport = (self.random() % 0xffff) as u16;
        let dport = (self.random() % 0xffff) as u16;
        self.set_ports(i, sport, dport);
    }

    fn set_ports(&mut self, i: usize, sport: u16, dport: u16) {
        let checksum = self.checksum;
        let t = &mut self.flows[i].template;
        t[34..36].copy_from_slice(&sport.to_be_bytes());
        t[36..38].copy_from_slice(&dport.to_be_bytes());
        t[40] = 0;
        t[41] = 0;
        if checksum {
            let udp_len = (t.len() - 34) as u16;
            let pseudo = packet::checksum::pseudo_header_v4(
                Ipv4Addr::new(t[26], t[27], t[28], t[29]),
                Ipv4Addr::new(t[30], t[31], t[32], t[33]),
                packet::ip::IpProtocol::Udp,
                udp_len,
            );
            let body = packet::checksum::sum(&t[34..]);
            let mut c = packet::checksum::finish(&[pseudo, body]);
            if c == 0 {
                c = 0xffff;
            }
            t[40..42].copy_from_slice(&c.to_be_bytes());
        }
    }
}

impl FastUDPFlows {
    /// Packets the rate allows now, if a rate is set.
    fn due_packets(&mut self) -> Option<u64> {
        let now = self.clock.monotonic_ns();
        if self.next_ns == 0 {
            self.next_ns = now;
        }
        match (now.checked_sub(self.next_ns), self.interval_ns) {
            (_, 0) => None,
            (None, _) => Some(0),
            (Some(elapsed), interval) => elapsed.checked_div(interval).map(|d| d + 1),
        }
    }
}

impl Element for FastUDPFlows {
    fn pull(
        &mut self,
        _port: usize,
        max: usize,
        _cx: &mut TaskContext<'_>,
        into: &mut PacketBatch,
        _out: &mut Output,
    ) {
        if !self.active {
            return;
        }
        let mut n = max as u64;
        if let Some(limit) = self.limit {
            n = n.min(limit.saturating_sub(self.count));
        }
        if let Some(due) = self.due_packets() {
            n = n.min(due);
            self.next_ns += n * self.interval_ns;
        }
        if n == 0 {
            return;
        }
        let start = into.len();
        into.alloc(n as usize);
        let nflows = self.flows.len() as u64;
        for k in start..into.len() {
            let i = (self.random() % nflows) as usize;
            if self.flows[i].sent == self.flowsize {
                self.new_ports(i);
                self.flows[i].sent = 0;
            }
            self.flows[i].sent += 1;
            let Some(p) = into.as_mut_slice().get_mut(k) else {
                break;
            };
            if p.reset_with(&self.flows[i].template).is_ok() {
                p.set_mac_header(0);
                p.set_network_header(14, 20);
                let anno = p.anno_mut();
                anno.set_dst_ip(Ipv4Addr::new(
                    self.flows[i].template[30],
                    self.flows[i].template[31],
                    self.flows[i].template[32],
                    self.flows[i].template[33],
                ));
            }
        }
        self.count += n;
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "count" => Ok(self.count.to_string()),
            "active" => Ok(self.active.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "reset" => {
                self.count = 0;
                Ok(())
            }
            "active" => {
                self.active = crate::util::parse_active(value)?;
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
    #[test]
    fn packets_are_valid_udp_over_few_flows() {
        let reg = crate::registry();
        let router = engine::Router::from_text(
            "t",
            "f :: FastUDPFlows(0, 1000, 64, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 8.8.8.8, 5, 1000000)
             -> Unqueue(BURST 64) -> CheckIPHeader(14) -> ok :: Counter -> MarkIPHeader(14)
             -> rw :: IPRewriter(keep 0 0) -> Discard;",
            &reg,
        )
        .unwrap();
        let mut s = router.stepper();
        for _ in 0..100 {
            s.step();
        }
        assert_eq!(router.read_handler("f.count").unwrap(), "1000");
        assert_eq!(
            router.read_handler("ok.count").unwrap(),
            "1000",
            "IP headers valid"
        );
        assert_eq!(
            router.read_handler("rw.table_size").unwrap(),
            "5",
            "five flows"
        );
        for bad in [
            "0, 10, 20, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 8.8.8.8, 5, 10",
            "0, 10, 64, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 8.8.8.8, 0, 10",
        ] {
            assert!(
                engine::Router::from_text(
                    "t",
                    &format!("FastUDPFlows({bad}) -> Unqueue -> Discard"),
                    &reg
                )
                .is_err()
            );
        }
    }
}
