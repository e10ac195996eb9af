-- sitmap schema, version 3: doc holds every row's data (0002 filled it).
ALTER TABLE features DROP COLUMN raw, DROP COLUMN props;
ALTER TABLE features ALTER COLUMN doc SET NOT NULL;
-- doc stays in the row: a page of results reads its rows' heap pages and
-- no TOAST index. Rows over PostgreSQL's 2 KB threshold (big polygons)
-- have it compressed in place, with lz4 when the server has it.
ALTER TABLE features ALTER COLUMN doc SET STORAGE MAIN;
ALTER TABLE features ALTER COLUMN terms_text SET STORAGE MAIN;
DO $$ BEGIN
	ALTER TABLE features ALTER COLUMN doc SET COMPRESSION lz4;
EXCEPTION WHEN OTHERS THEN
	NULL; -- a server built without lz4 keeps pglz
END $$;
