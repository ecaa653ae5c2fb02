-- A shop's database as plain SQL made it: what inspect reads, and what it
-- names as not expressible (tests/tests/inspect.rs).
CREATE TABLE customers (
  id INTEGER PRIMARY KEY,
  email VARCHAR(200) NOT NULL UNIQUE,
  name TEXT,
  "type" TEXT NOT NULL DEFAULT 'person',
  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  balance NUMERIC(12, 2) NOT NULL DEFAULT 0,
  CHECK (length(email) > 3)
);
CREATE TABLE orders (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  total NUMERIC(12, 2) NOT NULL DEFAULT 0,
  status TEXT NOT NULL CHECK (status IN ('new', 'paid')),
  note TEXT,
  placed_at DATETIME,
  doubled INTEGER GENERATED ALWAYS AS (id * 2) VIRTUAL
);
CREATE INDEX orders_customer ON orders (customer_id);
CREATE INDEX orders_lower_note ON orders (lower(note));
CREATE INDEX orders_lower_note_desc ON orders (lower(note) DESC);
CREATE UNIQUE INDEX customers_type_email ON customers ("type", lower(email));
CREATE INDEX orders_paid ON orders (customer_id) WHERE status = 'paid';
CREATE INDEX orders_recent ON orders (customer_id, placed_at DESC);
CREATE TABLE editions (
  book INTEGER NOT NULL,
  edition INTEGER NOT NULL,
  title TEXT,
  subtitle TEXT COLLATE NOCASE,
  CONSTRAINT editions_pk PRIMARY KEY (book, edition)
);
CREATE INDEX editions_subtitle ON editions (subtitle);
CREATE INDEX editions_title_nocase ON editions (title COLLATE NOCASE);
CREATE TABLE copies (
  id INTEGER PRIMARY KEY,
  book INTEGER,
  edition INTEGER,
  shelf VARCHAR(10),
  CONSTRAINT copies_edition FOREIGN KEY (book, edition) REFERENCES editions (book, edition) ON DELETE SET NULL
);
CREATE UNIQUE INDEX copies_shelf ON copies (shelf);
CREATE TABLE "Odd Names" (
  "Order Id" INTEGER PRIMARY KEY,
  "type" TEXT,
  "self" INTEGER,
  "1st" BOOLEAN NOT NULL DEFAULT 0
);
CREATE TABLE kv (k TEXT NOT NULL PRIMARY KEY, v BLOB) WITHOUT ROWID;
CREATE TABLE legacy (code TEXT PRIMARY KEY, label TEXT);
CREATE INDEX odd_type ON "Odd Names" ("type", "self");
CREATE VIEW paid AS SELECT * FROM orders WHERE status = 'paid';
CREATE TRIGGER orders_touch AFTER UPDATE ON orders BEGIN SELECT 1; END;
