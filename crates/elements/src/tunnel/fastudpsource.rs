//! FastUDPSource — makes UDP packets of one flow quickly, for load tests.
//!
//! ## Synopsis
//! `FastUDPSource(RATE, LIMIT, LENGTH, SRCETH, SRCIP, SPORT, DSTETH, DSTIP, DPORT [, CHECKSUM, INTERVAL, ACTIVE])`
//!
//! ## Ports
//! No inputs, 1 output; pull.
//!
//! ## Description
//! As `FastUDPFlows` with one flow of fixed ports: Ethernet/IPv4/UDP
//! packets of LENGTH bytes from SRCETH/SRCIP:SPORT to DSTETH/DSTIP:DPORT,
//! TTL 250, zero payload. RATE is packets per second (0: as fast as
//! pulled); LIMIT the total (-1: no limit).
//!
//! ## Arguments
//! - `RATE`, `LIMIT`, `LENGTH`, `SRCETH`, `SRCIP`, `SPORT`, `DSTETH`,
//!   `DSTIP`, `DPORT`: as above.
//! - `CHECKSUM` (default true): compute the UDP checksum.
//! - `INTERVAL`: accepted for Click's sake and not used.
//! - `ACTIVE` (default true).
//!
//! ## Handlers
//! - `count` (read), `reset` (write), `active` (read/write).
//!
//! ## Differences from Click
//! - INTERVAL (Click's periodic rate reports) does nothing.
//!
//! ## Example
//! ```text
//! FastUDPSource(100000, -1, 60, 2:0:0:0:0:1, 10.0.0.1, 1234, 2:0:0:0:0:2, 10.0.0.2, 5678)
//!   -> Unqueue -> ToDevice(eth0);
//! ```

use std::net::Ipv4Addr;

use clickconf::args::{Args, EtherAddress};
use engine::{BuildContext, ConfigError, Element, ElementSpec};

use super::fastudpflows::{FastUDPFlows, FlowsConfig};

pub const SPEC: ElementSpec = ElementSpec {
    class: "FastUDPSource",
    source: include_str!("fastudpsource.rs"),
    make,
    ..super::fastudpflows::SPEC
};

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let rate = args.read_mp::<u32>("RATE")?;
    let limit = args.read_mp::<i64>("LIMIT")?;
    let len = args.read_mp::<u32>("LENGTH")? as usize;
    let src_eth = args.read_mp::<EtherAddress>("SRCETH")?;
    let src_ip = args.read_mp::<Ipv4Addr>("SRCIP")?;
    let sport = args.read_mp::<u16>("SPORT")?;
    let dst_eth = args.read_mp::<EtherAddress>("DSTETH")?;
    let dst_ip = args.read_mp::<Ipv4Addr>("DSTIP")?;
    let dport = args.read_mp::<u16>("DPORT")?;
    let checksum = args.read_p::<bool>("CHECKSUM")?.unwrap_or(true);
    let _interval = args.read_p::<u32>("INTERVAL")?;
    let active = args.read_p::<bool>("ACTIVE")?.unwrap_or(true);
    let e = FastUDPFlows::new(
        FlowsConfig {
            rate,
            limit,
            len,
            src: (src_eth, src_ip),
            dst: (dst_eth, dst_ip),
            nflows: 1,
            flowsize: u64::MAX,
            checksum,
            active,
            ports: Some((sport, dport)),
        },
        cx,
    )?;
    Ok(Box::new(e))
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_flow_with_the_ports_given() {
        let reg = crate::registry();
        let r = engine::Router::from_text(
            "t",
            "FastUDPSource(0, 100, 60, 2:0:0:0:0:1, 10.0.0.1, 1234, 2:0:0:0:0:2, 10.0.0.2, 5678)
               -> Unqueue -> CheckIPHeader(14) -> MarkIPHeader(14)
               -> f :: IPFilter(allow src port 1234 and dst port 5678, deny all) -> c :: Counter -> Discard;",
            &reg,
        )
        .unwrap();
        let mut s = r.stepper();
        for _ in 0..10 {
            s.step();
        }
        assert_eq!(r.read_handler("c.count").unwrap(), "100");
    }
}
