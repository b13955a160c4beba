//! `yard verify`: loads a network directory, runs its queries and prints
//! the verdicts as text or JSON.

use std::path::Path;
use std::process::ExitCode;

use engine::Registry;

/// Runs the queries; 0 when all ran (whatever the verdicts), 2 on input
/// errors.
pub fn main(registry: &Registry, dir: &Path, query: Option<&str>, json: bool) -> ExitCode {
    let models = elements::symbolic::models();
    let net = match verify::load_dir(dir, registry, &models) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("yard verify: {e}");
            return ExitCode::from(2);
        }
    };
    let queries = match query {
        Some(q) => match verify::parse_query(&net, q, "--query", 1) {
            Ok(parsed) => vec![(parsed, q.to_string())],
            Err(e) => {
                eprintln!("yard verify: {e}");
                return ExitCode::from(2);
            }
        },
        None => {
            let path = dir.join("queries");
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("yard verify: {}: cannot read: {e}", path.display());
                    return ExitCode::from(2);
                }
            };
            match verify::parse_queries(&net, &path.display().to_string(), &text) {
                Ok(q) => q,
                Err(e) => {
                    eprintln!("yard verify: {e}");
                    return ExitCode::from(2);
                }
            }
        }
    };
    if !json {
        let unmodelled = net.unmodelled();
        if !unmodelled.is_empty() {
            eprintln!(
                "yard verify: no symbolic model (flows reaching them stop): {}",
                unmodelled.join(", ")
            );
        }
    }
    for (q, text) in &queries {
        let report = verify::run_query(&net, q, text);
        if json {
            println!("{}", report.to_json());
        } else {
            print!("{}", report.to_text());
        }
    }
    ExitCode::SUCCESS
}
