-- sitmap schema, version 1.
CREATE EXTENSION IF NOT EXISTS postgis;
-- for the GiST index on (collection, geom); part of PostgreSQL's contrib
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- One row: the global change sequence (store.Change.Seq). Writers bump it
-- in their transaction, so its row lock orders commits and Seq grows in
-- commit order.
CREATE TABLE sitmap_seq (
	one boolean PRIMARY KEY DEFAULT true CHECK (one),
	seq bigint NOT NULL
);
INSERT INTO sitmap_seq (seq) VALUES (0);

-- Collections: meta is the geo.Collection document; version grows with every
-- change to the collection's features. Writers update this row first, so
-- its lock serialises the writers of one collection.
CREATE TABLE collections (
	id      text COLLATE "C" PRIMARY KEY,
	meta    jsonb NOT NULL,
	version bigint NOT NULL DEFAULT 0
);

CREATE TABLE features (
	-- no foreign key: writers check the collection under its row lock, and a
	-- per-row trigger would triple the time of a large import
	collection text COLLATE "C" NOT NULL,
	id         text COLLATE "C" NOT NULL,
	version    bigint NOT NULL,
	geom       geometry(Geometry, 4326) NOT NULL,
	-- the exact bounds of geom as Go computes them (collection extents)
	min_x double precision NOT NULL,
	min_y double precision NOT NULL,
	max_x double precision NOT NULL,
	max_y double precision NOT NULL,
	-- raw is the properties object as written: features are rebuilt from it,
	-- so values jsonb would normalise (12345678901234567890, 1.50) survive.
	raw   bytea NOT NULL,
	props jsonb, -- the same, for SQL; NULL when jsonb cannot hold it (\u0000)
	-- equality filters: one term per scalar property value or array element,
	-- "name\x1fvalue" (long values hashed), as geo.Feature.HasValue sees them;
	-- free-text properties (name, description, ...) in terms_text
	terms      text[] COLLATE "C" NOT NULL,
	terms_text text[] COLLATE "C" NOT NULL, -- the same, for free-text properties; not indexed
	name_lower       bytea NOT NULL, -- lower-cased as Go does; sort by name, text search
	name_local_lower bytea NOT NULL,
	updated          bytea NOT NULL, -- the "updated" property as a sort key (updatedKey)
	-- the temporal extent (valid_from, valid_to); NULL is an open end. The
	-- _ns columns keep the nanoseconds timestamptz drops.
	valid_from    timestamptz,
	valid_from_ns smallint NOT NULL DEFAULT 0,
	valid_to      timestamptz,
	valid_to_ns   smallint NOT NULL DEFAULT 0,
	PRIMARY KEY (collection, id)
);

-- Keep rows small: the properties (read only for the rows of a page) go
-- out of line, so a bbox scan touches few pages.
ALTER TABLE features SET (toast_tuple_target = 128);
ALTER TABLE features ALTER COLUMN raw SET STORAGE EXTERNAL;
ALTER TABLE features ALTER COLUMN props SET STORAGE EXTERNAL;
ALTER TABLE features ALTER COLUMN terms_text SET STORAGE EXTERNAL;

-- One spatial index for all collections, led by the collection, so a
-- query of a small collection does not wade through a big one's rows.
CREATE INDEX features_geom ON features USING gist (collection, geom);
CREATE INDEX features_terms ON features USING gin (terms);
CREATE INDEX features_valid_from ON features (collection, valid_from, valid_from_ns);
CREATE INDEX features_valid_to ON features (collection, valid_to, valid_to_ns);

-- Recent changes, one row per notification (a batch of Changes as JSON), so
-- a replica whose LISTEN connection dropped catches up on what it missed.
-- Writers drop rows older than an hour.
CREATE TABLE change_log (
	last_seq  bigint PRIMARY KEY,
	first_seq bigint NOT NULL,
	at        timestamptz NOT NULL DEFAULT now(),
	payload   text NOT NULL
);
CREATE INDEX change_log_at ON change_log (at);
