// cross-checked: click
// DriverManager takes the sources' stop requests: each `pause` waits for
// one; `wait` waits or ends early at a stop; its last instruction stops the
// router. Handler values are read after the run.
s1 :: InfiniteSource(LIMIT 5, STOP true) -> c1 :: Counter -> Discard;
s2 :: InfiniteSource(LIMIT 300, BURST 7, STOP true) -> c2 :: Counter -> Discard;
DriverManager(
  print >>@OUT@/out.txt "start",
  pause,
  pause,
  print >>@OUT@/out.txt "both stopped: $(c1.count) $(c2.count)",
  save c2.count @OUT@/saved.txt,
  append c1.count @OUT@/saved.txt,
  write c1.reset,
  print >>@OUT@/out.txt "reset status $? count $(c1.count)",
  wait 10ms,
  print >>@OUT@/out.txt "done")
