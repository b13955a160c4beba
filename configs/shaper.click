// shaper.click — the seed's traffic shaper (Figure 4.1, Table 2.1): traffic
// from $DEV0 to $DEV1 is classified, marked with DiffServ code points and
// sent at no more than $RATE, voice first.
//
// Classes: voice (RTP/SIP: UDP ports 5060 and 16384-32767) gets EF (46),
// interactive (SSH, DNS) gets AF21 (18), everything else best effort (0).
// Each class has its own queue; a priority scheduler serves voice before
// interactive before the rest, and BandwidthRatedUnqueue paces the link to
// $RATE (bytes, with Click's token bucket: 20 ms of burst). Voice is capped
// at $VOICE_RATE by a BandwidthShaper so that it cannot starve the other
// classes. The best-effort queue is managed by RED, which watches the
// queue right after it: as the average length grows past 200 packets,
// packets are marked Congestion Experienced (ECN-capable ones, by
// MarkIPCE) or dropped (the others, also by MarkIPCE), so TCP senders slow
// down before the queue overflows. When a queue is full, packets of that
// class are dropped (tail drop, counted by the queue). Non-IPv4 frames
// pass in the best-effort class unmarked.
//
//   sudo yard run configs/shaper.click -h voice.count -h red.drops -h q_best.drops

define($DEV0 veth0, $DEV1 veth1, $RATE 100Mbps, $VOICE_RATE 10Mbps);

in0 :: FromDevice($DEV0, PROMISC true);
out0 :: ToDevice($DEV1);

in0 -> c :: Classifier(12/0800, -);
c[0] -> CheckIPHeader(14)
  -> cls :: IPClassifier(udp port 5060 or udp dst port >= 16384 and udp dst port <= 32767,
                         tcp port ssh or udp port domain,
                         -);
cls[0] -> voice :: Counter -> SetIPDSCP(46) -> q_voice :: Queue(100);
cls[1] -> inter :: Counter -> SetIPDSCP(18) -> q_inter :: Queue(200);
cls[2] -> best :: Counter -> SetIPDSCP(0)
  -> red :: RED(200, 800, 0.1) -> q_best :: Queue(1000);
red[1] -> MarkIPCE -> q_best;
c[1] -> q_best;

q_voice -> BandwidthShaper($VOICE_RATE) -> [0]sched :: PrioSched;
q_inter -> [1]sched;
q_best -> [2]sched;
sched -> shape :: BandwidthRatedUnqueue($RATE) -> out0;
