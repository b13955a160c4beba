// wire.click — the seed's "wire" (Figure 4.1, Table 2.1): every frame that
// arrives on one interface leaves by the other, unchanged, in both
// directions. It measures the cost of moving packets and nothing else.
//
//   sudo yard run configs/wire.click -e … (or edit the defines below)
//
// Offline, on the bundled capture (devices replaced by files):
//   yard run configs/wire.click --replace 'in0=FromDump(testdata/captures/mixed.pcap, STOP true)' \
//       --replace 'out0=ToDump(/tmp/wire.pcap)' --replace in1=Idle --replace out1=Discard
//
// Elements named in0/in1 (receive) and out0/out1 (send) are the devices;
// benchmarks and golden tests swap them for in-memory sources and files.

define($DEV0 veth0, $DEV1 veth1);

in0 :: FromDevice($DEV0, PROMISC true);
in1 :: FromDevice($DEV1, PROMISC true);
out0 :: ToDevice($DEV1);
out1 :: ToDevice($DEV0);

in0 -> Queue(1024) -> out0;
in1 -> Queue(1024) -> out1;
