//! `tcp-connect CLIENT SERVER`: the SYN, SYN/ACK and ACK legs with the
//! endpoints' checks, and `reach ... over CLIENT SERVER`, which continues
//! from the connection it opens.

use super::*;

/// The IPv4 header a host looks at: the annotated one, else the first
/// from the data pointer.
pub(super) fn host_ip(flow: &Flow) -> Option<usize> {
    if let Ok(i) = flow.ip() {
        return Some(i);
    }
    (flow.head..flow.headers.len()).find(|&i| flow.headers[i].kind == HeaderKind::Ipv4)
}

/// How a required equality fares under a flow's constraints.
pub(super) enum Check {
    Holds,
    /// Cannot hold for any packet.
    Never,
    /// Holds only for some choices: these values break it.
    Only(String, HashMap<Var, u64>),
}

/// An endpoint's check holds only when the flow's constraints imply it:
/// a host's own address and ports are what they are, not whatever would
/// make the answer fit.
pub(super) fn check_eq(vars: &Vars, flow: &mut Flow, got: &Expr, want: &Expr, what: &str) -> Check {
    let mut broken = flow.store.clone();
    if broken.assert_ne(vars, got, want).is_err() {
        return Check::Holds;
    }
    let mut s = flow.store.clone();
    if s.assert_eq(vars, got, want).is_err() {
        return Check::Never;
    }
    let cond = format!(
        "{} = {}",
        show_expr(vars, &flow.store, got, what),
        show_expr(vars, &flow.store, want, what)
    );
    let mut prefer = HashMap::new();
    let chosen: Vec<Var> = broken
        .constrained_vars()
        .into_iter()
        .filter(|&v| vars.info(v).kind != VarKind::Input)
        .collect();
    if let Some(w) = broken.witness(vars, &chosen, &HashMap::new()) {
        for v in &chosen {
            prefer.insert(*v, w[v]);
        }
    }
    flow.store = broken;
    Check::Only(cond, prefer)
}

pub(super) fn tcp_connect(net: &Network, client: Place, server: Place, when: &[Cond]) -> Report {
    let mut vars = net.vars.clone();
    let mut conds = vec![
        Cond {
            field: Field::IpProto,
            param: None,
            set: IntervalSet::point(6),
        },
        Cond {
            field: Field::TcpFlags,
            param: None,
            set: IntervalSet::point(tcp_flags::SYN),
        },
    ];
    conds.extend(when.iter().cloned());
    let mut inj = match inject(&mut vars, &conds) {
        Ok(i) => i,
        Err(reason) => {
            return Report {
                verdict: "NOT-CONNECTED".into(),
                at: Some(net.place_name(client)),
                reason: Some(reason),
                ..Report::default()
            };
        }
    };
    let original = inj.flow.headers.clone();
    let field = |f: Field| {
        original[if f.header() == HeaderKind::Ipv4 { 1 } else { 2 }]
            .get(f)
            .clone()
    };
    let (c_src, c_dst, c_sport, c_dport, c_seq) = (
        field(Field::IpSrc),
        field(Field::IpDst),
        field(Field::SrcPort),
        field(Field::DstPort),
        field(Field::TcpSeq),
    );
    inj.flow
        .set_state("tcp/client.expect_ack", c_seq.add_const(1));
    let fields = inj.fields.clone();
    let mut last_failure: Option<Report> = None;
    let fail = |r: Report, last: &mut Option<Report>| {
        let better = match last {
            None => true,
            Some(l) => r.history.len() > l.history.len(),
        };
        if better {
            *last = Some(r);
        }
    };

    // Leg 1: the SYN.
    let leg1 = explore(net, &mut vars, client, inj.flow.clone(), &|p| p == server);
    if let Some(r) = memsafe_report(net, &vars, &leg1, &fields) {
        return r;
    }
    let unmodelled = unmodelled_in(net, &leg1);
    if leg1.delivered.is_empty() {
        let mut r = nothing_arrived(
            net,
            &vars,
            &leg1,
            &fields,
            NoArrival {
                verdict: "NOT-CONNECTED",
                leg: "SYN: ",
                exit_reason: None,
                otherwise: (client, "SYN: no flow reaches the server".into(), None),
            },
        );
        r.unmodelled = unmodelled;
        return r;
    }
    for f1 in leg1.delivered {
        // The server answers: SYN/ACK, its own ISN, acknowledging seq + 1.
        let mut f2 = f1.clone();
        let Some(ip) = host_ip(&f2) else {
            fail(
                fail_report(
                    net,
                    &vars,
                    "NOT-CONNECTED",
                    server,
                    "SYN arrives without an IPv4 header".into(),
                    &f1,
                    &fields,
                    &HashMap::new(),
                ),
                &mut last_failure,
            );
            continue;
        };
        let tr = ip + 1;
        if f2.headers.get(tr).map(|h| h.kind) != Some(HeaderKind::Transport) {
            fail(
                fail_report(
                    net,
                    &vars,
                    "NOT-CONNECTED",
                    server,
                    "SYN arrives without a TCP header".into(),
                    &f1,
                    &fields,
                    &HashMap::new(),
                ),
                &mut last_failure,
            );
            continue;
        }
        let seen: Vec<(Field, Expr)> = [Field::IpSrc, Field::IpDst]
            .iter()
            .map(|&f| (f, f2.field(ip, f).clone()))
            .chain(
                [Field::SrcPort, Field::DstPort]
                    .iter()
                    .map(|&f| (f, f2.field(tr, f).clone())),
            )
            .collect();
        let isn = vars.fresh("server.isn", 32, VarKind::Choice);
        // The server's TCP answers: addresses and ports swapped, its own
        // ISN, acknowledging seq + 1; the answer leaves by the server
        // element's output (the element stands for the host).
        swap_endpoints(&mut f2, ip, tr);
        let recv_seq = f2.field(tr, Field::TcpSeq).clone();
        f2.set_field(
            tr,
            Field::TcpFlags,
            Expr::constant(tcp_flags::SYN | tcp_flags::ACK, 8),
        );
        f2.set_field(tr, Field::TcpAck, recv_seq.add_const(1));
        f2.set_field(tr, Field::TcpSeq, Expr::var(isn, 32));
        f2.set_state("tcp/server.expect_ack", Expr::var(isn, 32).add_const(1));
        // Leg 2: the SYN/ACK, back to the client's box.
        let cnode = client.node;
        // Each leg is a new packet: coming back to places an earlier leg
        // crossed is not a loop.
        f2.visits = imbl::HashMap::new();
        let leg2 = explore_after(net, &mut vars, server, 0, f2, &|p| p.node == cnode);
        if let Some(r) = memsafe_report(net, &vars, &leg2, &fields) {
            return r;
        }
        if leg2.delivered.is_empty() {
            let exit =
                |_: Place| "SYN/ACK: leaves the network without reaching the client".to_string();
            let r = nothing_arrived(
                net,
                &vars,
                &leg2,
                &fields,
                NoArrival {
                    verdict: "NOT-CONNECTED",
                    leg: "SYN/ACK: ",
                    exit_reason: Some(&exit),
                    otherwise: (
                        server,
                        "SYN/ACK: the server sends nothing back".into(),
                        Some(&f1),
                    ),
                },
            );
            fail(r, &mut last_failure);
            continue;
        }
        'answers: for mut g in leg2.delivered {
            let at = *g
                .history
                .places()
                .last()
                .expect("delivered flows have a history");
            let Some(ip) = host_ip(&g) else {
                fail(
                    fail_report(
                        net,
                        &vars,
                        "NOT-CONNECTED",
                        at,
                        "SYN/ACK arrives without an IPv4 header".into(),
                        &g,
                        &fields,
                        &HashMap::new(),
                    ),
                    &mut last_failure,
                );
                continue;
            };
            let tr = ip + 1;
            if g.headers.get(tr).map(|h| h.kind) != Some(HeaderKind::Transport) {
                fail(
                    fail_report(
                        net,
                        &vars,
                        "NOT-CONNECTED",
                        at,
                        "SYN/ACK arrives without a TCP header".into(),
                        &g,
                        &fields,
                        &HashMap::new(),
                    ),
                    &mut last_failure,
                );
                continue;
            }
            let expect_ack = g
                .state("tcp/client.expect_ack")
                .cloned()
                .unwrap_or_else(|| c_seq.add_const(1));
            let checks = [
                (
                    "destination address",
                    g.field(ip, Field::IpDst).clone(),
                    c_src.clone(),
                ),
                (
                    "source address",
                    g.field(ip, Field::IpSrc).clone(),
                    c_dst.clone(),
                ),
                (
                    "destination port",
                    g.field(tr, Field::DstPort).clone(),
                    c_sport.clone(),
                ),
                (
                    "source port",
                    g.field(tr, Field::SrcPort).clone(),
                    c_dport.clone(),
                ),
                (
                    "flags",
                    g.field(tr, Field::TcpFlags).clone(),
                    Expr::constant(tcp_flags::SYN | tcp_flags::ACK, 8),
                ),
                ("ack", g.field(tr, Field::TcpAck).clone(), expect_ack),
            ];
            for (what, got, want) in checks {
                match check_eq(&vars, &mut g, &got, &want, what) {
                    Check::Holds => {}
                    Check::Never => {
                        let reason = format!(
                            "state mismatch: SYN/ACK {what} is {} where the client expects {}",
                            show_expr(&vars, &g.store, &got, what),
                            show_expr(&vars, &g.store, &want, what)
                        );
                        fail(
                            fail_report(
                                net,
                                &vars,
                                "NOT-CONNECTED",
                                at,
                                reason,
                                &g,
                                &fields,
                                &HashMap::new(),
                            ),
                            &mut last_failure,
                        );
                        continue 'answers;
                    }
                    Check::Only(cond, prefer) => {
                        let reason = format!("SYN/ACK {what} matches only if {cond}");
                        fail(
                            fail_report(
                                net,
                                &vars,
                                "NOT-CONNECTED",
                                at,
                                reason,
                                &g,
                                &fields,
                                &prefer,
                            ),
                            &mut last_failure,
                        );
                        continue 'answers;
                    }
                }
            }
            // Leg 3: the client's ACK, with its own addressing again.
            let mut f3 = g.clone();
            let server_seq = g.field(tr, Field::TcpSeq).clone();
            f3.headers = original.clone();
            f3.head = 0;
            f3.net = None;
            f3.annos = imbl::HashMap::new();
            f3.set_field(2, Field::TcpFlags, Expr::constant(tcp_flags::ACK, 8));
            f3.set_field(2, Field::TcpSeq, c_seq.add_const(1));
            f3.set_field(2, Field::TcpAck, server_seq.add_const(1));
            f3.visits = imbl::HashMap::new();
            let leg3 = explore(net, &mut vars, client, f3, &|p| p == server);
            if let Some(r) = memsafe_report(net, &vars, &leg3, &fields) {
                return r;
            }
            if leg3.delivered.is_empty() {
                let r = nothing_arrived(
                    net,
                    &vars,
                    &leg3,
                    &fields,
                    NoArrival {
                        verdict: "NOT-CONNECTED",
                        leg: "ACK: ",
                        exit_reason: None,
                        otherwise: (client, "ACK: no flow reaches the server".into(), Some(&g)),
                    },
                );
                fail(r, &mut last_failure);
                continue;
            }
            'acks: for mut h in leg3.delivered {
                let Some(ip) = host_ip(&h) else { continue };
                let tr = ip + 1;
                if h.headers.get(tr).map(|x| x.kind) != Some(HeaderKind::Transport) {
                    continue;
                }
                let expect = h
                    .state("tcp/server.expect_ack")
                    .cloned()
                    .expect("set on leg 2");
                let mut checks: Vec<(&str, Expr, Expr)> = seen
                    .iter()
                    .map(|(f, e)| {
                        let i = if f.header() == HeaderKind::Ipv4 {
                            ip
                        } else {
                            tr
                        };
                        (f.name(), h.field(i, *f).clone(), e.clone())
                    })
                    .collect();
                checks.push(("ack", h.field(tr, Field::TcpAck).clone(), expect));
                for (what, got, want) in checks {
                    match check_eq(&vars, &mut h, &got, &want, what) {
                        Check::Holds => {}
                        Check::Never => {
                            let reason = format!(
                                "state mismatch: ACK {what} is {} where the server expects {}",
                                show_expr(&vars, &h.store, &got, what),
                                show_expr(&vars, &h.store, &want, what)
                            );
                            fail(
                                fail_report(
                                    net,
                                    &vars,
                                    "NOT-CONNECTED",
                                    server,
                                    reason,
                                    &h,
                                    &fields,
                                    &HashMap::new(),
                                ),
                                &mut last_failure,
                            );
                            continue 'acks;
                        }
                        Check::Only(cond, prefer) => {
                            let reason = format!("ACK {what} matches only if {cond}");
                            fail(
                                fail_report(
                                    net,
                                    &vars,
                                    "NOT-CONNECTED",
                                    server,
                                    reason,
                                    &h,
                                    &fields,
                                    &prefer,
                                ),
                                &mut last_failure,
                            );
                            continue 'acks;
                        }
                    }
                }
                // Choices the legs themselves narrowed.
                let narrowed: Vec<Var> = h
                    .store
                    .constrained_vars()
                    .into_iter()
                    .filter(|&v| vars.info(v).kind == VarKind::Choice)
                    .collect();
                if !narrowed.is_empty() {
                    let cond: Vec<String> = narrowed
                        .iter()
                        .flat_map(|&v| h.store.describe_var(&vars, v))
                        .collect();
                    let reason = format!("connects only if {}", cond.join(" and "));
                    fail(
                        fail_report(
                            net,
                            &vars,
                            "NOT-CONNECTED",
                            server,
                            reason,
                            &h,
                            &fields,
                            &HashMap::new(),
                        ),
                        &mut last_failure,
                    );
                    continue;
                }
                let mut r = Report {
                    verdict: "CONNECTED".into(),
                    paths: vec![path_report(net, &vars, &h)],
                    unmodelled: unmodelled.clone(),
                    ..Report::default()
                };
                let cond: Vec<String> = h
                    .store
                    .constrained_vars()
                    .into_iter()
                    .filter(|&v| vars.info(v).kind == VarKind::Param)
                    .flat_map(|v| h.store.describe_var(&vars, v))
                    .collect();
                if !cond.is_empty() {
                    r.paths[0]
                        .notes
                        .push(format!("parameters: {}", cond.join(" and ")));
                }
                r.established = Some(Box::new((h.clone(), vars.clone())));
                return r;
            }
        }
    }
    let mut r = last_failure.unwrap_or_else(|| Report {
        verdict: "NOT-CONNECTED".into(),
        at: Some(net.place_name(server)),
        reason: Some("no answer reaches the client".into()),
        ..Report::default()
    });
    r.unmodelled = unmodelled;
    r
}

pub(super) fn show_expr(vars: &Vars, store: &Store, e: &Expr, what: &str) -> String {
    let r = store.resolve(e);
    match r.as_const() {
        Some(c) if what.contains("address") || what.starts_with("ip.") => {
            crate::expr::Format::Ipv4.show(c)
        }
        Some(c) => c.to_string(),
        None => r.display(vars).to_string(),
    }
}

pub(super) fn reach_over(
    net: &Network,
    from: Place,
    to: Place,
    client: Place,
    server: Place,
) -> Report {
    let conn = tcp_connect(net, client, server, &[]);
    let Some(est) = conn.established else {
        let mut r = conn;
        r.verdict = "UNREACHABLE".into();
        r.reason = Some(format!(
            "the connection to carry the request does not open: {}",
            r.reason.clone().unwrap_or_default()
        ));
        return r;
    };
    let (conn_flow, mut vars) = *est;
    // The request, from FROM to the proxy's box.
    let inj = inject_named(&mut vars, &[], "request.").expect("no conditions");
    let snode = server.node;
    let to_proxy = explore(net, &mut vars, from, inj.flow.clone(), &|p| p.node == snode);
    if to_proxy.delivered.is_empty() {
        let mut r = reach(net, from, server, &[]);
        r.verdict = "UNREACHABLE".into();
        return r;
    }
    let mut outcome = Outcome::default();
    for req in &to_proxy.delivered {
        // The proxy answers on the connection: the connection's headers
        // outside, the request's headers inside, state and constraints of
        // both.
        let mut carrier = conn_flow.clone();
        let Some(ip) = host_ip(&carrier) else {
            continue;
        };
        let tr = ip + 1;
        let inner: Vec<crate::flow::Header> = req.headers[req.head.min(req.headers.len())..]
            .iter()
            .filter(|h| h.kind != HeaderKind::Ether)
            .cloned()
            .collect();
        carrier.headers.truncate(tr + 1);
        carrier.headers.extend(inner);
        if carrier.store.absorb(&vars, &req.store).is_err() {
            continue;
        }
        for (k, v) in req.state.iter() {
            carrier.set_state(k, v.clone());
        }
        // The proxy's segment goes back the way the connection came.
        server_segment(&mut carrier, ip, tr);
        carrier.visits = imbl::HashMap::new();
        carrier.note(format!(
            "{} forwards the request inside the connection from {}",
            net.place_name(server),
            net.place_name(client)
        ));
        let o = explore_after(net, &mut vars, server, 0, carrier, &|p| p == to);
        outcome.delivered.extend(o.delivered);
        outcome.deaths.extend(o.deaths);
        outcome.exits.extend(o.exits);
    }
    if outcome.delivered.is_empty() {
        let mut r = nothing_arrived(
            net,
            &vars,
            &outcome,
            &inj.fields,
            NoArrival {
                verdict: "UNREACHABLE",
                leg: "",
                exit_reason: None,
                otherwise: (
                    server,
                    "nothing the proxy forwards reaches the destination".into(),
                    None,
                ),
            },
        );
        r.unmodelled = unmodelled_in(net, &outcome);
        return r;
    }
    Report {
        verdict: "REACHABLE".into(),
        paths: outcome
            .delivered
            .iter()
            .map(|f| path_report(net, &vars, f))
            .collect(),
        ..Report::default()
    }
}

/// Turns a packet round as its receiving host answers: addresses and
/// ports swapped.
pub(super) fn swap_endpoints(flow: &mut Flow, ip: usize, tr: usize) {
    let (src, dst) = (
        flow.field(ip, Field::IpSrc).clone(),
        flow.field(ip, Field::IpDst).clone(),
    );
    flow.set_field(ip, Field::IpSrc, dst);
    flow.set_field(ip, Field::IpDst, src);
    let (sport, dport) = (
        flow.field(tr, Field::SrcPort).clone(),
        flow.field(tr, Field::DstPort).clone(),
    );
    flow.set_field(tr, Field::SrcPort, dport);
    flow.set_field(tr, Field::DstPort, sport);
}

/// Makes the last packet the server saw on an open connection into the
/// server's next data segment: back the way it came, the server's next
/// sequence number, acknowledging the client's.
pub(super) fn server_segment(flow: &mut Flow, ip: usize, tr: usize) {
    let next_seq = flow
        .state("tcp/server.expect_ack")
        .cloned()
        .unwrap_or_else(|| flow.field(tr, Field::TcpAck).clone());
    let ack = flow.field(tr, Field::TcpSeq).clone();
    swap_endpoints(flow, ip, tr);
    flow.set_field(
        tr,
        Field::TcpFlags,
        Expr::constant(tcp_flags::ACK | tcp_flags::PSH, 8),
    );
    flow.set_field(tr, Field::TcpSeq, next_seq);
    flow.set_field(tr, Field::TcpAck, ack);
}
