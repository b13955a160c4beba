// cross-checked: click
// Script arithmetic, comparisons, string handlers, variables, loops with
// conditional gotos, and print redirected to a file; the script stops the
// router at its end.
Script(
  set x 0,
  label top,
  print >>@OUT@/out.txt "x=$x sq=$(mul $x $x) half=$(div $x 2) idiv=$(idiv $x 2) mod=$(mod $x 3)",
  set x $(add $x 1),
  goto top $(lt $x 5),
  print >>@OUT@/out.txt $(sub 10 3 2) $(min 5 10 2) $(max 5 10 2) $(neg 3) $(abs -4.5) $(rem 7.5 2),
  print >>@OUT@/out.txt $(eq 10 0xA) $(ne 1 2) $(ge 2 2) $(gt abc abd) $(le 9 8),
  print >>@OUT@/out.txt $(not true) $(and true false) $(or false true) $(nand true true) $(nor false false),
  print >>@OUT@/out.txt $(if $(lt 1 2) yes no) $(in foo bar foo) $(length abcdef) $(first a b c),
  print >>@OUT@/out.txt $(sprintf "%05x|%-4d|%+d|%s|%3s|%%" 127 7 5 ab z),
  print >>@OUT@/out.txt $(htons 1) $(ntohl 1) $(div 1 0) $(add 1.5 2) $(mul 1e20 10),
  printn >>@OUT@/out.txt "no newline;",
  printn >>@OUT@/out.txt " then",
  print >>@OUT@/out.txt "",
  set s "a b c",
  print >>@OUT@/out.txt "$s" '$s' $s,
  setq q "x y",
  print >>@OUT@/out.txt $q $(length $q),
  goto skip true,
  print >>@OUT@/out.txt "not printed",
  label skip,
  goto skip2 $(eq 1 2),
  print >>@OUT@/out.txt "printed",
  label skip2,
  print >>@OUT@/out.txt $(version),
  stop)
