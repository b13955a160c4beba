// cross-checked: click
// RandomSource makes LIMIT packets of LENGTH random bytes (the bytes
// differ from Click's; the counts and lengths are compared), pushed with
// BURST 3, then stops the router.
r :: RandomSource(70, 7, 3, STOP true)
  -> c :: Counter
  -> Discard;
r2 :: RandomSource(LENGTH 0, LIMIT 2)
  -> c2 :: Counter
  -> Discard;
