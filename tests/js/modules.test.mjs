// The browser modules as a whole: every module a page imports is preloaded by its template (and nothing
// else is), each opens with a line saying what it owns, none is over 300 lines, and sequencer.js and
// outbox.js stay free of the DOM so they can be tested here.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const STATIC = join(ROOT, "static");
const IMPORT = /(?:^|\n)\s*import\s+(?:[^"';]*?\s+from\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** Every module reachable from `entry` (static and dynamic imports), as paths under static/. */
function moduleGraph(entry) {
  const seen = new Set();
  const visit = (file) => {
    const path = relative(STATIC, file);
    if (seen.has(path)) return;
    seen.add(path);
    if (path.startsWith("vendor/")) return;
    for (const match of readFileSync(file, "utf8").matchAll(IMPORT)) {
      visit(resolve(dirname(file), match[1] || match[2]));
    }
  };
  visit(join(STATIC, entry));
  return seen;
}

/** The modules a template preloads (the Jinja list of static paths in its modulepreload loop). */
function preloaded(template) {
  const text = readFileSync(join(ROOT, "templates", template), "utf8");
  const loop = text.match(/\{%-?\s*for module in \[([^\]]*)\]/);
  assert.ok(loop, `no modulepreload loop in ${template}`);
  return new Set([...loop[1].matchAll(/'([^']+)'/g)].map((m) => m[1]));
}

function jsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return jsFiles(path);
    return entry.name.endsWith(".js") ? [path] : [];
  });
}

describe("browser modules", () => {
  it("the chat page preloads exactly what its entry imports", () => {
    const graph = moduleGraph("js/chat/main.js");
    const pageGraph = moduleGraph("js/page.js");
    graph.delete("js/chat/main.js");
    for (const module of pageGraph) graph.delete(module); // preloaded by base.html
    assert.deepEqual([...preloaded("chat/conversation.html")].sort(), [...graph].sort());
  });

  it("the companion list preloads exactly what list-page.js imports, and loads it", () => {
    const graph = moduleGraph("js/chat/list-page.js");
    for (const module of moduleGraph("js/page.js")) graph.delete(module); // preloaded by base.html
    assert.deepEqual([...preloaded("chat/index.html")].sort(), [...graph].sort());
    const template = readFileSync(join(ROOT, "templates/chat/index.html"), "utf8");
    assert.match(template, /<script type="module" src="\{\{ url_for\('static', filename='js\/chat\/list-page.js'\) \}\}"><\/script>/);
  });

  it("the group chat page preloads exactly what group.js imports, and loads it", () => {
    const graph = moduleGraph("js/chat/group.js");
    for (const module of moduleGraph("js/page.js")) graph.delete(module); // preloaded by base.html
    graph.add("js/chat/group.js");
    assert.deepEqual([...preloaded("chat/group.html")].sort(), [...graph].sort());
  });

  it("every page preloads what page.js imports", () => {
    const graph = moduleGraph("js/page.js");
    graph.delete("js/page.js");
    assert.deepEqual([...preloaded("base.html")].sort(), [...graph].sort());
  });

  it("each module opens with a comment saying what it owns and stays under 300 lines", () => {
    for (const file of jsFiles(join(STATIC, "js"))) {
      const text = readFileSync(file, "utf8");
      assert.match(text, /^\/\/ \S/, `${relative(ROOT, file)} does not open with a comment line`);
      assert.ok(text.split("\n").length <= 300, `${relative(ROOT, file)} is over 300 lines`);
    }
  });

  it("the sequencer and the outbox hold no DOM code", () => {
    for (const name of ["sequencer.js", "outbox.js"]) {
      const text = readFileSync(join(STATIC, "js/chat", name), "utf8").replace(/\/\/.*|\/\*[\s\S]*?\*\//g, "");
      assert.doesNotMatch(text, /\b(document|window|localStorage|location)\b/, name);
    }
  });
});
