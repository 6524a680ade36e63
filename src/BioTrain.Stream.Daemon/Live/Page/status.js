// The live status page: one EventSource on this daemon's /events, the DOM updated in place.
// Text goes in with textContent only: session names and errors are data, never markup.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const COLOURS = ["#2463c7", "#d9730d", "#1b7f3b", "#b3261e", "#7b3fbf", "#0f8a8a", "#8a6d0f", "#c2185b"];
const HISTORY_SECONDS = 15;
const main = document.getElementById("sessions");
const link = document.getElementById("link");
const views = new Map();
let updates = 0;

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function percent(v) { return v === null || v === undefined ? "not measured" : (v * 100).toFixed(1) + " %"; }
function ms(v) { return v === null || v === undefined ? "–" : v.toFixed(v < 10 ? 2 : 0) + " ms"; }
function count(v) { return Number(v).toLocaleString("en"); }
function bytes(v) {
  if (v === null || v === undefined) return "not loaded";
  return v >= 1048576 ? (v / 1048576).toFixed(2) + " MiB" : (v / 1024).toFixed(1) + " KiB";
}

function field(view, name) { return view.root.querySelector(`[data-field="${name}"]`); }

function list(dl, rows) {
  dl.replaceChildren(...rows.flatMap(([k, v]) => [el("dt", k), el("dd", v)]));
}

function bars(box, rows, top) {
  const cells = [];
  rows.forEach(([label, value, text], i) => {
    const bar = el("div", undefined, "bar");
    const fill = el("span");
    fill.style.width = (Math.max(0, Math.min(1, value)) * 100).toFixed(1) + "%";
    if (i === top) fill.style.background = "var(--ok)";
    bar.append(fill);
    cells.push(el("span", label, i === top ? "top" : ""), bar, el("span", text, "num"));
  });
  box.replaceChildren(...cells);
}

function polyline(points, colour) {
  const p = document.createElementNS(SVG, "polyline");
  p.setAttribute("points", points.join(" "));
  p.setAttribute("stroke", colour);
  return p;
}

function label(x, y, text) {
  const t = document.createElementNS(SVG, "text");
  t.setAttribute("x", x);
  t.setAttribute("y", y);
  t.textContent = text;
  return t;
}

function viewFor(status) {
  let view = views.get(status.name);
  if (!view) {
    const root = document.getElementById("session").content.firstElementChild.cloneNode(true);
    root.dataset.session = status.name;
    main.append(root);
    view = { root, lastProbabilities: "", changes: 0 };
    views.set(status.name, view);
  }
  return view;
}

function drawTraces(view, signal) {
  const svg = field(view, "traces");
  if (!signal || signal.traces.length === 0) {
    svg.replaceChildren(label(20, 200, "no input yet"));
    field(view, "signal-caption").textContent = "";
    return;
  }
  const lanes = signal.traces.length;
  const lane = 400 / lanes;
  const nodes = [];
  signal.traces.forEach((trace, c) => {
    const n = trace.values.length;
    const mid = lane * (c + 0.5);
    const pts = trace.values.map((v, i) => `${(i / Math.max(1, n - 1) * 1000).toFixed(1)},${(mid - v / 1000 * lane * 0.45).toFixed(1)}`);
    const line = polyline(pts, COLOURS[c % COLOURS.length]);
    line.dataset.channel = signal.channels[c];
    nodes.push(line);
    if (lanes <= 16) nodes.push(label(4, mid - lane * 0.2, signal.channels[c]));
  });
  svg.replaceChildren(...nodes);
  svg.dataset.points = String(signal.traces.reduce((sum, t) => sum + t.values.length, 0));
  const seconds = signal.traces[0].values.length / signal.pointsPerSecond;
  field(view, "signal-caption").textContent = `${lanes} channels, last ${seconds.toFixed(1)} s`;
}

function drawPrediction(view, live) {
  const latest = live.predictions[live.predictions.length - 1];
  const box = field(view, "bars");
  if (!latest) {
    box.replaceChildren(el("span", "no prediction yet"));
    field(view, "predicted").textContent = "";
    return;
  }
  bars(box, live.classes.map((c, i) => [c, latest.probabilities[i], (latest.probabilities[i] * 100).toFixed(1) + " %"]), latest.predicted);
  field(view, "predicted").textContent = live.classes[latest.predicted] ?? `class ${latest.predicted}`;
  const key = latest.probabilities.join(",");
  if (key !== view.lastProbabilities) {
    view.lastProbabilities = key;
    view.changes += 1;
    view.root.dataset.probabilityChanges = String(view.changes);
  }
}

function drawHistory(view, live) {
  const svg = field(view, "history");
  const x = age => (1 - Math.min(age, HISTORY_SECONDS) / HISTORY_SECONDS) * 1000;
  const nodes = live.classes.map((c, k) => {
    const line = polyline(live.predictions.map(p => `${x(p.age).toFixed(1)},${(290 - p.probabilities[k] * 280).toFixed(1)}`), COLOURS[k % COLOURS.length]);
    line.dataset.class = c;
    return line;
  });
  // The predicted class as a strip of ticks along the bottom.
  live.predictions.forEach(p => {
    const r = document.createElementNS(SVG, "rect");
    r.setAttribute("x", x(p.age).toFixed(1));
    r.setAttribute("y", "292");
    r.setAttribute("width", "8");
    r.setAttribute("height", "8");
    r.setAttribute("fill", COLOURS[p.predicted % COLOURS.length]);
    nodes.push(r);
  });
  svg.replaceChildren(...nodes);
  field(view, "legend").replaceChildren(...live.classes.map((c, k) => {
    const span = el("span", c);
    const swatch = el("i");
    swatch.style.background = COLOURS[k % COLOURS.length];
    span.prepend(swatch);
    return span;
  }));
}

function drawCalibration(view, status) {
  const target = status.calibrationTarget;
  const classes = Object.keys(status.calibrationTrialsPerClass);
  bars(field(view, "calibration"), classes.map(c => {
    const n = status.calibrationTrialsPerClass[c];
    return [c, target > 0 ? n / target : 0, `${n} / ${target}`];
  }), -1);
  field(view, "calibration-caption").textContent = status.calibrated
    ? `calibrated (${status.restoredWeights ? "weights restored from an earlier run" : "on this run's trials"}); trials now count towards the next adaptation round`
    : `collecting ${target} trials per class`;
}

function update(doc) {
  for (const entry of doc.sessions) {
    const status = entry.status;
    const live = entry.live;
    const view = viewFor(status);
    field(view, "name").textContent = status.name;
    field(view, "subject").textContent = status.subject;
    const state = field(view, "state");
    state.textContent = live ? live.stateWords : status.state;
    state.dataset.state = status.state;
    const error = field(view, "error");
    error.hidden = !status.lastError;
    error.textContent = status.lastError ?? "";
    field(view, "device-address").textContent = status.device;
    drawCalibration(view, status);
    if (!live) continue;
    drawTraces(view, live.signal);
    drawPrediction(view, live);
    drawHistory(view, live);
    const d = live.dropped;
    list(field(view, "predictions"), [
      ["published", count(status.predictions)],
      ["rate", live.predictionsPerSecond.toFixed(1) + " / s"],
      ["latency, last", ms(live.latency.lastMs)],
      ["latency, median / p99", `${ms(live.latency.medianMs)} / ${ms(live.latency.p99Ms)}`],
      ["host / device, median", `${ms(live.latency.hostMedianMs)} / ${ms(live.latency.deviceMedianMs)}`],
      ["windows dropped", `${count(d.total)} (deadline ${count(d.deadline)}, overflow ${count(d.overflow)}, device ${count(d.device)})`],
    ]);
    const dev = live.device;
    list(field(view, "device"), [
      ["state", dev.up ? "up" : "down"],
      ["peak memory", `${bytes(dev.peakBytes)} planned (${bytes(dev.naiveBytes)} unplanned)`],
      ["weights / input ring", `${bytes(dev.weightBytes)} / ${bytes(dev.ringBytes)}`],
      ["parameters", dev.parameters === null ? "not loaded" : count(dev.parameters)],
      ["instructions", dev.instructions > 0 ? count(dev.instructions) : "not counted on this device"],
      ["energy (GAP9 estimate E1)", dev.estimatedEnergyMillijoules.toFixed(1) + " mJ"],
      ["training samples", count(dev.trainingSamples)],
      ["restores", count(dev.restores)],
    ]);
    const body = field(view, "rounds").tBodies[0];
    body.replaceChildren(...live.rounds.slice().reverse().map(r => {
      const tr = el("tr");
      const after = el("td", percent(r.after), r.after !== null && r.before !== null && r.after < r.before ? "worse" : "");
      tr.append(el("td", r.kind), el("td", new Date(r.at).toLocaleTimeString("en-GB")), el("td", percent(r.before)), after);
      return tr;
    }));
    field(view, "rounds-caption").textContent = live.rounds.length === 0 ? "no round yet" : `${status.adaptationRounds} adaptation rounds`;
  }
  updates += 1;
  main.dataset.updates = String(updates);
}

function connect() {
  const events = new EventSource("events");
  events.onopen = () => { link.dataset.link = "live"; link.textContent = "live"; };
  events.onmessage = e => update(JSON.parse(e.data));
  // EventSource reconnects by itself (the daemon asks for 3 s); say so meanwhile.
  events.onerror = () => { link.dataset.link = "lost"; link.textContent = "connection lost, retrying…"; };
}

connect();
