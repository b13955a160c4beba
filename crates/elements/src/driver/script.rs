//! Script — scripts a router: calls handlers, waits, tests, loops and stops.
//!
//! ## Synopsis
//! `Script([TYPE TYPE,] INSTRUCTIONS...)`
//!
//! ## Ports
//! None, except for `TYPE PACKET` scripts: any number of inputs (at least
//! one) and outputs; input 0 and output 0 agnostic, the others push.
//!
//! ## Description
//! Each argument is an instruction; the script runs them in order. Text
//! in instructions is expanded first: `$x` and `${x}` are script
//! variables, `$(HANDLER ARGS)` is the value of a read handler (of another
//! element, `e.h`, or of the script itself, `add 1 2`), `$?` the status of
//! the last `write` (0 or a negative error number), `$args`, `$1`…`$9`,
//! `$#` the arguments of a `run` call, `$0` the handler the script runs
//! as, `$write` whether that was a write, `$$` the process id. Expansions
//! inside single quotes are left alone; inside double quotes the value is
//! quoted.
//!
//! Instructions:
//! - `set VAR TEXT`, `setq VAR TEXT` (unquotes): set a variable.
//! - `init VAR TEXT`, `initq`, `export VAR [TEXT]`, `exportq`: set once,
//!   before the script first runs; `export` also makes a read handler VAR.
//! - `print [>FILE | >>FILE] TEXT|HANDLER`, `printq`, `printn` (no
//!   newline), `printnq`: print text, or a read handler's value when the
//!   argument starts with a letter, `@` or `_`, to standard output or FILE.
//! - `save HANDLER [FILE]`, `append HANDLER [FILE]`: a handler's value to
//!   FILE (`-`: standard output), replacing or appending.
//! - `read HANDLER [ARGS]`, `readq`: print `HANDLER:` and the value to
//!   standard error.
//! - `write HANDLER [ARGS]`, `writeq`: call a write handler; `$?` is its
//!   status.
//! - `pause [N]`, `wait_step [N]`, `wait_stop [N]`: wait for N steps (the
//!   `step` handler; for driver scripts, stop events).
//! - `wait TIME`, `wait_time TIME`, `wait_for TIME`: wait TIME seconds, or
//!   until a step. `wait` with no argument is `pause`.
//! - `label L`; `goto L [COND]` jumps when COND (a Boolean) is true or
//!   absent; `goto end|exit|stop|error|loop|begin` as the instructions.
//!   A script that jumps 1000 times without blocking is disabled.
//! - `loop`: back to the first instruction. `end`: end (a PACKET script
//!   sends the packet to output 0). `exit`: end (a PACKET script drops the
//!   packet). `stop`: end and ask the router to stop. `return [VALUE]`,
//!   `returnq`: end, VALUE being the `run` handler's value or a PACKET
//!   script's output port. `error [MSG]`, `errorq`: end with an error.
//!
//! Types: `ACTIVE` (default without ports) starts when the router starts;
//! `PASSIVE` runs when its `run` handler is called; `PACKET` (default with
//! ports) runs for each packet, `$input` being its input port; `PROXY`
//! runs when any handler other than Script's own is called, with `$0` the
//! handler's name; `DRIVER` is a `DriverManager`.
//!
//! ## Handlers
//! - `step` (write): step past N (default 1) blocking instructions.
//! - `goto` (write): jump to a label.
//! - `run` (read with arguments, write): run from the start; the value is
//!   that of `return`.
//! - `add`, `sub`, `min`, `max`, `mul`, `div`, `idiv`, `mod`, `rem`,
//!   `neg`, `abs` (read with arguments): arithmetic on integers, or on
//!   reals when an argument is not an integer.
//! - `eq`, `ne`, `lt`, `gt`, `le`, `ge` (read with arguments): compare
//!   numbers, or strings when either is not a number.
//! - `not`, `and`, `or`, `nand`, `nor`, `if`, `in` (read with arguments):
//!   Booleans, `if COND A B`, `in X LIST...`.
//! - `sprintf FORMAT ARGS...`, `first`, `length`, `unquote`, `random [N
//!   [M]]`, `now`, `readable H...`, `writable H...`, `htons`, `htonl`,
//!   `ntohs`, `ntohl`, `cat FILE`, `catq FILE`, `kill SIGNAL PID...` (read
//!   with arguments).
//! - `get VAR`, `shift [VAR]` (read with arguments), `set VAR VALUE`
//!   (write): script variables.
//! - `*`: a PROXY script's handlers, and the read handlers of `export`ed
//!   variables.
//!
//! ## Differences from Click
//! `TYPE SIGNAL` is not supported. `init` and `export` values are computed
//! when the script first runs or is first called, not when the router is
//! initialized. A PACKET script with pushed input runs in its task, one
//! scheduling round after the packets arrive (so that it can call other
//! elements' handlers); packets waiting count as held. PASSIVE and PROXY
//! scripts have no task, so a `wait TIME` in them waits for a step; an
//! ACTIVE script whose script has ended stops its task, so a later `goto`
//! runs up to its next `wait TIME` and no further. Global handlers are
//! `version`, `list` (read) and `stop` (write); `config`, `flatconfig`,
//! `classes`, `requirements` and `hotconfig` are not available. A script
//! calling one of its own handlers through the router (`s.step` from `s`)
//! gets them directly, except `run`, `step` and `goto` while it is
//! running, which are refused.
//!
//! ## Example
//! ```text
//! Script(set x 0, label l, print $x, set x $(add $x 1), goto l $(lt $x 5), stop)
//! s :: Script(TYPE PASSIVE, return $(add $(c1.count) $(c2.count)))
//! ```

use std::collections::VecDeque;
use std::io::Write;
use std::sync::Arc;

use clickconf::args::{ArgValue, Args, Seconds};
use engine::{
    BuildContext, Clock, ConfigError, Element, ElementSpec, HandlerAccess, HandlerError,
    HandlerSpec, InitContext, Output, Processing, TaskContext, TaskStatus,
};
use packet::{Packet, PacketBatch};

use super::{format_g, has_global, read_global, resolve_element, shift_word, write_global};

/// Script's handlers, shared with `DriverManager`.
pub(crate) const HANDLERS: &[HandlerSpec] = &[
    HandlerSpec::write("step", "step past N blocking instructions"),
    HandlerSpec::write("goto", "jump to a label"),
    HandlerSpec::read_write("run", "run the script; its return value"),
    HandlerSpec::read("add", "sum of the arguments"),
    HandlerSpec::read("sub", "first argument minus the others"),
    HandlerSpec::read("min", "smallest argument"),
    HandlerSpec::read("max", "largest argument"),
    HandlerSpec::read("mul", "product of the arguments"),
    HandlerSpec::read("div", "quotient (real)"),
    HandlerSpec::read("idiv", "quotient (integer)"),
    HandlerSpec::read("mod", "integer remainder"),
    HandlerSpec::read("rem", "real remainder"),
    HandlerSpec::read("neg", "negation"),
    HandlerSpec::read("abs", "absolute value"),
    HandlerSpec::read("eq", "A == B"),
    HandlerSpec::read("ne", "A != B"),
    HandlerSpec::read("gt", "A > B"),
    HandlerSpec::read("ge", "A >= B"),
    HandlerSpec::read("lt", "A < B"),
    HandlerSpec::read("le", "A <= B"),
    HandlerSpec::read("not", "Boolean negation"),
    HandlerSpec::read("sprintf", "formatted text"),
    HandlerSpec::read("first", "first word"),
    HandlerSpec::read("random", "random integer"),
    HandlerSpec::read("and", "conjunction"),
    HandlerSpec::read("or", "disjunction"),
    HandlerSpec::read("nand", "negated conjunction"),
    HandlerSpec::read("nor", "negated disjunction"),
    HandlerSpec::read("if", "IF COND A B"),
    HandlerSpec::read("in", "whether the first word is among the others"),
    HandlerSpec::read("now", "wall-clock time"),
    HandlerSpec::read("readable", "whether the handlers are readable"),
    HandlerSpec::read("writable", "whether the handlers are writable"),
    HandlerSpec::read("length", "length of the argument"),
    HandlerSpec::read("unquote", "argument without a layer of quotes"),
    HandlerSpec::read("htons", "byte-swapped 16-bit integer"),
    HandlerSpec::read("htonl", "byte-swapped 32-bit integer"),
    HandlerSpec::read("ntohs", "byte-swapped 16-bit integer"),
    HandlerSpec::read("ntohl", "byte-swapped 32-bit integer"),
    HandlerSpec::read("cat", "a file's contents"),
    HandlerSpec::read("catq", "a file's contents, quoted"),
    HandlerSpec::read("kill", "send a signal to processes"),
    HandlerSpec::read("get", "a variable's value"),
    HandlerSpec::write("set", "set a variable: VAR VALUE"),
    HandlerSpec::read("shift", "remove and return a variable's first word"),
    HandlerSpec::read_write("*", "PROXY handlers and exported variables"),
];

pub const SPEC: ElementSpec = ElementSpec {
    class: "Script",
    ports: "-/-",
    processing: "ah/ah",
    source: include_str!("script.rs"),
    drop_reasons: DROP_REASONS,
    handlers: HANDLERS,
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

pub(crate) const DROP_REASONS: &[&str] = &["bad port"];
const BAD_PORT: engine::DropReason = engine::DropReason(0);

/// Jumps without blocking after which a script is disabled.
const MAX_JUMPS: u32 = 1000;

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    Ok(Box::new(Script::configure(args, cx, None, "Script")?))
}

/// What starts a script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Active,
    Passive,
    Packet,
    Proxy,
    Driver,
}

/// Where a `goto` goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    At(usize),
    End,
    Exit,
    Stop,
    Error,
}

/// The instructions that assign a variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Assign {
    Set,
    Init,
    Export,
    Return,
}

#[derive(Clone, Debug)]
enum Insn {
    /// Consumes the first step of an ACTIVE or DRIVER script.
    Initial {
        pending: bool,
    },
    WaitStep {
        n: u32,
        done: u32,
    },
    WaitTime(String),
    Print {
        text: String,
        newline: bool,
        unquote: bool,
    },
    Read {
        text: String,
        unquote: bool,
    },
    Write {
        text: String,
        unquote: bool,
    },
    Assign {
        how: Assign,
        var: usize,
        text: String,
        unquote: bool,
    },
    Label(String),
    Goto {
        target: Target,
        cond: String,
    },
    End,
    Exit,
    Stop,
    Error {
        msg: String,
        unquote: bool,
    },
}

/// How a step was started (Click's step types).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StepKind {
    Normal,
    Router,
    Timer,
    Jump,
}

/// What a step needs from outside and what it leaves behind.
struct Env<'a> {
    handlers: &'a dyn HandlerAccess,
    errors: Vec<String>,
    /// `stop` instructions reached by steps other than router steps.
    stop_requests: u32,
    /// Print errors to standard error as they happen, under this context
    /// line (printed before the first), rather than collecting them.
    print: Option<String>,
}

impl<'a> Env<'a> {
    /// Collects errors (for handler calls, which return them).
    fn new(handlers: &'a dyn HandlerAccess) -> Env<'a> {
        Env {
            handlers,
            errors: Vec::new(),
            stop_requests: 0,
            print: None,
        }
    }
    /// Prints errors as they happen, as Click's driver does while running
    /// a script; `context` (if not empty) comes first, once.
    fn printing(handlers: &'a dyn HandlerAccess, context: String) -> Env<'a> {
        Env {
            print: Some(context),
            ..Env::new(handlers)
        }
    }
    fn error(&mut self, m: impl Into<String>) {
        let m = m.into();
        match &mut self.print {
            None => self.errors.push(m),
            Some(context) => {
                if context.is_empty() {
                    eprintln!("{m}");
                } else {
                    if !context.ends_with('\n') {
                        eprintln!("{context}");
                        context.push('\n');
                    }
                    eprintln!("  {m}");
                }
                // Counted, so that `print` knows an error happened.
                self.errors.push(String::new());
            }
        }
    }
}

/// Which handler a name in a script means.
enum Located {
    Local(String),
    Global(String),
    Remote(String),
}

/// The Script element, also the machinery of `DriverManager`.
pub struct Script {
    kind: Kind,
    class: &'static str,
    name: String,
    insns: Vec<Insn>,
    vars: Vec<(String, String)>,
    pos: usize,
    step_count: i64,
    write_status: i32,
    /// A `wait TIME` in progress: when it ends (monotonic ns).
    timer: Option<u64>,
    run_args: String,
    run_handler: String,
    run_write: bool,
    clock: Arc<dyn Clock>,
    /// Whether `init`/`export` values are computed.
    inited: bool,
    /// Whether the task has started the script.
    started: bool,
    /// Inside a step: handler calls that would re-enter are refused.
    running: bool,
    /// Steps asked for by `step` writes made while running.
    extra_steps: i64,
    /// Stop events waiting to step a driver script (its own `stop`s).
    router_steps: u32,
    /// Packets pushed into a PACKET script, waiting for its task.
    queue: VecDeque<(usize, Packet)>,
    noutputs: usize,
    rng: u64,
}

impl Script {
    /// Builds a script from its arguments; `default_kind` is `DRIVER` for
    /// `DriverManager`.
    pub(crate) fn configure(
        args: &mut Args,
        cx: &BuildContext,
        default_kind: Option<Kind>,
        class: &'static str,
    ) -> Result<Script, ConfigError> {
        let type_arg = args.read::<String>("TYPE")?;
        let has_ports = cx.ninputs > 0 || cx.noutputs > 0;
        let kind = match type_arg.as_deref().map(str::trim) {
            None | Some("") => default_kind.unwrap_or(if has_ports {
                Kind::Packet
            } else {
                Kind::Active
            }),
            Some("ACTIVE") => Kind::Active,
            Some("PASSIVE") => Kind::Passive,
            Some("PACKET") | Some("PUSH") => Kind::Packet,
            Some("PROXY") => Kind::Proxy,
            Some("DRIVER") => Kind::Driver,
            Some(t) if t.starts_with("SIGNAL") => {
                return Err(ConfigError::msg("TYPE SIGNAL is not supported"));
            }
            Some(_) => return Err(ConfigError::msg("bad TYPE")),
        };
        if kind == Kind::Packet && cx.ninputs == 0 {
            return Err(ConfigError::msg("PACKET script must have inputs"));
        }
        if kind != Kind::Packet && has_ports {
            return Err(ConfigError::msg("ports allowed only on PACKET scripts"));
        }
        let mut s = Script {
            kind,
            class,
            name: cx.name.clone(),
            insns: Vec::new(),
            vars: Vec::new(),
            pos: 0,
            step_count: 0,
            write_status: 0,
            timer: None,
            run_args: String::new(),
            run_handler: String::new(),
            run_write: false,
            clock: cx.clock.clone(),
            inited: false,
            started: false,
            running: false,
            extra_steps: 0,
            router_steps: 0,
            queue: VecDeque::new(),
            noutputs: cx.noutputs,
            rng: cx.clock.wall().0 | 1,
        };
        let mut errors = Vec::new();
        let mut goto_labels: Vec<(usize, String)> = Vec::new();
        for arg in args.rest() {
            let (name, rest) = shift_word(&arg.text);
            if name.is_empty() {
                continue;
            }
            let syntax =
                |errors: &mut Vec<String>| errors.push(format!("syntax error at '{name}'"));
            match name {
                "wait" | "pause" | "wait_step" | "wait_stop" | "wait_time" | "wait_for" => {
                    let time = matches!(name, "wait_time" | "wait_for")
                        || (name == "wait" && !rest.is_empty());
                    if time {
                        s.add(Insn::WaitTime(rest.to_string()));
                    } else if rest.is_empty() {
                        s.add(Insn::WaitStep { n: 1, done: 0 });
                    } else if let Ok(n) = u32::parse_arg(rest) {
                        s.add(Insn::WaitStep { n, done: 0 });
                    } else {
                        syntax(&mut errors);
                    }
                }
                "print" | "printq" | "printn" | "printnq" => s.add(Insn::Print {
                    text: rest.to_string(),
                    newline: !name.starts_with("printn"),
                    unquote: name.ends_with('q'),
                }),
                "save" | "append" => {
                    let (handler, file) = shift_word(rest);
                    let file = if file.is_empty() { "-" } else { file };
                    let redirect = if name == "save" { ">" } else { ">>" };
                    s.add(Insn::Print {
                        text: format!("{redirect}{file} {handler}"),
                        newline: true,
                        unquote: false,
                    });
                }
                "read" | "readq" => s.add(Insn::Read {
                    text: rest.to_string(),
                    unquote: name == "readq",
                }),
                "write" | "writeq" => s.add(Insn::Write {
                    text: rest.to_string(),
                    unquote: name == "writeq",
                }),
                "set" | "setq" | "init" | "initq" | "export" | "exportq" | "return" | "returnq" => {
                    let how = match name {
                        "set" | "setq" => Assign::Set,
                        "init" | "initq" => Assign::Init,
                        "export" | "exportq" => Assign::Export,
                        _ => Assign::Return,
                    };
                    let (var, text) = if how == Assign::Return {
                        ("_", rest)
                    } else {
                        shift_word(rest)
                    };
                    if var.is_empty() || (how == Assign::Set && text.is_empty()) {
                        syntax(&mut errors);
                        continue;
                    }
                    let var = s.find_variable(var, true);
                    s.add(Insn::Assign {
                        how,
                        var,
                        text: text.to_string(),
                        unquote: name.ends_with('q'),
                    });
                }
                "label" => {
                    let (label, more) = shift_word(rest);
                    if label.is_empty() || !more.is_empty() {
                        syntax(&mut errors);
                        continue;
                    }
                    s.add(Insn::Label(label.to_string()));
                }
                "goto" => {
                    let (label, cond) = shift_word(rest);
                    if label.is_empty() {
                        syntax(&mut errors);
                        continue;
                    }
                    s.add(Insn::Goto {
                        target: Target::At(0),
                        cond: cond.to_string(),
                    });
                    goto_labels.push((s.insns.len() - 1, label.to_string()));
                }
                "loop" | "end" | "exit" | "stop" => {
                    if !rest.is_empty() {
                        syntax(&mut errors);
                        continue;
                    }
                    s.add(match name {
                        "loop" => Insn::Goto {
                            target: Target::At(0),
                            cond: String::new(),
                        },
                        "end" => Insn::End,
                        "exit" => Insn::Exit,
                        _ => Insn::Stop,
                    });
                }
                "error" | "errorq" => s.add(Insn::Error {
                    msg: rest.to_string(),
                    unquote: name == "errorq",
                }),
                _ => syntax(&mut errors),
            }
        }
        for (at, label) in goto_labels {
            match s.find_label(&label) {
                Some(target) => {
                    if let Some(Insn::Goto { target: t, .. }) = s.insns.get_mut(at) {
                        *t = target;
                    }
                }
                None => errors.push(format!("no such label '{label}'")),
            }
        }
        if s.insns.is_empty() && kind == Kind::Driver {
            s.add(Insn::WaitStep { n: 1, done: 0 });
        }
        s.add(if kind == Kind::Driver {
            Insn::Stop
        } else {
            Insn::End
        });
        if !errors.is_empty() {
            return Err(ConfigError::msg(errors.join("; ")));
        }
        Ok(s)
    }

    fn add(&mut self, insn: Insn) {
        if self.insns.is_empty() && !matches!(insn, Insn::WaitStep { .. } | Insn::WaitTime(_)) {
            self.insns.push(Insn::Initial { pending: false });
        }
        self.insns.push(insn);
    }

    fn find_label(&self, label: &str) -> Option<Target> {
        if let Some(i) = self
            .insns
            .iter()
            .position(|x| matches!(x, Insn::Label(l) if l == label))
        {
            return Some(Target::At(i));
        }
        match label {
            "end" => Some(Target::End),
            "exit" => Some(Target::Exit),
            "stop" => Some(Target::Stop),
            "error" | "errorq" => Some(Target::Error),
            "begin" | "loop" => Some(Target::At(0)),
            _ => None,
        }
    }

    fn find_variable(&mut self, name: &str, add: bool) -> usize {
        if let Some(i) = self.vars.iter().position(|(n, _)| n == name) {
            return i;
        }
        if add {
            self.vars.push((name.to_string(), String::new()));
            self.vars.len() - 1
        } else {
            self.vars.len()
        }
    }

    fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Computes `init` and `export` values (Click does this when the
    /// router is initialized).
    fn ensure_init(&mut self, env: &mut Env<'_>) {
        if self.inited {
            return;
        }
        self.inited = true;
        for i in 0..self.insns.len() {
            if let Insn::Assign {
                how: Assign::Init | Assign::Export,
                var,
                text,
                unquote,
            } = self.insns[i].clone()
            {
                let mut v = self.expand(&text, false, env, 0);
                if unquote {
                    v = unquote_text(&v);
                }
                if let Some(slot) = self.vars.get_mut(var) {
                    slot.1 = v;
                }
            }
        }
    }

    /// Sets the script up for its first run (Click's initialize for
    /// ACTIVE and DRIVER scripts). Returns whether a driver script must be
    /// stepped now.
    fn start(&mut self, now: u64, env: &mut Env<'_>) -> bool {
        self.started = true;
        match self.insns.first().cloned() {
            Some(Insn::WaitTime(t)) => {
                let text = self.expand(&t, false, env, 0);
                match Seconds::parse_arg(text.trim()) {
                    Ok(d) => self.timer = Some(now.saturating_add(d.0.as_nanos() as u64)),
                    Err(_) => env.error("syntax error at 'wait'"),
                }
                false
            }
            Some(Insn::Initial { .. }) => {
                self.insns[0] = Insn::Initial { pending: true };
                if self.kind == Kind::Driver {
                    true
                } else {
                    self.timer = Some(now);
                    false
                }
            }
            _ => false,
        }
    }

    /// Runs instructions (Click's `Script::step`). Returns the jump count
    /// plus one and whether the script blocked (rather than ended).
    fn step(
        &mut self,
        nsteps: i64,
        kind: StepKind,
        mut njumps: u32,
        env: &mut Env<'_>,
    ) -> (u32, bool) {
        let nsteps = nsteps + self.step_count;
        self.running = true;
        let result = 'done: {
            while nsteps - self.step_count >= 0 && self.pos < self.insns.len() && njumps < MAX_JUMPS
            {
                let ipos = self.pos;
                self.pos += 1;
                match self.insns[ipos].clone() {
                    Insn::Stop => {
                        self.step_count += 1;
                        self.pos -= 1;
                        if kind != StepKind::Router {
                            env.stop_requests += 1;
                        }
                        break 'done (njumps + 1, false);
                    }
                    Insn::WaitStep { n, mut done } => {
                        while self.step_count < nsteps && done < n {
                            done += 1;
                            self.step_count += 1;
                        }
                        self.insns[ipos] = Insn::WaitStep { n, done };
                        if self.step_count == nsteps && done < n {
                            self.pos -= 1;
                            break 'done (njumps + 1, true);
                        }
                    }
                    Insn::WaitTime(t) => {
                        if self.step_count == nsteps {
                            let text = self.expand(&t, false, env, 0);
                            match Seconds::parse_arg(text.trim()) {
                                Ok(d) => {
                                    let now = self.clock.monotonic_ns();
                                    self.timer = Some(now.saturating_add(d.0.as_nanos() as u64));
                                    self.pos -= 1;
                                }
                                Err(_) => env.error("syntax error at 'wait'"),
                            }
                            break 'done (njumps + 1, true);
                        }
                        self.step_count += 1;
                        self.timer = None;
                    }
                    Insn::Initial { pending } => {
                        if pending {
                            self.step_count += 1;
                            self.insns[ipos] = Insn::Initial { pending: false };
                        }
                    }
                    Insn::Print {
                        text,
                        newline,
                        unquote,
                    } => self.print(&text, newline, unquote, env),
                    Insn::Read { text, unquote } => {
                        let call = self.expand(&text, false, env, 0);
                        if let Some((name, value)) = self.call_read(&call, unquote, true, env) {
                            eprint!("{name}:\n{value}\n");
                        }
                    }
                    Insn::Write { text, unquote } => {
                        let call = self.expand(&text, false, env, 0);
                        if let Some(status) = self.call_write(&call, unquote, env) {
                            self.write_status = status;
                        }
                    }
                    Insn::Assign {
                        how,
                        var,
                        text,
                        unquote,
                    } => {
                        if matches!(how, Assign::Set | Assign::Return) {
                            let mut v = self.expand(&text, false, env, 0);
                            if unquote {
                                v = unquote_text(&v);
                            }
                            if let Some(slot) = self.vars.get_mut(var) {
                                slot.1 = v;
                            }
                            if how == Assign::Return && self.pos == ipos + 1 {
                                self.pos -= 1;
                                break 'done (njumps + 1, true);
                            }
                        }
                    }
                    Insn::Label(_) => {}
                    Insn::Goto { target, cond } => {
                        let cond = self.expand(&cond, false, env, 0);
                        let cond = cond.trim();
                        let go = if cond.is_empty() {
                            Some(true)
                        } else {
                            bool::parse_arg(cond).ok()
                        };
                        match go {
                            None => env.error(format!("bad condition '{cond}'")),
                            Some(false) => {}
                            Some(true) => match target {
                                Target::At(i) => {
                                    for k in i..ipos {
                                        if let Insn::WaitStep { done, .. } = &mut self.insns[k] {
                                            *done = 0;
                                        }
                                    }
                                    self.pos = i;
                                }
                                _ => {
                                    self.pos -= 1;
                                    break 'done (njumps + 1, false);
                                }
                            },
                        }
                    }
                    Insn::Error { msg, unquote } => {
                        let mut m = self.expand(&msg, false, env, 0);
                        if unquote {
                            m = unquote_text(&m);
                        }
                        if !m.is_empty() {
                            env.error(m);
                        }
                        self.pos -= 1;
                        break 'done (njumps + 1, false);
                    }
                    Insn::End | Insn::Exit => {
                        self.pos -= 1;
                        break 'done (njumps + 1, false);
                    }
                }
                if self.pos != ipos + 1 {
                    njumps += 1;
                }
            }
            (njumps + 1, true)
        };
        self.running = false;
        if result.1 && result.0 > MAX_JUMPS {
            eprintln!("{} :: {}: too many jumps, giving up", self.name, self.class);
            self.pos = self.insns.len();
            self.timer = None;
        }
        result
    }

    /// The instruction the script stopped at, with `goto end` and the like
    /// read as the instruction they name.
    fn last_insn(&self) -> Option<Target> {
        match self.insns.get(self.pos)? {
            Insn::Goto { target, .. } => match target {
                Target::At(_) => None,
                t => Some(*t),
            },
            Insn::End => Some(Target::End),
            Insn::Exit => Some(Target::Exit),
            Insn::Stop => Some(Target::Stop),
            Insn::Error { .. } => Some(Target::Error),
            _ => None,
        }
    }

    /// Click's `complete_step`: the status (-1 error, 1 stop, 0 otherwise)
    /// and the return value.
    fn complete_step(&self) -> (i32, String) {
        let returned = matches!(
            self.insns.get(self.pos),
            Some(Insn::Assign {
                how: Assign::Return,
                ..
            })
        );
        let last = self.last_insn();
        let value = if returned {
            self.var("_").unwrap_or("").to_string()
        } else if last == Some(Target::End) && self.kind == Kind::Packet {
            "0".to_string()
        } else {
            String::new()
        };
        let status = match last {
            Some(Target::Error) => -1,
            Some(Target::Stop) => 1,
            _ => 0,
        };
        (status, value)
    }

    /// Whether the script has ended (at `end`, `exit`, `stop`, `error`, or
    /// disabled).
    fn ended(&self) -> bool {
        self.pos >= self.insns.len() || self.last_insn().is_some()
    }

    fn print(&mut self, text: &str, newline: bool, unquote: bool, env: &mut Env<'_>) {
        let mut text = text;
        let mut file: Option<(String, bool)> = None;
        if let Some(rest) = text.strip_prefix('>') {
            let (append, rest) = match rest.strip_prefix('>') {
                Some(r) => (true, r),
                None => (false, rest),
            };
            let (name, after) = shift_word(rest);
            if !name.is_empty() && name != "-" {
                file = Some((unquote_text(name), append));
            }
            text = after;
        }
        let before = env.errors.len();
        let mut result = String::new();
        let starts_handler = text
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'@' || b == b'_');
        if starts_handler {
            let call = self.expand(text, false, env, 0);
            if let Some((_, v)) = self.call_read(&call, unquote, true, env) {
                result = v;
            }
        } else {
            result = unquote_text(&self.expand(text, true, env, 0));
        }
        if env.errors.len() == before && !result.ends_with('\n') && newline {
            result.push('\n');
        }
        match file {
            None => {
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(result.as_bytes());
                let _ = out.flush();
            }
            Some((path, append)) => {
                let opened = std::fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .append(append)
                    .truncate(!append)
                    .open(&path);
                match opened {
                    Ok(mut f) => {
                        if let Err(e) = f.write_all(result.as_bytes()) {
                            env.error(format!("{path}: {e}"));
                        }
                    }
                    Err(e) => env.error(format!("{path}: {e}")),
                }
            }
        }
    }

    /// Click's `cp_expand` with the script's variables and handlers.
    fn expand(
        &mut self,
        config: &str,
        expand_quote: bool,
        env: &mut Env<'_>,
        depth: u32,
    ) -> String {
        if !config.contains('$') {
            return config.to_string();
        }
        let s = config.as_bytes();
        let end = s.len();
        let mut out = String::new();
        let mut uninterpolated = 0;
        let mut quote = 0u8;
        let mut i = 0;
        while i < end {
            match s[i] {
                b'\\' if i + 1 < end && quote == b'"' => {
                    i += 1;
                }
                b'\'' | b'"' => {
                    if quote == 0 {
                        quote = s[i];
                    } else if quote == s[i] {
                        quote = 0;
                    }
                }
                b'$' if i + 1 < end && quote != b'\'' && depth <= 10 => {
                    let before = i;
                    let (vtype, vname_raw, next, nested) = match s[i + 1] {
                        b'{' => {
                            let start = i + 2;
                            let Some(close) = config[start..].find('}') else {
                                break;
                            };
                            let v = &config[start..start + close];
                            (b'{', v, start + close + 1, v.contains('$'))
                        }
                        b'(' => {
                            let start = i + 2;
                            let mut level = 1;
                            let mut nq = 0u8;
                            let mut j = start;
                            let mut nested = false;
                            while j < end && level > 0 {
                                match s[j] {
                                    b'(' if nq == 0 => level += 1,
                                    b')' if nq == 0 => level -= 1,
                                    b'"' | b'\'' => {
                                        if nq == 0 {
                                            nq = s[j];
                                        } else if nq == s[j] {
                                            nq = 0;
                                        }
                                    }
                                    b'\\' if j + 1 < end && nq != b'\'' => j += 1,
                                    b'$' if nq != b'\'' => nested = true,
                                    _ => {}
                                }
                                j += 1;
                            }
                            if level > 0 || j == start {
                                break;
                            }
                            (b'(', &config[start..j - 1], j, nested)
                        }
                        c if c.is_ascii_alphanumeric() || c == b'_' => {
                            let start = i + 1;
                            let mut j = start;
                            while j < end && (s[j].is_ascii_alphanumeric() || s[j] == b'_') {
                                j += 1;
                            }
                            (b'a', &config[start..j], j, false)
                        }
                        b'?' | b'#' | b'$' => (b'a', &config[i + 1..i + 2], i + 2, false),
                        _ => {
                            i += 1;
                            continue;
                        }
                    };
                    out.push_str(&config[uninterpolated..before]);
                    let vname = if nested {
                        self.expand(vname_raw, false, env, depth + 1)
                    } else {
                        vname_raw.to_string()
                    };
                    let value = self.expand_var(&vname, vtype, env);
                    uninterpolated = next;
                    match value {
                        None => {
                            if nested {
                                out.push_str(&config[before..before + 2]);
                                out.push_str(&vname);
                                out.push_str(&config[next - 1..next]);
                            } else {
                                uninterpolated = before;
                            }
                        }
                        Some(text) => {
                            if quote == b'"' || (expand_quote && quote == 0) {
                                let q = clickconf::args::quote(text.as_bytes());
                                let inner = &q[1..q.len() - 1];
                                if quote == b'"' {
                                    out.push_str(inner);
                                } else {
                                    out.push('"');
                                    out.push_str(inner);
                                    out.push('"');
                                }
                            } else {
                                out.push_str(&text);
                            }
                        }
                    }
                    i = next;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        if out.is_empty() && uninterpolated == 0 {
            return config.to_string();
        }
        out.push_str(&config[uninterpolated.min(end)..]);
        out
    }

    fn expand_var(&mut self, vname: &str, vtype: u8, env: &mut Env<'_>) -> Option<String> {
        if vtype == b'(' {
            return self.call_read(vname, false, false, env).map(|(_, v)| v);
        }
        if let Some(v) = self.var(vname) {
            return Some(v.to_string());
        }
        match vname {
            "?" => Some(self.write_status.to_string()),
            "args" => Some(self.run_args.clone()),
            "$" => Some(std::process::id().to_string()),
            "0" => Some(self.run_handler.clone()),
            "#" => Some(
                clickconf::args::split_words(&self.run_args)
                    .len()
                    .to_string(),
            ),
            "write" => Some(self.run_write.to_string()),
            n if n
                .as_bytes()
                .first()
                .is_some_and(|b| (b'1'..=b'9').contains(b)) =>
            {
                let k: usize = n.parse().ok()?;
                let words = clickconf::args::split_words(&self.run_args);
                Some(words.get(k - 1).map(|w| w.to_string()).unwrap_or_default())
            }
            _ => None,
        }
    }

    /// Which handler `name` (as written in the script) means.
    fn locate(&self, name: &str, write: bool, env: &mut Env<'_>) -> Option<Located> {
        let op = if write { "write" } else { "read" };
        if let Some((element, handler)) = name.split_once('.') {
            let names = env.handlers.element_names();
            let Some(resolved) = resolve_element(&self.name, element, &names) else {
                env.error(format!("no element named '{element}'"));
                return None;
            };
            if resolved == self.name {
                if self.has_local(handler, write) {
                    return Some(Located::Local(handler.to_string()));
                }
                env.error(format!("no '{name}' {op} handler"));
                return None;
            }
            if env.handlers.has_handler(&resolved, handler, write) != Some(true) {
                env.error(format!("no '{name}' {op} handler"));
                return None;
            }
            return Some(Located::Remote(format!("{resolved}.{handler}")));
        }
        if self.has_local(name, write) {
            Some(Located::Local(name.to_string()))
        } else if has_global(name, write) {
            Some(Located::Global(name.to_string()))
        } else {
            env.error(format!("no '{name}' {op} handler"));
            None
        }
    }

    fn has_local(&self, name: &str, write: bool) -> bool {
        if self.kind == Kind::Proxy || (!write && self.is_export(name)) {
            return true;
        }
        HANDLERS
            .iter()
            .any(|h| h.name == name && h.name != "*" && if write { h.write } else { h.read })
    }

    fn is_export(&self, name: &str) -> bool {
        self.insns.iter().any(|x| {
            matches!(x, Insn::Assign { how: Assign::Export, var, .. }
                if self.vars.get(*var).is_some_and(|(n, _)| n == name))
        })
    }

    /// Calls a read handler given as `NAME ARGS`; returns the handler's
    /// full name and value (empty if the handler failed, with the error
    /// recorded under "While calling" when `context`), or `None` when there
    /// is no such handler.
    fn call_read(
        &mut self,
        call: &str,
        unquote: bool,
        context: bool,
        env: &mut Env<'_>,
    ) -> Option<(String, String)> {
        let (name, params) = shift_word(call.trim());
        let params = if unquote {
            unquote_text(params)
        } else {
            params.to_string()
        };
        let (full, result) = match self.locate(name, false, env)? {
            Located::Local(h) => (
                format!("{}.{h}", self.name),
                self.local_read(&h, &params, env),
            ),
            Located::Global(h) => {
                let v = read_global(&h, env.handlers)
                    .ok_or_else(|| HandlerError::NoSuchHandler(h.clone()));
                (h, v)
            }
            Located::Remote(full) => {
                let v = env.handlers.read_with(&full, &params);
                (full, v)
            }
        };
        match result {
            Ok(v) => Some((full, v)),
            Err(e) => {
                if context {
                    env.error(format!("While calling '{}':", call.trim()));
                    env.error(format!("  {e}"));
                } else {
                    env.error(e.to_string());
                }
                Some((full, String::new()))
            }
        }
    }

    /// Calls a write handler given as `NAME ARGS`; returns its status (0 or
    /// a negative error number), or `None` when there is no such handler.
    fn call_write(&mut self, call: &str, unquote: bool, env: &mut Env<'_>) -> Option<i32> {
        let (name, params) = shift_word(call.trim());
        let params = if unquote {
            unquote_text(params)
        } else {
            params.to_string()
        };
        let result = match self.locate(name, true, env)? {
            Located::Local(h) => self.local_write(&h, &params, env),
            Located::Global(h) => write_global(&h, &params, env.handlers)
                .unwrap_or_else(|| Err(HandlerError::NoSuchHandler(h.clone()))),
            Located::Remote(full) => env.handlers.write(&full, &params),
        };
        Some(match result {
            Ok(()) => 0,
            Err(e) => {
                env.error(format!("While calling '{}':", call.trim()));
                env.error(format!("  {e}"));
                -22
            }
        })
    }

    fn local_write(
        &mut self,
        name: &str,
        value: &str,
        env: &mut Env<'_>,
    ) -> Result<(), HandlerError> {
        match name {
            "step" | "goto" | "run" => self.step_handler(name, value, true, env).map(|_| ()),
            "set" => {
                let (var, v) = shift_word(value);
                if var.is_empty() {
                    return Err(HandlerError::BadValue("no variable".into()));
                }
                let i = self.find_variable(var, true);
                self.vars[i].1 = v.to_string();
                Ok(())
            }
            _ if self.kind == Kind::Proxy => self.step_handler(name, value, true, env).map(|_| ()),
            _ => Err(HandlerError::NoSuchHandler(name.to_string())),
        }
    }

    /// The `step`, `goto` and `run` handlers (and a PROXY script's).
    fn step_handler(
        &mut self,
        name: &str,
        data: &str,
        write: bool,
        env: &mut Env<'_>,
    ) -> Result<String, HandlerError> {
        let what = match name {
            "step" | "goto" | "run" => name,
            _ => "run",
        };
        if self.running {
            if what == "step" {
                let n = parse_steps(data)?.0;
                self.extra_steps += n;
                return Ok(String::new());
            }
            return Err(HandlerError::BadValue(format!(
                "'{name}' called while the script runs"
            )));
        }
        let (nsteps, kind) = match what {
            "goto" => {
                let label = clickconf::args::uncomment(data);
                let Some(Target::At(i)) = self.find_label(&label) else {
                    return Err(HandlerError::BadValue("jump to nonexistent label".into()));
                };
                for insn in &mut self.insns[i..] {
                    if let Insn::WaitStep { done, .. } = insn {
                        *done = 0;
                    }
                }
                self.pos = i;
                (0, StepKind::Jump)
            }
            "run" => {
                self.pos = 0;
                self.run_args = data.to_string();
                (0, StepKind::Jump)
            }
            _ => parse_steps(data)?,
        };
        self.run_handler = name.to_string();
        self.run_write = write;
        self.extra_steps = 0;
        let before = env.errors.len();
        let (mut n, mut k, mut njumps) = (nsteps, kind, 0);
        let mut blocked;
        loop {
            (njumps, blocked) = self.step(n, k, njumps, env);
            if self.extra_steps <= 0 {
                break;
            }
            n = std::mem::take(&mut self.extra_steps) - 1;
            k = StepKind::Normal;
        }
        if kind == StepKind::Router && !blocked && self.kind == Kind::Driver {
            // A router step that does not block stops the router.
            env.stop_requests += 1;
        }
        let (status, value) = self.complete_step();
        self.run_handler.clear();
        self.run_write = false;
        if status != 0 {
            self.run_args.clear();
        }
        if status < 0 || env.errors.len() > before {
            let errors: Vec<String> = env.errors.drain(before..).collect();
            return Err(HandlerError::BadValue(if errors.is_empty() {
                "script error".to_string()
            } else {
                errors.join("\n")
            }));
        }
        Ok(value)
    }

    fn local_read(
        &mut self,
        name: &str,
        param: &str,
        env: &mut Env<'_>,
    ) -> Result<String, HandlerError> {
        let bad = |m: &str| Err(HandlerError::BadValue(m.to_string()));
        match name {
            "run" => self.step_handler("run", param, false, env),
            "add" | "sub" | "min" | "max" | "mul" | "div" | "idiv" => arithmetic(name, param),
            "mod" | "rem" => {
                let w = clickconf::args::split_words(param);
                if w.len() != 2 {
                    return bad("expected two numbers");
                }
                match (i64::parse_arg(w[0]), i64::parse_arg(w[1])) {
                    (Ok(a), Ok(b)) => {
                        if b == 0 {
                            return bad("division by zero");
                        }
                        Ok(a.wrapping_rem(b).to_string())
                    }
                    _ if name == "rem" => match (f64::parse_arg(w[0]), f64::parse_arg(w[1])) {
                        (Ok(a), Ok(b)) => Ok(format_g(a % b, 12)),
                        _ => bad("expected two numbers"),
                    },
                    _ => bad("expected two numbers"),
                }
            }
            "neg" | "abs" => {
                let t = param.trim();
                if let Ok(x) = i64::parse_arg(t) {
                    Ok(if name == "neg" || x < 0 {
                        x.wrapping_neg()
                    } else {
                        x
                    }
                    .to_string())
                } else if let Ok(x) = f64::parse_arg(t) {
                    Ok(format_g(if name == "neg" { -x } else { x.abs() }, 12))
                } else {
                    bad("expected one number")
                }
            }
            "eq" | "ne" | "lt" | "gt" | "le" | "ge" => {
                let w = clickconf::args::split_words(param);
                if w.len() != 2 {
                    return bad("expected two numbers");
                }
                let ord = match (i64::parse_arg(w[0]), i64::parse_arg(w[1])) {
                    (Ok(a), Ok(b)) => Some(a.cmp(&b)),
                    _ => match (f64::parse_arg(w[0]), f64::parse_arg(w[1])) {
                        (Ok(a), Ok(b)) => a.partial_cmp(&b),
                        _ => Some(unquote_text(w[0]).cmp(&unquote_text(w[1]))),
                    },
                };
                use std::cmp::Ordering::*;
                let r = matches!(
                    (name, ord),
                    ("eq", Some(Equal))
                        | ("ne", Some(Less | Greater) | None)
                        | ("lt", Some(Less))
                        | ("gt", Some(Greater))
                        | ("le", Some(Less | Equal))
                        | ("ge", Some(Greater | Equal))
                );
                Ok(r.to_string())
            }
            "not" => match bool::parse_arg(param.trim()) {
                Ok(b) => Ok((!b).to_string()),
                Err(_) => bad("syntax error"),
            },
            "and" | "or" | "nand" | "nor" => {
                let zero = matches!(name, "and" | "nand");
                let mut value = zero;
                for w in clickconf::args::split_words(param) {
                    if value != zero {
                        break;
                    }
                    let Ok(x) = bool::parse_arg(w) else {
                        return bad("syntax error");
                    };
                    value = if zero { value && x } else { value || x };
                }
                if matches!(name, "nand" | "nor") {
                    value = !value;
                }
                Ok(value.to_string())
            }
            "if" => {
                let w = clickconf::args::split_words(param);
                let Some(Ok(c)) = w.first().map(|x| bool::parse_arg(x)) else {
                    return bad("syntax error");
                };
                let pick = if c { w.get(1) } else { w.get(2) };
                Ok(pick.map(|x| x.to_string()).unwrap_or_default())
            }
            "in" => {
                let w = clickconf::args::split_words(param);
                let Some(first) = w.first() else {
                    return Ok("false".into());
                };
                let x = unquote_text(first);
                Ok(w[1..].iter().any(|y| unquote_text(y) == x).to_string())
            }
            "first" => Ok(shift_word(param).0.to_string()),
            "length" => Ok(param.len().to_string()),
            "unquote" => Ok(unquote_text(param)),
            "now" => {
                let t = self.clock.wall().0;
                Ok(format!("{}.{:09}", t / 1_000_000_000, t % 1_000_000_000))
            }
            "random" => {
                let w = clickconf::args::split_words(param);
                let mut next = || {
                    self.rng ^= self.rng << 13;
                    self.rng ^= self.rng >> 7;
                    self.rng ^= self.rng << 17;
                    self.rng
                };
                match w.as_slice() {
                    [] => Ok((next() % 0x8000_0000).to_string()),
                    [n] => match u32::parse_arg(n) {
                        Ok(n) if n > 0 => Ok((next() % u64::from(n)).to_string()),
                        _ => bad("bad N"),
                    },
                    [a, b] => match (u32::parse_arg(a), u32::parse_arg(b)) {
                        (Ok(a), Ok(b)) if b >= a => {
                            let span = u64::from(b - a) + 1;
                            Ok((u64::from(a) + next() % span).to_string())
                        }
                        _ => bad("bad N"),
                    },
                    _ => bad("too many arguments"),
                }
            }
            "readable" | "writable" => {
                let write = name == "writable";
                for h in clickconf::args::split_words(param) {
                    let ok = match h.split_once('.') {
                        Some((e, hh)) => {
                            let names = env.handlers.element_names();
                            match resolve_element(&self.name, e, &names) {
                                Some(r) if r == self.name => self.has_local(hh, write),
                                Some(r) => env.handlers.has_handler(&r, hh, write) == Some(true),
                                None => false,
                            }
                        }
                        None => self.has_local(h, write) || has_global(h, write),
                    };
                    if !ok {
                        return Ok("false".into());
                    }
                }
                Ok("true".into())
            }
            "htons" | "ntohs" | "htonl" | "ntohl" => {
                let Ok(x) = i64::parse_arg(param.trim()) else {
                    return bad("syntax error");
                };
                let v = if name.ends_with('s') {
                    i64::from((x as u16).swap_bytes())
                } else {
                    i64::from((x as u32).swap_bytes())
                };
                Ok(v.to_string())
            }
            "cat" | "catq" => {
                let path = unquote_text(param.trim());
                match std::fs::read(&path) {
                    Ok(bytes) => {
                        if name == "catq" {
                            Ok(clickconf::args::quote(&bytes))
                        } else {
                            Ok(String::from_utf8_lossy(&bytes).into_owned())
                        }
                    }
                    Err(e) => Err(HandlerError::BadValue(format!("{path}: {e}"))),
                }
            }
            "kill" => {
                let (sig, rest) = shift_word(param);
                let Some(signo) = signal_number(sig) else {
                    return bad("bad SIGNO");
                };
                for pid in clickconf::args::split_words(rest) {
                    let Ok(pid) = i32::parse_arg(pid) else {
                        return bad("bad PID");
                    };
                    // SAFETY: kill(2) takes two integers and touches no memory.
                    if unsafe { libc::kill(pid, signo) } != 0 {
                        let e = std::io::Error::last_os_error();
                        return Err(HandlerError::BadValue(format!("kill({pid}, {signo}): {e}")));
                    }
                }
                Ok(String::new())
            }
            "sprintf" => sprintf(param),
            "get" | "shift" => {
                let (var, more) = shift_word(param);
                let var = if var.is_empty() && name == "shift" {
                    "args"
                } else {
                    var
                };
                if var.is_empty() {
                    return bad("no variable");
                }
                if name == "get" && !more.is_empty() {
                    return bad("too many arguments");
                }
                let slot: &mut String = if var == "args" {
                    &mut self.run_args
                } else {
                    let i = self.find_variable(var, false);
                    match self.vars.get_mut(i) {
                        Some((_, v)) => v,
                        None => return bad(&format!("undefined variable '{var}'")),
                    }
                };
                if name == "get" {
                    Ok(slot.clone())
                } else {
                    let (first, rest) = shift_word(slot);
                    let (first, rest) = (first.to_string(), rest.to_string());
                    *slot = rest;
                    Ok(first)
                }
            }
            _ if self.is_export(name) => Ok(self.var(name).unwrap_or("").to_string()),
            _ if self.kind == Kind::Proxy => self.step_handler(name, param, false, env),
            _ => Err(HandlerError::NoSuchHandler(name.to_string())),
        }
    }

    /// Prints errors a step left, as Click's driver does.
    fn report(&self, errors: &[String], context: bool) {
        if errors.is_empty() {
            return;
        }
        let mut s = String::new();
        if context {
            s.push_str(&format!(
                "While executing '{} :: {}':\n",
                self.name, self.class
            ));
        }
        for e in errors {
            if context {
                s.push_str("  ");
            }
            s.push_str(e);
            s.push('\n');
        }
        eprint!("{s}");
    }

    /// Runs the script for one packet; the output port, if any.
    fn run_packet(&mut self, port: usize, env: &mut Env<'_>) -> Option<usize> {
        let i = self.find_variable("input", true);
        self.vars[i].1 = port.to_string();
        self.pos = 0;
        self.step(0, StepKind::Jump, 0, env);
        let (_, value) = self.complete_step();
        usize::parse_arg(value.trim()).ok()
    }

    fn context(&self) -> String {
        format!("While executing '{} :: {}':", self.name, self.class)
    }

    fn task_active(&mut self, cx: &mut TaskContext<'_>) -> TaskStatus {
        let now = cx.clock().monotonic_ns();
        let context = self.context();
        let mut env = Env::printing(cx.handlers(), context);
        self.ensure_init(&mut env);
        if !self.started {
            self.start(now, &mut env);
        }
        if self.timer.is_some_and(|t| t <= now) {
            self.timer = None;
            self.step(1, StepKind::Timer, 0, &mut env);
        }
        let stops = env.stop_requests;
        for _ in 0..stops {
            cx.stop_event();
        }
        match self.timer {
            Some(t) => TaskStatus::Idle(Some(t)),
            None if self.ended() => TaskStatus::Done,
            None => TaskStatus::Idle(None),
        }
    }

    fn task_driver(&mut self, cx: &mut TaskContext<'_>) -> TaskStatus {
        let now = cx.clock().monotonic_ns();
        let events = cx.take_stop_events();
        let handlers = cx.handlers();
        let mut router_steps = std::mem::take(&mut self.router_steps);
        {
            // Errors while the router initializes or a timer fires carry
            // the element's context; router steps print them plainly.
            let mut env = Env::printing(handlers, self.context());
            self.ensure_init(&mut env);
            if !self.started && self.start(now, &mut env) {
                router_steps += 1;
            }
            if self.timer.is_some_and(|t| t <= now) {
                self.timer = None;
                let mut env = Env::printing(handlers, self.context());
                self.step(1, StepKind::Timer, 0, &mut env);
                router_steps += env.stop_requests;
            }
            router_steps += env.stop_requests;
        }
        router_steps += events;
        let mut stop = false;
        for _ in 0..router_steps {
            let mut env = Env::printing(handlers, String::new());
            let (_, blocked) = self.step(1, StepKind::Router, 0, &mut env);
            if !blocked {
                stop = true;
                break;
            }
        }
        if stop {
            cx.stop_router();
            return TaskStatus::Done;
        }
        TaskStatus::Idle(self.timer)
    }

    fn task_packets(&mut self, cx: &mut TaskContext<'_>, out: &mut Output) -> TaskStatus {
        if self.queue.is_empty() {
            return TaskStatus::Idle(None);
        }
        let handlers = cx.handlers();
        let mut stops = 0;
        let mut n = 0;
        while let Some((port, p)) = self.queue.pop_front() {
            let mut env = Env::printing(handlers, self.context());
            self.ensure_init(&mut env);
            let to = self.run_packet(port, &mut env);
            stops += env.stop_requests;
            match to {
                Some(o) if o < self.noutputs => out.emit(o, p),
                _ => out.drop(p, BAD_PORT),
            }
            n += 1;
            if n == 256 {
                break;
            }
        }
        for _ in 0..stops {
            cx.stop_event();
        }
        TaskStatus::Worked
    }
}

/// Parses a `step` handler's value: `router`, empty, or a count.
fn parse_steps(data: &str) -> Result<(i64, StepKind), HandlerError> {
    let d = clickconf::args::uncomment(data);
    match d.as_str() {
        "router" => Ok((1, StepKind::Router)),
        "" => Ok((1, StepKind::Normal)),
        n => i64::parse_arg(n)
            .map(|n| (n, StepKind::Normal))
            .map_err(|_| HandlerError::BadValue("syntax error".into())),
    }
}

/// Removes one layer of quoting; text that does not unquote stays as is.
fn unquote_text(text: &str) -> String {
    match clickconf::args::unquote(text) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(_) => text.to_string(),
    }
}

fn signal_number(name: &str) -> Option<i32> {
    let n = match name {
        "ABRT" => libc::SIGABRT,
        "ALRM" => libc::SIGALRM,
        "HUP" => libc::SIGHUP,
        "INT" => libc::SIGINT,
        "IO" => libc::SIGIO,
        "PIPE" => libc::SIGPIPE,
        "QUIT" => libc::SIGQUIT,
        "TERM" => libc::SIGTERM,
        "TSTP" => libc::SIGTSTP,
        "USR1" => libc::SIGUSR1,
        "USR2" => libc::SIGUSR2,
        n => i32::parse_arg(n).ok().filter(|&s| (0..=32).contains(&s))?,
    };
    Some(n)
}

/// `add`, `sub`, `min`, `max`, `mul`, `div`, `idiv`: integers while every
/// argument is one (and not dividing), reals otherwise.
fn arithmetic(what: &str, param: &str) -> Result<String, HandlerError> {
    let unit = matches!(what, "add" | "sub");
    let mut accum: i64 = if unit { 0 } else { 1 };
    let mut daccum: f64 = accum as f64;
    let mut real = matches!(what, "div" | "idiv");
    let mut first = true;
    for word in clickconf::args::split_words(param) {
        let int = if real {
            None
        } else {
            i64::parse_arg(word).ok()
        };
        if int.is_none() && !real {
            real = true;
            daccum = accum as f64;
        }
        if real {
            let Ok(x) = f64::parse_arg(word) else {
                return Err(HandlerError::BadValue("expected list of numbers".into()));
            };
            daccum = if first {
                x
            } else {
                match what {
                    "add" => daccum + x,
                    "sub" => daccum - x,
                    "min" => daccum.min(x),
                    "max" => daccum.max(x),
                    "mul" => daccum * x,
                    _ => daccum / x,
                }
            };
        } else if let Some(x) = int {
            accum = if first {
                x
            } else {
                match what {
                    "add" => accum.wrapping_add(x),
                    "sub" => accum.wrapping_sub(x),
                    "min" => accum.min(x),
                    "max" => accum.max(x),
                    _ => accum.wrapping_mul(x),
                }
            };
        }
        first = false;
    }
    if what == "idiv" {
        return Ok((daccum as i64).to_string());
    }
    Ok(if real {
        format_g(daccum, 12)
    } else {
        accum.to_string()
    })
}

/// The `sprintf` handler: `%d %i %u %o %x %X %s %%` with flags, width and
/// precision.
fn sprintf(param: &str) -> Result<String, HandlerError> {
    let err = || HandlerError::BadValue("syntax error".into());
    let (format, rest) = shift_word(param);
    let format = unquote_text(format);
    let mut args = clickconf::args::split_words(rest).into_iter();
    let f = format.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < f.len() {
        if f[i] != b'%' {
            let start = i;
            while i < f.len() && f[i] != b'%' {
                i += 1;
            }
            out.push_str(&format[start..i]);
            continue;
        }
        i += 1;
        let mut flags = String::new();
        while i < f.len() && matches!(f[i], b'0' | b'#' | b'-' | b' ' | b'+') {
            flags.push(f[i] as char);
            i += 1;
        }
        let mut width = 0usize;
        if i < f.len() && f[i] == b'*' {
            width = args
                .next()
                .and_then(|a| usize::parse_arg(a).ok())
                .ok_or_else(err)?;
            i += 1;
        } else {
            while i < f.len() && f[i].is_ascii_digit() {
                width = width * 10 + usize::from(f[i] - b'0');
                i += 1;
            }
        }
        let mut precision: Option<usize> = None;
        if i < f.len() && f[i] == b'.' {
            i += 1;
            let mut p = 0;
            if i < f.len() && f[i] == b'*' {
                p = args
                    .next()
                    .and_then(|a| usize::parse_arg(a).ok())
                    .ok_or_else(err)?;
                i += 1;
            } else {
                while i < f.len() && f[i].is_ascii_digit() {
                    p = p * 10 + usize::from(f[i] - b'0');
                    i += 1;
                }
            }
            precision = Some(p);
        }
        while i < f.len() && matches!(f[i], b'h' | b'l' | b'L' | b'q') {
            i += 1;
        }
        let Some(&conv) = f.get(i) else {
            return Err(err());
        };
        i += 1;
        let left = flags.contains('-');
        let zero = flags.contains('0') && !left;
        let (body, sign) = match conv {
            b'%' => {
                out.push('%');
                continue;
            }
            b'd' | b'i' => {
                let v = args
                    .next()
                    .and_then(|a| i64::parse_arg(a).ok())
                    .ok_or_else(err)?;
                let sign = if v < 0 {
                    "-"
                } else if flags.contains('+') {
                    "+"
                } else if flags.contains(' ') {
                    " "
                } else {
                    ""
                };
                (v.unsigned_abs().to_string(), sign)
            }
            b'u' | b'o' | b'x' | b'X' => {
                let a = args.next().ok_or_else(err)?;
                let v = u64::parse_arg(a)
                    .or_else(|_| i64::parse_arg(a).map(|x| x as u64))
                    .map_err(|_| err())?;
                let alt = flags.contains('#') && v != 0;
                let s = match conv {
                    b'u' => v.to_string(),
                    b'o' => format!("{}{v:o}", if alt { "0" } else { "" }),
                    b'x' => format!("{}{v:x}", if alt { "0x" } else { "" }),
                    _ => format!("{}{v:X}", if alt { "0X" } else { "" }),
                };
                (s, "")
            }
            b's' => {
                let a = args.next().ok_or_else(err)?;
                let mut s = unquote_text(a);
                if let Some(p) = precision {
                    s = s.chars().take(p).collect();
                }
                (s, "")
            }
            _ => return Err(err()),
        };
        let mut body = body;
        if conv != b's'
            && let Some(p) = precision
            && body.len() < p
        {
            body = format!("{}{body}", "0".repeat(p - body.len()));
        }
        let len = body.len() + sign.len();
        let pad = width.saturating_sub(len);
        if left {
            out.push_str(sign);
            out.push_str(&body);
            out.push_str(&" ".repeat(pad));
        } else if zero && precision.is_none() && conv != b's' {
            out.push_str(sign);
            out.push_str(&"0".repeat(pad));
            out.push_str(&body);
        } else {
            out.push_str(&" ".repeat(pad));
            out.push_str(sign);
            out.push_str(&body);
        }
    }
    if args.next().is_some() {
        return Err(err());
    }
    Ok(out)
}

impl Element for Script {
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), ConfigError> {
        match self.kind {
            Kind::Active => cx.schedule_task(),
            Kind::Driver => {
                cx.schedule_task();
                cx.manage_stops();
            }
            Kind::Packet => {
                if (0..cx.ninputs()).any(|p| cx.input(p) == Processing::Push) {
                    cx.schedule_task();
                }
            }
            Kind::Passive | Kind::Proxy => {}
        }
        Ok(())
    }

    fn push(&mut self, port: usize, batch: &mut PacketBatch, _out: &mut Output) {
        for p in batch.drain() {
            self.queue.push_back((port, p));
        }
    }

    fn pull(
        &mut self,
        _port: usize,
        max: usize,
        cx: &mut TaskContext<'_>,
        into: &mut PacketBatch,
        out: &mut Output,
    ) {
        let mut got = PacketBatch::new();
        cx.pull_input(0, max, &mut got);
        if got.is_empty() {
            return;
        }
        let handlers = cx.handlers();
        let mut stops = 0;
        for p in got.drain() {
            let mut env = Env::printing(handlers, self.context());
            self.ensure_init(&mut env);
            let to = self.run_packet(0, &mut env);
            stops += env.stop_requests;
            match to {
                Some(0) => into.push(p),
                Some(o) if o < self.noutputs => out.emit(o, p),
                _ => out.drop(p, BAD_PORT),
            }
        }
        for _ in 0..stops {
            cx.stop_event();
        }
    }

    fn run_task(&mut self, cx: &mut TaskContext<'_>, out: &mut Output) -> TaskStatus {
        match self.kind {
            Kind::Active => self.task_active(cx),
            Kind::Driver => self.task_driver(cx),
            Kind::Packet => self.task_packets(cx, out),
            Kind::Passive | Kind::Proxy => TaskStatus::Done,
        }
    }

    fn read_handler_with(
        &mut self,
        name: &str,
        param: &str,
        handlers: &dyn HandlerAccess,
    ) -> Result<String, HandlerError> {
        let mut env = Env::new(handlers);
        self.ensure_init(&mut env);
        if !self.has_local(name, false) {
            return Err(HandlerError::NoSuchHandler(name.to_string()));
        }
        let r = self.local_read(name, param, &mut env);
        self.after_handler(&mut env);
        r
    }

    fn write_handler_with(
        &mut self,
        name: &str,
        value: &str,
        handlers: &dyn HandlerAccess,
    ) -> Result<(), HandlerError> {
        let mut env = Env::new(handlers);
        self.ensure_init(&mut env);
        if !self.has_local(name, true) {
            return Err(HandlerError::NoSuchHandler(name.to_string()));
        }
        let r = self.local_write(name, value, &mut env);
        self.after_handler(&mut env);
        r
    }

    fn held(&self) -> usize {
        self.queue.len()
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl Script {
    /// After a handler call: stop requests go to the router (a driver
    /// script's own to its next task run), leftover errors to standard
    /// error.
    fn after_handler(&mut self, env: &mut Env<'_>) {
        let stops = std::mem::take(&mut env.stop_requests);
        if self.kind == Kind::Driver {
            self.router_steps += stops;
        } else {
            for _ in 0..stops {
                env.handlers.request_stop();
            }
        }
        let errors = std::mem::take(&mut env.errors);
        self.report(&errors, true);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use engine::{ManualClock, Router, RunOptions};

    use super::*;
    use crate::standard::null::harness::Harness;

    fn temp_file(name: &str) -> std::path::PathBuf {
        let p = std::env::temp_dir().join(format!("yard-script-{}-{name}", std::process::id()));
        let _ = std::fs::remove_file(&p);
        p
    }

    fn build_error(config: &str) -> String {
        match Harness::try_new(config) {
            Ok(_) => panic!("{config}: builds"),
            Err(e) => e,
        }
    }

    #[test]
    fn bad_scripts_are_configuration_errors() {
        assert!(build_error("Script(frobnicate 1)").contains("syntax error at 'frobnicate'"));
        assert!(build_error("Script(goto nowhere)").contains("no such label 'nowhere'"));
        assert!(build_error("Script(TYPE BOGUS)").contains("bad TYPE"));
        assert!(build_error("Script(TYPE SIGNAL INT)").contains("not supported"));
        assert!(build_error("Script(set x)").contains("syntax error at 'set'"));
        assert!(build_error("Script(label a b)").contains("syntax error at 'label'"));
        assert!(build_error("Script(end now)").contains("syntax error at 'end'"));
        assert!(build_error("Script(pause x)").contains("syntax error at 'pause'"));
        assert!(
            build_error("Idle -> Script(TYPE PASSIVE) -> Discard")
                .contains("ports allowed only on PACKET scripts")
        );
        assert!(
            build_error("DriverManager(stop); Script(TYPE DRIVER)")
                .contains("more than one driver script")
        );
    }

    #[test]
    fn handlers_compute_with_arguments() {
        let h = Harness::new("s :: Script(TYPE PASSIVE, return $(add $1 $2), export v 7)");
        let r = &h.router;
        let read = |name: &str, arg: &str| r.read_handler_with(name, arg).unwrap();
        assert_eq!(read("s.add", "1 2 3"), "6");
        assert_eq!(read("s.sub", "10 3 2"), "5");
        assert_eq!(read("s.mul", "2 2.5"), "5");
        assert_eq!(read("s.div", "10 4"), "2.5");
        assert_eq!(read("s.idiv", "10 4"), "2");
        assert_eq!(read("s.mod", "10 4"), "2");
        assert_eq!(read("s.eq", "10 0xA"), "true");
        assert_eq!(read("s.lt", "abc abd"), "true");
        assert_eq!(read("s.if", "false a b"), "b");
        assert_eq!(
            read("s.sprintf", "\"%5.2s|%-3x|%03d\" abc 255 -7"),
            "   ab|ff |-07"
        );
        assert_eq!(read("s.run", "4 5"), "9");
        assert_eq!(read("s.v", ""), "7");
        assert!(r.read_handler_with("s.add", "1 x").is_err());
        assert!(r.read_handler_with("s.mod", "1").is_err());
        assert!(r.read_handler_with("s.nothing", "").is_err());
        r.write_handler("s.set", "w hello world").unwrap();
        assert_eq!(read("s.get", "w"), "hello world");
        assert_eq!(read("s.shift", "w"), "hello");
        assert_eq!(read("s.get", "w"), "world");
        assert!(r.read_handler_with("s.get", "undefined_var").is_err());
        assert!(r.write_handler("s.goto", "nowhere").is_err());
        assert!(r.write_handler("s.step", "x").is_err());
        // Generic handlers still work, and `*` is not listed.
        assert!(!h.read("s.handlers").contains('*'));
    }

    #[test]
    fn waits_follow_the_clock_and_steps() {
        let out = temp_file("waits");
        let config = format!(
            "s :: Script(print >>{o} \"a\", wait 1, print >>{o} \"b\", pause, print >>{o} \"c\", stop)",
            o = out.display()
        );
        let h = Harness::new(&config);
        let mut st = h.router.stepper();
        let read = || std::fs::read_to_string(&out).unwrap_or_default();
        st.step();
        assert_eq!(read(), "a\n");
        h.clock.advance(500_000_000);
        st.step();
        assert_eq!(read(), "a\n");
        h.clock.advance(600_000_000);
        st.step();
        assert_eq!(read(), "a\nb\n");
        st.step();
        assert!(!h.stopped());
        h.write("s.step", "").unwrap();
        assert_eq!(read(), "a\nb\nc\n");
        assert!(
            h.stopped(),
            "stop without a driver manager stops the router"
        );
        let _ = std::fs::remove_file(&out);
    }

    #[test]
    fn driver_manager_counts_stop_events() {
        // A pull source at its limit asks to stop on every pull: one event.
        let out = temp_file("dm");
        let config = format!(
            "src :: InfiniteSource(LIMIT 3, STOP true) -> u :: Unqueue -> c :: Counter -> Discard;
             dm :: DriverManager(pause, print >>{o} \"one\", pause, print >>{o} \"two\", stop)",
            o = out.display()
        );
        let h = Harness::new(&config);
        let mut st = h.router.stepper();
        for _ in 0..50 {
            st.step();
        }
        assert_eq!(h.read("c.count"), "3");
        assert_eq!(std::fs::read_to_string(&out).unwrap_or_default(), "one\n");
        assert!(!h.stopped());
        // A write to the global stop handler is one more event.
        h.router.request_stop();
        st.step();
        assert_eq!(
            std::fs::read_to_string(&out).unwrap_or_default(),
            "one\ntwo\n"
        );
        assert!(h.stopped());
        let _ = std::fs::remove_file(&out);
    }

    #[test]
    fn a_stop_event_cuts_a_wait_short() {
        let h = Harness::new(
            "s :: Script(TYPE PASSIVE, export n 0);
             InfiniteSource(LIMIT 1, STOP true) -> Discard;
             DriverManager(wait 1000, write s.set n 1, pause, write s.set n 2)",
        );
        let mut st = h.router.stepper();
        for _ in 0..5 {
            st.step();
        }
        assert_eq!(h.read("s.n"), "1");
        assert!(!h.stopped());
        h.router.request_stop();
        st.step();
        assert_eq!(h.read("s.n"), "2");
        assert!(h.stopped());
    }

    #[test]
    fn simulated_time_runs_timers_at_once() {
        let reg = crate::registry();
        let text = "s :: Script(TYPE PASSIVE, export n 0);
                    Script(set i 0, label l, wait 60, set i $(add $i 1), goto l $(lt $i 60), write s.set n $i, stop)";
        let graph = clickconf::load("t", text, &reg).unwrap_or_else(|_| panic!("loads"));
        let clock = Arc::new(ManualClock::simulated(packet::Timestamp(0)));
        let router = Router::with_clock(graph, &reg, clock.clone()).expect("builds");
        let started = std::time::Instant::now();
        router.run(&RunOptions { threads: 1 });
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(router.read_handler("s.n").unwrap(), "60");
        assert_eq!(clock.monotonic_ns(), 3600 * 1_000_000_000);
    }

    #[test]
    fn packet_scripts_choose_outputs() {
        let h = Harness::new(
            "Idle -> s :: Script(TYPE PACKET, return $(if $(eq $input 2) 1 0)) ;
             s[0] -> c0 :: Counter -> Discard; s[1] -> c1 :: Counter -> Discard;
             Idle -> [1]s;
             Idle -> [2]s; ",
        );
        h.inject("s", 0, &[b"a", b"b"]);
        h.inject("s", 2, &[b"c"]);
        let mut st = h.router.stepper();
        st.step();
        assert_eq!(h.read("c0.count"), "2");
        assert_eq!(h.read("c1.count"), "1");
        let h = Harness::new("Idle -> s :: Script(TYPE PACKET, exit) -> c :: Counter -> Discard");
        h.inject("s", 0, &[b"a"]);
        h.router.stepper().step();
        assert_eq!(h.read("c.count"), "0");
        assert_eq!(h.drops("s"), vec![1]);
    }

    #[test]
    fn expansion_quotes_and_escapes() {
        let out = temp_file("quotes");
        let config = format!(
            "Script(set v \"a b\", print >{o} \"[$v]\" '[$v]' $(length $v) ${{v}}x $?, stop)",
            o = out.display()
        );
        let h = Harness::new(&config);
        h.router.stepper().step();
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            "[\"a b\"] [$v] 5 \"a b\"x 0\n"
        );
        let _ = std::fs::remove_file(&out);
    }

    #[test]
    fn runaway_loops_are_disabled() {
        let h = Harness::new("s :: Script(TYPE PASSIVE, label l, goto l)");
        // The run ends (1000 jumps) instead of hanging.
        assert_eq!(h.router.read_handler_with("s.run", "").unwrap(), "");
    }
}
