//! Certificates for the throwaway servers' TLS, made by the test: a CA, a
//! server certificate it signs (for `localhost` and `127.0.0.1`), a client
//! certificate it signs (for the superuser, for certificate authentication),
//! and a second CA that signs nothing here, to check that a client refuses
//! a server its CA did not sign.

use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};

/// The files of [`make`], in PEM.
#[derive(Clone, Debug)]
pub struct Certs {
    /// The CA that signed the server's and the client's certificates.
    pub ca: PathBuf,
    /// A CA that signed neither.
    pub other_ca: PathBuf,
    /// The server's certificate.
    pub server_cert: PathBuf,
    /// The server's key.
    pub server_key: PathBuf,
    /// A client certificate: its common name is the `client_name` given.
    pub client_cert: PathBuf,
    /// The client certificate's key.
    pub client_key: PathBuf,
}

fn make_ca(name: &str) -> Result<CertifiedIssuer<'static, KeyPair>, String> {
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(|e| e.to_string())?;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    let key = KeyPair::generate().map_err(|e| e.to_string())?;
    CertifiedIssuer::self_signed(params, key).map_err(|e| e.to_string())
}

/// Writes the certificates into `dir` (made if missing), the keys readable
/// by their owner only, as servers require.
pub fn make(dir: &Path, client_name: &str) -> Result<Certs, String> {
    let io = |e: std::io::Error| format!("{}: {e}", dir.display());
    fs::create_dir_all(dir).map_err(io)?;
    let ca = make_ca("ferro test CA")?;
    let other = make_ca("another CA")?;
    let mut server = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .map_err(|e| e.to_string())?;
    server.distinguished_name.push(DnType::CommonName, "localhost");
    let server_key = KeyPair::generate().map_err(|e| e.to_string())?;
    let server_cert = server.signed_by(&server_key, &ca).map_err(|e| e.to_string())?;
    let mut client = CertificateParams::new(Vec::<String>::new()).map_err(|e| e.to_string())?;
    client.distinguished_name.push(DnType::CommonName, client_name);
    let client_key = KeyPair::generate().map_err(|e| e.to_string())?;
    let client_cert = client.signed_by(&client_key, &ca).map_err(|e| e.to_string())?;

    let certs = Certs {
        ca: dir.join("ca.pem"),
        other_ca: dir.join("other-ca.pem"),
        server_cert: dir.join("server.pem"),
        server_key: dir.join("server.key"),
        client_cert: dir.join("client.pem"),
        client_key: dir.join("client.key"),
    };
    let write = |path: &Path, text: String, mode: u32| -> Result<(), String> {
        fs::write(path, text).map_err(io)?;
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(io)
    };
    write(&certs.ca, ca.pem(), 0o644)?;
    write(&certs.other_ca, other.pem(), 0o644)?;
    write(&certs.server_cert, server_cert.pem(), 0o644)?;
    write(&certs.server_key, server_key.serialize_pem(), 0o600)?;
    write(&certs.client_cert, client_cert.pem(), 0o644)?;
    write(&certs.client_key, client_key.serialize_pem(), 0o600)?;
    Ok(certs)
}
