//! FastTCPFlows — makes TCP packets of many short flows quickly, for load
//! tests.
//!
//! ## Synopsis
//! `FastTCPFlows(RATE, LIMIT, LENGTH, SRCETH, SRCIP, DSTETH, DSTIP, FLOWS, FLOWSIZE [, ACTIVE])`
//!
//! ## Ports
//! No inputs, 1 output; pull.
//!
//! ## Description
//! Makes Ethernet/IPv4/TCP packets of LENGTH bytes (Ethernet header
//! included) from SRCETH/SRCIP to DSTETH/DSTIP: IP ID 0, TTL 250, a
//! 20-byte TCP header with window 65535, zero payload. The packets belong
//! to FLOWS flows with random ports. Each packet goes to a flow chosen at
//! random: a flow's first packet is a SYN, its FLOWSIZE-th a FIN, those
//! between carry data (PSH ACK); after its FIN the flow takes new random
//! ports and starts again with a SYN. Each flow has fixed random sequence
//! and acknowledgement numbers for its SYN, data and FIN packets.
//!
//! When LIMIT packets have been made (-1: no limit), a FIN goes for every
//! flow that has not just sent one (flows that have sent nothing
//! included), one per pull, then nothing more. RATE is packets per second
//! (0: as fast as pulled). Annotations are set as by `FastUDPFlows`, and
//! making a packet costs no allocation.
//!
//! ## Arguments
//! - `RATE`, `LIMIT`, `LENGTH` (below 60 taken as 60, with a warning),
//!   `SRCETH`, `SRCIP`, `DSTETH`, `DSTIP`, `FLOWS` (1 to 1048576): as
//!   above.
//! - `FLOWSIZE` (unsigned): packets per flow, SYN and FIN included; below
//!   3 taken as 3, with a warning (as in Click).
//! - `ACTIVE` (bool, default true).
//!
//! ## Handlers
//! - `count` (read): packets made, the closing FINs included.
//! - `rate` (read): packets per second from the first packet to the
//!   LIMIT-th, 0 before; (write): a new RATE.
//! - `reset` (write): count from zero (closing FINs go again at the next
//!   limit).
//! - `active` (read/write): writing true also resets.
//! - `limit` (write): a new LIMIT (negative: none).
//!
//! ## Differences from Click
//! - Packets are written into pooled buffers from per-flow headers (Click
//!   clones three buffers per flow); the bytes are the same.
//! - The random ports and sequence numbers come from a generator seeded
//!   from the element's name, so a run is repeatable.
//! - `active` is also readable.
//!
//! ## Example
//! ```text
//! FastTCPFlows(0, 100000, 64, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 10.0.0.2, 100, 20)
//!   -> Unqueue -> ...
//! ```

use std::net::Ipv4Addr;

use clickconf::args::{Args, EtherAddress};
use engine::{BuildContext, ConfigError, Element, ElementSpec, HandlerSpec};

use super::fastudpflows::{FastFlows, FlowsConfig, Proto};

pub const SPEC: ElementSpec = ElementSpec {
    class: "FastTCPFlows",
    source: include_str!("fasttcpflows.rs"),
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
    let dst_eth = args.read_mp::<EtherAddress>("DSTETH")?;
    let dst_ip = args.read_mp::<Ipv4Addr>("DSTIP")?;
    let nflows = args.read_mp::<u32>("FLOWS")?;
    let flowsize = args.read_mp::<u32>("FLOWSIZE")?;
    let active = args.read_p::<bool>("ACTIVE")?.unwrap_or(true);
    let e = FastFlows::new(
        FlowsConfig {
            class: "FastTCPFlows",
            rate,
            limit,
            len,
            src: (src_eth, src_ip),
            dst: (dst_eth, dst_ip),
            nflows,
            flowsize: u64::from(flowsize),
            proto: Proto::Tcp,
            active,
            ports: None,
            interval: 0,
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
    fn flows_open_carry_data_and_close() {
        let h = run(
            "f :: FastTCPFlows(0, 100, 64, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 10.0.0.2, 3, 10)
               -> Unqueue -> t :: Tee;
             t[0] -> CheckIPHeader(14) -> MarkIPHeader(14)
               -> c :: IPClassifier(syn, fin, tcp opt psh and tcp opt ack);
             c[0] -> syn :: Counter -> Discard;
             c[1] -> fin :: Counter -> Discard;
             c[2] -> data :: Counter -> Discard;
             t[1] -> log :: Collect;",
        );
        let (syn, fin, data) = (n(&h, "syn.count"), n(&h, "fin.count"), n(&h, "data.count"));
        let count = n(&h, "f.count");
        assert_eq!(syn + data + fin, count, "every packet valid TCP");
        assert!((100..=103).contains(&count), "{count}");
        // Every flow is closed at the end, even those that sent nothing.
        let frames = frames(&h, "log");
        for f in &frames {
            assert!(checksums_ok(f));
            assert_eq!(f.len(), 64);
            assert_eq!(f[46], 0x50);
            assert_eq!(f[48..50], [0xff, 0xff]);
        }
        let mut open = std::collections::HashMap::new();
        for (i, f) in frames.iter().enumerate() {
            let key = f[34..38].to_vec();
            match f[47] {
                0x02 => assert!(open.insert(key, 1).is_none(), "SYN opens"),
                0x18 => *open.get_mut(&key).expect("data after SYN") += 1,
                0x01 => {
                    let sent = open.remove(&key).unwrap_or(0) + 1;
                    // Before the limit a FIN is a flow's tenth packet;
                    // after it, FINs close flows wherever they are.
                    assert!(i >= 100 || sent == 10, "packet {i}: FIN after {sent}");
                }
                other => panic!("flags {other:#x}"),
            }
            if i >= 100 {
                assert_eq!(f[47], 0x01, "only FINs after the limit");
            }
        }
        assert!(open.is_empty(), "all closed: {open:?}");
    }

    #[test]
    fn one_flow_in_order() {
        // FLOWSIZE 4: S D D F S D D F S D, then the closing FIN: 11
        // packets (checked against Click 2.1 in the golden case).
        let h = run(
            "f :: FastTCPFlows(0, 10, 60, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 10.0.0.2, 1, 4)
               -> Unqueue -> c :: Collect;",
        );
        let flags: Vec<u8> = frames(&h, "c").iter().map(|f| f[47]).collect();
        assert_eq!(
            flags,
            [2, 0x18, 0x18, 1, 2, 0x18, 0x18, 1, 2, 0x18, 1],
            "SYN, data, FIN"
        );
        assert_eq!(n(&h, "f.count"), 11);
        // A reset starts counting again and closes again at the limit.
        h.write("f.reset", "").unwrap();
        let mut s = h.router.stepper();
        for _ in 0..10 {
            s.step();
        }
        assert_eq!(n(&h, "f.count"), 11);
    }

    #[test]
    fn small_arguments_are_raised_as_clicks() {
        let h = run(
            "f :: FastTCPFlows(0, 6, 10, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 10.0.0.2, 1, 1)
               -> Unqueue -> c :: Collect;",
        );
        let frames = frames(&h, "c");
        let flags: Vec<u8> = frames.iter().map(|f| f[47]).collect();
        assert_eq!(flags, [2, 0x18, 1, 2, 0x18, 1], "FLOWSIZE 3");
        assert!(frames.iter().all(|f| f.len() == 60), "LENGTH 60");
    }

    #[test]
    fn bad_arguments() {
        for bad in [
            "0, 10, 64, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 8.8.8.8, 0, 10",
            "0, 10, 64, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 8.8.8.8, 5",
            "0, 10, 64, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 8.8.8.8, 5, -10",
            "0, 10, 10000, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 8.8.8.8, 5, 10",
            "0, 10, 64, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 8.8.8.8, 5, 10, CHECKSUM false",
            "0, 10, 64, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 8.8.8.8, 5, 10, maybe",
        ] {
            let text = format!("FastTCPFlows({bad}) -> Unqueue -> Discard");
            assert!(Harness::try_new(&text).is_err(), "{bad}");
        }
    }
}
