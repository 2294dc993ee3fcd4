// Registry map: kab/kota boundaries drawn from our own GeoJSON (no tile server:
// offices run on intranets) and the filtered entities as small circles.
(function () {
  "use strict";
  let map, pointsLayer;

  function draw() {
    const el = document.getElementById("registry-map");
    if (!el || typeof L === "undefined") return;
    if (!map) {
      map = L.map(el, { zoomSnap: 0.25, attributionControl: false });
      fetch(el.dataset.boundariesUrl).then((r) => r.json()).then((geo) => {
        const layer = L.geoJSON(geo, {
          style: { color: "#0f5f4a", weight: 1, fillColor: "#d9efe7", fillOpacity: 0.6 },
          onEachFeature: (f, l) => l.bindTooltip(f.properties.nama),
        }).addTo(map);
        if (!el.dataset.zoomed) map.fitBounds(layer.getBounds());
      });
      pointsLayer = L.layerGroup().addTo(map);
    }
    const params = new URLSearchParams(window.location.search);
    params.delete("page");
    fetch(el.dataset.pointsUrl + "?" + params.toString(), { credentials: "same-origin" })
      .then((r) => r.json())
      .then((data) => {
        pointsLayer.clearLayers();
        const renderer = L.canvas({ padding: 0.5 });
        const bounds = [];
        for (const p of data.points) {
          L.circleMarker([p.lat, p.lon], {
            renderer, radius: 4, weight: 1, color: "#ffffff", fillOpacity: 0.9,
            fillColor: p.kind === "koperasi" ? "#0d6efd" : "#d63384",
          }).bindTooltip(p.name).addTo(pointsLayer);
          bounds.push([p.lat, p.lon]);
        }
        // A filtered list (a district, a search) is shown where it is, not at province scale.
        if (params.toString() && bounds.length) {
          // One point alone keeps its surroundings in view (kecamatan scale, not street scale).
          map.fitBounds(bounds, { padding: [12, 12], maxZoom: bounds.length > 1 ? 13 : 11, animate: false });
          el.dataset.zoomed = "1";
        } else if (!map._loaded) {
          map.setView([-4.1, 122.5], 7);  // until the boundaries arrive
        }
        const caption = document.getElementById("map-caption");
        if (caption) caption.textContent = data.shown + " / " + data.total.toLocaleString("id-ID");
        el.dataset.loaded = "1";
      });
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.body.addEventListener("htmx:afterSettle", draw);
})();
