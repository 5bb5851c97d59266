//! The transport every request goes through: the connector seam, the
//! reqwest connector a client builds, proxies, trusted certificate
//! authorities and the connection pool (all of `aliyun-http`, re-exported).
//!
//! Everything here is set on [`ConfigBuilder`](crate::ConfigBuilder) and
//! read once, when the runtime is built; environment variables are read
//! through the configuration's [`Environment`], like every other variable
//! the runtime reads, so a test can give them without touching the
//! process's environment. The connector the runtime builds carries its
//! attempts and its default credentials chain's requests alike (STS, the
//! ECS metadata service, a credentials URI), so the proxies and trusted
//! roots set here hold for all of them.
//!
//! * **Proxies.** By default `HTTPS_PROXY`, `HTTP_PROXY` and `ALL_PROXY`
//!   (or their lower-case forms) name the proxy for `https://`, `http://`
//!   and any endpoint, and `NO_PROXY` lists the hosts reached directly
//!   (comma-separated domain names, which match their subdomains too, IP
//!   addresses, networks such as `10.0.0.0/8`, or `*` for every host), as
//!   curl reads them. A proxy set with
//!   [`ConfigBuilder::proxy`](crate::ConfigBuilder::proxy) replaces them
//!   all; [`ConfigBuilder::no_proxy`](crate::ConfigBuilder::no_proxy)
//!   turns proxies off. SOCKS5 proxies (`socks5://`, `socks5h://`) need
//!   the `socks` feature. Requests for credentials to local services (the
//!   ECS metadata service, a credentials URI) never go through a proxy.
//! * **Trusted roots.** The Mozilla roots compiled into the program, the
//!   operating system's trust store with the `native-roots` feature, plus
//!   any PEM certificates given with
//!   [`ConfigBuilder::root_certificate_pem`](crate::ConfigBuilder::root_certificate_pem)
//!   or in the file [`CA_BUNDLE_VAR`] names.
//! * **The connection pool.** See [`PoolSettings`].
//! * **Test doubles.** With the `test-util` feature, `test_util` holds
//!   `MockTransport`, a connector that answers RPC calls in-process (see
//!   [`ConfigBuilder::test_transport`](crate::ConfigBuilder::test_transport)).

pub use aliyun_http::*;
