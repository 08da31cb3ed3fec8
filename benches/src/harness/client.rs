//! A small blocking RESP client for setup work: probes, INFO, loading keys.

use anax_protocol::{decode, encode_request, Value};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// One blocking connection.
pub struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
    pos: usize,
}

fn invalid(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

impl Client {
    /// Connects, with `timeout` for the connection and for every read and write.
    pub fn connect(addr: SocketAddr, timeout: Duration) -> io::Result<Client> {
        let stream = TcpStream::connect_timeout(&addr, timeout)?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        stream.set_nodelay(true)?;
        Ok(Client {
            stream,
            buf: Vec::with_capacity(64 * 1024),
            pos: 0,
        })
    }

    /// Sends one command and reads its reply (an error reply is `Ok(Value::Error)`).
    pub fn cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) -> io::Result<Value> {
        let mut out = Vec::new();
        encode_request(args, &mut out);
        self.stream.write_all(&out)?;
        self.read_value()
    }

    /// Writes bytes as they are (a pipeline of requests).
    pub fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Reads the next reply.
    pub fn read_value(&mut self) -> io::Result<Value> {
        loop {
            if self.pos < self.buf.len() {
                match decode(&self.buf[self.pos..]) {
                    Ok(Some((v, used))) => {
                        self.pos += used;
                        if self.pos == self.buf.len() {
                            self.buf.clear();
                            self.pos = 0;
                        }
                        return Ok(v);
                    }
                    Ok(None) => {}
                    Err(e) => return Err(invalid(format!("bad reply: {e}"))),
                }
            }
            if self.pos > 0 {
                self.buf.drain(..self.pos);
                self.pos = 0;
            }
            let len = self.buf.len();
            self.buf.resize(len + 64 * 1024, 0);
            let n = self.stream.read(&mut self.buf[len..]);
            match n {
                Ok(0) => {
                    self.buf.truncate(len);
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "server closed the connection",
                    ));
                }
                Ok(n) => self.buf.truncate(len + n),
                Err(e) => {
                    self.buf.truncate(len);
                    return Err(e);
                }
            }
        }
    }

    /// One field of `INFO <section>` (`used_memory`), as text; `None` when absent.
    pub fn info_field(&mut self, section: &str, field: &str) -> io::Result<Option<String>> {
        let v = self.cmd(&["INFO", section])?;
        let text = match v {
            Value::Bulk(b) => b,
            Value::Verbatim { text, .. } => text,
            other => return Err(invalid(format!("INFO replied {other:?}"))),
        };
        Ok(info_lookup(&String::from_utf8_lossy(&text), field))
    }

    /// An INFO field as a number.
    pub fn info_u64(&mut self, section: &str, field: &str) -> io::Result<Option<u64>> {
        Ok(self
            .info_field(section, field)?
            .and_then(|v| v.trim().parse().ok()))
    }

    /// Whether the server knows `command`: `COMMAND INFO` gives a description, not nil.
    pub fn knows_command(&mut self, command: &str) -> io::Result<bool> {
        match self.cmd(&["COMMAND", "INFO", command])? {
            Value::Array(items) => Ok(matches!(items.first(), Some(Value::Array(_)))),
            Value::Error(e) => Err(invalid(format!(
                "COMMAND INFO: {}",
                String::from_utf8_lossy(&e)
            ))),
            other => Err(invalid(format!("COMMAND INFO replied {other:?}"))),
        }
    }

    /// Sets keys `key:%012d` for `0..n` to 16-byte values `val:%012d` (or `value_size`
    /// bytes), `batch` requests per write; checks every reply.
    pub fn load_keys(&mut self, n: u64, value_size: usize, batch: usize) -> io::Result<()> {
        let mut out = Vec::with_capacity(batch * 64);
        let mut i = 0;
        while i < n {
            out.clear();
            let end = (i + batch as u64).min(n);
            for k in i..end {
                let key = key_name(k);
                let value = value_for(k, value_size);
                encode_request(&[&b"SET"[..], &key, &value], &mut out);
            }
            self.send_raw(&out)?;
            for _ in i..end {
                match self.read_value()? {
                    Value::Simple(s) if s == b"OK" => {}
                    other => return Err(invalid(format!("SET replied {other:?}"))),
                }
            }
            i = end;
        }
        Ok(())
    }
}

/// `key:` and twelve digits, the way redis-benchmark writes `key:__rand_int__`.
pub fn key_name(i: u64) -> [u8; 16] {
    let mut k = *b"key:000000000000";
    write_digits(&mut k[4..], i);
    k
}

/// `val:` and twelve digits (16 bytes; not an integer, so both servers store a string),
/// padded with `x` or cut to `size`.
pub fn value_for(i: u64, size: usize) -> Vec<u8> {
    let mut v = b"val:000000000000".to_vec();
    write_digits(&mut v[4..], i);
    v.resize(size, b'x');
    v
}

/// Writes the low decimal digits of `n` right-aligned into `out`, zero-padded.
fn write_digits(out: &mut [u8], mut n: u64) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

/// A field of an INFO reply: `field:value` lines.
pub fn info_lookup(info: &str, field: &str) -> Option<String> {
    info.lines().find_map(|line| {
        let (k, v) = line.split_once(':')?;
        (k == field).then(|| v.trim().to_string())
    })
}

/// The text of an error reply, or `None` for any other value.
pub fn error_text(v: &Value) -> Option<String> {
    match v {
        Value::Error(e) => Some(String::from_utf8_lossy(e).into_owned()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_values() {
        assert_eq!(&key_name(0), b"key:000000000000");
        assert_eq!(&key_name(1234567), b"key:000001234567");
        assert_eq!(value_for(42, 16), b"val:000000000042");
        assert_eq!(value_for(42, 18), b"val:000000000042xx");
        assert_eq!(value_for(42, 3), b"val");
    }

    #[test]
    fn info_fields() {
        let info = "# Memory\r\nused_memory:123456\r\nused_memory_human:120K\r\n";
        assert_eq!(info_lookup(info, "used_memory").as_deref(), Some("123456"));
        assert_eq!(info_lookup(info, "used_memory_rss"), None);
    }
}
