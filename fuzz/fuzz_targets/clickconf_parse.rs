//! Parses arbitrary text as a Click configuration, flattens it against a
//! small fixed class list, and checks the printer round trip: none of it
//! may panic, and a parsed tree must print to text that parses back to the
//! same tree.
#![no_main]

use libfuzzer_sys::fuzz_target;

const CLASSES: [&str; 8] = [
    "Idle", "Counter", "Discard", "Queue", "Print", "Tee", "Classifier", "Paint",
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut sources = clickconf::SourceMap::new();
    let Ok(config) = clickconf::parse(&mut sources, "fuzz.click", text) else {
        return;
    };
    // Render never panics either.
    match clickconf::flatten(&config, &sources, &CLASSES) {
        Ok(graph) => {
            let _ = graph.to_dot();
            for w in &graph.warnings {
                let _ = w.render(&sources);
            }
        }
        Err(diags) => {
            for d in &diags {
                let _ = d.render(&sources);
            }
        }
    }
    let printed = config.to_string();
    let mut sources2 = clickconf::SourceMap::new();
    match clickconf::parse(&mut sources2, "printed.click", &printed) {
        Ok(again) => assert!(
            config.eq_ignoring_spans(&again),
            "round trip changed the tree:\n{printed}"
        ),
        Err(e) => panic!("printed text does not parse: {:?}\n{printed}", e),
    }
});
