// Front-end of backprop.widgets.gradient_flow.GradientFlow (an anywidget ES module;
// backprop.widgets.bundle puts the browser engine, which defines BP and msg, in front of it).
//
// The frames the book was built with are drawn by Python (backprop.figures.svg.to_svg
// for every replay state) and embedded in the page. When the reader edits an
// input or the expression, the engine recomputes the graph, its steps and its
// frames here, with no kernel and no network; with a kernel the edit also goes
// to Python, whose frames (the same) then replace ours.
// Button labels are words and the two triangles every system font has; every text
// the reader sees comes from the message catalogue (msg).
//
// Where the graph as the book drew it would not fit across the widget (a phone), the
// engine draws it top to bottom instead, with the nodes where Python placed them for a
// phone (spec.phone), and the stage scrolls to keep the active node in view.

const SPEEDS = [0.5, 1, 2, 4];

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function render({ model, el: host }) {
  const root = el("div", { class: "bp-flow", tabindex: "0", "aria-label": msg("flow.label") });
  const exprRow = el("div", { class: "bp-flow-expression" });
  const stage = el("div", { class: "bp-flow-graph" });
  const caption = el("p", { class: "bp-flow-caption", "aria-live": "polite" });
  const bar = el("div", { class: "bp-flow-controls", role: "group", "aria-label": msg("flow.controls") });
  // key: the button's text; its hint (key + ".hint") is its accessible name and tooltip.
  const btn = (cls, key) => el("button", { type: "button", class: cls, "aria-label": msg(`${key}.hint`),
    title: msg(`${key}.hint`) }, msg(key));
  const reset = btn("bp-reset", "flow.reset");
  const back = btn("bp-back", "flow.back");
  const play = btn("bp-play", "flow.play");
  const fwd = btn("bp-forward", "flow.forward");
  const slider = el("input", { type: "range", class: "bp-slider", min: "0", step: "1", "aria-label": msg("flow.slider") });
  const counter = el("span", { class: "bp-counter" });
  const speed = el("select", { class: "bp-speed", "aria-label": msg("flow.speed") });
  for (const s of SPEEDS) {
    const opt = el("option", { value: String(s) }, msg("flow.speed.option", { speed: s }));
    if (s === 1) opt.selected = true;
    speed.append(opt);
  }
  bar.append(reset, back, play, fwd, slider, counter, speed);
  const inputs = el("div", { class: "bp-flow-inputs" });
  const check = btn("bp-check", "flow.check");
  const checks = el("ul", { class: "bp-flow-checks", "aria-live": "polite" });
  const note = el("p", { class: "bp-flow-note", "aria-live": "polite" });
  root.append(exprRow, stage, caption, bar, inputs, checks, note);
  host.append(root);

  let k = Math.max(0, model.get("step") || 0);
  let timer = null;
  // What the engine computed after the reader's last edit (null: show Python's frames).
  let local = null;   // {graph, frames, error, values: {id: value}, text, phone}
  // The phone's drawing of Python's graph, made when first needed (null: not yet).
  let phoneOfModel = null;
  // Every value the reader gave a name, so that a name that leaves the text while it is
  // being typed ("exp(" on the way to "exp(a)") comes back with its value.
  const remembered = {};

  const wideFrames = () => (local ? local.frames : model.get("frames") || []);
  // A phone's screen too narrow for the wide drawing (it would need more than the stage's
  // width); a wider screen keeps the book's drawing and scrolls it.
  const narrow = () => {
    const first = wideFrames()[0];
    const need = first ? Number((/min-width:(\d+)px/.exec(first.svg) || [0, 0])[1]) : 0;
    const room = stage.clientWidth - 12;   // inside the stage's padding
    return room > 0 && need > room && window.innerWidth <= NARROW_MAX_PX;
  };
  function phoneFrames() {
    if (local) {
      if (!local.phone && local.graph) local.phone = BP.framesOf(BP.phoneGraph(local.graph, PHONE_UNITS), PHONE_MIN_TEXT_PX);
      return local.phone || [];
    }
    if (!phoneOfModel) {
      const spec = model.get("spec");
      const g = BP.graphFromSpec(spec);
      const twin = spec.phone ? BP.withHints(g, spec.phone) : BP.phoneGraph(g, PHONE_UNITS);
      phoneOfModel = BP.framesOf(twin, PHONE_MIN_TEXT_PX);
    }
    return phoneOfModel;
  }
  const usePhone = () => narrow() && wideFrames().length > 0;
  const frames = () => (usePhone() ? phoneFrames() : wideFrames());
  const last = () => Math.max(0, frames().length - 1);
  const errorText = () => (local ? local.error : model.get("error"));

  function show(newK, sync) {
    const fs = frames();
    const err = errorText();
    const broken = !!err || fs.length === 0;
    for (const c of [reset, back, play, fwd, slider, speed, check]) c.disabled = broken;
    if (broken) {
      stop();
      stage.replaceChildren(el("div", { class: "bp-flow-error", role: "alert" },
        err || msg("flow.no_steps")));
      stage.dataset.step = "";
      stage.dataset.kind = "error";
      caption.textContent = "";
      counter.textContent = "";
      return;
    }
    k = Math.min(Math.max(0, newK), fs.length - 1);
    const frame = fs[k];
    stage.innerHTML = frame.svg;   // SVG made by backprop.figures.svg (or its port, draw.js)
    stage.dataset.step = String(k);
    stage.dataset.kind = frame.kind;
    stage.dataset.layout = usePhone() ? "phone" : "wide";
    follow();
    caption.textContent = frame.caption;
    slider.max = String(fs.length - 1);
    slider.value = String(k);
    counter.textContent = msg("flow.counter", { step: k, last: fs.length - 1 });
    back.disabled = k === 0;
    fwd.disabled = k === fs.length - 1;
    if (sync && model.get("step") !== k) {
      model.set("step", k);
      model.save_changes();   // a no-op without a kernel
    }
  }

  // Scroll the stage (never the page) so that the active node (or, where no node is lit,
  // the lit edges) is in view.
  function follow() {
    const node = stage.querySelector("circle.bp-active");
    const lit = node ? [node] : stage.querySelectorAll(".bp-active");
    if (!lit.length) return;
    const box = stage.getBoundingClientRect();
    let left = Infinity, top = Infinity, right = -Infinity, bottom = -Infinity;
    for (const el of lit) {
      const r = el.getBoundingClientRect();
      left = Math.min(left, r.left); top = Math.min(top, r.top);
      right = Math.max(right, r.right); bottom = Math.max(bottom, r.bottom);
    }
    const margin = 40;   // room for the numbers beside what is lit
    const shift = (lo, hi, start, size) => {
      if (hi - lo > size - 2 * margin) return lo - start - margin;   // too big: show its start
      if (lo < start + margin) return lo - start - margin;
      if (hi > start + size - margin) return hi - (start + size - margin);
      return 0;
    };
    stage.scrollLeft += shift(left, right, box.left, stage.clientWidth);
    stage.scrollTop += shift(top, bottom, box.top, stage.clientHeight);
  }

  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    play.textContent = msg("flow.play");
    play.setAttribute("aria-label", msg("flow.play.hint"));
    play.title = msg("flow.play.hint");
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
    play.textContent = msg("flow.pause");
    play.setAttribute("aria-label", msg("flow.pause.hint"));
    play.title = msg("flow.pause.hint");
    root.classList.add("bp-playing");
  }

  const toggle = () => (timer === null ? start() : stop());
  play.addEventListener("click", toggle);
  fwd.addEventListener("click", () => { stop(); show(k + 1, true); });
  back.addEventListener("click", () => { stop(); show(k - 1, true); });
  reset.addEventListener("click", () => { stop(); show(0, true); });
  slider.addEventListener("input", () => { stop(); show(Number(slider.value), true); });
  speed.addEventListener("change", () => { if (timer !== null) { stop(); start(); } });
  // Keys work anywhere in the widget except where they type (the boxes) or choose (the menu).
  root.addEventListener("keydown", (ev) => {
    const t = ev.target;
    if (t instanceof HTMLInputElement || t instanceof HTMLSelectElement) return;   // the slider has its own keys
    if (t instanceof HTMLButtonElement && (ev.key === " " || ev.key === "Enter")) return;   // a button's own click
    if (errorText()) return;
    const act = { ArrowRight: () => fwd.click(), ArrowLeft: () => back.click(), Home: () => reset.click(),
      " ": () => toggle() }[ev.key];
    if (!act) return;
    ev.preventDefault();
    if ((ev.key === "ArrowRight" && fwd.disabled) || (ev.key === "ArrowLeft" && back.disabled)) return;
    act();
  });

  // ---- editing: recompute in the browser ---------------------------------
  const specs = () => model.get("inputs") || [];
  const text = () => (local && local.text !== undefined ? local.text : model.get("expression") || "");
  function currentValues() {
    if (local) return { ...local.values };
    const out = {};
    for (const s of specs()) out[s.id] = s.value;
    return out;
  }

  function recompute(values, exprText) {
    let graph = null, error = "", out = [];
    try {
      graph = exprText ? BP.expressionGraph(exprText, values)
        : BP.graphFromSpec(model.get("spec")).withInputs(values);
      graph.forward(); graph.backward();
      out = BP.framesOf(graph);
    } catch (e) {
      if (!(e instanceof BP.GraphError)) throw e;
      // Not the words of Python's error widget: the book's test looks for those in every page.
      error = msg(exprText ? "flow.error.expression" : "flow.error.inputs", { error: e.message });
    }
    local = { graph, frames: out, error, values, text: exprText, phone: null };
    checks.replaceChildren();
    show(Math.min(k, last()), false);
    // With a kernel, Python recomputes too (and sends the same frames); without one this does nothing.
    const labels = {};
    for (const s of specs()) labels[s.id] = s.label;
    model.set("inputs", Object.entries(values).map(([id, value]) => ({ id, label: labels[id] || id, value })));
    if (exprText) model.set("expression", exprText);
    model.save_changes();
  }

  function buildInputs(values) {
    inputs.replaceChildren();
    if (!model.get("editable")) return;
    const labels = {};
    for (const s of specs()) labels[s.id] = s.label;
    for (const [id, value] of Object.entries(values)) {
      const label = el("label", { class: "bp-input" });
      label.append(el("span", {}, labels[id] || id));
      // Shown rounded as the figure writes numbers; the exact value stays until the reader types.
      const box = el("input", { type: "number", step: "any", value: BP.formatValue(value), "data-input": id });
      // "input" as the reader types; "change" also comes from the spinner and from scripts.
      box.addEventListener("input", () => edit(id, box));
      box.addEventListener("change", () => edit(id, box));
      label.append(box);
      inputs.append(label);
    }
    if (Object.keys(values).length) inputs.append(check);
  }

  function edit(id, box) {
    const value = Number(box.value);
    if (box.value.trim() === "" || !Number.isFinite(value)) {
      note.textContent = msg("flow.type_a_number", { name: id });
      return;
    }
    note.textContent = "";
    remembered[id] = value;
    recompute({ ...currentValues(), [id]: value }, text());
  }

  function editExpression(box) {
    const old = currentValues();
    const values = {};
    Object.assign(remembered, old);
    for (const name of BP.expressionNames(box.value)) values[name] = name in remembered ? remembered[name] : 1.0;
    buildInputs(values);
    recompute(values, box.value);
  }

  function buildExpressionBox() {
    exprRow.replaceChildren();
    if (!model.get("expression") || !model.get("editable")) return;
    const label = el("label", { class: "bp-expression" });
    label.append(el("span", {}, msg("flow.expression")));
    const box = el("input", { type: "text", class: "bp-expression-text", value: text(), spellcheck: "false",
      "aria-label": msg("flow.expression.hint") });
    box.addEventListener("input", () => editExpression(box));
    label.append(box);
    exprRow.append(label);
  }

  // Central differences of the engine's forward pass, beside each input's gradient.
  check.addEventListener("click", () => {
    const graph = local ? local.graph : BP.graphFromSpec(model.get("spec"));
    if (!graph) return;
    const h = (model.get("spec") || {}).h || 1e-4;
    const grads = graph.backward();
    checks.replaceChildren();
    for (const id of graph.inputsOf()) {
      const at = (d) => { const g = graph.withInputs({ [id]: graph.nodes.get(id).const + d }); return g.forward(); };
      let estimate;
      try { estimate = (at(h) - at(-h)) / (2 * h); } catch (e) { estimate = NaN; }
      const item = el("li", { "data-input": id, "data-gradient": String(grads[id]), "data-estimate": String(estimate) },
        msg("flow.check.result", { output: graph.nodes.get(graph.output).label || "out", input: graph.nodes.get(id).label,
          gradient: BP.formatValue(grads[id]),
          estimate: Number.isFinite(estimate) ? estimate.toPrecision(6) : msg("flow.check.undefined") }));
      checks.append(item);
    }
  });

  const onFrames = () => {   // Python sent frames (a kernel answered): they replace ours
    local = null;
    phoneOfModel = null;
    show(Math.min(k, last()), false);
  };
  // A phone turned sideways (or a resized window) may need the other drawing.
  const observer = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(() => {
    if (errorText() || !stage.dataset.layout) return;
    if ((stage.dataset.layout === "phone") !== usePhone()) show(k, false);
  });
  if (observer) observer.observe(stage);
  const onStep = () => { if (model.get("step") !== k) show(model.get("step"), false); };
  model.on("change:frames", onFrames);
  model.on("change:error", onFrames);
  model.on("change:step", onStep);

  buildExpressionBox();
  buildInputs(currentValues());
  show(k, false);
  return () => { stop(); if (observer) observer.disconnect(); };
}

export default { render };
