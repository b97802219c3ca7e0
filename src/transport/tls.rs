//! TLS for both exporters: rustls with ring, certificates and keys from PEM files.

use crate::config::ExporterConfig;

/// Installs ring as rustls' provider (once), which the HTTPS exporter needs: we build rustls without a default
/// provider to keep aws-lc-rs (a C build) out of the library.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

pub(super) fn read_file(path: &str, what: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read the {what} {path}: {e}"))
}

pub(super) fn grpc_tls(
    config: &ExporterConfig,
) -> Result<Option<opentelemetry_otlp::tonic_types::transport::ClientTlsConfig>, String> {
    use opentelemetry_otlp::tonic_types::transport::{Certificate, ClientTlsConfig, Identity};
    if !config.endpoint.starts_with("https://") {
        return Ok(None);
    }
    let mut tls = ClientTlsConfig::new().with_native_roots();
    if let Some(ca) = &config.ca_certificate {
        tls = tls.ca_certificate(Certificate::from_pem(read_file(ca, "CA certificate")?));
    }
    if let (Some(cert), Some(key)) = (&config.client_certificate, &config.client_key) {
        tls = tls.identity(Identity::from_pem(
            read_file(cert, "client certificate")?,
            read_file(key, "client key")?,
        ));
    }
    Ok(Some(tls))
}

pub(super) fn http_client(config: &ExporterConfig) -> Result<reqwest::blocking::Client, String> {
    let mut b = reqwest::blocking::Client::builder().timeout(config.timeout);
    if let Some(ca) = &config.ca_certificate {
        let cert = reqwest::Certificate::from_pem(&read_file(ca, "CA certificate")?)
            .map_err(|e| format!("the CA certificate {ca} is not valid PEM: {e}"))?;
        b = b.add_root_certificate(cert);
    }
    if let (Some(cert), Some(key)) = (&config.client_certificate, &config.client_key) {
        let mut pem = read_file(cert, "client certificate")?;
        pem.extend(read_file(key, "client key")?);
        let id = reqwest::Identity::from_pem(&pem)
            .map_err(|e| format!("the client certificate/key are not valid PEM: {e}"))?;
        b = b.identity(id);
    }
    // The blocking client starts its own thread and must not be built inside a tokio context.
    std::thread::spawn(move || b.build())
        .join()
        .map_err(|_| "the HTTP client could not be built".to_string())?
        .map_err(|e| format!("the HTTP client could not be built: {e}"))
}
