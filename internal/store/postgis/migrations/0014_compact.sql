-- Issue 16: the features table rebuilt at two thirds of its size.
--
-- props replaces doc: the properties object alone, as the feature's
-- GeoJSON holds it. The rest of the GeoJSON (its type, id and geometry)
-- is written again on reads from id and geom (geo.StoredProperties),
-- the same bytes, so the geometry is kept once, in geom.
--
-- text_terms replaces terms_text: the free-text terms (names,
-- descriptions, times: nearly unique values, so not indexed) as 32-bit
-- hashes (term_hash), which an equality filter compares before it reads
-- the row's properties (sitmap_has_value) for the rows that pass. A row
-- whose properties hold a \u0000 escape, which PostgreSQL's JSON
-- functions refuse, keeps its free-text terms exact in terms instead.
--
-- terms holds codes, not text: sitmap_terms has the term of each (a
-- term's code never changes, and none is dropped), and sitmap_codes
-- turns the terms of a filter into theirs (once a query, as an uncorrelated
-- subquery: a filter would call it for every row).
--
-- The fixed-width columns come first, so no row pads between them.
CREATE FUNCTION pg_temp.term_hash(t text) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS
$$ SELECT ('x' || left(encode(sha256(convert_to(t, 'UTF8')), 'hex'), 8))::bit(32)::integer $$;

CREATE TABLE sitmap_terms (
	code integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	term text COLLATE "C" NOT NULL UNIQUE
);

CREATE TABLE features_v14 (
	version       bigint NOT NULL,
	min_x         double precision NOT NULL,
	min_y         double precision NOT NULL,
	max_x         double precision NOT NULL,
	max_y         double precision NOT NULL,
	valid_from    timestamptz,
	valid_to      timestamptz,
	valid_from_ns smallint NOT NULL DEFAULT 0,
	valid_to_ns   smallint NOT NULL DEFAULT 0,
	collection    text COLLATE "C" NOT NULL,
	id            text COLLATE "C" NOT NULL,
	geom          geometry(Geometry, 4326) NOT NULL,
	props         bytea NOT NULL,
	terms         integer[] NOT NULL,
	text_terms    integer[] NOT NULL,
	name_lower       bytea NOT NULL,
	name_local_lower bytea NOT NULL,
	updated          bytea NOT NULL
);

-- doc is {"type":"Feature","id":...,"geometry":...,"properties":{...}}:
-- the first ,"properties": is build's (a JSON string cannot hold ," and
-- a geometry holds no strings but its type).
CREATE VIEW pg_temp.features_v13 AS
SELECT *, position(',"properties":'::bytea IN doc) AS p,
	CASE WHEN nul THEN terms || terms_text ELSE terms END AS exact
FROM (SELECT ctid AS row_ctid, *, position(convert_to('\u0000', 'UTF8') IN doc) > 0 AS nul FROM features) f;
INSERT INTO sitmap_terms (term) SELECT DISTINCT e FROM pg_temp.features_v13, unnest(exact) e ORDER BY e;
INSERT INTO features_v14
SELECT version, min_x, min_y, max_x, max_y, valid_from, valid_to, valid_from_ns, valid_to_ns, collection, id, geom,
	substring(doc FROM p + 14 FOR length(doc) - p - 14),
	ARRAY(SELECT d.code FROM unnest(exact) e JOIN sitmap_terms d ON d.term = e),
	CASE WHEN nul THEN '{}' ELSE ARRAY(SELECT pg_temp.term_hash(t) FROM unnest(terms_text) t) END,
	name_lower, name_local_lower, updated
FROM pg_temp.features_v13
ORDER BY collection, row_ctid;

DROP VIEW pg_temp.features_v13;
DROP TABLE features;
ALTER TABLE features_v14 RENAME TO features;
ALTER TABLE features ADD CONSTRAINT features_pkey PRIMARY KEY (collection, id);
CREATE INDEX features_geom ON features USING gist (geom);
CREATE INDEX features_terms ON features USING gin (terms);
-- The time indexes hold only the ends that are set (most are open): the
-- extents look for the earliest and latest set end, and a time filter's
-- test of a set end is what an index helps with.
CREATE INDEX features_valid_from ON features (collection, valid_from, valid_from_ns) WHERE valid_from IS NOT NULL;
CREATE INDEX features_valid_to ON features (collection, valid_to, valid_to_ns) WHERE valid_to IS NOT NULL;
-- as 0001 and 0003 set them: rows over 2 KB (big polygons) have props
-- compressed in place
ALTER TABLE features SET (toast_tuple_target = 128);
ALTER TABLE features ALTER COLUMN props SET STORAGE MAIN;
DO $$ BEGIN
	ALTER TABLE features ALTER COLUMN props SET COMPRESSION lz4;
EXCEPTION WHEN OTHERS THEN
	NULL; -- a server built without lz4 keeps pglz
END $$;
ANALYZE features;

-- sitmap_codes(ts) is the codes of the terms ts (all distinct), or {0},
-- which no row holds, if one has none: no row holds that term.
CREATE FUNCTION sitmap_codes(ts text[]) RETURNS integer[] LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN count(*) = cardinality(ts) THEN array_agg(code) ELSE '{0}' END
	FROM sitmap_terms WHERE term = ANY(ts)
$$;

-- sitmap_has_value(props, k, v) is geo.Feature.HasValue: property k is
-- the scalar v (a string decoded, a number or boolean as written) or an
-- array holding it. The json type (not jsonb) keeps numbers as written.
-- Properties with a \u0000 escape are false without being read (their
-- free-text terms are exact, in terms).
CREATE FUNCTION sitmap_scalar_is(e json, v text) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE json_typeof(e)
		WHEN 'string' THEN e #>> '{}' = v
		WHEN 'number' THEN e::text = v
		WHEN 'boolean' THEN e::text = v
		ELSE false END
$$;
CREATE FUNCTION sitmap_has_value(props bytea, k text, v text) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN position(convert_to('\u0000', 'UTF8') IN props) > 0 THEN false
		ELSE (SELECT CASE json_typeof(j)
			WHEN 'array' THEN EXISTS (SELECT 1 FROM json_array_elements(j) e WHERE sitmap_scalar_is(e, v))
			ELSE coalesce(sitmap_scalar_is(j, v), false) END
		FROM (SELECT convert_from(props, 'UTF8')::json -> k) s(j)) END
$$;
