// The analysts' overview charts (Chart.js, served from /static/vendor).
// The figures come from the page itself (#overview-data), the same JSON as
// /api/analyst/overview; every chart has the same numbers in a table below
// (and as CSV). Every label is a Danish name the server gives.
(function () {
  "use strict";
  var node = document.getElementById("overview-data");
  if (!node || typeof Chart === "undefined") { return; }
  var f = JSON.parse(node.textContent);
  var blue = "#00457c", green = "#2e7d32", orange = "#c25e00", grey = "#5f5f5f";
  Chart.defaults.font.size = 14;
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;

  function pick(rows, key) { return rows.map(function (r) { return r[key]; }); }
  function counted(axis) {
    var scale = { beginAtZero: true, ticks: { precision: 0 } };
    var other = { ticks: { autoSkip: false } };
    return axis === "y" ? { x: scale, y: other } : { y: scale, x: other };
  }
  function chart(id, config, rows) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    // horizontal bars: room for every name
    if (rows !== undefined) { canvas.parentNode.style.height = Math.max(220, 70 + rows * 28) + "px"; }
    else { canvas.parentNode.style.height = "300px"; }
    new Chart(canvas, config);
  }
  function bars(id, rows, label, datasets, horizontal) {
    chart(id, {
      type: "bar",
      data: { labels: pick(rows, label), datasets: datasets },
      options: { indexAxis: horizontal ? "y" : "x", responsive: true,
                 plugins: { legend: { display: datasets.length > 1 } }, scales: counted(horizontal ? "y" : "x") }
    }, horizontal ? rows.length : undefined);
  }

  function danishDay(iso) {  // 2026-12-07 -> 7.12.
    var parts = String(iso).split("-");
    return Number(parts[2]) + "." + Number(parts[1]) + ".";
  }
  chart("chart-days", {
    type: "line",
    data: {
      labels: f.per_day.map(function (d) { return danishDay(d.day); }),
      datasets: [
        { label: "Samtaler", data: pick(f.per_day, "conversations"), borderColor: blue, backgroundColor: blue },
        { label: "Løst af botten", data: pick(f.per_day, "contained"), borderColor: green, backgroundColor: green },
        { label: "Overdraget", data: pick(f.per_day, "handoffs"), borderColor: orange, backgroundColor: orange }
      ]
    },
    options: { responsive: true, scales: { y: { beginAtZero: true, ticks: { precision: 0 } },
                                           x: { ticks: { autoSkip: true, maxRotation: 0 } } } }
  });
  var areas = f.top_areas.slice(0, 15);
  bars("chart-areas", areas, "name", [
    { label: "Samtaler", data: pick(areas, "conversations"), backgroundColor: blue },
    { label: "Løst af botten", data: pick(areas, "contained"), backgroundColor: green }
  ], true);
  chart("chart-hours", {
    type: "bar",
    data: { labels: pick(f.per_hour, "name"), datasets: [
      { label: "Samtaler startet", data: pick(f.per_hour, "conversations"), backgroundColor: blue },
      { label: "Bad om en medarbejder", data: pick(f.per_hour, "handoffs"), backgroundColor: orange }
    ] },
    options: { responsive: true, scales: {
      y: { beginAtZero: true, ticks: { precision: 0 } },
      x: { title: { display: true, text: "Klokkeslæt (dansk tid)" }, ticks: { autoSkip: true, maxRotation: 0 } }
    } }
  });
  bars("chart-weekdays", f.per_weekday, "name", [
    { label: "Samtaler startet", data: pick(f.per_weekday, "conversations"), backgroundColor: blue },
    { label: "Bad om en medarbejder", data: pick(f.per_weekday, "handoffs"), backgroundColor: orange }
  ], false);
  bars("chart-reasons", f.handoffs_by_reason, "name",
       [{ label: "Overdragelser", data: pick(f.handoffs_by_reason, "count"), backgroundColor: orange }], true);
  bars("chart-handoff-areas", f.handoffs_by_area, "name",
       [{ label: "Overdragelser", data: pick(f.handoffs_by_area, "count"), backgroundColor: grey }], true);
  var outcomes = f.handoff_times.outcomes;
  bars("chart-outcomes", outcomes, "name",
       [{ label: "Henvendelser", data: pick(outcomes, "count"), backgroundColor: green }], true);
  bars("chart-languages", f.languages, "name",
       [{ label: "Samtaler", data: pick(f.languages, "conversations"), backgroundColor: blue }], true);
  document.documentElement.setAttribute("data-charts", "ready");
})();
