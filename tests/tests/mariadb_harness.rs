//! The throwaway MariaDB server of `ferro_tests::mariadb`: it starts, accepts
//! connections, gives each test a database of its own, and takes named locks.

use std::time::{Duration, Instant};

use ferro_tests::mariadb;

#[test]
fn a_throwaway_server_accepts_connections() {
    let Some(server) = mariadb::server() else {
        return;
    };
    let first = server.create_database("harness");
    let second = server.create_database("harness");
    assert_ne!(first, second, "each call creates a new database");
    assert!(
        first.starts_with(&format!("mysql://root@127.0.0.1:{}/harness_", server.port())),
        "{first} is a URL of the server"
    );

    for url in [&first, &second] {
        assert_eq!(
            server.try_sql(url, "SELECT 1").as_deref(),
            Ok("1"),
            "{url} accepts connections"
        );
        let name = server.sql(url, "SELECT DATABASE()");
        assert!(url.ends_with(&format!("/{name}")), "{url} is {name}");
        // A database name works as well as its URL.
        assert_eq!(server.sql(&name, "SELECT DATABASE()"), name);
    }

    server.sql(
        &first,
        "CREATE TABLE only_in_first (id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL, note TEXT);\n\
         INSERT INTO only_in_first (id, name, note) VALUES (1, '\u{e9}\u{e9}n', NULL), (2, 'two', 'a\tb')",
    );
    assert_eq!(
        server.sql(&first, "SELECT id, name, note FROM only_in_first ORDER BY id"),
        "1\t\u{e9}\u{e9}n\tNULL\n2\ttwo\ta\\tb",
        "rows come back tab-separated, with NULL and escapes as the client prints them"
    );
    let present = "SELECT COUNT(*) FROM information_schema.tables \
                   WHERE table_schema = DATABASE() AND table_name = 'only_in_first'";
    assert_eq!(
        server.sql(&first, present),
        "1",
        "the table is in the first database"
    );
    assert_eq!(
        server.sql(&second, present),
        "0",
        "the table is not in the second database"
    );
    let error = server
        .try_sql(&second, "SELECT * FROM only_in_first")
        .expect_err("the second database does not see the first's table");
    assert!(error.contains("doesn't exist"), "{error}");

    assert!(
        std::ptr::eq(server, mariadb::server().expect("the server is still there")),
        "the server is shared within the test process"
    );
}

#[test]
fn named_locks_work() {
    let Some(server) = mariadb::server() else {
        return;
    };
    let url = server.create_database("locks");
    assert_eq!(
        server.sql(
            &url,
            "SELECT GET_LOCK('ferro_harness', 1), RELEASE_LOCK('ferro_harness')"
        ),
        "1\t1"
    );
    assert_eq!(server.sql(&url, "SELECT GET_LOCK('x', 1)"), "1");
    // That lock went with its session; another one takes it again.
    assert_eq!(
        server.sql(
            "",
            "SELECT GET_LOCK('x', 1); SELECT IS_USED_LOCK('x') = CONNECTION_ID()"
        ),
        "1\n1"
    );

    // While one session holds a lock, another cannot take it.
    let holder = std::thread::spawn(move || server.sql("", "SELECT GET_LOCK('held', 0); SELECT SLEEP(5)"));
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.sql("", "SELECT IS_USED_LOCK('held') IS NOT NULL") != "1" {
        assert!(Instant::now() < deadline, "the other session never took the lock");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(server.sql("", "SELECT GET_LOCK('held', 0)"), "0");
    assert_eq!(holder.join().expect("the holder ran"), "1\n0");

    assert_eq!(server.sql(&url, "SELECT @@character_set_server"), "utf8mb4");
    assert!(server.socket().starts_with(server.dir()));
    assert!(server.dir().join("data").is_dir());
}
