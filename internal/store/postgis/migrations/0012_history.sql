-- Issue 12: every version of every feature, written in the transaction of
-- its write. at is the record time as store.TimeKey text (nanoseconds, and
-- text order is time order); doc is the feature's GeoJSON as written, for
-- a deletion as it was (null if it predates the history).
CREATE TABLE IF NOT EXISTS feature_versions (
	seq        bigint PRIMARY KEY,
	collection text   NOT NULL,
	id         text   NOT NULL,
	version    bigint NOT NULL,
	at         text   NOT NULL,
	editor     text   NOT NULL DEFAULT '',
	change     text   NOT NULL,
	doc        text
);
CREATE INDEX IF NOT EXISTS feature_versions_feature ON feature_versions (collection, id, version);
CREATE INDEX IF NOT EXISTS feature_versions_at ON feature_versions (at);

-- Named editors' tokens: only the hash of each secret is kept.
CREATE TABLE IF NOT EXISTS tokens (
	name      text PRIMARY KEY,
	role      text NOT NULL,
	hash      text NOT NULL,
	created   timestamptz NOT NULL,
	last_used timestamptz,
	revoked   timestamptz
);
