// cross-checked: click
// Blocking instructions: `pause` waits for steps (`write s.step`), `wait`
// ends early on a step, `goto` handler writes jump to labels, and a script
// detects loops that never block.
s :: Script(
  print >>@OUT@/out.txt "s: start",
  pause,
  print >>@OUT@/out.txt "s: after pause",
  wait 100s,
  print >>@OUT@/out.txt "s: after wait",
  pause 2,
  print >>@OUT@/out.txt "s: after pause 2",
  end,
  label there,
  print >>@OUT@/out.txt "s: jumped",
  pause);
loop :: Script(TYPE PASSIVE, label l, goto l);
Script(
  wait 10ms,
  print >>@OUT@/out.txt "driver: step 1",
  write s.step,
  print >>@OUT@/out.txt "driver: step 2",
  write s.step,
  write s.step,
  print >>@OUT@/out.txt "driver: step 3",
  write s.step,
  write s.goto there,
  write s.goto nowhere,
  print >>@OUT@/out.txt "status $?",
  write loop.run,
  print >>@OUT@/out.txt "loop status $?",
  stop);
