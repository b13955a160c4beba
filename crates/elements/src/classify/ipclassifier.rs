//! IPClassifier — sends IP packets to outputs by tcpdump-like patterns.
//!
//! ## Synopsis
//! `IPClassifier(PATTERN_1, ..., PATTERN_N)`
//!
//! ## Ports
//! 1 input, N outputs (one per pattern); push.
//!
//! ## Description
//! Each packet goes to the output of the first pattern it matches; a packet
//! matching none is dropped (drop reason `no_match`). Patterns look at the
//! IP header at the packet's network-header annotation (set it with
//! `CheckIPHeader` or `MarkIPHeader`); the transport header is found from
//! the IP header length.
//!
//! The pattern language is tcpdump's, as Click has it:
//!
//! - `-`, `any`, `all`, `true` match every packet; `false`, `none` none.
//! - `or`/`||`, `and`/`&&`, `not`/`!`, parentheses, `A ? B : C`; two
//!   primitives side by side mean `and`.
//! - `[DIR] host ADDR`, `[DIR] net ADDR/LEN`, `[DIR] net ADDR mask MASK`,
//!   where DIR is `src`, `dst`, `src or dst` (the default) or
//!   `src and dst`; a bare address or prefix means `host`/`net`.
//! - `[DIR] [tcp|udp] port PORT`, PORT a number or name (`www`, `ssh`,
//!   `domain`, …); a bare port name means `port NAME`.
//! - `ip proto P` (number or `tcp`, `udp`, `icmp`, `igmp`, `gre`, …);
//!   `tcp`, `udp`, `icmp` alone test the protocol.
//! - `ip vers`, `ip hl` (in 32-bit words), `ip tos`, `ip dscp`, `ip len`,
//!   `ip id`, `ip ttl` followed by a value; `ip ect`, `ip ce`, `ip frag`,
//!   `ip unfrag` (the `ip` may be left out).
//! - `tcp opt syn|fin|ack|rst|psh|urg` (or just `syn`, …), `tcp win N`,
//!   `icmp type T` (number or `echo`, `echo-reply`, `unreachable`,
//!   `timeexceeded`, …).
//! - `ip[POS]`, `ip[POS:LEN]`, `transp[POS:LEN]`, `tcp[…]`, `udp[…]`,
//!   `icmp[…]` with LEN 1, 2 or 4.
//! - `[src|dst] ether host MAC` (needs the MAC-header annotation).
//! - Values may be preceded by `& MASK` and an operator `==` (default),
//!   `!=`, `<`, `>`, `<=`, `>=`. `src tcp port != 5` means "TCP, and the
//!   source port is not 5".
//! - Port, TCP and ICMP tests and transport byte access match only packets
//!   whose fragment offset is 0.
//! - A value may repeat with the previous qualifiers: `src port 80 or 81`.
//! - Addresses may be names defined by `AddressInfo`.
//!
//! A packet too short for a field does not match a test of that field.
//!
//! The rules compile into one branching program, as in Click: a failed
//! rule leads into the next rule's tests, a test whose answer the path
//! already decides is skipped, and the program is copied per IP protocol
//! so that no packet tests its protocol twice. When enough rules require
//! one field to be a constant (a port, say), they are indexed on it, so the
//! cost per packet grows slowly with the number of patterns.
//!
//! ## Arguments
//! - `PATTERN_i`: one pattern per output port.
//!
//! ## Handlers
//! - `program` (read): the compiled program: the rule and test counts,
//!   the field the rules are indexed on if they are, and otherwise each
//!   test with its branches (`[N]` is output N) and the entry for each
//!   value of the field dispatched on.
//!
//! ## Differences from Click
//! - `program` prints Switchyard's program, laid out differently from
//!   Click's decision tree.
//! - Port names are Click's built-in table; Click's userlevel driver also
//!   reads `/etc/services`.
//! - Click warns about patterns that can never match; Switchyard does not.
//!
//! ## Example
//! ```text
//! c :: IPClassifier(dst tcp port www or https, icmp type echo, -);
//! ```

use clickconf::args::Args;
use engine::{BuildContext, ConfigError, Element, ElementSpec, HandlerSpec};

use super::RuleElement;
use super::pattern::{RuleSet, parse};

pub const SPEC: ElementSpec = ElementSpec {
    class: "IPClassifier",
    ports: "1/-",
    processing: "h/h",
    source: include_str!("ipclassifier.rs"),
    drop_reasons: &["no_match"],
    handlers: &[HandlerSpec::read(
        "program",
        "the compiled program: rule and test counts, index, tests and branches",
    )],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let patterns = args.rest();
    if patterns.len() != cx.noutputs {
        return Err(ConfigError::msg(format!(
            "need {} arguments, one per output port",
            cx.noutputs
        )));
    }
    let mut rules = Vec::with_capacity(patterns.len());
    for (port, arg) in patterns.iter().enumerate() {
        let expr = parse(&arg.text)
            .map_err(|e| crate::util::arg_error(arg, format!("pattern {port}: {e}")))?;
        rules.push((expr, Some(port)));
    }
    Ok(Box::new(RuleElement {
        rules: RuleSet::new(rules),
    }))
}
