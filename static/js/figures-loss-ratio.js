/* The loss-ratio page's bar chart: loss ratio by region against the target line (seed 000: under 4 %). */
(function () {
  "use strict";

  function draw() {
    var element = document.getElementById("loss-ratio-chart");
    var source = document.getElementById("loss-ratio-chart-data");
    if (!element || !source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(element);
    chart.setOption({
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : v + " %"; } },
      grid: { left: 48, right: 24, top: 32, bottom: 48 },
      xAxis: { type: "category", data: data.regions, axisLabel: { interval: 0, rotate: data.regions.length > 8 ? 30 : 0 } },
      yAxis: { type: "value", name: "%", min: 0 },
      series: [{
        name: data.ratio_label,
        type: "bar",
        data: data.ratios.map(function (value) {
          return { value: value, itemStyle: { color: value !== null && value >= data.target ? "#c62828" : "#1d4ed8" } };
        }),
        label: { show: true, position: "top", formatter: function (p) { return p.value === null || p.value === undefined ? "" : p.value + "%"; } },
        markLine: {
          symbol: "none",
          lineStyle: { color: "#b45309", type: "dashed" },
          label: { formatter: data.target_label, position: "insideEndTop" },
          data: [{ yAxis: data.target }],
        },
      }],
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
