//! From trace lines to ladders: events grouped by connection, each message matched
//! between the sender's and the receiver's view, laid out in one causal order, and
//! marked encrypted or not.

use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

/// Runs of at least this many application-data records in one direction become one
/// arrow, so a mebibyte transfer does not draw a hundred identical arrows.
const COALESCE_RUN: usize = 4;

/// One end of the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    /// The side that sent the ClientHello.
    Client,
    /// The other one.
    Server,
}

impl Side {
    /// Both sides, client first (the order of the lanes).
    pub const BOTH: [Side; 2] = [Side::Client, Side::Server];

    /// `"client"` or `"server"`, as the trace spells them.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "client" => Some(Self::Client),
            "server" => Some(Self::Server),
            _ => None,
        }
    }

    /// The name as the trace spells it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::Server => "server",
        }
    }

    /// The other side.
    pub fn peer(self) -> Self {
        match self {
            Self::Client => Self::Server,
            Self::Server => Self::Client,
        }
    }

    /// 0 for the client, 1 for the server: an index into per-side arrays.
    pub fn index(self) -> usize {
        match self {
            Self::Client => 0,
            Self::Server => 1,
        }
    }
}

/// One line of the trace.
#[derive(Clone, Debug)]
pub struct Event {
    /// 1-based line number in the file (for messages about it).
    pub line: usize,
    /// The `event` name (`"ClientHello"`, …; unknown names are kept).
    pub name: String,
    /// The side whose view this is.
    pub side: Side,
    /// Index among `side`'s events of the connection.
    pub seq: u64,
    /// Microseconds since the connection's first event, when given.
    pub t_us: Option<u64>,
    /// The connection number.
    pub conn: u64,
    /// The sender, for events that are messages.
    pub from: Option<Side>,
    /// Every other key of the object (the event's own fields, known or not).
    pub fields: Map<String, Value>,
}

impl Event {
    /// Whether the event is a message on the wire (drawn as an arrow). Renegotiation
    /// has a `from` (who asked) but is a decision, not a message.
    pub fn is_message(&self) -> bool {
        self.from.is_some() && self.name != "Renegotiation"
    }

    /// The field `key` unless absent or null.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.fields.get(key).filter(|v| !v.is_null())
    }

    /// The field `key` as a string.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::as_str)
    }

    /// The field `key` as a boolean.
    pub fn bool(&self, key: &str) -> Option<bool> {
        self.get(key).and_then(Value::as_bool)
    }

    /// The field `key` as an unsigned integer.
    pub fn u64(&self, key: &str) -> Option<u64> {
        self.get(key).and_then(Value::as_u64)
    }
}

/// A message drawn as one arrow: the sender's event and the receiver's, when the trace
/// has them.
#[derive(Clone, Debug)]
pub struct Message {
    /// The event name.
    pub name: String,
    /// Who sent it.
    pub from: Side,
    /// The sender's event (the first of a coalesced run).
    pub sent: Option<Event>,
    /// The receiver's event (the first of a coalesced run).
    pub received: Option<Event>,
    /// How many events of the side the arrow is anchored on it stands for (1 unless
    /// application data were coalesced).
    pub events: usize,
    /// Application data: plaintext bytes and records in total.
    pub bytes: u64,
    /// Application data: records in total.
    pub records: u64,
    /// Whether the message travelled encrypted.
    pub encrypted: bool,
}

impl Message {
    /// The event the arrow is placed by: the sender's, else the receiver's.
    pub fn anchor(&self) -> &Event {
        self.sent
            .as_ref()
            .or(self.received.as_ref())
            .expect("a message has at least one event")
    }

    /// The field `key`, from the sender's view, else the receiver's (the receiver
    /// knows some values the sender's event leaves null, and the other way round).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.sent
            .as_ref()
            .and_then(|e| e.get(key))
            .or_else(|| self.received.as_ref().and_then(|e| e.get(key)))
    }

    /// The field `key` as a string.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::as_str)
    }

    /// The field `key` as an unsigned integer.
    pub fn u64(&self, key: &str) -> Option<u64> {
        self.get(key).and_then(Value::as_u64)
    }

    /// Every field name present in either view, sorted.
    pub fn field_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .sent
            .iter()
            .chain(self.received.iter())
            .flat_map(|e| e.fields.keys().map(String::as_str))
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The seq of the event in `side`'s view, when that view has it.
    pub fn seq(&self, side: Side) -> Option<u64> {
        let event = if side == self.from {
            self.sent.as_ref()
        } else {
            self.received.as_ref()
        };
        event.map(|e| e.seq)
    }
}

/// One row of the ladder.
#[derive(Clone, Debug)]
pub enum Item {
    /// An arrow between the lanes.
    Message(Message),
    /// A local step on one lane (keys derived, a check, …).
    Note(Event),
}

/// What was negotiated, gathered from every event of a connection.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// The protocol version.
    pub version: Option<String>,
    /// The cipher suite.
    pub cipher_suite: Option<String>,
    /// The key exchange group.
    pub group: Option<String>,
    /// TLS 1.2 key exchange kind (ECDHE, DHE, RSA).
    pub kx: Option<String>,
    /// The signature scheme the server signed with.
    pub server_scheme: Option<String>,
    /// The signature scheme the client signed with (mutual TLS).
    pub client_scheme: Option<String>,
    /// The ALPN protocol chosen.
    pub alpn: Option<String>,
    /// The SNI the client sent.
    pub server_name: Option<String>,
    /// TLS 1.2: whether the extended master secret was used.
    pub extended_master_secret: Option<bool>,
    /// Resumption, as "mechanism accepted|declined".
    pub resumption: Option<String>,
    /// Certificate checks passed, failed, and not checked (did not run).
    pub checks: (usize, usize, usize),
    /// Whether a side reported the handshake complete.
    pub complete: bool,
    /// The first fatal alert: who sent it and its description.
    pub fatal_alert: Option<(Side, String)>,
    /// Application data bytes sent by the client and by the server.
    pub app_bytes: [u64; 2],
}

/// One connection of the trace, ready to draw.
#[derive(Clone, Debug)]
pub struct Connection {
    /// The `conn` number.
    pub conn: u64,
    /// Whether the trace has the client's view and the server's.
    pub traced: [bool; 2],
    /// The rows, top to bottom.
    pub items: Vec<Item>,
    /// The negotiated parameters.
    pub summary: Summary,
}

/// Groups `events` by connection (in `conn` order) and lays each out.
pub fn connections(events: Vec<Event>) -> Vec<Connection> {
    let mut by_conn: BTreeMap<u64, Vec<Event>> = BTreeMap::new();
    for event in events {
        by_conn.entry(event.conn).or_default().push(event);
    }
    by_conn
        .into_iter()
        .map(|(conn, events)| connection(conn, events))
        .collect()
}

/// What a view's event became.
#[derive(Clone, Copy)]
enum Role {
    /// It places an item (a note, or the arrow of a message it sent or alone saw).
    Anchor(usize),
    /// It is the receiving end of the arrow of item N, placed by the sender's event.
    Receives(usize),
    /// A further record folded into an arrow placed elsewhere.
    Folded,
}

fn connection(conn: u64, events: Vec<Event>) -> Connection {
    let summary = summarize(&events);
    let mut views: [Vec<Event>; 2] = [Vec::new(), Vec::new()];
    for event in events {
        views[event.side.index()].push(event);
    }
    for view in &mut views {
        // Stable: lines with equal seq keep their file order.
        view.sort_by_key(|e| e.seq);
    }
    let traced = [!views[0].is_empty(), !views[1].is_empty()];

    let mut items: Vec<Item> = Vec::new();
    let mut roles: HashMap<(usize, usize), Role> = HashMap::new();
    for from in Side::BOTH {
        match_direction(&views, from, &mut items, &mut roles);
    }
    for side in Side::BOTH {
        for (i, event) in views[side.index()].iter().enumerate() {
            if !event.is_message() {
                roles.insert((side.index(), i), Role::Anchor(items.len()));
                items.push(Item::Note(event.clone()));
            }
        }
    }

    let order = causal_order(&views, &roles, &items);
    let mut slots: Vec<Option<Item>> = items.into_iter().map(Some).collect();
    let mut ordered: Vec<Item> = order.into_iter().filter_map(|i| slots[i].take()).collect();
    mark_encrypted(&mut ordered, traced[Side::Client.index()]);
    Connection {
        conn,
        traced,
        items: coalesce(ordered),
        summary,
    }
}

/// Pairs the messages `from` sent, as its own view has them, with the same messages in
/// the peer's view, in order and by name; a message only one view has still gets an
/// arrow. One application write may arrive as several records: those are folded into
/// the write's arrow.
fn match_direction(
    views: &[Vec<Event>; 2],
    from: Side,
    items: &mut Vec<Item>,
    roles: &mut HashMap<(usize, usize), Role>,
) {
    let (s, r) = (from.index(), from.peer().index());
    let of = |view: &[Event]| -> Vec<usize> {
        (0..view.len())
            .filter(|&i| view[i].is_message() && view[i].from == Some(from))
            .collect()
    };
    let sent = of(&views[s]);
    let received = of(&views[r]);
    let mut next = 0;
    let alone = |idx: usize, items: &mut Vec<Item>, roles: &mut HashMap<_, _>| {
        roles.insert((r, idx), Role::Anchor(items.len()));
        items.push(Item::Message(message(from, None, Some(&views[r][idx]))));
    };
    for &si in &sent {
        let event = &views[s][si];
        let found = received[next..]
            .iter()
            .position(|&ri| views[r][ri].name == event.name)
            .map(|p| next + p);
        let Some(k) = found else {
            roles.insert((s, si), Role::Anchor(items.len()));
            items.push(Item::Message(message(from, Some(event), None)));
            continue;
        };
        // What the receiver saw before this message but the sender never logged.
        for &ri in &received[next..k] {
            alone(ri, items, roles);
        }
        let id = items.len();
        roles.insert((s, si), Role::Anchor(id));
        roles.insert((r, received[k]), Role::Receives(id));
        let msg = message(from, Some(event), Some(&views[r][received[k]]));
        next = k + 1;
        if event.name == "ApplicationData" {
            // Fold the further records of this write.
            let mut got = views[r][received[k]].u64("bytes").unwrap_or(0);
            let want = event.u64("bytes").unwrap_or(0);
            while got < want && next < received.len() {
                let more = &views[r][received[next]];
                if more.name != "ApplicationData" {
                    break;
                }
                got += more.u64("bytes").unwrap_or(0);
                roles.insert((r, received[next]), Role::Folded);
                next += 1;
            }
        }
        items.push(Item::Message(msg));
    }
    for &ri in &received[next..] {
        alone(ri, items, roles);
    }
}

fn message(from: Side, sent: Option<&Event>, received: Option<&Event>) -> Message {
    let anchor = sent.or(received).expect("one view at least");
    let app = anchor.name == "ApplicationData";
    Message {
        name: anchor.name.clone(),
        from,
        sent: sent.cloned(),
        received: received.cloned(),
        events: 1,
        bytes: if app {
            anchor.u64("bytes").unwrap_or(0)
        } else {
            0
        },
        records: if app {
            anchor.u64("records").unwrap_or(1)
        } else {
            0
        },
        encrypted: false,
    }
}

/// One top-to-bottom order of the items that keeps each view's order and places each
/// arrow before anything its receiver did after receiving it. Between independent
/// items the earlier time goes first (in `lucid demo` both views share one clock).
fn causal_order(
    views: &[Vec<Event>; 2],
    roles: &HashMap<(usize, usize), Role>,
    items: &[Item],
) -> Vec<usize> {
    // Per side: the items it places, and the arrows it receives, by position in its view.
    let mut placed: [Vec<(usize, usize)>; 2] = [Vec::new(), Vec::new()];
    let mut receives: [Vec<(usize, usize)>; 2] = [Vec::new(), Vec::new()];
    for side in 0..2 {
        for pos in 0..views[side].len() {
            match roles.get(&(side, pos)) {
                Some(Role::Anchor(id)) => placed[side].push((pos, *id)),
                Some(Role::Receives(id)) => receives[side].push((pos, *id)),
                Some(Role::Folded) | None => {}
            }
        }
    }
    let time = |side: usize, pos: usize| views[side][pos].t_us;
    let mut done = vec![false; items.len()];
    let mut head = [0usize; 2];
    let mut waiting = [0usize; 2];
    let mut order = Vec::with_capacity(items.len());
    loop {
        let mut blocked = [false; 2];
        for side in 0..2 {
            while waiting[side] < receives[side].len() && done[receives[side][waiting[side]].1] {
                waiting[side] += 1;
            }
            blocked[side] = head[side] < placed[side].len()
                && waiting[side] < receives[side].len()
                && receives[side][waiting[side]].0 < placed[side][head[side]].0;
        }
        let open = [head[0] < placed[0].len(), head[1] < placed[1].len()];
        let pick = match open {
            [false, false] => break,
            [true, false] => 0,
            [false, true] => 1,
            [true, true] if blocked[0] != blocked[1] => usize::from(blocked[0]),
            [true, true] => {
                let t0 = time(0, placed[0][head[0]].0);
                let t1 = time(1, placed[1][head[1]].0);
                match (t0, t1) {
                    (Some(a), Some(b)) if b < a => 1,
                    _ => 0,
                }
            }
        };
        let id = placed[pick][head[pick]].1;
        head[pick] += 1;
        done[id] = true;
        order.push(id);
    }
    order
}

/// Marks each message encrypted or not. TLS 1.3: everything after ServerHello but the
/// compatibility ChangeCipherSpec (the client's side turns on with its handshake keys,
/// when its view is traced). Otherwise (TLS 1.2): each direction after its sender's
/// ChangeCipherSpec.
fn mark_encrypted(items: &mut [Item], client_traced: bool) {
    let tls13 = items.iter().any(|item| match item {
        Item::Message(m) => m.name == "ServerHello" && m.str("version") == Some("TLSv1.3"),
        Item::Note(_) => false,
    });
    let mut on = [false; 2];
    let mut client_waits_for_keys = false;
    for item in items {
        match item {
            Item::Message(m) => {
                let from = m.from.index();
                m.encrypted = on[from] && m.name != "ChangeCipherSpec";
                if tls13 && m.name == "ServerHello" {
                    on[Side::Server.index()] = true;
                    if client_traced {
                        client_waits_for_keys = true;
                    } else {
                        on[Side::Client.index()] = true;
                    }
                } else if !tls13 && m.name == "ChangeCipherSpec" {
                    on[from] = true;
                }
            }
            Item::Note(e) => {
                if client_waits_for_keys
                    && e.side == Side::Client
                    && (e.name == "KeyExchange" || e.name == "KeysDerived")
                {
                    on[Side::Client.index()] = true;
                    client_waits_for_keys = false;
                }
            }
        }
    }
}

/// Folds each run of [`COALESCE_RUN`] or more consecutive application-data arrows
/// (a bulk transfer, an echo going back and forth) into one arrow per direction, in
/// the order the directions first appear.
fn coalesce(items: Vec<Item>) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::with_capacity(items.len());
    let mut run: Vec<Message> = Vec::new();
    let flush = |run: &mut Vec<Message>, out: &mut Vec<Item>| {
        if run.len() < COALESCE_RUN {
            out.extend(run.drain(..).map(Item::Message));
            return;
        }
        let mut merged: Vec<Message> = Vec::with_capacity(2);
        for m in run.drain(..) {
            match merged.iter_mut().find(|x| x.from == m.from) {
                Some(x) => {
                    x.events += m.events;
                    x.bytes += m.bytes;
                    x.records += m.records;
                }
                None => merged.push(m),
            }
        }
        out.extend(merged.into_iter().map(Item::Message));
    };
    for item in items {
        match item {
            Item::Message(m) if m.name == "ApplicationData" => run.push(m),
            other => {
                flush(&mut run, &mut out);
                out.push(other);
            }
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Gathers the negotiated parameters from every event of a connection (either view).
fn summarize(events: &[Event]) -> Summary {
    let mut s = Summary::default();
    let mut traced = [false; 2];
    for e in events {
        traced[e.side.index()] = true;
    }
    let set = |slot: &mut Option<String>, value: Option<&str>| {
        if slot.is_none() {
            *slot = value.map(str::to_owned);
        }
    };
    for e in events {
        match e.name.as_str() {
            "ClientHello" => set(&mut s.server_name, e.str("server_name")),
            "ServerHello" => {
                set(&mut s.version, e.str("version"));
                set(&mut s.cipher_suite, e.str("cipher_suite"));
                set(&mut s.group, e.str("group"));
            }
            "HandshakeComplete" => {
                s.complete = true;
                set(&mut s.version, e.str("version"));
                set(&mut s.cipher_suite, e.str("cipher_suite"));
                set(&mut s.group, e.str("group"));
                set(&mut s.alpn, e.str("alpn"));
            }
            "EncryptedExtensions" => set(&mut s.alpn, e.str("alpn")),
            "ServerKeyExchange" => {
                set(&mut s.kx, e.str("kx"));
                set(&mut s.group, e.str("group"));
                set(&mut s.server_scheme, e.str("scheme"));
            }
            "ClientKeyExchange" => set(&mut s.kx, e.str("kx")),
            "CertificateVerify" => match e.from {
                Some(Side::Server) => set(&mut s.server_scheme, e.str("scheme")),
                Some(Side::Client) => set(&mut s.client_scheme, e.str("scheme")),
                None => {}
            },
            "MasterSecret" => {
                s.extended_master_secret = s.extended_master_secret.or(e.bool("extended"))
            }
            "Resumption" if s.resumption.is_none() => {
                let mechanism = e.str("mechanism").unwrap_or("?");
                let outcome = match e.bool("accepted") {
                    Some(true) => "accepted",
                    Some(false) => "declined",
                    None => "?",
                };
                s.resumption = Some(format!("{mechanism} {outcome}"));
            }
            "CertificateCheck" => {
                let checked = e
                    .bool("checked")
                    .unwrap_or_else(|| !e.str("detail").unwrap_or("").starts_with("not checked"));
                match (e.bool("passed"), checked) {
                    (Some(true), true) => s.checks.0 += 1,
                    (Some(true), false) => s.checks.2 += 1,
                    _ => s.checks.1 += 1,
                }
            }
            "Alert" if e.bool("fatal") == Some(true) && s.fatal_alert.is_none() => {
                if let Some(from) = e.from {
                    let what = e.str("description").unwrap_or("?").to_owned();
                    s.fatal_alert = Some((from, what));
                }
            }
            "ApplicationData" => {
                // Count each byte once: from the sender's view when traced, else the
                // receiver's.
                if let Some(from) = e.from {
                    if (e.side == from) == traced[from.index()] {
                        s.app_bytes[from.index()] += e.u64("bytes").unwrap_or(0);
                    }
                }
            }
            _ => {}
        }
    }
    s
}
