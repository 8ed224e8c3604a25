// The project page's progress chart: data comes from <script type="application/json" id="project-progress-data">
// (Django's json_script, not executed, so the CSP allows it). Amounts arrive as decimal strings in 万元 and are turned
// into numbers only for drawing: monthly completion as bars, the year-to-date total and the annual plan as lines.
(function () {
  "use strict";
  function number(value) {
    return value === null || value === undefined ? null : Number(value);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("project-progress-data");
    var el = document.getElementById("chart-progress");
    if (!source || !el || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var labels = data.labels;
    el.style.height = "300px";
    var chart = echarts.init(el);
    window.addEventListener("resize", function () { chart.resize(); });
    var series = [
      { name: labels.monthly, type: "bar", data: data.monthly.map(number) },
      { name: labels.year_to_date, type: "line", data: data.year_to_date.map(number), connectNulls: true }
    ];
    var legend = [labels.monthly, labels.year_to_date];
    if (data.plan.some(function (v) { return v !== null; })) {
      series.push({
        name: labels.plan, type: "line", data: data.plan.map(number), symbol: "none", lineStyle: { type: "dashed" }
      });
      legend.push(labels.plan);
    }
    chart.setOption({
      title: { text: String(data.year), left: 0, textStyle: { fontSize: 13 } },
      tooltip: { trigger: "axis" },
      legend: { data: legend },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.months },
      yAxis: { type: "value", name: labels.unit },
      series: series
    });
  });
})();
