// Territory maps (Leaflet), driven by data- attributes; any page can reuse them through
// templates/partials/map.html. No inline script: everything is read from the element.
//   data-geojson   same-origin URL of the polygons (a FeatureCollection, property "code")
//   data-values    JSON by code: {name, open, overdue, href} (colours, tooltips, links)
//   data-colour    "cases" (by overdue/open cases), "plan" (kept/new parts), "coverage"
//                  (by value.share: households contacted, 0-1) or "" (plain)
//   data-points    optional URL of points (households: household_no, address, href); a
//                  roll-call's above a grid are nodes instead (code, name, label, counts):
//                  a click on one loads that node's own (URL?territory=CODE)
//   data-outline   optional URL of an outline drawn under the polygons
//   data-tile-url  optional tile URL template (GRIDGOV_MAP_TILE_URL); empty: no tiles
// When drawn, the element gets data-ready="true", data-features and data-points-count
// (tests wait for them), and each polygon's SVG path a data-code attribute.
(function () {
  "use strict";

  var COLOURS = {
    calm: "#66bb6a",
    busy: "#f9a825",
    late: "#c62828",
    kept: "#1565c0",
    fresh: "#ef6c00",
    plain: "#1565c0",
    outline: "#555555",
    point: "#6a1b9a"
  };

  function readJson(text, fallback) {
    if (!text) return fallback;
    try {
      return JSON.parse(text);
    } catch (error) {
      return fallback;
    }
  }

  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("map data answered " + response.status);
        return response.json();
      });
  }

  function line(text, className) {
    var element = document.createElement("div");
    if (className) element.className = className;
    element.textContent = text;
    return element;
  }

  function casesStyle(value) {
    var colour = COLOURS.calm;
    if (value && value.overdue > 0) colour = COLOURS.late;
    else if (value && value.open > 0) colour = COLOURS.busy;
    return { color: "#333333", weight: 1.5, fillColor: colour, fillOpacity: 0.55 };
  }

  // Contact coverage: red under half the households contacted, amber under 90%, else green.
  function coverageStyle(value) {
    var share = value && typeof value.share === "number" ? value.share : null;
    var colour = COLOURS.late;
    if (share === null) colour = COLOURS.plain;
    else if (share >= 0.9) colour = COLOURS.calm;
    else if (share >= 0.5) colour = COLOURS.busy;
    return { color: "#333333", weight: 1.5, fillColor: colour, fillOpacity: 0.55 };
  }

  function planStyle(properties) {
    var unit = properties.level === "unit";
    return {
      color: properties.kept ? COLOURS.kept : COLOURS.fresh,
      weight: unit ? 1 : 3,
      dashArray: unit ? "4 4" : null,
      fillOpacity: unit ? 0 : 0.12
    };
  }

  function styleFor(mode, values) {
    return function (feature) {
      var properties = feature.properties || {};
      if (mode === "cases") return casesStyle(values[properties.code]);
      if (mode === "plan") return planStyle(properties);
      if (mode === "coverage") return coverageStyle(values[properties.code]);
      var unit = properties.level === "unit";
      return { color: COLOURS.plain, weight: unit ? 1 : 2.5, fillOpacity: 0.08 };
    };
  }

  function tooltipFor(element, properties, value) {
    var box = document.createElement("div");
    var name = (value && value.name) || properties.name_zh || properties.code || "";
    box.appendChild(line(name, "map-tip-name"));
    if (value && typeof value.open === "number") {
      box.appendChild(line(element.dataset.labelOpen + ": " + value.open));
      box.appendChild(line(element.dataset.labelOverdue + ": " + value.overdue));
    }
    if (value && typeof value.share === "number" && element.dataset.labelCovered) {
      box.appendChild(line(element.dataset.labelCovered + ": " + Math.round(value.share * 100) + "%"));
    }
    if (typeof properties.households === "number") {
      box.appendChild(line(element.dataset.labelHouseholds + ": " + properties.households));
    }
    if (typeof properties.kept === "boolean") {
      box.appendChild(line(properties.kept ? element.dataset.labelKept : element.dataset.labelNew));
    }
    return box;
  }

  function polygonLayer(element, data, values) {
    var mode = element.dataset.colour || "";
    return L.geoJSON(data, {
      style: styleFor(mode, values),
      onEachFeature: function (feature, layer) {
        var properties = feature.properties || {};
        var value = values[properties.code];
        // Coloured by cases: each part names itself and its counts (a label in the middle).
        var labelled = mode === "cases" && feature.geometry;
        layer.bindTooltip(
          tooltipFor(element, properties, value),
          labelled
            ? { permanent: true, direction: "center", className: "map-label" }
            : { sticky: true }
        );
        layer.on("add", function () {
          var path = layer.getElement && layer.getElement();
          if (path && properties.code) {
            path.setAttribute("data-code", properties.code);
            if (properties.level) path.setAttribute("data-level", properties.level);
            if (value && value.href) path.setAttribute("data-href", value.href);
          }
        });
        if (value && value.href) {
          layer.on("click", function () {
            window.location.assign(value.href + window.location.search);
          });
        }
      }
    });
  }

  function popupFor(element, properties) {
    var box = document.createElement("div");
    if (properties.household_no) box.appendChild(line(properties.household_no, "map-tip-name"));
    if (properties.address) box.appendChild(line(properties.address));
    if (properties.href) {
      var link = document.createElement("a");
      link.href = properties.href;
      link.textContent = element.dataset.labelOpenHousehold;
      box.appendChild(link);
    }
    return box;
  }

  // A roll-call's points carry their ``status``: coloured by it (unconfirmed stands out).
  var STATUS_COLOURS = {
    unconfirmed: "#c62828", needs_help: "#ef6c00", safe_at_home: "#2e7d32",
    moved_shelter: "#1565c0", moved_relatives: "#1565c0", moved_off_island: "#1565c0",
    away: "#616161", returned: "#2e7d32"
  };

  // A node's point (a roll-call's village, grid or unit with its counts): sized by its
  // households, red while any is unconfirmed.
  function nodeMarker(properties, latlng) {
    var households = properties.households || 0;
    return L.circleMarker(latlng, {
      radius: Math.min(26, 7 + Math.sqrt(households)), color: "#ffffff", weight: 2,
      fillColor: properties.unconfirmed ? STATUS_COLOURS.unconfirmed : STATUS_COLOURS.safe_at_home,
      fillOpacity: 0.85
    });
  }

  function nodePopup(properties) {
    var box = document.createElement("div");
    box.appendChild(line(properties.name || properties.code, "map-tip-name"));
    if (properties.label) box.appendChild(line(properties.label));
    return box;
  }

  function withTerritory(url, code) {
    return url + (url.indexOf("?") >= 0 ? "&" : "?") + "territory=" + encodeURIComponent(code);
  }

  function pointLayer(element, data, map) {
    return L.geoJSON(data, {
      pointToLayer: function (feature, latlng) {
        var status = (feature.properties || {}).status;
        if ((feature.properties || {}).code) return nodeMarker(feature.properties, latlng);
        return L.circleMarker(latlng, {
          radius: 6, color: "#ffffff", weight: 1.5,
          fillColor: STATUS_COLOURS[status] || COLOURS.point, fillOpacity: 0.9
        });
      },
      onEachFeature: function (feature, layer) {
        var properties = feature.properties || {};
        if (properties.code) {
          layer.bindTooltip(nodePopup(properties));
          layer.on("add", function () {
            var marker = layer.getElement && layer.getElement();
            if (marker) marker.setAttribute("data-node", properties.code);
          });
          if (map) layer.on("click", function () { showPoints(element, map, properties.code); });
          return;
        }
        layer.bindPopup(popupFor(element, properties));
        layer.on("add", function () {
          var marker = layer.getElement && layer.getElement();
          if (marker && properties.id) marker.setAttribute("data-household", properties.id);
          if (marker && properties.status) marker.setAttribute("data-status", properties.status);
        });
      }
    });
  }

  // The map's points: the first answer, then a node's own when one is clicked (one layer
  // at a time).
  function showPoints(element, map, code) {
    var url = code ? withTerritory(element.dataset.points, code) : element.dataset.points;
    return fetchJson(url).then(function (data) {
      if (element._pointLayer) map.removeLayer(element._pointLayer);
      var layer = pointLayer(element, data, map);
      element._pointLayer = layer;
      layer.addTo(map);
      if (code && layer.getLayers().length) map.fitBounds(layer.getBounds(), { padding: [24, 24], maxZoom: 17 });
      element.dataset.pointsCount = String((data.features || []).length);
      element.dataset.pointsKind = (data.properties || {}).kind || "";
      return layer;
    });
  }

  function outlineLayer(data) {
    return L.geoJSON(data, {
      style: function () {
        return { color: COLOURS.outline, weight: 2, dashArray: "6 4", fill: false };
      },
      interactive: false
    });
  }

  function showEmpty(element, map) {
    if (map && map.zoomControl) map.zoomControl.remove();  // nothing to zoom into
    var note = document.createElement("p");
    note.className = "map-empty";
    note.textContent = element.dataset.labelEmpty;
    element.appendChild(note);
  }

  function countPolygons(data) {
    return (data.features || []).filter(function (feature) { return feature.geometry; }).length;
  }

  function draw(element) {
    var values = readJson(element.dataset.values, {});
    // No fade: a popup half faded in is text of too little contrast (axe-core says so).
    var map = L.map(element, {
      attributionControl: false, zoomSnap: 0.25, scrollWheelZoom: false, fadeAnimation: false
    });
    map.setView([25.0, 119.1], 12);
    if (element.dataset.tileUrl) {
      L.tileLayer(element.dataset.tileUrl, { maxZoom: 19 }).addTo(map);
    }
    var wanted = [
      element.dataset.outline ? fetchJson(element.dataset.outline) : Promise.resolve(null),
      fetchJson(element.dataset.geojson),
      element.dataset.points ? fetchJson(element.dataset.points) : Promise.resolve(null)
    ];
    return Promise.all(wanted).then(function (answers) {
      var bounds = L.latLngBounds([]);
      var layers = [];
      if (answers[0]) layers.push(outlineLayer(answers[0]));
      layers.push(polygonLayer(element, answers[1], values));
      if (answers[2]) {
        element._pointLayer = pointLayer(element, answers[2], map);
        element.dataset.pointsKind = (answers[2].properties || {}).kind || "";
        layers.push(element._pointLayer);
      }
      layers.forEach(function (layer) {
        layer.addTo(map);
        if (layer.getLayers().length) bounds.extend(layer.getBounds());
      });
      var polygons = countPolygons(answers[1]);
      var points = answers[2] ? (answers[2].features || []).length : 0;
      if (bounds.isValid()) map.fitBounds(bounds, { padding: [12, 12] });
      if (!polygons && !points) showEmpty(element, map);
      element.dataset.features = String(polygons);
      element.dataset.pointsCount = String(points);
      element.dataset.ready = "true";
      return map;
    }).catch(function () {
      showEmpty(element, map);
      element.dataset.ready = "error";
    });
  }

  function start() {
    if (typeof L === "undefined") return;
    window.gridgov = window.gridgov || {};
    window.gridgov.maps = {};
    document.querySelectorAll("[data-map]").forEach(function (element) {
      draw(element).then(function (map) {
        if (map) window.gridgov.maps[element.id] = map;
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
