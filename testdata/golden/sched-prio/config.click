// cross-checked: click
// PrioSched takes from input 0 while it has packets; the Unqueue limits
// how many leave, so the low-priority queue keeps the rest.
InfiniteSource(LIMIT 6) -> hi :: Queue;
InfiniteSource(LIMIT 9) -> lo :: Queue;
hi -> [0]ps :: PrioSched;
lo -> [1]ps;
ps -> u :: Unqueue(LIMIT 10) -> c :: Counter -> Discard;
TimedSource(0.1, LIMIT 1, STOP true) -> Discard;
