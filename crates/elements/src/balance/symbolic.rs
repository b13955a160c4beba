//! Symbolic models of the load balancers: a hash or a turn picks the
//! output, so a flow may leave by any of them (a nondeterministic
//! choice).

use verify::{Model, ModelArgs, ModelError, ModelRegistry};

use crate::symbolic::Everywhere;

pub fn register(r: &mut ModelRegistry) {
    // A rate splitter's choice depends on timing: either output.
    for class in [
        "HashSwitch",
        "RoundRobinSwitch",
        "RandomSwitch",
        "StrideSwitch",
        "RatedSplitter",
        "BandwidthRatedSplitter",
    ] {
        r.add(class, any_output);
    }
}

fn any_output(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    Ok(Box::new(Everywhere {
        outputs: args.noutputs.max(1),
    }))
}
