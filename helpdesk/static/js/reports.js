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
    new window.Chart(canvas, {
      type: spec.kind === "line" ? "line" : "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: { responsive: true, animation: false,
                 indexAxis: spec.kind === "line" || spec.labels.length < 8 ? "x" : "y",
                 plugins: { legend: { display: datasets.length > 1 } } }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas.report-chart").forEach(draw);
  });
})();
