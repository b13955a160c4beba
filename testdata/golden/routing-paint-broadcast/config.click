// cross-checked: click
// DropBroadcasts, CheckPaint and ICMPError's link-level broadcast rule on
// routing-icmp.pcap: the frame sent to ff:ff:ff:ff:ff:ff is marked as a
// link-level broadcast (SetPacketType, as FromDevice would), UDP packets
// are painted 1 and the rest 2. DropBroadcasts drops the broadcast;
// CheckPaint(1) passes the packets painted 1 and sends the others to a
// redirect ICMPError (gateway from GetIPAddress's annotation); the
// host-unreachable ICMPError sees the broadcast and makes no error about
// it.
// Click ran the same text without BURST (one packet per run is its way);
// ours takes BURST 1 so that the errors' IP IDs are given in the same
// order.
FromDump(@IN@/routing-icmp.pcap, STOP true, BURST 1)
  -> c :: Classifier(0/ffffffffffff, 23/11, -);
c[0] -> SetPacketType(BROADCAST) -> Paint(1) -> j :: Null;
c[1] -> Paint(1) -> j;
c[2] -> Paint(2) -> j;
j -> Strip(14) -> MarkIPHeader -> GetIPAddress(16) -> t :: Tee(2);
t[0] -> db :: DropBroadcasts -> cp :: CheckPaint(1) -> EtherEncap(0x0800, 2:0:0:0:0:fe, 2:0:0:0:0:1) -> ToDump(@OUT@/passed.pcap);
cp[1] -> ICMPError(10.0.0.254, redirect, host)
  -> SetTimestamp(1700000000) -> EtherEncap(0x0800, 2:0:0:0:0:fe, 2:0:0:0:0:1) -> ToDump(@OUT@/redirects.pcap);
t[1] -> ICMPError(10.0.0.254, unreachable, host)
  -> SetTimestamp(1700000000) -> EtherEncap(0x0800, 2:0:0:0:0:fe, 2:0:0:0:0:1) -> ToDump(@OUT@/unreachable.pcap);
