//! TLS to the throwaway servers, which run with TLS on and certificates the
//! test made (`ferro_tests::tls`): `require`, `verify-full` against the
//! test's CA and against another CA, a client certificate, and a plain
//! connection refused where the server demands TLS. See `docs/databases.md`.

use ferro::runtime::{Database, Migrator, Target};
use ferro_tests::trials::{BASE, MIGRATIONS};
use ferro_tests::{block_on, mariadb, pg};

/// A password the URLs carry (the servers trust 127.0.0.1, so it is never
/// checked): no message may show it.
const SECRET: &str = "s3cr3t-pw";

/// `upgrade` to the trials' base works at `url`, over TLS.
async fn migrates_over_tls(url: &str, encrypted: &'static str) {
    let mut db = Database::connect(url)
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    Migrator::new(&MIGRATIONS)
        .upgrade(&mut db, &Target::Revision(BASE.into()))
        .await
        .unwrap();
    drop(db);
    use sqlx::Connection as _;
    let mut conn = sqlx::AnyConnection::connect(url).await.unwrap();
    let row: (String,) = sqlx::query_as(encrypted).fetch_one(&mut conn).await.unwrap();
    assert_eq!(row.0, "true", "{url}: the connection is encrypted");
}

/// The error of connecting to `url`, checked to hold no password.
async fn refused(url: &str) -> String {
    let message = Database::connect(url).await.unwrap_err().to_string();
    assert!(!message.contains(SECRET), "{message}");
    message
}

#[test]
fn postgres_over_tls() {
    let Some(server) = pg::server() else {
        return;
    };
    let certs = server.certs();
    for name in ["tls_only", "cert_only"] {
        server
            .psql(&server.url("postgres"), &format!("CREATE DATABASE {name}"))
            .unwrap();
    }
    let at = |database: &str, query: String| {
        format!(
            "postgres://postgres:{SECRET}@127.0.0.1:{}/{database}?{query}",
            server.port()
        )
    };
    let ca = certs.ca.display();
    let encrypted = "SELECT CAST(ssl AS TEXT) FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
    block_on(async {
        migrates_over_tls(&at("tls_only", "sslmode=require".into()), encrypted).await;
        let verified = format!("sslmode=verify-full&sslrootcert={ca}");
        migrates_over_tls(&at(&fresh(server), verified), encrypted).await;

        // A server whose certificate another CA signed is refused, saying why.
        let other = format!("sslmode=verify-full&sslrootcert={}", certs.other_ca.display());
        let message = refused(&at("tls_only", other)).await;
        assert!(message.contains("certificate"), "{message}");
        assert!(message.contains("UnknownIssuer"), "{message}");

        // Where the server demands TLS, a plain connection is refused.
        let message = refused(&at("tls_only", "sslmode=disable".into())).await;
        assert!(message.contains("no encryption"), "{message}");

        // A client certificate signed by the server's CA logs in where the
        // server takes only certificates; without one, nothing does.
        let with_cert = format!(
            "sslmode=verify-full&sslrootcert={ca}&sslcert={}&sslkey={}",
            certs.client_cert.display(),
            certs.client_key.display()
        );
        migrates_over_tls(&at("cert_only", with_cert), encrypted).await;
        let message = refused(&at("cert_only", format!("sslmode=verify-full&sslrootcert={ca}"))).await;
        assert!(message.contains("certificate"), "{message}");
    });
}

/// A new database's name on `server`.
fn fresh(server: &pg::Server) -> String {
    let url = server.create_database();
    url.rsplit('/').next().unwrap_or_default().to_owned()
}

#[test]
fn mariadb_over_tls() {
    let Some(server) = mariadb::server() else {
        return;
    };
    let certs = server.certs();
    server.sql(
        "",
        &format!(
            "CREATE USER tls_user@'%' IDENTIFIED BY '{SECRET}' REQUIRE SSL; \
             CREATE USER cert_user@'%' IDENTIFIED BY '{SECRET}' REQUIRE X509; \
             GRANT ALL ON *.* TO tls_user@'%'; GRANT ALL ON *.* TO cert_user@'%'"
        ),
    );
    let database = server.create_database("tls");
    let database = database.rsplit('/').next().unwrap_or_default().to_owned();
    let at = |user: &str, query: String| {
        format!(
            "mysql://{user}:{SECRET}@127.0.0.1:{}/{database}?{query}",
            server.port()
        )
    };
    let ca = certs.ca.display();
    let encrypted = "SELECT CASE WHEN VARIABLE_VALUE <> '' THEN 'true' ELSE 'false' END \
                     FROM information_schema.session_status WHERE VARIABLE_NAME = 'Ssl_cipher'";
    block_on(async {
        migrates_over_tls(&at("tls_user", "ssl-mode=REQUIRED".into()), encrypted).await;
        let verified = format!("ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}");
        migrates_over_tls(&at("tls_user", verified), encrypted).await;
        let other = format!("ssl-mode=VERIFY_IDENTITY&ssl-ca={}", certs.other_ca.display());
        let message = refused(&at("tls_user", other)).await;
        assert!(message.contains("UnknownIssuer"), "{message}");
        let message = refused(&at("tls_user", "ssl-mode=DISABLED".into())).await;
        assert!(message.contains("Access denied"), "{message}");
        let with_cert = format!(
            "ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}&ssl-cert={}&ssl-key={}",
            certs.client_cert.display(),
            certs.client_key.display()
        );
        migrates_over_tls(&at("cert_user", with_cert), encrypted).await;
        let message = refused(&at("cert_user", format!("ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}"))).await;
        assert!(message.contains("Access denied"), "{message}");
    });
}
