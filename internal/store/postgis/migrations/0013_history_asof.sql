-- Issue 12: as_of by index. superseded is the record time of the write
-- that superseded a version (store.TimeKey; NULL while it is current, and
-- for deletions); min_x .. max_y are the bounds of its geometry. The GiST
-- index holds only superseded states, so a create costs nothing more;
-- current versions are found through the features table's own index.
-- The ids and times compare byte by byte (COLLATE "C", as in features), so
-- a join with features can use the (collection, id, version) index.
ALTER TABLE feature_versions
	ALTER COLUMN collection TYPE text COLLATE "C",
	ALTER COLUMN id TYPE text COLLATE "C",
	ALTER COLUMN at TYPE text COLLATE "C";
ALTER TABLE feature_versions
	ADD COLUMN IF NOT EXISTS superseded text COLLATE "C",
	ADD COLUMN IF NOT EXISTS min_x double precision,
	ADD COLUMN IF NOT EXISTS min_y double precision,
	ADD COLUMN IF NOT EXISTS max_x double precision,
	ADD COLUMN IF NOT EXISTS max_y double precision;
UPDATE feature_versions v SET superseded = n.next
	FROM (SELECT seq, lead(at) OVER (PARTITION BY collection, id ORDER BY version) AS next FROM feature_versions) n
	WHERE n.seq = v.seq AND n.next IS NOT NULL AND v.change <> 'deleted';
UPDATE feature_versions v SET min_x = ST_XMin(g.b), min_y = ST_YMin(g.b), max_x = ST_XMax(g.b), max_y = ST_YMax(g.b)
	FROM (SELECT seq, ST_GeomFromGeoJSON((doc::json)->>'geometry')::box2d AS b FROM feature_versions
		WHERE doc IS NOT NULL AND change <> 'deleted') g
	WHERE g.seq = v.seq;
CREATE INDEX IF NOT EXISTS feature_versions_asof ON feature_versions
	USING gist (ST_MakeEnvelope(min_x, min_y, max_x, max_y, 4326))
	WHERE superseded IS NOT NULL AND change <> 'deleted';
