//! A blocking TLS stream over any `Read + Write` transport.

use crate::conn::Connection;
use crate::error::Error;
use std::io::{self, BufRead, Read, Write};

/// A [`Connection`] driven over a blocking transport such as a `TcpStream`.
#[derive(Debug)]
pub struct Stream<T: Read + Write> {
    conn: Connection,
    transport: T,
    eof: bool,
}

impl<T: Read + Write> Stream<T> {
    /// Wraps a connection and its transport. Nothing happens until the first I/O
    /// or [`Stream::handshake`].
    pub fn new(conn: Connection, transport: T) -> Self {
        Self {
            conn,
            transport,
            eof: false,
        }
    }

    /// The connection.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The connection, mutably (for `update_keys`, say).
    pub fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// Takes the pieces apart.
    pub fn into_parts(self) -> (Connection, T) {
        (self.conn, self.transport)
    }

    /// Runs the handshake to completion.
    pub fn handshake(&mut self) -> io::Result<()> {
        while self.conn.is_handshaking() {
            self.flush_tls()?;
            if !self.conn.is_handshaking() {
                break;
            }
            self.read_more()?;
        }
        self.flush_tls()
    }

    /// Writes every pending TLS byte to the transport.
    pub fn flush_tls(&mut self) -> io::Result<()> {
        while self.conn.wants_write() {
            self.conn.write_tls(&mut self.transport)?;
        }
        self.transport.flush()
    }

    /// Reads once from the transport and processes what arrived. On a fatal error the
    /// alert is sent before the error is returned.
    fn read_more(&mut self) -> io::Result<()> {
        if self.eof {
            return Err(io_error(Error::UnexpectedEof));
        }
        let n = match self.conn.read_tls_from(&mut self.transport) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(()),
            Err(e) => return Err(e),
        };
        if n == 0 {
            self.eof = true;
        }
        if let Err(e) = self.conn.process_new_packets() {
            // Tell the peer why, then report.
            let _ = self.flush_tls();
            return Err(io_error(e));
        }
        if n == 0 && !self.conn.received_close_notify() {
            return Err(io_error(Error::UnexpectedEof));
        }
        // Answers such as a KeyUpdate go out promptly.
        self.flush_tls()
    }

    /// Sends close_notify and flushes it.
    pub fn close(&mut self) -> io::Result<()> {
        self.conn.send_close_notify();
        self.flush_tls()
    }
}

fn io_error(e: Error) -> io::Error {
    let kind = match e {
        Error::UnexpectedEof => io::ErrorKind::UnexpectedEof,
        _ => io::ErrorKind::InvalidData,
    };
    io::Error::new(kind, e)
}

impl<T: Read + Write> Read for Stream<T> {
    /// Returns 0 at a clean close (close_notify); EOF without it is an error
    /// (a truncation attack must not look like the end of the data).
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.conn.is_handshaking() {
            self.handshake()?;
        }
        while self.conn.plaintext_available() == 0 {
            if self.conn.received_close_notify() {
                return Ok(0);
            }
            self.read_more()?;
        }
        Ok(self.conn.read_plaintext(buf))
    }
}

impl<T: Read + Write> BufRead for Stream<T> {
    /// Lends received plaintext where it was decrypted (no copy), reading and
    /// processing records until some is there; empty at a clean close (close_notify),
    /// an error at EOF without it, as [`Read::read`].
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.conn.is_handshaking() {
            self.handshake()?;
        }
        while self.conn.plaintext_available() == 0 {
            if self.conn.received_close_notify() {
                return Ok(&[]);
            }
            self.read_more()?;
        }
        Ok(self.conn.fill_plaintext())
    }

    fn consume(&mut self, amt: usize) {
        self.conn.consume_plaintext(amt);
    }
}

impl<T: Read + Write> Write for Stream<T> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.conn.is_handshaking() {
            self.handshake()?;
        }
        let n = self.conn.write_plaintext(buf).map_err(io_error)?;
        self.flush_tls()?;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flush_tls()
    }
}
