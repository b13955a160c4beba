//! `yard bench`: packet rates of the headline configurations, side by side
//! with Click's userlevel driver (and DPDK's testpmd as the ceiling) when
//! they are installed, all in one run so that the ratios are fair.
//!
//! Key decision: ours and Click run the very same configuration text, an
//! in-memory source feeding the element under test; every figure is the
//! median of several runs, and each run is long enough (about a second)
//! that process start-up does not matter.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use engine::{Router, RunOptions};

pub mod apps;

/// One configuration measured by the bench.
pub struct BenchConfig {
    pub name: String,
    /// The configuration with `@SOURCE@` where each source goes.
    body: String,
    /// UDP destination port of the frames sent.
    dport: u16,
    /// Whether the configuration can be copied per thread (application
    /// files name their elements, so they run on one thread only).
    copies: bool,
    /// Runs for a fixed time and counts at `cnt` (sources without an end,
    /// such as `FastUDPFlows`), instead of until its sources finish.
    timed: bool,
}

impl BenchConfig {
    fn new(name: &str, body: &str) -> BenchConfig {
        BenchConfig {
            name: name.to_string(),
            body: body.to_string(),
            dport: 5678,
            copies: true,
            timed: false,
        }
    }

    /// A configuration whose own source (with `@LEN@` for the frame
    /// length) runs for a fixed time.
    fn timed(name: &str, body: String) -> BenchConfig {
        BenchConfig {
            name: name.to_string(),
            body,
            dport: 5678,
            copies: false,
            timed: true,
        }
    }
}

/// `FastUDPFlows` making `flows` flows to `dst` without end, pulled in
/// bursts of 256.
fn flows_source(flows: u32, dst: &str) -> String {
    format!(
        "FastUDPFlows(0, -1, @LEN@, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, {dst}, {flows}, 1000000000) -> Unqueue(BURST 256)"
    )
}

/// 1,000 routes: /24s under 10.0.0.0/14, a few /16s and /8s, and a
/// default route.
pub fn routes_1000() -> String {
    let mut routes = Vec::with_capacity(1000);
    for i in 0..990u32 {
        routes.push(format!("10.{}.{}.0/24 {}", i / 250, i % 250, i % 2));
    }
    for i in 0..6u32 {
        routes.push(format!("172.{}.0.0/16 1", 16 + i));
    }
    for i in 0..3u32 {
        routes.push(format!("{}.0.0.0/8 1", 20 + i));
    }
    routes.push("0.0.0.0/0 10.0.0.254 1".to_string());
    routes.join(", ")
}

/// The configurations of issue 2 and the IP middlebox figures of issue 3.
pub fn configs() -> Vec<BenchConfig> {
    let mut v = vec![
        BenchConfig::new("wire", "@SOURCE@ -> Discard;"),
        BenchConfig::new("EtherMirror", "@SOURCE@ -> EtherMirror -> Discard;"),
        BenchConfig::new(
            "Classifier",
            "@SOURCE@ -> c :: Classifier(12/0800, 12/0806, -); c[0] -> Discard; c[1] -> Discard; c[2] -> Discard;",
        ),
        BenchConfig::new(
            "CheckIPHeader",
            "@SOURCE@ -> Strip(14) -> CheckIPHeader -> DecIPTTL -> Unstrip(14) -> Discard;",
        ),
    ];
    for rules in [10, 100, 1000] {
        v.push(BenchConfig::new(
            &format!("IPFilter-{rules}"),
            &format!(
                "@SOURCE@ -> CheckIPHeader(14) -> {} -> Discard;",
                firewall_rules(rules)
            ),
        ));
    }
    v.push(BenchConfig::timed(
        "NAT-1000flows",
        format!(
            "{} -> MarkIPHeader(14) -> rw :: IPRewriter(pattern 1.0.0.1 1024-65535 - - 0 1, drop) -> cnt :: Counter -> Discard; Idle -> [1]rw; rw[1] -> Discard;",
            flows_source(1000, "8.8.8.8")
        ),
    ));
    v.push(BenchConfig::timed(
        "Router-1000routes",
        format!(
            "{} -> Strip(14) -> CheckIPHeader -> GetIPAddress(16) -> rt :: RadixIPLookup({}) -> DecIPTTL -> cnt :: Counter -> Discard; rt[1] -> Discard;",
            flows_source(1000, "10.3.100.5"),
            routes_1000()
        ),
    ));
    v
}

/// An IPFilter with `n` rules, the last of which passes the bench's
/// traffic (UDP to port 5678): rules on other ports and on source subnets,
/// as a firewall's rule list has them, all tried before the match.
pub fn firewall_rules(n: usize) -> String {
    let mut rules = Vec::with_capacity(n);
    for i in 0..n.saturating_sub(1) {
        rules.push(match i % 4 {
            0 => format!("deny udp dst port {}", 10000 + i),
            1 => format!("allow tcp dst port {}", 10000 + i),
            2 => format!(
                "deny src net 172.{}.{}.0/24 and tcp dst port {}",
                16 + i % 16,
                i / 16 % 256,
                10000 + i
            ),
            _ => format!(
                "allow dst host 192.168.{}.{} and udp dst port {}",
                i / 250 % 250,
                i % 250 + 1,
                10000 + i
            ),
        });
    }
    rules.push("allow udp dst port 5678".to_string());
    format!("IPFilter({}, deny all)", rules.join(", "))
}

/// Internet checksum of `data`.
fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for pair in data.chunks(2) {
        let word = u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]);
        sum += u32::from(word);
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// An Ethernet/IPv4/UDP frame of `len` bytes (at least 42) with a valid IP
/// header checksum and TTL 64.
#[cfg(test)]
pub fn udp_frame(len: usize) -> Vec<u8> {
    udp_frame_to(len, 5678)
}

/// As [`udp_frame`], to destination port `dport`.
pub fn udp_frame_to(len: usize, dport: u16) -> Vec<u8> {
    let len = len.max(42);
    let mut f = vec![0u8; len];
    f[0..6].copy_from_slice(&[0x02, 0, 0, 0, 0, 0x02]);
    f[6..12].copy_from_slice(&[0x02, 0, 0, 0, 0, 0x01]);
    f[12..14].copy_from_slice(&[0x08, 0x00]);
    let ip_len = (len - 14) as u16;
    f[14] = 0x45;
    f[16..18].copy_from_slice(&ip_len.to_be_bytes());
    f[22] = 64;
    f[23] = 17;
    f[26..30].copy_from_slice(&[10, 0, 0, 1]);
    f[30..34].copy_from_slice(&[10, 0, 0, 2]);
    let sum = checksum(&f[14..34]);
    f[24..26].copy_from_slice(&sum.to_be_bytes());
    f[34..36].copy_from_slice(&1234u16.to_be_bytes());
    f[36..38].copy_from_slice(&dport.to_be_bytes());
    f[38..40].copy_from_slice(&(ip_len - 20).to_be_bytes());
    for (i, b) in f[42..].iter_mut().enumerate() {
        *b = i as u8;
    }
    f
}

/// Click's `\<…>` hex notation for binary data.
fn hex_data(bytes: &[u8]) -> String {
    let mut s = String::from("\\<");
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s.push('>');
    s
}

/// The configuration text for `config` with `sources` independent copies,
/// each source making `limit` packets of `frame`.
pub fn config_text(
    config: &BenchConfig,
    frame: &[u8],
    limit: u64,
    sources: usize,
    burst: usize,
    timestamp: bool,
) -> String {
    let mut text = String::new();
    for k in 0..sources {
        let source = format!(
            "InfiniteSource(DATA {}, LIMIT {limit}, BURST {burst}, STOP true, TIMESTAMP {timestamp})",
            hex_data(frame)
        );
        // Each copy gets its own element names.
        let body = config
            .body
            .replace("c ::", &format!("c{k} ::"))
            .replace("c[", &format!("c{k}["));
        let _ = writeln!(text, "{}", body.replace("@SOURCE@", &source));
    }
    text
}

/// Options for one bench run.
pub struct BenchOptions {
    pub packets: u64,
    pub runs: usize,
    pub sizes: Vec<usize>,
    pub burst: usize,
    pub click: Option<PathBuf>,
    pub testpmd: Option<PathBuf>,
    pub only: Option<String>,
    pub threads: Vec<usize>,
    /// Whether sources stamp packets with the time (InfiniteSource's
    /// TIMESTAMP; Click reads the clock per packet, we per batch).
    pub timestamp: bool,
    /// How long each run of a timed configuration lasts.
    pub seconds: f64,
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// CPU time (user + system) used so far by this process or, with
/// `children`, by its waited-for children.
fn cpu_seconds(children: bool) -> f64 {
    let who = if children {
        libc::RUSAGE_CHILDREN
    } else {
        libc::RUSAGE_SELF
    };
    // SAFETY: getrusage writes one `rusage` into the zeroed value we own.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(who, &mut usage) != 0 {
            return 0.0;
        }
        usage
    };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// One measurement: packets per wall-clock second and per CPU-second.
#[derive(Clone, Copy)]
struct Rate {
    wall_mpps: f64,
    cpu_mpps: f64,
}

impl Rate {
    fn new(packets: u64, wall: f64, cpu: f64) -> Rate {
        Rate {
            wall_mpps: packets as f64 / wall.max(1e-9) / 1e6,
            cpu_mpps: packets as f64 / cpu.max(1e-9) / 1e6,
        }
    }
}

/// Runs one configuration in this process.
fn run_ours(text: &str, threads: usize, total_packets: u64) -> Result<Rate> {
    let registry = elements::registry();
    let router = Router::from_text("<bench>", text, &registry)
        .map_err(|e| anyhow::anyhow!("{}", e.render()))?;
    packet::prewarm(4096);
    let cpu = cpu_seconds(false);
    let started = Instant::now();
    router.run(&RunOptions { threads });
    let wall = started.elapsed().as_secs_f64();
    Ok(Rate::new(total_packets, wall, cpu_seconds(false) - cpu))
}

/// Click's driver, run with glibc's heap trimming off: otherwise glibc
/// hands the memory of freed packet buffers back to the kernel whenever a
/// burst of them is freed (after a queue or a packet copy), and Click spends
/// most of its time in the kernel getting it back (EtherMirror -> Queue ->
/// Discard: 0.9 Mpps instead of 8). Ours keeps its buffers in a pool.
pub fn click_command(click: &Path) -> Command {
    let mut cmd = Command::new(click);
    cmd.env("GLIBC_TUNABLES", CLICK_TUNABLES);
    cmd
}

/// The glibc tunables Click runs with (see [`click_command`]).
pub const CLICK_TUNABLES: &str = "glibc.malloc.trim_threshold=1073741824";

/// Runs one configuration with Click's driver (the whole process, start-up
/// included).
fn run_click(click: &Path, text: &str, total_packets: u64) -> Result<Rate> {
    let cpu = cpu_seconds(true);
    let started = Instant::now();
    let out = click_command(click)
        .arg("-e")
        .arg(text)
        .output()
        .with_context(|| format!("running {}", click.display()))?;
    let wall = started.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!(
            "click exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(Rate::new(total_packets, wall, cpu_seconds(true) - cpu))
}

/// Runs a timed configuration in this process for `seconds`; the rate is
/// what its counter `cnt` counted.
fn run_ours_timed(text: &str, seconds: f64) -> Result<Rate> {
    let registry = elements::registry();
    let router = Router::from_text("<bench>", text, &registry)
        .map_err(|e| anyhow::anyhow!("{}", e.render()))?;
    packet::prewarm(4096);
    let stop = router.stop_handle();
    let timer = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs_f64(seconds));
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    let cpu = cpu_seconds(false);
    let started = Instant::now();
    router.run(&RunOptions { threads: 1 });
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds(false) - cpu;
    let _ = timer.join();
    let count: u64 = router
        .read_handler("cnt.count")
        .map_err(|e| anyhow::anyhow!("cnt.count: {e}"))?
        .trim()
        .parse()
        .context("cnt.count")?;
    Ok(Rate::new(count, wall, cpu))
}

/// Runs a timed configuration with Click's driver for `seconds`, stops it
/// with SIGINT (Click then prints `cnt.count`) and counts what it counted.
fn run_click_timed(click: &Path, text: &str, seconds: f64) -> Result<Rate> {
    let cpu = cpu_seconds(true);
    let started = Instant::now();
    let child = click_command(click)
        .arg("-e")
        .arg(text)
        .args(["-h", "cnt.count"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .with_context(|| format!("running {}", click.display()))?;
    std::thread::sleep(std::time::Duration::from_secs_f64(seconds));
    // SAFETY: kill sends a signal to the child we started and still own.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
    let out = child.wait_with_output().context("waiting for click")?;
    let wall = started.elapsed().as_secs_f64();
    let count: u64 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .with_context(|| {
            format!(
                "click printed no count: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        })?;
    Ok(Rate::new(count, wall, cpu_seconds(true) - cpu))
}

/// Runs testpmd with two null devices for a few seconds in `mode` and
/// returns the forwarded Mpps per forwarding core.
fn run_testpmd(testpmd: &Path, mode: &str, seconds: u64) -> Result<f64> {
    let out = Command::new("timeout")
        .arg("--signal=INT")
        .arg(format!("{seconds}"))
        .arg(testpmd)
        .args([
            "--no-huge",
            "-m",
            "1024",
            "--no-pci",
            "-l",
            "0-1",
            "--vdev",
            "net_null0,size=64",
            "--vdev",
            "net_null1,size=64",
            "--",
            "--auto-start",
            "--tx-first",
            "--no-lsc-interrupt",
            &format!("--forward-mode={mode}"),
            "--stats-period=1",
        ])
        .output()
        .with_context(|| format!("running {}", testpmd.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    // The periodic statistics print "Tx-pps: N" per port; the forwarding
    // rate is the sum over the two ports, taken from the last report.
    let rates: Vec<f64> = text
        .lines()
        .filter_map(|l| l.split("Tx-pps:").nth(1))
        .filter_map(|r| r.split_whitespace().next()?.parse::<f64>().ok())
        .collect();
    if rates.len() < 2 {
        bail!("could not read testpmd's rates");
    }
    let last_two: f64 = rates[rates.len() - 2..].iter().sum();
    Ok(last_two / 1e6)
}

pub fn default_click() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("CLICK") {
        return Some(PathBuf::from(p));
    }
    let candidate = PathBuf::from("/work/peers/click/bin/click");
    candidate.is_file().then_some(candidate)
}

fn find_in_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

impl BenchOptions {
    /// Fills in peers found on this machine.
    pub fn with_default_peers(mut self) -> BenchOptions {
        if self.click.is_none() {
            self.click = default_click();
        }
        if self.testpmd.is_none() {
            self.testpmd = find_in_path("dpdk-testpmd");
        }
        self
    }
}

/// Runs the bench and returns its report.
pub fn run(options: &BenchOptions) -> Result<String> {
    let mut report = String::new();
    let _ = writeln!(
        report,
        "# yard bench: {} packets per run, median of {} runs, one core unless noted",
        options.packets, options.runs
    );
    if let Some(c) = &options.click {
        let _ = writeln!(report, "# peer: Click userlevel driver at {}", c.display());
    } else {
        let _ = writeln!(report, "# peer: Click not found (set CLICK=/path/to/click)");
    }
    let _ = writeln!(
        report,
        "# sources: InfiniteSource BURST {}, TIMESTAMP {}",
        options.burst, options.timestamp
    );
    let _ = writeln!(
        report,
        "# Mpps per CPU-second (packets / CPU time used), then per wall-clock second"
    );
    let _ = writeln!(
        report,
        "{:<18} {:>6} {:>7} {:>10} {:>10} {:>7} {:>10} {:>10}",
        "config", "bytes", "threads", "yard/cpu", "click/cpu", "ratio", "yard/wall", "click/wall"
    );
    for config in configs() {
        if options.only.as_deref().is_some_and(|o| {
            !config
                .name
                .to_ascii_lowercase()
                .starts_with(&o.to_ascii_lowercase())
        }) {
            continue;
        }
        for &size in &options.sizes {
            let frame = udp_frame_to(size, config.dport);
            for &threads in &options.threads {
                if threads > 1 && !config.copies {
                    continue;
                }
                let text = config_text(
                    &config,
                    &frame,
                    options.packets,
                    threads,
                    options.burst,
                    options.timestamp,
                );
                let text = text.replace("@LEN@", &size.to_string());
                let total = options.packets * threads as u64;
                let mut ours = Vec::new();
                let mut theirs = Vec::new();
                let mut click_failed: Option<anyhow::Error> = None;
                for _ in 0..options.runs {
                    // Interleave ours and Click's so that machine noise
                    // affects both alike.
                    if config.timed {
                        ours.push(run_ours_timed(&text, options.seconds)?);
                    } else {
                        ours.push(run_ours(&text, threads, total)?);
                    }
                    if threads == 1
                        && click_failed.is_none()
                        && let Some(click) = &options.click
                    {
                        let r = if config.timed {
                            run_click_timed(click, &text, options.seconds)
                        } else {
                            run_click(click, &text, total)
                        };
                        // A configuration Click cannot run (an element it
                        // lacks, a crash) is reported, not fatal.
                        match r {
                            Ok(r) => theirs.push(r),
                            Err(e) => click_failed = Some(e),
                        }
                    }
                }
                if let Some(e) = &click_failed {
                    let _ = writeln!(report, "# {}: Click could not run it: {e:#}", config.name);
                }
                let ours_cpu = median(ours.iter().map(|r| r.cpu_mpps).collect());
                let ours_wall = median(ours.iter().map(|r| r.wall_mpps).collect());
                let (click_cpu, ratio, click_wall) = if theirs.is_empty() {
                    ("-".to_string(), "-".to_string(), "-".to_string())
                } else {
                    let c = median(theirs.iter().map(|r| r.cpu_mpps).collect());
                    let w = median(theirs.iter().map(|r| r.wall_mpps).collect());
                    (
                        format!("{c:.2}"),
                        format!("{:.2}x", ours_cpu / c),
                        format!("{w:.2}"),
                    )
                };
                let _ = writeln!(
                    report,
                    "{:<18} {:>6} {:>7} {:>10.2} {:>10} {:>7} {:>10.2} {:>10}",
                    config.name, size, threads, ours_cpu, click_cpu, ratio, ours_wall, click_wall
                );
            }
        }
    }
    if let Some(testpmd) = &options.testpmd {
        for mode in ["io", "macswap"] {
            let rates: Vec<f64> = (0..options.runs.min(3))
                .filter_map(|_| run_testpmd(testpmd, mode, 6).ok())
                .collect();
            if rates.is_empty() {
                let _ = writeln!(report, "testpmd {mode}: could not run");
            } else {
                let _ = writeln!(
                    report,
                    "testpmd {mode:<8} 64 B: {:.2} Mpps (one forwarding core)",
                    median(rates)
                );
            }
        }
    }
    Ok(report)
}

/// Time one run of `text` takes in this process (for tests of the bench).
#[cfg(test)]
pub fn time_once(text: &str) -> Result<std::time::Duration> {
    let registry = elements::registry();
    let router = Router::from_text("<bench>", text, &registry)
        .map_err(|e| anyhow::anyhow!("{}", e.render()))?;
    let started = Instant::now();
    router.run(&RunOptions { threads: 1 });
    Ok(started.elapsed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_have_valid_ip_checksums() {
        for len in [60, 64, 1500] {
            let f = udp_frame(len);
            assert_eq!(f.len(), len);
            assert_eq!(checksum(&f[14..34]), 0);
        }
    }

    #[test]
    fn firewall_rules_end_with_the_match() {
        let f = firewall_rules(100);
        assert_eq!(f.matches(", ").count(), 100);
        assert!(f.ends_with("allow udp dst port 5678, deny all)"));
    }

    #[test]
    fn every_bench_config_builds_and_runs() {
        let all = configs();
        for config in &all {
            let copies = if config.copies { 2 } else { 1 };
            let text =
                config_text(config, &udp_frame(64), 1000, copies, 64, true).replace("@LEN@", "64");
            if config.timed {
                run_ours_timed(&text, 0.05).unwrap_or_else(|e| panic!("{}: {e}", config.name));
                continue;
            }
            time_once(&text).unwrap_or_else(|e| panic!("{}: {e}", config.name));
        }
    }
}
