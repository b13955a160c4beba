// cross-checked: click
// FastUDPSource's packets, byte for byte (IPPrint with CONTENTS HEX and no
// timestamps, since the packets carry none): INTERVAL 2 moves both ports up
// by one every two packets; LENGTH below 60 is taken as 60. Unqueue's
// LIMIT ends the run here; Click's driver does not stop by itself, so its
// run had a `DriverManager(wait 0.5s, stop)` line added.
s :: FastUDPSource(0, 6, 60, 2:0:0:0:0:1, 10.0.0.1, 1234, 2:0:0:0:0:2, 10.0.0.2, 5678, INTERVAL 2)
  -> Unqueue(LIMIT 6)
  -> IPPrint(s, CONTENTS HEX, TIMESTAMP false, OUTFILE @OUT@/s.txt)
  -> Discard;
s2 :: FastUDPSource(0, 3, 40, 2:0:0:0:0:3, 192.0.2.1, 53, 2:0:0:0:0:4, 198.51.100.9, 33000, false)
  -> Unqueue(LIMIT 3)
  -> IPPrint(s2, CONTENTS HEX, TIMESTAMP false, TTL true, ID true, OUTFILE @OUT@/s2.txt)
  -> Discard;
