// Typesets the book's TeX while it builds (booktools/static_math.py starts this with node).
//
//   node static_math.js MATHJAX_ES5_DIR FONT_URL
//
// One request per line on stdin, one answer per line on stdout, both JSON:
//   {"tex": "...", "display": true}   ->  {"html": "<mjx-container ...>"} or {"error": "..."}
//   {"stylesheet": true}              ->  {"css": "..."}: the CHTML rules of every glyph typeset so far
// MathJax 3's own components (the npm package the book pins) do the work: TeX input with
// its standard packages (others load on demand), CHTML output, and the assistive MathML
// that screen readers read.
"use strict";
const readline = require("readline");
const [mathjaxDir, fontURL] = process.argv.slice(2);

require(mathjaxDir + "/node-main.js").init({
  loader: { paths: { mathjax: mathjaxDir }, load: ["input/tex", "output/chtml", "a11y/assistive-mml"] },
  tex: {
    // a TeX error, an unknown macro too, fails the build with its message instead of a
    // red box on the page
    packages: { "[-]": ["noundefined"] },
    formatError: (jax, err) => { throw err; },
  },
  chtml: { fontURL, adaptiveCSS: true },
  startup: { typeset: false },
}).then((MathJax) => {
  const adaptor = MathJax.startup.adaptor;
  const answer = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
  const lines = readline.createInterface({ input: process.stdin, terminal: false });
  let queue = Promise.resolve();
  lines.on("line", (line) => {
    queue = queue.then(async () => {
      let request;
      try {
        request = JSON.parse(line);
      } catch (err) {
        answer({ error: "not JSON: " + line.slice(0, 80) });
        return;
      }
      if (request.stylesheet) {
        answer({ css: adaptor.textContent(MathJax.chtmlStylesheet()) });
        return;
      }
      try {
        const node = await MathJax.tex2chtmlPromise(request.tex, { display: Boolean(request.display) });
        answer({ html: adaptor.outerHTML(node) });
      } catch (err) {
        answer({ error: String((err && err.message) || err) });
      }
    });
  });
}).catch((err) => {
  process.stderr.write("MathJax failed to start: " + ((err && err.stack) || err) + "\n");
  process.exit(1);
});
