/* Aduan statistics charts: draws the charts described in the "stats-data" JSON (written by the
 * server with json_script) with Chart.js, served by this app (static/vendor/chartjs).
 *
 * Every word on a chart comes from that JSON, already translated by the server, so the
 * charts follow the page language. Each chart also has its numbers in a table next to it;
 * this script only adds the picture and folds the table away under it. Without JavaScript,
 * or if Chart.js fails to load, the tables stay open and the canvases stay hidden.
 */
(function () {
  "use strict";

  var source = document.getElementById("stats-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var Chart = window.Chart;
  var lang = document.documentElement.lang || undefined;

  // Okabe & Ito's colour-blind-safe hues, with the two light ones (orange, sky blue) left
  // out: each has at least 3:1 contrast against the white background (WCAG 1.4.11).
  var PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#332288", "#882255"];
  var INK = "#1b1f23";
  var GRID = "#c9d1d9";

  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)");

  Chart.defaults.color = INK;
  Chart.defaults.borderColor = GRID;
  Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
  Chart.defaults.font.size = 14;

  var decimals = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });

  function format(value, unit) {
    if (value === null || value === undefined) {
      return "—";
    }
    var text = decimals.format(value);
    if (unit === "percent") {
      return text + " " + data.units.percent;
    }
    if (unit === "hours") {
      return text + " " + data.units.hours;
    }
    return text;
  }

  // Long category names (service — agency) on the side of a horizontal chart: wrapped at
  // spaces into at most three lines, the rest cut with an ellipsis. The full name is in the
  // tooltip and in the table.
  function wrap(label, width) {
    var lines = [];
    var line = "";
    String(label).split(/\s+/).forEach(function (word) {
      if (line && (line + " " + word).length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line ? line + " " + word : word;
      }
    });
    if (line) {
      lines.push(line);
    }
    if (lines.length > 3) {
      lines = lines.slice(0, 3);
      lines[2] = lines[2] + " …";
    }
    return lines.map(function (text) {
      return text.length > width ? text.slice(0, width - 1) + "…" : text;
    });
  }

  function config(chart) {
    var valueAxis = chart.horizontal ? "x" : "y";
    var categoryAxis = chart.horizontal ? "y" : "x";
    var scales = {};
    scales[categoryAxis] = { stacked: chart.stacked, grid: { display: false } };
    if (chart.horizontal) {
      scales[categoryAxis].ticks = {
        autoSkip: false,
        callback: function (value) {
          // About a third of the chart's current width for the names, in characters.
          var width = Math.max(12, Math.round(this.chart.width / 3 / 7));
          return wrap(this.getLabelForValue(value), width);
        }
      };
    }
    scales[valueAxis] = {
      stacked: chart.stacked,
      beginAtZero: true,
      title: { display: true, text: chart.axis },
      ticks: {
        precision: chart.unit === "count" ? 0 : undefined,
        callback: function (value) { return decimals.format(value); }
      }
    };
    if (chart.unit === "percent") {
      scales[valueAxis].max = 100;
    }
    return {
      type: "bar",
      data: {
        labels: chart.labels,
        datasets: chart.series.map(function (series, index) {
          var colour = PALETTE[index % PALETTE.length];
          return {
            label: series.label,
            data: series.values,
            backgroundColor: colour,
            // A white edge separates stacked segments and neighbouring bars, so that
            // adjacent colours never depend on hue alone.
            borderColor: "#ffffff",
            borderWidth: 1
          };
        })
      },
      options: {
        indexAxis: chart.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: reduceMotion && reduceMotion.matches ? false : { duration: 400 },
        scales: scales,
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 14 } },
          tooltip: {
            callbacks: {
              title: function (items) { return items.length ? items[0].label : ""; },
              label: function (item) {
                return item.dataset.label + ": " + format(item.raw, chart.unit);
              }
            }
          }
        }
      }
    };
  }

  function heightFor(chart, box) {
    // Horizontal charts grow with their number of rows; the others keep the CSS height.
    if (!chart.horizontal) {
      return;
    }
    var perRow = 2.2 + 0.8 * chart.series.length; // rem: three lines of name, or the bars
    var rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    box.style.height = Math.max(16, 6 + chart.labels.length * perRow) * rem + "px";
  }

  var drawn = [];
  data.charts.forEach(function (chart) {
    var box = document.querySelector('[data-chart="' + chart.id + '"]');
    var canvas = document.getElementById("chart-" + chart.id);
    if (!box || !canvas) {
      return;
    }
    box.hidden = false;
    heightFor(chart, box);
    drawn.push(new Chart(canvas, config(chart)));
    var table = document.querySelector('[data-chart-table="' + chart.id + '"]');
    if (table) {
      table.open = false;
    }
  });

  if (reduceMotion && reduceMotion.addEventListener) {
    reduceMotion.addEventListener("change", function () {
      drawn.forEach(function (instance) {
        instance.options.animation = reduceMotion.matches ? false : { duration: 400 };
        instance.update("none");
      });
    });
  }
})();
