// cross-checked: click
// Switch sends everything out of one output; a negative output drops.
InfiniteSource(LIMIT 5, STOP true) -> s :: Switch(1);
s[0] -> c0 :: Counter -> Discard;
s[1] -> c1 :: Counter -> Discard;
InfiniteSource(LIMIT 7) -> off :: Switch(-1);
off[0] -> coff :: Counter -> Discard;
