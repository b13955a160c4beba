//! `yard`, Switchyard's command line: one subcommand per job, each a thin
//! layer over a library crate.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Args as ClapArgs, Parser, Subcommand};
use engine::{Registry, Router, RunOptions};

mod bench;
mod click;
mod report;
mod verify_cmd;

#[derive(Parser)]
#[command(
    name = "yard",
    version,
    about = "Switchyard: build, check and run Click middlebox configurations"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(ClapArgs)]
struct ConfigSource {
    /// Configuration file (`-` for standard input).
    file: Option<PathBuf>,
    /// Configuration text given on the command line.
    #[arg(short = 'e', long = "expression", value_name = "CONFIG")]
    expression: Option<String>,
    /// Swap an element for another, keeping its name and connections
    /// (repeatable), e.g. `--replace 'in0=FromDump(trace.pcap, STOP true)'`
    /// to run a device configuration on a capture.
    #[arg(long = "replace", value_name = "NAME=CLASS(ARGS)")]
    replace: Vec<clickconf::Replacement>,
}

impl ConfigSource {
    /// The configuration's name (for messages) and text.
    fn load(&self) -> Result<(String, String)> {
        match (&self.expression, &self.file) {
            (Some(_), Some(_)) => bail!("give either a FILE or -e CONFIG, not both"),
            (Some(text), None) => Ok(("<expr>".to_string(), text.clone())),
            (None, Some(path)) if path.as_os_str() == "-" => {
                let mut text = String::new();
                std::io::stdin()
                    .read_to_string(&mut text)
                    .context("reading standard input")?;
                Ok(("<stdin>".to_string(), text))
            }
            (None, Some(path)) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?;
                Ok((path.display().to_string(), text))
            }
            (None, None) => bail!("no configuration: give a FILE or -e CONFIG"),
        }
    }

    /// The flattened configuration with the replacements made; on errors,
    /// prints them and returns `None`.
    fn graph(&self, registry: &Registry) -> Result<Option<clickconf::RouterGraph>> {
        let (name, text) = self.load()?;
        let mut graph = match clickconf::load(&name, &text, registry) {
            Ok(graph) => graph,
            Err((sources, diagnostics)) => {
                for d in &diagnostics {
                    eprintln!("{}", d.render(&sources));
                }
                return Ok(None);
            }
        };
        for r in &self.replace {
            if let Err(e) = graph.replace(r) {
                eprintln!("yard: {e}");
                return Ok(None);
            }
        }
        Ok(Some(graph))
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run a configuration until its sources are done or Ctrl-C.
    Run {
        #[command(flatten)]
        config: ConfigSource,
        /// Print a handler's value when the run ends (repeatable), e.g. `-h c.count`.
        #[arg(short = 'H', long = "handler", value_name = "ELEMENT.HANDLER")]
        handlers: Vec<String>,
        /// Threads to run tasks on.
        #[arg(short = 'j', long = "threads", default_value_t = 1)]
        threads: usize,
        /// Print per-element packet counts and drops at the end.
        #[arg(long)]
        stats: bool,
        /// Print how long the run took and the packet rate of the sources.
        #[arg(long)]
        time: bool,
    },
    /// Run a configuration with the command line of Click's userlevel
    /// driver (`yard click --help` for its options).
    Click {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Verify a network of middleboxes statically (Symnet): `DIR/*.click`
    /// are the boxes (named by file stem), `DIR/links` the topology
    /// (`BOX:ELEMENT:PORT -> BOX:ELEMENT:PORT` a line) and `DIR/queries`
    /// the queries (`reach A -> B [when C]`, `tcp-connect C S`,
    /// `inv A B: FIELDS`, `loops`). Exit 0 when every query ran, 2 on
    /// input errors.
    Verify {
        /// The directory holding the network.
        #[arg(required_unless_present = "bench")]
        dir: Option<PathBuf>,
        /// Measure the verifier on generated networks instead: a chain of
        /// stateful boxes with its return chain, a binary tree of routers
        /// with a NAT at each leaf, a router with 100,000 prefixes.
        #[arg(long)]
        bench: bool,
        /// Chain lengths for --bench.
        #[arg(long, value_delimiter = ',', default_values_t = [100usize, 1000, 10000])]
        sizes: Vec<usize>,
        /// Runs per figure for --bench (the median is printed).
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// Run this query instead of `DIR/queries`.
        #[arg(long)]
        query: Option<String>,
        /// One JSON object per query.
        #[arg(long)]
        json: bool,
    },
    /// Check a configuration: print every error and warning; exit 1 on errors.
    Check {
        #[command(flatten)]
        config: ConfigSource,
    },
    /// Print the flattened configuration as a Graphviz dot graph.
    Graph {
        #[command(flatten)]
        config: ConfigSource,
    },
    /// List the element classes this build supports.
    Elements {
        /// Print a Markdown table (the README's list is this output).
        #[arg(long)]
        markdown: bool,
    },
    /// Print an element class's documentation.
    Doc {
        /// The element class, e.g. `CheckIPHeader`.
        class: String,
    },
    /// Measure packet rates of the headline configurations, beside Click's
    /// driver and DPDK's testpmd when they are installed; with `--apps`, the
    /// application configurations in configs/ and the special workloads
    /// (NAT with 1,000 flows, firewall with 10/100/1,000 rules, router
    /// with 1,000 routes), each run by ours and by Click on the same text.
    Bench {
        /// Measure the application configurations (configs/*.click with
        /// their devices replaced by in-memory sources and sinks).
        #[arg(long)]
        apps: bool,
        /// Print the --apps report as Markdown tables (for the README).
        #[arg(long)]
        markdown: bool,
        /// With --apps: write each workload's configuration text (what both
        /// drivers run) to this directory instead of measuring.
        #[arg(long, value_name = "DIR")]
        emit: Option<PathBuf>,
        /// Packets per run and source (default 20,000,000; 4,000,000 with
        /// --apps).
        #[arg(long)]
        packets: Option<u64>,
        /// Runs per figure, the median is reported (default 5; 3 with --apps).
        #[arg(long)]
        runs: Option<usize>,
        /// Frame sizes in bytes (default 64,1500; 64,512,1500 with --apps,
        /// where the special workloads use the first size only).
        #[arg(long, value_delimiter = ',')]
        sizes: Option<Vec<usize>>,
        /// Thread counts to measure (one source per thread; not with --apps,
        /// which uses one core).
        #[arg(long, value_delimiter = ',', default_value = "1,2")]
        threads: Vec<usize>,
        /// InfiniteSource BURST in the configurations.
        #[arg(long, default_value_t = 256)]
        burst: usize,
        /// Click's userlevel driver (default: $CLICK or /work/peers/click/bin/click).
        #[arg(long)]
        click: Option<PathBuf>,
        /// DPDK's testpmd (default: dpdk-testpmd on PATH).
        #[arg(long)]
        testpmd: Option<PathBuf>,
        /// Sources stamp packets with the time (`--timestamp false` for
        /// InfiniteSource's TIMESTAMP false in both drivers).
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
        timestamp: bool,
        /// Skip the peers even if installed.
        #[arg(long)]
        no_peers: bool,
        /// Seconds per run of the configurations that run for a fixed time
        /// (those with FastUDPFlows; default 2, 1 with --apps).
        #[arg(long)]
        seconds: Option<f64>,
        /// Measure only the configurations whose names start with this (wire,
        /// EtherMirror, Classifier, CheckIPHeader, IPFilter, NAT, Router;
        /// with --apps: wire, router, firewall-1000rules, cgnat, …).
        #[arg(long)]
        only: Option<String>,
    },
}

fn main() -> ExitCode {
    // The listing commands' output piped into `head` and the like ends
    // quietly when the reader goes away, as with other command-line tools
    // (Rust ignores SIGPIPE, which turns the closed pipe into a panic in
    // `println!`). Commands that run a router keep ignoring it: a control
    // socket's client going away must not end the router.
    let first = std::env::args().nth(1);
    if matches!(
        first.as_deref(),
        Some("elements" | "doc" | "graph" | "check" | "verify")
    ) {
        // SAFETY: restoring a signal's default disposition at start-up,
        // before any thread exists.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    // Click spells the handler option `-h`; clap reserves `-h` for help, so
    // `-h X` (with a value) is rewritten to `-H X` before parsing.
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).is_some_and(|a| a == "click") {
        return click::main(&args[2..], &elements::registry());
    }
    let args = rewrite_click_handler_flag(args);
    let cli = Cli::parse_from(args);
    match dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("yard: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn rewrite_click_handler_flag(args: Vec<String>) -> Vec<String> {
    let is_run = args.get(1).is_some_and(|a| a == "run");
    if !is_run {
        return args;
    }
    let mut out = Vec::with_capacity(args.len());
    let mut iter = args.into_iter().peekable();
    while let Some(a) = iter.next() {
        if a == "-h"
            && iter
                .peek()
                .is_some_and(|next| next.contains('.') && !next.starts_with('-'))
        {
            out.push("-H".to_string());
        } else {
            out.push(a);
        }
    }
    out
}

fn dispatch(cli: Cli) -> Result<ExitCode> {
    let registry = elements::registry();
    match cli.command {
        Command::Run {
            config,
            handlers,
            threads,
            stats,
            time,
        } => run(&registry, &config, &handlers, threads, stats, time),
        Command::Check { config } => check(&registry, &config),
        Command::Verify {
            dir,
            bench,
            sizes,
            runs,
            query,
            json,
        } => Ok(if bench {
            verify_cmd::bench(&registry, &sizes, runs)
        } else {
            let dir = dir.expect("clap requires DIR without --bench");
            verify_cmd::main(&registry, &dir, query.as_deref(), json)
        }),
        Command::Click { args } => Ok(click::main(&args, &registry)),
        Command::Bench {
            apps,
            markdown,
            emit,
            packets,
            runs,
            sizes,
            threads,
            burst,
            click,
            testpmd,
            no_peers,
            only,
            timestamp,
            seconds,
        } => {
            if apps {
                let options = bench::apps::AppOptions {
                    packets: packets.unwrap_or(4_000_000),
                    runs: runs.unwrap_or(3).max(1),
                    sizes: sizes.unwrap_or_else(|| vec![64, 512, 1500]),
                    source: bench::apps::SourceOptions {
                        packets: packets.unwrap_or(4_000_000),
                        burst,
                        timestamp,
                    },
                    seconds: seconds.unwrap_or(1.0).max(0.1),
                    click: if no_peers {
                        click
                    } else {
                        click.or_else(bench::default_click)
                    },
                    only,
                    markdown,
                    emit,
                };
                print!("{}", bench::apps::run(&options)?);
                return Ok(ExitCode::SUCCESS);
            }
            let mut options = bench::BenchOptions {
                packets: packets.unwrap_or(20_000_000),
                runs: runs.unwrap_or(5).max(1),
                sizes: sizes.unwrap_or_else(|| vec![64, 1500]),
                burst,
                click,
                testpmd,
                only,
                threads,
                timestamp,
                seconds: seconds.unwrap_or(2.0).max(0.1),
            };
            if !no_peers {
                options = options.with_default_peers();
            }
            print!("{}", bench::run(&options)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Graph { config } => match config.graph(&registry)? {
            Some(graph) => {
                print!("{}", graph.to_dot());
                Ok(ExitCode::SUCCESS)
            }
            None => Ok(ExitCode::FAILURE),
        },
        Command::Elements { markdown } => {
            if markdown {
                print!("{}", report::elements_markdown(&registry));
            } else {
                for class in registry.classes() {
                    println!("{:<24} {}", class.spec.class, class.spec.summary());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Doc { class } => match registry.get(&class) {
            Some(info) => {
                print!("{}", info.spec.doc());
                println!();
                println!(
                    "Port count: {}    Processing: {}",
                    info.spec.ports, info.spec.processing
                );
                Ok(ExitCode::SUCCESS)
            }
            None => {
                let near = registry.suggest(&class);
                if near.is_empty() {
                    bail!("no element class '{class}' (see `yard elements`)");
                }
                bail!(
                    "no element class '{class}'; did you mean {}?",
                    near.join(", ")
                );
            }
        },
    }
}

fn build(registry: &Registry, config: &ConfigSource) -> Result<Option<Router>> {
    let Some(graph) = config.graph(registry)? else {
        return Ok(None);
    };
    match Router::new(graph, registry) {
        Ok(router) => {
            for w in router.warnings() {
                eprintln!("{}", w.render(router.sources()));
            }
            Ok(Some(router))
        }
        Err(e) => {
            eprintln!("{}", e.render());
            Ok(None)
        }
    }
}

fn check(registry: &Registry, config: &ConfigSource) -> Result<ExitCode> {
    let Some(graph) = config.graph(registry)? else {
        return Ok(ExitCode::FAILURE);
    };
    match Router::check_graph(graph, registry) {
        Ok((elements, sources, warnings)) => {
            for w in &warnings {
                eprintln!("{}", w.render(&sources));
            }
            println!(
                "configuration OK: {elements} elements, {} warnings",
                warnings.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{}", e.render());
            Ok(ExitCode::FAILURE)
        }
    }
}

fn run(
    registry: &Registry,
    config: &ConfigSource,
    handlers: &[String],
    threads: usize,
    stats: bool,
    time: bool,
) -> Result<ExitCode> {
    let Some(router) = build(registry, config)? else {
        return Ok(ExitCode::FAILURE);
    };
    let stop = router.stop_handle();
    signal_hook::flag::register(signal_hook::consts::SIGINT, Arc::clone(&stop))
        .context("installing the SIGINT handler")?;
    signal_hook::flag::register(signal_hook::consts::SIGTERM, Arc::clone(&stop))
        .context("installing the SIGTERM handler")?;
    let started = Instant::now();
    router.run(&RunOptions { threads });
    let elapsed = started.elapsed();
    let mut failed = false;
    for h in handlers {
        match router.read_handler(h) {
            Ok(value) => {
                if handlers.len() > 1 {
                    println!("{h}:");
                }
                let value = value.trim_end_matches('\n');
                println!("{value}");
                if handlers.len() > 1 {
                    println!();
                }
            }
            Err(e) => {
                eprintln!("yard: {h}: {e}");
                failed = true;
            }
        }
    }
    if stats {
        print!("{}", report::stats_table(&router));
    }
    if time {
        eprint!("{}", report::timing(&router, elapsed));
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
