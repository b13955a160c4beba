//! IPFilter — a firewall: allows, drops or routes packets by tcpdump-like rules.
//!
//! ## Synopsis
//! `IPFilter(ACTION_1 PATTERN_1, ..., ACTION_N PATTERN_N)`
//!
//! ## Ports
//! 1 input, 1 or more outputs; push.
//!
//! ## Description
//! Each packet takes the ACTION of the first rule whose PATTERN it matches;
//! a packet matching no rule is dropped (drop reason `no_match`; rules that
//! say `drop` count under the same reason). ACTION is `allow` (output 0),
//! `drop` or `deny`, or an output number. PATTERN is `IPClassifier`'s
//! language (see `yard doc IPClassifier`), read at the packet's
//! network-header annotation.
//!
//! ## Arguments
//! - `ACTION PATTERN`: one rule; any number of rules.
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
//! - As in `IPClassifier`, port names are Click's built-in table only.
//!
//! ## Example
//! ```text
//! IPFilter(allow src host bastion && dst tcp port ssh,
//!          allow icmp type echo or echo-reply,
//!          deny all);
//! ```

use clickconf::args::Args;
use engine::{BuildContext, ConfigError, Element, ElementSpec, HandlerSpec};

use super::RuleElement;
use super::pattern::{RuleSet, parse};

pub const SPEC: ElementSpec = ElementSpec {
    class: "IPFilter",
    ports: "1/1-",
    processing: "h/h",
    source: include_str!("ipfilter.rs"),
    drop_reasons: &["no_match"],
    handlers: &[HandlerSpec::read(
        "program",
        "the compiled program: rule and test counts, index, tests and branches",
    )],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let rules_text = args.rest();
    let mut rules = Vec::with_capacity(rules_text.len());
    for (i, arg) in rules_text.iter().enumerate() {
        let bad = |message: String| crate::util::arg_error(arg, format!("rule {i}: {message}"));
        let text = arg.text.trim();
        let (action, pattern) = text
            .split_once(|c: char| c.is_ascii_whitespace())
            .unwrap_or((text, ""));
        let target = match action {
            "allow" => Some(0),
            "drop" | "deny" => None,
            n => match n.parse::<usize>() {
                Ok(port) => Some(port),
                Err(_) => return Err(bad(format!("unknown action '{n}'"))),
            },
        };
        if let Some(port) = target
            && port >= cx.noutputs
        {
            return Err(bad(format!(
                "slot out of range: output {port} is not connected"
            )));
        }
        if pattern.trim().is_empty() {
            return Err(bad("missing pattern".into()));
        }
        let expr = parse(pattern).map_err(|e| bad(e.to_string()))?;
        rules.push((expr, target));
    }
    Ok(Box::new(RuleElement {
        rules: RuleSet::new(rules),
    }))
}
