// Where a figure's lines and labels go, what a reader would trip over, and a phone's drawing:
// a port of backprop.figures.layout and backprop.figures.phone (part of the widget's browser
// engine; needs grid.js). Constants (OUT_LEN, LABEL_T, SPREADS, SPREAD_PROBLEM, LABEL_GAP,
// LABEL_LIFT, LIFT_COST, LINE_COST, PARALLEL, GAP, LOCAL_SIDES, LOCAL_RINGS, LOCAL_LINE_COST,
// WIDEN_COST, NAME_SIDES, PHONE_ACROSS, PHONE_DOWN, PROBLEM_UNITS) come from those modules
// through backprop.widgets.bundle.constants_source.

class EdgeGeo {
  constructor(edge, x0, y0, x1, y1, ux, uy, nx, ny) {
    Object.assign(this, { edge, x0, y0, x1, y1, ux, uy, nx, ny });
  }
  at(t) { return [this.x0 + t * (this.x1 - this.x0), this.y0 + t * (this.y1 - this.y0)]; }
  valueBox(t, text, lift = 0.0) {
    const [mx, my] = this.at(t);
    const d = LABEL_GAP[0] + lift;
    return textBox(mx + this.nx * d, my + this.ny * d, this.nx, this.ny, text, FONT);
  }
  gradBox(t, text, lift = 0.0) {
    const [mx, my] = this.at(t);
    const d = LABEL_GAP[1] + lift;
    return textBox(mx - this.nx * d, my - this.ny * d, -this.nx, -this.ny, text, FONT, true);
  }
  clipLength(box) {
    const dx = this.x1 - this.x0, dy = this.y1 - this.y0;
    const r = clipRange(this.x0, this.y0, dx, dy, box);
    return r === null ? 0.0 : Math.max(0.0, r[1] - r[0]) * hypot(dx, dy);
  }
}

function above(ux, uy) {
  let nx = uy, ny = -ux;
  if (ny > 1e-9 || (Math.abs(ny) <= 1e-9 && nx > 0)) { nx = -nx; ny = -ny; }
  return [nx, ny];
}

function geometry(g, pos, edges, down) {
  const pairs = new Map();
  for (const e of edges) {
    const k = `${e.src}\u0000${e.dst}`;
    if (!pairs.has(k)) pairs.set(k, []);
    pairs.get(k).push(e);
  }
  return edges.map((e) => {
    const [sx, sy] = pos[e.src];
    const leaf = isLeaf(g.nodes.get(e.src).op);
    let x0, y0, x1, y1;
    if (e.dst === null) {
      const [ox, oy] = down ? [0.0, 1.0] : [1.0, 0.0];
      const start = leaf ? 0.0 : R;
      const length = OUT_LEN * (down ? RY / CX : 1.0);
      [x0, y0, x1, y1] = [sx + ox * start, sy + oy * start, sx + ox * (start + length), sy + oy * (start + length)];
    } else {
      const [tx, ty] = pos[e.dst];
      const d = hypot(tx - sx, ty - sy) || 1.0;
      const ux = (tx - sx) / d, uy = (ty - sy) / d;
      const twins = pairs.get(`${e.src}\u0000${e.dst}`);
      const o = (twins.indexOf(e) - (twins.length - 1) / 2) * PARALLEL;
      const [nx, ny] = above(ux, uy);
      const along = Math.sqrt(Math.max(R * R - o * o, 0.0));
      [x0, y0] = leaf ? [sx + nx * o, sy + ny * o] : [sx + nx * o + ux * along, sy + ny * o + uy * along];
      [x1, y1] = [tx + nx * o - ux * along, ty + ny * o - uy * along];
    }
    const d = hypot(x1 - x0, y1 - y0) || 1.0;
    const ux = (x1 - x0) / d, uy = (y1 - y0) / d;
    const [nx, ny] = above(ux, uy);
    return new EdgeGeo(e, x0, y0, x1, y1, ux, uy, nx, ny);
  });
}

function overlap(a, b, margin = MARGIN) {
  const w = (a[2] < b[2] ? a[2] : b[2]) - (a[0] > b[0] ? a[0] : b[0]) + 2 * margin;
  if (w <= 0) return 0.0;
  const h = (a[3] < b[3] ? a[3] : b[3]) - (a[1] > b[1] ? a[1] : b[1]) + 2 * margin;
  return h > 0 ? w * h : 0.0;
}

function onCircle(box, [x, y], margin = MARGIN) {
  const dx = Math.max(box[0] - x, 0.0, x - box[2]);
  const dy = Math.max(box[1] - y, 0.0, y - box[3]);
  const inside = R + margin - hypot(dx, dy);
  return inside > 0 ? inside * R : 0.0;
}

function leafLabelSide(geos) {
  let ux = 0, uy = 0;
  for (const e of geos) ux += e.ux;
  for (const e of geos) uy += e.uy;
  ux /= geos.length; uy /= geos.length;
  if (ux > 0.3) return [-1.0, 0.0];
  const d = hypot(ux, uy) || 1.0;
  return [-ux / d, -uy / d];
}

function localBox(x, y, [nx, ny, dist], text) {
  return textBox(x + nx * dist, y + ny * dist, nx, ny, text, SMALL, true);
}

function cost(box, taken, circles, spans, lineCost = LINE_COST) {
  let labels = 0, nodes = 0, clip = 0;   // three sums, added up as Python adds them
  for (const o of taken) labels += overlap(box, o);
  for (const o of circles) nodes += onCircle(box, o);
  for (const [e, span] of spans) if (overlap(box, span, 1.0)) clip += e.clipLength(box);
  return labels + nodes + lineCost * clip;
}

// backprop.figures.layout._cheapest: the first of the boxes that is (nearly) free, else the one that costs least.
function cheapest(boxes, taken, circles, spans) {
  let best = null;
  for (const box of boxes) {
    const c = cost(box, taken, circles, spans);
    if (best === null || c < best[0] - 1e-9) best = [c, box];
    if (c < 1) break;
  }
  return best[1];
}

// backprop.figures.layout._narrowest_free: of the (nearly) free boxes, the one that widens
// the drawing least (the first of equals), or null.
function narrowestFree(boxes, taken, circles, spans) {
  const xs = [];
  for (const b of taken) xs.push(b[0], b[2]);
  for (const [x] of circles) xs.push(x - R, x + R);
  for (const [, span] of spans) xs.push(span[0], span[2]);
  if (!xs.length) return null;
  const left = Math.min(...xs), right = Math.max(...xs);
  let best = null;
  for (const box of boxes) {
    if (cost(box, taken, circles, spans) >= 1) continue;
    const width = Math.max(left, right, box[2]) - Math.min(left, right, box[0]);
    if (best === null || width < best[0]) best = [width, box];
  }
  return best === null ? null : best[1];
}

function bounds(boxes) {
  return [Math.min(...boxes.map((b) => b[0])), Math.min(...boxes.map((b) => b[1])) - 3,
    Math.max(...boxes.map((b) => b[2])), Math.max(...boxes.map((b) => b[3])) + 3];
}

// backprop.figures.layout.plan (no edge labels, no node names: the widget draws neither).
// Memoized on the graph: the widget draws every step of one graph.
function plan(g) {
  if (g.planMemo) return g.planMemo;
  const full = stateAfter(g, null);
  const base = positions(g);
  const down = flowsDown(g, base);
  let best = null;
  let trouble = null;
  for (const spread of SPREADS) {
    const pos = {};
    for (const [nid, [x, y]] of Object.entries(base)) pos[nid] = [x * (down ? 1.0 : spread), y * spread];
    for (const narrowSums of [true, false]) {
      const candidate = planAt(g, pos, full, narrowSums);
      trouble = problems(g, candidate, GAP, false).length;
      const size = down ? candidate.box[3] - candidate.box[1] : candidate.box[2] - candidate.box[0];
      const score = size + SPREAD_PROBLEM * trouble;
      if (best === null || score < best[0] - 1e-9) best = [score, candidate];
      if (trouble === 0 || !candidate.labels.some((lab) => lab.kind === "sum")) break;
    }
    if (trouble === 0) break;
  }
  g.planMemo = best[1];
  return best[1];
}

// narrowSums: a fork's sum goes to the free spot that widens the drawing least (else the first free).
function planAt(g, pos, full, narrowSums = true) {
  const down = flowsDown(g, pos);
  const geo = geometry(g, pos, g.edges(), down);
  const circles = Object.keys(pos).filter((nid) => !isLeaf(g.nodes.get(nid).op)).map((nid) => pos[nid]);
  const spans = geo.map((e) => [e, [Math.min(e.x0, e.x1), Math.min(e.y0, e.y1), Math.max(e.x0, e.x1), Math.max(e.y0, e.y1)]]);
  const placed = [];
  const taken = [];
  const put = (kind, key, text, box) => { placed.push({ kind, key, text, box }); taken.push(box); };
  const bySrc = new Map();
  for (const e of geo) {
    if (!bySrc.has(e.edge.src)) bySrc.set(e.edge.src, []);
    bySrc.get(e.edge.src).push(e);
  }
  for (const nid of g.order()) {
    const node = g.nodes.get(nid);
    const outs = (bySrc.get(nid) || []).filter((e) => e.edge.dst !== null);
    if (node.op === "const") {
      for (const e of outs) {
        const text = formatValue(node.const);
        put("const", e.edge.id, text, textBox(e.x0 - e.ux * 5, e.y0 - e.uy * 5, -e.ux, -e.uy, text, FONT));
      }
    } else if (node.op === "input" && outs.length) {
      const [x, y] = pos[nid];
      const sides = [leafLabelSide(outs), ...NAME_SIDES];
      put("input", nid, node.label, cheapest(
        sides.map(([lx, ly]) => textBox(x + lx * 5, y + ly * 5, lx, ly, node.label, FONT)), taken, circles, spans));
    }
  }
  const outGeo = geo.find((e) => e.edge.dst === null);
  const outNode = g.nodes.get(g.output);
  if (outNode.label) {
    const [ox, oy] = down ? [0.0, 1.0] : [1.0, 0.0];
    put("output", g.output, outNode.label, textBox(outGeo.x1 + ox * 5, outGeo.y1 + oy * 5, ox, oy, outNode.label, FONT));
  }
  for (const nid of g.inputsOf()) {
    const outs = bySrc.get(nid) || [];
    if (outs.length < 2 || !(nid in full.totals)) continue;
    const text = formatSum(outs.map((e) => full.grads[e.edge.id]), full.totals[nid]);
    const name = placed.find((lab) => lab.kind === "input" && lab.key === nid).box;
    const w = textWidth(text, FONT, true), h = 0.75 * FONT;
    const cx = (name[0] + name[2]) / 2;
    const gap = 2 * MARGIN + 1;
    const spots = [[name[2] - w, name[3] + gap], [name[2] - w, name[1] - gap - h], [cx - w / 2, name[3] + gap],
      [cx - w / 2, name[1] - gap - h], [name[0] - gap - w, name[1]],
      [name[2] - w, name[3] + 2 * gap + h], [name[2] - w, name[1] - 2 * (gap + h)],
      [name[0], name[3] + gap], [name[0], name[1] - gap - h]];
    const boxes = spots.map(([x0, y0]) => [x0, y0, x0 + w, y0 + h]);
    put("sum", nid, text, (narrowSums ? narrowestFree(boxes, taken, circles, spans) : null)
      || cheapest(boxes, taken, circles, spans));
  }
  const fixed = taken.slice();
  const len = (e) => Math.floor(hypot(e.x1 - e.x0, e.y1 - e.y0) * 1000);   // whole thousandths: no rounding ties
  const todo = geo.slice().sort((a, b) => len(a) - len(b) || (a.edge.id < b.edge.id ? -1 : a.edge.id > b.edge.id ? 1 : 0))
    .filter((e) => g.nodes.get(e.edge.src).op !== "const");
  const texts = {};
  for (const e of todo) texts[e.edge.id] = [formatValue(full.values[e.edge.id]), formatValue(full.grads[e.edge.id])];
  const chosen = new Map();
  const bestSpot = (e, against) => {
    const [v, d] = texts[e.edge.id];
    const reach = Math.max(textWidth(v, FONT), textWidth(d, FONT, true)) + FONT;
    const region = [Math.min(e.x0, e.x1) - reach, Math.min(e.y0, e.y1) - reach,
      Math.max(e.x0, e.x1) + reach, Math.max(e.y0, e.y1) + reach];
    const near = against.filter((o) => overlap(o, region, 0.0));
    const nearCircles = circles.filter((c) => region[0] - R <= c[0] && c[0] <= region[2] + R
      && region[1] - R <= c[1] && c[1] <= region[3] + R);
    const lines = spans.filter(([other, ob]) => other !== e && overlap(ob, region, 1.0));
    let best = null;
    for (const lift of LABEL_LIFT) {
      for (const t of LABEL_T) {
        const pair = [e.valueBox(t, v, lift), e.gradBox(t, d, lift)];
        let c = 0;
        for (const b of pair) c += cost(b, near, nearCircles, lines);
        c += Math.abs(t - 0.5) + LIFT_COST * lift;
        if (best === null || c < best[0] - 1e-9) best = [c, t, pair];
        if (c < 1) break;
      }
      if (best[0] < 1) break;
    }
    return best;
  };
  for (const e of todo) chosen.set(e.edge.id, bestSpot(e, fixed.concat([...chosen.values()].flatMap((c) => c[2]))));
  for (const e of todo) {
    if (chosen.get(e.edge.id)[0] >= 1) {
      const others = fixed.concat([...chosen].filter(([eid]) => eid !== e.edge.id).flatMap(([, c]) => c[2]));
      chosen.set(e.edge.id, bestSpot(e, others));
    }
  }
  for (const e of todo) {
    const [, , [vbox, gbox]] = chosen.get(e.edge.id);
    const [v, d] = texts[e.edge.id];
    put("value", e.edge.id, v, vbox);
    put("grad", e.edge.id, d, gbox);
  }
  const localSide = {};
  const circleBoxes = circles.map(([x, y]) => [x - R, y - R, x + R, y + R]);
  const spanBoxes = spans.map(([, s]) => s);
  const around = bounds(placed.map((lab) => lab.box).concat(circleBoxes, spanBoxes));
  for (const [nid, text] of Object.entries(full.localText)) {
    const [x, y] = pos[nid];
    const reach = LOCAL_RINGS[LOCAL_RINGS.length - 1] + textWidth(text, SMALL, true) + 2 * MARGIN;
    const region = [x - reach, y - reach, x + reach, y + reach];
    const near = taken.filter((o) => overlap(o, region, 0.0));
    const others = circles.filter((c) => !(c[0] === x && c[1] === y) && onCircle(region, c, 0.0));
    const lines = spans.filter(([, span]) => overlap(span, region, 1.0));
    let best = null;
    for (const dist of LOCAL_RINGS) {
      for (const [nx, ny] of LOCAL_SIDES) {
        const side = [nx, ny, dist];
        const b = localBox(x, y, side, text);
        let c = cost(b, near, others, lines, LOCAL_LINE_COST);
        if (down) c += WIDEN_COST * (Math.max(0.0, around[0] - b[0]) + Math.max(0.0, b[2] - around[2]));
        if (best === null || c < best[0] - 1e-9) best = [c, side, b];
        if (c < 1) break;
      }
      if (best[0] < 1) break;
    }
    localSide[nid] = best[1];
    placed.push({ kind: "local", key: nid, text, box: best[2] });
  }
  const shapes = circleBoxes.concat(spanBoxes);
  const box = bounds(placed.map((lab) => lab.box).concat(shapes));
  const still = bounds(placed.filter((lab) => lab.kind !== "local").map((lab) => lab.box).concat(shapes));
  const index = new Map(placed.map((lab) => [`${lab.kind}|${lab.key}`, lab]));
  return { pos, geo, full, localSide, box, labels: placed, down, stillBox: still,
    label: (kind, key) => index.get(`${kind}|${key}`) || null };
}

// backprop.figures.layout.problems: every place where the figure is hard to read.
function problems(g, p, gap = GAP, local = true) {
  const out = [];
  const circles = Object.keys(p.pos).filter((nid) => !isLeaf(g.nodes.get(nid).op)).map((nid) => [nid, p.pos[nid]]);
  const fixed = p.labels.filter((lab) => lab.kind !== "local");
  (local ? p.labels : fixed).forEach((a, i) => {
    for (const b of (a.kind !== "local" ? fixed.slice(0, i) : fixed)) {
      if (overlap(a.box, b.box, gap / 2)) out.push(`${a.kind} ${pyStrRepr(a.text)} of ${a.key} touches ${b.kind} ${pyStrRepr(b.text)} of ${b.key}`);
    }
    for (const [nid, c] of circles) {
      if (a.kind === "local" && a.key === nid) continue;
      if (onCircle(a.box, c, gap)) out.push(`${a.kind} ${pyStrRepr(a.text)} of ${a.key} touches node ${nid}`);
    }
    const inner = [a.box[0] + 0.5, a.box[1] + 0.5, a.box[2] - 0.5, a.box[3] - 0.5];
    for (const e of p.geo) if (e.clipLength(inner) > 0) out.push(`${a.kind} ${pyStrRepr(a.text)} of ${a.key} lies under edge ${e.edge.id}`);
  });
  for (const e of p.geo) {
    for (const [nid, [x, y]] of circles) {
      if (nid === e.edge.src || nid === e.edge.dst) continue;
      if (segmentDistance(x, y, e.x0, e.y0, e.x1, e.y1) < R + gap) out.push(`edge ${e.edge.id} runs through node ${nid}`);
    }
  }
  return out;
}

// backprop.figures.phone.phone_layout and phone_graph: the graph top to bottom for a narrow screen.
function phoneLayout(g, maxWidth) {
  let best = null;
  const full = stateAfter(g, null);
  for (const down of PHONE_DOWN) {
    for (const across of PHONE_ACROSS) {
      const twin = upright(g, across, down);
      const p = planAt(twin, positions(twin), full);
      const width = p.box[2] - p.box[0];
      const trouble = problems(twin, p).length;
      if (width <= maxWidth && trouble === 0) return [across, down];
      const score = trouble * PROBLEM_UNITS + Math.max(0.0, width - maxWidth);
      if (best === null || score < best[0] - 1e-9) best = [score, [across, down]];
    }
  }
  return best[1];
}

function phoneGraph(g, maxWidth) {
  const twin = upright(g, ...phoneLayout(g, maxWidth));
  const hints = {};
  for (const [nid, [x, y]] of Object.entries(plan(twin).pos)) hints[nid] = [x / CX, y / RY];
  return withHints(twin, hints);
}
