package formats_test

import (
	"os"
	"os/exec"
	"testing"

	"github.com/sitmap/sitmap/internal/formats"
)

// validateGPKG is GDAL's GeoPackage validator (Debian's python3-gdal).
const validateGPKG = "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py"

// TestGPKGPassesGDALValidator: GDAL's validator, which checks the
// GeoPackage 1.3 requirements on the tables (contents, spatial reference
// systems, geometry columns, the R-tree extension and its triggers), finds
// nothing wrong with an export of the seed.
func TestGPKGPassesGDALValidator(t *testing.T) {
	if _, err := os.Stat(validateGPKG); err != nil {
		t.Fatalf("%s not found: install python3-gdal (make deps does)", validateGPKG)
	}
	cols, byCol := seed(t)
	file := encode(t, formats.GPKG, cols, byCol)
	if out, err := exec.Command("python3", validateGPKG, file).CombinedOutput(); err != nil {
		t.Errorf("validate_gpkg.py: %v\n%s", err, out)
	}
}
