// cross-checked: click
// Tee copies to every output; Paint colours each copy; PaintTee copies the
// packets of one colour; PaintSwitch sends by colour, 255 to every output.
src :: InfiniteSource(DATA \<00 11 22 33 44 55 66 77>, LIMIT 10, STOP true)
  -> t :: Tee(4);
t[0] -> Paint(1) -> ps :: PaintSwitch;
t[1] -> Paint(2) -> ps;
t[2] -> Paint(255) -> pt :: PaintTee(255) -> ps;
pt[1] -> cpt :: Counter -> Discard;
t[3] -> Paint(1, ANNO 20) -> ps20 :: PaintSwitch(20);
ps20[0] -> c20_0 :: Counter -> Discard;
ps20[1] -> c20_1 :: Counter -> Discard;
ps[0] -> c0 :: Counter -> Discard;
ps[1] -> c1 :: Counter -> Discard;
ps[2] -> c2 :: Counter -> Discard;
ps[3] -> c3 :: Counter -> Discard;
