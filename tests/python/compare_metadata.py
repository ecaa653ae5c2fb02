"""Compare a database with the MetaData of a module `sqlalchemy` wrote, as
Alembic's autogenerate does, and print every difference.

    python compare_metadata.py MODULE.py SQLALCHEMY_URL

Exit status: 0 when Alembic finds no difference, 1 when it finds some (one
line each on standard output). Types and server defaults are compared too;
Ferro's version tables are not part of the models and are left out.
"""

import importlib.util
import sys

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext


def load(path, url):
    spec = importlib.util.spec_from_file_location("ferro_schema", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.get_metadata(url)


def main(module_path, url):
    metadata = load(module_path, url)
    # The default schema, and the PostgreSQL schemas the models name: a
    # schema they do not name is not theirs, as for Ferro's `check --schema`.
    schemas = {table.schema for table in metadata.tables.values()}

    def include_name(name, type_, parent_names):
        if type_ == "schema":
            return name is None or name in schemas
        return not (type_ == "table" and name.startswith("ferro_version"))

    engine = sa.create_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_schemas": True,
                "include_name": include_name,
            },
        )
        differences = compare_metadata(context, metadata)
    engine.dispose()
    for difference in differences:
        print(difference)
    print(f"{len(differences)} difference(s) on {engine.dialect.name}", file=sys.stderr)
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
