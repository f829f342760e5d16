/* Charts of the enterprise profile's operating-data panel (enterprises/figures/_profile_panel.html).
   The data comes from a json_script element named by data-figures-charts; ECharts is served locally. */
(function () {
  "use strict";

  function series(name, label, type, values, extra) {
    return Object.assign({ name: label, type: type, data: values, connectNulls: false }, extra || {});
  }

  function baseOption(months, legend) {
    return {
      tooltip: { trigger: "axis" },
      legend: { data: legend, top: 0 },
      grid: { left: 56, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: months, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value" },
    };
  }

  function optionsFor(kind, data) {
    var labels = data.labels;
    if (kind === "money") {
      var option = baseOption(data.months, [labels.revenue, labels.output_value, labels.total_profit]);
      // Profit is far smaller than revenue: its own axis on the right keeps the line readable.
      option.yAxis = [{ type: "value" }, { type: "value", splitLine: { show: false } }];
      option.grid.right = 48;
      option.series = [
        series("revenue", labels.revenue, "bar", data.revenue),
        series("output_value", labels.output_value, "bar", data.output_value),
        series("total_profit", labels.total_profit, "line", data.total_profit, { symbolSize: 6, yAxisIndex: 1 }),
      ];
      return option;
    }
    if (kind === "electricity") {
      var electricity = baseOption(data.months, [labels.electricity]);
      electricity.series = [series("electricity", labels.electricity, "bar", data.electricity, { itemStyle: { color: "#0f7b3f" } })];
      return electricity;
    }
    var employees = baseOption(data.months, [labels.employees]);
    employees.yAxis.minInterval = 1;
    employees.series = [series("employees", labels.employees, "line", data.employees, { itemStyle: { color: "#b45309" } })];
    return employees;
  }

  function draw() {
    if (!window.echarts) return;
    document.querySelectorAll("[data-figures-charts]").forEach(function (panel) {
      var source = document.getElementById(panel.getAttribute("data-figures-charts"));
      if (!source) return;
      var data = JSON.parse(source.textContent);
      panel.querySelectorAll("[data-chart]").forEach(function (element) {
        var chart = window.echarts.getInstanceByDom(element) || window.echarts.init(element);
        chart.setOption(optionsFor(element.getAttribute("data-chart"), data));
        window.addEventListener("resize", function () { chart.resize(); });
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
