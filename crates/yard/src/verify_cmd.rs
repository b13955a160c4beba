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

/// Peak resident memory of this process so far, in MiB.
fn max_rss_mib() -> f64 {
    // SAFETY: getrusage writes into the struct we pass and nothing else.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    u.ru_maxrss as f64 / 1024.0
}

fn median(mut v: Vec<std::time::Duration>) -> std::time::Duration {
    v.sort();
    v[v.len() / 2]
}

/// `yard verify --bench`: the scale figures, printed.
pub fn bench(registry: &Registry, sizes: &[usize], runs: usize) -> ExitCode {
    use verify::bench::{measure_big_router, measure_chain, measure_tree};
    let models = elements::symbolic::models();
    let mut kinds = vec![
        "IPRewriter(pattern 192.0.2.{k} 1024-65535 - - 0 1, drop)".to_string(),
        "IPRewriter(keep 0 1, drop)".to_string(),
    ];
    if models.get("TCPSeqRewriter").is_some() {
        kinds.push("TCPSeqRewriter".to_string());
    }
    println!(
        "yard verify --bench: one core, median of {runs} runs (load = parse and build models; check = the query)"
    );
    println!(
        "{:<58} {:>7} {:>9} {:>9}  verdict  (max RSS so far)",
        "network", "boxes", "load", "check"
    );
    let runs = runs.max(1);
    // Runs one measurement `runs` times and prints its row with the
    // median times; `suffix` follows the measurement's description.
    let measure = |suffix: &str,
                   run: &dyn Fn() -> Result<verify::bench::Measured, verify::InputError>|
     -> Result<(), verify::InputError> {
        let (mut loads, mut checks) = (Vec::new(), Vec::new());
        let mut last = None;
        for _ in 0..runs {
            let m = run()?;
            loads.push(m.load);
            checks.push(m.check);
            last = Some(m);
        }
        let m = last.expect("at least one run");
        println!(
            "{:<58} {:>7} {:>8.3}s {:>8.3}s  {}  ({:.0} MiB)",
            format!("{}{suffix}", m.what),
            m.boxes,
            median(loads).as_secs_f64(),
            median(checks).as_secs_f64(),
            m.verdict,
            max_rss_mib()
        );
        Ok(())
    };
    let all = || -> Result<(), verify::InputError> {
        for &n in sizes {
            measure(&format!(" ({})", kinds.len()), &|| {
                measure_chain(n, &kinds, registry, &models).map(|(m, _)| m)
            })?;
        }
        measure("", &|| measure_tree(13, registry, &models).map(|(m, _)| m))?;
        measure("", &|| {
            measure_big_router(100_000, 16, registry, &models).map(|(m, _)| m)
        })
    };
    if let Err(e) = all() {
        eprintln!("yard verify --bench: {e}");
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}
