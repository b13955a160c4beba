//! FastUDPSource — makes UDP packets of one flow quickly, for load tests.
//!
//! ## Synopsis
//! `FastUDPSource(RATE, LIMIT, LENGTH, SRCETH, SRCIP, SPORT, DSTETH, DSTIP, DPORT [, CHECKSUM, INTERVAL, ACTIVE])`
//!
//! ## Ports
//! No inputs, 1 output; pull.
//!
//! ## Description
//! Makes Ethernet/IPv4/UDP packets of LENGTH bytes (Ethernet header
//! included) from SRCETH/SRCIP:SPORT to DSTETH/DSTIP:DPORT: IP ID 0, TTL
//! 250, zero payload. RATE is packets per second (0: as fast as pulled);
//! LIMIT the total (-1: no limit). With INTERVAL N, both ports go up by one
//! after every N packets (so the N packets after the first N leave from
//! SPORT+1 to DPORT+1, and so on). Annotations are set as by
//! `FastUDPFlows`, and making a packet costs no allocation.
//!
//! ## Arguments
//! - `RATE`, `LIMIT`, `LENGTH` (below 60 taken as 60, with a warning),
//!   `SRCETH`, `SRCIP`, `SPORT`, `DSTETH`, `DSTIP`, `DPORT`: as above.
//! - `CHECKSUM` (bool, default true): compute the UDP checksum.
//! - `INTERVAL` (unsigned, default 0): packets between port increments;
//!   0 never.
//! - `ACTIVE` (bool, default true).
//!
//! ## Handlers
//! - `count` (read): packets made.
//! - `rate` (read): packets per second from the first packet to the
//!   LIMIT-th, 0 before; (write): a new RATE.
//! - `reset` (write): count from zero, ports back to SPORT and DPORT.
//! - `active` (read/write): writing true also resets.
//! - `limit` (write): a new LIMIT (negative: none).
//!
//! ## Differences from Click
//! - Packets are written into pooled buffers (Click clones one); the bytes
//!   are the same.
//! - A UDP checksum computing to 0 is sent as `ffff` (RFC 768); Click sends
//!   0.
//! - Ports are numbers (Click also takes service names).
//! - `active` is also readable.
//!
//! ## Example
//! ```text
//! FastUDPSource(100000, -1, 60, 2:0:0:0:0:1, 10.0.0.1, 1234, 2:0:0:0:0:2, 10.0.0.2, 5678)
//!   -> Unqueue -> ToDevice(eth0);
//! ```

use std::net::Ipv4Addr;

use clickconf::args::{Args, EtherAddress};
use engine::{BuildContext, ConfigError, Element, ElementSpec, HandlerSpec};

use super::fastudpflows::{FastFlows, FlowsConfig, Proto};

pub const SPEC: ElementSpec = ElementSpec {
    class: "FastUDPSource",
    source: include_str!("fastudpsource.rs"),
    handlers: &[
        HandlerSpec::read("count", "packets made"),
        HandlerSpec::read_write("rate", "measured rate (read), RATE (write)"),
        HandlerSpec::write("reset", "count from zero"),
        HandlerSpec::read_write("active", "whether packets are made"),
        HandlerSpec::write("limit", "LIMIT"),
    ],
    make,
    ..super::fastudpflows::SPEC
};

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let rate = args.read_mp::<u32>("RATE")?;
    let limit = args.read_mp::<i64>("LIMIT")?;
    let len = args.read_mp::<u32>("LENGTH")?;
    let src_eth = args.read_mp::<EtherAddress>("SRCETH")?;
    let src_ip = args.read_mp::<Ipv4Addr>("SRCIP")?;
    let sport = args.read_mp::<u16>("SPORT")?;
    let dst_eth = args.read_mp::<EtherAddress>("DSTETH")?;
    let dst_ip = args.read_mp::<Ipv4Addr>("DSTIP")?;
    let dport = args.read_mp::<u16>("DPORT")?;
    let checksum = args.read_p::<bool>("CHECKSUM")?.unwrap_or(true);
    let interval = args.read_p::<u32>("INTERVAL")?.unwrap_or(0);
    let active = args.read_p::<bool>("ACTIVE")?.unwrap_or(true);
    let e = FastFlows::new(
        FlowsConfig {
            class: "FastUDPSource",
            rate,
            limit,
            len,
            src: (src_eth, src_ip),
            dst: (dst_eth, dst_ip),
            nflows: 1,
            flowsize: u64::MAX,
            proto: Proto::Udp { checksum },
            active,
            ports: Some((sport, dport)),
            interval,
        },
        cx,
    )?;
    Ok(Box::new(e))
}

#[cfg(test)]
mod tests {
    use super::super::fastudpflows::tests::{checksums_ok, frames, n, run};
    use crate::standard::null::harness::Harness;

    #[test]
    fn one_flow_with_the_ports_given() {
        let h = run(
            "s :: FastUDPSource(0, 100, 60, 2:0:0:0:0:1, 10.0.0.1, 1234, 2:0:0:0:0:2, 10.0.0.2, 5678)
               -> Unqueue -> CheckIPHeader(14) -> MarkIPHeader(14)
               -> f :: IPFilter(allow src port 1234 and dst port 5678, deny all) -> c :: Counter -> Discard;",
        );
        assert_eq!(n(&h, "c.count"), 100);
        assert_eq!(n(&h, "s.count"), 100);
    }

    #[test]
    fn the_bytes_are_clicks() {
        // The headers of the frames Click 2.1 wrote for this source
        // (FastUDPSource -> Unqueue -> ToDump; the rest is 18 zero bytes).
        let h = run(
            "FastUDPSource(0, 5, 60, 2:0:0:0:0:1, 10.0.0.1, 1234, 2:0:0:0:0:2, 10.0.0.2, 5678, INTERVAL 2)
               -> Unqueue -> c :: Collect;",
        );
        let frames = frames(&h, "c");
        let hex = |f: &Vec<u8>| f.iter().map(|b| format!("{b:02x}")).collect::<String>();
        let click = [
            "02000000000202000000000108004500002e00000000fa11acbc0a0000010a00000204d2162e001ad0b7",
            "02000000000202000000000108004500002e00000000fa11acbc0a0000010a00000204d2162e001ad0b7",
            "02000000000202000000000108004500002e00000000fa11acbc0a0000010a00000204d3162f001ad0b5",
            "02000000000202000000000108004500002e00000000fa11acbc0a0000010a00000204d3162f001ad0b5",
            "02000000000202000000000108004500002e00000000fa11acbc0a0000010a00000204d41630001ad0b3",
        ];
        assert_eq!(frames.len(), 5);
        for (f, want) in frames.iter().zip(click) {
            assert_eq!(hex(f), format!("{want}{}", "00".repeat(18)));
            assert!(checksums_ok(f));
        }
    }

    #[test]
    fn reset_puts_the_ports_back() {
        let h = run(
            "s :: FastUDPSource(0, 4, 60, 2:0:0:0:0:1, 10.0.0.1, 1, 2:0:0:0:0:2, 10.0.0.2, 65535, INTERVAL 1)
               -> Unqueue -> c :: Collect;",
        );
        h.write("s.reset", "").unwrap();
        let mut s = h.router.stepper();
        for _ in 0..10 {
            s.step();
        }
        let frames = frames(&h, "c");
        let ports: Vec<_> = frames.iter().map(|f| f[34..38].to_vec()).collect();
        assert_eq!(ports.len(), 8);
        assert_eq!(ports[0], [0, 1, 0xff, 0xff]);
        assert_eq!(ports[1], [0, 2, 0, 0], "wraps");
        assert_eq!(ports[3], [0, 4, 0, 2]);
        assert_eq!(ports[4], ports[0], "after reset");
        assert!(frames.iter().all(|f| checksums_ok(f)));
    }

    #[test]
    fn bad_arguments() {
        for bad in [
            "0, 10, 64, 2:0:0:0:0:1, 10.0.0.1, 70000, 2:0:0:0:0:2, 8.8.8.8, 5",
            "0, 10, 64, 2:0:0:0:0:1, 10.0.0.1, 1, 2:0:0:0:0:2, 8.8.8.8",
            "0, 10, 64, 2:0:0:0:0:1, 10.0.0.1, 1, 2:0:0:0:0:2, 8.8.8.8, -5",
            "0, 10, 9999, 2:0:0:0:0:1, 10.0.0.1, 1, 2:0:0:0:0:2, 8.8.8.8, 5",
            "0, 10, 64, 2:0:0:0:0:1, 10.0.0.1, 1, 2:0:0:0:0:2, 8.8.8.8, 5, INTERVAL -1",
            "0, 10, 64, 2:0:0:0:0:1, 10.0.0.1, 1, 2:0:0:0:0:2, 8.8.8.8, 5, FLOWS 3",
            "0, 10, 64, 2:0:0:0:0:1, nowhere, 1, 2:0:0:0:0:2, 8.8.8.8, 5",
        ] {
            let text = format!("FastUDPSource({bad}) -> Unqueue -> Discard");
            assert!(Harness::try_new(&text).is_err(), "{bad}");
        }
    }
}
