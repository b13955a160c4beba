//! Text reports printed at the end of a run.

use std::fmt::Write as _;
use std::time::Duration;

use engine::{Registry, Router};

/// The supported elements as a Markdown table: class, ports, processing,
/// summary.
pub fn elements_markdown(registry: &Registry) -> String {
    let mut s =
        String::from("| element | ports | processing | what it does |\n|---|---|---|---|\n");
    for class in registry.classes() {
        let summary = class.spec.summary();
        let what = summary
            .split_once(" — ")
            .map_or(summary.as_str(), |(_, w)| w);
        let _ = writeln!(
            s,
            "| `{}` | `{}` | `{}` | {} |",
            class.spec.class, class.spec.ports, class.spec.processing, what
        );
    }
    s
}

/// Per-element packet counts, one line per element: packets in, packets
/// out, and packets that ended there (dropped, discarded or written out),
/// with the reasons.
pub fn stats_table(router: &Router) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<28} {:<18} {:>12} {:>12} {:>10}  why",
        "element", "class", "in", "out", "ended"
    );
    for (eid, info) in router.elements().iter().enumerate() {
        let st = router.stats(eid);
        let mut reasons = Vec::new();
        for (k, n) in st.drops.iter().enumerate() {
            if *n > 0 {
                let name = info.class.spec.drop_reasons.get(k).copied().unwrap_or("?");
                reasons.push(format!("{name}={n}"));
            }
        }
        if st.misrouted > 0 {
            reasons.push(format!("unconnected={}", st.misrouted));
        }
        if st.held > 0 {
            reasons.push(format!("(held {})", st.held));
        }
        let _ = writeln!(
            s,
            "{:<28} {:<18} {:>12} {:>12} {:>10}  {}",
            info.name,
            info.class.spec.class,
            st.total_in(),
            st.total_out(),
            st.total_dropped(),
            reasons.join(" ")
        );
    }
    s
}

/// Elapsed time and the rate at which the router's sources produced.
pub fn timing(router: &Router, elapsed: Duration) -> String {
    let produced: u64 = router
        .elements()
        .iter()
        .enumerate()
        .filter(|(_, info)| info.inputs.is_empty())
        .map(|(eid, _)| router.stats(eid).total_out())
        .sum();
    let secs = elapsed.as_secs_f64().max(1e-9);
    format!(
        "elapsed {:.3} s, {} packets from sources, {:.2} Mpps\n",
        secs,
        produced,
        produced as f64 / secs / 1e6
    )
}

#[cfg(test)]
mod tests {
    /// The README's element list is generated from the registry; this keeps
    /// it true. To update: `cargo run -p yard -- elements --markdown` and
    /// paste between the markers.
    #[test]
    fn readme_lists_every_element() {
        let readme =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
                .expect("README.md");
        let begin = "<!-- elements:begin -->\n";
        let end = "<!-- elements:end -->";
        let start = readme.find(begin).expect("elements:begin marker") + begin.len();
        let stop = readme.find(end).expect("elements:end marker");
        let listed = &readme[start..stop];
        let generated = super::elements_markdown(&elements::registry());
        assert_eq!(
            listed, generated,
            "README's element list is stale: run `cargo run -p yard -- elements --markdown` and paste it between the markers"
        );
    }
}
