// "Your own expression" in the browser: a port of backprop.graph.expression
// (part of the widget's browser engine; needs messages.js, numbers.js, engine.js).
//
// Python reads the text with its `ast` module; here a small recursive-descent
// parser reads the same subset of Python's grammar (same precedence: ** binds
// tighter than a unary minus on its left, -x**2 is -(x**2)) into the same kind
// of tree, and the builder below is _Builder line by line, so that the same
// text gives the same nodes with the same ids in both languages.

// MAX_TEXT, MAX_NODES, FUNCTIONS and MODULES come from backprop.graph.expression (constants_source).
const NOT_VALUES = ["True", "False", "None"];

class ExpressionError extends GraphError {}

function pyStrRepr(s) {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  return q + s.replace(/\\/g, "\\\\").split(q).join("\\" + q) + q;
}

// what: the key of the problem in the catalogue ("expression.syntax.*"), with its blanks.
function syntaxError(what, pos, fields) {
  return new ExpressionError(msg("expression.syntax", { problem: msg(`expression.syntax.${what}`, fields), column: pos + 1 }));
}

function tokenize(text) {
  const out = [];
  const re = /\s+|(\d[\d_]*\.?[\d_]*(?:[eE][+-]?\d+)?[jJ]?|\.\d[\d_]*(?:[eE][+-]?\d+)?[jJ]?)|([A-Za-z_][A-Za-z0-9_]*)|(\*\*|\/\/|[-+*/%@().,~])/y;
  let i = 0;
  while (i < text.length) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) throw syntaxError("bad_character", i, { character: pyStrRepr(text[i]) });
    if (m[1] !== undefined) out.push({ t: "num", s: m[1], pos: i });
    else if (m[2] !== undefined) out.push({ t: "name", s: m[2], pos: i });
    else if (m[3] !== undefined) out.push({ t: "op", s: m[3], pos: i });
    i = re.lastIndex;
  }
  out.push({ t: "end", s: "", pos: text.length });
  return out;
}

// Nodes: {k: "num"|"name"|"unary"|"bin"|"call"|"attr", ..., start, end} (end exclusive, Python's
// source segment); `ostart`/`oend` include the parentheses around it, as Python's parent spans do.
function parse(text) {
  const toks = tokenize(text);
  let i = 0;
  const peek = () => toks[i];
  const isOp = (s) => toks[i].t === "op" && toks[i].s === s;
  const opens = [];
  const node = (n, start, end) => Object.assign(n, { start, end, ostart: start, oend: end });
  const expect = (s) => {
    if (isOp(s)) return toks[i++];
    if (s === ")" && opens.length) throw syntaxError("unclosed", opens[opens.length - 1]);
    throw unexpected(peek());
  };

  function unexpected(tok) {
    return tok.t === "end" ? syntaxError("ends_early", tok.pos) : syntaxError("unexpected", tok.pos, { token: pyStrRepr(tok.s) });
  }

  function atom() {
    const tok = peek();
    if (tok.t === "num") {
      i += 1;
      if (/[jJ]$/.test(tok.s)) return node({ k: "other" }, tok.pos, tok.pos + tok.s.length);
      if (/_$|__|_\.|\._|_[eE]/.test(tok.s)) throw syntaxError("bad_number", tok.pos, { number: pyStrRepr(tok.s) });
      const value = Number(tok.s.replace(/_/g, ""));
      if (/^0\d/.test(tok.s) && !/[.eE]/.test(tok.s) && /[1-9]/.test(tok.s)) {
        throw syntaxError("leading_zeros", tok.pos);
      }
      return node({ k: "num", value }, tok.pos, tok.pos + tok.s.length);
    }
    if (tok.t === "name") {
      i += 1;
      return node(NOT_VALUES.includes(tok.s) ? { k: "other" } : { k: "name", id: tok.s }, tok.pos, tok.pos + tok.s.length);
    }
    if (isOp("(")) {
      i += 1;
      opens.push(tok.pos);
      if (isOp(")")) throw syntaxError("empty_parentheses", tok.pos);
      const inner = expr();
      const close = expect(")");
      opens.pop();
      inner.ostart = tok.pos; inner.oend = close.pos + 1;
      return inner;
    }
    if (isOp(")")) throw syntaxError("unmatched", tok.pos);
    throw unexpected(tok);
  }

  function primary() {
    let n = atom();
    for (;;) {
      if (isOp(".")) {
        i += 1;
        const name = peek();
        if (name.t !== "name") throw syntaxError("attribute", name.pos);
        i += 1;
        n = node({ k: "attr", value: n, attr: name.s }, n.ostart, name.pos + name.s.length);
      } else if (isOp("(")) {
        const open = toks[i++];
        opens.push(open.pos);
        const args = [];
        while (!isOp(")")) {
          args.push(expr());
          if (!isOp(",")) break;
          i += 1;
        }
        const close = expect(")");
        opens.pop();
        n = node({ k: "call", func: n, args }, n.ostart, close.pos + 1);
      } else {
        return n;
      }
    }
  }

  function power() {
    const base = primary();
    if (!isOp("**")) return base;
    i += 1;
    const exponent = factor();
    return node({ k: "bin", op: "**", left: base, right: exponent }, base.ostart, exponent.oend);
  }

  function factor() {
    if (isOp("-") || isOp("+") || isOp("~")) {
      const tok = toks[i++];
      const operand = factor();
      return node({ k: tok.s === "~" ? "other" : "unary", op: tok.s, operand }, tok.pos, operand.oend);
    }
    return power();
  }

  function binary(next, ops) {
    return () => {
      let left = next();
      while (peek().t === "op" && ops.includes(peek().s)) {
        const op = toks[i++].s;
        const right = next();
        left = node({ k: "bin", op, left, right }, left.ostart, right.oend);
      }
      return left;
    };
  }
  const term = binary(factor, ["*", "/", "//", "%", "@"]);
  const expr = binary(term, ["+", "-"]);

  const tree = expr();
  if (peek().t !== "end") {
    if (isOp(")")) throw syntaxError("unmatched", peek().pos);
    throw unexpected(peek());
  }
  return tree;
}

// backprop.graph.expression._Builder, step for step (the order of visits fixes the node ids).
function buildExpression(text, inputs, g) {
  const used = {};
  const where = (n) => pyStrRepr(text.slice(n.start, n.end));
  const constValue = (n) => {
    if (n.k === "num") return n.value;
    if (n.k === "unary" && (n.op === "-" || n.op === "+")) {
      const inner = constValue(n.operand);
      if (inner !== null) return n.op === "-" ? -inner : inner;
    }
    return null;
  };

  function visit(n) {
    if (g.nodes.size > MAX_NODES) {
      throw new ExpressionError(msg("expression.too_many_nodes", { limit: MAX_NODES }));
    }
    if (n.k === "name") return name(n);
    const c = constValue(n);
    if (c !== null) return g.constant(finite("constant", c));
    if (n.k === "unary" && n.op === "-") return g.op("scale", [visit(n.operand)], -1.0);
    if (n.k === "unary" && n.op === "+") return visit(n.operand);
    if (n.k === "bin") return binop(n);
    if (n.k === "call") return call(n);
    throw new ExpressionError(msg("expression.not_allowed", { part: where(n), functions: FUNCTIONS.map((f) => f + "()").join(", ") }));
  }

  function name(n) {
    if (!(n.id in inputs)) {
      throw new ExpressionError(msg("expression.no_value", { name: pyStrRepr(n.id), bare_name: n.id }));
    }
    if (!(n.id in used)) used[n.id] = g.input(n.id, finite(`input ${pyStrRepr(n.id)}`, inputs[n.id]));
    return used[n.id];
  }

  function binop(n) {
    const { op, left, right } = n;
    const lc = constValue(left), rc = constValue(right);
    if (lc !== null && rc !== null) throw new ExpressionError(msg("expression.only_numbers", { part: where(n) }));
    if (op === "**") {
      if (rc === 2) return g.op("square", [visit(left)]);
      if (rc === -1) return g.op("reciprocal", [visit(left)]);
      throw new ExpressionError(msg("expression.power", { part: where(n) }));
    }
    if (op === "+") return g.op("add", [visit(left), visit(right)]);
    if (op === "-") {
      if (rc !== null) { const l = visit(left); return g.op("add", [l, g.constant(-rc)]); }
      const l = visit(left);
      return g.op("add", [l, g.op("scale", [visit(right)], -1.0)]);
    }
    if (op === "*") {
      if (lc !== null) return g.op("scale", [visit(right)], lc);
      if (rc !== null) return g.op("scale", [visit(left)], rc);
      const l = visit(left);
      return g.op("mul", [l, visit(right)]);
    }
    if (op === "/") {
      if (rc !== null) {
        if (rc === 0) throw new ExpressionError(msg("expression.divides_by_zero", { part: where(n) }));
        return g.op("scale", [visit(left)], 1.0 / rc);
      }
      const inv = g.op("reciprocal", [visit(right)]);
      if (lc === 1) return inv;
      if (lc !== null) return g.op("scale", [inv], lc);
      return g.op("mul", [visit(left), inv]);
    }
    throw new ExpressionError(msg("expression.operator", { part: where(n) }));
  }

  function call(n) {
    const f = n.func;
    let fname = null;
    if (f.k === "name") fname = f.id;
    else if (f.k === "attr" && f.value.k === "name" && MODULES.includes(f.value.id)) fname = f.attr;
    if (!FUNCTIONS.includes(fname) || n.args.length !== 1) {
      throw new ExpressionError(msg("expression.function", { part: where(n), functions: FUNCTIONS.map((x) => x + "(x)").join(", ") }));
    }
    return g.op(fname, [visit(n.args[0])]);
  }

  return { out: visit(parse(text)), used };
}

// backprop.graph.expression.expression_graph: text and {name: value} -> an evaluated Graph.
function expressionGraph(text, inputs) {
  if (typeof text !== "string") throw new TypeError("text must be a string such as 'x * y + 1'");
  if (!text.trim()) throw new ExpressionError(msg("expression.empty"));
  if (text.length > MAX_TEXT) throw new ExpressionError(msg("expression.too_long", { length: text.length, limit: MAX_TEXT }));
  const t = text.trim();
  const g = new Graph("expression", t);
  const { out, used } = buildExpression(t, inputs, g);
  if (isLeaf(g.nodes.get(out).op)) {
    throw new ExpressionError(msg("expression.no_operation", { functions: FUNCTIONS.join(", ") }));
  }
  const unused = Object.keys(inputs).filter((k) => !(k in used)).sort();
  if (unused.length) {
    throw new ExpressionError(msg("expression.unused", { names: `[${unused.map(pyStrRepr).join(", ")}]`, text: pyStrRepr(t) }));
  }
  // The output edge is named in the figure: f, as the book writes it (out if f is an input).
  g.nodes.set(out, { ...g.nodes.get(out), label: "f" in inputs ? "out" : "f" });
  g.setOutput(out);
  g.forward();
  g.backward();
  return g;
}

// The input names a text uses, in order of first use: every name that is not
// called as a function or used as a module (the widget gives each a number box).
function expressionNames(text) {
  let toks;
  try { toks = tokenize(text); } catch (e) { return []; }
  const names = [];
  toks.forEach((tok, j) => {
    if (tok.t !== "name" || NOT_VALUES.includes(tok.s)) return;
    const next = toks[j + 1], prev = toks[j - 1];
    if (next && next.t === "op" && (next.s === "(" || next.s === ".")) return;
    if (prev && prev.t === "op" && prev.s === ".") return;
    if (!names.includes(tok.s)) names.push(tok.s);
  });
  return names;
}

// The engine's public face (the widget's front-end and the tests use it).
const BP = { Graph, GraphError, ExpressionError, graphFromSpec, expressionGraph, expressionNames, buildSteps,
  stateAfter, plan, problems, grid, upright, withHints, phoneLayout, phoneGraph, toSvg, framesOf, formatValue, formatSum,
  pyFixed, pyG, pyRepr, ops, msg, PHONE_UNITS, PHONE_MIN_TEXT_PX };
