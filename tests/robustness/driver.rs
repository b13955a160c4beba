//! Robustness samples for the `driver` element group (see `tests/robustness.rs`
//! for the format). `DriverManager` and `ControlSocket` have no packet
//! ports and are exempt there; a PACKET `Script` is the one that sees
//! packets.

pub const SAMPLES: &[(&str, &str, bool)] = &[
    (
        "Script",
        "Idle -> in :: Null -> x :: Script(TYPE PACKET, goto odd $(eq $(mod $(length $input) 2) 1), return 0, label odd, return $(if $(lt $input 1) 1 7)); x[0] -> Discard; x[1] -> Discard",
        false,
    ),
    (
        "Script-pull",
        "Idle -> in :: Queue(50) -> x :: Script(TYPE PACKET, return $(random 0 2)) -> Discard; x[1] -> Discard",
        false,
    ),
];
