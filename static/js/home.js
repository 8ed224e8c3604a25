// The home page's charts: data comes from <script type="application/json" id="home-data"> (Django's json_script,
// not executed, so the CSP allows it). Amounts arrive as decimal strings and become numbers only for drawing.
// - sparks: one small line per headline indicator, this year's months and last year's as a faint line;
// - ranking: the region's zones as horizontal bars (click a bar for the zone's dashboard).
(function () {
  "use strict";
  function number(value) {
    return value === null || value === undefined ? null : Number(value);
  }
  function make(id, height) {
    var el = document.getElementById(id);
    if (!el || typeof echarts === "undefined") return null;
    el.style.height = height;
    var chart = echarts.init(el);
    window.addEventListener("resize", function () { chart.resize(); });
    return chart;
  }
  function spark(item, data) {
    var chart = make(item.id, "56px");
    if (!chart) return;
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", confine: true },
      grid: { left: 2, right: 2, top: 4, bottom: 2 },
      xAxis: { type: "category", show: false, data: data.months },
      yAxis: { type: "value", show: false, scale: true },
      series: [
        { name: data.last_label, type: "line", data: item.last.map(number), symbol: "none",
          lineStyle: { width: 1, color: "#adb5bd" }, itemStyle: { color: "#adb5bd" } },
        { name: data.this_label, type: "line", data: item["this"].map(number), symbol: "none",
          lineStyle: { width: 2, color: "#0d6efd" }, itemStyle: { color: "#0d6efd" } }
      ]
    });
  }
  function ranking(item, data) {
    var chart = make(item.id, Math.max(160, item.names.length * 28 + 40) + "px");
    if (!chart) return;
    chart.setOption({
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        formatter: function (params) {
          var index = params[0].dataIndex, growth = item.growth[index];
          return item.names[index] + "<br>" + params[0].value + " " + item.unit +
            "<br>" + data.growth_label + " " + (growth === null ? "—" : growth + "%");
        }
      },
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value" },
      yAxis: { type: "category", inverse: true, data: item.names },
      series: [{ type: "bar", data: item.values.map(number), itemStyle: { color: "#0d6efd" } }]
    });
    chart.on("click", function (params) {
      var target = item.urls[params.dataIndex];
      if (target) window.location.href = target;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("home-data");
    if (!source) return;
    var data = JSON.parse(source.textContent);
    (data.sparks || []).forEach(function (item) { spark(item, data); });
    if (data.ranking) ranking(data.ranking, data);
  });
})();
