// The report form in three steps: one step shown at a time (all three without script),
// the photo's preview, the place from the phone (geolocation) or a tap on the map, and
// offline: the report is kept as a draft (report-queue.js) instead of being lost.
(function () {
  "use strict";

  function message(name) {
    var template = document.querySelector('template[data-message="' + name + '"]');
    return template ? template.content.textContent.trim() : "";
  }

  function parseAreas(element) {
    try {
      return JSON.parse(element.getAttribute("data-areas") || "[]");
    } catch (error) {
      return [];
    }
  }

  function setup(form) {
    var steps = Array.prototype.slice.call(form.querySelectorAll("[data-step]"));
    var markers = Array.prototype.slice.call(form.querySelectorAll("[data-step-marker]"));
    var lonInput = form.querySelector("[data-lon]");
    var latInput = form.querySelector("[data-lat]");
    var pointText = form.querySelector("[data-point-text]");
    var locateStatus = form.querySelector("[data-locate-status]");
    var mapElement = form.querySelector("[data-report-map]");
    var current = 0;
    var map = null;
    var marker = null;

    function newKey() {
      var key = form.querySelector('input[name="idempotency_key"]');
      var bytes = new Uint8Array(16);
      window.crypto.getRandomValues(bytes);
      key.value = Array.prototype.map.call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      }).join("");
      key.defaultValue = key.value;
    }

    function showStep(index) {
      current = index;
      steps.forEach(function (step, i) { step.hidden = i !== index; });
      markers.forEach(function (item, i) {
        if (i === index) {
          item.setAttribute("aria-current", "step");
        } else {
          item.removeAttribute("aria-current");
        }
      });
      if (index === 2) {
        ensureMap();
      }
      var legend = steps[index].querySelector("legend");
      if (legend) {
        legend.setAttribute("tabindex", "-1");
        legend.focus();
      }
    }

    function stepProblem(index) {
      if (index === 0 && !form.querySelector('input[name="category_code"]:checked')) {
        return "choose-category";
      }
      if (index === 1 && !form.querySelector("#description").value.trim()) {
        return "write-description";
      }
      if (index === 2) {
        var where = form.querySelector('input[name="where"]:checked');
        if (!where || (where.value === "point" && !lonInput.value)) {
          return "choose-place";
        }
      }
      return null;
    }

    function complain(index, problem) {
      var step = steps[index];
      var note = step.querySelector("[data-step-problem]");
      if (!note) {
        note = document.createElement("p");
        note.className = "field-error";
        note.setAttribute("data-step-problem", "");
        note.setAttribute("role", "alert");
        step.insertBefore(note, step.querySelector("legend").nextSibling);
      }
      note.textContent = problem ? message(problem) : "";
      note.hidden = !problem;
    }

    function setPoint(lat, lon, text) {
      lonInput.value = lon.toFixed(6);
      latInput.value = lat.toFixed(6);
      pointText.textContent = text;
      var point = form.querySelector('input[name="where"][value="point"]');
      if (point) {
        point.checked = true;
      }
      if (map) {
        if (marker) {
          marker.setLatLng([lat, lon]);
        } else {
          marker = window.L.circleMarker([lat, lon], {
            radius: 9, color: "#7f0000", weight: 3, fillColor: "#b71c1c", fillOpacity: 0.9,
          }).addTo(map);
        }
      }
    }

    function ensureMap() {
      if (map || !window.L || !mapElement) {
        if (map) {
          map.invalidateSize();
        }
        return;
      }
      map = window.L.map(mapElement, { attributionControl: false, zoomSnap: 0.25 });
      var areas = parseAreas(mapElement);
      var layer = window.L.geoJSON(areas, {
        style: { color: "#555", weight: 2, fillColor: "#f0e6d2", fillOpacity: 0.5 },
      }).addTo(map);
      if (areas.length) {
        map.fitBounds(layer.getBounds(), { padding: [8, 8] });
      } else {
        map.setView([25.0, 119.1], 12);
      }
      map.on("click", function (event) {
        setPoint(event.latlng.lat, event.latlng.lng, message("point-chosen"));
      });
      if (lonInput.value && latInput.value) {
        setPoint(parseFloat(latInput.value), parseFloat(lonInput.value), message("point-chosen"));
      }
    }

    form.addEventListener("click", function (event) {
      var target = event.target.closest("button");
      if (!target) {
        return;
      }
      if (target.hasAttribute("data-next")) {
        var problem = stepProblem(current);
        complain(current, problem);
        if (!problem) {
          showStep(Math.min(current + 1, steps.length - 1));
        }
      } else if (target.hasAttribute("data-back")) {
        showStep(Math.max(current - 1, 0));
      } else if (target.hasAttribute("data-locate")) {
        if (!navigator.geolocation) {
          locateStatus.textContent = message("no-location");
          return;
        }
        locateStatus.textContent = message("locating");
        navigator.geolocation.getCurrentPosition(
          function (position) {
            locateStatus.textContent = message("located");
            setPoint(position.coords.latitude, position.coords.longitude, message("located"));
            if (map) {
              map.setView([position.coords.latitude, position.coords.longitude]);
            }
          },
          function () { locateStatus.textContent = message("no-location"); },
          { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
        );
      }
    });

    var photo = form.querySelector("#photo");
    var preview = form.querySelector("[data-photo-preview]");
    if (photo && preview) {
      photo.addEventListener("change", function () {
        var file = photo.files && photo.files[0];
        if (preview.src) {
          URL.revokeObjectURL(preview.src);
        }
        if (file) {
          preview.src = URL.createObjectURL(file);
          preview.hidden = false;
        } else {
          preview.hidden = true;
        }
      });
    }

    form.addEventListener("submit", function (event) {
      var problem = stepProblem(2);
      complain(2, problem);
      if (problem) {
        event.preventDefault();
        return;
      }
      if (navigator.onLine || !window.indexedDB || !window.gridgov.reportQueue) {
        return; // sent as a plain form; its idempotency key makes a resend harmless
      }
      event.preventDefault();
      window.gridgov.reportQueue.save(form).then(function () {
        form.reset();
        newKey(); // the next report is another one
        if (marker) {
          marker.remove();
          marker = null;
        }
        showStep(0);
        return window.gridgov.reportQueue.show();
      });
    });

    form.classList.add("stepped");
    var firstError = form.querySelector(".field-error");
    var errorStep = firstError ? steps.indexOf(firstError.closest("[data-step]")) : -1;
    showStep(errorStep >= 0 ? errorStep : 0);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-report-form]");
    if (form) {
      setup(form);
    }
  });
})();
