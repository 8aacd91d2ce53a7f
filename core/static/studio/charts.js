// The studio's chart component (core/dashboard/charts.py builds the spec). plotly.js draws it with
// axes, dates, values and tooltips; it is served from our own static files (core/static_assets.py)
// and loaded only on pages that have a chart. ``FanfareCharts.extend`` adds live points (the
// control room's viewers).
(function () {
  "use strict";
  const COLORS = ["#6d28d9", "#0e9384", "#dc6803", "#2e90fa"];
  const pending = [];
  let loading = null;

  function plotly() {
    if (window.Plotly) return Promise.resolve(window.Plotly);
    if (!loading) {
      const meta = document.querySelector('meta[name="fanfare-plotly"]');
      loading = new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = meta ? meta.content : "";
        script.onload = () => resolve(window.Plotly);
        script.onerror = reject;
        document.head.append(script);
      });
    }
    return loading;
  }

  function format(value, unit) {
    return unit ? "%{y:,}" + " " + unit : "%{y:,}";
  }

  function traces(data) {
    return data.series.map((series, index) => ({
      type: data.kind === "bar" ? "bar" : "scatter",
      mode: data.kind === "bar" ? undefined : "lines+markers",
      name: series.name,
      x: data.x,
      y: series.values,
      marker: { color: COLORS[index % COLORS.length], size: 5 },
      line: { width: 2, shape: "linear" },
      hovertemplate: (data.x_kind === "date" ? "%{x|%a %d %b %Y}" : "%{x}") + "<br>" + series.name + ": " +
        format(null, data.unit) + "<extra></extra>",
    }));
  }

  function layout(data) {
    const dateAxis = data.x_kind === "date";
    return {
      margin: { l: 48, r: 12, t: 8, b: 40 },
      font: { family: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size: 12, color: "#1c1c28" },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      showlegend: data.series.length > 1,
      legend: { orientation: "h", y: -0.2 },
      bargap: 0.25,
      hovermode: "closest",
      xaxis: Object.assign({ type: dateAxis ? "date" : "category", gridcolor: "#eeecf5", linecolor: "#cfcbe0",
        automargin: true, fixedrange: true }, dateAxis && data.kind === "bar" ? { tickformat: "%d %b" } : {}),
      yaxis: { title: { text: data.unit || "" }, rangemode: "tozero", gridcolor: "#eeecf5", zeroline: true,
        zerolinecolor: "#cfcbe0", automargin: true, fixedrange: true,
        range: data.y_max ? [0, data.y_max] : undefined },
    };
  }

  function draw(element, data) {
    element.dataset.chartState = "loading";
    return plotly().then((Plotly) => {
      element.textContent = "";
      return Plotly.newPlot(element, traces(data), layout(data), { displayModeBar: false, responsive: true });
    }).then(() => { element.dataset.chartState = "drawn"; });
  }

  function extend(element, x, values, keep) {
    return plotly().then((Plotly) => {
      if (element.dataset.chartState !== "drawn") return;
      Plotly.extendTraces(element, { x: values.map(() => [x]), y: values.map((v) => [v]) },
        values.map((_, index) => index), keep || 120);
    });
  }

  function drawAll() {
    document.querySelectorAll("[data-chart]").forEach((element) => {
      const source = document.getElementById(element.dataset.chart);
      if (source) pending.push(draw(element, JSON.parse(source.textContent)));
    });
  }

  window.FanfareCharts = { draw: draw, extend: extend };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
