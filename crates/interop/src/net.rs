//! Ports: pick a free one, and tell whether a given process listens on one.

use std::collections::HashSet;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// Returns a TCP port on 127.0.0.1 that was free a moment ago: binds port 0, reads the port the
/// kernel chose and closes the socket again. A port is never handed out twice by one test
/// process, so parallel tests in the same process cannot collide with each other; a collision
/// with another process is still possible, which is why [`crate::Peer::spawn`] retries.
pub fn free_port() -> u16 {
    static HANDED_OUT: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    let handed_out = HANDED_OUT.get_or_init(|| Mutex::new(HashSet::new()));
    for _ in 0..100 {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .unwrap_or_else(|e| panic!("cannot bind 127.0.0.1:0 to pick a free port: {e}"));
        let port = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("cannot read the local address of a listener: {e}"))
            .port();
        drop(listener);
        let mut seen = handed_out
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if seen.insert(port) {
            return port;
        }
    }
    panic!("could not find a free port that this process has not used yet");
}

/// The state `/proc/net/tcp` uses for a listening socket.
const TCP_LISTEN: &str = "0A";

/// Tells whether process `pid` has a socket listening on TCP `port` (any local address).
///
/// On Linux this reads `/proc/<pid>/fd` and `/proc/net/tcp{,6}`, so it neither opens a
/// connection (which a one-shot server would count as its client) nor mistakes another
/// process's socket for ours. Without `/proc` it falls back to a connect probe on 127.0.0.1.
pub fn listening(pid: u32, port: u16) -> bool {
    match socket_inodes(pid) {
        Some(inodes) => ["/proc/net/tcp", "/proc/net/tcp6"].iter().any(|table| {
            std::fs::read_to_string(table)
                .map(|text| table_has_listener(&text, port, &inodes))
                .unwrap_or(false)
        }),
        None => TcpStream::connect_timeout(
            &SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            Duration::from_millis(200),
        )
        .is_ok(),
    }
}

/// The inodes of the sockets process `pid` has open, or `None` without a readable `/proc`.
fn socket_inodes(pid: u32) -> Option<HashSet<u64>> {
    std::fs::metadata("/proc/net/tcp").ok()?;
    let entries = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?;
    let mut inodes = HashSet::new();
    for entry in entries.flatten() {
        if let Ok(target) = std::fs::read_link(entry.path()) {
            let target = target.to_string_lossy();
            if let Some(inode) = target
                .strip_prefix("socket:[")
                .and_then(|rest| rest.strip_suffix(']'))
                .and_then(|number| number.parse().ok())
            {
                inodes.insert(inode);
            }
        }
    }
    Some(inodes)
}

/// Parses one `/proc/net/tcp` table: is there a listening socket on `port` whose inode is one
/// of `inodes`? Columns: `sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout
/// inode ...`, addresses as `HEXADDR:HEXPORT`.
fn table_has_listener(table: &str, port: u16, inodes: &HashSet<u64>) -> bool {
    table.lines().skip(1).any(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (Some(local), Some(state), Some(inode)) = (fields.get(1), fields.get(3), fields.get(9))
        else {
            return false;
        };
        let local_port = local
            .rsplit_once(':')
            .and_then(|(_, hex)| u16::from_str_radix(hex, 16).ok());
        local_port == Some(port)
            && *state == TCP_LISTEN
            && inode.parse::<u64>().is_ok_and(|n| inodes.contains(&n))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_ports_are_distinct_and_bindable() {
        let a = free_port();
        let b = free_port();
        assert_ne!(a, b);
        TcpListener::bind((Ipv4Addr::LOCALHOST, a)).expect("port should be free");
    }

    #[test]
    fn sees_own_listener_only() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        assert!(listening(std::process::id(), port));
        let other = free_port();
        assert!(!listening(std::process::id(), other));
        drop(listener);
        if std::fs::metadata("/proc/net/tcp").is_ok() {
            assert!(!listening(std::process::id(), port));
        }
    }

    #[test]
    fn parses_proc_table() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
            0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0\n\
            1: 0100007F:1F91 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 4343 1 0000000000000000 20 4 30 10 -1\n";
        let ours: HashSet<u64> = [4242, 4343].into_iter().collect();
        assert!(table_has_listener(table, 0x1F90, &ours));
        // Established, not listening.
        assert!(!table_has_listener(table, 0x1F91, &ours));
        // Listening, but not our socket.
        assert!(!table_has_listener(
            table,
            0x1F90,
            &[1].into_iter().collect()
        ));
    }
}
