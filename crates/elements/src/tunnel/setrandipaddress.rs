//! SetRandIPAddress — sets the destination address annotation to a random
//! address within a prefix.
//!
//! ## Synopsis
//! `SetRandIPAddress(PREFIX [, LIMIT])`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! Sets each packet's destination IP address annotation to a random
//! address in PREFIX (its host bits random). With LIMIT N, N addresses are
//! picked when the element is built and each packet gets one of them at
//! random. The packet's bytes do not change: follow with
//! `StoreIPAddress(dst)` to write the address into the IP header.
//!
//! With a fast source this spreads traffic over many destinations, as a
//! routing-table benchmark needs (Click's `FastUDPFlows` varies only the
//! ports): `FastUDPFlows(…) -> SetRandIPAddress(10.0.0.0/8, LIMIT 1000)
//! -> StoreIPAddress(dst) -> …`.
//!
//! ## Arguments
//! - `PREFIX`: an IPv4 prefix (a bare address is a /32).
//! - `LIMIT` (integer, default none): how many addresses to pick from;
//!   0 or negative: every packet gets a fresh random address.
//!
//! ## Differences from Click
//! - The random numbers come from a generator seeded from the element's
//!   name, so runs are repeatable; Click's differ from run to run.
//! - LIMIT is capped at 1,048,576 addresses.
//!
//! ## Example
//! ```text
//! FastUDPFlows(0, -1, 64, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 10.0.0.2, 100, 1000)
//!   -> Unqueue -> SetRandIPAddress(10.0.0.0/8, 1000) -> StoreIPAddress(dst)
//!   -> Strip(14) -> CheckIPHeader -> RadixIPLookup(...) -> ...
//! ```

use std::net::Ipv4Addr;

use clickconf::args::{Args, IpPrefix};
use engine::{BuildContext, ConfigError, Element, ElementSpec, Simple, SimpleAction, Verdict};
use packet::Packet;

pub const SPEC: ElementSpec = ElementSpec {
    class: "SetRandIPAddress",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("setrandipaddress.rs"),
    drop_reasons: &[],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

const MAX_LIMIT: i64 = 1 << 20;

struct SetRandIPAddress {
    net: u32,
    mask: u32,
    addrs: Vec<Ipv4Addr>,
    rng: u64,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let prefix = args.read_mp::<IpPrefix>("PREFIX")?;
    let limit = args.read_p::<i64>("LIMIT")?.unwrap_or(-1);
    if limit > MAX_LIMIT {
        return Err(ConfigError::msg(format!(
            "LIMIT {limit} too large (at most {MAX_LIMIT})"
        )));
    }
    let mask = u32::from(prefix.mask());
    let seed = cx.name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    let mut e = SetRandIPAddress {
        net: u32::from(prefix.addr) & mask,
        mask,
        addrs: Vec::new(),
        rng: seed | 1,
    };
    for _ in 0..limit.max(0) {
        let a = e.pick();
        e.addrs.push(a);
    }
    Ok(Simple::boxed(e))
}

impl SetRandIPAddress {
    #[inline]
    fn random(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        x
    }

    /// A random address in the prefix.
    #[inline]
    fn pick(&mut self) -> Ipv4Addr {
        let r = (self.random() >> 32) as u32;
        Ipv4Addr::from((r & !self.mask) | self.net)
    }
}

impl SimpleAction for SetRandIPAddress {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        let addr = if self.addrs.is_empty() {
            self.pick()
        } else {
            let i = ((self.random() >> 32) * self.addrs.len() as u64) >> 32;
            self.addrs[i as usize]
        };
        packet.anno_mut().set_dst_ip(addr);
        Verdict::Pass
    }
}

#[cfg(test)]
mod tests {
    use crate::standard::null::harness::Harness;

    /// The destinations `StoreIPAddress(dst)` wrote into the frames
    /// `Collect` logged.
    fn destinations(h: &Harness) -> Vec<[u8; 4]> {
        h.read("c.log")
            .lines()
            .map(|l| {
                let b = |i: usize| u8::from_str_radix(&l[2 * i..2 * i + 2], 16).unwrap();
                [b(30), b(31), b(32), b(33)]
            })
            .collect()
    }

    fn run(args: &str, n: u32) -> Harness {
        let h = Harness::new(&format!(
            "FastUDPFlows(0, {n}, 60, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 10.0.0.2, 1, 1000000)
               -> Unqueue -> SetRandIPAddress({args}) -> StoreIPAddress(dst) -> c :: Collect;"
        ));
        let mut s = h.router.stepper();
        for _ in 0..50 {
            s.step();
        }
        drop(s);
        h
    }

    #[test]
    fn addresses_stay_in_the_prefix_and_spread() {
        let h = run("172.16.0.0/12", 2000);
        let d = destinations(&h);
        assert_eq!(d.len(), 2000);
        assert!(
            d.iter().all(|a| a[0] == 172 && a[1] & 0xf0 == 16),
            "in 172.16/12"
        );
        let distinct: std::collections::HashSet<_> = d.iter().collect();
        assert!(distinct.len() > 1900, "random: {}", distinct.len());
    }

    #[test]
    fn limit_picks_from_a_fixed_set() {
        let h = run("10.0.0.0/8, 20", 3000);
        let d = destinations(&h);
        let distinct: std::collections::HashSet<_> = d.iter().collect();
        assert!(
            (15..=20).contains(&distinct.len()),
            "{} addresses",
            distinct.len()
        );
        assert!(d.iter().all(|a| a[0] == 10));
        let h = run("192.0.2.7", 10);
        assert!(destinations(&h).iter().all(|a| *a == [192, 0, 2, 7]));
    }

    #[test]
    fn bad_arguments() {
        for bad in [
            "",
            "10.0.0.0/33",
            "10.0.0.0/8, x",
            "10.0.0.0/8, 2000000",
            "a, 3",
        ] {
            let text = format!("Idle -> SetRandIPAddress({bad}) -> Discard");
            assert!(Harness::try_new(&text).is_err(), "{bad}");
        }
    }
}
