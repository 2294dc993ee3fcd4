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
        map.fitBounds(layer.getBounds());
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
        for (const p of data.points) {
          L.circleMarker([p.lat, p.lon], {
            renderer, radius: 3, weight: 0, fillOpacity: 0.8,
            fillColor: p.kind === "koperasi" ? "#0d6efd" : "#d63384",
          }).bindTooltip(p.name).addTo(pointsLayer);
        }
        const caption = document.getElementById("map-caption");
        if (caption) caption.textContent = data.shown + " / " + data.total.toLocaleString("id-ID");
        el.dataset.loaded = "1";
      });
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.body.addEventListener("htmx:afterSettle", draw);
})();
