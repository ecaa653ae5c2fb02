"""Times applying migrations with Ferro and the tools a team would pick
instead, on the same statements, and prints one JSON line per measurement.

    python bench/runtime_peers.py apply ferro --bin target/release/examples/bench_apply
    python bench/runtime_peers.py apply sqlx --bin bench/.tools/bin/sqlx --url postgresql://...
    python bench/runtime_peers.py apply alembic
    python bench/runtime_peers.py rebuild SEED.db

`apply` runs 1,000 small migrations on a fresh database (a SQLite file, or
PostgreSQL at --url, emptied before each run): the first creates
`bench_log (n INTEGER)`, each other inserts one row, each migration in a
transaction of its own. It times the command a user runs, as a process:
`bench_apply upgrade head` (Ferro's command line over
`synthetic::small_migrations`), `sqlx migrate run`, and `alembic upgrade
head` with `transaction_per_migration`.

`rebuild` times Alembic's batch mode (`batch_alter_table`, its way to
change a SQLite table that `ALTER TABLE` cannot) on copies of the file
`bench_rebuild` seeds, making the same change as Ferro's migration there.
It is timed in the process, around `command.upgrade`, as `bench_rebuild`
times Ferro and the raw copy.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

import peers  # bench/peers.py: times a command as a process

MIGRATIONS = 1000
CREATE = "CREATE TABLE bench_log (n INTEGER)"
INSERT = "INSERT INTO bench_log (n) VALUES (1)"


def statements():
    return [CREATE] + [INSERT] * (MIGRATIONS - 1)


def empty_postgres(url):
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def sqlalchemy_url(url):
    """`postgres://...` as SQLAlchemy names it with the psycopg driver."""
    return "postgresql+psycopg://" + url.split("://", 1)[1]


def sqlx_folder(folder):
    source = os.path.join(folder, "migrations")
    os.makedirs(source)
    for i, sql in enumerate(statements(), start=1):
        with open(os.path.join(source, f"{i:04}_small.sql"), "w") as f:
            f.write(sql + ";\n")
    return source


def alembic_folder(folder, url):
    python = sys.executable
    subprocess.run([python, "-m", "alembic", "init", "migrations"], cwd=folder, check=True, capture_output=True)
    env_py = os.path.join(folder, "migrations", "env.py")
    with open(env_py) as f:
        text = f.read()
    # One transaction per migration, as Ferro and sqlx run them.
    text = text.replace(
        "target_metadata=target_metadata", "target_metadata=target_metadata, transaction_per_migration=True"
    )
    with open(env_py, "w") as f:
        f.write(text)
    ini = os.path.join(folder, "alembic.ini")
    with open(ini) as f:
        text = f.read()
    with open(ini, "w") as f:
        f.write(text.replace("driver://user:pass@localhost/dbname", url))
    versions = os.path.join(folder, "migrations", "versions")
    for i, sql in enumerate(statements(), start=1):
        down = "None" if i == 1 else f'"r{i - 1:04}"'
        with open(os.path.join(versions, f"r{i:04}_small.py"), "w") as f:
            f.write(
                textwrap.dedent(
                    f'''\
                    from alembic import op

                    revision = "r{i:04}"
                    down_revision = {down}
                    branch_labels = None
                    depends_on = None


                    def upgrade():
                        op.execute("{sql}")


                    def downgrade():
                        pass
                    '''
                )
            )


def apply(args):
    times = []
    for _ in range(args.runs):
        folder = tempfile.mkdtemp(prefix="ferro-apply-")
        try:
            if args.url:
                empty_postgres(args.url)
            db = os.path.join(folder, "bench.db")
            if args.tool == "ferro":
                url = args.url or f"sqlite://{db}?mode=rwc"
                command = [os.path.abspath(args.bin), "--database-url", url, "upgrade", "head"]
            elif args.tool == "sqlx":
                url = args.url or f"sqlite://{db}?mode=rwc"
                source = sqlx_folder(folder)
                command = [os.path.abspath(args.bin), "migrate", "run", "--source", source, "--database-url", url]
            else:
                url = sqlalchemy_url(args.url) if args.url else f"sqlite:///{db}"
                alembic_folder(folder, url)
                command = [sys.executable, "-m", "alembic", "upgrade", "head"]
            times.append(peers.run(command, folder))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if args.url:
        # Leave the database empty for whatever runs next.
        empty_postgres(args.url)
    report("apply", args.tool, args.url, args.runs, times, migrations=MIGRATIONS)


REBUILD = '''\
import sqlalchemy as sa
from alembic import op

revision = "r0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("big") as batch:
        batch.alter_column("b", type_=sa.String(60), existing_type=sa.String(40), existing_nullable=False)
        batch.alter_column("c", server_default="0", existing_type=sa.Float(), existing_nullable=True)
        batch.create_check_constraint("ck_big_c", "c >= 0")


def downgrade():
    pass
'''


def rebuild(args):
    from alembic import command
    from alembic.config import Config

    times = []
    for _ in range(args.runs):
        folder = tempfile.mkdtemp(prefix="ferro-rebuild-")
        try:
            db = os.path.join(folder, "big.db")
            shutil.copy(args.seed, db)
            subprocess.run(
                [sys.executable, "-m", "alembic", "init", "migrations"], cwd=folder, check=True, capture_output=True
            )
            ini = os.path.join(folder, "alembic.ini")
            with open(ini) as f:
                text = f.read()
            with open(ini, "w") as f:
                f.write(text.replace("level = INFO", "level = WARNING"))
            with open(os.path.join(folder, "migrations", "versions", "r0001_rebuild.py"), "w") as f:
                f.write(REBUILD)
            config = Config(ini)
            config.set_main_option("script_location", os.path.join(folder, "migrations"))
            config.set_main_option("sqlalchemy.url", f"sqlite:///{db}")
            start = time.perf_counter()
            command.upgrade(config, "head")
            times.append(time.perf_counter() - start)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    report("rebuild", "alembic batch", None, args.runs, times)


def report(case, tool, url, runs, times, **extra):
    print(
        json.dumps(
            {
                "case": case,
                "tool": tool,
                "database": "postgresql" if url else "sqlite",
                "runs": runs,
                **extra,
                "median_ms": round(statistics.median(times) * 1000, 1),
            }
        )
    )


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="case", required=True)
    a = sub.add_parser("apply")
    a.add_argument("tool", choices=["ferro", "sqlx", "alembic"])
    a.add_argument("--bin", help="the ferro or sqlx binary")
    a.add_argument("--url", default=None, help="a PostgreSQL database it may empty (default: a SQLite file)")
    a.add_argument("--runs", type=int, default=5)
    r = sub.add_parser("rebuild")
    r.add_argument("seed")
    r.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    apply(args) if args.case == "apply" else rebuild(args)


if __name__ == "__main__":
    main()
