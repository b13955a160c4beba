// cross-checked: click
// RoundRobinSched alternates between its inputs, skipping empty ones; the
// Unqueue limits how many leave.
InfiniteSource(LIMIT 6, LENGTH 10) -> q0 :: Queue;
InfiniteSource(LIMIT 2, LENGTH 20) -> q1 :: Queue;
InfiniteSource(LIMIT 9, LENGTH 30) -> q2 :: Queue;
q0 -> [0]rr :: RoundRobinSched;
q1 -> [1]rr;
q2 -> [2]rr;
rr -> u :: Unqueue(LIMIT 12) -> c :: Counter -> Discard;
TimedSource(0.1, LIMIT 1, STOP true) -> Discard;
