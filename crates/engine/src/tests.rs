//! Engine tests with a small kit of test elements, independent of the
//! element library: configuration checks with their messages and
//! positions, push/pull resolution, dispatch, tasks on threads, handlers
//! and live reconfiguration.

use std::any::Any;
use std::collections::VecDeque;

use clickconf::args::Args;
use packet::{Packet, PacketBatch};

use crate::Simple;
use crate::element::{
    BuildContext, ConfigError, DropReason, Element, HandlerError, InitContext, Output,
    SimpleAction, TaskContext, TaskStatus, Verdict,
};
use crate::registry::Registry;
use crate::router::{Router, RunOptions};
use crate::spec::{ElementSpec, HandlerSpec, Processing};

/// Makes LIMIT one-byte packets numbered from 0, 256 per run; stops the
/// router at the end when STOP is true.
struct Src {
    limit: u64,
    made: u64,
    stop: bool,
}

impl Element for Src {
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), ConfigError> {
        if cx.output(0) == Processing::Push {
            cx.schedule_task();
        }
        Ok(())
    }
    fn run_task(&mut self, cx: &mut TaskContext<'_>, out: &mut Output) -> TaskStatus {
        if self.made >= self.limit {
            if self.stop {
                cx.stop_router();
            }
            return TaskStatus::Done;
        }
        let n = (self.limit - self.made).min(256);
        for _ in 0..n {
            out.emit(0, Packet::from_slice(&[self.made as u8]).expect("tiny"));
            self.made += 1;
        }
        TaskStatus::Worked
    }
    fn pull(
        &mut self,
        _port: usize,
        max: usize,
        _cx: &mut TaskContext<'_>,
        into: &mut PacketBatch,
        _out: &mut Output,
    ) {
        let n = (self.limit - self.made).min(max as u64);
        for _ in 0..n {
            into.push(Packet::from_slice(&[self.made as u8]).expect("tiny"));
            self.made += 1;
        }
    }
    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "made" => Ok(self.made.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn make_src(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let limit = args.read_mp::<u64>("LIMIT")?;
    let stop = args.read::<bool>("STOP")?.unwrap_or(false);
    Ok(Box::new(Src {
        limit,
        made: 0,
        stop,
    }))
}

/// Passes packets; odd first bytes go to output 1 when it exists, else are
/// dropped as "odd".
struct Split {
    seen: u64,
}

impl SimpleAction for Split {
    fn action(&mut self, p: &mut Packet) -> Verdict {
        self.seen += 1;
        if p.data().first().is_some_and(|b| b % 2 == 1) {
            Verdict::Out(1)
        } else {
            Verdict::Pass
        }
    }
    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "seen" => Ok(self.seen.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}

fn make_split(_args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    Ok(Simple::boxed(Split { seen: 0 }))
}

/// Counts and drops; in pull mode pulls with a task.
struct Sink {
    count: u64,
    batch: PacketBatch,
}

impl Element for Sink {
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), ConfigError> {
        if cx.input(0) == Processing::Pull {
            cx.schedule_task();
        }
        Ok(())
    }
    fn push(&mut self, _port: usize, batch: &mut PacketBatch, out: &mut Output) {
        self.count += batch.len() as u64;
        out.count_drops(DropReason(0), batch.len() as u64);
        batch.clear();
    }
    fn run_task(&mut self, cx: &mut TaskContext<'_>, out: &mut Output) -> TaskStatus {
        cx.pull_input(0, 64, &mut self.batch);
        if self.batch.is_empty() {
            return TaskStatus::Idle(None);
        }
        self.count += self.batch.len() as u64;
        out.count_drops(DropReason(0), self.batch.len() as u64);
        self.batch.clear();
        TaskStatus::Worked
    }
    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "count" => Ok(self.count.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn make_sink(_args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    Ok(Box::new(Sink {
        count: 0,
        batch: PacketBatch::new(),
    }))
}

/// A push-to-pull FIFO with a capacity.
struct Fifo {
    q: VecDeque<Packet>,
    cap: usize,
}

impl Element for Fifo {
    fn push(&mut self, _port: usize, batch: &mut PacketBatch, out: &mut Output) {
        for p in batch.drain() {
            if self.q.len() < self.cap {
                self.q.push_back(p);
            } else {
                out.drop(p, DropReason(0));
            }
        }
    }
    fn pull(
        &mut self,
        _port: usize,
        max: usize,
        _cx: &mut TaskContext<'_>,
        into: &mut PacketBatch,
        _out: &mut Output,
    ) {
        let n = max.min(self.q.len());
        into.extend(self.q.drain(..n));
    }
    fn held(&self) -> usize {
        self.q.len()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn make_fifo(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let cap = args.read_p::<usize>("CAPACITY")?.unwrap_or(1000);
    if cap == 0 {
        return Err(ConfigError::msg("CAPACITY must be positive"));
    }
    Ok(Box::new(Fifo {
        q: VecDeque::new(),
        cap,
    }))
}

/// Pulls and pushes (Unqueue).
struct Pump {
    batch: PacketBatch,
}

impl Element for Pump {
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), ConfigError> {
        cx.schedule_task();
        Ok(())
    }
    fn run_task(&mut self, cx: &mut TaskContext<'_>, out: &mut Output) -> TaskStatus {
        cx.pull_input(0, 256, &mut self.batch);
        if self.batch.is_empty() {
            return TaskStatus::Idle(None);
        }
        out.forward(0, &mut self.batch);
        TaskStatus::Worked
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn make_pump(_args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    Ok(Box::new(Pump {
        batch: PacketBatch::new(),
    }))
}

const SRC: ElementSpec = ElementSpec {
    class: "Src",
    ports: "0/1",
    processing: "a/a",
    source: "//! Src — test source.\n",
    drop_reasons: &[],
    handlers: &[HandlerSpec::read("made", "packets made")],
    configure_phase: crate::spec::ConfigurePhase::Default,
    make: make_src,
};
const SPLIT: ElementSpec = ElementSpec {
    class: "Split",
    ports: "1/1-2",
    processing: "a/ah",
    source: "//! Split — test splitter.\n",
    drop_reasons: &[],
    handlers: &[HandlerSpec::read("seen", "packets seen")],
    configure_phase: crate::spec::ConfigurePhase::Default,
    make: make_split,
};
const SINK: ElementSpec = ElementSpec {
    class: "Sink",
    ports: "1/0",
    processing: "a/a",
    source: "//! Sink — test sink.\n",
    drop_reasons: &["sunk"],
    handlers: &[HandlerSpec::read("count", "packets sunk")],
    configure_phase: crate::spec::ConfigurePhase::Default,
    make: make_sink,
};
const FIFO: ElementSpec = ElementSpec {
    class: "Fifo",
    ports: "1/1",
    processing: "h/l",
    source: "//! Fifo — test queue.\n",
    drop_reasons: &["full"],
    handlers: &[],
    configure_phase: crate::spec::ConfigurePhase::Default,
    make: make_fifo,
};
const PUMP: ElementSpec = ElementSpec {
    class: "Pump",
    ports: "1/1",
    processing: "l/h",
    source: "//! Pump — test unqueue.\n",
    drop_reasons: &[],
    handlers: &[],
    configure_phase: crate::spec::ConfigurePhase::Default,
    make: make_pump,
};

fn registry() -> Registry {
    let mut r = Registry::new();
    for spec in [SRC, SPLIT, SINK, FIFO, PUMP] {
        r.add(spec).expect("test specs parse");
    }
    r
}

fn build(text: &str) -> Router {
    Router::from_text("test.click", text, &registry()).unwrap_or_else(|e| panic!("{}", e.render()))
}

/// The rendered diagnostics of a configuration that must not build.
fn errors(text: &str) -> String {
    match Router::from_text("test.click", text, &registry()) {
        Ok(_) => panic!("configuration built but should not:\n{text}"),
        Err(e) => e.render(),
    }
}

#[test]
fn push_path_accounts_for_everything() {
    let r = build("s :: Src(1000, STOP true) -> sp :: Split -> k :: Sink;");
    r.run(&RunOptions::default());
    assert_eq!(r.read_handler("k.count").unwrap(), "500");
    assert_eq!(r.read_handler("sp.seen").unwrap(), "1000");
    let st = r.stats(r.find("sp").unwrap());
    assert_eq!(st.total_in(), 1000);
    // Output 1 is not connected, so odd packets have nowhere to go and are
    // counted as dropped by the engine.
    assert_eq!(st.output, vec![500]);
    assert_eq!(st.total_dropped(), 500);
}

#[test]
fn two_outputs_depth_first() {
    let r = build(
        "s :: Src(10, STOP true) -> sp :: Split; sp[0] -> even :: Sink; sp[1] -> odd :: Sink;",
    );
    r.run(&RunOptions::default());
    assert_eq!(r.read_handler("even.count").unwrap(), "5");
    assert_eq!(r.read_handler("odd.count").unwrap(), "5");
}

#[test]
fn pull_path_through_agnostic_elements() {
    let r = build("s :: Src(700) -> Fifo -> sp :: Split -> k :: Sink;");
    let mut st = r.stepper();
    st.run_until_idle();
    assert_eq!(r.read_handler("k.count").unwrap(), "350");
    let info = &r.elements()[r.find("sp").unwrap()];
    assert_eq!(info.inputs, vec![Processing::Pull]);
    assert_eq!(info.outputs, vec![Processing::Pull]);
}

#[test]
fn pull_source_and_pump() {
    // Src is agnostic: pulled by the pump, it makes packets on demand.
    let r = build("s :: Src(300) -> Pump -> k :: Sink;");
    let mut st = r.stepper();
    st.run_until_idle();
    assert_eq!(r.read_handler("k.count").unwrap(), "300");
}

#[test]
fn queue_between_threads() {
    let r = build(
        "s :: Src(100000) -> f :: Fifo(100000) -> Pump -> k :: Sink; t :: Src(50000, STOP false) -> k2 :: Sink;",
    );
    let stop = r.stop_handle();
    std::thread::scope(|scope| {
        scope.spawn(|| r.run(&RunOptions { threads: 2 }));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while r.read_handler("k.count").unwrap() != "100000" && std::time::Instant::now() < deadline
        {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    assert_eq!(r.read_handler("k.count").unwrap(), "100000");
    assert_eq!(r.read_handler("k2.count").unwrap(), "50000");
}

#[test]
fn run_ends_when_every_task_is_done() {
    let r = build("Src(5) -> k :: Sink; Src(7) -> k2 :: Sink;");
    r.run(&RunOptions { threads: 2 });
    assert_eq!(r.read_handler("k.count").unwrap(), "5");
    assert_eq!(r.read_handler("k2.count").unwrap(), "7");
}

#[test]
fn unknown_class_suggests() {
    let e = errors("Src(1) -> Snik;");
    assert!(e.contains("test.click:1:11"), "{e}");
    assert!(e.contains("Snik"), "{e}");
    assert!(e.contains("Sink"), "{e}");
}

#[test]
fn port_out_of_range() {
    let e = errors("s :: Src(1);\ns[1] -> Sink;");
    assert!(e.contains("test.click:2:1"), "{e}");
    assert!(e.contains("'s :: Src' has no output 1"), "{e}");
    let e = errors("s :: Src(1) -> sp :: Split;\nsp[0] -> Sink; sp[1] -> Sink;\nsp[2] -> Sink;");
    assert!(e.contains("test.click:3:1"), "{e}");
    assert!(e.contains("has no output 2"), "{e}");
}

#[test]
fn push_pull_mismatch() {
    let e = errors("Src(1) -> f :: Fifo -> k :: Sink;\nf2 :: Fifo;\nSrc(1) -> f2;\nf2 -> f;");
    assert!(e.contains("pull output 0 connected to"), "{e}");
    assert!(e.contains("push input 0"), "{e}");
    assert!(e.contains("test.click:4:1"), "{e}");
}

#[test]
fn unconnected_ports() {
    let e = errors("f :: Fifo -> Sink;");
    assert!(e.contains("'f :: Fifo' push input 0 not connected"), "{e}");
    assert!(e.contains("test.click:1:1"), "{e}");
}

#[test]
fn push_output_connected_twice() {
    let e = errors("s :: Src(1, STOP true);\ns -> Sink;\ns -> Sink;");
    assert!(
        e.contains("'s :: Src' push output 0 connected more than once"),
        "{e}"
    );
}

#[test]
fn pull_input_connected_twice() {
    let e = errors("f :: Fifo; g :: Fifo; Src(1) -> f; Src(1) -> g;\nf -> k :: Sink;\ng -> k;");
    assert!(
        e.contains("'k :: Sink' pull input 0 connected more than once"),
        "{e}"
    );
}

#[test]
fn bad_argument_points_into_the_configuration() {
    let e = errors("Src(1) -> Fifo(12x) -> Sink;");
    assert!(e.contains("test.click:1:16"), "{e}");
    let e = errors("Src(1) -> Fifo(0) -> Sink;");
    assert!(e.contains("CAPACITY must be positive"), "{e}");
    let e = errors("Src(1, BOGUS 3) -> Sink;");
    assert!(e.contains("BOGUS"), "{e}");
}

#[test]
fn every_error_is_reported_at_once() {
    let e = errors("Src(1) -> Fifo(x) -> Sink;\nSrc(2) -> Fifo(y) -> Sink;");
    assert!(
        e.contains("test.click:1:") && e.contains("test.click:2:"),
        "{e}"
    );
}

#[test]
fn generic_handlers() {
    let r = build("s :: Src(3) -> sp :: Split -> k :: Sink;");
    assert_eq!(r.read_handler("sp.class").unwrap(), "Split");
    assert_eq!(r.read_handler("sp.name").unwrap(), "sp");
    assert_eq!(r.read_handler("s.config").unwrap(), "3");
    let ports = r.read_handler("sp.ports").unwrap();
    assert!(
        ports.starts_with("1 input\npush\ts[0]\n1 output\npush\t[0]k\n"),
        "{ports}"
    );
    let handlers = r.read_handler("sp.handlers").unwrap();
    assert!(handlers.contains("seen\tr"), "{handlers}");
    assert!(matches!(
        r.read_handler("sp.nope"),
        Err(HandlerError::NoSuchHandler(_))
    ));
    assert!(matches!(
        r.read_handler("zz.class"),
        Err(HandlerError::NoSuchElement(_))
    ));
    assert!(matches!(
        r.write_handler("sp.seen", "1"),
        Err(HandlerError::NotWritable(_))
    ));
}

#[test]
fn reconfiguration_is_all_or_nothing() {
    let r = build("s :: Src(5) -> k :: Sink;");
    assert!(r.write_handler("s.config", "bogus").is_err());
    assert_eq!(r.read_handler("s.config").unwrap(), "5");
    r.write_handler("s.config", "9").unwrap();
    assert_eq!(r.read_handler("s.config").unwrap(), "9");
    r.stepper().run_until_idle();
    assert_eq!(r.read_handler("s.made").unwrap(), "9");
    assert_eq!(r.read_handler("k.count").unwrap(), "9");
}
