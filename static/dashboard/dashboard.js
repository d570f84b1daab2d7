// The supervisors' dashboard: draws every chart of the page from its json_script block with the vendored Chart.js
// (the Content Security Policy allows no inline script), and greys the page while a new filter loads.
(function () {
  "use strict";
  var root = document.querySelector(".dash");
  var form = document.getElementById("dash-filters");
  if (form && root) {
    form.addEventListener("submit", function () {
      root.classList.add("is-busy");
      // Empty fields stay out of the address, so the link reads like the one a preset makes.
      Array.prototype.forEach.call(form.elements, function (field) {
        if (field.name && field.value === "") { field.disabled = true; }
      });
    });
    window.addEventListener("pageshow", function () {
      root.classList.remove("is-busy");
      Array.prototype.forEach.call(form.elements, function (field) { field.disabled = false; });
    });
  }

  var dataNode = document.getElementById("dashboard-charts");
  if (!dataNode || typeof window.Chart === "undefined") {
    return;
  }
  var charts = JSON.parse(dataNode.textContent);
  var locale = document.documentElement.lang || "es";
  var COLORS = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#20c997", "#dc3545", "#0dcaf0", "#6c757d",
                "#d63384", "#ffc107"];
  // Charts whose labels carry a meaning of their own: hot/warm/cold leads (in that order), the AI against people.
  var PALETTES = {
    leads_by_temperature: ["#dc3545", "#fd7e14", "#0d6efd"],
    ai_vs_human: ["#20c997", "#6f42c1"],
    csat_distribution: ["#dc3545", "#fd7e14", "#ffc107", "#79c267", "#198754"]
  };
  // Series whose names carry a meaning: SLA met (green), breached (red), still running (grey).
  var SERIES_COLORS = {ticket_sla: ["#198754", "#dc3545", "#adb5bd"], collections: ["#6c757d", "#198754"]};
  var ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
  var ISO_MONTH = /^\d{4}-\d{2}$/;
  var dayFormat = new Intl.DateTimeFormat(locale, {day: "numeric", month: "short", timeZone: "UTC"});
  var monthFormat = new Intl.DateTimeFormat(locale, {month: "short", year: "numeric", timeZone: "UTC"});

  // "2026-11-05" reads "5 nov"; "2026-11" reads "nov 2026" (the downloads keep the ISO dates).
  function shortLabel(label) {
    if (ISO_DAY.test(label)) { return dayFormat.format(new Date(label + "T00:00:00Z")); }
    if (ISO_MONTH.test(label)) { return monthFormat.format(new Date(label + "-01T00:00:00Z")); }
    return label;
  }

  // Numbers as the business's country writes them (the page's "S/ 1,234.50"): the separators come with each chart.
  function plain(value, style, places) {
    var fixed = Math.abs(value).toFixed(places);
    var parts = fixed.split(".");
    var whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, style.thousands);
    return (value < 0 ? "-" : "") + whole + (parts[1] ? style.decimal + parts[1] : "");
  }

  function minutes(value, style) {
    if (value < 60) { return plain(value, style, value >= 10 || Number.isInteger(value) ? 0 : 1) + " min"; }
    var whole = Math.round(value);
    var days = Math.floor(whole / 1440);
    var hours = Math.floor((whole % 1440) / 60);
    if (days) { return days + " d" + (hours ? " " + hours + " h" : ""); }
    var mins = whole % 60;
    return hours + " h" + (mins ? " " + (mins < 10 ? "0" : "") + mins + " min" : "");
  }

  // A chart's value as text; ``axis`` drops the cents on money ticks.
  function formatter(spec, axis) {
    var style = spec.style || {symbol: "", thousands: ",", decimal: ".", places: 0};
    return function (value) {
      if (value === null || value === undefined) { return "—"; }
      if (spec.unit === "money" || spec.unit === "usd") {
        return style.symbol + plain(value, style, axis && Number.isInteger(value) ? 0 : style.places);
      }
      if (spec.unit === "percent") { return plain(value, style, Number.isInteger(value) ? 0 : 1) + " %"; }
      if (spec.unit === "minutes") { return minutes(value, style); }
      return plain(value, style, Number.isInteger(value) ? 0 : 1);
    };
  }

  function colorFor(spec, index) {
    var palette = PALETTES[spec.key] || COLORS;
    return palette[index % palette.length];
  }

  function datasets(spec, circular) {
    var colors = SERIES_COLORS[spec.key] || COLORS;
    return spec.series.map(function (series, i) {
      var color = colors[i % colors.length];
      var set = {label: series.name, data: series.data};
      if (circular) {
        set.backgroundColor = spec.labels.map(function (label, j) { return colorFor(spec, j); });
        set.borderWidth = 1;
      } else if (series.kind === "line" || spec.kind === "line") {
        set.type = "line";
        set.borderColor = color;
        set.backgroundColor = color;
        set.tension = 0.25;
        set.pointRadius = spec.labels.length > 40 ? 0 : 2;
        if (series.kind === "line" && spec.kind !== "line") { set.borderDash = [6, 4]; set.order = -1; }
      } else {
        set.backgroundColor = spec.series.length === 1 && PALETTES[spec.key]
          ? spec.labels.map(function (label, j) { return colorFor(spec, j); }) : color;
        set.borderRadius = 3;
        set.maxBarThickness = 42;
      }
      return set;
    });
  }

  function draw(id, spec) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    var circular = spec.kind === "doughnut";
    var horizontal = spec.kind === "hbar" || spec.kind === "funnel";
    var format = formatter(spec, false);
    var tick = formatter(spec, true);
    if (spec.unit === "minutes") {
      // Long times are drawn in hours or days, so the axis reads "2 d", not "2880 min"; tooltips stay exact.
      var longest = Math.max.apply(null, spec.series.map(function (s) {
        return Math.max.apply(null, s.data.map(function (v) { return v || 0; }));
      }));
      var scale = longest > 2880 ? 1440 : (longest > 180 ? 60 : 1);
      var unitWord = scale === 1440 ? " d" : (scale === 60 ? " h" : " min");
      spec = Object.assign({}, spec, {series: spec.series.map(function (s) {
        return Object.assign({}, s, {data: s.data.map(function (v) { return v === null ? null : v / scale; })});
      })});
      var exact = format;
      format = function (v) { return exact(v === null ? null : v * scale); };
      tick = function (v) { return plain(v, spec.style, Number.isInteger(v) ? 0 : 1) + unitWord; };
    }
    var valueAxis = {beginAtZero: true, stacked: spec.stacked, ticks: {callback: function (v) { return tick(v); }}};
    if (spec.unit === "count") { valueAxis.ticks.precision = 0; }
    if (spec.unit === "percent") { valueAxis.max = 100; }
    var categoryAxis = {stacked: spec.stacked, grid: {display: false},
                        ticks: {autoSkip: true, maxRotation: 0, callback: function (v) {
                          var label = this.getLabelForValue(v);
                          return label && label.length > 22 ? label.slice(0, 21) + "…" : label;
                        }}};
    var options = {
      responsive: true, maintainAspectRatio: false, animation: false,
      plugins: {
        legend: {display: circular || spec.series.length > 1, position: circular ? "right" : "top",
                 labels: {boxWidth: 12}},
        tooltip: {callbacks: {label: function (ctx) {
          var value = circular ? ctx.parsed : (horizontal ? ctx.parsed.x : ctx.parsed.y);
          return (ctx.dataset.label ? ctx.dataset.label + ": " : "") + format(value);
        }}}
      }
    };
    if (!circular) {
      options.indexAxis = horizontal ? "y" : "x";
      options.scales = horizontal ? {x: valueAxis, y: categoryAxis} : {x: categoryAxis, y: valueAxis};
    } else {
      options.cutout = "58%";
      if (canvas.parentNode.clientWidth < 420) { options.plugins.legend.position = "bottom"; }
    }
    var chart = new window.Chart(canvas, {
      type: circular ? "doughnut" : (spec.kind === "line" ? "line" : "bar"),
      data: {labels: spec.labels.map(shortLabel), datasets: datasets(spec, circular)},
      options: options
    });
    canvas.parentNode.classList.remove("is-loading");
    return chart;
  }

  Object.keys(charts).forEach(function (id) {
    try {
      draw(id, charts[id]);
    } catch (error) {
      var box = document.getElementById(id);
      if (box) { box.parentNode.classList.remove("is-loading"); }
      throw error;
    }
  });
})();
