// The zone dashboard's charts: data comes from <script type="application/json" id="stats-dashboard-data"> (Django's
// json_script, not executed, so the CSP allows it). Amounts arrive as decimal strings and are turned into numbers
// only for drawing. Clicking a bar opens the firm rows behind it (when the viewer may see them).
(function () {
  "use strict";
  function number(value) {
    return value === null || value === undefined ? null : Number(value);
  }
  function make(id) {
    var el = document.getElementById(id);
    if (!el || typeof echarts === "undefined") return null;
    el.style.height = "320px";
    var chart = echarts.init(el);
    window.addEventListener("resize", function () { chart.resize(); });
    return chart;
  }
  function bars(id, items, unit) {
    var chart = make(id);
    if (!chart) return;
    var shown = items.filter(function (item) { return item.value !== null; });
    chart.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: "value", name: unit },
      yAxis: { type: "category", inverse: true, data: shown.map(function (item) { return item.name; }) },
      series: [{ type: "bar", data: shown.map(function (item) { return number(item.value); }) }]
    });
    chart.on("click", function (params) {
      var item = shown[params.dataIndex];
      if (item && item.url) window.location.href = item.url;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("stats-dashboard-data");
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var trend = make("chart-trend");
    if (trend) {
      trend.setOption({
        tooltip: { trigger: "axis" },
        legend: { data: [data.this_label, data.last_label] },
        grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: data.months },
        yAxis: { type: "value", name: data.unit },
        series: [
          { name: data.this_label, type: "bar", data: data.this_year.map(number) },
          { name: data.last_label, type: "line", data: data.last_year.map(number), connectNulls: false }
        ]
      });
    }
    bars("chart-parks", data.parks, data.unit);
    bars("chart-industries", data.industries, data.unit);
  });
})();
