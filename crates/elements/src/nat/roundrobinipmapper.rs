//! RoundRobinIPMapper — hands new flows to rewrite patterns in turn.
//!
//! ## Synopsis
//! `RoundRobinIPMapper(PATTERN_1, ..., PATTERN_N)`
//!
//! ## Ports
//! None.
//!
//! ## Description
//! A mapper for the rewriters: an input spec that names this element
//! gives each new flow to the next PATTERN in turn, for instance to spread
//! flows over servers. Each PATTERN is `SADDR SPORT DADDR DPORT FOUT ROUT`
//! (see `yard doc IPRewriter`).
//!
//! ## Arguments
//! - `PATTERN_i`: patterns with their outputs.
//!
//! ## Differences from Click
//! - None known.
//!
//! ## Example
//! ```text
//! rr :: RoundRobinIPMapper(- - 10.0.0.1 80 0 1, - - 10.0.0.2 80 0 1);
//! lb :: IPRewriter(rr, drop);
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use clickconf::args::Args;
use engine::{BuildContext, ConfigError, Element, ElementSpec};

use super::pattern::{Mapper, Pattern, SharedPattern};
use super::rewriter::PublishedMapper;

pub const SPEC: ElementSpec = ElementSpec {
    class: "RoundRobinIPMapper",
    ports: "0/0",
    processing: "a/a",
    source: include_str!("roundrobinipmapper.rs"),
    drop_reasons: &[],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Info,
    make,
};

struct RoundRobin {
    patterns: Vec<(SharedPattern, usize, usize)>,
    next: AtomicUsize,
}

impl Mapper for RoundRobin {
    fn choose(&self) -> Option<(SharedPattern, usize, usize)> {
        let n = self.patterns.len();
        if n == 0 {
            return None;
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % n;
        self.patterns.get(i).cloned()
    }
}

struct RoundRobinIPMapper;

impl Element for RoundRobinIPMapper {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let mut patterns = Vec::new();
    let mut max_output = 0;
    for arg in args.rest() {
        let bad = |message: String| crate::util::arg_error(&arg, message);
        let words: Vec<&str> = arg.text.split_ascii_whitespace().collect();
        if words.len() != 6 {
            return Err(bad("expected SADDR SPORT DADDR DPORT FOUT ROUT".into()));
        }
        let pattern = Pattern::parse(&words[..4], true).map_err(bad)?;
        let out = |w: &str| {
            w.parse::<usize>()
                .map_err(|_| bad(format!("'{w}': expected an output port")))
        };
        let (f, r) = (out(words[4])?, out(words[5])?);
        max_output = max_output.max(f).max(r);
        patterns.push((Arc::new(Mutex::new(pattern)), f, r));
    }
    if patterns.is_empty() {
        return Err(ConfigError::msg("no patterns"));
    }
    let mapper: Arc<dyn Mapper> = Arc::new(RoundRobin {
        patterns,
        next: AtomicUsize::new(0),
    });
    cx.shared
        .publish(&cx.name, Arc::new(PublishedMapper { mapper, max_output }));
    Ok(Box::new(RoundRobinIPMapper))
}
