// cross-checked: click
// RatedSource sends LIMIT packets at RATE, then stops the router.
src :: RatedSource(\<0800>, RATE 1000, LIMIT 20, STOP true)
  -> c :: Counter
  -> Discard;
src2 :: RatedSource(DATA \<01 02 03>, LENGTH 8, RATE 500, LIMIT 5)
  -> c2 :: Counter
  -> Discard;
