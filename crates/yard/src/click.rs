//! `yard click`: the command line of Click's userlevel driver, so that
//! scripts written for `click` run with `yard click` in its place.
//!
//! Key decision: the options are parsed by hand, as Click's option parser
//! takes them (`-h` is a handler, not help; `-q` means "do not run";
//! `NAME=VALUE` arguments set `$NAME`; long options may be abbreviated;
//! short options take their value attached or separate), and an option
//! Click has but Switchyard does not is refused by name rather than
//! ignored. Messages and exit codes are Click's: 0, 1 for a bad command
//! line or configuration or a failed `-h`, the `-x` handler's value, 255
//! when that handler fails.
//!
//! Difference from Click: Click keeps running until something stops it
//! even when no element can do anything more; `yard click` also returns
//! when every task has finished (sources at their limit without `STOP
//! true`, an ACTIVE Script at its end). A `ControlSocket` (`-p`, `-u`) or a
//! `DriverManager` keeps it running as in Click.

use std::io::Read;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clickconf::{Diagnostic, GraphElement, RouterGraph, SourceMap, Span};
use engine::{Clock, ManualClock, Registry, Router, RunOptions, SystemClock};

const USAGE: &str = "\
'yard click' runs a Click router configuration the way Click's userlevel
driver does. It installs the configuration, reporting any errors to standard
error, and then generally runs until interrupted.

Usage: yard click [OPTION]... [ROUTERFILE] [PARAM=VALUE]...

Options:
  -f, --file FILE               Read router configuration from FILE.
  -e, --expression EXPR         Use EXPR as router configuration.
  -j, --threads N               Start N threads (default 1).
  -p, --port PORT               Listen for control connections on TCP port.
  -u, --unix-socket FILE        Listen for control connections on Unix socket.
  -h, --handler ELEMENT.H       Call ELEMENT's read handler H after running
                                driver and print result to standard output.
  -x, --exit-handler ELEMENT.H  Use handler ELEMENT.H value for exit status.
  -o, --output FILE             Write flat configuration to FILE.
  -q, --quit                    Do not run driver.
  -t, --time                    Print information on how long driver took.
  -w, --no-warnings             Do not print warnings.
      --simtime[=T]             Run in simulation time (starting at T seconds).
      --help                    Print this message and exit.
  -v, -V, --version             Print version number and exit.

PARAM=VALUE defines $PARAM, overriding the configuration's define.
ELEMENT in -h may be a class name or a pattern with * ? [ ]; a handler
without an element is a global handler (version, list).
Not supported: -R/--allow-reconfigure, -C/--clickpath, --socket,
-a/--affinity, --dpdk.
";

/// The program name in messages, as Click's.
const PROGRAM: &str = "click";

/// The name of the `n`th control socket the driver adds, as Click's.
fn control_socket_name(n: usize) -> String {
    if n == 0 {
        "click_driver@@ControlSocket".to_string()
    } else {
        format!("click_driver@@ControlSocket@{n}")
    }
}

/// What the command line asks for.
#[derive(Debug, Default, PartialEq)]
struct Options {
    /// The configuration: a file name or (`expression`) the text.
    router: Option<String>,
    expression: bool,
    handlers: Vec<String>,
    exit_handler: Option<String>,
    output: Option<String>,
    threads: usize,
    time: bool,
    warnings: bool,
    quit: bool,
    /// `--simtime`: the simulated start time in seconds.
    simtime: Option<f64>,
    /// Control sockets: `TCP, PORT` or `UNIX, PATH` configurations.
    sockets: Vec<String>,
    params: Vec<(String, String)>,
}

/// Why the command line is wrong.
#[derive(Debug, PartialEq, Eq)]
enum UsageError {
    Missing(String),
    Unknown(String),
    Ambiguous(String),
    Unsupported(String),
    BadValue(String),
    Twice(&'static str),
}

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UsageError::Missing(o) => write!(f, "{PROGRAM}: '{o}' requires an argument"),
            UsageError::Unknown(o) => write!(f, "{PROGRAM}: unrecognized option '{o}'"),
            UsageError::Ambiguous(o) => write!(f, "{PROGRAM}: option '{o}' is ambiguous"),
            UsageError::Unsupported(o) => {
                write!(f, "{PROGRAM}: option '{o}' is not supported by yard click")
            }
            UsageError::BadValue(m) => write!(f, "{PROGRAM}: {m}"),
            UsageError::Twice(what) => f.write_str(what),
        }
    }
}

enum Parsed {
    Run(Box<Options>),
    Help,
    Version,
}

/// Click's options: long name, short letter, whether a value follows
/// (`Some(true)` required, `Some(false)` optional), and what it is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Opt {
    File,
    Expression,
    Handler,
    ExitHandler,
    Output,
    Threads,
    Port,
    UnixSocket,
    Quit,
    Time,
    NoWarnings,
    Warnings,
    Simtime,
    Help,
    Version,
    Unsupported,
}

const OPTIONS: &[(&str, Option<char>, Option<bool>, Opt)] = &[
    ("allow-reconfigure", Some('R'), None, Opt::Unsupported),
    ("clickpath", Some('C'), Some(true), Opt::Unsupported),
    ("expression", Some('e'), Some(true), Opt::Expression),
    ("dpdk", None, None, Opt::Unsupported),
    ("file", Some('f'), Some(true), Opt::File),
    ("handler", Some('h'), Some(true), Opt::Handler),
    ("help", None, None, Opt::Help),
    ("output", Some('o'), Some(true), Opt::Output),
    ("socket", None, Some(true), Opt::Unsupported),
    ("port", Some('p'), Some(true), Opt::Port),
    ("quit", Some('q'), None, Opt::Quit),
    ("simtime", None, Some(false), Opt::Simtime),
    ("simulation-time", None, Some(false), Opt::Simtime),
    ("threads", Some('j'), Some(true), Opt::Threads),
    ("cpu", None, Some(false), Opt::Unsupported),
    ("affinity", Some('a'), Some(false), Opt::Unsupported),
    ("time", Some('t'), None, Opt::Time),
    ("unix-socket", Some('u'), Some(true), Opt::UnixSocket),
    ("version", Some('v'), None, Opt::Version),
    ("version", Some('V'), None, Opt::Version),
    ("warnings", None, None, Opt::Warnings),
    ("no-warnings", Some('w'), None, Opt::NoWarnings),
    ("exit-handler", Some('x'), Some(true), Opt::ExitHandler),
];

/// The option a long name (possibly abbreviated) means.
fn long_option(name: &str) -> Result<(Option<bool>, Opt), UsageError> {
    if let Some(&(_, _, v, o)) = OPTIONS.iter().find(|(n, ..)| *n == name) {
        return Ok((v, o));
    }
    let matches: Vec<_> = OPTIONS
        .iter()
        .filter(|(n, ..)| n.starts_with(name))
        .map(|&(n, _, v, o)| (n, v, o))
        .collect();
    match matches.as_slice() {
        [(_, v, o)] => Ok((*v, *o)),
        [] => Err(UsageError::Unknown(format!("--{name}"))),
        all if all.iter().all(|m| m.2 == all[0].2) => Ok((all[0].1, all[0].2)),
        _ => Err(UsageError::Ambiguous(format!("--{name}"))),
    }
}

fn parse(args: &[String]) -> Result<Parsed, UsageError> {
    let mut o = Options {
        threads: 1,
        warnings: true,
        ..Options::default()
    };
    let mut i = 0;
    let mut only_files = false;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        // Which option, its printable name, and a value given with it.
        let (spelled, wants, opt, mut value): (String, Option<bool>, Opt, Option<String>) =
            if only_files || arg == "-" || !arg.starts_with('-') {
                set_positional(&mut o, arg)?;
                continue;
            } else if arg == "--" {
                only_files = true;
                continue;
            } else if let Some(long) = arg.strip_prefix("--") {
                let (name, inline) = match long.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_string())),
                    None => (long, None),
                };
                // `--no-X` negates X (Click's Clp_Negate options).
                let (w, op) = match long_option(name) {
                    Ok(x) => x,
                    Err(e) => match name.strip_prefix("no-").map(long_option) {
                        Some(Ok((_, Opt::Warnings))) => (None, Opt::NoWarnings),
                        _ => return Err(e),
                    },
                };
                (format!("--{name}"), w, op, inline)
            } else {
                let c = arg[1..].chars().next().unwrap_or('-');
                let Some(&(_, _, w, op)) = OPTIONS.iter().find(|(_, s, ..)| *s == Some(c)) else {
                    return Err(UsageError::Unknown(format!("-{c}")));
                };
                let attached = &arg[1 + c.len_utf8()..];
                let value = if attached.is_empty() {
                    None
                } else if w.is_some() {
                    Some(attached.to_string())
                } else {
                    // Bundled flags: `-qw`.
                    let rest = format!("-{attached}");
                    let mut sub = parse(std::slice::from_ref(&rest))?;
                    if let Parsed::Run(ref mut s) = sub {
                        o.quit |= s.quit;
                        o.time |= s.time;
                        o.warnings &= s.warnings;
                    } else {
                        return Ok(sub);
                    }
                    None
                };
                (format!("-{c}"), w, op, value)
            };
        if wants == Some(true) && value.is_none() {
            value = Some(
                args.get(i)
                    .cloned()
                    .ok_or_else(|| UsageError::Missing(spelled.clone()))?,
            );
            i += 1;
        }
        if wants.is_none() && value.is_some() && spelled.starts_with("--") {
            return Err(UsageError::BadValue(format!(
                "'{spelled}' takes no argument"
            )));
        }
        let v = value.clone().unwrap_or_default();
        match opt {
            Opt::File | Opt::Expression => {
                if o.router.is_some() {
                    return Err(UsageError::Twice("router configuration specified twice"));
                }
                o.router = Some(v);
                o.expression = opt == Opt::Expression;
            }
            Opt::Handler => o.handlers.push(v),
            Opt::ExitHandler => {
                if o.exit_handler.is_some() {
                    return Err(UsageError::Twice("--exit-handler specified twice"));
                }
                o.exit_handler = Some(v);
            }
            Opt::Output => {
                if o.output.is_some() {
                    return Err(UsageError::Twice("output file specified twice"));
                }
                o.output = Some(v);
            }
            Opt::Threads => {
                let n: i64 = v.trim().parse().map_err(|_| {
                    UsageError::BadValue(format!("'{spelled}' expects an integer, not '{v}'"))
                })?;
                o.threads = n.max(1) as usize;
            }
            Opt::Port => {
                let port = v.strip_suffix('+').unwrap_or(&v);
                let ok = port
                    .parse::<u32>()
                    .is_ok_and(|p| p < 65536 && (p > 0 || !v.ends_with('+')));
                if !ok {
                    return Err(UsageError::BadValue(format!(
                        "'{spelled}' expects a TCP port number, not '{v}'"
                    )));
                }
                o.sockets.push(format!("TCP, {v}"));
            }
            Opt::UnixSocket => o
                .sockets
                .push(format!("UNIX, {}", clickconf::args::quote(v.as_bytes()))),
            Opt::Quit => o.quit = true,
            Opt::Time => o.time = true,
            Opt::NoWarnings => o.warnings = false,
            Opt::Warnings => o.warnings = true,
            Opt::Simtime => {
                let start = match &value {
                    None => 1_000_000_000.0,
                    Some(t) => t
                        .trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|t| *t >= 0.0)
                        .ok_or_else(|| {
                            UsageError::BadValue(format!(
                                "'{spelled}' expects a real number, not '{t}'"
                            ))
                        })?,
                };
                o.simtime = Some(start);
            }
            Opt::Help => return Ok(Parsed::Help),
            Opt::Version => return Ok(Parsed::Version),
            Opt::Unsupported => return Err(UsageError::Unsupported(spelled)),
        }
    }
    Ok(Parsed::Run(Box::new(o)))
}

/// A non-option argument: `NAME=VALUE` defines a parameter, anything
/// else is the configuration file.
fn set_positional(o: &mut Options, arg: &str) -> Result<(), UsageError> {
    if let Some((name, value)) = arg.split_once('=')
        && !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        if o.params.iter().any(|(n, _)| n == name) {
            return Err(UsageError::BadValue(format!(
                "parameter '{name}' multiply defined"
            )));
        }
        o.params.push((name.to_string(), value.to_string()));
        return Ok(());
    }
    if o.router.is_some() {
        return Err(UsageError::Twice("router configuration specified twice"));
    }
    o.router = Some(arg.to_string());
    o.expression = false;
    Ok(())
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
            println!(
                "click (Switchyard yard click {}, Click {})",
                env!("CARGO_PKG_VERSION"),
                elements::driver::CLICK_VERSION
            );
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!(
                "{e}\nUsage: {PROGRAM} [OPTION]... [ROUTERFILE]\nTry '{PROGRAM} --help' for more information."
            );
            return ExitCode::FAILURE;
        }
    };
    ExitCode::from(run(&options, registry))
}

/// The configuration's name in messages and its text.
fn load_text(o: &Options) -> Result<(String, String), String> {
    match (o.expression, o.router.as_deref()) {
        (true, Some(e)) => Ok(("config".into(), e.to_string())),
        (_, None | Some("-")) => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| format!("<stdin>: {e}"))?;
            Ok(("<stdin>".into(), text))
        }
        (false, Some(path)) => std::fs::read_to_string(path)
            .map(|t| (path.to_string(), t))
            .map_err(|e| format!("{path}: {}", io_reason(&e))),
    }
}

/// An I/O error's reason without Rust's "(os error N)".
fn io_reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// A diagnostic in Click's shape: `FILE:LINE: message`, notes indented.
fn render(d: &Diagnostic, sources: &SourceMap) -> String {
    let mut out = match d.span {
        Some(span) => {
            let (line, _) = sources.line_col(span);
            format!("{}:{line}: ", sources.name(span.file))
        }
        None => String::new(),
    };
    if !d.is_error() {
        out.push_str("warning: ");
    }
    out.push_str(&d.message);
    for note in &d.notes {
        out.push_str("\n  ");
        out.push_str(note);
    }
    out
}

/// Adds the driver's control sockets to the configuration, as Click's
/// driver adds `ControlSocket` elements.
fn add_control_sockets(graph: &mut RouterGraph, sockets: &[String]) {
    let span = graph
        .elements
        .first()
        .map(|e| e.span)
        .unwrap_or_else(|| Span::new(clickconf::FileId(0), 0, 0));
    for (n, config) in sockets.iter().enumerate() {
        graph.elements.push(GraphElement {
            name: control_socket_name(n),
            class: "ControlSocket".into(),
            config: config.clone(),
            span,
            config_span: None,
        });
    }
}

/// Runs the driver; returns the exit status.
fn run(o: &Options, registry: &Registry) -> u8 {
    let (name, text) = match load_text(o) {
        Ok(x) => x,
        Err(m) => {
            eprintln!("{m}");
            return 1;
        }
    };
    let mut graph = match clickconf::load_with_params(&name, &text, registry, &o.params) {
        Ok(g) => g,
        Err((sources, diags)) => {
            for d in &diags {
                if d.is_error() || o.warnings {
                    eprintln!("{}", render(d, &sources));
                }
            }
            return 1;
        }
    };
    add_control_sockets(&mut graph, &o.sockets);
    let nelements = graph.elements.len();
    let flat = o.output.as_ref().map(|_| graph.to_click());
    let clock: Arc<dyn Clock> = match o.simtime {
        Some(start) => Arc::new(ManualClock::simulated(packet::Timestamp(
            (start * 1e9) as u64,
        ))),
        None => Arc::new(SystemClock::new()),
    };
    let router = match Router::with_clock(graph, registry, clock) {
        Ok(r) => r,
        Err(e) => {
            for d in &e.diagnostics {
                if d.is_error() || o.warnings {
                    eprintln!("{}", render(d, &e.sources));
                }
            }
            eprintln!("Router could not be initialized!");
            return 1;
        }
    };
    if o.warnings {
        for w in router.warnings() {
            eprintln!("{}", render(w, router.sources()));
        }
    }
    let mut status: u8 = 0;
    if let (Some(path), Some(flat)) = (&o.output, flat) {
        let written = if path == "-" {
            print!("{flat}");
            Ok(())
        } else {
            std::fs::write(path, flat)
        };
        if let Err(e) = written {
            eprintln!("{path}: {}", io_reason(&e));
            status = 1;
        }
    }

    let usage_before = rusage();
    let started = Instant::now();
    if !o.quit && nelements > 0 {
        let stop = router.stop_handle();
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            if let Err(e) = signal_hook::flag::register(signal, Arc::clone(&stop)) {
                eprintln!("{PROGRAM}: installing a signal handler: {e}");
            }
        }
        // Simulated time jumps from timer to timer on one thread.
        let threads = if o.simtime.is_some() { 1 } else { o.threads };
        router.run(&RunOptions { threads });
    } else if !o.quit && o.warnings {
        eprintln!("warning: {name}: configuration has no elements, exiting");
    }
    if o.time {
        let elapsed = started.elapsed();
        let usage_after = rusage();
        let (user, sys) = (
            usage_after.0 - usage_before.0,
            usage_after.1 - usage_before.1,
        );
        let centis = (elapsed.as_micros() as u64).div_ceil(10_000);
        println!(
            "{:.3}u {:.3}s {}:{:02}.{:02}",
            user,
            sys,
            centis / 6000,
            (centis / 100) % 60,
            centis % 100
        );
    }
    if !o.handlers.is_empty() && !print_handlers(&router, &o.handlers) {
        status = 1;
    }
    if let Some(h) = &o.exit_handler {
        status = exit_status(&router, h);
    }
    status
}

/// User and system CPU seconds used so far.
fn rusage() -> (f64, f64) {
    // SAFETY: getrusage fills the struct it is given and nothing else.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above; `u` is a valid, writable rusage.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (secs(u.ru_utime), secs(u.ru_stime))
}

/// The value of a global read handler.
fn global_handler(router: &Router, name: &str) -> Option<String> {
    match name {
        "version" => Some(elements::driver::CLICK_VERSION.to_string()),
        "list" => {
            let mut s = format!("{}\n", router.elements().len());
            for e in router.elements() {
                s.push_str(&e.name);
                s.push('\n');
            }
            Some(s)
        }
        _ => None,
    }
}

/// Whether `name` matches the shell pattern `pattern` (`*`, `?`, `[...]`).
fn glob_match(name: &str, pattern: &str) -> bool {
    fn go(n: &[char], p: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len()).any(|k| go(&n[k..], &p[1..])),
            Some('?') => !n.is_empty() && go(&n[1..], &p[1..]),
            Some('[') => {
                let Some(close) = p.iter().skip(2).position(|&c| c == ']').map(|x| x + 2) else {
                    return n.first() == Some(&'[') && go(&n[1..], &p[1..]);
                };
                let Some(&c) = n.first() else {
                    return false;
                };
                let set = &p[1..close];
                let (negate, set) = match set.first() {
                    Some('!') | Some('^') => (true, &set[1..]),
                    _ => (false, set),
                };
                let mut found = false;
                let mut k = 0;
                while k < set.len() {
                    if k + 2 < set.len() && set[k + 1] == '-' {
                        found |= set[k] <= c && c <= set[k + 2];
                        k += 3;
                    } else {
                        found |= set[k] == c;
                        k += 1;
                    }
                }
                found != negate && go(&n[1..], &p[close + 1..])
            }
            Some(&c) => n.first() == Some(&c) && go(&n[1..], &p[1..]),
        }
    }
    let n: Vec<char> = name.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    go(&n, &p)
}

/// Prints `-h` handlers as Click does; returns whether all were read.
fn print_handlers(router: &Router, handlers: &[String]) -> bool {
    let many = handlers.len() > 1;
    let mut ok = true;
    let print = |full: &str, value: &str, named: bool| {
        if named {
            println!("{full}:");
        }
        let mut v = value.to_string();
        if !v.is_empty() && !v.ends_with('\n') {
            v.push('\n');
        }
        print!("{v}");
        if named {
            println!();
        }
    };
    for h in handlers {
        let Some((element, handler)) = h.split_once('.') else {
            match global_handler(router, h) {
                Some(v) => print(h, &v, many),
                None => {
                    eprintln!("no '{h}' handler");
                    ok = false;
                }
            }
            continue;
        };
        let (eids, expanded): (Vec<usize>, bool) = match router.find(element) {
            Some(eid) => (vec![eid], false),
            None => {
                let pattern = element.contains(['*', '?', '[']);
                let matching: Vec<usize> = (0..router.elements().len())
                    .filter(|&i| {
                        let info = &router.elements()[i];
                        if pattern {
                            glob_match(&info.name, element)
                        } else {
                            info.class.spec.class == element
                        }
                    })
                    .collect();
                if matching.is_empty() {
                    if pattern {
                        eprintln!("no element matching '{element}'");
                    } else {
                        eprintln!("no element '{element}'");
                    }
                    ok = false;
                    continue;
                }
                let readable = matching
                    .into_iter()
                    .filter(|&i| router.has_handler(i, handler, false))
                    .collect();
                (readable, true)
            }
        };
        for eid in eids {
            let full = format!("{}.{handler}", router.elements()[eid].name);
            if !router.has_handler(eid, handler, false) {
                if router.has_handler(eid, handler, true) {
                    eprintln!("'{full}' is a write handler");
                } else {
                    eprintln!("no '{full}' handler");
                }
                ok = false;
                continue;
            }
            match router.read_element_handler(eid, handler) {
                Ok(v) => print(&full, &v, many || expanded),
                Err(e) => {
                    eprintln!("{full}: {e}");
                    ok = false;
                }
            }
        }
    }
    ok
}

/// The exit status a `-x` handler gives: its integer value, 0 for true
/// and 1 for false; 255 when it cannot be read or is neither.
fn exit_status(router: &Router, call: &str) -> u8 {
    let (name, params) = call.trim().split_once(' ').unwrap_or((call.trim(), ""));
    let value = match name.split_once('.') {
        None => match global_handler(router, name) {
            Some(v) => Ok(v),
            None => {
                eprintln!("no '{name}' read handler");
                return 255;
            }
        },
        Some((element, handler)) => match router.find(element) {
            None => {
                eprintln!("no element named '{element}'");
                return 255;
            }
            Some(eid) if !router.has_handler(eid, handler, false) => {
                eprintln!("no '{name}' read handler");
                return 255;
            }
            Some(_) => router.read_handler_with(name, params),
        },
    };
    let value = match value {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{name}: {e}");
            return 255;
        }
    };
    let text = clickconf::args::uncomment(&value);
    let text = text.trim();
    if let Ok(n) = <i64 as clickconf::args::ArgValue>::parse_arg(text) {
        return n as u8;
    }
    match <bool as clickconf::args::ArgValue>::parse_arg(text) {
        Ok(b) => u8::from(!b),
        Err(_) => {
            eprintln!("exit handler value should be integer");
            255
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    fn options(a: &[&str]) -> Options {
        match parse(&args(a)) {
            Ok(Parsed::Run(o)) => *o,
            Ok(_) => panic!("{a:?}: not a run"),
            Err(e) => panic!("{a:?}: {e}"),
        }
    }

    #[test]
    fn options_parse_as_click_spells_them() {
        let o = options(&[
            "-h",
            "c.count",
            "--handler=d.count",
            "-j",
            "2",
            "-q",
            "conf.click",
            "N=5",
        ]);
        assert_eq!(o.handlers, ["c.count", "d.count"]);
        assert_eq!(o.threads, 2);
        assert!(o.quit);
        assert!(o.warnings);
        assert_eq!(o.router.as_deref(), Some("conf.click"));
        assert!(!o.expression);
        assert_eq!(o.params, [("N".to_string(), "5".to_string())]);
        let o = options(&[
            "-hc.count",
            "-j3",
            "--expr",
            "Idle",
            "--no-warnings",
            "-x",
            "c.count",
        ]);
        assert_eq!(o.handlers, ["c.count"]);
        assert_eq!(o.threads, 3);
        assert!(o.expression && !o.warnings);
        assert_eq!(o.exit_handler.as_deref(), Some("c.count"));
        let o = options(&["-p", "9000", "-u", "/tmp/s", "--simtime", "-qtw"]);
        assert_eq!(o.sockets, ["TCP, 9000", "UNIX, \"/tmp/s\""]);
        assert_eq!(o.simtime, Some(1e9));
        assert!(o.quit && o.time && !o.warnings);
        assert_eq!(options(&["--simtime=5"]).simtime, Some(5.0));
        assert_eq!(options(&["-j", "0"]).threads, 1);
        assert!(matches!(
            parse(&args(&["-R"])),
            Err(UsageError::Unsupported(_))
        ));
        assert!(matches!(parse(&args(&["-Z"])), Err(UsageError::Unknown(_))));
        assert!(matches!(
            parse(&args(&["--bogus"])),
            Err(UsageError::Unknown(_))
        ));
        assert!(matches!(parse(&args(&["-h"])), Err(UsageError::Missing(_))));
        assert!(matches!(
            parse(&args(&["-p", "x"])),
            Err(UsageError::BadValue(_))
        ));
        assert!(matches!(
            parse(&args(&["-e", "Idle", "x.click"])),
            Err(UsageError::Twice(_))
        ));
        assert!(matches!(parse(&args(&["-v"])), Ok(Parsed::Version)));
        assert!(matches!(parse(&args(&["--help"])), Ok(Parsed::Help)));
    }

    #[test]
    fn patterns_match_like_the_shell() {
        assert!(glob_match("Discard@3", "Dis*"));
        assert!(glob_match("c1", "c?"));
        assert!(glob_match("c1", "c[0-9]"));
        assert!(!glob_match("cx", "c[0-9]"));
        assert!(glob_match("cx", "c[!0-9]"));
        assert!(!glob_match("Zz", "Dis*"));
    }
}
