// cross-checked: click
// AverageCounter counts packets and bytes like Counter.
InfiniteSource(LIMIT 100, LENGTH 60, STOP true) -> ac :: AverageCounter -> Discard;
Idle -> ac2 :: AverageCounter(2) -> Discard;
