//! How a failed TLS handshake is told apart from other connection
//! failures, and what to check for each kind.

use std::error::Error as StdError;

/// What went wrong in a TLS handshake, for the message that says what to
/// check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TlsFailure {
    /// The server's certificate chain does not lead to a trusted root.
    UntrustedCertificate,
    /// The certificate is not valid for the endpoint's host name.
    WrongHostName,
    /// The certificate has expired or is not valid yet.
    ExpiredCertificate,
    /// The server does not speak TLS (for example a plain HTTP server
    /// behind an `https://` URL), or the handshake failed otherwise.
    Handshake,
}

impl TlsFailure {
    /// What failed and what to check, for error messages.
    pub fn advice(self) -> &'static str {
        match self {
            TlsFailure::UntrustedCertificate => {
                "the server's certificate is not trusted: if the endpoint uses a private CA or \
                 sits behind a TLS-inspecting proxy, pass that CA's certificate with \
                 --ca-bundle, the ALIBABA_CLOUD_CA_BUNDLE variable or \
                 `root_certificate_pem` in the client configuration"
            }
            TlsFailure::WrongHostName => {
                "the server's certificate is not valid for this host name: check the endpoint URL"
            }
            TlsFailure::ExpiredCertificate => {
                "the server's certificate has expired or is not valid yet: check this machine's clock"
            }
            TlsFailure::Handshake => {
                "the TLS handshake failed: check that the endpoint speaks HTTPS (use an http:// \
                 URL for a plain HTTP server) and that no proxy interferes"
            }
        }
    }
}

/// The TLS failure in an error's source chain, if the connection failed in
/// its TLS handshake.
pub fn tls_failure(error: &(dyn StdError + 'static)) -> Option<TlsFailure> {
    let mut current: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(error) = current {
        if let Some(tls) = error.downcast_ref::<rustls::Error>() {
            return Some(classify_rustls(tls));
        }
        // An I/O error's `source()` skips the error it wraps (which may be
        // another I/O error around the rustls one), so it is unwrapped by
        // hand.
        current = match error.downcast_ref::<std::io::Error>() {
            Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
            None => error.source(),
        };
    }
    None
}

fn classify_rustls(error: &rustls::Error) -> TlsFailure {
    use rustls::CertificateError;
    match error {
        rustls::Error::InvalidCertificate(certificate) => match certificate {
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                TlsFailure::WrongHostName
            }
            CertificateError::Expired
            | CertificateError::ExpiredContext { .. }
            | CertificateError::NotValidYet
            | CertificateError::NotValidYetContext { .. } => TlsFailure::ExpiredCertificate,
            _ => TlsFailure::UntrustedCertificate,
        },
        _ => TlsFailure::Handshake,
    }
}
