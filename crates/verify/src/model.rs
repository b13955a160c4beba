//! What an element's symbolic model is, and what it may do to a flow.
//!
//! Key decision: a model is a function from (input port, flow) to flows on
//! output ports, written next to the element's concrete code in the
//! `elements` crate and registered by class name in a [`ModelRegistry`];
//! this crate knows no element. Everything a model does to the flow's
//! constraints goes through [`Cx`], which records each way a flow dies
//! (a constraint that cannot hold, a header read that is not there, a
//! deliberate drop) with the flow as it was, so every "no" can be
//! explained with the place, the reason and a witness packet.

use std::collections::HashMap;

use crate::domain::IntervalSet;
use crate::expr::{Expr, Var, VarKind, Vars};
use crate::flow::{Field, Flow, MemoryViolation};

/// Why a flow ended inside an element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeathKind {
    /// A constraint the flow cannot meet (a filter's test, a state check).
    Unmet,
    /// The element drops packets like these on purpose (Discard, a `drop`
    /// input of a rewriter, a TTL that runs out).
    Dropped,
    /// A header read that the packet does not have.
    Memory,
}

/// A flow that ended, as it was before the step that ended it.
#[derive(Clone, Debug)]
pub struct Death {
    pub kind: DeathKind,
    pub reason: String,
    pub flow: Flow,
}

/// The context a model runs in: variables, the outputs it produces and
/// the deaths it records.
pub struct Cx<'a> {
    pub vars: &'a mut Vars,
    /// `box/element`, for naming state and fresh variables.
    pub scope: &'a str,
    pub out: Vec<(usize, Flow)>,
    pub deaths: Vec<Death>,
}

impl<'a> Cx<'a> {
    pub fn new(vars: &'a mut Vars, scope: &'a str) -> Cx<'a> {
        Cx {
            vars,
            scope,
            out: Vec::new(),
            deaths: Vec::new(),
        }
    }

    pub fn emit(&mut self, port: usize, flow: Flow) {
        self.out.push((port, flow));
    }

    pub fn drop_flow(&mut self, flow: Flow, reason: impl Into<String>) {
        self.deaths.push(Death {
            kind: DeathKind::Dropped,
            reason: reason.into(),
            flow,
        });
    }

    pub fn memory(&mut self, flow: Flow, violation: &MemoryViolation) {
        self.deaths.push(Death {
            kind: DeathKind::Memory,
            reason: violation.to_string(),
            flow,
        });
    }

    /// Records a flow that cannot meet `reason`'s constraint.
    pub fn unmet(&mut self, flow: Flow, reason: impl Into<String>) {
        self.deaths.push(Death {
            kind: DeathKind::Unmet,
            reason: reason.into(),
            flow,
        });
    }

    /// `flow` with `e ∈ set` added, or `None` (recording why) when that
    /// cannot hold.
    pub fn require(
        &mut self,
        mut flow: Flow,
        e: &Expr,
        set: &IntervalSet,
        reason: impl FnOnce() -> String,
    ) -> Option<Flow> {
        let before = flow.store.clone();
        match flow.store.constrain(self.vars, e, set) {
            Ok(()) => Some(flow),
            Err(_) => {
                flow.store = before;
                self.unmet(flow, reason());
                None
            }
        }
    }

    /// Splits `flow` on `e ∈ set`: the part where it holds and the part
    /// where it does not; either may be impossible.
    pub fn split(&self, flow: &Flow, e: &Expr, set: &IntervalSet) -> (Option<Flow>, Option<Flow>) {
        let mut yes = flow.clone();
        let yes = yes.store.constrain(self.vars, e, set).ok().map(|_| yes);
        let mut no = flow.clone();
        let no = no
            .store
            .constrain(self.vars, e, &set.complement(e.width))
            .ok()
            .map(|_| no);
        (yes, no)
    }

    /// A fresh variable a middlebox chooses the value of (a NAT's port),
    /// named after the element.
    pub fn choice(&mut self, what: &str, width: u8, initial: IntervalSet) -> Var {
        let name = format!("{}.{}", self.scope, what);
        self.vars.fresh_in(name, width, VarKind::Choice, initial)
    }

    /// The key of a piece of this element's state in flows.
    pub fn state_key(&self, name: &str) -> String {
        format!("{}/{}", self.scope, name)
    }

    /// A value the flow's constraints fix, if they fix one.
    pub fn value_of(&self, flow: &Flow, e: &Expr) -> Option<u64> {
        flow.store.possible(self.vars, e).single()
    }
}

/// A symbolic model of one configured element.
pub trait Model {
    /// Processes a flow arriving on input `port`.
    fn apply(&self, port: usize, flow: Flow, cx: &mut Cx<'_>);

    /// Whether flows can leave by this output without entering the
    /// element (a `ToDevice`'s output 0 is the wire it sends on).
    fn is_device(&self) -> bool {
        false
    }
}

/// What a model constructor sees of the element.
pub struct ModelArgs<'a> {
    pub class: &'a str,
    pub name: &'a str,
    /// The configuration string, as Click would see it.
    pub config: &'a str,
    pub ninputs: usize,
    pub noutputs: usize,
    /// Parameters (`?NAME` arguments) become these variables.
    pub vars: &'a mut Vars,
    /// Every element of the box, for models that refer to others by name
    /// (a rewriter's named patterns).
    pub elements: &'a [clickconf::GraphElement],
}

impl ModelArgs<'_> {
    /// The arguments, split as Click splits them.
    pub fn args(&self) -> Vec<String> {
        clickconf::args::split_args(self.config)
            .into_iter()
            .map(|a| a.text)
            .collect()
    }

    /// An expression for an IPv4 address argument: a literal, or `?NAME`
    /// for a symbolic parameter.
    pub fn ip(&mut self, text: &str) -> Result<Expr, ModelError> {
        if let Some(name) = text.strip_prefix('?') {
            let v = self.vars.param(name, 32);
            self.vars.set_format(v, crate::expr::Format::Ipv4);
            return Ok(Expr::var(v, 32));
        }
        let a: std::net::Ipv4Addr = text
            .trim()
            .parse()
            .map_err(|_| format!("expected IP address, got '{text}'"))?;
        Ok(Expr::constant(u64::from(u32::from(a)), 32))
    }
}

/// Why a model could not be built: the element's arguments are outside
/// what the model covers, or do not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ModelError(pub String);

impl From<String> for ModelError {
    fn from(s: String) -> ModelError {
        ModelError(s)
    }
}

impl From<&str> for ModelError {
    fn from(s: &str) -> ModelError {
        ModelError(s.to_string())
    }
}

/// Builds the model of a configured element.
pub type MakeModel = fn(&mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError>;

/// Names (`AddressInfo`) defined by a box's elements, for resolving
/// symbolic addresses in other elements' arguments.
pub type MakeNames =
    fn(&[clickconf::GraphElement]) -> Option<std::sync::Arc<dyn clickconf::args::NameResolver>>;

/// Models by class name.
#[derive(Default, Clone)]
pub struct ModelRegistry {
    makers: HashMap<&'static str, MakeModel>,
    names: Option<MakeNames>,
}

impl ModelRegistry {
    pub fn new() -> ModelRegistry {
        ModelRegistry::default()
    }

    pub fn add(&mut self, class: &'static str, make: MakeModel) {
        self.makers.insert(class, make);
    }

    /// How a box's `AddressInfo`-style names are found.
    pub fn set_names(&mut self, names: MakeNames) {
        self.names = Some(names);
    }

    pub fn names(
        &self,
        elements: &[clickconf::GraphElement],
    ) -> Option<std::sync::Arc<dyn clickconf::args::NameResolver>> {
        self.names.and_then(|f| f(elements))
    }

    pub fn get(&self, class: &str) -> Option<MakeModel> {
        self.makers.get(class).copied()
    }

    pub fn classes(&self) -> Vec<&'static str> {
        let mut v: Vec<_> = self.makers.keys().copied().collect();
        v.sort();
        v
    }
}

/// Reads a field of the flow's annotated IP (or transport) header, or
/// records the memory violation and gives up on the flow.
pub fn read_ip(flow: &Flow, cx: &mut Cx<'_>, f: Field) -> Option<Expr> {
    match flow.ip_field(f) {
        Ok(e) => Some(e),
        Err(v) => {
            cx.memory(flow.clone(), &v);
            None
        }
    }
}
