// Reports page: draws each <canvas data-chart="..."> with the vendored Chart.js (no inline JS).
(function () {
  "use strict";
  var palette = ["#0d6efd", "#198754", "#dc3545", "#fd7e14", "#6f42c1", "#20c997"];
  function draw(canvas) {
    var spec;
    try { spec = JSON.parse(canvas.getAttribute("data-chart")); } catch (e) { return; }
    if (!spec || !window.Chart) { return; }
    var datasets = spec.datasets.map(function (ds, i) {
      var color = palette[i % palette.length];
      return { label: ds.label, data: ds.data, backgroundColor: color, borderColor: color,
               fill: false, tension: 0.2 };
    });
    var across = spec.kind === "line" || spec.labels.length < 8 ? "x" : "y";
    var valueAxis = across === "x" ? "y" : "x";
    var scales = {};
    // Counts are whole numbers; long names are cut with an ellipsis and shown whole on hover.
    scales[valueAxis] = { beginAtZero: true, ticks: { precision: 0 } };
    scales[across] = { ticks: { autoSkip: true, callback: function (value) {
      var label = this.getLabelForValue(value);
      return label.length > 28 ? label.slice(0, 27) + "…" : label;
    } } };
    new window.Chart(canvas, {
      type: spec.kind === "line" ? "line" : "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: { responsive: true, animation: false, indexAxis: across, scales: scales,
                 plugins: { legend: { display: datasets.length > 1 } } }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas.report-chart").forEach(draw);
  });
})();
