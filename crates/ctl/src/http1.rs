//! HTTP/1.1 to a Supervisor-compatible server, for the XML-RPC client: `POST /RPC2`
//! on one kept-alive connection (Python's `SupervisorTransport` keeps its
//! `HTTPConnection` too), and `GET /logtail/...` / `/mainlogtail` on a connection of
//! its own per stream (as `http_client.HTTPHandler` does). Over a unix socket or TCP,
//! with `Authorization: Basic` when a username and a password are set. Answers other
//! than 200 become [`CallError::Unauthenticated`] (401) or [`CallError::Http`];
//! connection failures are classified like the gRPC client's (ENOENT, ECONNREFUSED).
//! Nothing here knows XML.

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::api::Server;
use crate::error::{CallError, classify};
use crate::url::Endpoint;

type Sender = SendRequest<Full<Bytes>>;

/// One server's HTTP/1.1 side. Cloning forgets the open connection.
pub(crate) struct Http1 {
    serverurl: String,
    auth: Option<HeaderValue>,
    conn: Option<Sender>,
}

impl Clone for Http1 {
    fn clone(&self) -> Http1 {
        Http1 {
            serverurl: self.serverurl.clone(),
            auth: self.auth.clone(),
            conn: None,
        }
    }
}

impl Http1 {
    pub(crate) fn new(server: &Server) -> Http1 {
        Http1 {
            serverurl: server.serverurl.clone(),
            auth: basic_auth(server),
            conn: None,
        }
    }

    /// POSTs `body` to `path` and returns the body of a 200 answer. A kept-alive
    /// connection the server has closed in the meantime is replaced once, when the
    /// request could not even be written (so nothing runs twice).
    pub(crate) async fn post(&mut self, path: &str, body: Vec<u8>) -> Result<Vec<u8>, CallError> {
        let body = Bytes::from(body);
        let (mut sender, mut reused) = match self.conn.take() {
            Some(s) if !s.is_closed() => (s, true),
            _ => (self.connect().await?, false),
        };
        loop {
            let request = self.request(Method::POST, path, body.clone())?;
            let sent = match sender.ready().await {
                Ok(()) => sender.send_request(request).await,
                Err(e) => Err(e),
            };
            match sent {
                Ok(response) => {
                    let response = check(response)?;
                    let data = response.into_body().collect().await.map_err(from_hyper)?;
                    if !sender.is_closed() {
                        self.conn = Some(sender);
                    }
                    return Ok(data.to_bytes().to_vec());
                }
                Err(e) if reused && (e.is_canceled() || e.is_closed()) => {
                    reused = false;
                    sender = self.connect().await?;
                }
                Err(e) => return Err(from_hyper(e)),
            }
        }
    }

    /// GETs `path` on a new connection and returns the body of a 200 answer, to be
    /// read as it arrives.
    pub(crate) async fn get(&self, path: &str) -> Result<Body, CallError> {
        let mut sender = self.connect().await?;
        let request = self.request(Method::GET, path, Bytes::new())?;
        sender.ready().await.map_err(from_hyper)?;
        let response = sender.send_request(request).await.map_err(from_hyper)?;
        let response = check(response)?;
        Ok(Body {
            body: response.into_body(),
            _sender: sender,
        })
    }

    fn request(
        &self,
        method: Method,
        path: &str,
        body: Bytes,
    ) -> Result<Request<Full<Bytes>>, CallError> {
        let endpoint = Endpoint::parse(&self.serverurl).map_err(CallError::BadServerUrl)?;
        // What Python's httplib sends: `localhost` over a unix socket, host[:port].
        let host = match endpoint {
            Endpoint::Unix(_) => "localhost".to_string(),
            Endpoint::Tcp { host, port } => {
                let host = if host.contains(':') {
                    format!("[{host}]")
                } else {
                    host
                };
                if port == 80 {
                    host
                } else {
                    format!("{host}:{port}")
                }
            }
        };
        let mut builder = Request::builder()
            .method(method.clone())
            .uri(path)
            .header(header::HOST, host)
            .header(header::USER_AGENT, "supervisor-rs supervisorctl");
        if method == Method::POST {
            builder = builder
                .header(header::CONTENT_TYPE, "text/xml")
                .header(header::ACCEPT, "text/xml")
                .header(header::CONTENT_LENGTH, body.len());
        }
        if let Some(auth) = &self.auth {
            builder = builder.header(header::AUTHORIZATION, auth.clone());
        }
        builder
            .body(Full::new(body))
            .map_err(|e| CallError::BadServerUrl(e.to_string()))
    }

    async fn connect(&self) -> Result<Sender, CallError> {
        match Endpoint::parse(&self.serverurl).map_err(CallError::BadServerUrl)? {
            Endpoint::Unix(path) => {
                let stream = tokio::net::UnixStream::connect(&path)
                    .await
                    .map_err(|e| io_error(&e))?;
                handshake(stream).await
            }
            Endpoint::Tcp { host, port } => {
                let stream = tokio::net::TcpStream::connect((host.as_str(), port))
                    .await
                    .map_err(|e| io_error(&e))?;
                stream.set_nodelay(true).map_err(|e| io_error(&e))?;
                handshake(stream).await
            }
        }
    }
}

/// A streamed response body (`tail -f`).
pub(crate) struct Body {
    body: Incoming,
    /// Keeps the connection's request side alive while the body streams.
    _sender: Sender,
}

impl Body {
    /// The next chunk of data; `Ok(None)` when the server ended the body.
    pub(crate) async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, CallError> {
        loop {
            match self.body.frame().await {
                None => return Ok(None),
                Some(Err(e)) => return Err(from_hyper(e)),
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) if !data.is_empty() => return Ok(Some(data.to_vec())),
                    // Empty data or trailers: nothing to print.
                    _ => {}
                },
            }
        }
    }
}

async fn handshake<S>(stream: S) -> Result<Sender, CallError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(from_hyper)?;
    // The connection task ends by itself when the server closes or the sender goes.
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

/// `Basic <base64(user:password)>` when both are set (`SupervisorTransport`'s rule).
fn basic_auth(server: &Server) -> Option<HeaderValue> {
    use base64::Engine as _;
    let (Some(user), Some(password)) = (&server.username, &server.password) else {
        return None;
    };
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    let mut value = HeaderValue::try_from(format!("Basic {encoded}")).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// A 200 answer, or the error for any other status.
fn check(response: Response<Incoming>) -> Result<Response<Incoming>, CallError> {
    let status = response.status();
    if status == StatusCode::OK {
        return Ok(response);
    }
    if status == StatusCode::UNAUTHORIZED {
        return Err(CallError::Unauthenticated);
    }
    // Python's ProtocolError shows the reason phrase the server sent.
    let reason = response
        .extensions()
        .get::<hyper::ext::ReasonPhrase>()
        .map(|r| String::from_utf8_lossy(r.as_bytes()).into_owned())
        .or_else(|| status.canonical_reason().map(str::to_string))
        .unwrap_or_default();
    Err(CallError::Http {
        status: status.as_u16(),
        reason,
    })
}

fn io_error(e: &std::io::Error) -> CallError {
    classify(e).unwrap_or_else(|| CallError::Io(std::io::Error::other(e.to_string())))
}

fn from_hyper(e: hyper::Error) -> CallError {
    classify(&e).unwrap_or_else(|| CallError::Io(std::io::Error::other(e.to_string())))
}
