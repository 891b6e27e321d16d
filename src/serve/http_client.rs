//! A minimal HTTP/1.1 client over a plain TCP stream, for loopback use only: the serve load
//! benchmark (`ducha-serve-bench`) and the browser test, which talks WebDriver to chromedriver.
//! One request per connection (`Connection: close`); `Content-Length` and chunked bodies; over
//! any stream with [`request_on`] (the HTTPS test passes a rustls stream); bodies made while
//! they are sent with [`request_streamed`] (uploads of the benchmark and the tests).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A response: status, headers (lower-case names) and body.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends one request to `host:port` and reads the whole response.
pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Response> {
    let s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(300)))?;
    request_on(s, addr, method, path, headers, body)
}

/// Sends one request over an open stream (plain TCP, or TLS in the HTTPS test) and reads the
/// whole response; `host` goes into the `Host` header.
pub fn request_on(
    mut s: impl Read + Write,
    host: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Response> {
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes())?;
    s.write_all(body)?;
    s.flush()?;
    // Read until the body is complete by its length (some servers keep the connection open
    // despite `Connection: close`), else to the end of the stream.
    let mut raw = Vec::new();
    let mut buf = [0u8; 16384];
    loop {
        let n = match s.read(&mut buf) {
            Ok(n) => n,
            // A TLS peer that closes without close_notify: what arrived is the response.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !raw.is_empty() => 0,
            Err(e) => return Err(e),
        };
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
        if complete(&raw) {
            break;
        }
    }
    parse(&raw).ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "malformed HTTP response"))
}

/// A request body made while it is sent, never held whole: `prefix`, then `len` bytes that
/// `fill(seed, offset, buf)` writes 64 KiB at a time, then `suffix`; with `Content-Length`, or
/// chunked when `chunked`.
pub struct Streamed {
    pub prefix: Vec<u8>,
    pub len: u64,
    pub fill: fn(u64, u64, &mut [u8]),
    pub seed: u64,
    pub suffix: Vec<u8>,
    pub chunked: bool,
}

/// Sends a [`Streamed`] body from a writer thread while this thread reads the answer, so a
/// server that answers before reading the whole body (a refused upload) is heard; returns the
/// response and how many of the `len` bytes went out before the server stopped reading.
pub fn request_streamed(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Streamed,
) -> std::io::Result<(Response, u64)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(300)))?;
    let length = if body.chunked {
        "Transfer-Encoding: chunked".to_string()
    } else {
        format!("Content-Length: {}", body.prefix.len() as u64 + body.len + body.suffix.len() as u64)
    };
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{length}\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes())?;
    let mut w = s.try_clone()?;
    let writer = std::thread::spawn(move || -> u64 {
        let put = |w: &mut TcpStream, b: &[u8]| -> std::io::Result<()> {
            if body.chunked {
                w.write_all(format!("{:x}\r\n", b.len()).as_bytes())?;
                w.write_all(b)?;
                w.write_all(b"\r\n")
            } else {
                w.write_all(b)
            }
        };
        if put(&mut w, &body.prefix).is_err() {
            return 0;
        }
        let mut buf = vec![0u8; 64 * 1024];
        let mut sent = 0u64;
        while sent < body.len {
            let n = buf.len().min((body.len - sent) as usize);
            (body.fill)(body.seed, sent, &mut buf[..n]);
            if put(&mut w, &buf[..n]).is_err() {
                return sent;
            }
            sent += n as u64;
        }
        let _ = put(&mut w, &body.suffix);
        if body.chunked {
            let _ = w.write_all(b"0\r\n\r\n");
        }
        let _ = w.flush();
        sent
    });
    let mut raw = Vec::new();
    let mut buf = [0u8; 16384];
    let read = loop {
        match s.read(&mut buf) {
            Ok(0) => break Ok(()),
            Ok(n) => {
                raw.extend_from_slice(&buf[..n]);
                if complete(&raw) {
                    break Ok(());
                }
            }
            // A server that stopped reading may reset the connection after its answer.
            Err(_) if !raw.is_empty() => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    let _ = s.shutdown(std::net::Shutdown::Both);
    let sent = writer.join().unwrap_or(0);
    read?;
    let r =
        parse(&raw).ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "malformed HTTP response"))?;
    Ok((r, sent))
}

/// True when `raw` holds a whole response: headers and a body of its `Content-Length`, or a
/// chunked body up to its last chunk.
fn complete(raw: &[u8]) -> bool {
    let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else { return false };
    let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
    let body = &raw[end + 4..];
    for line in head.split("\r\n") {
        if let Some(v) = line.strip_prefix("content-length:") {
            return v.trim().parse::<usize>().is_ok_and(|n| body.len() >= n);
        }
        if line.starts_with("transfer-encoding:") && line.contains("chunked") {
            return body.ends_with(b"0\r\n\r\n");
        }
    }
    false
}

fn parse(raw: &[u8]) -> Option<Response> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    if headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked")) {
        body = dechunk(&body)?;
    }
    Some(Response { status, headers, body })
}

fn dechunk(mut b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = b.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&b[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        b = &b[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(b.get(..size)?);
        b = b.get(size + 2..)?;
    }
}

/// Percent-encodes a form value or path segment (UTF-8).
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// An `application/x-www-form-urlencoded` body.
pub fn form(pairs: &[(String, String)]) -> String {
    pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&")
}

/// Decodes the few entities the templates' autoescape writes.
pub fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&amp;", "&")
}

/// Every field of the forms on a page as a browser would submit it: `<input>` values,
/// `<textarea>` texts and the selected `<option>` of each `<select>` (buttons excluded).
pub fn form_fields(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let attr =
        |tag: &str, a: &str| tag.split(&format!(" {a}=\"")).nth(1).and_then(|s| s.split('"').next()).map(unescape);
    for part in html.split("<input").skip(1) {
        let tag = part.split('>').next().unwrap_or("");
        if let Some(n) = attr(tag, "name") {
            out.push((n, attr(tag, "value").unwrap_or_default()));
        }
    }
    for part in html.split("<textarea").skip(1) {
        let (tag, rest) = part.split_once('>').unwrap_or((part, ""));
        if let Some(n) = attr(tag, "name") {
            out.push((n, unescape(rest.split("</textarea>").next().unwrap_or(""))));
        }
    }
    for part in html.split("<select").skip(1) {
        let (tag, rest) = part.split_once('>').unwrap_or((part, ""));
        let Some(n) = attr(tag, "name") else { continue };
        let body = rest.split("</select>").next().unwrap_or("");
        let options: Vec<&str> = body.split("<option").skip(1).collect();
        let chosen =
            options.iter().find(|o| o.split('>').next().unwrap_or("").contains(" selected")).or(options.first());
        if let Some(o) = chosen {
            let (otag, text) = o.split_once('>').unwrap_or((o, ""));
            let v = attr(otag, "value").unwrap_or_else(|| unescape(text.split("</option>").next().unwrap_or("")));
            out.push((n, v));
        }
    }
    out
}
