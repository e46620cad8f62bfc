// @vitest-environment node
// Issue 20: the README is a short front page and the rest lives in docs/, one
// page per topic. This keeps it so: every relative link and #anchor in the
// front page, the docs pages and the package's README and CHANGELOG points at a
// file and a heading that exist (GitHub's anchor slugs, by github-slugger, the
// library GitHub's own rules are taken from), every docs page is linked from
// the front page, and the front page stays short.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import GithubSlugger from "github-slugger";
import { describe, expect, test } from "vitest";

const ROOT = resolve(__dirname, "..");
const FRONT_PAGE = join(ROOT, "README.md");
const DOCS = join(ROOT, "docs");
const PAGES = [
  FRONT_PAGE,
  ...readdirSync(DOCS)
    .filter((f) => f.endsWith(".md"))
    .map((f) => join(DOCS, f)),
  join(ROOT, "packages/convex-hourly-backup/README.md"),
  join(ROOT, "packages/convex-hourly-backup/CHANGELOG.md"),
];

/** The lines outside fenced code blocks, with their numbers. */
function proseLines(path: string): { line: string; n: number }[] {
  const out: { line: string; n: number }[] = [];
  let fenced = false;
  readFileSync(path, "utf8")
    .split("\n")
    .forEach((line, i) => {
      if (/^\s*```/.test(line)) fenced = !fenced;
      else if (!fenced) out.push({ line, n: i + 1 });
    });
  return out;
}

/** The anchors GitHub gives a file's headings (duplicates numbered, as GitHub does). */
function anchors(path: string): Set<string> {
  const slugger = new GithubSlugger();
  const found = new Set<string>();
  for (const { line } of proseLines(path)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) found.add(slugger.slug(heading[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")));
  }
  return found;
}

/** Every [text](target) outside code blocks and inline code, with where it is. */
function links(path: string): { target: string; where: string }[] {
  const out: { target: string; where: string }[] = [];
  for (const { line, n } of proseLines(path)) {
    const prose = line.replace(/`[^`]*`/g, "``");
    for (const match of prose.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)) {
      out.push({ target: match[1]!, where: `${relative(ROOT, path)}:${n}` });
    }
  }
  return out;
}

/** What is wrong with one link, or null. */
function brokenLink(from: string, target: string): string | null {
  if (/^[a-z]+:/i.test(target)) return null; // https:, mailto:: not checked offline
  const hash = target.indexOf("#");
  const file = hash === -1 ? target : target.slice(0, hash);
  const anchor = hash === -1 ? null : target.slice(hash + 1);
  const to = file === "" ? from : resolve(dirname(from), file);
  if (!existsSync(to)) return `${relative(ROOT, to)} does not exist`;
  if (anchor === null) return null;
  if (!statSync(to).isFile() || !to.endsWith(".md")) return `#${anchor} on a file that is not markdown`;
  return anchors(to).has(anchor) ? null : `${relative(ROOT, to)} has no heading #${anchor}`;
}

describe("docs: the front page and the pages it leads to", () => {
  test("every relative link and #anchor resolves", () => {
    const broken = PAGES.flatMap((page) =>
      links(page).flatMap(({ target, where }) => {
        const problem = brokenLink(page, target);
        return problem === null ? [] : [`${where}: (${target}): ${problem}`];
      }),
    );
    expect(broken).toEqual([]);
  });

  test("every docs page is linked from the front page", () => {
    const linked = new Set(
      links(FRONT_PAGE)
        .map(({ target }) => target.split("#")[0]!)
        .filter((file) => file !== "" && !/^[a-z]+:/i.test(file))
        .map((file) => resolve(ROOT, file)),
    );
    const unlinked = PAGES.filter((p) => dirname(p) === DOCS && !linked.has(p)).map((p) => relative(ROOT, p));
    expect(unlinked).toEqual([]);
  });

  test("the front page reads in five minutes: under 260 lines", () => {
    const lines = readFileSync(FRONT_PAGE, "utf8").split("\n").length;
    expect(lines).toBeLessThan(260);
  });

  test("the anchor rules are GitHub's (a check that cannot fail would prove nothing)", () => {
    const front = anchors(FRONT_PAGE);
    expect(front.has("add-it-to-your-app")).toBe(true);
    expect(brokenLink(FRONT_PAGE, "#no-such-heading")).toMatch(/has no heading/);
    expect(brokenLink(FRONT_PAGE, "docs/no-such-page.md")).toMatch(/does not exist/);
    expect(anchors(join(DOCS, "restore.md")).has("a-few-documents-and-their-history")).toBe(true);
    // A heading inside a code block is no heading (docs/security.md's "# 1. the backup accepts both").
    expect(anchors(join(DOCS, "security.md")).has("1-the-backup-accepts-both")).toBe(false);
  });
});
