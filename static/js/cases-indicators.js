/* The case indicators page's bar chart: resolution rate and satisfaction by group, against the programme's
   target line for the resolution rate (seed 002: at least 97 %). A group without a rate shows no bar.
   Many groups (every unit of a county), or several on a phone, are drawn as horizontal bars in a chart that
   grows with them, so every name stays readable. */
(function () {
  "use strict";

  function percent(value) {
    return value === null || value === undefined ? "—" : value + " %";
  }

  function draw() {
    var element = document.getElementById("indicator-chart");
    var source = document.getElementById("indicator-chart-data");
    if (!element || !source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var count = data.groups.length;
    var narrow = element.clientWidth < 560;
    var horizontal = count > 12 || (narrow && count > 5);
    if (horizontal) {
      element.style.height = Math.max(280, count * (narrow ? 34 : 26) + 90) + "px";
      // Top to bottom in the table's order.
      data.groups = data.groups.slice().reverse();
      data.resolution = data.resolution.slice().reverse();
      data.satisfaction = data.satisfaction.slice().reverse();
    }
    var categoryAxis = {
      type: "category",
      data: data.groups,
      axisLabel: horizontal
        ? { width: narrow ? 96 : 180, overflow: "truncate" }
        : { interval: 0, rotate: narrow || count > 6 ? 35 : 0 },
    };
    var valueAxis = { type: "value", name: "%", min: 0, max: 100 };
    var target = {
      symbol: "none",
      lineStyle: { color: "#b45309", type: "dashed" },
      label: { formatter: horizontal ? data.target + " %" : data.target_label, position: horizontal ? "end" : "insideEndTop" },
      data: [horizontal ? { xAxis: data.target } : { yAxis: data.target }],
    };
    var chart = window.echarts.init(element);
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: percent },
      legend: { top: 0 },
      grid: horizontal
        ? { left: 8, right: 24, top: 48, bottom: 24, containLabel: true }
        : { left: 48, right: 16, top: 48, bottom: narrow || count > 6 ? 88 : 40 },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: [
        { name: data.resolution_label, type: "bar", data: data.resolution, itemStyle: { color: "#1d4ed8" }, markLine: target },
        { name: data.satisfaction_label, type: "bar", data: data.satisfaction, itemStyle: { color: "#15803d" } },
      ],
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
