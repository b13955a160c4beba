// firewall.click — the seed's firewall (Figure 4.1, Table 2.1): a stateless
// IPFilter between an inside interface ($DEV0) and an outside one ($DEV1).
//
// Inside hosts may open TCP connections to web and SSH servers outside and
// ping; the outside may answer those (TCP with ACK set from the same ports,
// echo replies) and reach the inside's SSH servers, which may answer. ARP passes both ways so
// the hosts can find each other; everything else (IPv6 included) is
// dropped and counted.
//
//   sudo yard run configs/firewall.click -h in_f.program -h in_f.count
//     (edit the defines below, or swap the devices:
//      --replace 'in0=FromDevice(eth1, PROMISC true)' --replace 'out1=ToDevice(eth1)' …)
//
// A stateless filter cannot tell a reply from a forged packet with ACK set;
// denied TCP connections time out (nothing is sent back). Counters
// `in_ok.count`/`out_ok.count` and the drops in `--stats` show the verdicts.

define($DEV0 veth0, $DEV1 veth1);

AddressInfo(inside 10.0.0.0/8);

in0 :: FromDevice($DEV0, PROMISC true);   // from the inside
out0 :: ToDevice($DEV1);                  // to the outside
in1 :: FromDevice($DEV1, PROMISC true);   // from the outside
out1 :: ToDevice($DEV0);                  // to the inside

to_out :: Queue(1024) -> out0;
to_in :: Queue(1024) -> out1;

// Inside to outside.
in0 -> in_c :: Classifier(12/0806, 12/0800, -);
in_c[0] -> to_out;
in_c[1] -> CheckIPHeader(14)
  -> in_f :: IPFilter(allow tcp dst port www or https or ssh or 8080,
                      allow tcp opt ack and src net inside and tcp src port ssh,
                      allow icmp type echo,
                      allow udp dst port domain,
                      deny all)
  -> in_ok :: Counter -> to_out;
in_c[2] -> Discard;

// Outside to inside.
in1 -> out_c :: Classifier(12/0806, 12/0800, -);
out_c[0] -> to_in;
out_c[1] -> CheckIPHeader(14)
  -> out_f :: IPFilter(allow tcp opt ack and (tcp src port www or https or ssh or 8080),
                       allow dst net inside and tcp dst port ssh,
                       allow icmp type echo-reply or unreachable or timeexceeded,
                       allow udp src port domain,
                       deny all)
  -> out_ok :: Counter -> to_in;
out_c[2] -> Discard;
