-- A shop's database as plain SQL made it: what inspect reads, and what it
-- names as not expressible (tests/tests/inspect.rs).
CREATE TABLE customers (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  email VARCHAR(200) NOT NULL,
  name TEXT,
  `type` VARCHAR(20) NOT NULL DEFAULT 'person',
  mood ENUM('happy', 'so-so', 'sad'),
  balance DECIMAL(12, 2) NOT NULL DEFAULT 0,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NULL ON UPDATE CURRENT_TIMESTAMP(6),
  UNIQUE KEY customers_email (email),
  CONSTRAINT email_length CHECK (CHAR_LENGTH(email) > 3)
) COMMENT 'people who buy';
CREATE TABLE orders (
  id INT NOT NULL AUTO_INCREMENT,
  customer_id BIGINT NOT NULL,
  total DECIMAL(12, 2) NOT NULL DEFAULT 0,
  note VARCHAR(200),
  doubled INT AS (id * 2) VIRTUAL,
  PRIMARY KEY (id),
  KEY orders_customer (customer_id),
  KEY orders_recent (customer_id, total DESC),
  KEY orders_note_prefix (note(10)),
  FULLTEXT KEY orders_note_text (note),
  CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE
);
CREATE TABLE tickets (
  code VARCHAR(10) NOT NULL PRIMARY KEY,
  seq BIGINT NOT NULL AUTO_INCREMENT,
  KEY tickets_seq (seq)
);
CREATE TABLE editions (
  book BIGINT NOT NULL,
  edition INT NOT NULL,
  title VARCHAR(100) COLLATE utf8mb4_bin,
  PRIMARY KEY (book, edition)
);
CREATE TABLE copies (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  book BIGINT,
  edition INT,
  shelf VARCHAR(10),
  UNIQUE KEY copies_shelf (shelf),
  CONSTRAINT copies_edition FOREIGN KEY (book, edition) REFERENCES editions (book, edition) ON DELETE SET NULL
);
CREATE TABLE audits (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  created_at DATETIME(6),
  KEY idx_created (created_at)
);
CREATE TABLE events (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  created_at DATETIME(6),
  KEY idx_created (created_at)
);
CREATE VIEW paid AS SELECT id, total FROM orders;
CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW SET NEW.total = NEW.total;
