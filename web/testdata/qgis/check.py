"""check.py BASE_URL OUT_DIR COLLECTION...: QGIS reads a served sitmap.

Run by web/qgis_test.go with Debian's python3-qgis and QT_QPA_PLATFORM=offscreen.
For each collection it loads an OGC API - Features layer with a page size
of 5 (so every layer takes several pages) and counts its features; it filters
border-crossings with a QGIS expression and with a subset string; it loads the
"all" and "basemap" tile sets as vector tile layers with the server's MapLibre
styles and renders the Poland-Belarus border to OUT_DIR/qgis-border.png. It
prints one JSON object with what it found; the Go test judges it.
"""
import json
import os
import sys

from qgis.core import (Qgis, QgsApplication, QgsCoordinateReferenceSystem, QgsCoordinateTransform,
                       QgsDataSourceUri, QgsFeatureRequest, QgsMapRendererSequentialJob, QgsMapSettings,
                       QgsProject, QgsRectangle, QgsVectorLayer, QgsVectorTileLayer)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor

PAGE_SIZE = 5
# Brest to Grodno: the Polish-Belarusian border and its crossings.
BORDER = QgsRectangle(22.9, 51.5, 24.5, 53.95)
CLOSED_RED = (0xc8, 0x10, 0x2e)


def oapif(base, cid):
    uri = f"url='{base}' typename='{cid}' pageSize='{PAGE_SIZE}' pagingEnabled='true' restrictToRequestBBOX='0'"
    return QgsVectorLayer(uri, cid, "OAPIF")


def count(layer, request=None):
    return sum(1 for _ in layer.getFeatures(request or QgsFeatureRequest()))


def vector_tiles(base, tileset):
    ds = QgsDataSourceUri()
    ds.setParam("type", "xyz")
    ds.setParam("url", f"{base}/tiles/{tileset}/{{z}}/{{x}}/{{y}}.mvt")
    ds.setParam("zmin", "0")
    ds.setParam("zmax", "14")
    ds.setParam("styleUrl", f"{base}/styles/{tileset}")
    layer = QgsVectorTileLayer(bytes(ds.encodedUri()).decode(), tileset)
    res = layer.loadDefaultStyle()
    msg, ok = (res if isinstance(res, tuple) else ("", res))
    styles = [s.styleName() for s in layer.renderer().styles()] if layer.renderer() else []
    return layer, {"valid": layer.isValid(), "style_loaded": bool(ok), "message": msg, "styles": styles,
                   "labeled": layer.labeling() is not None}


def render(layers, path):
    settings = QgsMapSettings()
    settings.setLayers(layers)
    dest = QgsCoordinateReferenceSystem("EPSG:3857")
    settings.setDestinationCrs(dest)
    tr = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"), dest, QgsProject.instance())
    settings.setExtent(tr.transformBoundingBox(BORDER))
    settings.setOutputSize(QSize(1000, 1500))
    settings.setBackgroundColor(QColor("#b9d7ea"))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    img = job.renderedImage()
    img.save(path, "PNG")
    red, colours = 0, set()
    for y in range(0, img.height(), 2):
        for x in range(0, img.width(), 2):
            c = QColor(img.pixel(x, y))
            colours.add(c.rgb())
            if all(abs(a - b) < 24 for a, b in zip((c.red(), c.green(), c.blue()), CLOSED_RED)):
                red += 1
    return {"path": path, "width": img.width(), "height": img.height(), "closed_red_pixels": red,
            "colours": len(colours), "errors": [e.message for e in job.errors()]}


def main():
    base, out, collections = sys.argv[1], sys.argv[2], sys.argv[3:]
    app = QgsApplication([], False)
    app.initQgis()
    result = {"qgis": Qgis.QGIS_VERSION, "collections": {}}
    for cid in collections:
        layer = oapif(base, cid)
        result["collections"][cid] = {"valid": layer.isValid(), "count": count(layer) if layer.isValid() else -1,
                                      "fields": [f.name() for f in layer.fields()]}
    crossings = oapif(base, "border-crossings")
    result["expression_closed"] = count(crossings, QgsFeatureRequest().setFilterExpression("\"status\" = 'closed'"))
    crossings.setSubsetString("\"status\" = 'closed'")
    result["subset_closed"] = count(crossings)

    all_tiles, result["tiles_all"] = vector_tiles(base, "all")
    basemap, result["tiles_basemap"] = vector_tiles(base, "basemap")
    result["render"] = render([all_tiles, basemap], os.path.join(out, "qgis-border.png"))
    print(json.dumps(result), flush=True)
    # Layers must go before QGIS does: exitQgis with live layers crashes.
    del layer, crossings, all_tiles, basemap
    app.exitQgis()


main()
