//! HTTPS for `ducha serve --tls-cert F --tls-key F`: rustls (pure Rust, with the `ring`
//! provider: nothing to install, no cmake) through tokio-rustls.
//!
//! [`TlsListener`] is an [`axum::serve::Listener`], so HTTPS runs through the same `axum::serve`
//! as HTTP, with the same graceful shutdown. Handshakes run on their own tasks with a time
//! limit: a client that connects and says nothing holds up nobody.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls::pki_types::pem::{self, PemObject};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// A client must finish the TLS handshake within this time.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a PEM file could not be used, in Chinese.
fn pem_problem(e: &pem::Error, what: &str) -> String {
    match e {
        pem::Error::Io(io) => format!("无法读取（{io}）"),
        pem::Error::NoItemsFound => format!("其中没有 PEM 格式的{what}"),
        other => format!("PEM 格式有误（{other}）"),
    }
}

/// The server's TLS configuration from a PEM certificate chain and its PEM private key (PKCS#8,
/// PKCS#1 or SEC1). Every error names the file it is about.
pub fn config(cert: &Path, key: &Path) -> anyhow::Result<Arc<ServerConfig>> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| anyhow::anyhow!("证书文件 {}：{}", cert.display(), pem_problem(&e, "证书")))?;
    if certs.is_empty() {
        anyhow::bail!("证书文件 {}：其中没有 PEM 格式的证书（应含 -----BEGIN CERTIFICATE----- 一段）", cert.display());
    }
    let private = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| anyhow::anyhow!("私钥文件 {}：{}", key.display(), pem_problem(&e, "私钥")))?;
    // rustls marks the ring provider deprecated for lacking post-quantum key exchange; the
    // alternative (aws-lc-rs) compiles a large C library. Classical ECDHE on the office LAN.
    #[allow(deprecated)]
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow::anyhow!("TLS 配置失败：{e}"))?
        .with_no_client_auth()
        .with_single_cert(certs, private)
        .map_err(|e| anyhow::anyhow!("证书文件 {} 与私钥文件 {} 不能一起使用（{e}）", cert.display(), key.display()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A TCP listener whose connections have finished their TLS handshake.
pub struct TlsListener {
    rx: tokio::sync::mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    /// Starts accepting on `tcp` (call inside a tokio runtime). Connections whose handshake
    /// fails or times out are dropped.
    pub fn new(tcp: TcpListener, config: Arc<ServerConfig>) -> std::io::Result<TlsListener> {
        let local = tcp.local_addr()?;
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        let acceptor = TlsAcceptor::from(config);
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    _ = tx.closed() => return,
                    r = tcp.accept() => r,
                };
                let Ok((stream, addr)) = accepted else {
                    // Out of file descriptors and the like: wait a little, as axum does.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let (acceptor, tx) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    if let Ok(Ok(tls)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        let _ = tx.send((tls, addr)).await;
                    }
                });
            }
        });
        Ok(TlsListener { rx, local })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.rx.recv().await {
            Some(conn) => conn,
            // The accepting task ended: no connection will come any more.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(self.local)
    }
}
