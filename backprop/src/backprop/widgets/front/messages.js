// backprop.messages in the browser: every sentence the widgets show, from the one catalogue.
//
// MESSAGES (key -> template, in the language the book was built in) is written in front
// of this file by backprop.widgets.bundle from backprop/messages.json and the captions of
// graph/ops.json, so Python and the browser say the same words. A template names its
// blanks ({value}); msg fills them with text the caller has already written.

function msg(key, fields = {}) {
  const template = MESSAGES[key];
  if (template === undefined) throw new Error(`no message '${key}'; add it to backprop/messages.json`);
  return template.replace(/\{(\w+)\}/g, (_, name) => {
    if (!(name in fields)) throw new Error(`message '${key}' needs '${name}'`);
    return String(fields[name]);
  });
}

// backprop.messages.join and join_and: "a, b, c"; "a", "a and b", "a, b and c".
function msgJoin(items) { return items.join(MESSAGES["list.separator"]); }
function msgJoinAnd(items) {
  return items.length === 1 ? items[0] : msg("list.and", { items: msgJoin(items.slice(0, -1)), last: items[items.length - 1] });
}
