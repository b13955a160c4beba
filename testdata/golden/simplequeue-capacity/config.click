// cross-checked: click
// SimpleQueue holds at most CAPACITY packets and drops the rest at the tail.
src :: InfiniteSource(LIMIT 20, BURST 20, STOP true)
  -> q :: SimpleQueue(5)
  -> Discard;
