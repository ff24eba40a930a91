// The graph model in the browser: a port of backprop.graph's nodes, model, steps and
// replay (part of the widget's browser engine; needs messages.js and numbers.js; the
// operations come from the table in graph/ops.json, compiled by rules.js).
//
// The static book has no Python, so when a reader edits an input the widget
// recomputes here: the same operations, the same order of floating-point
// operations (so the same values), the same steps and the same captions.
// tests/test_browser_engine.py checks that on hundreds of random expressions.

class GraphError extends Error {}

function prod(values) { let out = 1.0; for (const v of values) out *= v; return out; }
function sum(values) { let out = 0; for (const v of values) out += v; return out; }

const LEAF_OPS = ["input", "const"];
const isLeaf = (op) => op === "input" || op === "const";

function edgeId(src, dst, slot) { return `${src}->${dst === null ? "out" : dst}:${slot || 0}`; }

function symbolOf(node) {
  if (isLeaf(node.op)) return node.label;
  return ops()[node.op].symbol.replace("{c}", formatValue(node.const));
}

function finite(what, v) {
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new GraphError(msg("graph.input_not_finite", { what, value: v }));
  }
  return v;
}

class Graph {
  constructor(name = "graph", title = "") {
    this.name = name; this.title = title;
    this.nodes = new Map();            // id -> {id, op, inputs, label, const, pos}, insertion order
    this.output = null;
    this.counts = {};
    this.invalidate();
  }

  invalidate() {
    this.values = {}; this.grads = {}; this.nodeGrads = {}; this.local = {}; this.stepsMemo = null; this.planMemo = null;
  }

  newId(op, id) {
    if (id === undefined || id === null) {
      const n = this.counts[op] || 0;
      this.counts[op] = n + 1;
      id = `${op}${n}`;
    }
    if (this.nodes.has(id)) throw new GraphError(`node id '${id}' is used twice; give each node its own id`);
    return id;
  }

  add_(node) { this.nodes.set(node.id, node); this.invalidate(); return node.id; }
  input(label, value, id, pos) {
    return this.add_({ id: this.newId("input", id || label), op: "input", inputs: [], label, const: value, pos: pos || null });
  }
  constant(value, id, pos) {
    return this.add_({ id: this.newId("const", id), op: "const", inputs: [], label: formatValue(value), const: value, pos: pos || null });
  }
  op(op, inputs, c = null, id, label = "", pos) {
    if (!(op in ops())) throw new GraphError(`unknown operation '${op}'`);
    return this.add_({ id: this.newId(op, id), op, inputs: inputs.slice(), label, const: c, pos: pos || null });
  }
  setOutput(id) { this.output = id; this.invalidate(); return this; }

  inputsOf() { return [...this.nodes.values()].filter((n) => n.op === "input").map((n) => n.id); }

  order() {
    const done = []; const state = {};
    const visit = (nid, path) => {
      if (state[nid] === 2) return;
      if (state[nid] === 1) {
        const cyc = path.slice(path.indexOf(nid)).concat([nid]).join(" -> ");
        throw new GraphError(msg("graph.cycle", { cycle: cyc }));
      }
      state[nid] = 1;
      for (const src of this.nodes.get(nid).inputs) visit(src, path.concat([nid]));
      state[nid] = 2;
      done.push(nid);
    };
    for (const nid of this.nodes.keys()) visit(nid, []);
    return done;
  }

  // Every edge: by consumer (topological), then slot; the output edge last.
  edges() {
    const out = [];
    for (const nid of this.order()) {
      this.nodes.get(nid).inputs.forEach((src, k) => out.push({ src, dst: nid, slot: k, id: edgeId(src, nid, k) }));
    }
    if (this.output !== null) out.push({ src: this.output, dst: null, slot: 0, id: edgeId(this.output, null, 0) });
    return out;
  }

  forward() {
    if (this.output === null) throw new GraphError(msg("graph.no_output"));
    this.invalidate();
    for (const nid of this.order()) {
      const node = this.nodes.get(nid);
      let value;
      if (isLeaf(node.op)) value = finite(`input '${nid}'`, node.const);
      else value = ops()[node.op].forward(node.inputs.map((s) => this.values[s]), node.const);
      if (!Number.isFinite(value)) {
        throw new GraphError(msg("graph.not_finite", { node: pyStrRepr(nid), op: node.op, value: pyRepr(value) }));
      }
      this.values[nid] = value;
    }
    return this.values[this.output];
  }

  backward(dout = 1.0) {
    if (Object.keys(this.values).length === 0) this.forward();
    this.grads = {}; this.nodeGrads = {}; this.local = {};
    this.grads[edgeId(this.output, null, 0)] = dout;
    const upstream = {};
    for (const nid of this.nodes.keys()) upstream[nid] = 0.0;
    upstream[this.output] = dout;
    for (const nid of this.order().reverse()) {
      const node = this.nodes.get(nid);
      this.nodeGrads[nid] = upstream[nid];
      if (isLeaf(node.op)) continue;
      const xs = node.inputs.map((s) => this.values[s]);
      const local = ops()[node.op].local(xs, this.values[nid], node.const);
      this.local[nid] = local;
      node.inputs.forEach((src, k) => {
        const g = upstream[nid] * local[k];
        this.grads[edgeId(src, nid, k)] = g;
        upstream[src] += g;   // fan-out: gradients from every consumer add up
      });
    }
    const out = {};
    for (const nid of this.inputsOf()) out[nid] = this.nodeGrads[nid];
    return out;
  }

  // A copy whose inputs take new values (by input id); unnamed ones keep theirs.
  withInputs(values) {
    const g = new Graph(this.name, this.title);
    for (const [nid, n] of this.nodes) {
      g.nodes.set(nid, nid in values ? { ...n, const: finite(`input '${nid}'`, values[nid]) } : n);
    }
    g.output = this.output; g.counts = { ...this.counts };
    return g;
  }

  steps() {
    if (this.stepsMemo === null) this.stepsMemo = buildSteps(this);
    return this.stepsMemo;
  }
}

// The widget's wire format (backprop.widgets.gradient_flow.graph_spec) -> a Graph, evaluated.
function graphFromSpec(spec) {
  const g = new Graph(spec.name, spec.title);
  for (const n of spec.nodes) {
    g.nodes.set(n.id, { id: n.id, op: n.op, inputs: n.inputs.slice(), label: n.label,
      const: n.const === null ? null : Number(n.const), pos: n.pos });
  }
  g.output = spec.output;
  g.forward();
  g.backward();
  return g;
}

// backprop.graph.steps.edge_name: "the tax edge", "the edge from the exp node".
function edgeName(g, src) {
  const node = g.nodes.get(src);
  if (node.op === "const") return msg("edge.constant", { label: node.label });
  if (node.label) return msg("edge.named", { label: node.label });
  return msg("edge.node", { symbol: symbolOf(node) });
}

// backprop.graph.steps.build_steps: inputs, each op forward, the seed, each op backward.
function buildSteps(g) {
  if (Object.keys(g.values).length !== g.nodes.size) g.forward();
  if (Object.keys(g.grads).length === 0) g.backward();
  const order = g.order();
  const outEdges = {};
  for (const nid of order) outEdges[nid] = [];
  for (const e of g.edges()) outEdges[e.src].push(e);
  const steps = [];
  const push = (s) => steps.push({ index: steps.length, values: [], grads: [], local: [], localText: [], total: null, ...s });
  const fv = formatValue;
  const leaves = order.filter((nid) => isLeaf(g.nodes.get(nid).op));
  const leafEdges = leaves.flatMap((nid) => outEdges[nid]);
  const inputs = leaves.filter((n) => g.nodes.get(n).op === "input")
    .map((n) => msg("value.named", { name: g.nodes.get(n).label, value: fv(g.values[n]) }));
  push({ kind: "forward", node: null, edges: leafEdges.map((e) => e.id), values: leafEdges.map((e) => g.values[e.src]),
    caption: msg("step.inputs", { inputs: msgJoin(inputs) }) });
  for (const nid of order) {
    const node = g.nodes.get(nid);
    if (isLeaf(node.op)) continue;
    const key = outEdges[nid].length > 1 ? "step.forward.fanout" : "step.forward";
    push({ kind: "forward", node: nid, edges: outEdges[nid].map((e) => e.id), values: outEdges[nid].map(() => g.values[nid]),
      caption: msg(key, { symbol: symbolOf(node), value: fv(g.values[nid]), args: msgJoin(node.inputs.map((s) => fv(g.values[s]))) }) });
  }
  const outEdge = edgeId(g.output, null, 0);
  push({ kind: "seed", node: null, edges: [outEdge], grads: [g.grads[outEdge]],
    caption: msg("step.seed", { value: fv(g.grads[outEdge]) }) });
  for (const nid of order.slice().reverse()) {
    const node = g.nodes.get(nid);
    if (isLeaf(node.op)) continue;
    const edges = node.inputs.map((s, k) => edgeId(s, nid, k));
    const n = edges.length;
    const texts = edges.map((_, k) => ops()[node.op].formula(k, n, node.const));
    const outs = outEdges[nid];
    // A node that fans out first adds what its consumers sent: the sum is in the caption.
    const upstream = outs.length > 1 ? formatSum(outs.map((e) => g.grads[e.id]), g.nodeGrads[nid]) : fv(g.nodeGrads[nid]);
    const key = outs.length > 1 ? "step.backward.fanout" : "step.backward";
    const sends = node.inputs.map((src, k) => msg("step.send", { value: fv(g.grads[edges[k]]), edge: edgeName(g, src) }));
    push({ kind: "backward", node: nid, edges, grads: edges.map((e) => g.grads[e]), local: g.local[nid], localText: texts,
      caption: msg(key, { symbol: symbolOf(node), upstream, local: g.local[nid].map(fv).join("; "),
        sends: msgJoinAnd(sends) }) });
  }
  const output = outputSymbol(g);
  for (const nid of g.inputsOf()) {
    const outs = outEdges[nid];
    if (!outs.length) continue;
    const total = g.nodeGrads[nid];
    const name = g.nodes.get(nid).label;
    const caption = outs.length > 1
      ? msg("step.input.fork", { name, output, count: outs.length, sum: formatSum(outs.map((e) => g.grads[e.id]), total) })
      : msg("step.input", { name, output, value: fv(total) });
    push({ kind: "input", node: nid, edges: outs.map((e) => e.id), total, caption });
  }
  return steps;
}

// backprop.graph.steps.output_symbol: how a formula names the output (its label, else "out").
function outputSymbol(g) { return g.nodes.get(g.output).label || msg("output.symbol"); }

// backprop.graph.replay._local_label: the rule beside its value where the table says so.
function localLabel(op, rule, value) {
  return ops()[op].showRule ? msg("local.rule", { rule, value: formatValue(value) }) : msg("local.value", { value: formatValue(value) });
}

// backprop.graph.replay.state_after: what is visible after the first k steps (k null: all).
function stateAfter(g, k) {
  const steps = g.steps();
  if (k === null || k === undefined) k = steps.length;
  const values = {}; const grads = {}; const localText = {}; const totals = {};
  for (const step of steps.slice(0, k)) {
    step.edges.forEach((e, i) => { if (i < step.values.length) values[e] = step.values[i]; });
    step.edges.forEach((e, i) => { if (i < step.grads.length) grads[e] = step.grads[i]; });
    if (step.kind === "input") totals[step.node] = step.total;
    if (step.kind === "backward") {
      const op = g.nodes.get(step.node).op;
      localText[step.node] = [...new Set(step.localText.map((t, i) => localLabel(op, t, step.local[i])))].join(" / ");
    }
  }
  const last = k ? steps[k - 1] : null;
  return { values, grads, activeNode: last ? last.node : null, activeEdges: last ? last.edges : [], localText,
    caption: last ? last.caption : msg("replay.start"), totals };
}
