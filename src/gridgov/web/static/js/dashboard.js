// The dashboard's charts (ECharts, canvas) and its period select. The figures come from
// data- attributes; the same figures are in tables next to each chart (screen readers,
// no JavaScript). No tooltips: ECharts' HTML tooltips carry inline styles the CSP refuses.
(function () {
  "use strict";

  var COLOURS = ["#2e7d32", "#66bb6a", "#f9a825", "#c62828"];

  function readJson(text, fallback) {
    try {
      return text ? JSON.parse(text) : fallback;
    } catch (error) {
      return fallback;
    }
  }

  function closedAtChart(element) {
    var values = readJson(element.dataset.values, {});
    var labels = readJson(element.dataset.labels, {});
    var keys = Object.keys(values);
    var chart = echarts.init(element, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 36, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: {
        type: "category",
        inverse: true,
        data: keys.map(function (key) { return labels[key] || key; })
      },
      series: [{
        type: "bar",
        data: keys.map(function (key, index) {
          return { value: values[key], itemStyle: { color: COLOURS[index % COLOURS.length] } };
        }),
        label: { show: true, position: "right" }
      }]
    });
    return chart;
  }

  function trendChart(element) {
    var weeks = readJson(element.dataset.values, []);
    var chart = echarts.init(element, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      legend: { top: 0 },
      grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: weeks.map(function (week) { return week.week.slice(5); }) },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        {
          name: element.dataset.labelOpened, type: "bar", color: "#f9a825",
          data: weeks.map(function (week) { return week.opened; })
        },
        {
          name: element.dataset.labelClosed, type: "line", color: "#2e7d32",
          data: weeks.map(function (week) { return week.closed; })
        }
      ]
    });
    return chart;
  }

  function start() {
    var charts = [];
    if (typeof echarts !== "undefined") {
      document.querySelectorAll("[data-chart]").forEach(function (element) {
        var kind = element.dataset.chart;
        if (kind === "closed-at") charts.push(closedAtChart(element));
        if (kind === "trend") charts.push(trendChart(element));
        element.dataset.ready = "true";
      });
      window.addEventListener("resize", function () {
        charts.forEach(function (chart) { chart.resize(); });
      });
    }
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () {
        if (select.form) select.form.submit();
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
