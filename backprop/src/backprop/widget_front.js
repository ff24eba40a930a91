// Front-end of backprop.widget.GradientFlow (an anywidget ES module).
//
// It adds nothing to the arithmetic: Python pre-renders one SVG per replay state
// (backprop.draw.to_svg(graph, k), k = 0..number of steps) with its caption, and
// this code only shows frame k. So it plays the same in JupyterLab with a kernel
// and in the static book, where the widget state is embedded in the page.
// Button labels are words and the two triangles every system font has.

const SPEEDS = [0.5, 1, 2, 4];

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

// The html-manager that renders the static book embeds the widget state in a
// <script> tag of this type; in a live notebook there is none. Without a kernel
// no Python runs, so the input boxes are shown but cannot recompute anything.
function isStaticPage() {
  return !!document.querySelector('script[type="application/vnd.jupyter.widget-state+json"]');
}

function render({ model, el: host }) {
  const root = el("div", { class: "bp-flow" });
  const stage = el("div", { class: "bp-flow-graph" });
  const caption = el("p", { class: "bp-flow-caption", "aria-live": "polite" });
  const bar = el("div", { class: "bp-flow-controls", role: "group", "aria-label": "Replay controls" });
  const btn = (cls, label, text) => el("button", { type: "button", class: cls, "aria-label": label, title: label }, text);
  const reset = btn("bp-reset", "Reset", "Reset");
  const back = btn("bp-back", "Step back", "◀ Back");
  const play = btn("bp-play", "Play", "▶ Play");
  const fwd = btn("bp-forward", "Step forward", "Forward ▶");
  const slider = el("input", { type: "range", class: "bp-slider", min: "0", step: "1", "aria-label": "Step" });
  const counter = el("span", { class: "bp-counter" });
  const speed = el("select", { class: "bp-speed", "aria-label": "Speed" });
  for (const s of SPEEDS) {
    const opt = el("option", { value: String(s) }, `${s}×`);
    if (s === 1) opt.selected = true;
    speed.append(opt);
  }
  bar.append(reset, back, play, fwd, slider, counter, speed);
  const inputs = el("div", { class: "bp-flow-inputs" });
  const note = el("p", { class: "bp-flow-note", "aria-live": "polite" });
  root.append(stage, caption, bar, inputs, note);
  host.append(root);

  let k = Math.max(0, model.get("step") || 0);
  let timer = null;
  let waiting = null;

  const frames = () => model.get("frames") || [];
  const last = () => Math.max(0, frames().length - 1);

  function show(newK, sync) {
    const fs = frames();
    const err = model.get("error");
    const broken = !!err || fs.length === 0;
    for (const c of [reset, back, play, fwd, slider, speed]) c.disabled = broken;
    if (broken) {
      stop();
      stage.replaceChildren(el("div", { class: "bp-flow-error", role: "alert" },
        err || "This graph has no steps to show."));
      caption.textContent = "";
      counter.textContent = "";
      return;
    }
    k = Math.min(Math.max(0, newK), fs.length - 1);
    const frame = fs[k];
    stage.innerHTML = frame.svg;   // SVG made by backprop.draw from the graph model
    stage.dataset.step = String(k);
    stage.dataset.kind = frame.kind;
    caption.textContent = frame.caption;
    slider.max = String(fs.length - 1);
    slider.value = String(k);
    counter.textContent = `step ${k} / ${fs.length - 1}`;
    back.disabled = k === 0;
    fwd.disabled = k === fs.length - 1;
    if (sync && model.get("step") !== k) {
      model.set("step", k);
      model.save_changes();   // a no-op without a kernel
    }
  }

  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    play.textContent = "▶ Play";
    play.setAttribute("aria-label", "Play");
    play.title = "Play";
    root.classList.remove("bp-playing");
  }

  function start() {
    if (k >= last()) show(0, true);   // play again from the start
    const ms = (model.get("interval") || 900) / Number(speed.value);
    timer = setInterval(() => {
      if (k >= last()) { stop(); return; }
      show(k + 1, true);
      if (k >= last()) stop();
    }, ms);
    play.textContent = "Pause";
    play.setAttribute("aria-label", "Pause");
    play.title = "Pause";
    root.classList.add("bp-playing");
  }

  play.addEventListener("click", () => (timer === null ? start() : stop()));
  fwd.addEventListener("click", () => { stop(); show(k + 1, true); });
  back.addEventListener("click", () => { stop(); show(k - 1, true); });
  reset.addEventListener("click", () => { stop(); show(0, true); });
  slider.addEventListener("input", () => { stop(); show(Number(slider.value), true); });
  speed.addEventListener("change", () => { if (timer !== null) { stop(); start(); } });

  function buildInputs() {
    inputs.replaceChildren();
    const specs = model.get("inputs") || [];
    if (!model.get("editable") || specs.length === 0) return;
    const frozen = isStaticPage();
    for (const spec of specs) {
      const label = el("label", { class: "bp-input" });
      label.append(el("span", {}, spec.label));
      const box = el("input", { type: "number", step: "any", value: String(spec.value), "data-input": spec.id });
      box.disabled = frozen;
      box.addEventListener("change", () => edit(spec.id, box));
      label.append(box);
      inputs.append(label);
    }
    if (frozen) {
      note.textContent = "Open this page as a notebook with a running kernel to change the inputs; "
        + "here the widget replays the values the book was built with.";
    }
  }

  function edit(id, box) {
    const value = Number(box.value);
    if (box.value.trim() === "" || !Number.isFinite(value)) {
      note.textContent = `Type a finite number for ${id}.`;
      return;
    }
    const specs = (model.get("inputs") || []).map((s) => (s.id === id ? { ...s, value } : s));
    note.textContent = "Recomputing…";
    model.set("inputs", specs);
    model.save_changes();
    // Python answers by sending new frames (revision goes up); no answer means no kernel.
    const asked = model.get("revision");
    clearTimeout(waiting);
    waiting = setTimeout(() => {
      if (model.get("revision") === asked) {
        note.textContent = "No Python kernel answered, so the graph cannot be recomputed here.";
      }
    }, 3000);
  }

  const onFrames = () => {
    clearTimeout(waiting);
    if (note.textContent === "Recomputing…") note.textContent = "";
    show(Math.min(k, last()), false);
  };
  const onStep = () => { if (model.get("step") !== k) show(model.get("step"), false); };
  model.on("change:frames", onFrames);
  model.on("change:error", onFrames);
  model.on("change:step", onStep);
  model.on("change:inputs", buildInputs);
  model.on("change:editable", buildInputs);

  buildInputs();
  show(k, false);
  return () => { stop(); clearTimeout(waiting); };
}

export default { render };
