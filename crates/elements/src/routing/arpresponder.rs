//! ARPResponder — answers ARP requests for configured addresses.
//!
//! ## Synopsis
//! `ARPResponder(IP [IP...] ETH, ...)`
//!
//! ## Ports
//! 1 input, 1 or 2 outputs; agnostic/push.
//!
//! ## Description
//! Each argument lists IP addresses or prefixes (`10.0.0.1`,
//! `10.0.0.0/24`, or `AddressInfo` names) and the Ethernet address to
//! answer with. An ARP request (Ethernet, IPv4) whose target address
//! matches an entry is turned into the reply (42 bytes, stamped with the
//! current time), in place, and leaves on output 0. Other packets go to output 1 if connected, else are dropped
//! (reason `not_answered`).
//!
//! ## Arguments
//! - `IP... ETH`: addresses answered for and the address answered with.
//!
//! ## Differences from Click
//! - Replies reuse the request's buffer (Click makes a new one); the
//!   bytes are the same.
//!
//! ## Example
//! ```text
//! c :: Classifier(12/0806 20/0001, ...);
//! c[0] -> ARPResponder(10.0.0.1 00:01:02:03:04:05) -> Queue -> ToDevice(eth0);
//! ```

use clickconf::args::{ArgValue, Args, EtherAddress, IpPrefix};
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, Simple, SimpleAction, Verdict,
};
use packet::Packet;

use super::arp::{self, Arp};

pub const SPEC: ElementSpec = ElementSpec {
    class: "ARPResponder",
    ports: "1/1-2",
    processing: "a/ah",
    source: include_str!("arpresponder.rs"),
    drop_reasons: &["not_answered"],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct ARPResponder {
    /// (address, mask, Ethernet address)
    entries: Vec<(u32, u32, [u8; 6])>,
    reject: Verdict,
    clock: std::sync::Arc<dyn engine::Clock>,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let mut entries = Vec::new();
    for arg in args.rest() {
        let bad = |message: String| crate::util::arg_error(&arg, message);
        let words: Vec<&str> = arg.text.split_ascii_whitespace().collect();
        let mut eth = None;
        let mut prefixes = Vec::new();
        for w in &words {
            if let Ok(p) = IpPrefix::parse_arg(w) {
                prefixes.push(p);
                // A name may stand for both an address and an Ethernet
                // address.
                if eth.is_none()
                    && !w.contains(['.', '/'])
                    && let Ok(e) = EtherAddress::parse_arg(w)
                {
                    eth = Some(e);
                }
            } else if let Ok(e) = EtherAddress::parse_arg(w) {
                eth = Some(e);
            } else {
                return Err(bad(format!(
                    "'{w}' is not an IP address or prefix or an Ethernet address"
                )));
            }
        }
        let Some(eth) = eth else {
            return Err(bad("missing Ethernet address".into()));
        };
        if prefixes.is_empty() {
            return Err(bad("missing IP address".into()));
        }
        for p in prefixes {
            let mask = u32::from(p.mask());
            entries.push((u32::from(p.addr) & mask, mask, eth.0));
        }
    }
    let reject = if cx.noutputs > 1 {
        Verdict::Out(1)
    } else {
        Verdict::Drop(DropReason(0))
    };
    Ok(Simple::boxed(ARPResponder {
        entries,
        reject,
        clock: cx.clock.clone(),
    }))
}

impl SimpleAction for ARPResponder {
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        let Some(req) = arp::parse(packet.data()).filter(|a| a.op == 1) else {
            return self.reject;
        };
        let target = u32::from(req.target_ip);
        let Some(&(_, _, eth)) = self.entries.iter().find(|(a, m, _)| target & m == *a) else {
            return self.reject;
        };
        let reply = Arp {
            op: 2,
            sender_eth: eth,
            sender_ip: req.target_ip,
            target_eth: req.sender_eth,
            target_ip: req.sender_ip,
        };
        arp::write(packet.data_mut(), req.sender_eth, eth, &reply);
        let extra = packet.len() - arp::ARP_FRAME;
        if packet.take(extra).is_err() {
            return self.reject;
        }
        packet.anno_mut().timestamp = self.clock.wall();
        Verdict::Pass
    }
}
