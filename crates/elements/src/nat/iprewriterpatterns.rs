//! IPRewriterPatterns — names rewrite patterns for the rewriters.
//!
//! ## Synopsis
//! `IPRewriterPatterns(NAME PATTERN, ...)`
//!
//! ## Ports
//! None.
//!
//! ## Description
//! Defines patterns that the rewriters' input specs (`pattern NAME FOUT
//! ROUT`) and mappers can name. PATTERN is `SADDR SPORT DADDR DPORT`,
//! `SADDR DADDR`, or `SADDR DADDR ID`, as in `yard doc IPRewriter`. Every
//! user of a name shares one pattern, so sequential (`#`) allocation
//! continues across them, as in Click. The element is configured before
//! the rewriters (Click's configure phase for patterns); a name may be
//! defined once.
//!
//! ## Arguments
//! - `NAME PATTERN`: one named pattern per argument.
//!
//! ## Differences from Click
//! - None known.
//!
//! ## Example
//! ```text
//! IPRewriterPatterns(to_world 1.0.0.1 1024-65535# - -);
//! rw :: IPRewriter(pattern to_world 0 1, drop);
//! ```

use std::collections::HashMap;
use std::sync::Arc;

use clickconf::args::Args;
use engine::{BuildContext, ConfigError, Element, ElementSpec};

use super::pattern::Pattern;
use super::rewriter::NamedPatterns;

pub const SPEC: ElementSpec = ElementSpec {
    class: "IPRewriterPatterns",
    ports: "0/0",
    processing: "a/a",
    source: include_str!("iprewriterpatterns.rs"),
    drop_reasons: &[],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Info,
    make,
};

struct IPRewriterPatterns;

impl Element for IPRewriterPatterns {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let mut named = HashMap::new();
    let earlier = cx.shared.all::<NamedPatterns>();
    for arg in args.rest() {
        let bad = |message: String| crate::util::arg_error(&arg, message);
        let words: Vec<&str> = arg.text.split_ascii_whitespace().collect();
        let Some((name, fields)) = words.split_first() else {
            continue;
        };
        if named.contains_key(*name) || earlier.iter().any(|(_, p)| p.0.contains_key(*name)) {
            return Err(bad(format!("pattern '{name}' already defined")));
        }
        let lookup = |n: &str| {
            named
                .get(n)
                .cloned()
                .or_else(|| earlier.iter().find_map(|(_, p)| p.0.get(n).cloned()))
        };
        let pattern = Pattern::parse(fields, &lookup).map_err(|m| bad(format!("{name}: {m}")))?;
        named.insert(name.to_string(), pattern);
    }
    cx.shared.publish(&cx.name, Arc::new(NamedPatterns(named)));
    Ok(Box::new(IPRewriterPatterns))
}
