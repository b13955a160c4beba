//! Parses and flattens Click configuration files, treating every
//! capitalized name as a primitive class, and checks that printing each
//! parsed file gives text that parses back to the same tree.
//! `cargo run --example check -- FILE...`
use clickconf::ClassLookup;

struct AnyCapitalized;

impl ClassLookup for AnyCapitalized {
    fn is_class(&self, name: &str) -> bool {
        name.starts_with(|c: char| c.is_ascii_uppercase())
            && !name.contains('/')
            && !name.contains('@')
    }
    fn class_names(&self) -> Vec<String> {
        Vec::new()
    }
}

fn main() {
    let mut failures = 0;
    for path in std::env::args().skip(1) {
        let Ok(text) = std::fs::read_to_string(&path) else {
            eprintln!("{path}: cannot read");
            failures += 1;
            continue;
        };
        let mut sources = clickconf::SourceMap::new();
        let config = match clickconf::parse(&mut sources, &path, &text) {
            Ok(c) => c,
            Err(d) => {
                failures += 1;
                for d in d {
                    eprintln!("{}", d.render(&sources));
                }
                continue;
            }
        };
        let mut again = clickconf::SourceMap::new();
        match clickconf::parse(&mut again, "printed", &config.to_string()) {
            Ok(c) if c.eq_ignoring_spans(&config) => {}
            _ => {
                failures += 1;
                eprintln!("{path}: printed text does not round-trip");
            }
        }
        match clickconf::flatten(&config, &sources, &AnyCapitalized) {
            Ok(g) => {
                for w in &g.warnings {
                    eprintln!("{}", w.render(&sources));
                }
                println!(
                    "{path}: {} elements, {} connections",
                    g.elements.len(),
                    g.connections.len()
                );
            }
            Err(d) => {
                failures += 1;
                for d in d {
                    eprintln!("{}", d.render(&sources));
                }
            }
        }
    }
    if failures > 0 {
        eprintln!("{failures} file(s) failed");
        std::process::exit(1);
    }
}
