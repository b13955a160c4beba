// cross-checked: click
// Print (to standard error) passes every packet on unchanged.
InfiniteSource(LIMIT 3, STOP true) -> p :: Print(ok, 8, ACTIVE false) -> c :: Counter -> Discard;
