//! ARPResponder — answers ARP requests for configured addresses.
//!
//! ## Synopsis
//! `ARPResponder(IP/MASK [IP/MASK...] ETH, ...)`
//!
//! ## Ports
//! 1 input, 1 or 2 outputs; agnostic/push.
//!
//! ## Description
//! Each argument lists IP addresses or prefixes (`10.0.0.1`,
//! `10.0.0.0/24`, or `AddressInfo` names) and the Ethernet address to
//! answer with; a name may stand for both. An Ethernet ARP request for IPv4
//! whose target address falls in an entry gets a 42-byte ARP reply from
//! that Ethernet address, on output 0; the most specific entry wins. The
//! reply is a new packet, as in Click: its annotations are cleared (no
//! timestamp, so `ToDump` stamps it when it writes it) except the VLAN
//! TCI. Other packets go to output 1 if connected, else are dropped
//! (reason `not_answered`).
//!
//! ## Arguments
//! - `IP/MASK... ETH`, any number: addresses answered for and the address
//!   answered with. Of entries for the same prefix, the last wins.
//!
//! ## Handlers
//! - `table` (read): the entries, most specific first, `IP/MASK ETH` per
//!   line.
//! - `lookup` (read/write): Click reads it with an address as parameter;
//!   here write the address, then read the Ethernet address answered for
//!   it (empty when none).
//! - `add` (write): `IP/MASK [IP/MASK...] ETH` adds entries.
//! - `remove` (write): `IP/MASK` removes that entry.
//!
//! ## Differences from Click
//! - Reply buffers are reused from the request (the bytes and annotations
//!   are Click's).
//! - `lookup` is written then read (Click reads it with a parameter).
//! - Click sorts the entries with a comparison that is not a total order;
//!   here a more specific entry goes before the first entry that covers
//!   it and unrelated entries keep their order, so `table` can list
//!   unrelated entries in another order than Click (answers are the same).
//!
//! ## Example
//! ```text
//! c :: Classifier(12/0806 20/0001, ...);
//! c[0] -> ARPResponder(10.0.0.1 00:01:02:03:04:05) -> Queue -> ToDevice(eth0);
//! ```

use std::fmt::Write as _;
use std::net::Ipv4Addr;

use clickconf::args::{ArgValue, Args, EtherAddress, IpPrefix};
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec, Simple,
    SimpleAction, Verdict,
};
use packet::Packet;
use packet::anno::offset::VLAN_TCI;

use super::arp::{self, Arp};

pub const SPEC: ElementSpec = ElementSpec {
    class: "ARPResponder",
    ports: "1/1-2",
    processing: "a/ah",
    source: include_str!("arpresponder.rs"),
    drop_reasons: &["not_answered"],
    handlers: &[
        HandlerSpec::read("table", "entries: IP/MASK ETH"),
        HandlerSpec::read_write(
            "lookup",
            "write an address; reading then gives the Ethernet address answered",
        ),
        HandlerSpec::write("add", "add entries: IP/MASK [IP/MASK...] ETH"),
        HandlerSpec::write("remove", "remove the entry for IP/MASK"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    addr: u32,
    mask: u32,
    eth: [u8; 6],
}

impl Entry {
    /// Whether `self` lies within `other`.
    fn within(&self, other: &Entry) -> bool {
        self.addr & other.mask == other.addr && self.mask & other.mask == other.mask
    }
}

struct ARPResponder {
    /// Most specific first.
    entries: Vec<Entry>,
    reject: Verdict,
    last_lookup: String,
}

/// Parses one `IP/MASK... ETH` argument (Click's `ARPResponder::add`).
fn parse_entries(text: &str) -> Result<Vec<Entry>, String> {
    let words: Vec<&str> = text.split_ascii_whitespace().collect();
    let mut prefixes = Vec::new();
    let mut eth: Option<[u8; 6]> = None;
    for w in &words {
        if let Ok(p) = IpPrefix::parse_arg(w) {
            prefixes.push(p);
        } else if let Ok(e) = EtherAddress::parse_arg(w) {
            if eth.is_some() {
                return Err("more than one ETH".into());
            }
            eth = Some(e.0);
        } else {
            return Err("expected IP/MASK ETH".into());
        }
    }
    // A word may be both an address and an Ethernet address (a name).
    if eth.is_none() {
        eth = words
            .iter()
            .find_map(|w| EtherAddress::parse_arg(w).ok().map(|e| e.0));
    }
    if prefixes.is_empty() {
        return Err("missing IP/MASK".into());
    }
    let Some(eth) = eth else {
        return Err("missing ETH".into());
    };
    Ok(prefixes
        .into_iter()
        .map(|p| {
            let mask = u32::from(p.mask());
            Entry {
                addr: u32::from(p.addr) & mask,
                mask,
                eth,
            }
        })
        .collect())
}

/// Orders `new` (in argument order) most specific first: each entry goes
/// before the first entry that covers it; a later entry for the same
/// prefix replaces an earlier one.
fn normalize(entries: &mut Vec<Entry>, new: Vec<Entry>) {
    for e in new {
        if let Some(same) = entries
            .iter_mut()
            .find(|o| o.addr == e.addr && o.mask == e.mask)
        {
            same.eth = e.eth;
            continue;
        }
        let at = entries
            .iter()
            .position(|o| e.within(o))
            .unwrap_or(entries.len());
        entries.insert(at, e);
    }
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let mut entries = Vec::new();
    for (i, arg) in args.rest().into_iter().enumerate() {
        let new = parse_entries(&arg.text)
            .map_err(|m| crate::util::arg_error(&arg, format!("argument {i}: {m}")))?;
        normalize(&mut entries, new);
    }
    let reject = if cx.noutputs > 1 {
        Verdict::Out(1)
    } else {
        Verdict::Drop(DropReason(0))
    };
    Ok(Simple::boxed(ARPResponder {
        entries,
        reject,
        last_lookup: String::new(),
    }))
}

impl ARPResponder {
    #[inline]
    fn lookup(&self, a: u32) -> Option<[u8; 6]> {
        self.entries
            .iter()
            .find(|e| a & e.mask == e.addr)
            .map(|e| e.eth)
    }
}

impl SimpleAction for ARPResponder {
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        let Some(req) = arp::parse(packet.data()).filter(|a| a.op == 1) else {
            return self.reject;
        };
        let Some(eth) = self.lookup(u32::from(req.target_ip)) else {
            return self.reject;
        };
        let reply = Arp {
            op: 2,
            sender_eth: eth,
            sender_ip: req.target_ip,
            target_eth: req.sender_eth,
            target_ip: req.sender_ip,
        };
        let mut frame = [0u8; arp::ARP_FRAME];
        arp::write(&mut frame, req.sender_eth, eth, &reply);
        if packet.reset_with(&frame).is_err() {
            return self.reject;
        }
        // A new packet in Click: fresh annotations but the VLAN TCI.
        let tci = packet.anno().get::<2>(VLAN_TCI);
        *packet.anno_mut() = packet::Annotations::default();
        if let Some(tci) = tci {
            packet.anno_mut().set(VLAN_TCI, &tci);
        }
        let at = packet.data_offset();
        packet.anno_mut().set_mac_header(Some(at));
        Verdict::Pass
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "table" => {
                let mut s = String::new();
                for e in &self.entries {
                    let _ = writeln!(
                        s,
                        "{}/{} {}",
                        Ipv4Addr::from(e.addr),
                        e.mask.leading_ones(),
                        crate::ethernet::unparse_ether(&e.eth)
                    );
                }
                Ok(s)
            }
            "lookup" => Ok(self.last_lookup.clone()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "lookup" => {
                let a = Ipv4Addr::parse_arg(value.trim())
                    .map_err(|_| HandlerError::BadValue("expected IP address".into()))?;
                self.last_lookup = self
                    .lookup(u32::from(a))
                    .map(|e| crate::ethernet::unparse_ether(&e))
                    .unwrap_or_default();
                Ok(())
            }
            "add" => {
                let new = parse_entries(value).map_err(HandlerError::BadValue)?;
                normalize(&mut self.entries, new);
                Ok(())
            }
            "remove" => {
                let p = IpPrefix::parse_arg(value.trim())
                    .map_err(|_| HandlerError::BadValue("expected IP/MASK".into()))?;
                let mask = u32::from(p.mask());
                let addr = u32::from(p.addr) & mask;
                match self
                    .entries
                    .iter()
                    .position(|e| e.addr == addr && e.mask == mask)
                {
                    Some(i) => {
                        self.entries.remove(i);
                        Ok(())
                    }
                    None => Err(HandlerError::BadValue(format!(
                        "{}/{} not found",
                        Ipv4Addr::from(addr),
                        mask.leading_ones()
                    ))),
                }
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn element(config: &str) -> Box<dyn Element> {
        let mut args = Args::new(config);
        let e = make(&mut args, &BuildContext::standalone("ar", 1, 2)).unwrap();
        args.complete().unwrap();
        e
    }

    #[test]
    fn most_specific_first_and_handlers() {
        let mut e = element(
            "10.0.0.0/8 2:0:0:0:0:1, 192.168.1.1 10.0.0.1 2:0:0:0:0:2, 10.0.0.0/8 2:0:0:0:0:3",
        );
        assert_eq!(
            e.read_handler("table").unwrap(),
            "10.0.0.1/32 02-00-00-00-00-02\n10.0.0.0/8 02-00-00-00-00-03\n192.168.1.1/32 02-00-00-00-00-02\n"
        );
        let look = |e: &mut Box<dyn Element>, a: &str| {
            e.write_handler("lookup", a).unwrap();
            e.read_handler("lookup").unwrap()
        };
        assert_eq!(look(&mut e, "10.0.0.1"), "02-00-00-00-00-02");
        assert_eq!(look(&mut e, "10.9.9.9"), "02-00-00-00-00-03");
        assert_eq!(look(&mut e, "11.0.0.1"), "");
        e.write_handler("add", "10.1.0.0/16 2:0:0:0:0:4").unwrap();
        assert_eq!(look(&mut e, "10.1.2.3"), "02-00-00-00-00-04");
        e.write_handler("remove", "10.1.0.0/16").unwrap();
        assert_eq!(look(&mut e, "10.1.2.3"), "02-00-00-00-00-03");
        assert!(e.write_handler("remove", "10.1.0.0/16").is_err());
        assert!(e.write_handler("add", "10.1.0.0/16").is_err());
        assert!(
            e.write_handler("add", "2:0:0:0:0:1 2:0:0:0:0:2 1.1.1.1")
                .is_err()
        );
        let mut args = Args::new("10.0.0.1");
        assert!(make(&mut args, &BuildContext::standalone("ar", 1, 1)).is_err());
    }
}
