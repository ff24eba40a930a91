// Front-end of backprop.widgets.playground.Playground (an anywidget ES module;
// backprop.widgets.bundle puts the message catalogue and msg in front of it).
//
// A two-layer net, Affine -> activation -> Affine -> Softmax-with-Loss, trained
// by full-batch gradient descent on 2-D points, in the page: the same forward
// and backward rules as the book's layers (chapters 3 to 5), on plain arrays.
// The points and the initial weights come from Python (the widget state), so
// "Reset" starts from the same weights and a test can compare the losses with
// NumPy's. Settings live in the URL (?pg-data=...&pg-hidden=...&pg-act=...&pg-lr=...).
// Run trains the widget's step budget and stops; the loss curve is drawn on a log
// scale over the budget, with the loss of a 50/50 guess (ln 2) for reference, so that
// a fall from 0.69 to 0.03 shows as much as one from 0.69 to 0.6 at the start.

const ACT = {
  tanh: [(a) => Math.tanh(a), (a, z) => 1 - z * z],
  relu: [(a) => (a > 0 ? a : 0), (a) => (a > 0 ? 1 : 0)],
  sigmoid: [(a) => 1 / (1 + Math.exp(-a)), (a, z) => z * (1 - z)],
};
const KEYS = { data: "pg-data", hidden: "pg-hidden", act: "pg-act", lr: "pg-lr" };
const GRID = 60, SIZE = 240, STEPS_PER_FRAME = 10;
// The loss chart: its size and the margins that hold the axis labels.
const CHART = { width: 240, height: 150, left: 36, right: 8, top: 18, bottom: 18 };

// Text for an SVG string: a translated message may hold < or &.
function escapeText(s) {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

// Forward pass for one point (x0, x1): returns [hidden pre-activations, activations, class-1 probability].
function forward(net, act, x0, x1) {
  const H = net.b1.length;
  const a = new Float64Array(H), z = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    a[j] = x0 * net.W1[0][j] + x1 * net.W1[1][j] + net.b1[j];
    z[j] = ACT[act][0](a[j]);
  }
  const s = [net.b2[0], net.b2[1]];
  for (let j = 0; j < H; j++) { s[0] += z[j] * net.W2[j][0]; s[1] += z[j] * net.W2[j][1]; }
  const m = Math.max(s[0], s[1]);
  const e0 = Math.exp(s[0] - m), e1 = Math.exp(s[1] - m);
  return [a, z, [e0 / (e0 + e1), e1 / (e0 + e1)]];
}

// One step of gradient descent on every point; returns the loss before the update
// (the book's cross_entropy_error: the mean of -log(max(y_t, LOG_FLOOR)), where
// LOG_FLOOR is backprop.nn.functions.LOG_FLOOR, put in front of this file by the bundle).
function trainStep(net, act, X, t, lr) {
  const N = X.length, H = net.b1.length;
  const dW1 = [new Float64Array(H), new Float64Array(H)], db1 = new Float64Array(H);
  const dW2 = Array.from({ length: H }, () => new Float64Array(2)), db2 = new Float64Array(2);
  let loss = 0;
  for (let n = 0; n < N; n++) {
    const [a, z, y] = forward(net, act, X[n][0], X[n][1]);
    loss += -Math.log(Math.max(y[t[n]], LOG_FLOOR));
    const d = [(y[0] - (t[n] === 0 ? 1 : 0)) / N, (y[1] - (t[n] === 1 ? 1 : 0)) / N];   // SoftmaxWithLoss.backward
    db2[0] += d[0]; db2[1] += d[1];
    for (let j = 0; j < H; j++) {
      dW2[j][0] += z[j] * d[0]; dW2[j][1] += z[j] * d[1];
      const da = (d[0] * net.W2[j][0] + d[1] * net.W2[j][1]) * ACT[act][1](a[j], z[j]);
      dW1[0][j] += X[n][0] * da; dW1[1][j] += X[n][1] * da; db1[j] += da;
    }
  }
  for (let j = 0; j < H; j++) {
    net.W1[0][j] -= lr * dW1[0][j]; net.W1[1][j] -= lr * dW1[1][j]; net.b1[j] -= lr * db1[j];
    net.W2[j][0] -= lr * dW2[j][0]; net.W2[j][1] -= lr * dW2[j][1];
  }
  net.b2[0] -= lr * db2[0]; net.b2[1] -= lr * db2[1];
  return loss / N;
}

function readUrl(choices, defaults) {
  const params = new URLSearchParams(window.location.search);
  const out = { ...defaults };
  for (const [k, key] of Object.entries(KEYS)) {
    const raw = params.get(key);
    if (raw === null) continue;
    const hit = choices[k].find((c) => String(c) === raw);
    if (hit !== undefined) out[k] = hit;
  }
  return out;
}

function writeUrl(settings) {
  try {
    const url = new URL(window.location.href);
    for (const [k, key] of Object.entries(KEYS)) url.searchParams.set(key, String(settings[k]));
    window.history.replaceState(window.history.state, "", url);
  } catch (e) { /* a page that cannot change its URL (e.g. in a sandboxed frame) still trains */ }
}

// "1", "0.1", "0.01": a power of ten as the axis writes it.
function decade(k) {
  return k >= 0 ? String(10 ** k) : (10 ** k).toFixed(-k);
}

// The loss curve as SVG: steps 1..span across, the loss on a log scale from a power of
// ten at or below the smallest loss to one at or above the largest (at least 0.1 to 1).
function lossChart(losses, span) {
  const { width: W, height: H, left, right, top, bottom } = CHART;
  const finite = losses.filter((l) => Number.isFinite(l));
  const hi = Math.ceil(Math.log10(Math.max(1, ...finite)));
  const lo = Math.min(-1, Math.floor(Math.log10(Math.max(1e-4, Math.min(...finite, 1)))));
  const x = (step) => left + (step / span) * (W - left - right);
  const y = (l) => top + ((hi - Math.log10(Math.min(Math.max(l, 10 ** lo), 10 ** hi))) / (hi - lo)) * (H - top - bottom);
  const label = (tx, ty, text, anchor) =>
    `<text x="${tx.toFixed(1)}" y="${ty.toFixed(1)}" font-size="10" fill="#555" text-anchor="${anchor}">${escapeText(text)}</text>`;
  let out = `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeText(msg("playground.loss"))}">`
    + `<rect x="${left}" y="${top}" width="${W - left - right}" height="${H - top - bottom}" fill="#fff" stroke="#ddd"/>`;
  for (let k = lo; k <= hi; k++) {
    const gy = y(10 ** k);
    out += `<line x1="${left}" x2="${W - right}" y1="${gy.toFixed(1)}" y2="${gy.toFixed(1)}" stroke="#eee"/>`
      + label(left - 4, gy + 3.5, decade(k), "end");
  }
  const chance = y(Math.LN2);
  out += `<line x1="${left}" x2="${W - right}" y1="${chance.toFixed(1)}" y2="${chance.toFixed(1)}" stroke="#888" stroke-dasharray="4 3"/>`
    + label(W - right - 3, chance - 3, msg("playground.loss.chance"), "end");
  // At most about 400 points: the chart is 200 pixels wide.
  const every = Math.max(1, Math.ceil(losses.length / 400));
  const pts = [];
  for (let i = 0; i < losses.length; i += every) pts.push(`${x(i + 1).toFixed(1)},${y(losses[i]).toFixed(1)}`);
  if (losses.length && (losses.length - 1) % every) pts.push(`${x(losses.length).toFixed(1)},${y(losses[losses.length - 1]).toFixed(1)}`);
  if (pts.length > 1) out += `<polyline fill="none" stroke="#c62828" stroke-width="1.6" points="${pts.join(" ")}"/>`;
  out += label(left, H - 5, "0", "start") + label(W - right, H - 5, msg("playground.loss.steps", { count: span }), "end")
    + label(left, top - 6, msg("playground.loss.axis"), "start");
  return out + "</svg>";
}

function render({ model, el: host }) {
  const data = model.get("data");
  const choices = model.get("choices");
  const budget = model.get("budget");
  const settings = readUrl(choices, model.get("defaults"));
  const root = el("div", { class: "bp-playground" });
  const bar = el("div", { class: "bp-flow-controls", role: "group", "aria-label": msg("playground.settings") });
  const selects = {};
  for (const k of Object.keys(KEYS)) {
    const label = el("label", { class: "bp-input" });
    label.append(el("span", {}, msg(`playground.${k}`)));
    const sel = el("select", { class: `pg-${k}`, "aria-label": msg(`playground.${k}`) });
    for (const c of choices[k]) {
      const opt = el("option", { value: String(c) }, String(c));
      if (c === settings[k]) opt.selected = true;
      sel.append(opt);
    }
    sel.addEventListener("change", () => {
      settings[k] = choices[k].find((c) => String(c) === sel.value);
      writeUrl(settings);
      reset();
    });
    selects[k] = sel;
    label.append(sel);
    bar.append(label);
  }
  const btn = (cls, text) => el("button", { type: "button", class: cls }, text);
  const run = btn("pg-run", msg("playground.run")), step = btn("pg-step", msg("playground.step"));
  const again = btn("pg-reset", msg("playground.reset"));
  const buttons = el("div", { class: "bp-flow-controls" });
  buttons.append(run, step, again);
  const canvas = el("canvas", { class: "pg-boundary", width: String(SIZE), height: String(SIZE),
    role: "img", "aria-label": msg("playground.boundary") });
  const curve = el("div", { class: "pg-loss" });
  const pics = el("div", { class: "bp-playground-pics" });
  pics.append(canvas, curve);
  const status = el("p", { class: "bp-flow-note pg-status", "aria-live": "polite" });
  root.append(bar, pics, buttons, status);
  host.append(root);

  let net = null, X = null, t = null, losses = [], frame = null, stopAt = 0;
  root.bpLosses = losses;

  function reset() {
    pause();
    const w = data.weights[String(settings.hidden)];
    net = { W1: w.W1.map((r) => r.slice()), b1: w.b1.slice(), W2: w.W2.map((r) => r.slice()), b2: w.b2.slice() };
    ({ X, t } = data.datasets[settings.data]);
    losses = [];
    root.bpLosses = losses;
    draw();
  }

  function once() { losses.push(trainStep(net, settings.act, X, t, settings.lr)); }

  function accuracy() {
    let right = 0;
    for (let n = 0; n < X.length; n++) right += (forward(net, settings.act, X[n][0], X[n][1])[2][1] > 0.5 ? 1 : 0) === t[n];
    return right / X.length;
  }

  function draw() {
    const ctx = canvas.getContext("2d");
    const cell = SIZE / GRID;
    for (let i = 0; i < GRID; i++) {
      for (let j = 0; j < GRID; j++) {
        const p = forward(net, settings.act, -1.1 + 2.2 * (i + 0.5) / GRID, 1.1 - 2.2 * (j + 0.5) / GRID)[2][1];
        // class 0 blue, class 1 orange (the points' colours), fading to white where the net is unsure
        const base = p > 0.5 ? [230, 81, 0] : [21, 101, 192];
        const c = 0.4 * Math.abs(2 * p - 1);
        ctx.fillStyle = `rgb(${base.map((v) => Math.round(255 + (v - 255) * c)).join(",")})`;
        ctx.fillRect(i * cell, j * cell, cell + 0.5, cell + 0.5);
      }
    }
    for (let n = 0; n < X.length; n++) {
      ctx.beginPath();
      ctx.arc((X[n][0] + 1.1) / 2.2 * SIZE, (1.1 - X[n][1]) / 2.2 * SIZE, 2.6, 0, 2 * Math.PI);
      ctx.fillStyle = t[n] === 1 ? "#e65100" : "#1565c0";
      ctx.fill();
    }
    // Across: the budget, or as many budgets as the steps taken so far need.
    curve.innerHTML = lossChart(losses, budget * Math.max(1, Math.ceil(losses.length / budget)));
    const last = losses.length ? losses[losses.length - 1].toFixed(4) : msg("playground.untrained");
    status.textContent = msg("playground.status", { count: losses.length, loss: last, accuracy: (100 * accuracy()).toFixed(0) });
    root.dataset.steps = String(losses.length);
  }

  function loop() {
    for (let i = 0; i < STEPS_PER_FRAME && losses.length < stopAt; i++) once();
    draw();
    if (losses.length >= stopAt) { pause(); return; }
    frame = requestAnimationFrame(loop);
  }
  function pause() {
    if (frame !== null) cancelAnimationFrame(frame);
    frame = null;
    run.textContent = msg("playground.run");
  }
  run.addEventListener("click", () => {
    if (frame !== null) { pause(); return; }
    run.textContent = msg("playground.pause");
    stopAt = (Math.floor(losses.length / budget) + 1) * budget;   // the next budget's end
    frame = requestAnimationFrame(loop);
  });
  step.addEventListener("click", () => { pause(); once(); draw(); });
  again.addEventListener("click", reset);

  reset();
  return () => pause();
}

export default { render };
