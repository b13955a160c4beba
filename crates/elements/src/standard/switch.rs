//! Switch — sends every packet out of one settable output.
//!
//! ## Synopsis
//! `Switch([OUTPUT])`
//!
//! ## Ports
//! 1 input, push; any number of outputs, push.
//!
//! ## Description
//! Sends every packet out of output OUTPUT. A negative OUTPUT drops the
//! packets instead. The `switch` handler changes OUTPUT while the router
//! runs.
//!
//! ## Arguments
//! - `OUTPUT` (integer, default 0): the output to use; must be less than the
//!   number of outputs; negative drops.
//!
//! ## Handlers
//! - `switch` (read/write): OUTPUT. Writing a value that names no output
//!   sets -1.
//!
//! ## Differences from Click
//! Click's `config` handler reads back the current OUTPUT; here `config`
//! is the configuration string, and `switch` holds the current output.
//!
//! ## Example
//! ```text
//! s :: Switch(0);  s[0] -> Queue -> ToDevice(eth0);  s[1] -> Discard;
//! // write s.switch 1 to divert traffic
//! ```

use std::any::Any;

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec, Output,
};
use packet::PacketBatch;

use crate::util::parse_handler_value;

pub const SPEC: ElementSpec = ElementSpec {
    class: "Switch",
    ports: "1/-",
    processing: "h/h",
    source: include_str!("switch.rs"),
    drop_reasons: &["switched_off"],
    handlers: &[HandlerSpec::read_write(
        "switch",
        "the output in use; -1 drops",
    )],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

const SWITCHED_OFF: DropReason = DropReason(0);

pub struct Switch {
    output: i64,
    noutputs: usize,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let output = args.read_p::<i64>("OUTPUT")?.unwrap_or(0);
    if output >= 0 && output as u64 >= cx.noutputs as u64 {
        return Err(ConfigError::msg(format!(
            "output must be < {}",
            cx.noutputs
        )));
    }
    Ok(Box::new(Switch {
        output,
        noutputs: cx.noutputs,
    }))
}

impl Element for Switch {
    fn push(&mut self, _port: usize, batch: &mut PacketBatch, out: &mut Output) {
        if self.output < 0 {
            out.count_drops(SWITCHED_OFF, batch.len() as u64);
            batch.clear();
        } else {
            out.forward(self.output as usize, batch);
        }
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "switch" => Ok(self.output.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "switch" => {
                let output: i64 = parse_handler_value(name, value)
                    .map_err(|_| HandlerError::BadValue("Switch output must be integer".into()))?;
                self.output = if output >= 0 && output as u64 >= self.noutputs as u64 {
                    -1
                } else {
                    output
                };
            }
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use crate::standard::null::harness::Harness;

    #[test]
    fn switches_and_drops() {
        let h = Harness::new("Idle -> s :: Switch(1); s[0] -> a :: Collect; s[1] -> b :: Collect;");
        h.inject("s", 0, &[b"\x01"]);
        assert_eq!(h.read("b.log"), "01 p0\n");
        h.write("s.switch", "0").unwrap();
        assert_eq!(h.read("s.switch"), "0");
        h.inject("s", 0, &[b"\x02"]);
        assert_eq!(h.read("a.log"), "02 p0\n");
        h.write("s.switch", "2").unwrap();
        assert_eq!(h.read("s.switch"), "-1");
        h.inject("s", 0, &[b"\x03", b"\x04"]);
        assert_eq!(h.drops("s"), vec![2]);
        assert!(h.write("s.switch", "x").is_err());
        assert_eq!(h.read("s.switch"), "-1");
        h.write("s.switch", "-5").unwrap();
        assert_eq!(h.read("s.switch"), "-5");
    }

    #[test]
    fn output_must_exist() {
        assert!(
            Harness::try_new("Idle -> s :: Switch(2); s[0] -> Discard; s[1] -> Discard;").is_err()
        );
        assert!(Harness::try_new("Idle -> s :: Switch(-1); s[0] -> Discard;").is_ok());
    }
}
