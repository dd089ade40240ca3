//! A real SMTP server on 127.0.0.1: the `mailin` protocol engine (parser, state machine,
//! AUTH, dot-unstuffing) driven over tokio sockets, recording what it received.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use mailin::{AuthMechanism, Handler, Response, SessionBuilder, response};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One message as the server stored it.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: Vec<u8>,
}

#[derive(Debug, Default)]
pub struct Log {
    pub messages: Vec<Received>,
    /// Every AUTH attempt as (user, password): proves whether credentials were sent.
    pub auth_attempts: Vec<(String, String)>,
}

pub struct SmtpServer {
    pub addr: SocketAddr,
    log: Arc<Mutex<Log>>,
}

impl SmtpServer {
    pub fn messages(&self) -> Vec<Received> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner).messages.clone()
    }

    pub fn auth_attempts(&self) -> Vec<(String, String)> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner).auth_attempts.clone()
    }
}

/// Starts a server that offers no STARTTLS. With `accept = Some((user, password))` it offers
/// AUTH PLAIN and LOGIN even in plain text (so a client that wrongly sends credentials would
/// be seen doing so), requires AUTH, and accepts only those credentials.
pub async fn start(accept: Option<(&str, &str)>) -> SmtpServer {
    start_with_delay(accept, std::time::Duration::ZERO).await
}

/// `start`, with every reply held back by `delay`: a slow server, so one message takes about ten
/// delays.
pub async fn start_with_delay(accept: Option<(&str, &str)>, delay: std::time::Duration) -> SmtpServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let log = Arc::new(Mutex::new(Log::default()));
    let mut builder = SessionBuilder::new("mx.test");
    if accept.is_some() {
        builder.enable_auth(AuthMechanism::Plain).enable_auth(AuthMechanism::Login).insecure_enable_plaintext_auth();
    }
    let accept = accept.map(|(u, p)| (u.to_owned(), p.to_owned()));
    let shared = Arc::clone(&log);
    tokio::spawn(async move {
        while let Ok((stream, peer)) = listener.accept().await {
            let recorder = Recorder { log: Arc::clone(&shared), accept: accept.clone(), current: None };
            let session = builder.build(peer.ip(), recorder);
            tokio::spawn(serve(stream, session, delay));
        }
    });
    SmtpServer { addr, log }
}

async fn serve(
    stream: TcpStream,
    mut session: mailin::Session<Recorder>,
    delay: std::time::Duration,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    write.write_all(&session.greeting().buffer()?).await?;
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let reply = session.process(&line);
        if !delay.is_zero() && !matches!(reply.action, mailin::Action::NoReply) {
            tokio::time::sleep(delay).await;
        }
        match reply.action {
            mailin::Action::Reply => write.write_all(&reply.buffer()?).await?,
            // No TLS here: a STARTTLS the server never offered is not reachable.
            mailin::Action::Close | mailin::Action::UpgradeTls => {
                write.write_all(&reply.buffer()?).await?;
                return Ok(());
            }
            mailin::Action::NoReply => {}
        }
    }
}

struct Recorder {
    log: Arc<Mutex<Log>>,
    accept: Option<(String, String)>,
    current: Option<Received>,
}

impl Recorder {
    fn check(&self, user: &str, password: &str) -> Response {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .auth_attempts
            .push((user.to_owned(), password.to_owned()));
        match &self.accept {
            Some((u, p)) if u == user && p == password => response::AUTH_OK,
            _ => response::INVALID_CREDENTIALS,
        }
    }
}

impl Handler for Recorder {
    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = Some(Received { from: from.to_owned(), to: to.to_vec(), data: Vec::new() });
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if let Some(current) = &mut self.current {
            current.data.extend_from_slice(buf);
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        if let Some(done) = self.current.take() {
            self.log.lock().unwrap_or_else(PoisonError::into_inner).messages.push(done);
        }
        response::OK
    }

    fn auth_plain(&mut self, _authorization_id: &str, authentication_id: &str, password: &str) -> Response {
        self.check(authentication_id, password)
    }

    fn auth_login(&mut self, username: &str, password: &str) -> Response {
        self.check(username, password)
    }
}
