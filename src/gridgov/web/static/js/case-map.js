// The case page's map: the case's place (a pin) on its territory's outline, on a plain
// background (no external tiles). Data from data- attributes of [data-case-map].
(function () {
  "use strict";

  function outline(element) {
    var text = element.getAttribute("data-outline");
    if (!text) {
      return null;
    }
    try {
      return JSON.parse(text);
    } catch (error) {
      return null;
    }
  }

  function draw(element) {
    var lon = parseFloat(element.getAttribute("data-lon"));
    var lat = parseFloat(element.getAttribute("data-lat"));
    if (!window.L || isNaN(lon) || isNaN(lat)) {
      return;
    }
    var map = window.L.map(element, { attributionControl: false, zoomSnap: 0.25 });
    var shape = outline(element);
    var pin = window.L.circleMarker([lat, lon], {
      radius: 9, color: "#7f0000", weight: 3, fillColor: "#b71c1c", fillOpacity: 0.9,
    }).addTo(map);
    if (shape) {
      var layer = window.L.geoJSON(shape, {
        style: { color: "#555", weight: 2, fillColor: "#f0e6d2", fillOpacity: 0.5 },
      }).addTo(map);
      map.fitBounds(layer.getBounds().extend(pin.getLatLng()), { padding: [12, 12] });
    } else {
      map.setView([lat, lon], 16);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-case-map]"), draw);
  });
})();
