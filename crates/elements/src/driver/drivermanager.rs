//! DriverManager — a Script that decides when the router stops.
//!
//! ## Synopsis
//! `DriverManager(INSTRUCTIONS...)`
//!
//! ## Ports
//! None.
//!
//! ## Description
//! A `Script` whose type is `DRIVER`. Requests to stop the router (a
//! source's `STOP true`, a Script's `stop`, a write to the global `stop`
//! handler) no longer stop it; each is a *stop event* that steps this
//! script past one blocking instruction (`pause`, `wait_stop`, or a `wait
//! TIME` in progress). The router stops when the script reaches `stop` (its
//! last instruction is an implicit `stop`), or when a stop event finds it
//! ended (`end`, `exit`, `error`).
//! Without instructions it waits for one stop event, then stops. A router
//! has at most one driver script. The instructions, expansions and
//! handlers are Script's (`yard doc Script`).
//!
//! ## Handlers
//! As Script: `step`, `goto`, `run`, the arithmetic and test handlers,
//! `get`/`set`/`shift`, and exported variables.
//!
//! ## Differences from Click
//! As Script's. An element that asks to stop many times (a pull source at
//! its limit asks on every pull) counts as one stop event; Script `stop`
//! instructions and `stop` handler writes count each time. Ctrl-C and
//! SIGTERM stop the router without consulting the script, as in Click.
//!
//! ## Example
//! ```text
//! FromDump(a.pcap, STOP true) -> c1 :: Counter -> Discard;
//! FromDump(b.pcap, STOP true) -> c2 :: Counter -> Discard;
//! DriverManager(pause, pause, print c1.count, print c2.count, stop);
//! ```

use clickconf::args::Args;
use engine::{BuildContext, ConfigError, Element, ElementSpec};

use super::script::{DROP_REASONS, HANDLERS, Kind, Script};

pub const SPEC: ElementSpec = ElementSpec {
    class: "DriverManager",
    ports: "0/0",
    processing: "a/a",
    source: include_str!("drivermanager.rs"),
    drop_reasons: DROP_REASONS,
    handlers: HANDLERS,
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    Ok(Box::new(Script::configure(
        args,
        cx,
        Some(Kind::Driver),
        "DriverManager",
    )?))
}
