//! What an element class declares about itself: ports, processing,
//! handlers, drop reasons, its documentation, and how to build one.
//!
//! Key decision: the declarations use Click's own notations ("1/1-2",
//! "a/ah") as text, parsed once when the registry is built, so an element's
//! interface reads exactly like Click's `port_count()` and `processing()`.

use std::fmt;

use clickconf::args::Args;

use crate::element::{BuildContext, ConfigError, Element};

/// Push, pull or agnostic, for one port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Processing {
    Push,
    Pull,
    Agnostic,
}

impl Processing {
    fn from_code(c: u8) -> Option<Processing> {
        match c {
            b'h' => Some(Processing::Push),
            b'l' => Some(Processing::Pull),
            b'a' => Some(Processing::Agnostic),
            _ => None,
        }
    }

    /// "push", "pull" or "agnostic", as Click's messages say it.
    pub fn name(self) -> &'static str {
        match self {
            Processing::Push => "push",
            Processing::Pull => "pull",
            Processing::Agnostic => "agnostic",
        }
    }
}

/// A range of port counts (Click's `port_count` for one side).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortRange {
    pub min: usize,
    /// `None` means unbounded.
    pub max: Option<usize>,
    /// Outputs only: as many outputs as inputs (Click's `=`).
    pub same_as_inputs: bool,
}

impl PortRange {
    pub fn contains(&self, n: usize) -> bool {
        n >= self.min && self.max.is_none_or(|m| n <= m)
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.same_as_inputs {
            return f.write_str("=");
        }
        match self.max {
            Some(m) if m == self.min => write!(f, "{m}"),
            Some(m) => write!(f, "{}-{m}", self.min),
            None if self.min == 0 => f.write_str("-"),
            None => write!(f, "{}-", self.min),
        }
    }
}

/// Error in a class's declaration text; a bug in the element, reported when
/// the registry is built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad {what} declaration '{text}'")]
pub struct DeclarationError {
    pub what: &'static str,
    pub text: String,
}

fn parse_range(text: &str) -> Option<PortRange> {
    let num = |s: &str| s.parse::<usize>().ok();
    let range = if text == "-" {
        PortRange {
            min: 0,
            max: None,
            same_as_inputs: false,
        }
    } else if text == "=" {
        PortRange {
            min: 0,
            max: None,
            same_as_inputs: true,
        }
    } else if let Some(lo) = text.strip_suffix('-') {
        PortRange {
            min: num(lo)?,
            max: None,
            same_as_inputs: false,
        }
    } else if let Some((lo, hi)) = text.split_once('-') {
        PortRange {
            min: num(lo)?,
            max: Some(num(hi)?),
            same_as_inputs: false,
        }
    } else {
        let n = num(text)?;
        PortRange {
            min: n,
            max: Some(n),
            same_as_inputs: false,
        }
    };
    Some(range)
}

/// Parses Click's port count notation, e.g. `1/1-2`, `-/1`, `1/=`.
pub fn parse_port_count(text: &str) -> Result<(PortRange, PortRange), DeclarationError> {
    let err = || DeclarationError {
        what: "port count",
        text: text.to_string(),
    };
    let (i, o) = text.split_once('/').ok_or_else(err)?;
    let inputs = parse_range(i)
        .filter(|r| !r.same_as_inputs)
        .ok_or_else(err)?;
    let outputs = parse_range(o).ok_or_else(err)?;
    Ok((inputs, outputs))
}

/// Click's processing notation for one side: one code per port, the last
/// repeating (`a`, `h`, `l`, `ah`…).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessingCodes(Vec<Processing>);

impl ProcessingCodes {
    /// The processing of port `port`.
    pub fn port(&self, port: usize) -> Processing {
        self.0
            .get(port)
            .or(self.0.last())
            .copied()
            .unwrap_or(Processing::Agnostic)
    }
}

/// Parses Click's processing notation, e.g. `a/a`, `h/lh`.
pub fn parse_processing(
    text: &str,
) -> Result<(ProcessingCodes, ProcessingCodes), DeclarationError> {
    let err = || DeclarationError {
        what: "processing",
        text: text.to_string(),
    };
    let (i, o) = text.split_once('/').ok_or_else(err)?;
    let side = |s: &str| {
        let codes: Option<Vec<Processing>> = s.bytes().map(Processing::from_code).collect();
        codes.filter(|c| !c.is_empty()).map(ProcessingCodes)
    };
    Ok((side(i).ok_or_else(err)?, side(o).ok_or_else(err)?))
}

/// One handler an element class offers.
#[derive(Clone, Copy, Debug)]
pub struct HandlerSpec {
    /// The handler's name; a name ending in `#` stands for one handler per
    /// port, the name followed by the port number (`tickets#`: `tickets0`,
    /// `tickets1`, …).
    pub name: &'static str,
    pub read: bool,
    pub write: bool,
    /// One line saying what the handler shows or does.
    pub doc: &'static str,
}

impl HandlerSpec {
    pub const fn read(name: &'static str, doc: &'static str) -> HandlerSpec {
        HandlerSpec {
            name,
            read: true,
            write: false,
            doc,
        }
    }
    pub const fn write(name: &'static str, doc: &'static str) -> HandlerSpec {
        HandlerSpec {
            name,
            read: false,
            write: true,
            doc,
        }
    }
    pub const fn read_write(name: &'static str, doc: &'static str) -> HandlerSpec {
        HandlerSpec {
            name,
            read: true,
            write: true,
            doc,
        }
    }
}

/// Builds an element from its arguments.
pub type MakeElement = fn(&mut Args, &BuildContext) -> Result<Box<dyn Element>, ConfigError>;

/// Everything the engine knows about an element class before building one.
#[derive(Clone, Copy)]
pub struct ElementSpec {
    /// Click's class name, e.g. `CheckIPHeader`.
    pub class: &'static str,
    /// Click's port count notation, e.g. `1/1-2`.
    pub ports: &'static str,
    /// Click's processing notation, e.g. `a/ah`.
    pub processing: &'static str,
    /// The element file's source; its leading `//!` lines are the doc header.
    pub source: &'static str,
    /// Names of the reasons this element drops packets for.
    pub drop_reasons: &'static [&'static str],
    /// Class-specific handlers (the generic ones are added by the engine).
    pub handlers: &'static [HandlerSpec],
    /// When the element is built relative to the others.
    pub configure_phase: ConfigurePhase,
    pub make: MakeElement,
}

/// When an element is built, as Click's configure phases: elements that
/// define names or tables other elements' arguments refer to (`AddressInfo`,
/// `IPRewriterPatterns`) are built first. Within a phase, configuration
/// order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ConfigurePhase {
    /// Defines names for other elements' arguments (Click's
    /// `CONFIGURE_PHASE_FIRST`).
    First,
    /// Publishes information other elements look up (Click's
    /// `CONFIGURE_PHASE_INFO`).
    Info,
    /// Everything else.
    Default,
}

impl ElementSpec {
    /// The doc header: the leading `//!` lines of the element's source file.
    pub fn doc(&self) -> String {
        let mut out = String::new();
        for line in self.source.lines() {
            let Some(rest) = line.strip_prefix("//!") else {
                break;
            };
            out.push_str(rest.strip_prefix(' ').unwrap_or(rest));
            out.push('\n');
        }
        out
    }

    /// The first paragraph of the doc header, on one line.
    pub fn summary(&self) -> String {
        self.doc()
            .lines()
            .map(str::trim)
            .take_while(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl fmt::Debug for ElementSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ElementSpec")
            .field("class", &self.class)
            .field("ports", &self.ports)
            .field("processing", &self.processing)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_counts() {
        let (i, o) = parse_port_count("1/1-2").unwrap();
        assert!(i.contains(1) && !i.contains(0) && !i.contains(2));
        assert!(o.contains(1) && o.contains(2) && !o.contains(3));
        let (i, o) = parse_port_count("-/1").unwrap();
        assert!(i.contains(0) && i.contains(17));
        assert!(o.contains(1));
        let (i, o) = parse_port_count("1-/=").unwrap();
        assert!(!i.contains(0) && i.contains(5));
        assert!(o.same_as_inputs);
        assert!(parse_port_count("1").is_err());
        assert!(parse_port_count("x/1").is_err());
        assert!(parse_port_count("=/1").is_err());
        assert_eq!(parse_port_count("0-1/1-").unwrap().0.to_string(), "0-1");
    }

    #[test]
    fn processing_codes_repeat_last() {
        let (i, o) = parse_processing("a/ah").unwrap();
        assert_eq!(i.port(3), Processing::Agnostic);
        assert_eq!(o.port(0), Processing::Agnostic);
        assert_eq!(o.port(1), Processing::Push);
        assert_eq!(o.port(9), Processing::Push);
        assert!(parse_processing("a/x").is_err());
        assert!(parse_processing("/a").is_err());
    }
}
