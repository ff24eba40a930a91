// Numbers written exactly as Python writes them (part of the widget's browser engine).
//
// The browser engine must draw the same SVG and say the same captions as
// backprop.figures.svg and backprop.graph, so every number goes through these
// ports of Python's formatting: f"{v:.4g}" (format_value), f"{x:.1f}" (SVG
// coordinates), f"{x:g}" and repr(x) (error messages). JavaScript's toFixed and
// toPrecision round a tie away from zero; Python rounds the exact binary value
// half to even, so the digits are taken exactly and rounded here.

// The exact decimal expansion of a finite a >= 0: [integer digits, fraction digits].
// A double is m·2^e; for e < 0 that is m·5^(-e) / 10^(-e), so its digits are exact integers.
function exactDecimal(a) {
  if (a === 0) return ["0", ""];
  if (a >= 1e-6 && a < 1e21) {   // fast and exact: such a double has at most 72 fraction digits
    const text = a.toFixed(100);
    const dot = text.indexOf(".");
    return [text.slice(0, dot), text.slice(dot + 1).replace(/0+$/, "")];
  }
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, a);
  const hi = view.getUint32(0), lo = view.getUint32(4);
  const bits = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e = -1074;                                  // subnormal (and zero)
  if (bits !== 0) { m |= 1n << 52n; e = bits - 1075; }
  if (e >= 0) return [(m << BigInt(e)).toString(), ""];
  const digits = (m * 5n ** BigInt(-e)).toString().padStart(-e + 1, "0");
  const cut = digits.length + e;
  return [digits.slice(0, cut), digits.slice(cut).replace(/0+$/, "")];
}

// Round the digit string `digits` (no point) to its first `keep` digits, half to even.
// Returns [rounded digits of length keep (or keep + 1 after a carry), carried?].
function roundDigits(digits, keep) {
  if (digits.length <= keep) return [digits.padEnd(keep, "0"), false];
  const head = digits.slice(0, keep);
  const next = digits.charCodeAt(keep) - 48;
  const rest = /[1-9]/.test(digits.slice(keep + 1));
  const lastOdd = keep > 0 && (head.charCodeAt(keep - 1) - 48) % 2 === 1;
  const up = next > 5 || (next === 5 && (rest || lastOdd));
  if (!up) return [head, false];
  const arr = head.split("").map(Number);
  let i = arr.length - 1;
  while (i >= 0 && arr[i] === 9) { arr[i] = 0; i -= 1; }
  if (i < 0) return ["1" + arr.join(""), true];
  arr[i] += 1;
  return [arr.join(""), false];
}

function signOf(x) { return x < 0 || Object.is(x, -0) ? "-" : ""; }

// f"{x:.{n}f}"
function pyFixed(x, n) {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : (x > 0 ? "inf" : "-inf");
  const [ip, fp] = exactDecimal(Math.abs(x));
  const [r] = roundDigits(ip + fp, ip.length + n);
  const cut = r.length - n;
  const whole = r.slice(0, cut).replace(/^0+(?=\d)/, "");
  return signOf(x) + (whole || "0") + (n > 0 ? "." + r.slice(cut) : "");
}

// f"{x:.{p}g}" (p >= 1)
function pyG(x, p) {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : (x > 0 ? "inf" : "-inf");
  if (x === 0) return signOf(x) + "0";
  const [ip, fp] = exactDecimal(Math.abs(x));
  const all = ip + fp;
  const first = all.search(/[1-9]/);
  let exp = ip.length - 1 - first;       // decimal exponent of the first significant digit
  let [digits, carried] = roundDigits(all.slice(first), p);
  if (carried) { exp += 1; digits = digits.slice(0, p); }
  let body;
  if (exp >= -4 && exp < p) {
    if (exp >= 0) body = digits.slice(0, exp + 1) + "." + digits.slice(exp + 1);
    else body = "0." + "0".repeat(-exp - 1) + digits;
    if (body.includes(".")) body = body.replace(/0+$/, "").replace(/\.$/, "");
  } else {
    let mant = digits[0] + (digits.length > 1 ? "." + digits.slice(1) : "");
    if (mant.includes(".")) mant = mant.replace(/0+$/, "").replace(/\.$/, "");
    body = `${mant}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  return signOf(x) + body;
}

// repr(float(x)): the shortest digits that round-trip, laid out as Python does.
function pyRepr(x) {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : (x > 0 ? "inf" : "-inf");
  if (x === 0) return signOf(x) + "0.0";
  const [mant, e] = Math.abs(x).toExponential().split("e");
  const exp = Number(e);
  const digits = mant.replace(".", "");
  let body;
  if (exp >= -4 && exp < 16) {
    if (exp >= 0) {
      const int = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
      body = int + "." + (digits.slice(exp + 1) || "0");
    } else {
      body = "0." + "0".repeat(-exp - 1) + digits;
    }
  } else {
    body = `${mant}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  return signOf(x) + body;
}

// backprop.graph.nodes.format_value: 220.00000000000003 -> "220".
function formatValue(v) {
  if (v === null || v === undefined) return "";
  if (!Number.isFinite(v)) return pyRepr(v);
  const text = pyG(v, 4);
  return text === "-0" ? "0" : text;
}

// backprop.graph.nodes.format_sum: [5, 1], 6 -> "5 + 1 = 6"; a negative term after the first is subtracted.
function formatSum(terms, total) {
  const parts = terms.map((term, k) => {
    const text = formatValue(term);
    if (k === 0) return text;
    return text.startsWith("-") ? `\u2212 ${text.slice(1)}` : `+ ${text}`;
  });
  return `${parts.join(" ")} = ${formatValue(total)}`;
}
