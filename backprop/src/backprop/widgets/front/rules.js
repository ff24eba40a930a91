// The operation table's rules in the browser: a port of backprop.graph.rules and of the
// table's loading in backprop.graph.nodes (part of the widget's browser engine; uses the
// expression parser of expression.js, which reads the same subset of Python).
//
// OP_TABLE is graph/ops.json's "ops", written in front of the engine by
// backprop.widgets.bundle: the same rules Python compiles, evaluated here in the same
// order of floating-point operations. sum and prod go left to right from 0 and 1.

const RULE_FUNCTIONS = {
  exp: [1, Math.exp], log: [1, Math.log], tanh: [1, Math.tanh],
  max: [2, (a, b) => (a > b ? a : b)],
  step: [1, (a) => (a > 0 ? 1.0 : 0.0)],
};
const RULE_LIST_FUNCTIONS = { sum, prod };
const RULE_LISTS = ["xs", "others"];
const RULE_BINARY = { "+": (a, b) => a + b, "-": (a, b) => a - b, "*": (a, b) => a * b, "/": (a, b) => a / b };

// backprop.graph.rules.compile_rule: text -> function of an environment {name: value}.
function compileRule(text, names) {
  const refuse = (n) => {
    throw new Error(`rule '${text}': '${text.slice(n.start, n.end)}' is not part of the rule language`);
  };
  const build = (n) => {
    if (n.k === "num") { const v = n.value; return () => v; }
    if (n.k === "name" && names.has(n.id) && !RULE_LISTS.includes(n.id)) { const id = n.id; return (env) => env[id]; }
    if (n.k === "unary" && n.op === "-") { const inner = build(n.operand); return (env) => -inner(env); }
    if (n.k === "bin" && n.op in RULE_BINARY) {
      const op = RULE_BINARY[n.op], left = build(n.left), right = build(n.right);
      return (env) => op(left(env), right(env));
    }
    if (n.k === "call" && n.func.k === "name") {
      const name = n.func.id, args = n.args;
      if (name in RULE_LIST_FUNCTIONS && args.length === 1 && args[0].k === "name"
          && RULE_LISTS.includes(args[0].id) && names.has(args[0].id)) {
        const f = RULE_LIST_FUNCTIONS[name], which = args[0].id;
        return (env) => f(env[which]);
      }
      if (name in RULE_FUNCTIONS && args.length === RULE_FUNCTIONS[name][0]) {
        const f = RULE_FUNCTIONS[name][1], parts = args.map(build);
        if (parts.length === 1) { const [only] = parts; return (env) => f(only(env)); }
        const [first, second] = parts;
        return (env) => f(first(env), second(env));
      }
    }
    return refuse(n);
  };
  return build(parse(text));
}

// backprop.graph.nodes' domain checks: the inputs a forward rule refuses.
const RULE_DOMAINS = {
  nonzero: [(x) => x !== 0, (what) => msg("op.domain.nonzero", { what })],
  positive: [(x) => x > 0, (what, x) => msg("op.domain.positive", { what, value: pyRepr(x) })],
};

// backprop.graph.nodes._op_rule: one row of the table as {symbol, arity, forward, local, formula, showRule}.
function opRule(name, entry) {
  const arity = entry.arity;
  const slots = entry.inputs || (arity === 1 ? ["x"] : "xs");
  const names = new Set(["xs", "c", ...(arity === null ? [] : slots)]);
  const forwardRule = compileRule(entry.forward, names);
  const localNames = new Set([...names, "y", "others"]);
  const perSlot = Array.isArray(entry.local);
  const compiled = perSlot ? entry.local.map((r) => compileRule(r, localNames)) : compileRule(entry.local, localNames);
  const domain = entry.domain ? RULE_DOMAINS[entry.domain.check] : null;
  const env = (xs, c) => {
    const out = { xs, c };
    if (arity !== null) slots.forEach((s, k) => { out[s] = xs[k]; });
    return out;
  };
  return {
    symbol: entry.symbol,
    arity,
    showRule: !!entry.show_rule,
    forward(xs, c) {
      if (domain && !domain[0](xs[0])) throw new GraphError(domain[1](entry.domain.name, xs[0]));
      return forwardRule(env(xs, c));
    },
    local(xs, y, c) {
      const e = env(xs, c);
      e.y = y;
      if (perSlot) return compiled.map((rule) => rule(e));
      return xs.map((_, k) => { e.others = xs.slice(0, k).concat(xs.slice(k + 1)); return compiled(e); });
    },
    formula(k, n, c) {
      if (Array.isArray(entry.rule)) return msg(`op.${name}.rule.${k}`);
      if (n > 2 && "rule_many" in entry) return msg(`op.${name}.rule_many`);
      return msg(`op.${name}.rule`, { c: formatValue(c) });
    },
  };
}

// backprop.graph.nodes.OPS, compiled on first use (the parser it needs is defined further on).
let OPS_MEMO = null;
function ops() {
  if (OPS_MEMO === null) {
    OPS_MEMO = {};
    for (const [name, entry] of Object.entries(OP_TABLE)) OPS_MEMO[name] = opRule(name, entry);
  }
  return OPS_MEMO;
}
