//! The emulator's HTTPS set-up refuses unusable certificates and keys with
//! an error saying which, without quoting the key.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aliyun_rds_emulator::Emulator;

fn certificate_and_key() -> (String, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let certificate = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    (certificate.pem(), key.serialize_pem())
}

#[tokio::test]
async fn a_valid_certificate_serves_https() {
    let (certificate, key) = certificate_and_key();
    let emulator = Emulator::builder()
        .tls(certificate, key)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    assert!(
        emulator.base_url().starts_with("https://"),
        "{}",
        emulator.base_url()
    );
}

#[tokio::test]
async fn a_file_without_certificates_is_refused() {
    let (_, key) = certificate_and_key();
    let error = Emulator::builder()
        .tls("no certificate here", key)
        .start("127.0.0.1:0")
        .await
        .unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(error.to_string().contains("certificate"), "{error}");
}

#[tokio::test]
async fn a_key_that_is_not_pem_is_refused_without_being_quoted() {
    let (certificate, _) = certificate_and_key();
    let error = Emulator::builder()
        .tls(certificate, "secret-key-material")
        .start("127.0.0.1:0")
        .await
        .unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(error.to_string().contains("private key"), "{error}");
    assert!(
        !error.to_string().contains("secret-key-material"),
        "{error}"
    );
}

#[tokio::test]
async fn a_key_of_another_certificate_is_refused() {
    let (certificate, _) = certificate_and_key();
    let (_, other_key) = certificate_and_key();
    let error = Emulator::builder()
        .tls(certificate, other_key)
        .start("127.0.0.1:0")
        .await
        .unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
}
