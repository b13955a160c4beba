//! Golden cases: `testdata/golden/<case>/` holds
//!
//! - `config.click`: the configuration. `@IN@` stands for the directory of
//!   shared input captures (`testdata/captures`), `@OUT@` for a fresh
//!   output directory.
//! - `expected/*.pcap` (or any other file): every file the run must write to
//!   `@OUT@`, byte for byte.
//! - `expected/handlers`: handler values read after the run, as blocks of a
//!   line `### element.handler` followed by the value's lines.
//!
//! A first line `// cross-checked: click` in `config.click` records that the
//! expected files were produced by Click's userlevel driver from the same
//! configuration; `// cross-checked: no (reason)` says why not.
//!
//! A case may run an application configuration from `configs/` instead of
//! its own text: a line `// app: configs/firewall.click` names it, and lines
//! `// replace: NAME=Class(ARGS)` swap its devices for captures (as
//! `yard run --replace` does), e.g. `// replace: in0=FromDump(@IN@/x.pcap,
//! STOP true)`. The rest of `config.click` is then only comments.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use engine::{Router, RunOptions};

/// The repository's root directory.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The directory of shared input captures.
pub fn captures_dir() -> PathBuf {
    repo_root().join("testdata/captures")
}

/// Every golden case directory, sorted.
pub fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(repo_root().join("testdata/golden"))
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.join("config.click").is_file())
                .collect()
        })
        .unwrap_or_default();
    cases.sort();
    cases
}

/// Substitutes `@IN@` and `@OUT@` in a case's configuration.
pub fn instantiate(config: &str, out_dir: &Path) -> String {
    config
        .replace("@IN@", &captures_dir().display().to_string())
        .replace("@OUT@", &out_dir.display().to_string())
}

/// Parses `expected/handlers` into (handler, value) pairs.
pub fn parse_handlers(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("### ") {
            out.push((name.trim().to_string(), String::new()));
        } else if let Some((_, value)) = out.last_mut() {
            value.push_str(line);
            value.push('\n');
        }
    }
    for (_, v) in &mut out {
        let trimmed = v.trim_end_matches('\n').to_string();
        *v = trimmed;
    }
    out
}

/// The application file and replacements named by a case's header lines.
pub fn app_directives(text: &str) -> Result<Option<(String, Vec<clickconf::Replacement>)>, String> {
    let mut app = None;
    let mut replacements = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(path) = line.strip_prefix("// app:") {
            app = Some(path.trim().to_string());
        } else if let Some(r) = line.strip_prefix("// replace:") {
            replacements.push(r.trim().parse().map_err(|e| format!("{e}"))?);
        }
    }
    match app {
        Some(app) => Ok(Some((app, replacements))),
        None if replacements.is_empty() => Ok(None),
        None => Err("'// replace:' lines need an '// app:' line".into()),
    }
}

/// Builds the router a case runs: its own text, or the application it names
/// with the replacements made.
fn build_case(case: &Path, text: &str, registry: &engine::Registry) -> Result<Router, String> {
    let Some((app, replacements)) = app_directives(text)? else {
        let name = case.join("config.click").display().to_string();
        return Router::from_text(&name, text, registry).map_err(|e| e.render());
    };
    let path = repo_root().join(&app);
    let app_text =
        std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut graph = clickconf::load(&app, &app_text, registry).map_err(|(sources, diags)| {
        diags
            .iter()
            .map(|d| d.render(&sources))
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    for r in &replacements {
        graph.replace(r).map_err(|e| e.to_string())?;
    }
    Router::new(graph, registry).map_err(|e| e.render())
}

/// Runs one case; returns a description of every mismatch (empty if none).
pub fn run_case(case: &Path) -> Result<Vec<String>, String> {
    let config = std::fs::read_to_string(case.join("config.click"))
        .map_err(|e| format!("{}: {e}", case.display()))?;
    let out_dir = std::env::temp_dir().join(format!(
        "yard-golden-{}-{}",
        case.file_name().and_then(|n| n.to_str()).unwrap_or("case"),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&out_dir);
    std::fs::create_dir_all(&out_dir).map_err(|e| e.to_string())?;
    let text = instantiate(&config, &out_dir);
    let registry = elements::registry();
    let router = build_case(case, &text, &registry)?;
    router.run(&RunOptions { threads: 1 });

    let mut problems = Vec::new();
    let expected_dir = case.join("expected");
    let mut expected_files: Vec<PathBuf> = std::fs::read_dir(&expected_dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    expected_files.sort();
    for file in expected_files {
        let Some(fname) = file.file_name() else {
            continue;
        };
        if fname == "handlers" {
            let text = std::fs::read_to_string(&file).map_err(|e| e.to_string())?;
            for (handler, want) in parse_handlers(&text) {
                match router.read_handler(&handler) {
                    Ok(got) if got.trim_end_matches('\n') == want => {}
                    Ok(got) => problems.push(format!(
                        "{handler}: expected {want:?}, got {:?}",
                        got.trim_end_matches('\n')
                    )),
                    Err(e) => problems.push(format!("{handler}: {e}")),
                }
            }
            continue;
        }
        let want = std::fs::read(&file).map_err(|e| e.to_string())?;
        match std::fs::read(out_dir.join(fname)) {
            Ok(got) if got == want => {}
            Ok(got) => {
                let mut m = format!(
                    "{}: output differs ({} bytes, expected {})",
                    fname.to_string_lossy(),
                    got.len(),
                    want.len()
                );
                if let Some(at) = got.iter().zip(&want).position(|(a, b)| a != b) {
                    let _ = write!(m, ", first difference at byte {at}");
                }
                problems.push(m);
            }
            Err(e) => problems.push(format!("{}: not written ({e})", fname.to_string_lossy())),
        }
    }
    let _ = std::fs::remove_dir_all(&out_dir);
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_header_lines() {
        let (app, r) = app_directives(
            "// cross-checked: click\n// app: configs/x.click\n// replace: in0=Idle\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(app, "configs/x.click");
        assert_eq!(r[0].class, "Idle");
        assert!(app_directives("// replace: in0=Idle").is_err());
        assert!(app_directives("Idle -> Discard").unwrap().is_none());
    }

    #[test]
    fn handler_blocks() {
        let h = parse_handlers("### c.count\n5\n### q.ports\n1 input\npush\n");
        assert_eq!(
            h,
            vec![
                ("c.count".into(), "5".into()),
                ("q.ports".into(), "1 input\npush".into())
            ]
        );
    }
}
