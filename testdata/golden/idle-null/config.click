// cross-checked: click
// Null passes packets; Idle neither produces nor pulls, and drops pushes.
InfiniteSource(LIMIT 4, STOP true) -> n :: Null -> c :: Counter -> t :: Tee;
t[0] -> Discard;
t[1] -> i :: Idle;
Idle -> q :: Queue -> Discard;
Idle -> c2 :: Counter -> Discard;
Idle -> q2 :: Queue -> Null -> u :: Unqueue -> Discard;
