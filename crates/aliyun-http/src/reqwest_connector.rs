//! The connector every client builds unless told otherwise: reqwest over
//! rustls, with the proxies, trusted roots and pool of its
//! [`TransportSettings`].

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use aliyun_codec::error::ConstructionError;

use crate::connector::{
    Connector, ConnectorError, ConnectorFuture, HttpRequest, HttpResponse, Route,
};
use crate::environment::Environment;
use crate::proxy::{environment_proxies, ProxySetting};
use crate::settings::{environment_ca_bundle, parse_certificates, TransportSettings};
use crate::tls::tls_failure;

/// How long a [`Route::Direct`] request may take to connect: the services
/// it reaches are on the local network or machine, which answer at once
/// or not at all (off ECS, the metadata address never answers, and a
/// credentials chain must not hang there).
pub const DIRECT_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// A [`Connector`] on a pooled `reqwest::Client`.
///
/// Requests of [`Route::Direct`] go through a second client with the same
/// roots and no proxy, made the first time one is sent (most programs never
/// send one).
#[derive(Debug, Clone)]
pub struct ReqwestConnector {
    client: reqwest::Client,
    direct: Arc<DirectClient>,
}

/// The client of [`Route::Direct`] requests, and what it is made from.
#[derive(Debug)]
struct DirectClient {
    client: OnceLock<reqwest::Client>,
    /// The extra roots the configured client trusts, which the direct one
    /// trusts too.
    roots: Vec<reqwest::Certificate>,
    user_agent: String,
    connect_timeout: Duration,
}

impl DirectClient {
    fn get(&self) -> Result<&reqwest::Client, ConnectorError> {
        if let Some(client) = self.client.get() {
            return Ok(client);
        }
        let mut builder = base_builder(&self.user_agent, self.connect_timeout).no_proxy();
        for root in &self.roots {
            builder = builder.add_root_certificate(root.clone());
        }
        let client = builder.build().map_err(|error| {
            ConnectorError::Construction(
                ConstructionError::invalid_configuration(
                    "the HTTP client of direct requests could not be created",
                )
                .with_source(error.without_url()),
            )
        })?;
        // Two first requests at once may both build one; either is fine.
        Ok(self.client.get_or_init(|| client))
    }
}

/// What every client of this module starts from.
fn base_builder(user_agent: &str, connect_timeout: Duration) -> reqwest::ClientBuilder {
    let builder = reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        // Every resend is decided by the caller, which knows whether the
        // request is idempotent.
        .retry(reqwest::retry::never())
        // reqwest would read the proxy variables from the process itself;
        // they are read from the configured environment instead.
        .no_proxy();
    if user_agent.is_empty() {
        builder
    } else {
        builder.user_agent(user_agent)
    }
}

impl ReqwestConnector {
    /// A connector with these settings, reading the proxy variables and
    /// `ALIBABA_CLOUD_CA_BUNDLE` from `environment`.
    ///
    /// # Errors
    ///
    /// A proxy URL or a root certificate that cannot be used, named in the
    /// message.
    pub fn new(
        settings: &TransportSettings,
        environment: &dyn Environment,
    ) -> Result<Self, ConstructionError> {
        let mut builder = base_builder(&settings.user_agent, settings.connect_timeout)
            .pool_idle_timeout(settings.pool.idle_timeout)
            .pool_max_idle_per_host(settings.pool.max_idle_per_host)
            .tcp_keepalive(settings.pool.tcp_keepalive);
        let proxies = match &settings.proxy {
            ProxySetting::FromEnvironment => environment_proxies(environment),
            ProxySetting::Disabled => Vec::new(),
            ProxySetting::Explicit(proxies) => proxies
                .iter()
                .map(|proxy| (proxy.clone(), "set in the client configuration".to_owned()))
                .collect(),
        };
        for (proxy, origin) in &proxies {
            builder = builder.proxy(proxy.to_reqwest(origin)?);
        }
        let mut roots = Vec::new();
        for (index, pem) in settings.root_certificates_pem.iter().enumerate() {
            let what = format!("root certificate {} of the client configuration", index + 1);
            roots.extend(parse_certificates(pem, &what)?);
        }
        roots.extend(environment_ca_bundle(environment)?);
        for root in &roots {
            builder = builder.add_root_certificate(root.clone());
        }
        let client = builder.build().map_err(|error| {
            ConstructionError::invalid_configuration(
                "the HTTP client could not be created (check the root certificates and proxies)",
            )
            .with_source(error.without_url())
        })?;
        let direct = DirectClient {
            // Without a proxy, the configured client is already direct.
            client: if proxies.is_empty() {
                OnceLock::from(client.clone())
            } else {
                OnceLock::new()
            },
            roots,
            user_agent: settings.user_agent.clone(),
            connect_timeout: settings.connect_timeout.min(DIRECT_CONNECT_TIMEOUT),
        };
        Ok(ReqwestConnector {
            client,
            direct: Arc::new(direct),
        })
    }

    /// A connector sending through a client the program built: its own
    /// pool, TLS, proxy and connect-timeout settings apply. Build it with
    /// `.retry(reqwest::retry::never())`: the caller decides what may be
    /// sent again. [`Route::Direct`] requests go through a client with the
    /// default settings and no proxy.
    pub fn from_client(client: reqwest::Client) -> Self {
        ReqwestConnector {
            client,
            direct: Arc::new(DirectClient {
                client: OnceLock::new(),
                roots: Vec::new(),
                user_agent: String::new(),
                connect_timeout: DIRECT_CONNECT_TIMEOUT,
            }),
        }
    }

    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, ConnectorError> {
        let client = match request.route {
            Route::Configured => &self.client,
            Route::Direct => self.direct.get()?,
        };
        let has_body = request.method != reqwest::Method::GET;
        let mut builder = client.request(request.method, request.url);
        for (name, value) in &request.headers {
            builder = builder.header(*name, value.as_str());
        }
        // A `POST` carries its body, empty or not, with its length: some
        // gateways refuse a `POST` without `Content-Length`.
        if has_body {
            builder = builder.body(request.body);
        }
        let response = builder.send().await.map_err(send_failure)?;
        read_response(response, request.body_limit).await
    }
}

impl Connector for ReqwestConnector {
    fn call(&self, request: HttpRequest) -> ConnectorFuture<'_> {
        Box::pin(self.send(request))
    }
}

/// Classifies a failure to send. The URL is dropped from the error: its
/// query may hold a security token.
fn send_failure(error: reqwest::Error) -> ConnectorError {
    let error = error.without_url();
    if error.is_builder() {
        return ConnectorError::Construction(
            ConstructionError::invalid_input(
                "the request could not be built (a header value is not valid HTTP)",
            )
            .with_source(error),
        );
    }
    if !error.is_connect() {
        return ConnectorError::ConnectionLost {
            source: error.into(),
        };
    }
    if error.is_timeout() {
        return ConnectorError::ConnectTimeout {
            source: error.into(),
        };
    }
    match tls_failure(&error) {
        Some(failure) => ConnectorError::Tls {
            failure,
            source: error.into(),
        },
        None => ConnectorError::Connect {
            source: error.into(),
        },
    }
}

/// Reads the whole body, failing as soon as it would exceed `body_limit`.
async fn read_response(
    mut response: reqwest::Response,
    body_limit: usize,
) -> Result<HttpResponse, ConnectorError> {
    let status = response.status().as_u16();
    if response
        .content_length()
        .is_some_and(|length| length > body_limit as u64)
    {
        return Err(ConnectorError::BodyTooLarge {
            status,
            received: Vec::new(),
        });
    }
    let headers = std::mem::take(response.headers_mut());
    let mut body = Vec::new();
    while let Some(chunk) =
        response
            .chunk()
            .await
            .map_err(|error| ConnectorError::ConnectionLost {
                source: error.without_url().into(),
            })?
    {
        if body.len() + chunk.len() > body_limit {
            return Err(ConnectorError::BodyTooLarge {
                status,
                received: body,
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}
