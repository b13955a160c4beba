//! The Switchyard engine: element trait and registry, configuration checks,
//! push/pull resolution, batch dispatch, task scheduling on threads, and
//! handlers.
//!
//! Key decision: dispatch is per batch. An element moves packets into its
//! per-port output batches and the engine hands each batch on, so the cost
//! of a virtual call and a lock is paid once per batch, not per packet.

pub mod build;
pub mod clock;
pub mod element;
pub mod registry;
pub mod router;
pub mod shared;
pub mod spec;

#[cfg(test)]
mod tests;

pub use build::ElementInfo;
pub use clock::{Clock, ManualClock, SystemClock};
pub use element::{
    BuildContext, ConfigError, DropReason, Element, HandlerAccess, HandlerError, InitContext,
    Output, PullSource, Simple, SimpleAction, TaskContext, TaskStatus, Verdict,
};
pub use registry::{ClassInfo, Registry};
pub use router::{ElementStats, Router, RouterError, RunOptions, Stepper};
pub use shared::Shared;
pub use spec::{ConfigurePhase, ElementSpec, HandlerSpec, Processing};
