/* The chain's map (chains/chains/chain_detail.html): an ECharts tree of the chain, its three stages, their
   nodes and sub-nodes, each labelled with its enterprise count and output value and coloured by its gap or
   risk mark. The data come from the server in the json_script block "chain-map-data"; clicking a node
   lists its enterprises in the panel under the chart (links to those the reader may open, to the node's
   row of the table, and to its edit page for those who may edit the map). */
(function () {
  "use strict";

  function escapeHtml(text) {
    return String(text === null || text === undefined ? "" : text)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  function decorate(node) {
    node.itemStyle = { color: node.colour, borderColor: node.colour };
    (node.children || []).forEach(decorate);
    return node;
  }

  function element(tag, text, attributes) {
    var made = document.createElement(tag);
    if (text) made.textContent = text;
    Object.keys(attributes || {}).forEach(function (name) { made.setAttribute(name, attributes[name]); });
    return made;
  }

  function show(panel, node, texts) {
    if (!panel || !node || typeof node.id !== "number") return;
    panel.textContent = "";
    panel.appendChild(element("h3", node.path || node.name));
    if (node.caption) panel.appendChild(element("p", node.caption, { "class": "muted" }));
    if (node.products) panel.appendChild(element("p", texts.products + ": " + node.products));
    if (node.enterprises.length) {
      var list = element("ul", "", { "data-testid": "panel-enterprises" });
      node.enterprises.forEach(function (enterprise) {
        var item = element("li");
        if (enterprise.url) item.appendChild(element("a", enterprise.name, { href: enterprise.url }));
        else item.appendChild(document.createTextNode(enterprise.name));
        if (enterprise.output && enterprise.output !== "—") {
          item.appendChild(document.createTextNode(" "));
          item.appendChild(element("small", enterprise.output, { "class": "muted" }));
        }
        list.appendChild(item);
      });
      panel.appendChild(element("p", texts.enterprises + " (" + node.enterprises.length + ")"));
      panel.appendChild(list);
    } else {
      panel.appendChild(element("p", texts.none, { "class": "muted" }));
    }
    var links = element("p");
    links.appendChild(element("a", texts.row, { href: "#node-" + node.id }));
    if (node.edit_url) {
      links.appendChild(document.createTextNode(" · "));
      links.appendChild(element("a", texts.edit, { href: node.edit_url }));
    }
    panel.appendChild(links);
    panel.hidden = false;
  }

  function draw() {
    var chartElement = document.getElementById("chain-map-chart");
    var source = document.getElementById("chain-map-data");
    if (!chartElement || !source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var panel = document.getElementById("chain-node-panel");
    var chart = window.echarts.init(chartElement);
    // Marks the chart drawn once its opening animation is over (what browser tests wait for).
    chart.on("finished", function () { chartElement.setAttribute("data-drawn", "true"); });
    chart.setOption({
      tooltip: {
        trigger: "item",
        formatter: function (params) {
          var node = params.data;
          var lines = ["<strong>" + escapeHtml(node.path || node.name) + "</strong>"];
          if (node.caption) lines.push(escapeHtml(node.caption));
          if (node.products) lines.push(escapeHtml(data.texts.products + ": " + node.products));
          return lines.join("<br>");
        },
      },
      series: [{
        type: "tree",
        data: [decorate(data.tree)],
        orient: "LR",
        top: 16,
        bottom: 16,
        left: 140,
        right: 260,
        symbolSize: 11,
        initialTreeDepth: -1,
        expandAndCollapse: false,
        animationDuration: 300,
        lineStyle: { color: "#cbd2d9", width: 1.2 },
        label: {
          position: "left",
          verticalAlign: "middle",
          align: "right",
          fontSize: 13,
          lineHeight: 17,
          formatter: function (params) {
            var node = params.data;
            return node.caption ? node.name + "\n" + node.caption : node.name;
          },
        },
        leaves: { label: { position: "right", verticalAlign: "middle", align: "left" } },
        emphasis: { focus: "descendant" },
      }],
    });
    chart.on("click", function (params) { show(panel, params.data, data.texts); });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
