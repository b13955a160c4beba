// loadbalancer.click — the seed's load balancer (Figure 4.1, Table 2.1;
// section 4.2): client traffic arriving on $DEV0 is spread over three
// backend servers, one behind each of $DEV1, $DEV2 and $DEV3, consistently
// per flow.
//
// HashSwitch sums the IPv4 source and destination addresses and the TCP or
// UDP ports (bytes 26-37 of an Ethernet frame), so every packet of a flow,
// in either direction, picks the same backend, and flows spread evenly
// over the backends. Each frame leaves through its backend's port with that
// port's MAC address as source and the backend's as destination
// (EtherRewrite), so the backends see an ordinary next hop; they hold the
// service address and answer the clients themselves (direct server return).
// Non-IPv4 frames are dropped; IPv4 with options or fragments is balanced
// on whatever bytes sit where the ports would be (consistent per packet,
// not necessarily per flow).
//
//   sudo yard run configs/loadbalancer.click -h to0.count -h to1.count -h to2.count

define($DEV0 veth0,
       $DEV1 veth1, $DEV2 veth2, $DEV3 veth3,
       $PORT1_MAC 02:00:00:00:30:01, $PORT2_MAC 02:00:00:00:30:02,
       $PORT3_MAC 02:00:00:00:30:03,
       $BACKEND0 02:00:00:00:31:00, $BACKEND1 02:00:00:00:31:01,
       $BACKEND2 02:00:00:00:31:02);

in0 :: FromDevice($DEV0, PROMISC true);
out0 :: ToDevice($DEV1);
out1 :: ToDevice($DEV2);
out2 :: ToDevice($DEV3);

in0 -> c :: Classifier(12/0800, -);
c[1] -> Discard;
c[0] -> hs :: HashSwitch(26, 12);

// One path per backend: count, rewrite the Ethernet addresses, queue for
// the port.
hs[0] -> to0 :: Counter -> EtherRewrite($PORT1_MAC, $BACKEND0) -> Queue(1024) -> out0;
hs[1] -> to1 :: Counter -> EtherRewrite($PORT2_MAC, $BACKEND1) -> Queue(1024) -> out1;
hs[2] -> to2 :: Counter -> EtherRewrite($PORT3_MAC, $BACKEND2) -> Queue(1024) -> out2;
