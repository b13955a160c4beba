//! StrideSwitch — shares packets among outputs by stride scheduling.
//!
//! ## Synopsis
//! `StrideSwitch(TICKETS_0, ..., TICKETS_N-1)`
//!
//! ## Ports
//! 1 input, N outputs (one per argument); push.
//!
//! ## Description
//! Each output gets a share of the packets proportional to its tickets
//! (0 to 32768; an output with 0 gets none), spread out evenly by stride
//! scheduling: every output has a stride of 65536 / tickets and a pass
//! value; each packet goes to the output with the smallest pass, whose
//! pass then grows by its stride. Ties go to the lower-numbered output.
//! With no tickets at all, packets are dropped (reason `no_tickets`).
//!
//! ## Arguments
//! - `TICKETS_i`: tickets of output i.
//!
//! ## Handlers
//! - `tickets0`, `tickets1`, … (read/write): the tickets of each output.
//!   An output given tickets again starts one stride after the output
//!   next in turn; one set to 0 gets no more packets.
//!
//! ## Differences from Click
//! - The `config` handler reads the configuration as written, not the
//!   current tickets.
//!
//! ## Example
//! ```text
//! s :: StrideSwitch(3, 1);   // three packets to s[0] for each to s[1]
//! ```

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec, Simple,
    SimpleAction, Verdict,
};
use packet::Packet;

pub const SPEC: ElementSpec = ElementSpec {
    class: "StrideSwitch",
    ports: "1/1-",
    processing: "h/h",
    source: include_str!("strideswitch.rs"),
    drop_reasons: &["no_tickets"],
    handlers: &[HandlerSpec::read_write(
        "tickets#",
        "the tickets of an output",
    )],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

const STRIDE1: u32 = 1 << 16;
const MAX_TICKETS: u32 = 1 << 15;

struct StrideSwitch {
    tickets: Vec<u32>,
    pass: Vec<u32>,
    stride: Vec<u32>,
    /// Outputs with tickets, ordered by pass.
    order: Vec<usize>,
}

/// Whether pass `a` is later than pass `b`, on a circle of 2^32.
fn later(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}

impl StrideSwitch {
    /// Puts output `i` before the first output whose pass is not earlier.
    fn insert(&mut self, i: usize) {
        let at = self
            .order
            .iter()
            .position(|&o| !later(self.pass[i], self.pass[o]))
            .unwrap_or(self.order.len());
        self.order.insert(at, i);
    }
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let rest = args.rest();
    if rest.len() != cx.noutputs {
        return Err(ConfigError::msg(format!(
            "need {} arguments, one per output port",
            cx.noutputs
        )));
    }
    let mut tickets = Vec::with_capacity(rest.len());
    for (i, arg) in rest.iter().enumerate() {
        let t: u32 = arg.text.trim().parse().map_err(|_| {
            crate::util::arg_error(arg, format!("argument {i} should be a number of tickets"))
        })?;
        tickets.push(t.min(MAX_TICKETS));
    }
    let stride: Vec<u32> = tickets
        .iter()
        .map(|&t| STRIDE1.checked_div(t).unwrap_or(0))
        .collect();
    let mut s = StrideSwitch {
        tickets: tickets.clone(),
        pass: stride.clone(),
        stride,
        order: Vec::with_capacity(tickets.len()),
    };
    // Inserted last to first, so equal passes run in port order.
    for i in (0..tickets.len()).rev() {
        if tickets[i] > 0 {
            s.insert(i);
        }
    }
    Ok(Simple::boxed(s))
}

impl SimpleAction for StrideSwitch {
    #[inline]
    fn action(&mut self, _packet: &mut Packet) -> Verdict {
        if self.order.is_empty() {
            return Verdict::Drop(DropReason(0));
        }
        let i = self.order.remove(0);
        self.pass[i] = self.pass[i].wrapping_add(self.stride[i]);
        self.insert(i);
        Verdict::Out(i)
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        let port = handler_port(name, self.tickets.len())?;
        Ok(self.tickets[port].to_string())
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        let port = handler_port(name, self.tickets.len())?;
        let t: i64 = value
            .trim()
            .parse()
            .map_err(|_| HandlerError::BadValue("tickets value must be integer".into()))?;
        if t < 0 {
            return Err(HandlerError::BadValue(
                "number of tickets must be >= 0".into(),
            ));
        }
        let t = t.min(i64::from(MAX_TICKETS)) as u32;
        let old = self.tickets[port];
        self.tickets[port] = t;
        self.stride[port] = STRIDE1.checked_div(t).unwrap_or(0);
        if t == 0 && old != 0 {
            self.order.retain(|&o| o != port);
        } else if t != 0 && old == 0 {
            self.pass[port] = self
                .order
                .first()
                .map_or(0, |&o| self.pass[o].wrapping_add(self.stride[port]));
            self.insert(port);
        }
        Ok(())
    }
}

/// The port of a `ticketsN` handler.
fn handler_port(name: &str, ports: usize) -> Result<usize, HandlerError> {
    name.strip_prefix("tickets")
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|&p| p < ports)
        .ok_or_else(|| HandlerError::NoSuchHandler(name.into()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn tickets_handlers() {
        let reg = crate::registry();
        let r = engine::Router::from_text(
            "t",
            "Idle -> s :: StrideSwitch(1, 0) -> a :: Counter -> Discard; s[1] -> b :: Counter -> Discard",
            &reg,
        )
        .unwrap();
        let s = r.find("s").unwrap();
        let send = |n: usize| {
            let mut b = packet::PacketBatch::new();
            for _ in 0..n {
                b.push(packet::Packet::from_slice(&[0u8; 20]).unwrap());
            }
            r.stepper().inject(s, 0, b);
        };
        assert_eq!(r.read_handler("s.tickets1").unwrap(), "0");
        send(4);
        assert_eq!(r.read_handler("b.count").unwrap(), "0");
        r.write_handler("s.tickets1", "3").unwrap();
        send(8);
        assert_eq!(r.read_handler("a.count").unwrap(), "6");
        assert_eq!(
            r.read_handler("b.count").unwrap(),
            "6",
            "3 to 1 from now on"
        );
        r.write_handler("s.tickets0", "0").unwrap();
        send(5);
        assert_eq!(r.read_handler("b.count").unwrap(), "11");
        assert!(r.read_handler("s.tickets2").is_err());
        assert!(r.write_handler("s.tickets1", "-1").is_err());
        assert!(
            r.read_handler("s.handlers")
                .unwrap()
                .contains("tickets1\trw")
        );
    }
}
