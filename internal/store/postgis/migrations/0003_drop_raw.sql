-- sitmap schema, version 3: doc holds every row's data (0002 filled it).
ALTER TABLE features DROP COLUMN raw, DROP COLUMN props;
ALTER TABLE features ALTER COLUMN doc SET NOT NULL;
-- doc stays in the row, compressed (lz4 when the server has it): a page of
-- results reads its rows' heap pages and no TOAST index. toast_tuple_target
-- (128, from version 1) makes PostgreSQL compress any row above it.
ALTER TABLE features ALTER COLUMN doc SET STORAGE MAIN;
ALTER TABLE features ALTER COLUMN terms_text SET STORAGE MAIN;
DO $$ BEGIN
	ALTER TABLE features ALTER COLUMN doc SET COMPRESSION lz4;
EXCEPTION WHEN OTHERS THEN
	NULL; -- a server built without lz4 keeps pglz
END $$;
