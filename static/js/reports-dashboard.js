/* The dashboard's charts (reports/dashboard): the monthly trend (collected, solved and overdue bars, the
   satisfaction line on a second axis), cases by category (bars), by channel (pie), by region (bars) and the
   plan goals by category (stacked bars). The data and every point's link come from the server in the
   json_script block "dashboard-data"; clicking a point opens the list behind it (a point without a link
   does nothing). */
(function () {
  "use strict";

  var COLOURS = { collected: "#1d4ed8", solved: "#15803d", overdue: "#b42318", satisfaction: "#b45309" };

  function percent(value) {
    return value === null || value === undefined ? "—" : value + " %";
  }

  function pluck(rows, name) {
    return rows.map(function (row) { return row[name]; });
  }

  function open(url) {
    if (url) window.location.assign(url);
  }

  function make(id) {
    var element = document.getElementById(id);
    if (!element) return null;
    var chart = window.echarts.init(element);
    // Marks the chart drawn once its opening animation is over (what the browser tests wait for).
    chart.on("finished", function () { element.setAttribute("data-drawn", "true"); });
    window.addEventListener("resize", function () { chart.resize(); });
    return chart;
  }

  /* A click on a bar or point opens its row's link; a click elsewhere in a column's band (easier on a
     phone, and with thin bars) opens the link of that column's row. `pick(row, event)` chooses the link. */
  function clickable(chart, rows, pick, horizontal) {
    var handled = false;
    chart.on("click", function (event) {
      var row = rows[event.dataIndex];
      if (!row) return;
      handled = true;
      open(pick(row, event));
    });
    chart.getZr().on("click", function (event) {
      var point = [event.offsetX, event.offsetY];
      window.setTimeout(function () {
        if (handled) {
          handled = false;
          return;
        }
        if (!chart.containPixel({ gridIndex: 0 }, point)) return;
        var value = chart.convertFromPixel({ gridIndex: 0 }, point);
        var row = rows[Math.round(horizontal ? value[1] : value[0])];
        if (row) open(pick(row, null));
      }, 0);
    });
  }

  function link(row) {
    return row.url;
  }

  function narrow(chart) {
    return chart.getDom().clientWidth < 560;
  }

  function categoryAxis(labels, chart) {
    return { type: "category", data: labels, axisLabel: { interval: 0, rotate: narrow(chart) || labels.length > 5 ? 35 : 0 } };
  }

  function trend(data, text) {
    var chart = make("dashboard-trend");
    if (!chart) return;
    var rows = data.by_month;
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 56, top: 48, bottom: 48 },
      xAxis: categoryAxis(pluck(rows, "label"), chart),
      yAxis: [
        { type: "value", name: text.cases, minInterval: 1 },
        { type: "value", name: text.percent, min: 0, max: 100, splitLine: { show: false } },
      ],
      series: [
        { name: text.collected, type: "bar", data: pluck(rows, "collected"), itemStyle: { color: COLOURS.collected } },
        { name: text.solved, type: "bar", data: pluck(rows, "solved"), itemStyle: { color: COLOURS.solved } },
        { name: text.overdue, type: "bar", data: pluck(rows, "overdue_open"), itemStyle: { color: COLOURS.overdue } },
        {
          name: text.satisfaction, type: "line", yAxisIndex: 1, data: pluck(rows, "satisfaction_rate"),
          connectNulls: true, itemStyle: { color: COLOURS.satisfaction }, tooltip: { valueFormatter: percent },
        },
      ],
    });
    clickable(chart, rows, function (row, event) {
      if (event && event.seriesIndex === 1) return row.solved_url;
      return event && event.seriesIndex === 2 ? row.overdue_url : row.url;
    });
  }

  function bars(id, rows, text) {
    var chart = make(id);
    if (!chart) return;
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 40, right: 16, top: 40, bottom: narrow(chart) || rows.length > 5 ? 88 : 40 },
      xAxis: categoryAxis(pluck(rows, "label"), chart),
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: text.collected, type: "bar", data: pluck(rows, "collected"), itemStyle: { color: COLOURS.collected } },
        { name: text.solved, type: "bar", data: pluck(rows, "solved"), itemStyle: { color: COLOURS.solved } },
      ],
    });
    clickable(chart, rows, link);
  }

  function pie(id, rows) {
    var chart = make(id);
    if (!chart) return;
    chart.setOption({
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { bottom: 0, type: "scroll" },
      series: [
        {
          type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"],
          data: rows.map(function (row) { return { name: row.label, value: row.collected }; }),
        },
      ],
    });
    chart.on("click", function (event) {
      var row = rows[event.dataIndex];
      if (row) open(row.url);
    });
  }

  function planGoals(data, text) {
    var chart = make("dashboard-plans");
    if (!chart) return;
    var rows = data.plans.by_category;
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 24, top: 40, bottom: 16, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: pluck(rows, "label"), axisLabel: { width: 150, overflow: "truncate" } },
      series: [
        { name: text.achieved, type: "bar", stack: "goals", data: pluck(rows, "achieved"), itemStyle: { color: COLOURS.solved } },
        {
          name: text.not_achieved, type: "bar", stack: "goals", itemStyle: { color: "#cbd5e1" },
          data: rows.map(function (row) { return row.goals - row.achieved; }),
        },
      ],
    });
    clickable(chart, rows, link, true);
  }

  function draw() {
    var source = document.getElementById("dashboard-data");
    if (!source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var text = data.text;
    trend(data, text);
    bars("dashboard-category", data.by_category, text);
    pie("dashboard-channel", data.by_channel);
    bars("dashboard-region", data.by_region, text);
    planGoals(data, text);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
