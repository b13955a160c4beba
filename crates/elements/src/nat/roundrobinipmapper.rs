//! RoundRobinIPMapper — hands new flows to rewrite patterns in turn.
//!
//! ## Synopsis
//! `RoundRobinIPMapper(PATTERN FOUT ROUT, ...)`
//!
//! ## Ports
//! None.
//!
//! ## Description
//! A mapper for the rewriters: an input spec that is this element's name
//! gives each new flow to the next pattern in turn (for instance to spread
//! flows over servers), with that pattern's outputs. A pattern that finds
//! no free port or address is skipped for the next; when none can map the
//! flow, it is a mapping failure. Each argument is a pattern as in
//! `yard doc IPRewriter` (`SADDR SPORT DADDR DPORT`, `SADDR DADDR`, or a
//! name from `IPRewriterPatterns`) followed by the forward and reply
//! outputs, which must exist on the rewriters that use the mapper. Every
//! rewriter naming the element shares its turn.
//!
//! ## Arguments
//! - `PATTERN FOUT ROUT`: one or more patterns with their outputs.
//!
//! ## Differences from Click
//! - None known.
//!
//! ## Example
//! ```text
//! rr :: RoundRobinIPMapper(- - 10.0.0.1 80 0 1, - - 10.0.0.2 80 0 1);
//! lb :: IPRewriter(rr, drop);
//! ```

use std::sync::{Arc, Mutex, PoisonError};

use clickconf::args::Args;
use engine::{BuildContext, ConfigError, Element, ElementSpec};

use super::flow::FlowKey;
use super::pattern::{Mapper, Pattern, SharedPattern, parse_outputs};
use super::rewriter::{NamedPatterns, PublishedMapper};

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
    patterns: Vec<(SharedPattern, u32, u32)>,
    last: Mutex<usize>,
}

impl Mapper for RoundRobin {
    fn rewrite(
        &self,
        flowid: &FlowKey,
        taken: &dyn Fn(&FlowKey) -> bool,
    ) -> Option<(FlowKey, u32, u32)> {
        let n = self.patterns.len();
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        for _ in 0..n {
            let (pattern, f, r) = &self.patterns[*last % n];
            *last = (*last + 1) % n;
            let got = pattern
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .rewrite(flowid, taken);
            if let Some(rw) = got {
                return Some((rw, *f, *r));
            }
        }
        None
    }

    fn max_output(&self) -> u32 {
        self.patterns
            .iter()
            .map(|p| p.1.max(p.2))
            .max()
            .unwrap_or(0)
    }
}

struct RoundRobinIPMapper;

impl Element for RoundRobinIPMapper {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let named = |name: &str| {
        cx.shared
            .all::<NamedPatterns>()
            .into_iter()
            .find_map(|(_, p)| p.0.get(name).cloned())
    };
    let mut patterns = Vec::new();
    for arg in args.rest() {
        let bad = |message: String| crate::util::arg_error(&arg, message);
        let words: Vec<&str> = arg.text.split_ascii_whitespace().collect();
        if words.len() <= 2 {
            return Err(bad(
                "syntax error, expected 'PATTERN FOUTPUT ROUTPUT'".into()
            ));
        }
        let (fields, outs) = words.split_at(words.len() - 2);
        let pattern = Pattern::parse(fields, &named).map_err(bad)?;
        let (f, r) = parse_outputs(outs, usize::MAX).map_err(bad)?;
        patterns.push((pattern, f, r));
    }
    if patterns.is_empty() {
        return Err(ConfigError::msg("no patterns given"));
    }
    let mapper: Arc<dyn Mapper> = Arc::new(RoundRobin {
        patterns,
        last: Mutex::new(0),
    });
    cx.shared
        .publish(&cx.name, Arc::new(PublishedMapper(mapper)));
    Ok(Box::new(RoundRobinIPMapper))
}
