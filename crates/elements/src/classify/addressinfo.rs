//! AddressInfo — gives names to addresses for other elements' arguments.
//!
//! ## Synopsis
//! `AddressInfo(NAME ADDRESS [ADDRESS...], ...)`
//!
//! ## Ports
//! None.
//!
//! ## Description
//! Each argument defines NAME as one or more addresses: an IPv4 address,
//! an IPv4 prefix `ADDR/LEN` (or `ADDR/MASK`), an IPv6 address or prefix,
//! or an Ethernet address. Any argument of any element that expects an
//! address of that kind may then say NAME instead, and so may
//! `IPClassifier`/`IPFilter` patterns (`dst host gw`, `src net lan`).
//!
//! A name defined with a prefix stands for the prefix where a prefix is
//! expected and for the address part where an address is expected, so
//! `AddressInfo(eth0 10.0.0.1/24 00:01:02:03:04:05)` makes `eth0` usable as
//! 10.0.0.1, 10.0.0.1/24 and 00:01:02:03:04:05. Suffixes pick one:
//! `eth0:ip`, `eth0:ipnet` (or `eth0:net`, the network), `eth0:bcast` (the
//! broadcast address), `eth0:eth`, `eth0:ip6`.
//!
//! AddressInfo is configured before every other element, so names may be
//! used anywhere in the configuration.
//!
//! ## Arguments
//! - `NAME ADDRESS...`: one definition per argument.
//!
//! ## Differences from Click
//! - Names are looked up only in AddressInfo elements, not in the host's
//!   interfaces or `/etc/hosts`.
//!
//! ## Example
//! ```text
//! AddressInfo(inside 10.0.0.1/24 00:0a:95:9d:68:16, gw 10.0.0.254);
//! IPFilter(allow src net inside, allow dst host gw, drop all);
//! ```

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use clickconf::args::{Args, EtherAddress, IpPrefix, NameKind, NameResolver};
use engine::{BuildContext, ConfigError, Element, ElementSpec};

pub const SPEC: ElementSpec = ElementSpec {
    class: "AddressInfo",
    ports: "0/0",
    processing: "a/a",
    source: include_str!("addressinfo.rs"),
    drop_reasons: &[],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::First,
    make,
};

/// The addresses one name stands for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Entry {
    ipv4: Option<IpPrefix>,
    ipv6: Option<String>,
    ipv6_prefix: Option<String>,
    ether: Option<EtherAddress>,
}

/// Every name an AddressInfo element defines.
#[derive(Debug, Default)]
pub struct AddressTable {
    entries: Vec<(String, Entry)>,
}

impl NameResolver for AddressTable {
    fn resolve(&self, name: &str, kind: NameKind) -> Option<String> {
        let (base, suffix) = match name.rsplit_once(':') {
            Some((b, s)) if matches!(s, "ip" | "ipnet" | "net" | "bcast" | "eth" | "ip6") => {
                (b, Some(s))
            }
            _ => (name, None),
        };
        let entry = &self.entries.iter().find(|(n, _)| n == base)?.1;
        let net = |p: IpPrefix| {
            let mask = u32::from(p.mask());
            IpPrefix {
                addr: Ipv4Addr::from(u32::from(p.addr) & mask),
                len: p.len,
            }
        };
        match (suffix, kind) {
            (None | Some("ip"), NameKind::Ipv4) => entry.ipv4.map(|p| p.addr.to_string()),
            (None, NameKind::Ipv4Prefix) => entry.ipv4.map(|p| p.to_string()),
            (Some("ipnet" | "net"), NameKind::Ipv4Prefix) => entry.ipv4.map(|p| net(p).to_string()),
            (Some("ipnet" | "net"), NameKind::Ipv4) => entry.ipv4.map(|p| net(p).addr.to_string()),
            (Some("ip"), NameKind::Ipv4Prefix) => entry.ipv4.map(|p| format!("{}/32", p.addr)),
            (Some("bcast"), NameKind::Ipv4 | NameKind::Ipv4Prefix) => entry
                .ipv4
                .map(|p| Ipv4Addr::from(u32::from(p.addr) | !u32::from(p.mask())).to_string()),
            (None | Some("eth"), NameKind::Ether) => entry.ether.map(|e| e.to_string()),
            (None | Some("ip6"), NameKind::Ipv6) => entry.ipv6.clone(),
            (None, NameKind::Ipv6Prefix) => entry.ipv6_prefix.clone(),
            _ => None,
        }
    }
}

impl AddressTable {
    /// The names defined by `AddressInfo` configuration strings (entries
    /// that do not parse are left out: the concrete element reports them).
    pub fn from_configs<'a>(configs: impl Iterator<Item = &'a str>) -> AddressTable {
        let mut table = AddressTable::default();
        for config in configs {
            for arg in clickconf::args::split_args(config) {
                let words: Vec<&str> = arg.text.split_ascii_whitespace().collect();
                if let Some((name, addresses)) = words.split_first()
                    && let Ok(entry) = parse_entry(addresses)
                {
                    table.entries.push((name.to_string(), entry));
                }
            }
        }
        table
    }
}

fn parse_entry(words: &[&str]) -> Result<Entry, String> {
    let mut entry = Entry::default();
    for w in words {
        if let Ok(p) = IpPrefix::parse_literal(w) {
            entry.ipv4.get_or_insert(p);
        } else if let Ok(e) = EtherAddress::parse_literal(w) {
            entry.ether.get_or_insert(e);
        } else if let Ok(a) = w.parse::<Ipv6Addr>() {
            entry.ipv6.get_or_insert(a.to_string());
        } else if let Some((a, l)) = w.split_once('/')
            && a.parse::<Ipv6Addr>().is_ok()
            && l.parse::<u8>().is_ok_and(|l| l <= 128)
        {
            entry.ipv6_prefix.get_or_insert(w.to_string());
            entry.ipv6.get_or_insert(a.to_string());
        } else {
            return Err(format!("'{w}' is not an IP, IPv6 or Ethernet address"));
        }
    }
    Ok(entry)
}

struct AddressInfo;

impl Element for AddressInfo {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let mut table = AddressTable::default();
    for arg in args.rest() {
        let bad = |message: String| crate::util::arg_error(&arg, message);
        let words: Vec<&str> = arg.text.split_ascii_whitespace().collect();
        let Some((name, addresses)) = words.split_first() else {
            continue;
        };
        if addresses.is_empty() {
            return Err(bad(format!("'{name}' has no address")));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            || name.starts_with(|c: char| c.is_ascii_digit())
        {
            return Err(bad(format!("bad name '{name}'")));
        }
        let entry = parse_entry(addresses).map_err(|m| bad(format!("{name}: {m}")))?;
        table.entries.push((name.to_string(), entry));
    }
    cx.shared.add_names(Arc::new(table));
    Ok(Box::new(AddressInfo))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clickconf::args::ArgValue;

    fn table(defs: &[(&str, &[&str])]) -> AddressTable {
        AddressTable {
            entries: defs
                .iter()
                .map(|(n, w)| (n.to_string(), parse_entry(w).unwrap()))
                .collect(),
        }
    }

    #[test]
    fn names_resolve_by_kind_and_suffix() {
        let t = table(&[("eth0", &["10.0.0.1/24", "00:01:02:03:04:05"])]);
        assert_eq!(t.resolve("eth0", NameKind::Ipv4).unwrap(), "10.0.0.1");
        assert_eq!(
            t.resolve("eth0", NameKind::Ipv4Prefix).unwrap(),
            "10.0.0.1/24"
        );
        assert_eq!(
            t.resolve("eth0:net", NameKind::Ipv4Prefix).unwrap(),
            "10.0.0.0/24"
        );
        assert_eq!(
            t.resolve("eth0:bcast", NameKind::Ipv4).unwrap(),
            "10.0.0.255"
        );
        assert_eq!(
            t.resolve("eth0", NameKind::Ether).unwrap(),
            "00:01:02:03:04:05"
        );
        assert!(t.resolve("eth1", NameKind::Ipv4).is_none());
        assert!(t.resolve("eth0", NameKind::Ipv6).is_none());
    }

    #[test]
    fn bad_definitions_are_errors() {
        assert!(parse_entry(&["10.0.0.300"]).is_err());
        assert!(parse_entry(&["fe80::1/64"]).is_ok());
    }

    #[test]
    fn other_elements_arguments_see_the_names() {
        let reg = crate::registry();
        let router = engine::Router::from_text(
            "t",
            "AddressInfo(gw 10.9.8.7, lan 10.9.0.0/16); \
             i :: Idle -> f :: IPFilter(allow dst host gw, allow src net lan, deny all) -> Discard;",
            &reg,
        );
        assert!(router.is_ok(), "{}", router.unwrap_err().render());
        let err = engine::Router::from_text(
            "t",
            "Idle -> IPFilter(allow dst host nowhere) -> Discard;",
            &reg,
        )
        .unwrap_err()
        .render();
        assert!(err.contains("bad address 'nowhere'"), "{err}");
        // Names are visible only while the router is built.
        assert!(Ipv4Addr::parse_arg("gw").is_err());
    }
}
