// cross-checked: click
// TimedSource sends one packet every INTERVAL and stops the router an
// INTERVAL after its LIMIT-th packet.
s :: TimedSource(INTERVAL 0.01, DATA \<01 02 03>, LIMIT 3, STOP true)
  -> c :: Counter
  -> Discard;
s2 :: TimedSource(0.005, \<aa bb>, LIMIT 2)
  -> c2 :: Counter
  -> Discard;
