// cross-checked: click
// A PASSIVE script's `run` handler returns a computed value from its
// arguments; a PROXY script answers any handler name; `export` makes a
// variable a handler; `get`/`set`/`shift` reach variables.
src :: InfiniteSource(LIMIT 3, STOP true) -> c :: Counter -> Discard;
sum :: Script(TYPE PASSIVE, return $(add $(c.count) $1 $2));
args :: Script(TYPE PASSIVE, return "$# [$args] [$1] [$3]");
p :: Script(TYPE PROXY,
        goto nota $(ne $0 a),
        returnq "you called a",
        label nota,
        goto notw $(not $write),
        return "write $0 $args",
        label notw,
        return "read $0");
e :: Script(TYPE PASSIVE, export greeting hello, export n $(add 2 3), set z "p q r");
DriverManager(
  pause,
  print >>@OUT@/out.txt $(sum.run 10 20),
  print >>@OUT@/out.txt $(args.run x y z w),
  print >>@OUT@/out.txt $(p.a) / $(p.b),
  print >>@OUT@/out.txt $(e.greeting) $(e.n),
  write e.set v "one two three",
  print >>@OUT@/out.txt $(e.get v),
  print >>@OUT@/out.txt $(e.shift v) / $(e.get v),
  stop);
