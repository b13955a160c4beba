//! `yard click`: the command line of Click's userlevel driver, so that
//! scripts written for `click` run with `yard click` in its place.
//!
//! Key decision: the options are parsed by hand, as Click spells them
//! (`-h` is a handler, not help; `NAME=VALUE` arguments set `$NAME`), and
//! an option Click has but Switchyard does not is refused by name rather
//! than ignored.

use std::io::Read;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use engine::{Registry, Router, RunOptions};

const USAGE: &str = "\
'yard click' runs a Click configuration the way Click's userlevel driver does.

Usage: yard click [OPTION]... [ROUTERFILE] [PARAM=VALUE]...

Options:
  -f, --file FILE               Read the configuration from FILE.
  -e, --expression EXPR         Use EXPR as the configuration.
  -h, --handler ELEMENT.H       Call ELEMENT's read handler H after the run
                                and print the result (repeatable).
  -x, --exit-handler ELEMENT.H  Exit with the value of read handler H.
  -o, --output FILE             Write the flattened configuration to FILE.
  -j, --threads N               Run tasks on N threads.
  -t, --time                    Print how long the run took.
  -q, --quiet, -w, --no-warnings
                                Do not print warnings.
  -V, --version                 Print the version and exit.
      --help                    Print this message and exit.
PARAM=VALUE sets $PARAM, overriding the configuration's define.
Not supported: -p/--port and -u/--unix-socket (control sockets),
--simtime, -a/--allow-reconfigure, -c/--clickpath.
";

/// What the command line asks for.
#[derive(Debug, Default, PartialEq, Eq)]
struct Options {
    file: Option<String>,
    expression: Option<String>,
    handlers: Vec<String>,
    exit_handler: Option<String>,
    output: Option<String>,
    threads: usize,
    time: bool,
    warnings: bool,
    params: Vec<(String, String)>,
}

/// Why the command line is wrong.
#[derive(Debug, PartialEq, Eq)]
enum UsageError {
    Missing(String),
    Unknown(String),
    Unsupported(String),
    BadValue(String, String),
}

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UsageError::Missing(o) => write!(f, "option '{o}' requires an argument"),
            UsageError::Unknown(o) => write!(f, "unrecognized option '{o}'"),
            UsageError::Unsupported(o) => write!(f, "option '{o}' is not supported by yard click"),
            UsageError::BadValue(o, v) => write!(f, "option '{o}': bad value '{v}'"),
        }
    }
}

enum Parsed {
    Run(Options),
    Help,
    Version,
}

fn parse(args: &[String]) -> Result<Parsed, UsageError> {
    let mut o = Options {
        threads: 1,
        warnings: true,
        ..Options::default()
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        // `--name=value` and `--name value` both work.
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let value = |it: &mut std::slice::Iter<'_, String>| {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| UsageError::Missing(name.to_string()))
        };
        match name {
            "-f" | "--file" => o.file = Some(value(&mut it)?),
            "-e" | "--expression" => o.expression = Some(value(&mut it)?),
            "-h" | "--handler" => o.handlers.push(value(&mut it)?),
            "-x" | "--exit-handler" => o.exit_handler = Some(value(&mut it)?),
            "-o" | "--output" => o.output = Some(value(&mut it)?),
            "-j" | "--threads" => {
                let v = value(&mut it)?;
                o.threads = v
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| UsageError::BadValue(name.to_string(), v))?;
            }
            "-t" | "--time" => o.time = true,
            "-q" | "--quiet" | "-w" | "--no-warnings" => o.warnings = false,
            "-V" | "--version" => return Ok(Parsed::Version),
            "--help" => return Ok(Parsed::Help),
            "-p"
            | "--port"
            | "-u"
            | "--unix-socket"
            | "--simtime"
            | "-a"
            | "--allow-reconfigure"
            | "-c"
            | "--clickpath" => {
                return Err(UsageError::Unsupported(name.to_string()));
            }
            _ if arg.starts_with('-') && arg != "-" => {
                return Err(UsageError::Unknown(arg.clone()));
            }
            _ => match arg.split_once('=') {
                Some((param, v))
                    if !param.is_empty()
                        && param
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
                {
                    o.params.push((param.to_string(), v.to_string()));
                }
                _ if o.file.is_none() => o.file = Some(arg.clone()),
                _ => return Err(UsageError::Unknown(arg.clone())),
            },
        }
    }
    Ok(Parsed::Run(o))
}

/// Runs `yard click ARGS`.
pub fn main(args: &[String], registry: &Registry) -> ExitCode {
    let options = match parse(args) {
        Ok(Parsed::Run(o)) => o,
        Ok(Parsed::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Parsed::Version) => {
            println!("yard click (Switchyard) {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!(
                "click: {e}\nUsage: yard click [OPTION]... [ROUTERFILE] [PARAM=VALUE]...\nTry 'yard click --help' for more information."
            );
            return ExitCode::FAILURE;
        }
    };
    match run(&options, registry) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("click: {message}");
            ExitCode::FAILURE
        }
    }
}

fn load_text(o: &Options) -> Result<(String, String), String> {
    match (&o.expression, o.file.as_deref()) {
        (Some(_), Some(_)) => Err("give a ROUTERFILE or -e, not both".into()),
        (Some(e), None) => Ok(("config".into(), e.clone())),
        (None, None | Some("-")) => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| format!("<stdin>: {e}"))?;
            Ok(("<stdin>".into(), text))
        }
        (None, Some(path)) => std::fs::read_to_string(path)
            .map(|t| (path.to_string(), t))
            .map_err(|e| format!("{path}: {e}")),
    }
}

fn run(o: &Options, registry: &Registry) -> Result<ExitCode, String> {
    let (name, text) = load_text(o)?;
    let graph = match clickconf::load_with_params(&name, &text, registry, &o.params) {
        Ok(g) => g,
        Err((sources, diags)) => {
            for d in &diags {
                eprintln!("{}", d.render(&sources));
            }
            eprintln!("Router could not be initialized!");
            return Ok(ExitCode::FAILURE);
        }
    };
    if let Some(path) = &o.output {
        std::fs::write(path, graph.to_click()).map_err(|e| format!("{path}: {e}"))?;
    }
    let router = match Router::new(graph, registry) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{}", e.render());
            eprintln!("Router could not be initialized!");
            return Ok(ExitCode::FAILURE);
        }
    };
    if o.warnings {
        for w in router.warnings() {
            eprintln!("{}", w.render(router.sources()));
        }
    }
    let stop = router.stop_handle();
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .map_err(|e| format!("installing a signal handler: {e}"))?;
    }
    let started = Instant::now();
    router.run(&RunOptions { threads: o.threads });
    if o.time {
        eprintln!("{:.6}s real", started.elapsed().as_secs_f64());
    }
    let mut failed = false;
    for h in &o.handlers {
        match router.read_handler(h) {
            Ok(value) => {
                let value = value.trim_end_matches('\n');
                if o.handlers.len() > 1 {
                    println!("{h}:\n{value}\n");
                } else {
                    println!("{value}");
                }
            }
            Err(e) => {
                eprintln!("click: {h}: {e}");
                failed = true;
            }
        }
    }
    if let Some(h) = &o.exit_handler {
        let value = router.read_handler(h).map_err(|e| format!("{h}: {e}"))?;
        let value = value.trim();
        let code = match value {
            "true" => 0,
            "false" => 1,
            v => v
                .parse::<u8>()
                .map_err(|_| format!("{h}: exit handler value '{v}' is not a status"))?,
        };
        return Ok(ExitCode::from(code));
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options_parse_as_click_spells_them() {
        let Ok(Parsed::Run(o)) = parse(&args(&[
            "-h",
            "c.count",
            "--handler=d.count",
            "-j",
            "2",
            "-q",
            "conf.click",
            "N=5",
        ])) else {
            panic!("parses");
        };
        assert_eq!(o.handlers, ["c.count", "d.count"]);
        assert_eq!(o.threads, 2);
        assert!(!o.warnings);
        assert_eq!(o.file.as_deref(), Some("conf.click"));
        assert_eq!(o.params, [("N".to_string(), "5".to_string())]);
        assert!(matches!(
            parse(&args(&["-p", "8000"])),
            Err(UsageError::Unsupported(_))
        ));
        assert!(matches!(parse(&args(&["-Z"])), Err(UsageError::Unknown(_))));
        assert!(matches!(parse(&args(&["-h"])), Err(UsageError::Missing(_))));
        assert!(matches!(
            parse(&args(&["-j", "0"])),
            Err(UsageError::BadValue(..))
        ));
    }
}
