use super::*;
use crate::migration::{Body, Revision};

/// A migration that does nothing, for histories of the graph alone.
pub(crate) const fn migration(id: &'static str, parents: &'static [&'static str]) -> Migration {
    Migration {
        file: id,
        source: "",
        revision: Revision {
            id,
            parents,
            message: "",
            schema: None,
        },
        upgrade: Body::Steps(&[]),
        downgrade: Body::Steps(&[]),
        replaces: &[],
    }
}

/// a → b → c, and a branch b → d; e merges c and d.
static BRANCHED: [Migration; 4] = [
    migration("aaa111", &[]),
    migration("bbb222", &["aaa111"]),
    migration("ccc333", &["bbb222"]),
    migration("ccd444", &["bbb222"]),
];
static MERGED: [Migration; 5] = [
    migration("aaa111", &[]),
    migration("bbb222", &["aaa111"]),
    migration("ccc333", &["bbb222"]),
    migration("ccd444", &["bbb222"]),
    migration("eee555", &["ccc333", "ccd444"]),
];

fn ids(path: &[&'static Migration]) -> Vec<&'static str> {
    path.iter().map(|m| m.revision.id).collect()
}

#[test]
fn targets_parse() {
    assert_eq!(Target::parse("head").unwrap(), Target::Head);
    assert_eq!(Target::parse("heads").unwrap(), Target::Heads);
    assert_eq!(Target::parse("base").unwrap(), Target::Base);
    assert_eq!(Target::parse("+2").unwrap(), Target::Forward(2));
    assert_eq!(Target::parse("-1").unwrap(), Target::Back(1));
    assert_eq!(Target::parse("ab12").unwrap(), Target::Revision("ab12".into()));
    for bad in ["", "+0", "-x", "a b", "x;y"] {
        assert!(
            matches!(Target::parse(bad), Err(MigrateError::BadTarget(_))),
            "{bad}"
        );
    }
}

#[test]
fn heads_and_branches() {
    let graph = Graph::new(&BRANCHED).unwrap();
    assert_eq!(graph.heads(), ["ccc333", "ccd444"]);
    assert_eq!(graph.branch_points(), ["bbb222"]);
    let err = graph.upgrade_path(&[], &Target::Head).unwrap_err();
    assert!(matches!(err, MigrateError::SeveralHeads(ref h) if h.len() == 2));
    assert!(err.to_string().contains("merge heads"), "{err}");
    let merged = Graph::new(&MERGED).unwrap();
    assert_eq!(merged.head().unwrap(), "eee555");
}

#[test]
fn partial_ids_resolve_when_unambiguous() {
    let graph = Graph::new(&BRANCHED).unwrap();
    assert_eq!(graph.resolve("bb").unwrap(), "bbb222");
    assert_eq!(graph.resolve("ccc333").unwrap(), "ccc333");
    assert!(matches!(
        graph.resolve("cc"),
        Err(MigrateError::AmbiguousRevision { ref candidates, .. }) if candidates.len() == 2
    ));
    assert!(matches!(
        graph.resolve("zz"),
        Err(MigrateError::UnknownRevision(_))
    ));
}

#[test]
fn upgrade_paths() {
    let graph = Graph::new(&MERGED).unwrap();
    assert_eq!(
        ids(&graph.upgrade_path(&[], &Target::Head).unwrap()),
        ["aaa111", "bbb222", "ccc333", "ccd444", "eee555"]
    );
    assert_eq!(
        ids(&graph.upgrade_path(&["aaa111"], &Target::Forward(1)).unwrap()),
        ["bbb222"]
    );
    assert_eq!(
        ids(&graph
            .upgrade_path(&["aaa111"], &Target::Revision("ccd".into()))
            .unwrap()),
        ["bbb222", "ccd444"]
    );
    assert!(
        graph
            .upgrade_path(&["aaa111", "bbb222", "ccc333", "ccd444", "eee555"], &Target::Head)
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        graph.upgrade_path(&[], &Target::Forward(9)),
        Err(MigrateError::NotThatMany {
            wanted: 9,
            available: 5,
            ..
        })
    ));
    assert!(matches!(
        graph.upgrade_path(&[], &Target::Base),
        Err(MigrateError::WrongDirection { .. })
    ));
}

#[test]
fn downgrade_paths_revert_newest_first() {
    let graph = Graph::new(&MERGED).unwrap();
    let applied = ["aaa111", "bbb222", "ccd444", "ccc333", "eee555"];
    assert_eq!(
        graph.downgrade_path(&applied, &Target::Back(2)).unwrap(),
        ["eee555", "ccc333"]
    );
    assert_eq!(
        graph
            .downgrade_path(&applied, &Target::Revision("bbb222".into()))
            .unwrap(),
        ["eee555", "ccc333", "ccd444"]
    );
    assert_eq!(graph.downgrade_path(&applied, &Target::Base).unwrap().len(), 5);
    // Down to a revision that is not applied (on the other branch) is refused.
    assert!(matches!(
        graph.downgrade_path(&["aaa111", "bbb222", "ccc333"], &Target::Revision("ccd444".into())),
        Err(MigrateError::NotApplied(ref id)) if id == "ccd444"
    ));
    assert!(matches!(
        graph.downgrade_path(&["aaa111", "fff999"], &Target::Back(1)),
        Err(MigrateError::UnknownApplied(ref ids)) if ids == &["fff999"]
    ));
}

#[test]
fn current_is_the_applied_heads() {
    let graph = Graph::new(&MERGED).unwrap();
    assert_eq!(
        graph.current(&["aaa111", "bbb222", "ccc333", "ccd444"]),
        ["ccc333", "ccd444"]
    );
    assert_eq!(graph.current(&[]), Vec::<&str>::new());
    assert_eq!(
        graph.stamp_set(&Target::Revision("ccc".into())).unwrap(),
        ["aaa111", "bbb222", "ccc333"]
    );
}

#[test]
fn a_broken_graph_is_refused() {
    static DUPLICATE: [Migration; 2] = [migration("aaa111", &[]), migration("aaa111", &[])];
    static ORPHAN: [Migration; 1] = [migration("bbb222", &["aaa111"])];
    assert!(matches!(
        Graph::new(&DUPLICATE),
        Err(MigrateError::DuplicateRevision(_))
    ));
    assert!(matches!(
        Graph::new(&ORPHAN),
        Err(MigrateError::UnknownParent { .. })
    ));
}

/// a, then b → c → d → b: a loop behind a root.
static LOOPED: [Migration; 4] = [
    migration("aaa111", &[]),
    migration("bbb222", &["aaa111", "ddd444"]),
    migration("ccc333", &["bbb222"]),
    migration("ddd444", &["ccc333"]),
];

#[test]
fn a_cycle_in_the_parents_is_refused_with_its_revisions() {
    let err = Graph::new(&LOOPED).unwrap_err();
    assert!(
        matches!(&err, MigrateError::Cycle(ids) if ids == &["bbb222", "ccc333", "ddd444"]),
        "{err}"
    );
    assert_eq!(err.exit_code(), 7);
    assert!(Graph::new(&MERGED).is_ok(), "a merge is no cycle");
}

const fn squash(
    id: &'static str,
    parents: &'static [&'static str],
    replaces: &'static [&'static str],
) -> Migration {
    Migration {
        replaces,
        ..migration(id, parents)
    }
}

/// p → a → b → c → d, and `sss` squashing a, b and c.
static SQUASHED: [Migration; 6] = [
    migration("ppp", &[]),
    migration("aaa", &["ppp"]),
    migration("bbb", &["aaa"]),
    migration("ccc", &["bbb"]),
    squash("sss", &["ppp"], &["aaa", "bbb", "ccc"]),
    migration("ddd", &["ccc"]),
];
/// The same with the replaced files deleted.
static DELETED: [Migration; 3] = [
    migration("ppp", &[]),
    squash("sss", &["ppp"], &["aaa", "bbb", "ccc"]),
    migration("ddd", &["ccc"]),
];
/// `ttt` squashes the squash and `ddd`; `eee` follows.
static TWICE: [Migration; 5] = [
    migration("ppp", &[]),
    squash("sss", &["ppp"], &["aaa", "bbb", "ccc"]),
    migration("ddd", &["ccc"]),
    squash("ttt", &["ppp"], &["sss", "ddd"]),
    migration("eee", &["ddd"]),
];

fn settled(graph: &Graph, whole: &[&str], finish: bool) -> String {
    match graph.settle(whole, whole, finish) {
        Ok(None) => "nothing".to_owned(),
        Ok(Some(Settle::Record { squash })) => format!("record {}", squash.revision.id),
        Ok(Some(Settle::Finish { squash, run })) => {
            format!("finish {} running {}", squash.revision.id, ids(&run).join(" "))
        }
        Ok(Some(Settle::Forget { squash, rows })) => {
            format!("forget {} beside {}", rows.join(" "), squash.revision.id)
        }
        Err(e) => format!("error {}", e.exit_code()),
    }
}

#[test]
fn a_squash_stands_for_what_it_replaces() {
    for migrations in [&SQUASHED[..], &DELETED[..]] {
        let migrations: &'static [Migration] = migrations;
        let graph = Graph::new(migrations).unwrap();
        assert_eq!(graph.heads(), ["ddd"]);
        assert_eq!(graph.parents("ddd"), ["sss"]);
        assert!(graph.branch_points().is_empty());
        // A fresh database runs the squash, not the originals.
        assert_eq!(
            ids(&graph.upgrade_path(&[], &Target::Head).unwrap()),
            ["ppp", "sss", "ddd"]
        );
        assert_eq!(graph.stamp_set(&Target::Head).unwrap(), ["ppp", "sss", "ddd"]);
        // A database that applied the range is at the squash.
        let all = ["ppp", "aaa", "bbb", "ccc"];
        assert_eq!(ids(&graph.upgrade_path(&all, &Target::Head).unwrap()), ["ddd"]);
        assert_eq!(graph.current(&all), ["sss"]);
        assert_eq!(settled(&graph, &all, true), "record sss");
        assert_eq!(
            settled(&graph, &["ppp", "sss", "bbb"], true),
            "forget bbb beside sss"
        );
        assert_eq!(settled(&graph, &["ppp", "sss", "ddd"], true), "nothing");
    }
    let graph = Graph::new(&SQUASHED).unwrap();
    // A target names what a fresh database runs.
    assert!(matches!(
        graph.upgrade_path(&[], &Target::Revision("bbb".into())),
        Err(MigrateError::Replaced { .. })
    ));
    assert_eq!(graph.current(&["ppp", "aaa"]), ["aaa"]);
    // Where nothing settles first (`--sql`), the plan is the rest of the
    // originals, never the squash over what is applied.
    assert_eq!(
        ids(&graph.upgrade_path(&["ppp", "aaa"], &Target::Head).unwrap()),
        ["bbb", "ccc", "ddd"]
    );
    assert_eq!(
        settled(&graph, &["ppp", "aaa"], true),
        "finish sss running bbb ccc"
    );
    // A downgrade reverts the originals one by one instead.
    assert_eq!(settled(&graph, &["ppp", "aaa"], false), "nothing");
    assert_eq!(
        graph.downgrade_path(&["ppp", "aaa"], &Target::Back(1)).unwrap(),
        ["aaa"]
    );
    let graph = Graph::new(&DELETED).unwrap();
    for finish in [true, false] {
        assert_eq!(settled(&graph, &["ppp", "aaa"], finish), "error 18");
    }
}

#[test]
fn a_squash_of_a_squash_settles_inner_first() {
    let graph = Graph::new(&TWICE).unwrap();
    assert_eq!(graph.heads(), ["eee"]);
    assert_eq!(
        ids(&graph.upgrade_path(&[], &Target::Head).unwrap()),
        ["ppp", "ttt", "eee"]
    );
    let old = ["ppp", "aaa", "bbb", "ccc", "ddd"];
    assert_eq!(graph.as_squashed(&old), ["ppp", "ttt"]);
    assert_eq!(settled(&graph, &old, true), "record sss");
    assert_eq!(settled(&graph, &["ppp", "sss", "ddd"], true), "record ttt");
    assert_eq!(settled(&graph, &["ppp", "sss"], true), "finish ttt running ddd");
    assert_eq!(ids(&graph.upgrade_path(&old, &Target::Head).unwrap()), ["eee"]);
    // Part of the inner squash's range: through both squashes.
    static TWICE_KEPT: [Migration; 7] = [
        migration("ppp", &[]),
        migration("aaa", &["ppp"]),
        migration("bbb", &["aaa"]),
        migration("ccc", &["bbb"]),
        squash("sss", &["ppp"], &["aaa", "bbb", "ccc"]),
        migration("ddd", &["ccc"]),
        squash("ttt", &["ppp"], &["sss", "ddd"]),
    ];
    let graph = Graph::new(&TWICE_KEPT).unwrap();
    assert_eq!(
        ids(&graph.upgrade_path(&["ppp", "aaa"], &Target::Head).unwrap()),
        ["bbb", "ccc", "ddd"]
    );
    let graph = Graph::new(&TWICE).unwrap();
    assert_eq!(
        ids(&graph.upgrade_path(&["ppp", "sss"], &Target::Head).unwrap()),
        ["ddd", "eee"]
    );
    assert!(matches!(
        Graph::new(&DELETED)
            .unwrap()
            .upgrade_path(&["ppp", "aaa"], &Target::Head),
        Err(MigrateError::PartlySquashed { .. })
    ));
}

#[test]
fn squashes_the_graph_cannot_follow_are_refused() {
    static NOT_A_CHAIN: [Migration; 4] = [
        migration("ppp", &[]),
        migration("aaa", &["ppp"]),
        migration("bbb", &["ppp"]),
        squash("sss", &["ppp"], &["aaa", "bbb"]),
    ];
    static TWICE_REPLACED: [Migration; 4] = [
        migration("aaa", &[]),
        migration("bbb", &["aaa"]),
        squash("sss", &[], &["aaa", "bbb"]),
        squash("ttt", &[], &["aaa", "bbb"]),
    ];
    static ITSELF: [Migration; 1] = [squash("sss", &[], &["sss"])];
    for (migrations, says) in [
        (&NOT_A_CHAIN[..], "`bbb` does not follow `aaa`"),
        (&TWICE_REPLACED[..], "`aaa` is replaced by `sss` too"),
        (&ITSELF[..], "it replaces itself"),
    ] {
        let migrations: &'static [Migration] = migrations;
        let error = Graph::new(migrations).unwrap_err();
        assert!(matches!(error, MigrateError::BadSquash { .. }), "{error}");
        assert!(error.to_string().contains(says), "{error}");
        assert_eq!(error.exit_code(), 7);
    }
}
