// cross-checked: click
// RatedUnqueue at 10 packets/s with a one-packet bucket: packets leave at
// 0, 0.1 and 0.2 s before the TimedSource stops the router at 0.25 s.
InfiniteSource(LIMIT 100) -> q :: Queue -> ru :: RatedUnqueue(10) -> c :: Counter -> Discard;
TimedSource(0.125, LIMIT 1, STOP true) -> Discard;
