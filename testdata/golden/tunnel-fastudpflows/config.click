// cross-checked: click
// FastUDPFlows' packets, byte for byte but for the random ports and the
// UDP checksum that covers them, which StoreData zeroes before IPPrint
// dumps them (no timestamps: the packets carry none). Unqueue's LIMIT
// ends the run here; Click's driver does not stop by itself, so its run
// had a `DriverManager(wait 0.5s, stop)` line added.
f :: FastUDPFlows(0, 8, 98, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 10.0.0.2, 3, 2)
  -> Unqueue(LIMIT 8)
  -> c :: Counter
  -> StoreData(34, \<00000000>) -> StoreData(40, \<0000>)
  -> IPPrint(f, CONTENTS HEX, TIMESTAMP false, OUTFILE @OUT@/f.txt)
  -> Discard;
