"""Times migration generation with the tools a team would pick instead of
Ferro: Alembic's `revision --autogenerate` and Django's `makemigrations`.

Each builds, in a scratch folder, the same synthetic schema as Ferro's
benchmarks (`tests/src/synthetic.rs`): N tables of 10 mixed columns, a
unique, an index on `name` and a nullable CASCADE foreign key to the
previous table. It then times the command a user runs, as a process of its
own, and prints one JSON line per measurement:

    python bench/peers.py alembic 500 first
    python bench/peers.py django 500 incremental --runs 5

`first` generates the initial migration; `incremental` adds one column to 50
tables after the initial migration exists (and, for Alembic, is applied,
since autogenerate compares the models with the database); `one` adds one
column to one table, the edit `bench/compile.sh` times end to end.
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

CHANGED = 50


def sqlalchemy_models(n, changed):
    lines = [
        "import sqlalchemy as sa",
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column",
        "",
        "class Base(DeclarativeBase):",
        "    pass",
        "",
    ]
    for i in range(n):
        parent = max(i - 1, 0)
        lines += [
            f"class Table{i:04}(Base):",
            f"    __tablename__ = 'table_{i:04}'",
            f"    __table_args__ = (sa.UniqueConstraint('code', name='uq_table_{i:04}_code'),"
            f" sa.Index('ix_table_{i:04}_name', 'name'))",
            "    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=True)",
            "    code: Mapped[str] = mapped_column(sa.String(32))",
            "    name: Mapped[str] = mapped_column(sa.Text)",
            "    amount = mapped_column(sa.Numeric(12, 2), nullable=False)",
            "    active: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.true())",
            "    created_at = mapped_column(sa.DateTime(timezone=True), nullable=False)",
            "    note = mapped_column(sa.Text, nullable=True)",
            "    score = mapped_column(sa.Float, nullable=True)",
            "    payload = mapped_column(sa.JSON, nullable=True)",
            f"    parent_id = mapped_column(sa.BigInteger, sa.ForeignKey('table_{parent:04}.id',"
            f" ondelete='CASCADE', name='fk_table_{i:04}_parent_id'), nullable=True)",
        ]
        if i < changed:
            lines.append("    extra = mapped_column(sa.Integer, nullable=True)")
        lines.append("")
    return "\n".join(lines)


def django_models(n, changed):
    lines = ["from django.db import models", ""]
    for i in range(n):
        parent = f"Table{max(i - 1, 0):04}"
        lines += [
            f"class Table{i:04}(models.Model):",
            "    id = models.BigAutoField(primary_key=True)",
            "    code = models.CharField(max_length=32, unique=True)",
            "    name = models.TextField(db_index=True)",
            "    amount = models.DecimalField(max_digits=12, decimal_places=2)",
            "    active = models.BooleanField(default=True)",
            "    created_at = models.DateTimeField()",
            "    note = models.TextField(null=True)",
            "    score = models.FloatField(null=True)",
            "    payload = models.JSONField(null=True)",
            f"    parent = models.ForeignKey('{parent}', null=True, on_delete=models.CASCADE,"
            " related_name='+')",
        ]
        if i < changed:
            lines.append("    extra = models.IntegerField(null=True)")
        lines += ["    class Meta:", f"        db_table = 'table_{i:04}'", ""]
    return "\n".join(lines)


def changed(variant):
    """How many tables get the new column."""
    return 1 if variant == "one" else CHANGED


def run(command, cwd, env=None):
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def alembic(folder, n, variant, url):
    python = sys.executable
    run([python, "-m", "alembic", "-q", "init", "migrations"], folder)
    env_py = os.path.join(folder, "migrations", "env.py")
    with open(env_py) as f:
        text = f.read()
    text = text.replace("target_metadata = None", "from models import Base\ntarget_metadata = Base.metadata")
    with open(env_py, "w") as f:
        f.write(text)
    ini = os.path.join(folder, "alembic.ini")
    with open(ini) as f:
        text = f.read()
    text = text.replace("driver://user:pass@localhost/dbname", url)
    with open(ini, "w") as f:
        f.write(text)
    env = dict(os.environ, PYTHONPATH=folder)
    models = os.path.join(folder, "models.py")
    autogenerate = [python, "-m", "alembic", "revision", "--autogenerate", "-m", "change"]
    with open(models, "w") as f:
        f.write(sqlalchemy_models(n, 0))
    if variant == "first":
        return run(autogenerate, folder, env)
    run(autogenerate, folder, env)
    run([python, "-m", "alembic", "upgrade", "head"], folder, env)
    with open(models, "w") as f:
        f.write(sqlalchemy_models(n, changed(variant)))
    return run(autogenerate, folder, env)


def django(folder, n, variant):
    python = sys.executable
    os.makedirs(os.path.join(folder, "app", "migrations"))
    open(os.path.join(folder, "app", "__init__.py"), "w").close()
    open(os.path.join(folder, "app", "migrations", "__init__.py"), "w").close()
    with open(os.path.join(folder, "settings.py"), "w") as f:
        f.write(
            textwrap.dedent(
                """\
                SECRET_KEY = "bench"
                INSTALLED_APPS = ["app"]
                DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}}
                DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
                USE_TZ = True
                """
            )
        )
    env = dict(os.environ, PYTHONPATH=folder, DJANGO_SETTINGS_MODULE="settings")
    models = os.path.join(folder, "app", "models.py")
    make = [python, "-m", "django", "makemigrations", "app"]
    with open(models, "w") as f:
        f.write(django_models(n, 0))
    if variant == "first":
        return run(make, folder, env)
    run(make, folder, env)
    with open(models, "w") as f:
        f.write(django_models(n, changed(variant)))
    return run(make, folder, env)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("tool", choices=["alembic", "django"])
    parser.add_argument("tables", type=int)
    parser.add_argument("variant", choices=["first", "incremental", "one"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--url", default=None, help="Alembic's database (default: a SQLite file)")
    args = parser.parse_args()
    times = []
    for _ in range(args.runs):
        folder = tempfile.mkdtemp(prefix="ferro-peer-")
        try:
            if args.tool == "alembic":
                url = args.url or f"sqlite:///{os.path.join(folder, 'db.sqlite3')}"
                times.append(alembic(folder, args.tables, args.variant, url))
                if args.url:
                    # Leave the shared database empty for the next run.
                    subprocess.run(
                        [sys.executable, "-c", DROP_ALL, args.url], check=True, capture_output=True
                    )
            else:
                times.append(django(folder, args.tables, args.variant))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    print(
        json.dumps(
            {
                "tool": args.tool,
                "tables": args.tables,
                "variant": args.variant,
                "database": "postgresql" if args.url else "sqlite",
                "runs": args.runs,
                "median_ms": round(statistics.median(times) * 1000, 1),
            }
        )
    )


DROP_ALL = """
import sys, sqlalchemy as sa
engine = sa.create_engine(sys.argv[1])
with engine.begin() as conn:
    conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
"""

if __name__ == "__main__":
    main()
