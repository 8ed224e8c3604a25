// The firm's page: its tabs (the panels apps register) follow the URL's #anchor, and the figures panel draws two
// charts of the selected indicator from <script type="application/json" id="firm-figures-data"> (Django's
// json_script: not executed, so the CSP allows it). Amounts arrive as decimal strings, numbers only for drawing.
(function () {
  "use strict";
  function number(value) {
    return value === null || value === undefined ? null : Number(value);
  }

  function showTabOfHash() {
    var id = window.location.hash.slice(1);
    var button = id && document.getElementById("tab-" + id);
    if (button && typeof bootstrap !== "undefined") bootstrap.Tab.getOrCreateInstance(button).show();
  }

  function figures() {
    var source = document.getElementById("firm-figures-data");
    var monthsBox = document.getElementById("chart-firm-months");
    var yearsBox = document.getElementById("chart-firm-years");
    if (!source || !monthsBox || !yearsBox || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var charts = null;

    function draw(index) {
      var series = data.series[index];
      if (!series || !charts) return;
      var grid = { left: 8, right: 16, top: 40, bottom: 8, containLabel: true };
      charts.months.setOption({
        tooltip: { trigger: "axis" },
        legend: { data: [data.this_label, data.last_label] },
        grid: grid,
        xAxis: { type: "category", data: data.months },
        yAxis: { type: "value", name: series.unit },
        series: [
          { name: data.this_label, type: "bar", data: series.this.map(number) },
          { name: data.last_label, type: "line", data: series.last.map(number), connectNulls: true }
        ]
      }, true);
      charts.years.setOption({
        tooltip: { trigger: "axis" },
        grid: grid,
        xAxis: { type: "category", data: series.years },
        yAxis: { type: "value", name: series.unit },
        series: [{ name: series.label, type: "bar", data: series.annual.map(number) }]
      }, true);
    }

    function start() {
      // ECharts measures its box: draw only once the figures tab is visible.
      if (charts || monthsBox.offsetWidth === 0) {
        if (charts) { charts.months.resize(); charts.years.resize(); }
        return;
      }
      monthsBox.style.height = yearsBox.style.height = "300px";
      charts = { months: echarts.init(monthsBox), years: echarts.init(yearsBox) };
      window.addEventListener("resize", function () { charts.months.resize(); charts.years.resize(); });
      draw(0);
    }

    document.querySelectorAll("#figures-indicators [data-series]").forEach(function (button) {
      button.addEventListener("click", function () {
        document.querySelectorAll("#figures-indicators .active").forEach(function (b) { b.classList.remove("active"); });
        button.classList.add("active");
        draw(Number(button.getAttribute("data-series")));
      });
    });
    document.querySelectorAll("#firm-tabs [data-bs-toggle=tab]").forEach(function (tab) {
      tab.addEventListener("shown.bs.tab", start);
    });
    start();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("#firm-tabs [data-bs-toggle=tab]").forEach(function (tab) {
      tab.addEventListener("shown.bs.tab", function () {
        if (window.history.replaceState) window.history.replaceState(null, "", "#" + tab.getAttribute("aria-controls"));
      });
    });
    showTabOfHash();
    figures();
  });
})();
