// The analysts' overview charts (Chart.js, served from /static/vendor).
// The figures come from the page itself (#overview-data), the same JSON as
// /api/analyst/overview; every chart has the same numbers in a table below.
(function () {
  "use strict";
  var node = document.getElementById("overview-data");
  if (!node || typeof Chart === "undefined") { return; }
  var f = JSON.parse(node.textContent);
  var reasonNames = JSON.parse(document.getElementById("reason-names").textContent);
  var blue = "#00457c", green = "#2e7d32", orange = "#c25e00", grey = "#777";
  Chart.defaults.font.size = 14;
  Chart.defaults.animation = false;

  function chart(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) { new Chart(canvas, config); }
  }
  chart("chart-days", {
    type: "line",
    data: {
      labels: f.per_day.map(function (d) { return d.day; }),
      datasets: [
        { label: "Samtaler", data: f.per_day.map(function (d) { return d.conversations; }), borderColor: blue, backgroundColor: blue },
        { label: "Løst af botten", data: f.per_day.map(function (d) { return d.contained; }), borderColor: green, backgroundColor: green },
        { label: "Overdraget", data: f.per_day.map(function (d) { return d.handoffs; }), borderColor: orange, backgroundColor: orange }
      ]
    },
    options: { responsive: true, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
  });
  var areas = f.top_areas.slice(0, 12);
  chart("chart-areas", {
    type: "bar",
    data: {
      labels: areas.map(function (a) { return a.name; }),
      datasets: [
        { label: "Samtaler", data: areas.map(function (a) { return a.conversations; }), backgroundColor: blue },
        { label: "Løst af botten", data: areas.map(function (a) { return a.contained; }), backgroundColor: green }
      ]
    },
    options: { indexAxis: "y", responsive: true, scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { ticks: { autoSkip: false } } } }
  });
  chart("chart-reasons", {
    type: "bar",
    data: {
      labels: f.handoffs_by_reason.map(function (r) { return reasonNames[r.reason] || r.reason; }),
      datasets: [{ label: "Overdragelser", data: f.handoffs_by_reason.map(function (r) { return r.count; }), backgroundColor: orange }]
    },
    options: { responsive: true, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
  });
  chart("chart-handoff-areas", {
    type: "bar",
    data: {
      labels: f.handoffs_by_area.map(function (r) { return r.name; }),
      datasets: [{ label: "Overdragelser", data: f.handoffs_by_area.map(function (r) { return r.count; }), backgroundColor: grey }]
    },
    options: { indexAxis: "y", responsive: true, plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { ticks: { autoSkip: false } } } }
  });
  document.documentElement.setAttribute("data-charts", "ready");
})();
