// cross-checked: click
// A PACKET script sends each packet to the port it returns: here, packets
// alternate between outputs 0 and 1 by a counter kept in a variable; a
// returned port that does not exist drops the packet.
src :: InfiniteSource(LIMIT 9, STOP true)
  -> s :: Script(TYPE PACKET,
          set n $(add $n 1),
          goto bad $(eq $n 9),
          return $(mod $n 2),
          label bad,
          return 5,
          init n 0);
s[0] -> c0 :: Counter -> Discard;
s[1] -> c1 :: Counter -> Discard;
DriverManager(pause, wait 20ms, stop);
