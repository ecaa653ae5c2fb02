//! The throwaway PostgreSQL server of `ferro_tests::pg`: it starts, accepts
//! connections, and gives each test a database of its own.

use ferro_tests::pg;

#[test]
fn a_throwaway_server_accepts_connections() {
    let Some(server) = pg::server() else {
        return;
    };
    let first = server.create_database();
    let second = server.create_database();
    assert_ne!(first, second, "each call creates a new database");

    for url in [&first, &second] {
        assert_eq!(
            server.psql(url, "select 1").as_deref(),
            Ok("1"),
            "{url} accepts connections"
        );
    }
    let first_name = server
        .psql(&first, "select current_database()")
        .expect("the first database answers");
    let second_name = server
        .psql(&second, "select current_database()")
        .expect("the second database answers");
    assert!(
        first.ends_with(&format!("/{first_name}")),
        "{first} is {first_name}"
    );
    assert!(
        second.ends_with(&format!("/{second_name}")),
        "{second} is {second_name}"
    );
    assert_ne!(first_name, second_name);

    server
        .psql(&first, "create table only_in_first (id integer)")
        .expect("a table is created in the first database");
    let present = "select to_regclass('only_in_first') is not null";
    assert_eq!(
        server.psql(&first, present).as_deref(),
        Ok("t"),
        "the table is in the first database"
    );
    assert_eq!(
        server.psql(&second, present).as_deref(),
        Ok("f"),
        "the table is not in the second database"
    );
    assert!(
        server.psql(&second, "select * from only_in_first").is_err(),
        "the second database does not see the first's table"
    );

    assert!(
        std::ptr::eq(server, pg::server().expect("the server is still there")),
        "the server is shared within the test process"
    );
}
