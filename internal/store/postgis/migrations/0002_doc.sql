-- sitmap schema, version 2: one copy of each feature's data. doc is the
-- feature's GeoJSON exactly as the service serves it (geo.Feature's
-- AppendJSON), so reads return it verbatim; it replaces raw (the properties
-- as written) and props (the same as jsonb, which no query used). Open
-- fills doc from raw for the rows of version 1 before 0003 drops raw.
ALTER TABLE features ADD COLUMN doc bytea;
ALTER TABLE features ALTER COLUMN raw DROP NOT NULL;
