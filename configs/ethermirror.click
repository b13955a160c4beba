// ethermirror.click — the seed's EtherMirror (Figure 4.1, Table 2.1): every
// frame goes back out of the interface it came in on, with its Ethernet
// source and destination swapped. A reflector for load tests.
//
//   sudo yard run configs/ethermirror.click -h c.count
//
// Offline, on the bundled capture:
//   yard run configs/ethermirror.click -h c.count \
//       --replace 'in0=FromDump(testdata/captures/mixed.pcap, STOP true)' \
//       --replace 'out0=ToDump(/tmp/mirror.pcap)'
//
// in0 (receive) and out0 (send) are the device; benchmarks and golden tests
// swap them for in-memory sources and files.

define($DEV0 veth0);

in0 :: FromDevice($DEV0, PROMISC true);
out0 :: ToDevice($DEV0);

in0 -> EtherMirror -> c :: Counter -> Queue(1024) -> out0;
