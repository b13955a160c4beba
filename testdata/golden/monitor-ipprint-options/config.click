// cross-checked: click
// IPPrint's other options: ASCII contents with SWAP false and PAINT, the
// aggregate annotation without timestamps and a hex dump cut by NBYTES, an
// ASCII payload dump with TTL and ID.
FromDump(@IN@/mixed.pcap, STOP true) -> c :: Classifier(12/0800, -);
c[1] -> Discard;
c[0] -> CheckIPHeader(14, CHECKSUM false) -> Paint(3) -> t :: Tee(3);
t[0] -> IPPrint(a, CONTENTS ASCII, SWAP false, PAINT true, MAXLENGTH 40, OUTFILE @OUT@/ascii.txt) -> Discard;
t[1] -> IPPrint(TIMESTAMP false, AGGREGATE true, CONTENTS true, NBYTES 20, OUTFILE @OUT@/agg.txt) -> Discard;
t[2] -> IPPrint(p, PAYLOAD ASCII, TTL true, ID true, OUTFILE @OUT@/payload.txt) -> Discard;
