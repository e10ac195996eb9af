-- Issue 16: a current version's history row keeps no copy of the
-- feature: the features row at its version holds it, and a write that
-- supersedes or deletes the version gives the row its doc and bounds
-- first (history.go). The copies written before go.
UPDATE feature_versions v SET doc = NULL, min_x = NULL, min_y = NULL, max_x = NULL, max_y = NULL
FROM features f
WHERE f.collection = v.collection AND f.id = v.id AND f.version = v.version
	AND v.superseded IS NULL AND v.change <> 'deleted' AND v.doc IS NOT NULL;
