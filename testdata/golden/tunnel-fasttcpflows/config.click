// cross-checked: click
// FastTCPFlows with one flow of 4 packets and LIMIT 10: SYN, data, data,
// FIN, SYN, data, data, FIN, SYN, data, then a closing FIN for the open
// flow (11 packets). IPPrint dumps the bytes after StoreData zeroes the
// random ports, sequence and acknowledgement numbers and the TCP checksum
// (no timestamps: the packets carry none). Unqueue's LIMIT ends the run
// here; Click's driver does not stop by itself, so its run had a
// `DriverManager(wait 0.5s, stop)` line added.
f :: FastTCPFlows(0, 10, 60, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 10.0.0.2, 1, 4)
  -> Unqueue(LIMIT 11)
  -> c :: Counter
  -> StoreData(34, \<00000000 00000000 00000000>) -> StoreData(50, \<0000>)
  -> IPPrint(f, CONTENTS HEX, TIMESTAMP false, OUTFILE @OUT@/f.txt)
  -> Discard;
